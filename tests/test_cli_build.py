"""The CLI on the sample: stats against hand counts, validate, idempotent ingest, exports."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph
import rdflib

from conftest import SAMPLE, kg_cmd
from kg.parsers.glossary import read_glossary
from kg.store.generations import new_generation


def dump(store: Path) -> bytes:
    return kg_cmd("export", "--store", str(store), "--format", "nq", "-").stdout.encode()


def quads(store: Path) -> set[str]:
    return set(dump(store).decode().splitlines())


def test_stats_match_counts_taken_by_hand(sample_store):
    stats = json.loads(kg_cmd("stats", "--store", str(sample_store), "--json").stdout)
    nodes, edges = stats["nodes"], stats["edges"]
    terms = len(read_glossary(SAMPLE / "glossary.yaml").terms)
    # 8 episodes in the feed + 10 only discussed in the review (E162–E171)
    assert nodes["episode"] == 18
    assert nodes["chapter"] == 74  # 10+9+10+9+10+8+9+9 on the show page
    assert nodes["takeaway"] == 48  # 6 per episode
    assert nodes["recommendation"] == 26  # reading items: 4+2+4+1+3+4+4+4
    assert nodes["paper"] == 32  # 8 sources + 24 distinct recommended (DPO and Let's Verify twice)
    assert nodes["topic"] == 9
    assert nodes["review"] == 1
    assert nodes["podcast"] == 1
    assert nodes["term"] == terms
    assert edges["covers"] == 8
    assert edges["recommends"] == 26
    assert edges["has_chapter"] == 74
    assert edges["in_topic"] == 18
    assert edges["discusses"] == 18
    assert edges["explains"] > 100
    assert stats["quads"] == int(stats["quads"]) > 2000


def test_sample_validates(sample_store):
    proc = kg_cmd("validate", "--store", str(sample_store))
    assert "conforms" in proc.stdout


def test_validate_reports_a_broken_graph_by_node_and_shape(fresh_store):
    bad = pyoxigraph.NamedNode("https://paperdive.ai/id/episode/E172/chapter/99-99")
    kg = "https://paperdive.ai/ontology#"
    with new_generation(fresh_store, start_empty=False) as store:
        g = pyoxigraph.NamedNode("https://paperdive.ai/id/graph/test/broken")
        store.add(
            pyoxigraph.Quad(
                bad,
                pyoxigraph.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                pyoxigraph.NamedNode(kg + "Chapter"),
                g,
            )
        )
    proc = kg_cmd("validate", "--store", str(fresh_store), check=False)
    assert proc.returncode == 1
    assert "episode/E172/chapter/99-99" in proc.stdout
    assert "ChapterShape" in proc.stdout and "timestamp" in proc.stdout


def test_ingesting_the_same_source_twice_changes_nothing(fresh_store):
    before = dump(fresh_store)
    for kind, path in (
        ("feed", SAMPLE / "feed.xml"),
        ("review", SAMPLE / "reviews" / "2026-06-28.html"),
        ("glossary", SAMPLE / "glossary.yaml"),
    ):
        proc = kg_cmd("ingest", kind, str(path), "--store", str(fresh_store))
        assert "nothing changed" in proc.stdout
    assert dump(fresh_store) == before


def test_a_changed_source_replaces_only_its_own_graph(fresh_store, tmp_path):
    before = quads(fresh_store)
    text = (SAMPLE / "glossary.yaml").read_text(encoding="utf-8")
    changed = tmp_path / "glossary.yaml"
    changed.write_text(
        text.replace("version: 1", "version: 1\n# edited", 1).replace(
            "terms:\n",
            "terms:\n  - id: zz-new-term\n    label: zz new term\n    definition: A term added by an editor.\n",
            1,
        ),
        encoding="utf-8",
    )
    kg_cmd("ingest", "glossary", str(changed), "--store", str(fresh_store))
    after = quads(fresh_store)
    added, removed = after - before, before - after
    assert any("term/zz-new-term" in q for q in added)
    glossary_graph = "<https://paperdive.ai/id/graph/glossary/glossary>"
    derived = ("<https://paperdive.ai/id/graph/derived>", "<https://paperdive.ai/id/graph/mentions>")
    assert all(q.rstrip(" .").endswith((glossary_graph, *derived)) for q in added | removed)


def test_exports(sample_store, tmp_path):
    for fmt, parse_as in (("ttl", "turtle"), ("jsonld", "json-ld"), ("nq", "nquads")):
        out = tmp_path / f"graph.{fmt}"
        kg_cmd("export", "--store", str(sample_store), "--format", fmt, str(out))
        g = rdflib.Dataset() if fmt == "nq" else rdflib.Graph()
        g.parse(out, format=parse_as)
        assert len(g) > 1000 or sum(1 for _ in g.quads()) > 1000
