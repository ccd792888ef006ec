"""The texts of a source graph, taken from its quads as they are written.

A build hands these to the mention step (the rows of ``mention_texts.rq``) and to the entity step
(the rows of ``entity_texts.rq``), which would otherwise read every text back from the store it
has just loaded: two whole-store queries, nine minutes at 100,000 episodes. Each query matches
inside one graph (``GRAPH ?g``), so the rows of a graph follow from that graph's quads alone;
:func:`graph_texts` joins them the way the queries do. Where a graph holds something the queries
would treat in a way this module does not (a blank node or an IRI where a text belongs, a text
with a language tag or another datatype), it answers ``None`` and the build reads the texts back.
``tests/test_texts.py`` compares the rows with the queries' on the sample and a synthetic corpus.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from pyoxigraph import Literal, NamedNode, Quad

from kg.rdf.namespaces import KG, RDF, SCHEMA

_STRING = "http://www.w3.org/2001/XMLSchema#string"
_TYPE = RDF.type.value
_CHAPTER, _EPISODE, _TAKEAWAY = KG.Chapter.value, KG.Episode.value, KG.Takeaway.value
_PARAGRAPH, _TOPIC = KG.ReviewParagraph.value, KG.Topic.value
_NAME, _DESCRIPTION, _TEXT = SCHEMA.name.value, SCHEMA.description.value, SCHEMA.text.value
_PART_OF, _TIMESTAMP, _START = SCHEMA.isPartOf.value, KG.timestamp.value, SCHEMA.startOffset.value
_POSITION, _NOTE = SCHEMA.position.value, KG.note.value
_HAS_TAKEAWAY, _HAS_RECOMMENDATION = KG.hasTakeaway.value, KG.hasRecommendation.value
_HAS_PARAGRAPH, _HAS_TOPIC = KG.hasParagraph.value, KG.hasTopic.value
_WHAT = frozenset(
    {_NAME, _DESCRIPTION, _TEXT, _NOTE, _TYPE, _PART_OF, _TIMESTAMP, _START, _POSITION}
)  # the predicates read of a node
_CONTAINS = (_HAS_TAKEAWAY, _HAS_RECOMMENDATION, _HAS_PARAGRAPH, _HAS_TOPIC)
_TYPED = frozenset({_CHAPTER, _EPISODE, _TAKEAWAY, _PARAGRAPH, _TOPIC})

MentionRow = tuple[str, str, str]  # (g, node, text), as kg.mentions.texts gives them
EntityRow = dict  # {"g", "node", "text"}, as kg.entities.corpus_rows gives them
GraphTexts = tuple[list[MentionRow], list[EntityRow]]


class _Odd(Exception):
    """Something the queries would read differently from this module's plain join."""


def _plain(term) -> str:
    if type(term) is not Literal or term.language or term.datatype.value != _STRING:
        raise _Odd
    return term.value


def graph_texts(graph: str, quads: Iterable[Quad]) -> GraphTexts | None:
    """The rows ``mention_texts.rq`` and ``entity_texts.rq`` give for ``graph`` holding exactly ``quads``
    (mention rows as many times as the query gives them, entity rows distinct; neither in the queries'
    order, which their readers do not depend on); ``None`` where it cannot say (see the module)."""
    facts: dict[str, dict[str, list]] = {}
    contained: dict[str, set[str]] = {}
    for q in set(quads):  # a store holds each quad once
        p = q.predicate.value
        if p in _CONTAINS:
            if type(q.object) is NamedNode:
                contained.setdefault(p, set()).add(q.object.value)
            elif type(q.object) is not Literal:
                return None  # a blank node would join here
        if p not in _WHAT:
            continue
        if type(q.subject) is not NamedNode:
            return None
        facts.setdefault(q.subject.value, {}).setdefault(p, []).append(q.object)
    try:
        return _rows(graph, facts, contained)
    except _Odd:
        return None


def _rows(graph: str, facts: dict[str, dict[str, list]], contained: dict[str, set[str]]) -> GraphTexts:
    mention: list[MentionRow] = []
    entity: dict[tuple[str, str], None] = {}
    none = ()
    for node, has in facts.items():
        types = {t.value for t in has.get(_TYPE, none) if type(t) is NamedNode}
        contains = [c for c in _CONTAINS if node in contained.get(c, none)]
        if not types.intersection(_TYPED) and not contains:
            continue

        def plain(p: str, has: dict[str, list] = has) -> list[str]:
            return [_plain(t) for t in has.get(p, none)]

        positioned = _POSITION in has
        # mention_texts.rq
        if _CHAPTER in types:
            mention += [(graph, node, t) for t in plain(_NAME) + plain(_DESCRIPTION)]
        if _EPISODE in types:
            mention += [(graph, node, t) for t in plain(_DESCRIPTION)]
        if _TAKEAWAY in types:
            mention += [(graph, node, t) for t in plain(_TEXT)]
        if _PARAGRAPH in types:
            mention += [(graph, node, t) for t in plain(_TEXT)]
        if _TOPIC in types:
            mention += [(graph, node, t) for t in plain(_DESCRIPTION)]
        # entity_texts.rq
        found: list[str] = []
        if _CHAPTER in types and _PART_OF in has and _TIMESTAMP in has and _START in has:
            found += plain(_NAME) + plain(_DESCRIPTION)
        if _EPISODE in types:
            found += plain(_DESCRIPTION)
        if positioned and _HAS_TAKEAWAY in contains:
            found += plain(_TEXT)
        if positioned and _HAS_RECOMMENDATION in contains:
            notes = plain(_NOTE)
            found += [f"{title}: {note}" for title in plain(_NAME) for note in notes] if notes else plain(_NAME)
        if positioned and _HAS_PARAGRAPH in contains:
            found += plain(_TEXT)
        if _HAS_TOPIC in contains:
            found += plain(_DESCRIPTION)
        for t in found:
            entity[(node, t)] = None
    return mention, [{"g": graph, "node": n, "text": t} for n, t in entity]


@dataclass
class SourceTexts:
    """The texts of every graph a build writes, by graph (a graph written again replaces its texts);
    ``complete`` is False once a graph's texts could not be taken from its quads."""

    by_graph: dict[str, GraphTexts] = field(default_factory=dict)
    complete: bool = True

    def put(self, graph: str, texts: GraphTexts | None) -> None:
        if texts is None:
            self.complete = False
        elif texts[0] or texts[1]:
            self.by_graph[graph] = texts
        else:
            self.by_graph.pop(graph, None)

    def mention_rows(self) -> list[MentionRow] | None:
        return [r for g in sorted(self.by_graph) for r in self.by_graph[g][0]] if self.complete else None

    def entity_rows(self) -> list[EntityRow] | None:
        """Sorted as :func:`kg.entities.corpus_rows` sorts them."""
        if not self.complete:
            return None
        rows = [r for texts in self.by_graph.values() for r in texts[1]]
        rows.sort(key=lambda r: (r["g"], r["node"], r["text"]))
        return rows


__all__ = ["graph_texts", "GraphTexts", "SourceTexts"]
