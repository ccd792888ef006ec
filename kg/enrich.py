"""Enrichment run after the sources are written: a sequence of steps.

Each step takes the store being written and the :class:`~kg.store.changes.Changes`
of this write (everything, for a build; the touched nodes, for an ingest), and
updates what it owns. A step that writes edges records what it touched in
``changes`` so the steps after it see it; derived edges come last, since they are
computed from everything else (mentions included).

Kept apart from the pipeline so each step can be run and tested alone.
"""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph

from kg import derive
from kg.mentions import refresh_mentions
from kg.store.changes import Changes

Progress = Callable[[str], None]


def mention_edges(store: pyoxigraph.Store, changes: Changes, progress: Progress) -> None:
    """Which chapter, summary, takeaway, review paragraph and topic uses which term (:mod:`kg.mentions`)."""
    progress(f"mention edges: {refresh_mentions(store, changes)} quads written")


def derived_edges(store: pyoxigraph.Store, changes: Changes, progress: Progress) -> None:
    """Related episodes and co-recommended papers (:mod:`kg.derive`), updated incrementally."""
    progress(str(derive.update(store, changes)))


STEPS: tuple[Callable[[pyoxigraph.Store, Changes, Progress], None], ...] = (mention_edges, derived_edges)


def enrich(store: pyoxigraph.Store, changes: Changes | None = None, progress: Progress = lambda _m: None) -> None:
    changes = changes if changes is not None else Changes(full=True)
    for step in STEPS:
        step(store, changes, progress)
