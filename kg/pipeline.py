"""Build and ingest: parse the sources and write them into one new generation.

A write goes into a private generation that becomes visible only when it is
complete (see :mod:`kg.store.generations`), so a source that fails, or a process
that is killed, leaves the published store exactly as it was. A build streams:
each source is parsed, mapped and bulk-loaded while the next is read. An ingest
replaces only its own graphs and hands what changed to the enrichment steps.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import multiprocessing
import queue
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph
from pyoxigraph import NamedNode, Quad, RdfFormat

from kg.errors import KGError, Location, ParseError, Report
from kg.nlp.forms import add_variants
from kg.parsers.entities import is_gazetteer_file, read_gazetteer
from kg.parsers.feed import read_feed
from kg.parsers.glossary import read_glossary
from kg.parsers.review import read_review
from kg.queries import PREFIXES
from kg.rdf.mapping import map_episode, map_gazetteer, map_glossary, map_podcast, map_review
from kg.records import Feed, Gazetteer, Glossary, Review
from kg.settings import build_worker_processes
from kg.store.changes import Changes, replace_graph
from kg.store.generations import current_generation, read_meta, write_meta, writing
from kg.texts import GraphTexts, SourceTexts, graph_texts

log = logging.getLogger("kg.pipeline")

SOURCE_KINDS = ("feed", "review", "glossary", "entities")


def bundled_sample() -> Path:
    """The sample corpus: ``data/sample`` next to the package (source checkout or sdist)."""
    here = Path(__file__).resolve().parent
    checkout = here.parent / "data" / "sample"
    if checkout.is_dir():
        return checkout
    try:  # a non-editable install ships the sample as package data (kg/sample)
        from importlib import resources

        shipped = Path(str(resources.files("kg.sample")))
        if (shipped / "feed.xml").is_file():
            return shipped
    except (ModuleNotFoundError, TypeError):
        pass
    raise KGError("E001", "the bundled sample (data/sample) was not found; pass --data DIR", Location("data/sample"))


@dataclass
class Sources:
    feeds: list[Feed] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    glossaries: list[Glossary] = field(default_factory=list)
    gazetteers: list[Gazetteer] = field(default_factory=list)
    report: Report = field(default_factory=Report)


@dataclass
class WriteResult:
    graphs_written: list[str] = field(default_factory=list)
    graphs_unchanged: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    quads: int = 0
    generation: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "written": self.graphs_written,
            "unchanged": self.graphs_unchanged,
            "warnings": self.warnings,
            "quads": self.quads,
            "generation": self.generation,
        }


def discover(data_dir: str | Path) -> Sources:
    """Parse every source in a data directory.

    ``*.xml`` feeds, ``reviews/*.html``, ``entities.yaml`` (the entity gazetteer) and every other
    ``*.yaml`` / ``*.yml`` file as a glossary.
    """
    feeds, reviews, glossaries, gazetteers = _source_files(Path(data_dir))
    src = Sources()
    for path in feeds:
        src.feeds.append(read_feed(path, src.report))
    for path in reviews:
        src.reviews.append(read_review(path, src.report))
    for path in glossaries:
        src.glossaries.append(read_glossary(path, src.report))
    for path in gazetteers:
        src.gazetteers.append(read_gazetteer(path))
    return src


def parse_source(kind: str, path: str | Path, report: Report) -> Feed | Review | Glossary | Gazetteer:
    if kind == "feed":
        return read_feed(path, report)
    if kind == "review":
        return read_review(path, report)
    if kind == "glossary":
        return read_glossary(path, report)
    if kind == "entities":
        return read_gazetteer(path)
    raise KGError("E001", f"unknown source kind {kind!r}; use one of {', '.join(SOURCE_KINDS)}")


_EPISODES = PREFIXES + "SELECT ?n WHERE { ?e a kg:Episode ; schema:episodeNumber ?n }"
_CHAPTERS = PREFIXES + "SELECT ?e ?ts WHERE { ?e kg:hasChapter ?c . ?c kg:timestamp ?ts }"
_EPISODE_IDS = PREFIXES + "SELECT ?e WHERE { ?e a kg:Episode }"


def _known_numbers(store: pyoxigraph.Store) -> set[int]:
    return {int(s["n"].value) for s in store.query(_EPISODES, use_default_graph_as_union=True)}


def _check_review(review: Review, known: set[int], report: Report) -> set[int]:
    """Numbers the review may cite: known episodes and those its topics list; warn on the rest."""
    allowed = set(known)
    for t in review.topics:
        allowed.update(t.episode_numbers)
    for p in review.paragraphs:
        for n in p.episode_refs:
            if n not in allowed:
                report.warn(
                    "W031",
                    f"E{n} is cited but is neither in the store nor listed under a topic; "
                    "the reference is left unresolved",
                    Location(review.path, p.line, f"paragraph {p.index}"),
                )
    return allowed


def _stored_episodes(store: pyoxigraph.Store) -> tuple[set[str], set[tuple[str, str]]]:
    from kg.rdf.namespaces import local_id

    episodes = {local_id(s["e"].value, "episode") for s in store.query(_EPISODE_IDS, use_default_graph_as_union=True)}
    chapters = {
        (local_id(s["e"].value, "episode"), s["ts"].value)
        for s in store.query(_CHAPTERS, use_default_graph_as_union=True)
    }
    return episodes, chapters


def _check_glossary(glossary: Glossary, episodes: set[str], chapters: set[tuple[str, str]], report: Report) -> None:
    for t in glossary.terms:
        for x in t.explained_in:
            where = Location(glossary.path, t.line, f"term {t.id!r}, explained_in")
            if x.episode not in episodes:
                report.warn("W044", f"episode {x.episode} is not in the store", where)
            elif x.chapter and (x.episode, x.chapter) not in chapters:
                report.warn("W044", f"{x.episode} has no chapter at {x.chapter}", where)


def _warn_linker_conflicts(glossary: Glossary, report: Report) -> None:
    """Forms two terms share once case, hyphens and inflections are unified: a warning naming both entries."""
    from kg.nlp.linker import Linker, TermForms

    terms = [TermForms(t.id, t.label, tuple(t.aliases), tuple(t.acronyms), tuple(t.variants)) for t in glossary.terms]
    lines = {t.id: t.line for t in glossary.terms}
    for c in Linker(terms).conflicts:
        report.warn(
            "W045",
            f"the form {c.form!r} belongs to {c.kept!r} (line {lines.get(c.kept)}) and to {c.dropped!r}; "
            f"the linker links it to {c.kept!r}",
            Location(glossary.path, lines.get(c.dropped), f"term {c.dropped!r}"),
        )


def _replace(
    store: pyoxigraph.Store, graph: NamedNode, quads: list[Quad], result: WriteResult, changes: Changes
) -> None:
    if replace_graph(store, graph, quads, changes):
        result.graphs_written.append(graph.value)
        changes.graphs.add(graph.value)
    else:
        result.graphs_unchanged.append(graph.value)


def _write_all(
    store: pyoxigraph.Store, src: Sources, result: WriteResult, changes: Changes, progress: Callable[[str], None]
) -> None:
    """Write parsed sources into a store that already holds a graph (an ingest)."""
    for feed in src.feeds:
        g, quads = map_podcast(feed)
        _replace(store, g, quads, result, changes)
        for ep in feed.episodes:
            g, quads = map_episode(ep, feed.path)
            _replace(store, g, quads, result, changes)
        progress(f"feed {feed.path}: {len(feed.episodes)} episodes")
    for review in src.reviews:
        allowed = _check_review(review, _known_numbers(store), src.report)
        g, quads = map_review(review, allowed)
        _replace(store, g, quads, result, changes)
        progress(f"review {review.id}")
    for glossary in src.glossaries:
        _check_glossary(glossary, *_stored_episodes(store), src.report)
        add_variants(glossary)
        _warn_linker_conflicts(glossary, src.report)
        g, quads = map_glossary(glossary)
        _replace(store, g, quads, result, changes)
        progress(f"glossary {glossary.path}: {len(glossary.terms)} terms")
    for gazetteer in src.gazetteers:
        g, quads = map_gazetteer(gazetteer)
        _replace(store, g, quads, result, changes)
        progress(f"gazetteer {gazetteer.path}: {len(gazetteer.entities)} entities")


class _Loader:
    """Bulk-loads N-Quads chunks into a private, unpublished store from a second thread.

    pyoxigraph's bulk loader releases the GIL, so loading one chunk overlaps with
    parsing and mapping the next. The bulk loader is not transactional; that is safe
    here because the generation is only published once the whole build succeeded.
    """

    def __init__(self, store: pyoxigraph.Store):
        self.store = store
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=3)
        self._error: BaseException | None = None
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="kg-loader", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            chunk = self._queue.get()
            if chunk is None:
                return
            if self._error is None and not self._stop:
                try:
                    self.store.bulk_load(chunk, format=RdfFormat.N_QUADS)
                except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
                    self._error = exc

    def put(self, chunk: bytes) -> None:
        if self._error is not None:
            raise self._error
        if chunk:
            self._queue.put(chunk)

    def close(self, abort: bool = False) -> None:
        self._stop = abort
        self._queue.put(None)
        self._thread.join()
        if self._error is not None and not abort:
            raise self._error


class _BulkWriter:
    """Collects the graphs of a build (as N-Quads) and hands them to the loader in chunks.

    A graph met a second time (the same item in two feeds) replaces the first, as an
    ingest would: the loader is drained and the earlier copy removed first.
    """

    CHUNK = 8 << 20  # bytes of N-Quads per bulk load

    def __init__(self, store: pyoxigraph.Store, result: WriteResult):
        self.store, self.result = store, result
        self.loader = _Loader(store)
        self.pending: list[bytes] = []
        self.size = 0
        self.seen: set[str] = set()
        self.texts = SourceTexts()

    def add(self, graph: NamedNode, quads: list[Quad]) -> None:
        data = pyoxigraph.serialize(quads, format=RdfFormat.N_QUADS)
        self.add_serialized(graph.value, data, graph_texts(graph.value, quads))

    def add_serialized(self, graph: str, data: bytes, texts: GraphTexts | None) -> None:
        """Queue one graph's N-Quads; ``texts``: its texts (:func:`kg.texts.graph_texts`), for the
        mention and entity steps."""
        if graph in self.seen:
            self._flush(wait=True)
            node = NamedNode(graph)
            quads = set(pyoxigraph.parse(data, format=RdfFormat.N_QUADS))
            if set(self.store.quads_for_pattern(None, None, None, node)) == quads:
                self.result.graphs_unchanged.append(graph)
                return
            self.store.remove_graph(node)
        else:
            self.seen.add(graph)
            self.result.graphs_written.append(graph)
        self.texts.put(graph, texts)
        self.pending.append(data)
        self.size += len(data)
        if self.size >= self.CHUNK:
            self._flush()

    def _flush(self, wait: bool = False) -> None:
        self.loader.put(b"".join(self.pending))
        self.pending, self.size = [], 0
        if wait:
            self.loader.close()
            self.loader = _Loader(self.store)

    def close(self) -> None:
        self._flush()
        self.loader.close()

    def abort(self) -> None:
        self.pending, self.size = [], 0
        self.loader.close(abort=True)


# -- the parts of a build that run in worker processes (module level, so they pickle) -----


@dataclass
class _FeedPart:
    path: str
    episodes: int = 0
    graphs: list[tuple[str, bytes, GraphTexts | None]] = field(default_factory=list)
    channel: tuple[str, bytes, GraphTexts | None] | None = None
    numbers: list[int] = field(default_factory=list)
    episode_ids: list[str] = field(default_factory=list)
    chapters: list[tuple[str, str]] = field(default_factory=list)
    problems: list = field(default_factory=list)


def _nq(quads: list[Quad]) -> bytes:
    return pyoxigraph.serialize(quads, format=RdfFormat.N_QUADS)


def _feed_part(path: str) -> _FeedPart | _Failure:
    """Parse one feed and map its items; the graphs come back as N-Quads."""
    report = Report()
    try:
        feed = read_feed(path, report)
    except KGError as exc:
        return _Failure.of(exc)
    part = _FeedPart(str(path), episodes=len(feed.episodes), problems=report.problems)
    for ep in feed.episodes:
        g, quads = map_episode(ep, feed.path)
        part.graphs.append((g.value, _nq(quads), graph_texts(g.value, quads)))
        if ep.number is not None:
            part.numbers.append(ep.number)
        part.episode_ids.append(ep.episode_id)
        part.chapters.extend((ep.episode_id, c.timestamp) for c in ep.description.chapters)
    g, quads = map_podcast(feed)
    part.channel = (g.value, _nq(quads), graph_texts(g.value, quads))
    return part


def _reviews_part(paths: list[str]) -> tuple[list[Review], list] | _Failure:
    report = Report()
    try:
        return [read_review(p, report) for p in paths], report.problems
    except KGError as exc:
        return _Failure.of(exc)


def _glossary_part(path: str) -> tuple[Glossary, list] | _Failure:
    report = Report()
    try:
        glossary = read_glossary(path, report)
    except KGError as exc:
        return _Failure.of(exc)
    add_variants(glossary)  # the inflections the linker looks for (spaCy's lemmatizer data)
    return glossary, report.problems


@dataclass
class _Failure:
    """A user error raised in a worker, carried back to be raised again (KGError does not pickle)."""

    kind: str
    problem: object

    @classmethod
    def of(cls, exc: KGError) -> _Failure:
        return cls(type(exc).__name__, exc.problem)

    def raise_again(self) -> None:
        from kg import errors

        cls = getattr(errors, self.kind, KGError)
        p = self.problem
        raise cls(p.code, p.message, p.where)  # type: ignore[attr-defined]


def _unwrap(value):
    if isinstance(value, _Failure):
        value.raise_again()
    return value


def build_workers(total_bytes: int) -> int:
    """Worker processes that parse sources: ``KG_BUILD_WORKERS``, else one per core for a large corpus."""
    return build_worker_processes(total_bytes, 16 << 20)


@contextlib.contextmanager
def _executor(workers: int):
    if workers <= 0:
        yield None
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        try:
            yield pool
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def _ordered(pool, fn, items: list, window: int):
    """``map(fn, items)`` in order; in the pool with at most ``window`` results waiting."""
    if pool is None:
        for item in items:
            yield _unwrap(fn(item))
        return
    futures: deque = deque()
    it = iter(items)
    for item in itertools.islice(it, window):
        futures.append(pool.submit(fn, item))
    while futures:
        result = futures.popleft().result()
        nxt = next(it, None)
        if nxt is not None:
            futures.append(pool.submit(fn, nxt))
        yield _unwrap(result)


def _build_into(
    store: pyoxigraph.Store, root: Path, report: Report, result: WriteResult, progress
) -> tuple[list[Gazetteer], SourceTexts]:
    """Parse, map and bulk-load every source of a data directory into an empty store; the gazetteers
    read, and the texts of the graphs written."""
    feeds, reviews, glossaries, gazetteer_files = _source_files(root)
    total = sum(p.stat().st_size for p in (*feeds, *reviews, *glossaries, *gazetteer_files))
    gazetteers: list[Gazetteer] = []
    workers = build_workers(total)
    writer = _BulkWriter(store, result)
    try:
        with _executor(workers) as pool:
            numbers: set[int] = set()
            episode_ids: set[str] = set()
            chapters: set[tuple[str, str]] = set()
            channel: tuple[str, bytes, GraphTexts | None] | None = None
            glossary_parts = [pool.submit(_glossary_part, str(p)) for p in glossaries] if pool else None
            for part in _ordered(pool, _feed_part, [str(p) for p in feeds], window=workers + 1):
                report.problems.extend(part.problems)
                for graph, data, texts in part.graphs:
                    writer.add_serialized(graph, data, texts)
                channel = part.channel  # one channel graph: the last feed's wins, as with ingest
                numbers.update(part.numbers)
                episode_ids.update(part.episode_ids)
                chapters.update(part.chapters)
                progress(f"feed {part.path}: {part.episodes} episodes")
            if channel is not None:
                writer.add_serialized(*channel)
            batches = [[str(p) for p in reviews[i : i + 25]] for i in range(0, len(reviews), 25)]
            for parsed, problems in _ordered(pool, _reviews_part, batches, window=workers * 2 + 1):
                report.problems.extend(problems)
                for review in parsed:
                    allowed = _check_review(review, numbers, report)
                    writer.add(*map_review(review, allowed))
                    for t in review.topics:  # stub episodes this review adds are known to the next
                        numbers.update(t.episode_numbers)
                        episode_ids.update(f"E{n}" for n in t.episode_numbers)
                    progress(f"review {review.id}")
            for i, path in enumerate(glossaries):
                got = glossary_parts[i].result() if glossary_parts else _glossary_part(str(path))
                glossary, problems = _unwrap(got)
                report.problems.extend(problems)
                _check_glossary(glossary, episode_ids, chapters, report)
                _warn_linker_conflicts(glossary, report)
                writer.add(*map_glossary(glossary))
                progress(f"glossary {glossary.path}: {len(glossary.terms)} terms")
            for path in gazetteer_files:
                gazetteer = read_gazetteer(path)
                gazetteers.append(gazetteer)
                writer.add(*map_gazetteer(gazetteer))
                progress(f"gazetteer {gazetteer.path}: {len(gazetteer.entities)} entities")
    except BaseException:
        writer.abort()  # the generation is discarded: stop loading what is queued
        raise
    writer.close()
    return gazetteers, writer.texts


def _source_files(root: Path) -> tuple[list[Path], list[Path], list[Path], list[Path]]:
    """Feeds, review pages, glossaries and entity gazetteers of a data directory."""
    if not root.is_dir():
        raise KGError("E001", "the data directory does not exist", Location(str(root)))
    feeds = sorted(root.glob("*.xml"))
    if not feeds:
        raise KGError("E001", "no feed (*.xml) in the data directory", Location(str(root)))
    reviews = sorted((root / "reviews").glob("*.html")) if (root / "reviews").is_dir() else []
    yaml = sorted(root.glob("*.yaml")) + sorted(root.glob("*.yml"))
    gazetteers = [p for p in yaml if is_gazetteer_file(p)]
    glossaries = [p for p in yaml if p not in gazetteers]
    return feeds, reviews, glossaries, gazetteers


def build(
    store_path: str | Path, data_dir: str | Path | None = None, progress: Callable[[str], None] = lambda _m: None
) -> WriteResult:
    """Parse everything in ``data_dir`` and publish it as a fresh graph.

    Sources are parsed, mapped and bulk-loaded into a new generation as they are read;
    the generation is published only when every source parsed and the derived edges
    are computed, so a failed or killed build leaves the store exactly as it was.
    """
    root = Path(data_dir) if data_dir else bundled_sample()
    _source_files(root)  # a missing directory or feed fails before anything is created
    report = Report()
    result = WriteResult()
    with writing(store_path, start_empty=True) as gen:
        gazetteers, texts = _build_into(gen.store, root, report, result, progress)
        from kg.enrich import enrich

        changes = Changes(full=True, target=gen.path)
        enrich(gen.store, changes, progress, report=report, gazetteers=gazetteers, texts=texts)
        result.quads = len(gen.store)
        write_meta(gen.path, {"quads": result.quads})
    result.warnings = [str(w) for w in report.warnings]
    current = current_generation(store_path)
    result.generation = current.name if current else None
    return result


def ingest(
    store_path: str | Path, kind: str, path: str | Path, progress: Callable[[str], None] = lambda _m: None
) -> WriteResult:
    """Parse one source and replace its graph(s) in a new generation of the store.

    Only what the source's graphs changed is passed on to the enrichment steps, which
    update the derived edges of the episodes it affects (see :mod:`kg.derive`).
    """
    report = Report()
    record = parse_source(kind, path, report)
    src = Sources(report=report)
    if isinstance(record, Feed):
        src.feeds.append(record)
    elif isinstance(record, Review):
        src.reviews.append(record)
    elif isinstance(record, Gazetteer):
        src.gazetteers.append(record)
    else:
        src.glossaries.append(record)
    result = WriteResult()
    worker = None
    if src.feeds or src.reviews:  # their texts' entities: spaCy loads in this process while the rest runs
        from kg.entities import ingest_entity_worker

        worker = ingest_entity_worker()
    try:
        with writing(store_path, start_empty=False) as gen:
            changes = Changes(previous=gen.previous, target=gen.path)
            _write_all(gen.store, src, result, changes, progress)
            if not result.graphs_written:
                raise _Unchanged  # discard the new generation: nothing would change
            from kg.enrich import enrich

            enrich(gen.store, changes, progress, report=report, gazetteers=src.gazetteers, worker=worker)
            worker = None  # enrich closed it
            before = read_meta(gen.previous).get("quads")
            result.quads = before + changes.quad_delta if isinstance(before, int) else len(gen.store)
            write_meta(gen.path, {"quads": result.quads})
    except _Unchanged:
        pass
    finally:
        if worker is not None:
            worker.close()
    result.warnings = [str(w) for w in report.warnings]
    current = current_generation(store_path)
    result.generation = current.name if current else None
    return result


class _Unchanged(Exception):
    """Raised inside a write to discard a generation that would change nothing."""


__all__ = ["build", "ingest", "discover", "bundled_sample", "ParseError", "SOURCE_KINDS"]
