"""Build and ingest: parse every source first, then write one new generation.

Nothing is written until every source has parsed, and a write becomes visible
only when it is complete (see :mod:`kg.store.generations`), so a source that
fails leaves the store exactly as it was.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph
from pyoxigraph import NamedNode, Quad

from kg.errors import KGError, Location, ParseError, Report
from kg.nlp.forms import add_variants
from kg.parsers.entities import is_gazetteer_file, read_gazetteer
from kg.parsers.feed import read_feed
from kg.parsers.glossary import read_glossary
from kg.parsers.review import read_review
from kg.queries import PREFIXES
from kg.rdf.mapping import map_episode, map_gazetteer, map_glossary, map_podcast, map_review
from kg.records import Feed, Gazetteer, Glossary, Review
from kg.store.generations import current_generation, new_generation

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
    root = Path(data_dir)
    if not root.is_dir():
        raise KGError("E001", "the data directory does not exist", Location(str(root)))
    src = Sources()
    feeds = sorted(root.glob("*.xml"))
    if not feeds:
        raise KGError("E001", "no feed (*.xml) in the data directory", Location(str(root)))
    for path in feeds:
        src.feeds.append(read_feed(path, src.report))
    for path in sorted((root / "reviews").glob("*.html")) if (root / "reviews").is_dir() else []:
        src.reviews.append(read_review(path, src.report))
    for path in sorted(root.glob("*.yaml")) + sorted(root.glob("*.yml")):
        if is_gazetteer_file(path):
            src.gazetteers.append(read_gazetteer(path))
        else:
            src.glossaries.append(read_glossary(path, src.report))
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


def _check_glossary(glossary: Glossary, store: pyoxigraph.Store, report: Report) -> None:
    from kg.rdf.namespaces import local_id

    episodes = {local_id(s["e"].value, "episode") for s in store.query(_EPISODE_IDS, use_default_graph_as_union=True)}
    chapters = {
        (local_id(s["e"].value, "episode"), s["ts"].value)
        for s in store.query(_CHAPTERS, use_default_graph_as_union=True)
    }
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


def _graph_quads(store: pyoxigraph.Store, graph: NamedNode) -> set[Quad]:
    return set(store.quads_for_pattern(None, None, None, graph))


def _replace(store: pyoxigraph.Store, graph: NamedNode, quads: list[Quad], result: WriteResult) -> None:
    if store.contains_named_graph(graph) and _graph_quads(store, graph) == set(quads):
        result.graphs_unchanged.append(graph.value)
        return
    store.remove_graph(graph) if store.contains_named_graph(graph) else None
    store.extend(quads)
    result.graphs_written.append(graph.value)


def _write_all(store: pyoxigraph.Store, src: Sources, result: WriteResult, progress: Callable[[str], None]) -> None:
    for feed in src.feeds:
        g, quads = map_podcast(feed)
        _replace(store, g, quads, result)
        for ep in feed.episodes:
            g, quads = map_episode(ep, feed.path)
            _replace(store, g, quads, result)
        progress(f"feed {feed.path}: {len(feed.episodes)} episodes")
    for review in src.reviews:
        allowed = _check_review(review, _known_numbers(store), src.report)
        g, quads = map_review(review, allowed)
        _replace(store, g, quads, result)
        progress(f"review {review.id}")
    for glossary in src.glossaries:
        _check_glossary(glossary, store, src.report)
        add_variants(glossary)
        _warn_linker_conflicts(glossary, src.report)
        g, quads = map_glossary(glossary)
        _replace(store, g, quads, result)
        progress(f"glossary {glossary.path}: {len(glossary.terms)} terms")
    for gazetteer in src.gazetteers:
        g, quads = map_gazetteer(gazetteer)
        _replace(store, g, quads, result)
        progress(f"gazetteer {gazetteer.path}: {len(gazetteer.entities)} entities")
    from kg.enrich import enrich

    enrich(store, result.graphs_written, progress, report=src.report, gazetteers=src.gazetteers)


def build(
    store_path: str | Path, data_dir: str | Path | None = None, progress: Callable[[str], None] = lambda _m: None
) -> WriteResult:
    """Parse everything in ``data_dir`` and publish it as a fresh graph."""
    src = discover(data_dir or bundled_sample())
    result = WriteResult()
    with new_generation(store_path, start_empty=True) as store:
        _write_all(store, src, result, progress)
        result.quads = len(store)
    result.warnings = [str(w) for w in src.report.warnings]
    gen = current_generation(store_path)
    result.generation = gen.name if gen else None
    return result


def ingest(
    store_path: str | Path, kind: str, path: str | Path, progress: Callable[[str], None] = lambda _m: None
) -> WriteResult:
    """Parse one source and replace its graph(s) in a new generation of the store."""
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
    try:
        with new_generation(store_path, start_empty=False) as store:
            _write_all(store, src, result, progress)
            result.quads = len(store)
            if not result.graphs_written:
                raise _Unchanged  # discard the new generation: nothing would change
    except _Unchanged:
        pass
    result.warnings = [str(w) for w in report.warnings]
    gen = current_generation(store_path)
    result.generation = gen.name if gen else None
    return result


class _Unchanged(Exception):
    """Raised inside a write to discard a generation that would change nothing."""


__all__ = ["build", "ingest", "discover", "bundled_sample", "ParseError", "SOURCE_KINDS"]
