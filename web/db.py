"""One store per process, opened lazily and refreshed when a new build is published."""

from __future__ import annotations

import threading

from flask import Flask, current_app

from kg.store import GraphStore, open_store

_lock = threading.Lock()


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


def init_app(app: Flask) -> None:
    app.extensions.setdefault("kg_store", None)
