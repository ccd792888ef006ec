"""Entity nodes, entity mentions and the plain relations between entities, written per source graph.

Run after the sources are written (like :mod:`kg.mentions`). The catalogue of
known entities is read from the store: gazetteer entities (``entities.yaml``,
graph ``id/graph/gazetteer/<stem>``) and glossary terms of an entity kind (the
glossary graph types ``id/entity/<slug>`` and says ``<term> kg:denotes <entity>``).
The finder (:mod:`kg.nlp.entities`) reads every text of one source graph and
writes, into a graph of its own (``id/graph/entities/episode/E172``)::

    <chapter> kg:mentionsEntity <https://paperdive.ai/id/entity/kernelbench> .
    <entity/kernelpro> kg:evaluatedOn <entity/kernelbench> .
    <entity/cliff-dpo> cito:extends <entity/dpo> .
    <entity/qwen2-5-3b> a kg:Model ; schema:name "Qwen2.5-3B" .   # a shape name the catalogue lacks

A name found by its shape or context keeps the first type given to it (the
sources are read in graph order; on an ingest, the types other sources gave
stand), so one entity never gets two types. The gazetteer and the glossary are
checked against each other first: one entity, one type (E075); every curated
edge and ``term:`` must point at something that exists (E074); names two
entities share are reported (W071).
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import pyoxigraph
from pyoxigraph import Literal, NamedNode, Quad

from kg.errors import KGError, Location, Report
from kg.nlp.entities import CatalogueEntry, EntityFinder, Found, Relation
from kg.nlp.linker import TermForms
from kg.rdf.mapping import ENTITY_CLASS
from kg.rdf.namespaces import CITO, DATA_NS, KG, RDF, SCHEMA, entity_iri, graph_iri, local_id
from kg.records import Gazetteer
from kg.settings import build_worker_processes
from kg.store.changes import Changes, replace_graphs
from kg.store.oxigraph import glossary_rows, run_select

log = logging.getLogger("kg.entities")

_GRAPH_PREFIX = DATA_NS + "graph/"
ENTITY_GRAPH_PREFIX = _GRAPH_PREFIX + "entities/"
_CLASS_TYPE = {cls.value: kind for kind, cls in ENTITY_CLASS.items()}
_EDGE = {"evaluated_on": KG.evaluatedOn, "extends": CITO.extends}


def entity_graph(source: str) -> NamedNode:
    """``…/graph/episode/E172`` -> ``…/graph/entities/episode/E172``."""
    return graph_iri("entities", source[len(_GRAPH_PREFIX) :])


def _entity_slug(iri_value: str) -> str:
    return local_id(iri_value, "entity")


@dataclass
class Catalogue:
    entries: dict[str, CatalogueEntry] = field(default_factory=dict)
    other_terms: list[TermForms] = field(default_factory=list)


def _locator(store: pyoxigraph.Store, gazetteers: Iterable[Gazetteer]):
    """``where(entity, graph, field)``: the file and line to name in an error or warning.

    The source files are read only when a message needs one (at 10,000 episodes that query
    takes about a second, and a clean write needs none).
    """
    lines = {e.id: (g.path, e.line) for g in gazetteers for e in g.entities}
    files: dict[str, str] = {}

    def file_of(graph: str) -> str | None:
        if not files:
            files.update({r["g"]: r["file"] for r in run_select(store, "source_files.rq")})
        return files.get(graph)

    def where(entity: str, graph: str | None, fieldname: str) -> Location:
        if entity in lines:
            path, line = lines[entity]
            return Location(path, line, f"entity {entity!r}, {fieldname}")
        return Location(file_of(graph or ""), None, f"entity {entity!r}, {fieldname}")

    return where, file_of


def load_catalogue(
    store: pyoxigraph.Store,
    report: Report | None = None,
    gazetteers: Iterable[Gazetteer] = (),
    glossary: Callable[[], list[dict]] | None = None,
) -> Catalogue:
    """The known entities, checked: one type each, curated edges and terms that exist.

    ``glossary`` gives the glossary rows when the caller has them (else they are read)."""
    report = report if report is not None else Report()
    where, file_of = _locator(store, list(gazetteers))
    types: dict[str, dict[str, str]] = {}  # entity -> {type: graph}
    names: dict[str, list[str]] = {}
    gazetteer_names: dict[str, str] = {}
    for r in run_select(store, "entity_catalogue.rq"):
        slug = _entity_slug(r["e"])
        types.setdefault(slug, {})[_CLASS_TYPE[r["class"]]] = r["g"]
        forms = names.setdefault(slug, [])
        for n in [r["name"], *(r["alts"] or "").split("\n")]:
            if n and n not in forms:
                forms.append(n)
        if r["name"] and r["g"].startswith(_GRAPH_PREFIX + "gazetteer/"):
            gazetteer_names.setdefault(slug, r["name"])
    for slug, by_type in sorted(types.items()):
        if len(by_type) > 1:
            said = "; ".join(
                f"{file_of(g) or g} says {t}" for t, g in sorted(by_type.items(), key=lambda kv: kv[1])
            )
            gaz = next((g for g in by_type.values() if "/gazetteer/" in g), None)
            raise KGError("E075", f"entity {slug!r} has two types: {said}", where(slug, gaz, "type"))
    rows = glossary() if glossary is not None else glossary_rows(store)
    by_slug = {r["slug"]: r for r in rows}
    term_of: dict[str, list[dict]] = {}
    for r in run_select(store, "entity_denotes.rq"):
        slug = _entity_slug(r["e"])
        term = local_id(r["t"], "term")
        if r["label"] is None or term not in by_slug:
            raise KGError(
                "E074",
                f"term {term!r} is not in the glossary; add it or remove `term:` from the entry",
                where(slug, r["g"], "term"),
            )
        term_of.setdefault(slug, []).append(by_slug[term])
    for r in run_select(store, "entity_curated_edges.rq"):
        target = _entity_slug(r["o"])
        if target not in types:
            name = "evaluated_on" if r["p"].endswith("evaluatedOn") else "extends"
            raise KGError(
                "E074",
                f"{name} refers to {target!r}, which is neither a gazetteer entity "
                "nor a glossary term of an entity kind",
                where(_entity_slug(r["s"]), r["g"], name),
            )
    cat = Catalogue()
    for slug, by_type in sorted(types.items()):
        (etype,) = by_type
        forms = list(names.get(slug, []))
        acronyms: list[str] = []
        variants: list[str] = []
        for t in term_of.get(slug, []):
            for f in [t["label"], *t["aliases"]]:
                if f not in forms:
                    forms.append(f)
            acronyms += [a for a in t["acronyms"] if a not in acronyms]
            variants += [v for v in t["variants"] if v not in variants]
        primary = gazetteer_names.get(slug) or (forms[0] if forms else slug)
        cat.entries[slug] = CatalogueEntry(slug, primary, etype, tuple(forms), tuple(acronyms), tuple(variants))
    denoting = {t["slug"] for ts in term_of.values() for t in ts}
    cat.other_terms = [
        TermForms(r["slug"], r["label"], tuple(r["aliases"]), tuple(r["acronyms"]), tuple(r["variants"]))
        for r in rows
        if r["slug"] not in denoting
    ]
    return cat


def corpus_rows(store: pyoxigraph.Store, source: str | None = None) -> list[dict]:
    """``g``, ``node`` and ``text`` of the rows of ``corpus_texts.rq``, once each, in its order (``?g ?node ?text``).

    Read with ``entity_texts.rq`` (the same texts without the grouping and the other columns, which cost a
    full build most of this query's time) and sorted here: by code point, as the SPARQL store orders strings.
    """
    subs = {"g": NamedNode(source)} if source else {}
    rows = run_select(store, "entity_texts.rq", **subs)
    rows.sort(key=lambda r: (r["g"], r["node"], r["text"]))
    return rows


# -- analysing many texts in worker processes (module level, so they pickle) -------------------
PARALLEL_MIN_CHARS = 4 << 20  # below this much text a pool's start-up costs more than it saves
# a build with more text than this starts its analysis before the mention step and lets the pool
# work while that step runs on the main process (the pool's start-up is hidden behind it too)
OVERLAP_MIN_CHARS = 1 << 20
_CHUNK = 400  # texts per task
_worker_finder: EntityFinder | None = None


def _start_worker(entries: list[CatalogueEntry], other_terms: list[TermForms]) -> None:
    global _worker_finder
    _worker_finder = EntityFinder(entries, other_terms)


def _analyse_chunk(texts: list[str]) -> list[tuple[list[Found], list[Relation]]]:
    assert _worker_finder is not None
    out = []
    for text in texts:
        a = _worker_finder.analyse(text)
        out.append((a.entities, a.relations))
    return out


class EntityWorker:
    """One process, started as an ingest begins, that imports spaCy and makes its pipeline (about a second)
    while the ingest writes its source, its mention edges, derived edges and page index; then it analyses
    the ingested texts (:meth:`send`) and hands back the analyses and the finder's name conflicts.

    Whatever goes wrong in it (it died, the pipeline did not load) only means the texts are analysed
    here instead (:meth:`result` gives ``None``), where the same error is raised as without it.
    """

    def __init__(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve_analysis, args=(child,), daemon=True, name="kg-entities")
        self._proc.start()
        child.close()
        self._sent = False
        self._sender: threading.Thread | None = None

    def send(self, catalogue: Catalogue, texts: list[str]) -> None:
        """Hand the worker its texts; on a thread, as the worker reads them only once its pipeline is made
        (the catalogue is more than a pipe holds)."""
        message = (list(catalogue.entries.values()), catalogue.other_terms, texts)
        self._sender = threading.Thread(target=self._send, args=(message,), daemon=True, name="kg-entities-send")
        self._sent = True
        self._sender.start()

    def _send(self, message: tuple) -> None:
        try:
            self._conn.send(message)
        except (OSError, ValueError):  # the worker is gone: result() finds the pipe closed
            pass

    def result(self) -> tuple[list, list[tuple[list[Found], list[Relation]]]] | None:
        """``(conflicts, analyses)`` of the texts sent, in order; ``None`` if the worker gave none."""
        if not self._sent:
            return None
        try:
            answer = self._conn.recv()
        except (EOFError, OSError):
            answer = ("error", "the worker process ended")
        finally:
            self.close()
        if answer[0] != "ok":
            log.debug("entity worker: %s; the texts are analysed here", answer[1])
            return None
        return answer[1], answer[2]

    def close(self) -> None:
        if self._proc.is_alive():
            self._proc.terminate()  # ends a send still under way, too
        if self._sender is not None:
            self._sender.join(5)
        self._conn.close()
        self._proc.join(5)


def _serve_analysis(conn) -> None:
    """:class:`EntityWorker`'s process: make the pipeline, then analyse the one batch of texts it is sent."""
    try:
        from kg.nlp.entities import default_nlp

        default_nlp()
        try:
            entries, other_terms, texts = conn.recv()
        except EOFError:  # the ingest needed no analysis
            return
        finder = EntityFinder(entries, other_terms)
        found = [(a.entities, a.relations) for a in map(finder.analyse, texts)]
        conn.send(("ok", finder.conflicts, found))
    except BaseException as exc:  # noqa: BLE001 - reported to the ingest, which analyses the texts itself
        try:
            conn.send(("error", f"{type(exc).__name__}: {exc}"))
        except (OSError, ValueError):
            pass
    finally:
        conn.close()


def ingest_entity_worker() -> EntityWorker | None:
    """An :class:`EntityWorker` for an ingest, on a machine with more than one core (not with
    ``KG_BUILD_WORKERS=0``)."""
    return EntityWorker() if build_worker_processes(1, 0) > 0 else None


def entity_workers(chars: int) -> int:
    """Processes that analyse texts: ``KG_BUILD_WORKERS``, else one per core for more than 4 MB of text."""
    return build_worker_processes(chars, PARALLEL_MIN_CHARS)


class Analysis:
    """Texts being analysed in worker processes, started now; iterate for the results in order.

    :meth:`close` (also called once the results are read) stops the pool: a write that fails
    before it reads them must call it, or the interpreter waits for the pool at exit.
    """

    def __init__(self, texts: list[str], catalogue: Catalogue, workers: int):
        chunks = [texts[i : i + _CHUNK] for i in range(0, len(texts), _CHUNK)]
        self.pool = ProcessPoolExecutor(
            max_workers=max(1, min(workers, len(chunks))),
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(list(catalogue.entries.values()), catalogue.other_terms),
        )
        self.futures = [self.pool.submit(_analyse_chunk, c) for c in chunks]

    def __iter__(self) -> Iterator[tuple[list[Found], list[Relation]]]:
        try:
            for f in self.futures:
                yield from f.result()
        finally:
            self.close()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def analyses(
    finder: EntityFinder, texts: list[str], catalogue: Catalogue | None = None, workers: int = 0
) -> Iterator[tuple[list[Found], list[Relation]]]:
    """Entities and relations of each text, in order: in ``workers`` processes (each with a finder
    of ``catalogue``, which must be the one ``finder`` was made of), else with ``finder`` here."""
    if workers <= 0 or catalogue is None or len(texts) <= _CHUNK:
        for text in texts:
            a = finder.analyse(text)
            yield a.entities, a.relations
        return
    yield from Analysis(texts, catalogue, workers)


def entity_quads(
    finder: EntityFinder | None,
    rows: Iterable[dict],
    found_types: dict[str, tuple[str, str]],
    catalogue: Catalogue | None = None,
    workers: int = 0,
    found: Iterable[tuple[list[Found], list[Relation]]] | None = None,
) -> dict[str, list[Quad]]:
    """Entity quads by source graph. ``found_types``: type and name of shape names already given one (updated).

    With ``workers`` (and the ``catalogue`` of ``finder``) the texts are analysed in that many processes;
    ``found``: their analyses, already under way (:class:`Analysis`). The quads, and the first type given
    to each name, are made here in the order of ``rows``.
    """
    rows = list(rows)
    out: dict[str, dict[Quad, None]] = {}
    if found is None:
        found = analyses(finder, [row["text"] for row in rows], catalogue, workers)
    iris: dict[str, NamedNode] = {}
    g, eg, quads = None, None, {}
    for row, (entities, relations) in zip(rows, found, strict=True):
        if row["g"] != g:
            g = row["g"]
            eg = entity_graph(g)
            quads = out.setdefault(g, {})
        node = NamedNode(row["node"])
        for e in entities:
            if e.type is None:
                continue
            ent = iris.get(e.id) or iris.setdefault(e.id, entity_iri(e.id))
            if not e.known:
                etype, name = found_types.setdefault(e.id, (e.type, e.text))
                quads[Quad(ent, RDF.type, ENTITY_CLASS[etype], eg)] = None
                quads[Quad(ent, SCHEMA.name, Literal(name), eg)] = None
            quads[Quad(node, KG.mentionsEntity, ent, eg)] = None
        for r in relations:
            subj = iris.get(r.subject) or iris.setdefault(r.subject, entity_iri(r.subject))
            obj = iris.get(r.object) or iris.setdefault(r.object, entity_iri(r.object))
            quads[Quad(subj, _EDGE[r.kind], obj, eg)] = None
    return {g: list(q) for g, q in out.items()}


def _entity_graphs(store: pyoxigraph.Store) -> list[NamedNode]:
    return [
        g for g in store.named_graphs() if isinstance(g, NamedNode) and g.value.startswith(ENTITY_GRAPH_PREFIX)
    ]


@dataclass
class Started:
    """A build's entity step begun early (:func:`start_entities`): the catalogue and the corpus read,
    the texts being analysed; or the error reading the catalogue gave, raised when the step runs."""

    catalogue: Catalogue | None = None
    rows: list[dict] = field(default_factory=list)
    analysis: Analysis | None = None
    error: KGError | None = None
    #: an ingest's: the source graphs whose texts ``rows`` are, and the worker analysing them
    sources: list[str] | None = None
    worker: EntityWorker | None = None
    report: Report | None = None  # the warnings reading the catalogue gave, on the thread
    thread: threading.Thread | None = None
    failure: BaseException | None = None

    def wait(self, report: Report) -> None:
        """Once the thread reading the texts and the catalogue is done: its warnings into ``report``."""
        if self.thread is not None:
            self.thread.join()
            self.thread = None
            if self.report is not None:
                report.extend(self.report)
            if self.failure is not None:
                raise self.failure

    def close(self) -> None:
        if self.thread is not None:
            self.thread.join()
        if self.analysis is not None:
            self.analysis.close()
        if self.worker is not None:
            self.worker.close()


def start_entities(
    store: pyoxigraph.Store,
    report: Report,
    gazetteers: Iterable[Gazetteer] = (),
    glossary: Callable[[], list[dict]] | None = None,
    rows: list[dict] | None = None,
) -> Started | None:
    """For a build: start analysing every text in worker processes, so the pool works while the
    mention step runs (it neither reads nor writes what this step does). With too little text for
    a pool (``OVERLAP_MIN_CHARS``), or ``KG_BUILD_WORKERS=0``, only the texts are read (once).
    ``rows``: the texts as :func:`corpus_rows` would read them, when the build has them (:mod:`kg.texts`)."""
    rows = corpus_rows(store) if rows is None else rows
    workers = build_worker_processes(sum(len(r["text"]) for r in rows), OVERLAP_MIN_CHARS)
    if workers <= 0 or len(rows) <= _CHUNK:
        return Started(rows=rows)
    try:
        cat = load_catalogue(store, report, list(gazetteers), glossary)
    except KGError as exc:  # raised when the step runs, after the steps before it, as without the head start
        return Started(error=exc)
    return Started(cat, rows, Analysis([r["text"] for r in rows], cat, workers))


def start_ingest_entities(
    store: pyoxigraph.Store,
    sources: list[str],
    worker: EntityWorker,
    gazetteers: Iterable[Gazetteer] = (),
    glossary: list[dict] | None = None,
) -> Started:
    """For an ingest that writes ``sources`` (and no glossary or gazetteer): read their texts and the
    catalogue on a thread (Oxigraph runs a query without holding the interpreter, so this goes on while
    the mention step runs) and send them to ``worker``, which analyses them while the other steps run.
    The entity step waits for it (:meth:`Started.wait`)."""
    started = Started(sources=sorted(set(sources)), worker=worker, report=Report())
    rows_glossary = None if glossary is None else (lambda: glossary)

    def run() -> None:
        try:
            started.rows = [r for s in started.sources or () for r in corpus_rows(store, s)]
            started.catalogue = load_catalogue(store, started.report, list(gazetteers), rows_glossary)
            worker.send(started.catalogue, [r["text"] for r in started.rows])
        except KGError as exc:  # raised when the step runs, as without the head start
            started.error = exc
        except BaseException as exc:  # noqa: BLE001 - re-raised by wait(), in the ingest's thread
            started.failure = exc

    started.thread = threading.Thread(target=run, daemon=True, name="kg-entities-read")
    started.thread.start()
    return started


def refresh_entities(
    store: pyoxigraph.Store,
    sources: Iterable[str] | None = None,
    report: Report | None = None,
    gazetteers: Iterable[Gazetteer] = (),
    changes: Changes | None = None,
    glossary: Callable[[], list[dict]] | None = None,
    started: Started | None = None,
) -> int:
    """Recompute entity graphs: of the given source graphs, or of every source when ``None``.

    Each entity graph is replaced through :func:`~kg.store.changes.replace_graphs` (recorded in
    ``changes``). Returns the number of quads in the graphs written. Raises :class:`KGError` when
    the gazetteer and the glossary disagree (the write is then discarded by the caller's generation).
    ``started``: what :func:`start_entities` began for this write (every source).
    """
    report = report if report is not None else Report()
    changes = changes if changes is not None else Changes(full=True)
    gazetteers = list(gazetteers)
    if sources is not None:
        sources = sorted(set(sources))
        if not sources:
            return 0
    if started is not None:
        started.wait(report)
    if started is not None and started.error is not None:
        raise started.error
    cat = started.catalogue if started is not None else None
    if cat is None:
        cat = load_catalogue(store, report, gazetteers, glossary)
    remote = started.worker.result() if started is not None and started.worker is not None else None
    if remote is not None:  # analysed in an ingest's worker, with a finder of the same catalogue
        finder, (conflicts, found) = None, remote
    else:
        finder = EntityFinder(cat.entries.values(), cat.other_terms)
        conflicts, found = finder.conflicts, started.analysis if started is not None else None
    where, _file_of = _locator(store, gazetteers)
    for c in conflicts:
        report.warn(
            "W071",
            f"the name {c.form!r} belongs to entities {c.kept!r} and {c.dropped!r}; it is linked to {c.kept!r}",
            where(c.dropped, None, "name"),
        )
    if started is not None and started.sources is not None:  # an ingest's, begun early
        rows, targets = started.rows, set(started.sources)
    elif started is not None:
        rows = started.rows
        targets = {r["g"] for r in rows} | {
            _GRAPH_PREFIX + g.value[len(ENTITY_GRAPH_PREFIX) :] for g in _entity_graphs(store)
        }
    elif sources is None:
        rows = corpus_rows(store)
        targets = {r["g"] for r in rows} | {
            _GRAPH_PREFIX + g.value[len(ENTITY_GRAPH_PREFIX) :] for g in _entity_graphs(store)
        }
    else:
        rows = [r for s in sources for r in corpus_rows(store, s)]
        targets = set(sources)
    found_types: dict[str, tuple[str, str]] = {}
    for r in run_select(store, "entity_found_types.rq"):
        found_types.setdefault(_entity_slug(r["e"]), (_CLASS_TYPE[r["class"]], r["name"] or _entity_slug(r["e"])))
    workers = entity_workers(sum(len(r["text"]) for r in rows)) if finder is not None else 0
    by_source = entity_quads(finder, rows, found_types, cat, workers, found)
    return replace_graphs(store, ((entity_graph(s), by_source.get(s, [])) for s in sorted(targets)), changes)


__all__ = [
    "refresh_entities",
    "start_entities",
    "start_ingest_entities",
    "EntityWorker",
    "ingest_entity_worker",
    "load_catalogue",
    "entity_graph",
    "ENTITY_GRAPH_PREFIX",
]
