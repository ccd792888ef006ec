"""Mention edges: which chapter, episode summary, takeaway, review paragraph and topic uses which term.

Run after the sources are written. The linker is built from the glossary rows
*in the store* (:func:`kg.store.oxigraph.glossary_rows`), exactly as the app
builds it to serve tooltips and ``POST /api/annotate``, so the mention edges and
the links a reader sees always agree.

For each text node and term it uses::

    <chapter> kg:mentions <term> .
    <chapter>/mention/<slug> a kg:Mention ; kg:mentionIn <chapter> ;
        kg:mentionOf <term> ; kg:mentionCount 2 .

The edges of one source graph (``id/graph/episode/E172``) go into a graph of
their own (``id/graph/mentions/episode/E172``), so re-ingesting one episode
recomputes only its mentions; a changed glossary recomputes them all.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable

import pyoxigraph
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat

from kg.nlp.linker import Linker
from kg.queries import load
from kg.rdf.namespaces import DATA_NS, KG, RDF, XSD, graph_iri, term_iri
from kg.store.changes import BulkText, Changes, replace_graphs
from kg.store.oxigraph import glossary_rows

_GRAPH_PREFIX = DATA_NS + "graph/"
MENTION_GRAPH_PREFIX = _GRAPH_PREFIX + "mentions/"


def mention_graph(source: str) -> NamedNode:
    """``…/graph/episode/E172`` -> ``…/graph/mentions/episode/E172``."""
    return graph_iri("mentions", source[len(_GRAPH_PREFIX) :])


def store_linker(store: pyoxigraph.Store) -> Linker:
    return Linker.from_rows(glossary_rows(store))


def texts(store: pyoxigraph.Store, source: NamedNode | None = None) -> list[tuple[str, str, str]]:
    """(source graph, node, text) of every text that can mention terms (in one source graph if given)."""
    subs = {pyoxigraph.Variable("g"): source} if source is not None else {}
    out = []
    for sol in store.query(load("mention_texts.rq"), substitutions=subs):
        out.append((sol["g"].value, sol["node"].value, sol["text"].value))
    return out


def _counts(linker: Linker, rows: Iterable[tuple[str, str, str]]) -> dict[tuple[str, str], Counter[str]]:
    """How often each term is used, by (source graph, text node)."""
    counts: dict[tuple[str, str], Counter[str]] = {}
    for g, node, text in rows:
        c = counts.setdefault((g, node), Counter())
        for span in linker.find(text):
            c[span.term] += 1
    return counts


def _node_quads(g: str, node: str, c: Counter[str]) -> list[Quad]:
    mg = mention_graph(g)
    n = NamedNode(node)
    quads: list[Quad] = []
    for slug, count in sorted(c.items()):
        t = term_iri(slug)
        m = NamedNode(f"{node}/mention/{slug}")
        quads += [
            Quad(n, KG.mentions, t, mg),
            Quad(m, RDF.type, KG.Mention, mg),
            Quad(m, KG.mentionIn, n, mg),
            Quad(m, KG.mentionOf, t, mg),
            Quad(m, KG.mentionCount, Literal(str(count), datatype=XSD.integer), mg),
        ]
    return quads


def mention_quads(linker: Linker, rows: Iterable[tuple[str, str, str]]) -> dict[str, list[Quad]]:
    """Mention quads by source graph."""
    out: dict[str, list[Quad]] = {}
    for (g, node), c in _counts(linker, rows).items():
        out.setdefault(g, []).extend(_node_quads(g, node, c))
    return out


_PLAIN_SLUG = re.compile(r"[a-z0-9][a-z0-9._~-]*")


def _bulk_load_mentions(
    store: pyoxigraph.Store,
    linker: Linker,
    rows: list[tuple[str, str, str]],
    edges: dict[str, dict[str, int]] | None = None,
    slugs: dict[str, str] | None = None,
) -> int:
    """A build's mention graphs, written as N-Quads text and bulk-loaded: the same quads as
    :func:`mention_quads`, without making four million quad objects at 10,000 episodes.
    ``edges`` collects the ``kg:mentions`` edges written with their counts (text node -> term IRI
    -> count; ``-1`` where one text node's graphs count a term differently), ``slugs`` the slug of
    each term IRI (the mention node of a term in a text is ``<text node>/mention/<slug>``)."""
    p_mentions, p_in, p_of, p_count = (
        f"<{p.value}>" for p in (KG.mentions, KG.mentionIn, KG.mentionOf, KG.mentionCount)
    )
    a_mention = f"<{RDF.type.value}> <{KG.Mention.value}>"
    integer = f"^^<{XSD.integer.value}>"
    term_of: dict[str, str] = {}
    bulk = BulkText(store)
    written = 0
    for (g, node), c in _counts(linker, rows).items():
        if not c:
            continue
        for slug in c:
            if slug not in term_of:
                term_of[slug] = term_iri(slug).value
                if slugs is not None:
                    slugs[term_of[slug]] = slug
        if edges is not None:
            have = edges.setdefault(node, {})
            for slug, k in c.items():
                t = term_of[slug]
                if have.setdefault(t, k) != k:
                    have[t] = -1
        odd = Counter({slug: k for slug, k in c.items() if not _PLAIN_SLUG.fullmatch(slug)})
        if odd:  # a slug that would need escaping: pyoxigraph writes those
            quads = _node_quads(g, node, odd)
            bulk.add(pyoxigraph.serialize(quads, format=RdfFormat.N_QUADS).decode("utf-8"))
            written += len(quads)
        mg = f"<{mention_graph(g).value}> .\n"
        n = f"<{node}>"
        for slug, count in sorted(c.items()):
            if slug in odd:
                continue
            t = f"<{term_of[slug]}>"
            m = f"<{node}/mention/{slug}>"
            bulk.add(
                f"{n} {p_mentions} {t} {mg}{m} {a_mention} {mg}{m} {p_in} {n} {mg}{m} {p_of} {t} {mg}"
                f'{m} {p_count} "{count}"{integer} {mg}'
            )
            written += 5
    bulk.flush()
    return written


def _mention_graphs(store: pyoxigraph.Store) -> list[NamedNode]:
    return [
        g
        for g in store.named_graphs()
        if isinstance(g, NamedNode) and g.value.startswith(MENTION_GRAPH_PREFIX)
    ]


def refresh_mentions(
    store: pyoxigraph.Store,
    changes: Changes,
    glossary: Callable[[], list[dict]] | None = None,
    rows: list[tuple[str, str, str]] | None = None,
) -> int:
    """Bring the mention graphs up to date after a write; the number of mention quads written.

    A build (``changes.full``) or a changed glossary relinks every text; otherwise only the
    texts of the source graphs the write replaced. ``glossary`` gives the glossary rows when the
    caller has them (else they are read from the store); ``rows``, for a build, every text as
    :func:`texts` would read it (:mod:`kg.texts`). Each mention graph is replaced through
    :func:`~kg.store.changes.replace_graphs`, so the steps after this one (derived edges) see
    which chapters and terms gained or lost a mention.
    """
    relink_all = changes.full or any(g.startswith(_GRAPH_PREFIX + "glossary/") for g in changes.graphs)
    if relink_all:
        rows = rows if rows is not None and changes.full else texts(store)
        sources = {g for g, _n, _t in rows} | {
            _GRAPH_PREFIX + g.value[len(MENTION_GRAPH_PREFIX) :] for g in _mention_graphs(store)
        }
    else:
        sources = {g for g in changes.graphs if is_source_with_text(g)}
        rows = [r for s in sorted(sources) for r in texts(store, NamedNode(s))]
    if not sources:
        return 0
    linker = Linker.from_rows(glossary()) if glossary is not None else store_linker(store)
    if changes.full and not _mention_graphs(store):  # a build: nothing to replace
        changes.mentions, changes.mention_slugs = {}, {}
        written = _bulk_load_mentions(store, linker, rows, changes.mentions, changes.mention_slugs)
        changes.quad_delta += written
        return written
    by_graph = mention_quads(linker, rows)
    return replace_graphs(store, ((mention_graph(s), by_graph.get(s, [])) for s in sorted(sources)), changes)


def is_source_with_text(graph: str) -> bool:
    """Episode and review graphs hold texts that mention terms."""
    local = graph[len(_GRAPH_PREFIX) :] if graph.startswith(_GRAPH_PREFIX) else ""
    return local.startswith(("episode/", "review/"))


__all__ = ["refresh_mentions", "mention_graph", "store_linker", "is_source_with_text"]
