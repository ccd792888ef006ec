"""The fast parts of the entity step find exactly what the plain spaCy way finds.

* the ``kg_entity_shapes`` component against a spaCy EntityRuler of :data:`SHAPE_PATTERNS`, and the
  ``kg_sentencizer`` against spaCy's Sentencizer, span for span;
* ``entity_texts.rq`` against the rows of ``corpus_texts.rq``;
* texts analysed in worker processes against texts analysed in this one.
"""

from __future__ import annotations

import random
from pathlib import Path

import pyoxigraph
import pytest
import spacy

import kg.entities as entities
from kg.entities import corpus_rows, entity_quads, load_catalogue
from kg.nlp.entities import SHAPE_PATTERNS, EntityFinder, make_nlp, ml_name_match
from kg.store.oxigraph import run_select


def open_current(store: Path) -> pyoxigraph.Store:
    return pyoxigraph.Store.read_only(str(store / (store / "CURRENT").read_text().strip()))


def reference_nlp():
    """The entity pipeline as spaCy's own components make it: an EntityRuler and the Sentencizer."""
    nlp = spacy.blank("en")
    previous = nlp.tokenizer.token_match
    nlp.tokenizer.token_match = lambda text: ml_name_match(text) or (previous(text) if previous else None)
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("entity_ruler", config={"overwrite_ents": True}).add_patterns(SHAPE_PATTERNS)
    return nlp


TRICKY = [
    "Gemini 2.5 Pro 70B and Claude Opus 4 beat Llama 3 70B on SWE-Bench Lite and MT-Bench Verified.",
    "Qwen 2 8B, GPT 4 Turbo, gemini 2.5 pro, Gemini Pro 2.0 and CLAUDE 3 OPUS are models.",
    "KernelPro reaches pass@64 of 0.8 on KernelBench; ALFWorld, Eagle3, A100 and SASS too. AI, GPU, E42.",
    'Hi!! "Yes." (ok).) Wow?! x... a. b 。c', "", " ", "\n\n", "A", "ABC\n", "2-3 X-1 Self-Referential",
]


def sample_texts(sample_store: Path) -> list[str]:
    return [r["text"] for r in run_select(open_current(sample_store), "corpus_texts.rq")]


def random_texts(n: int) -> list[str]:
    words = (
        "Gemini gemini GEMINI Claude Llama Qwen GPT Phi T5 Pro pro Opus Flash Ultra Sonnet 2.5 3 v2 4o 70B 8B 1.5M "
        "Lite Verified SWE-Bench bench Bench HumanEval pass@64 recall@k AI GPU SASS KernelPro Eagle3 GPT-4o "
        "Llama-3.1-8B on the a , . ; ! ? ... !! ( ) \" ” 2-3 X-1 and of Mini Max 12 7b"
    ).split()
    rng = random.Random(7)
    return [" ".join(rng.choice(words) for _ in range(rng.randint(1, 14))) for _ in range(n)]


def test_shape_names_and_sentences_are_those_of_spacys_own_components(sample_store):
    ours, reference = make_nlp(), reference_nlp()
    assert ours.pipe_names == ["sentencizer", "kg_entity_shapes"]
    texts = TRICKY + sample_texts(sample_store) + random_texts(3000)
    names = 0
    for text in texts:
        a, b = ours(text), reference(text)
        assert [(e.start, e.end, e.label_) for e in a.ents] == [(e.start, e.end, e.label_) for e in b.ents], text
        assert [s.start for s in a.sents] == [s.start for s in b.sents], text
        names += len(a.ents)
    assert names > 1000
    doc = ours(TRICKY[0])
    assert [e.text for e in doc.ents] == ["Gemini 2.5 Pro 70B", "Claude Opus 4", "Llama 3 70B", "SWE-Bench Lite",
                                          "MT-Bench Verified"]  # fmt: skip


def test_entity_texts_are_the_corpus_texts_in_their_order(sample_store):
    store = open_current(sample_store)
    expected: list[tuple[str, str, str]] = []
    for r in run_select(store, "corpus_texts.rq"):
        key = (r["g"], r["node"], r["text"])
        if key not in expected:
            expected.append(key)
    got = [(r["g"], r["node"], r["text"]) for r in corpus_rows(store)]
    assert got == expected
    assert {"chapter", "summary", "takeaway", "reading", "paragraph", "topic"} <= {
        r["kind"] for r in run_select(store, "corpus_texts.rq")
    }
    one = expected[0][0]
    assert [(r["g"], r["node"], r["text"]) for r in corpus_rows(store, one)] == [k for k in expected if k[0] == one]


def test_texts_analysed_in_worker_processes_give_the_same_quads(sample_store, monkeypatch):
    store = open_current(sample_store)
    cat = load_catalogue(store)
    finder = EntityFinder(cat.entries.values(), cat.other_terms)
    rows = corpus_rows(store)
    here = entity_quads(finder, rows, {})
    monkeypatch.setattr(entities, "_CHUNK", 25)  # several tasks even for the small sample
    there = entity_quads(finder, rows, {}, cat, workers=2)
    assert there == here
    # and they are what the build wrote
    for g, quads in here.items():
        eg = entities.entity_graph(g)
        assert set(quads) == set(store.quads_for_pattern(None, None, None, eg)), g
    assert sum(map(len, here.values())) > 100


def test_entity_workers_follow_kg_build_workers(monkeypatch):
    monkeypatch.setenv("KG_BUILD_WORKERS", "3")
    assert entities.entity_workers(10) == 3
    monkeypatch.setenv("KG_BUILD_WORKERS", "0")
    assert entities.entity_workers(100 << 20) == 0
    monkeypatch.delenv("KG_BUILD_WORKERS")
    assert entities.entity_workers(1000) == 0  # small inputs stay in this process
    monkeypatch.setenv("KG_BUILD_WORKERS", "many")
    with pytest.raises(entities.KGError, match="KG_BUILD_WORKERS"):
        entities.entity_workers(1000)


def test_an_ingests_entity_worker_analyses_as_this_process_does(sample_store, monkeypatch):
    """The process an ingest starts (kg.entities.EntityWorker) gives the analyses and name conflicts of a
    finder made here, and says so plainly when it cannot: the ingest then analyses the texts itself."""
    store = open_current(sample_store)
    cat = load_catalogue(store)
    finder = EntityFinder(cat.entries.values(), cat.other_terms)
    texts = [r["text"] for r in corpus_rows(store)]
    worker = entities.EntityWorker()
    worker.send(cat, texts)
    answer = worker.result()
    assert answer is not None
    conflicts, found = answer
    assert conflicts == finder.conflicts
    assert found == [(a.entities, a.relations) for a in map(finder.analyse, texts)]
    assert sum(len(e) for e, _r in found) > 100

    monkeypatch.setenv("KG_SPACY_PIPELINE", "xx_no_such_pipeline")  # the worker cannot make its pipeline
    failing = entities.EntityWorker()
    failing.send(cat, texts[:3])
    assert failing.result() is None
    unused = entities.EntityWorker()  # an ingest that needed no analysis closes it at once
    unused.close()
    assert not unused._proc.is_alive()
    monkeypatch.setenv("KG_BUILD_WORKERS", "0")
    assert entities.ingest_entity_worker() is None
