"""One store per process, opened lazily and refreshed when a new build is published."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app

from kg.store import GraphStore, open_store

_lock = threading.Lock()
_made_lock = threading.Lock()
T = TypeVar("T")


def get_store() -> GraphStore:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    store = app.extensions.get("kg_store")
    if store is None:
        with _lock:
            store = app.extensions.get("kg_store")
            if store is None:
                store = open_store(app.config["STORE"])
                app.extensions["kg_store"] = store
    store.refresh()
    return store


def per_graph(name: str, make: Callable[[GraphStore], T]) -> T:
    """``make(store)``, made once per published graph and kept in ``app.extensions[name]`` until the next."""
    store = get_store()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    cached = app.extensions.get(name)
    if cached is not None and cached[0] == store.version:
        return cached[1]
    with _made_lock:
        cached = app.extensions.get(name)
        if cached is None or cached[0] != store.version:
            cached = (store.version, make(store))
            app.extensions[name] = cached
    return cached[1]


def init_app(app: Flask) -> None:
    app.extensions.setdefault("kg_store", None)
