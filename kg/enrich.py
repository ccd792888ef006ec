"""Enrichment run after sources are written: derived edges (and, later, mentions).

Kept apart from the pipeline so each step can be run and tested alone.
"""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph

from kg.derive import refresh_derived


def enrich(store: pyoxigraph.Store, progress: Callable[[str], None] = lambda _m: None) -> None:
    n = refresh_derived(store)
    progress(f"derived edges: {n} quads")
