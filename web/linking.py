"""The glossary linker of the graph being served, rebuilt only when a new graph is published."""

from __future__ import annotations

from flask import current_app

from kg.nlp.linker import FIRST_ONLY, Linker
from kgweb.db import per_graph


def get_linker() -> Linker:
    return per_graph("kg_linker", lambda store: Linker.from_rows(store.glossary()))


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
