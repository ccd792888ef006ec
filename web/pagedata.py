"""Page records from the page index (:mod:`kg.pageindex`), else from the store's queries.

The index holds, per published graph, the exact bytes ``/api/terms/<slug>``, ``/api/episodes/<id>``
and ``/api/papers/<key>`` serve and their ETags; a store without one (made before it, or Neo4j)
answers by queries as before. A key the index lacks is asked of the store too, so an answer never
depends on whether the index is there.
"""

from __future__ import annotations

import json
from typing import Any

from kg.pageindex import Entry
from kg.store import GraphStore


def indexed(store: GraphStore, kind: str, key: str) -> Entry | None:
    """The served bytes and ETag of one ``episode``, ``paper`` or ``term``; ``None``: ask the store."""
    index = store.page_index
    return index.get(kind, key) if index is not None else None


def record(store: GraphStore, kind: str, key: str) -> dict[str, Any] | None:
    """The record of one page, as ``store.<kind>(key)`` gives it."""
    entry = indexed(store, kind, key)
    if entry is not None:
        return json.loads(entry.body)
    return getattr(store, kind)(key)
