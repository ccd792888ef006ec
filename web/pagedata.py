"""Page records from the page index (:mod:`kg.pageindex`), else from the store's queries.

The index holds, per published graph, the exact bytes ``/api/terms/<slug>``, ``/api/episodes/<id>``
and ``/api/papers/<key>`` serve and their ETags; a store without one (made before it, or Neo4j)
answers by queries as before. A key the index lacks is asked of the store too, so an answer never
depends on whether the index is there.
"""

from __future__ import annotations

import json
from typing import Any

from kg.pageindex import Entry, served
from kg.store import GraphStore


def indexed(store: GraphStore, kind: str, key: str) -> Entry | None:
    """The served bytes and ETag of one ``episode``, ``paper`` or ``term`` (or an episode's ``related``
    list alone, :data:`kg.pageindex.RELATED`); ``None``: ask the store."""
    index = store.page_index
    return index.get(kind, key) if index is not None else None


def record(store: GraphStore, kind: str, key: str) -> dict[str, Any] | None:
    """The record of one page as it is served (:func:`kg.pageindex.served`: a term's ``mentioned_in``
    holds its newest rows, ``mentioned_in_total`` counts them all)."""
    entry = indexed(store, kind, key)
    if entry is not None:
        return json.loads(entry.body)
    return served(kind, getattr(store, kind)(key))


def term_mentions(store: GraphStore, slug: str, data: dict[str, Any] | None = None) -> list[dict[str, Any]] | None:
    """Every ``mentioned_in`` row of a term (newest first); ``None``: no such term. ``data``: the
    term's served record (:func:`record`), when the caller has it."""
    if data is None:
        entry = indexed(store, "term", slug)
        data = json.loads(entry.body) if entry is not None else None
    if data is not None:
        if data["mentioned_in_total"] <= len(data["mentioned_in"]):
            return data["mentioned_in"]
        index = store.page_index
        rows = index.term_mentions(slug) if index is not None else None
        if rows is not None:
            return rows
    whole = store.term(slug)  # no index (or no whole list in it): the store's record has every row
    return whole["mentioned_in"] if whole is not None else None


def full_term(store: GraphStore, slug: str) -> dict[str, Any] | None:
    """A term's served record with every ``mentioned_in`` row (what its tooltip card is cut from)."""
    data = record(store, "term", slug)
    if data is not None and data["mentioned_in_total"] > len(data["mentioned_in"]):
        data = {**data, "mentioned_in": term_mentions(store, slug, data) or []}
    return data
