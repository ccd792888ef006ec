"""The glossary linker of the graph being served, rebuilt only when a new graph is published."""

from __future__ import annotations

import threading

from flask import current_app

from kg.nlp.linker import FIRST_ONLY, Linker
from kgweb.db import get_store

_lock = threading.Lock()


def get_linker() -> Linker:
    store = get_store()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    cached = app.extensions.get("kg_linker")
    if cached is not None and cached[0] == store.version:
        return cached[1]
    with _lock:
        cached = app.extensions.get("kg_linker")
        if cached is None or cached[0] != store.version:
            cached = (store.version, Linker.from_rows(store.glossary()))
            app.extensions["kg_linker"] = cached
    return cached[1]


def first_only_setting() -> str | None:
    """``KG_LINK_FIRST_ONLY``: true/section (default), page, or false."""
    value = current_app.config.get("LINK_FIRST_ONLY", True)
    if isinstance(value, str):
        value = value.strip().lower()
        if value in ("section", "page"):
            return value
        return "section" if value in ("1", "true", "yes", "on") else None
    return "section" if value else None


__all__ = ["get_linker", "first_only_setting", "FIRST_ONLY"]
