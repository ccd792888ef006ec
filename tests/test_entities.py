"""Entities: typed nodes from the glossary and the gazetteer, shape names, plain relations, mentions."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph
import pytest

from conftest import SAMPLE, kg_cmd
from kg.nlp.entities import CatalogueEntry, EntityFinder, ml_name_match, shape_type
from kg.nlp.linker import TermForms
from kg.parsers.entities import parse_gazetteer

KG = "https://paperdive.ai/ontology#"
ENTITY = "https://paperdive.ai/id/entity/"
CITO_EXTENDS = "http://purl.org/spar/cito/extends"


def open_current(store: Path) -> pyoxigraph.Store:
    return pyoxigraph.Store.read_only(str(store / (store / "CURRENT").read_text().strip()))


def edges(store: Path, predicate: str) -> dict[tuple[str, str], set[str]]:
    """(subject slug, object slug) -> the graphs that state the edge."""
    out: dict[tuple[str, str], set[str]] = {}
    q = f"SELECT ?g ?s ?o WHERE {{ GRAPH ?g {{ ?s <{predicate}> ?o }} }}"
    for r in open_current(store).query(q):
        key = (r["s"].value.removeprefix(ENTITY), r["o"].value.removeprefix(ENTITY))
        out.setdefault(key, set()).add(r["g"].value.rsplit("/graph/", 1)[1])
    return out


# -- on the sample ---------------------------------------------------------------------------
def test_named_entities_of_the_corpus_are_typed_nodes(sample_store):
    store = open_current(sample_store)
    expected = {
        "dspark": "System", "eagle": "Method", "medusa": "Method", "kernelpro": "System",
        "kernelbench": "Benchmark", "swe-bench-lite": "Benchmark", "webshop": "Benchmark",
        "mt-bench": "Benchmark", "auroc": "Metric", "deepseek": "Organisation", "qwen2-5-3b": "Model",
    }  # fmt: skip
    for slug, cls in expected.items():
        types = {r["c"].value for r in store.query(f"SELECT ?c WHERE {{ GRAPH ?g {{ <{ENTITY}{slug}> a ?c }} }}")}
        assert types == {KG + cls}, slug
    # the glossary term names the entity; the term itself is a concept, not a kg:System
    q = f"ASK {{ GRAPH ?g {{ <https://paperdive.ai/id/term/dspark> <{KG}denotes> <{ENTITY}dspark> }} }}"
    assert store.query(q)
    q = f"ASK {{ GRAPH ?g {{ <https://paperdive.ai/id/term/dspark> a <{KG}System> }} }}"
    assert not store.query(q)


def test_stats_count_entity_kinds_and_edges(sample_store):
    stats = json.loads(kg_cmd("stats", "--store", str(sample_store), "--json").stdout)
    for kind in ("method", "benchmark", "model", "metric", "system", "organisation"):
        assert stats["nodes"][kind] > 0, kind
    assert stats["nodes"]["benchmark"] == 11  # the glossary's eleven benchmarks; the gazetteer adds none
    assert stats["nodes"]["model"] == 8  # seven in the glossary and Qwen2.5-3B from the gazetteer
    assert stats["edges"]["evaluated_on"] >= 8
    assert stats["edges"]["extends"] >= 6
    assert stats["edges"]["mentions_entity"] > 200


def test_evaluated_on_and_extends_come_from_plain_sentences(sample_store):
    evaluated = edges(sample_store, KG + "evaluatedOn")
    # "It reaches 84.33% top-1 on SWE-Bench Lite" (after "SHERLOC reframes localization …")
    assert evaluated[("sherloc", "swe-bench-lite")] == {"entities/review/2026-06-28"}
    # "+22 points on ALFWorld, ~14 on WebShop" in the paragraph about G2PO
    assert {("g2po", "alfworld"), ("g2po", "webshop"), ("g2po", "appworld")} <= set(evaluated)
    # "KernelBench: … the … benchmark … that this episode's KernelPro system is evaluated on"
    assert evaluated[("kernelpro", "kernelbench")] == {"entities/episode/E177"}
    assert evaluated[("llm-as-a-judge", "mt-bench")] == {"gazetteer/entities"}  # curated
    extends = edges(sample_store, CITO_EXTENDS)
    assert extends[("cliff-dpo", "dpo")] == {"entities/episode/E172"}  # "the DPO method … Cliff-DPO builds on"
    assert extends[("red-queen-godel-machine", "godel-agent")] == {"entities/episode/E178"}
    assert extends[("kernelpro", "monte-carlo-tree-search")] == {"entities/episode/E177"}  # "… KernelPro adapts"
    assert ("monte-carlo-tree-search", "sass") not in extends  # "a Monte Carlo Tree Search adapted so …": no


def test_chapters_mention_entities_with_provenance(sample_store):
    store = open_current(sample_store)
    q = f"""SELECT ?g WHERE {{ GRAPH ?g {{
        <https://paperdive.ai/id/episode/E177/chapter/14-46> <{KG}mentionsEntity> <{ENTITY}kernelbench> }} }}"""
    assert [r["g"].value for r in store.query(q)] == ["https://paperdive.ai/id/graph/entities/episode/E177"]


def test_sample_validates_with_entities(sample_store):
    assert "conforms" in kg_cmd("validate", "--store", str(sample_store)).stdout


def test_validate_catches_an_entity_with_two_types_and_a_bad_edge(fresh_store):
    from kg.store.generations import new_generation

    node = pyoxigraph.NamedNode
    g = node("https://paperdive.ai/id/graph/test/broken")
    rdf_type = node("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    with new_generation(fresh_store, start_empty=False) as store:
        store.add(pyoxigraph.Quad(node(ENTITY + "dspark"), rdf_type, node(KG + "Model"), g))
        store.add(pyoxigraph.Quad(node(ENTITY + "kernelpro"), node(KG + "evaluatedOn"), node(ENTITY + "auroc"), g))
    proc = kg_cmd("validate", "--store", str(fresh_store), "--json", check=False)
    assert proc.returncode == 1
    found = {(v["focus"].removeprefix(ENTITY), v["message"]) for v in json.loads(proc.stdout)}
    assert ("dspark", "an entity has one type (the gazetteer and the glossary must agree)") in found
    assert ("kernelpro", "evaluated_on must point at a benchmark") in found


# -- the gazetteer as a source ---------------------------------------------------------------
def write_data(tmp_path: Path, entities: str) -> Path:
    data = tmp_path / "data"
    (data / "reviews").mkdir(parents=True)
    for name in ("feed.xml", "glossary.yaml"):
        (data / name).write_text((SAMPLE / name).read_text(encoding="utf-8"), encoding="utf-8")
    (data / "reviews" / "2026-06-28.html").write_text(
        (SAMPLE / "reviews" / "2026-06-28.html").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (data / "entities.yaml").write_text(entities, encoding="utf-8")
    return data


@pytest.mark.parametrize(
    ("entities", "code", "where"),
    [
        ("entities:\n  - id: x\n    name: X\n    type: gadget\n", "E071", "entities.yaml:2 (entity 'x', type)"),
        ("entities:\n  - id: x\n    type: model\n", "E071", "entities.yaml:2 (entity 'x', name)"),
        ("entities:\n  - id: Bad Id\n    name: X\n    type: model\n", "E071", "entities.yaml:2 (id)"),
        ("entities:\n  - {id: a, name: A, type: model}\n  - {id: a, name: B, type: model}\n", "E072", ":3"),
        ("entities:\n  - {id: a, name: A, type: model}\n  - {id: b, name: B, type: model, aliases: [a]}\n",
         "E073", "entities.yaml:3 (entity 'b', aliases)"),
        ("entities:\n  - id: a\n    name: [\n", "E070", "entities.yaml:"),
        ("entities:\n  - {id: a, name: A, type: model, colour: red}\n", "E071", "(entity 'a', colour)"),
        # the glossary's YAML safety (kg.parsers.yamlsafe): no aliases (YAML bombs), no unknown tags, ids in full
        ("x: &a [A, A]\nentities:\n  - {id: a, name: *a, type: model}\n", "E070", "entities.yaml:3"),
        ("entities:\n  - {id: a, name: !!python/object:os.system A, type: model}\n", "E070", "entities.yaml:2"),
        ('entities:\n  - {id: "a\\n", name: A, type: model}\n', "E071", "entities.yaml:2 (id)"),
    ],
)  # fmt: skip
def test_bad_gazetteer_entries_name_file_line_and_field(tmp_path, entities, code, where):
    data = write_data(tmp_path, entities)
    proc = kg_cmd("build", "--data", str(data), "--store", str(tmp_path / "kg"), check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert code in proc.stderr and where in proc.stderr, proc.stderr


@pytest.mark.parametrize(
    ("entities", "code", "needle"),
    [
        ("entities:\n  - {id: dspark, name: DSpark, type: model}\n", "E075", "entity 'dspark' has two types"),
        ("entities:\n  - {id: x, name: X, type: method, extends: [nothing-here]}\n", "E074", "'nothing-here'"),
        ("entities:\n  - {id: x, name: X, type: method, term: no-such-term}\n", "E074", "'no-such-term'"),
    ],
)
def test_gazetteer_that_contradicts_the_glossary_fails_the_ingest_and_changes_nothing(
    fresh_store, tmp_path, entities, code, needle
):
    before = kg_cmd("export", "--store", str(fresh_store), "--format", "nq", "-").stdout
    path = tmp_path / "entities.yaml"
    path.write_text(entities, encoding="utf-8")
    proc = kg_cmd("ingest", "entities", str(path), "--store", str(fresh_store), check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert code in proc.stderr and needle in proc.stderr and "entities.yaml:2" in proc.stderr, proc.stderr
    assert kg_cmd("export", "--store", str(fresh_store), "--format", "nq", "-").stdout == before


def test_ingesting_a_gazetteer_adds_its_entities_and_their_mentions(fresh_store, tmp_path):
    path = tmp_path / "entities.yaml"
    text = (SAMPLE / "entities.yaml").read_text(encoding="utf-8")
    path.write_text(text + "  - id: kahneman-tversky\n    name: Tversky\n    type: organisation\n", encoding="utf-8")
    proc = kg_cmd("ingest", "entities", str(path), "--store", str(fresh_store))
    assert "1 graphs replaced" in proc.stdout
    store = open_current(fresh_store)
    q = f"ASK {{ GRAPH ?g {{ ?text <{KG}mentionsEntity> <{ENTITY}kahneman-tversky> }} }}"
    assert store.query(q)  # "Kahneman and Tversky's prospect theory" (E176)
    again = kg_cmd("ingest", "entities", str(path), "--store", str(fresh_store))
    assert "nothing changed" in again.stdout


# -- the finder on its own -------------------------------------------------------------------
@pytest.fixture(scope="module")
def finder() -> EntityFinder:
    catalogue = [
        CatalogueEntry("sherloc", "SHERLOC", "system"),
        CatalogueEntry("swe-bench-lite", "SWE-Bench Lite", "benchmark"),
        CatalogueEntry("dpo", "DPO", "method", acronyms=("DPO",)),
        CatalogueEntry("cliff-dpo", "Cliff-DPO", "method"),
        CatalogueEntry("fugu", "Fugu", "system"),
        CatalogueEntry("webshop", "WebShop", "benchmark"),
        CatalogueEntry("metis", "Metis", "system"),
        CatalogueEntry("react", "ReAct", "method"),
    ]
    return EntityFinder(catalogue, [TermForms("llm", "large language model", acronyms=("LLM",))])


def found(finder: EntityFinder, text: str) -> list[tuple[str, str | None, str]]:
    return [(e.text, e.type, e.how) for e in finder.analyse(text).entities]


def test_ml_names_stay_one_token():
    for name in ("GPT-4o", "Llama-3.1-8B", "Qwen2.5-3B", "SWE-Bench", "Fugu-Ultra"):
        assert ml_name_match(name), name
    for word in ("chain-of-thought", "KL-regularized", "load-aware", "50-100"):
        assert not ml_name_match(word), word


def test_shapes_type_names_the_catalogue_lacks(finder):
    text = "We ran Llama-3.1-8B and Gemini 2.5 Pro on HumanEval, scored pass@64, and used the FooTool framework."
    assert found(finder, text) == [
        ("Llama-3.1-8B", "model", "shape"),
        ("Gemini 2.5 Pro", "model", "shape"),
        ("HumanEval", "benchmark", "shape"),
        ("pass@64", "metric", "shape"),
        ("FooTool", "system", "context"),
    ]
    assert shape_type("KernelBench") == "benchmark" and shape_type("Kernel") is None


def test_a_catalogue_name_inside_a_longer_ml_name_is_not_that_entity(finder):
    assert found(finder, "Fugu-Ultra composes workflows; Fugu picks one.") == [
        ("Fugu-Ultra", None, "untyped"),
        ("Fugu", "system", "catalogue"),
    ]


def test_glossary_concepts_and_common_acronyms_are_not_entities(finder):
    assert found(finder, "An LLM behind an API on a GPU, with AI in E172.") == []
    assert found(finder, "A Self-Referential Framework for Cross-Layer Features") == []


def test_relations_only_where_the_text_says_so(finder):
    rel = {(r.kind, r.subject, r.object) for r in finder.analyse(
        "SHERLOC reframes localization. It reaches 84% top-1 on SWE-Bench Lite. "
        "Cliff-DPO builds on DPO. Metis beats a plain ReAct agent on WebShop."
    ).relations}  # fmt: skip
    assert rel == {
        ("evaluated_on", "sherloc", "swe-bench-lite"),
        ("extends", "cliff-dpo", "dpo"),
        ("evaluated_on", "metis", "webshop"),  # the first named actor, not the baseline after "beats"
    }
    none = finder.analyse("SHERLOC was trained on SWE-Bench Lite. DPO extends to agents. Cliff-DPO and DPO.")
    assert none.relations == []


@pytest.mark.parametrize(
    "text", ["", " ", "\u200b" * 10, "🤖" * 100, "\u202eSHERLOC\u202c on SWE-Bench Lite", "<p>DPO</p>" * 50,
             "A-" * 5000, "x" * 200_000, "on on on on SWE-Bench Lite on", "builds on builds on extends",
             "SHERLOC on SWE-Bench Lite, " * 5000, "Cliff-DPO builds on DPO and " * 5000]
)  # fmt: skip
def test_odd_text_never_crashes_and_offsets_stay_valid(finder, text):
    for e in finder.analyse(text).entities:
        assert text[e.start : e.end] == e.text


def test_gazetteer_parser_keeps_lines():
    gaz = parse_gazetteer(
        "entities:\n  - id: a\n    name: A\n    type: model\n  - id: b\n    name: B\n    type: metric\n", name="e.yaml"
    )
    assert [(e.id, e.line, e.type) for e in gaz.entities] == [("a", 2, "model"), ("b", 5, "metric")]
