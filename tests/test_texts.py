"""The texts a build hands to its mention and entity steps (kg/texts.py) instead of reading them back.

* on random small graphs, ``graph_texts`` gives the rows ``mention_texts.rq`` and ``entity_texts.rq`` give
  on the same quads in a real (in-memory) Oxigraph store, or says it cannot (``None``) -- and never on a
  graph of IRI nodes and plain-string texts;
* on every graph of the sample store and of a synthetic corpus, it gives the stored graph's rows;
* a build with the texts handed over writes exactly the graph a build reading them back writes.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyoxigraph
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyoxigraph import BlankNode, Literal, NamedNode, Quad

from kg.entities import corpus_rows
from kg.mentions import texts
from kg.queries import load
from kg.rdf.namespaces import KG, RDF, SCHEMA
from kg.store.oxigraph import OxigraphStore, py
from kg.texts import graph_texts

G = NamedNode("https://paperdive.ai/id/graph/episode/E1")
NODES = [NamedNode(f"https://paperdive.ai/id/n{i}") for i in range(4)]
CLASSES = [KG.Chapter, KG.Episode, KG.Takeaway, KG.ReviewParagraph, KG.Topic, KG.Paper]
TEXTS = [SCHEMA.name, SCHEMA.description, SCHEMA.text, KG.note]
EXISTS = [SCHEMA.isPartOf, KG.timestamp, SCHEMA.startOffset, SCHEMA.position]
CONTAINS = [KG.hasTakeaway, KG.hasRecommendation, KG.hasParagraph, KG.hasTopic]

plain = st.sampled_from(["A", "B", "a: b", ""]).map(Literal)
odd = st.one_of(
    st.just(Literal("A", language="en")),
    st.just(Literal("1", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#integer"))),
    st.just(BlankNode("b0")),
)
node = st.sampled_from(NODES)


def quads(odd_terms: bool):
    """A graph of the predicates the queries read; ``odd_terms``: blank nodes, IRIs where a text belongs,
    tagged and typed literals, which graph_texts may decline."""
    obj = st.one_of(plain, node, odd) if odd_terms else st.one_of(plain, node)
    text = obj if odd_terms else plain
    subject = st.one_of(node, st.just(BlankNode("s0"))) if odd_terms else node
    one = st.one_of(
        st.builds(lambda s, c: Quad(s, RDF.type, c, G), subject, st.sampled_from(CLASSES)),
        st.builds(lambda s, p, o: Quad(s, p, o, G), subject, st.sampled_from(TEXTS), text),
        st.builds(lambda s, p, o: Quad(s, p, o, G), subject, st.sampled_from(EXISTS), obj),
        st.builds(lambda s, p, o: Quad(s, p, o, G), subject, st.sampled_from(CONTAINS), st.one_of(node, obj)),
    )
    return st.lists(one, max_size=24)


def by_queries(qs: list[Quad]) -> tuple[Counter, list[dict]]:
    store = pyoxigraph.Store()
    store.extend(qs)
    mention = Counter(
        (s["g"].value, s["node"].value, s["text"].value) for s in store.query(load("mention_texts.rq"))
    )
    entity = [
        {"g": py(s["g"]), "node": py(s["node"]), "text": py(s["text"])} for s in store.query(load("entity_texts.rq"))
    ]
    return mention, sorted(entity, key=lambda r: (r["g"], r["node"], r["text"]))


def agree(qs: list[Quad]) -> bool:
    got = graph_texts(G.value, qs)
    if got is None:
        return False
    mention, entity = by_queries(qs)
    assert Counter(got[0]) == mention
    assert sorted(got[1], key=lambda r: (r["g"], r["node"], r["text"])) == entity
    return True


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(quads(odd_terms=False))
def test_on_iris_and_plain_strings_the_rows_are_the_queries_rows(qs):
    assert agree(qs), "graph_texts gave up on a graph of IRIs and plain strings"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(quads(odd_terms=True))
def test_with_other_terms_the_rows_are_the_queries_rows_or_none(qs):
    agree(qs)


def test_a_chapter_whose_name_is_its_summary_is_counted_twice_as_the_query_does():
    ch = NODES[0]
    qs = [
        Quad(ch, RDF.type, KG.Chapter, G),
        Quad(ch, SCHEMA.name, Literal("RLHF"), G),
        Quad(ch, SCHEMA.description, Literal("RLHF"), G),
        Quad(ch, SCHEMA.isPartOf, NODES[1], G),
        Quad(ch, KG.timestamp, Literal("00:10"), G),
        Quad(ch, SCHEMA.startOffset, Literal("10"), G),
    ]
    mention, entity = graph_texts(G.value, qs)
    assert mention == [(G.value, ch.value, "RLHF")] * 2
    assert entity == [{"g": G.value, "node": ch.value, "text": "RLHF"}]
    assert agree(qs)


def test_a_text_with_a_language_tag_is_left_to_the_queries():
    qs = [Quad(NODES[0], RDF.type, KG.Takeaway, G), Quad(NODES[0], SCHEMA.text, Literal("x", language="en"), G)]
    assert graph_texts(G.value, qs) is None


def assert_stored_graphs_agree(path: Path) -> int:
    raw = OxigraphStore(path).raw
    graphs = [g for g in raw.named_graphs() if isinstance(g, NamedNode)]
    checked = 0
    for g in graphs:
        got = graph_texts(g.value, raw.quads_for_pattern(None, None, None, g))
        assert got is not None, g
        assert Counter(got[0]) == Counter(texts(raw, g)), g
        assert sorted(got[1], key=lambda r: (r["g"], r["node"], r["text"])) == corpus_rows(raw, g.value), g
        checked += bool(got[0] or got[1])
    return checked


def test_every_graph_of_the_sample_gives_the_stored_rows(sample_store):
    assert assert_stored_graphs_agree(sample_store) >= 5  # the episode and review graphs


def export(store: Path) -> set[str]:
    raw = OxigraphStore(store).raw
    quads = raw.quads_for_pattern(None, None, None)
    return set(pyoxigraph.serialize(quads, format=pyoxigraph.RdfFormat.N_QUADS).decode().splitlines())


def test_a_build_handing_the_texts_over_writes_the_graph_one_reading_them_back_writes(tmp_path, monkeypatch):
    from test_synth_derive import synth

    from kg import entities, mentions, pipeline

    data = tmp_path / "data"
    synth(data, 60, terms=300)
    handed, read_back = tmp_path / "handed", tmp_path / "read"

    def no_read_back(*_args):
        raise AssertionError("a build read its texts back from the store")

    with monkeypatch.context() as m:
        m.setattr(mentions, "texts", no_read_back)
        m.setattr(entities, "corpus_rows", no_read_back)
        pipeline.build(handed, data)
    assert assert_stored_graphs_agree(handed) > 60
    monkeypatch.setattr(pipeline, "graph_texts", lambda _g, _q: None)  # every text read back from the store
    pipeline.build(read_back, data)
    a, b = export(handed), export(read_back)
    assert len(a) > 20_000
    assert a == b
    assert any("/mention/" in line for line in a) and any("mentionsEntity" in line for line in a)
