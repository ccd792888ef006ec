"""What one write changed, handed to every enrichment step.

A build starts from nothing (``full=True``): each step recomputes what it owns.
An ingest replaces a few named graphs; ``touched`` collects the IRIs (subjects and
IRI objects) of every quad added or removed, so a step can update only what those
nodes affect. A step that writes edges itself records what it touched too (use
:func:`replace_graph`), so the steps after it see its changes.

``graphs`` names the source graphs an ingest replaced, so a step can tell what kind
of source changed (a new glossary relinks every text; a new episode only its own).

``subjects`` is the part of ``touched`` that were subjects (nodes whose own data changed),
``quads`` the quads themselves (up to ``MAX_KEPT_QUADS``), and
``rewritten`` the nodes whose derived edges a step rewrote (only their own pages change;
``rewrote_all``: the step recomputed every one): the page index (:mod:`kg.pageindex`) re-makes
the entries these affect.

``previous`` is the generation the write started from (``None`` for a build) and
``target`` the one being written: steps keep per-generation side files there
(e.g. ``kg-derived.npz``, the derived-edge index), copied on write like the store.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph
from pyoxigraph import NamedNode, Quad, RdfFormat

MAX_KEPT_QUADS = 50_000  # an ingest changing more than this many quads keeps only the touched IRIs


@dataclass
class Changes:
    full: bool = False
    touched: set[str] = field(default_factory=set)
    subjects: set[str] = field(default_factory=set)  # the touched nodes that were subjects
    rewritten: set[str] = field(default_factory=set)  # nodes whose derived edges were rewritten
    rewrote_all: bool = False  # ... all of them (a full recompute of the derived edges)
    quads: list[Quad] | None = field(default_factory=list)  # the quads added or removed; None: too many kept
    graphs: set[str] = field(default_factory=set)  # the source graphs this write replaced (an ingest)
    previous: Path | None = None
    target: Path | None = None
    quad_delta: int = 0  # quads added minus quads removed by this write (kept so nobody counts the store)
    # the kg:mentions edges a build wrote with their counts (text node IRI -> term IRI -> count; -1:
    # counted differently by two graphs), and each term's slug, so the steps after it need not read
    # millions of quads back; None when the step did not record them (an ingest)
    mentions: dict[str, dict[str, int]] | None = None
    mention_slugs: dict[str, str] | None = None
    # the related rows an ingest's derived-edge step rewrote: episode IRI -> [(other episode IRI,
    # weight, reason)], so the page index renews those lists without reading them back
    related: dict[str, list[tuple[str, object, str]]] = field(default_factory=dict)

    def touch(self, quads: Iterable[Quad]) -> None:
        for q in quads:
            if self.quads is not None:
                self.quads.append(q)
                if len(self.quads) > MAX_KEPT_QUADS:
                    self.quads = None
            if isinstance(q.subject, NamedNode):
                self.touched.add(q.subject.value)
                self.subjects.add(q.subject.value)
            if isinstance(q.object, NamedNode):
                self.touched.add(q.object.value)

    @property
    def empty(self) -> bool:
        return not self.full and not self.touched


def replace_graph(store: pyoxigraph.Store, graph: NamedNode, quads: list[Quad], changes: Changes) -> bool:
    """Replace one named graph by ``quads``; record the difference; False if nothing changed."""
    exists = store.contains_named_graph(graph)
    old = set(store.quads_for_pattern(None, None, None, graph)) if exists else set()
    new = set(quads)
    if exists and old == new:
        return False
    removed, added = old - new, new - old
    if not changes.full:
        changes.touch(removed)
        changes.touch(added)
    for q in removed:
        store.remove(q)
    changes.quad_delta += len(added) - len(removed)
    if added:
        store.extend(list(added))
    if exists and not new:
        store.remove_graph(graph)
    return True


class BulkText:
    """N-Quads text bulk-loaded into a store in chunks of about ``CHUNK`` bytes (for a fresh
    generation, private until published: the bulk loader is not transactional)."""

    CHUNK = 64 << 20

    def __init__(self, store: pyoxigraph.Store):
        self.store = store
        self.parts: list[str] = []
        self.size = 0

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)
        if self.size >= self.CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.parts:
            self.store.bulk_load("".join(self.parts).encode("utf-8"), format=RdfFormat.N_QUADS)
        self.parts, self.size = [], 0


def replace_graphs(
    store: pyoxigraph.Store, graphs: Iterable[tuple[NamedNode, list[Quad]]], changes: Changes
) -> int:
    """:func:`replace_graph` for many graphs; the number of quads the graphs now hold.

    In a build (``changes.full``: a fresh generation, private until published) the graphs the
    store does not hold yet are bulk-loaded (:class:`BulkText`): one transaction per graph
    costs more than the whole step. Any other graph goes through :func:`replace_graph`.
    """
    written = 0
    bulk = BulkText(store)
    for graph, quads in graphs:
        if changes.full and not store.contains_named_graph(graph):
            unique = list(dict.fromkeys(quads))
            if unique:
                bulk.add(pyoxigraph.serialize(unique, format=RdfFormat.N_QUADS).decode("utf-8"))
            changes.quad_delta += len(unique)
            written += len(unique)
            continue
        replace_graph(store, graph, quads, changes)
        written += len(quads)
    bulk.flush()
    return written


__all__ = ["BulkText", "Changes", "replace_graph", "replace_graphs"]
