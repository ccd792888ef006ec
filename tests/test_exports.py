"""Exports: RDF round-trips (Turtle, JSON-LD, N-Quads) and the neo4j-admin CSV files."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pyoxigraph
import pytest
import rdflib
from rdflib.compare import isomorphic, to_isomorphic

from conftest import ROOT, kg_cmd
from kg.neo4j_csv import ARRAY_DELIMITER, import_command
from kg.store.generations import current_generation

FORMATS = {"ttl": pyoxigraph.RdfFormat.TURTLE, "jsonld": pyoxigraph.RdfFormat.JSON_LD}


def _rdflib_dataset(store: pyoxigraph.Store) -> rdflib.Dataset:
    ds = rdflib.Dataset()
    ds.parse(data=store.dump(format=pyoxigraph.RdfFormat.N_QUADS).decode("utf-8"), format="nquads")
    return ds


def _union(store: pyoxigraph.Store) -> rdflib.Graph:
    g = rdflib.Graph()
    for q in store:
        g.add(
            (
                rdflib.URIRef(q.subject.value),
                rdflib.URIRef(q.predicate.value),
                _rdflib_term(q.object),
            )
        )
    return g


def _rdflib_term(t):
    if isinstance(t, pyoxigraph.NamedNode):
        return rdflib.URIRef(t.value)
    if isinstance(t, pyoxigraph.BlankNode):
        return rdflib.BNode(t.value)
    if t.language:
        return rdflib.Literal(t.value, lang=t.language)
    return rdflib.Literal(t.value, datatype=rdflib.URIRef(t.datatype.value))


@pytest.fixture(scope="module")
def source(sample_store) -> pyoxigraph.Store:
    return pyoxigraph.Store.read_only(str(current_generation(sample_store)))


def _fresh_store(tmp_path: Path, path: Path, fmt) -> pyoxigraph.Store:
    store = pyoxigraph.Store(str(tmp_path / "fresh"))
    store.load(path=str(path), format=fmt)
    return store


@pytest.mark.parametrize("fmt", ["ttl", "jsonld"])
def test_merged_export_round_trips_to_an_isomorphic_graph(fmt, sample_store, source, tmp_path):
    out = tmp_path / f"graph.{fmt}"
    kg_cmd("export", "--store", str(sample_store), "--format", fmt, str(out))
    fresh = _fresh_store(tmp_path, out, FORMATS[fmt])
    original, loaded = _union(source), _union(fresh)
    assert len(loaded) == len(original) > 2000
    assert isomorphic(original, loaded)
    if fmt == "jsonld":  # compacted with the project's context, which is inlined (no remote fetch)
        doc = json.loads(out.read_text(encoding="utf-8"))
        assert doc["@context"]["skos"] == "http://www.w3.org/2004/02/skos/core#"
        assert "@graph" in doc


def test_nquads_export_round_trips_every_named_graph(sample_store, source, tmp_path):
    out = tmp_path / "graph.nq"
    kg_cmd("export", "--store", str(sample_store), "--format", "nq", str(out))
    fresh = _fresh_store(tmp_path, out, pyoxigraph.RdfFormat.N_QUADS)
    a, b = _rdflib_dataset(source), _rdflib_dataset(fresh)
    names_a = {g.identifier for g in a.graphs() if len(g)}
    names_b = {g.identifier for g in b.graphs() if len(g)}
    assert names_a == names_b and len(names_a) == 31  # 11 sources, their 9 mention graphs and 10 entity graphs, derived
    for name in names_a:
        ga, gb = a.graph(name), b.graph(name)
        assert len(ga) == len(gb) and to_isomorphic(ga) == to_isomorphic(gb), name


def test_a_changed_graph_is_not_isomorphic():
    """The round-trip check can fail: drop one triple and the graphs differ."""
    g = rdflib.Graph().parse(data="<urn:a> <urn:p> <urn:b> .\n<urn:a> <urn:p> <urn:c> .\n", format="nt")
    h = rdflib.Graph().parse(data="<urn:a> <urn:p> <urn:b> .", format="nt")
    assert not isomorphic(g, h)


# -- neo4j-csv ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def csv_dir(sample_store, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("neo4j-csv") / "import"
    proc = kg_cmd("export", "--store", str(sample_store), "--format", "neo4j-csv", str(out))
    assert proc.stdout.strip() == import_command(out)
    return out


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        return header, [dict(zip(header, row, strict=True)) for row in reader]


def test_node_file_has_the_neo4j_admin_header(csv_dir):
    header, rows = _rows(csv_dir / "nodes.csv")
    assert header[:4] == [":ID", ":LABEL", "iri:string", "graphs:string[]"]
    typed = dict(h.split(":", 1) for h in header[2:])
    assert typed["episodeNumber"] == "long"
    assert typed["startOffset"] == "long"
    assert typed["weight"] == "double"  # decimals (related episodes) and integers (co-recommendations)
    assert typed["altLabel"] == "string[]" and typed["acronym"] == "string[]"
    assert typed["prefLabel"] == "string" and typed["datePublished"] == "string"
    assert typed["quads"] == "long" and typed["hash"] == "string"
    assert all(t in {"long", "double", "boolean", "string"} for t in (v.removesuffix("[]") for v in typed.values()))


def test_nodes_are_the_sample_with_their_labels_and_values(csv_dir, sample_store):
    _header, rows = _rows(csv_dir / "nodes.csv")
    by_id = {r[":ID"]: r for r in rows}
    assert len(by_id) == len(rows), "node IDs repeat"
    labels = Counter(label for r in rows for label in r[":LABEL"].split(ARRAY_DELIMITER))
    stats = json.loads(kg_cmd("stats", "--store", str(sample_store), "--json").stdout)
    assert labels["Episode"] == stats["nodes"]["episode"] == 18
    assert labels["Term"] == stats["nodes"]["term"]
    assert labels["Chapter"] == 74 and labels["SyncedGraph"] == 31  # 11 sources, 9+10 mention+entity, derived
    e172 = by_id["https://paperdive.ai/id/episode/E172"]
    assert e172[":LABEL"] == f"Resource{ARRAY_DELIMITER}Episode"
    assert e172["episodeNumber:long"] == "172"
    assert e172["name:string"] == "One Bad Token Can Sink a Model's Math, And You Can Delete It"
    assert "https://paperdive.ai/id/graph/episode/E172" in e172["graphs:string[]"].split(ARRAY_DELIMITER)
    cot = by_id["https://paperdive.ai/id/term/chain-of-thought"]
    assert cot["acronym:string[]"] == "CoT"
    assert cot["altLabel:string[]"].split(ARRAY_DELIMITER) == [
        "chain of thought",
        "chain-of-thought prompting",
        "chain-of-thought reasoning",
    ]
    synced = [r for r in rows if r[":LABEL"] == "SyncedGraph"]
    assert sum(int(r["quads:long"]) for r in synced) == stats["quads"]


def test_relationship_file_has_the_neo4j_admin_header_and_real_ends(csv_dir, sample_store):
    header, rels = _rows(csv_dir / "relationships.csv")
    assert header == [":START_ID", ":END_ID", ":TYPE", "graphs:string[]"]
    _h, nodes = _rows(csv_dir / "nodes.csv")
    ids = {r[":ID"] for r in nodes}
    assert all(r[":START_ID"] in ids and r[":END_ID"] in ids for r in rels)
    types = Counter(r[":TYPE"] for r in rels)
    stats = json.loads(kg_cmd("stats", "--store", str(sample_store), "--json").stdout)
    assert types["COVERS"] == stats["edges"]["covers"] == 8
    assert types["HAS_CHAPTER"] == 74 and types["RECOMMENDS"] == 26 and types["EXPLAINS"] == stats["edges"]["explains"]
    assert len({(r[":START_ID"], r[":TYPE"], r[":END_ID"]) for r in rels}) == len(rels)


def test_the_import_command_is_written_beside_the_files_and_in_the_readme(csv_dir):
    text = (csv_dir / "IMPORT.txt").read_text(encoding="utf-8")
    assert import_command(csv_dir) in text
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert import_command("import/kg") in readme


def test_neo4j_csv_export_refuses_a_file_target(sample_store, tmp_path):
    target = tmp_path / "a-file"
    target.write_text("x")
    proc = kg_cmd("export", "--store", str(sample_store), "--format", "neo4j-csv", str(target), check=False)
    assert proc.returncode == 1 and "error E098" in proc.stderr and "Traceback" not in proc.stderr
