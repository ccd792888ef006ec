"""Enrichment run after the sources are written: a sequence of steps.

Each step takes the store being written, the :class:`~kg.store.changes.Changes` of
this write (everything, for a build; the touched nodes and replaced source graphs,
for an ingest) and the write's :class:`Inputs`, and updates what it owns: mention
edges, entities, then derived edges, which are computed from everything else, and last the
page index, the served bodies of the pages. A
step writes its graphs through :func:`~kg.store.changes.replace_graphs`, so the
steps after it see what it touched.

Kept apart from the pipeline so each step can be run and tested alone.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph

from kg import derive
from kg.entities import EntityWorker, Started, refresh_entities, start_entities, start_ingest_entities
from kg.errors import Report
from kg.mentions import is_source_with_text, refresh_mentions
from kg.rdf.namespaces import KG, RDF, SKOS
from kg.records import Gazetteer
from kg.store.changes import Changes
from kg.store.oxigraph import glossary_rows
from kg.texts import MentionRow, SourceTexts

if TYPE_CHECKING:  # imported where it runs: the page index module is only needed by that step
    from kg.pageindex import Copy

Progress = Callable[[str], None]
_GRAPH = "https://paperdive.ai/id/graph/"

GLOSSARY_FILE = "kg-glossary.json"  # the glossary rows, kept per generation
_GLOSSARY_FORMAT = 1
# what glossary.rq reads: a write that changes none of these leaves the rows as they were
_GLOSSARY_PREDICATES = frozenset(
    p.value for p in (SKOS.prefLabel, SKOS.definition, KG.termKind, SKOS.altLabel, KG.acronym, SKOS.hiddenLabel)
)


@dataclass
class Inputs:
    """What a step may need beyond the store: where warnings go, and the gazetteers this write read."""

    report: Report = field(default_factory=Report)
    gazetteers: list[Gazetteer] = field(default_factory=list)
    _glossary: list[dict] | None = None
    entities: Started | None = None  # a build's entity step, begun before the mention step
    changes: Changes | None = None
    texts: list[MentionRow] | None = None  # a build's mention texts, as its sources were written
    index_copy: Copy | None = None  # an ingest's copy of the previous page index, begun early (kg.pageindex.Copy)

    def glossary(self, store: pyoxigraph.Store) -> list[dict]:
        """The glossary rows in the store, read once per write (no step writes the glossary): those
        the previous generation kept when this write changed nothing they are made of, else the
        store's (``glossary.rq``: about a second at 1,000 terms)."""
        if self._glossary is None:
            self._glossary = self._kept()
        if self._glossary is None:
            self._glossary = glossary_rows(store)
        return self._glossary

    def _kept(self) -> list[dict] | None:
        changes = self.changes
        if changes is None or changes.full or changes.previous is None or changes.quads is None:
            return None
        for q in changes.quads:
            p = q.predicate.value
            if p in _GLOSSARY_PREDICATES or (p == RDF.type.value and q.object == KG.Term):
                return None
        try:
            kept = json.loads((Path(changes.previous) / GLOSSARY_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(kept, dict) or kept.get("format") != _GLOSSARY_FORMAT:
            return None
        return kept["rows"]

    def keep_glossary(self, store: pyoxigraph.Store) -> None:
        """Write this generation's glossary rows beside it, for the next write."""
        if self.changes is None or self.changes.target is None:
            return
        path = Path(self.changes.target) / GLOSSARY_FILE
        tmp = path.with_suffix(".tmp")
        body = {"format": _GLOSSARY_FORMAT, "rows": self.glossary(store)}
        tmp.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)


def mention_edges(store: pyoxigraph.Store, changes: Changes, progress: Progress, inputs: Inputs) -> None:
    """Which chapter, summary, takeaway, review paragraph and topic uses which term (:mod:`kg.mentions`)."""
    rows, inputs.texts = inputs.texts, None
    progress(f"mention edges: {refresh_mentions(store, changes, lambda: inputs.glossary(store), rows)} quads written")


def entity_edges(store: pyoxigraph.Store, changes: Changes, progress: Progress, inputs: Inputs) -> None:
    """Entities named in the texts, and evaluated-on / extends edges (:mod:`kg.entities`).

    A build, a changed glossary or a changed gazetteer re-reads every text; otherwise the texts of
    the replaced sources. A gazetteer that contradicts the glossary raises (the write is discarded).
    """
    sources = _entity_sources(changes)
    started = inputs.entities
    glossary = lambda: inputs.glossary(store)  # noqa: E731
    n = refresh_entities(store, sources, inputs.report, inputs.gazetteers, changes, glossary, started)
    progress(f"entity graphs: {n} quads written")


def _entity_sources(changes: Changes) -> list[str] | None:
    """The source graphs whose texts the entity step reads; ``None``: every one (a build, or a write
    that changed the glossary or a gazetteer, which may change what any text names)."""
    relinking = (_GRAPH + "glossary/", _GRAPH + "gazetteer/")
    if changes.full or any(g.startswith(relinking) for g in changes.graphs):
        return None
    return [g for g in changes.graphs if is_source_with_text(g)]


def derived_edges(store: pyoxigraph.Store, changes: Changes, progress: Progress, inputs: Inputs) -> None:
    """Related episodes and co-recommended papers (:mod:`kg.derive`), updated incrementally."""
    progress(str(derive.update(store, changes)))


def page_index(store: pyoxigraph.Store, changes: Changes, progress: Progress, inputs: Inputs) -> None:
    """The served page bodies (:mod:`kg.pageindex`), in the generation being written; last, as it
    shows what every other step made."""
    from kg import pageindex

    copy, inputs.index_copy = inputs.index_copy, None
    progress(str(pageindex.update(store, changes, copy)))


Step = Callable[[pyoxigraph.Store, Changes, Progress, Inputs], None]
STEPS: tuple[Step, ...] = (mention_edges, entity_edges, derived_edges, page_index)
#: an ingest's order: the entity step last, so the texts it reads are analysed in a worker process
#: (:class:`~kg.entities.EntityWorker`) while the other steps run here. Nothing they read is the
#: entity step's: derived edges count papers, terms and topics, and no page shows an entity graph.
INGEST_STEPS: tuple[Step, ...] = (mention_edges, derived_edges, page_index, entity_edges)


def enrich(
    store: pyoxigraph.Store,
    changes: Changes | None = None,
    progress: Progress = lambda _m: None,
    report: Report | None = None,
    gazetteers: Iterable[Gazetteer] = (),
    texts: SourceTexts | None = None,
    worker: EntityWorker | None = None,
) -> None:
    """Run the steps. ``texts``: for a build, the texts of the graphs its sources wrote
    (:mod:`kg.texts`), which the mention and entity steps would otherwise read back. ``worker``: for
    an ingest, a process started to analyse its texts (closed here)."""
    changes = changes if changes is not None else Changes(full=True)
    inputs = Inputs(report if report is not None else Report(), list(gazetteers), changes=changes)
    entity_rows = None
    if changes.full and texts is not None:
        inputs.texts, entity_rows = texts.mention_rows(), texts.entity_rows()
        texts.by_graph.clear()
    try:
        if changes.full:  # the texts are analysed in worker processes while the mention step runs here
            glossary = lambda: inputs.glossary(store)  # noqa: E731
            inputs.entities = start_entities(store, inputs.report, inputs.gazetteers, glossary, entity_rows)
        else:  # the page index step starts from a copy of the previous generation's, made meanwhile
            from kg import pageindex

            inputs.index_copy = pageindex.start_copy(changes)
            if worker is not None:
                sources = _entity_sources(changes)
                if sources:
                    rows = inputs.glossary(store)  # read here, once, before the thread that reads the catalogue
                    inputs.entities = start_ingest_entities(store, sources, worker, inputs.gazetteers, rows)
                else:
                    worker.close()
                worker = None
        for step in STEPS if changes.full else INGEST_STEPS:
            step(store, changes, progress, inputs)
        inputs.keep_glossary(store)
    finally:
        if inputs.entities is not None:
            inputs.entities.close()
        if worker is not None:
            worker.close()
        if inputs.index_copy is not None:  # a step failed before the page index
            inputs.index_copy.discard()
