"""Derived edges, computed when the graph is written so pages never scan the graph.

* related episodes: episodes that share papers (covered or recommended), glossary
  terms (explained or mentioned) or a topic, weighted by inverse document
  frequency so that rare links count more, with the reason kept in words;
* co-recommended papers: papers that appear in the same reading list, with how often.

Everything goes into one named graph, ``id/graph/derived``, replaced whole.
"""

from __future__ import annotations

import math
from collections import defaultdict
from itertools import combinations

import pyoxigraph
from pyoxigraph import Literal, NamedNode, Quad

from kg.queries import PREFIXES
from kg.rdf.namespaces import DERIVED_GRAPH, KG, RDF, XSD, iri, local_id

TOP_RELATED = 6
MAX_FEATURE_DF = 300  # a feature shared by more episodes than this says little

_FEATURES = (
    PREFIXES
    + """
SELECT DISTINCT ?e ?f ?kind ?label WHERE {
  ?e a kg:Episode .
  {
    { ?e kg:covers ?f } UNION { ?e cito:citesAsRecommendedReading ?f }
    BIND("paper" AS ?kind) OPTIONAL { ?f schema:name ?label }
  } UNION {
    { ?e kg:explains ?f } UNION { ?e kg:hasChapter ?c . ?c kg:explains ?f }
    UNION { ?e kg:mentions ?f } UNION { ?e kg:hasChapter ?c2 . ?c2 kg:mentions ?f }
    BIND("term" AS ?kind) ?f skos:prefLabel ?label
  } UNION {
    ?e kg:inTopic ?f . BIND("topic" AS ?kind) OPTIONAL { ?f schema:name ?label }
  }
}
"""
)

_READING_LISTS = (
    PREFIXES
    + """
SELECT ?e ?p WHERE { ?e cito:citesAsRecommendedReading ?p }
"""
)

_KIND_WORDS = {"paper": "shared papers", "term": "shared terms", "topic": "same topic"}


def _label(kind: str, iri_value: str, label: str | None) -> str:
    if label:
        return label
    if kind == "paper":
        return local_id(iri_value, "paper")
    return iri_value.rsplit("/", 1)[-1]


def compute_related(rows: list[tuple[str, str, str, str | None]]) -> dict[str, list[tuple[str, float, str]]]:
    """rows: (episode, feature, kind, label) -> {episode: [(other, weight, reason), …]}."""
    features: dict[str, set[str]] = defaultdict(set)
    holders: dict[str, set[str]] = defaultdict(set)
    meta: dict[str, tuple[str, str]] = {}
    for e, f, kind, label in rows:
        features[e].add(f)
        holders[f].add(e)
        if f not in meta or (label and len(label) > len(meta[f][1])):
            meta[f] = (kind, _label(kind, f, label))
    n = max(len(features), 1)
    shared: dict[tuple[str, str], list[str]] = defaultdict(list)
    for f, eps in holders.items():
        if 2 <= len(eps) <= MAX_FEATURE_DF:
            for a, b in combinations(sorted(eps), 2):
                shared[(a, b)].append(f)
    scored: dict[str, list[tuple[str, float, str]]] = defaultdict(list)
    for (a, b), fs in shared.items():
        weight = sum(math.log(1 + n / len(holders[f])) for f in fs)
        parts = []
        for kind in ("paper", "term", "topic"):
            names = sorted(meta[f][1] for f in fs if meta[f][0] == kind)
            if names:
                shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
                parts.append(f"{_KIND_WORDS[kind]}: {shown}")
        reason = "; ".join(parts)
        scored[a].append((b, weight, reason))
        scored[b].append((a, weight, reason))
    return {e: sorted(lst, key=lambda x: (-x[1], x[0]))[:TOP_RELATED] for e, lst in scored.items()}


def derived_quads(store: pyoxigraph.Store) -> list[Quad]:
    rows = []
    for sol in store.query(_FEATURES, use_default_graph_as_union=True):
        label = sol["label"].value if sol["label"] is not None else None
        rows.append((sol["e"].value, sol["f"].value, sol["kind"].value, label))
    g = DERIVED_GRAPH
    quads: list[Quad] = [Quad(g, RDF.type, KG.SourceGraph, g), Quad(g, KG.sourceKind, Literal("derived"), g)]
    for e, related in compute_related(rows).items():
        eid = local_id(e, "episode")
        for other, weight, reason in related:
            node = iri("episode", eid, "related", local_id(other, "episode"))
            en, on = NamedNode(e), NamedNode(other)
            quads += [
                Quad(en, KG.relatedEpisode, on, g),
                Quad(en, KG.relatedness, node, g),
                Quad(node, RDF.type, KG.Relatedness, g),
                Quad(node, KG.relatedTo, on, g),
                Quad(node, KG.weight, Literal(f"{weight:.4f}", datatype=XSD.decimal), g),
                Quad(node, KG.reason, Literal(reason), g),
            ]
    lists: dict[str, list[str]] = defaultdict(list)
    for sol in store.query(_READING_LISTS, use_default_graph_as_union=True):
        lists[sol["e"].value].append(sol["p"].value)
    pairs: dict[tuple[str, str], int] = defaultdict(int)
    for papers in lists.values():
        for a, b in combinations(sorted(set(papers)), 2):
            pairs[(a, b)] += 1
    for (a, b), count in pairs.items():
        for x, y in ((a, b), (b, a)):
            node = iri("paper", local_id(x, "paper"), "co", local_id(y, "paper"))
            quads += [
                Quad(NamedNode(x), KG.coRecommended, node, g),
                Quad(node, RDF.type, KG.Relatedness, g),
                Quad(node, KG.relatedTo, NamedNode(y), g),
                Quad(node, KG.weight, Literal(str(count), datatype=XSD.integer), g),
            ]
    return quads


def refresh_derived(store: pyoxigraph.Store) -> int:
    quads = derived_quads(store)
    store.remove_graph(DERIVED_GRAPH)
    store.extend(quads)
    return len(quads)
