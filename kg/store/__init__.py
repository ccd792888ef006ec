"""Stores: one small ``GraphStore`` interface, an embedded Oxigraph default."""

from __future__ import annotations

import os

from kg.store.base import GraphStore

DEFAULT_STORE = ".kg"


def store_location(value: str | None = None) -> str:
    """The store named on the command line, else ``KG_STORE``, else ``.kg``."""
    return value or os.environ.get("KG_STORE") or DEFAULT_STORE


def open_store(location: str | None = None) -> GraphStore:
    """Open a store for reading by its location (a directory, or a neo4j:// URI)."""
    loc = store_location(location)
    if loc.startswith(("neo4j://", "neo4j+s://", "neo4j+ssc://", "bolt://", "bolt+s://", "bolt+ssc://")):
        from kg.store.neo4j import Neo4jStore  # noqa: PLC0415 - optional backend

        return Neo4jStore.from_uri(loc)
    from kg.store.oxigraph import OxigraphStore

    return OxigraphStore(loc)


__all__ = ["GraphStore", "open_store", "store_location", "DEFAULT_STORE"]
