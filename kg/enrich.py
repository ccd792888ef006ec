"""Enrichment run after sources are written: mention edges, entities, then derived edges.

Kept apart from the pipeline so each step can be run and tested alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pyoxigraph

from kg.derive import refresh_derived
from kg.entities import refresh_entities
from kg.errors import Report
from kg.mentions import is_source_with_text, refresh_mentions
from kg.records import Gazetteer


def enrich(
    store: pyoxigraph.Store,
    written: Iterable[str] = (),
    progress: Callable[[str], None] = lambda _m: None,
    report: Report | None = None,
    gazetteers: Iterable[Gazetteer] = (),
) -> None:
    """``written``: the source graphs this write replaced (a changed glossary relinks everything).

    Warnings (entity name conflicts) go to ``report``; a gazetteer that contradicts the glossary raises.
    """
    written = list(written)
    glossary_changed = any("/graph/glossary/" in g for g in written)
    if glossary_changed:
        n = refresh_mentions(store)
    else:
        n = refresh_mentions(store, [g for g in written if is_source_with_text(g)])
    progress(f"mention edges: {n} quads")
    if glossary_changed or any("/graph/gazetteer/" in g for g in written):
        n = refresh_entities(store, None, report, gazetteers)
    else:
        n = refresh_entities(store, [g for g in written if is_source_with_text(g)], report, gazetteers)
    progress(f"entity graphs: {n} quads")
    n = refresh_derived(store)
    progress(f"derived edges: {n} quads")
