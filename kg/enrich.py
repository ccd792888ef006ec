"""Enrichment run after sources are written: mention edges, then derived edges.

Kept apart from the pipeline so each step can be run and tested alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pyoxigraph

from kg.derive import refresh_derived
from kg.mentions import is_source_with_text, refresh_mentions


def enrich(
    store: pyoxigraph.Store, written: Iterable[str] = (), progress: Callable[[str], None] = lambda _m: None
) -> None:
    """``written``: the source graphs this write replaced (a changed glossary relinks everything)."""
    written = list(written)
    if any("/graph/glossary/" in g for g in written):
        n = refresh_mentions(store)
    else:
        n = refresh_mentions(store, [g for g in written if is_source_with_text(g)])
    progress(f"mention edges: {n} quads")
    n = refresh_derived(store)
    progress(f"derived edges: {n} quads")
