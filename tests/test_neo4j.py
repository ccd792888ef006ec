"""The Neo4j backend without a server: the mapping rows the sync writes, its plan, its bad-input errors.

What a Neo4j server would do with the rows is covered by the contract suite when NEO4J_URI is set
(tests/test_contract.py) and by the Cypher linter (tests/test_cypher_lint.py).
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph
import pytest
from boltpeers import RejectingPeer, SilentPeer

from conftest import ROOT, SAMPLE, kg_cmd
from kg import propertygraph, queries
from kg.store.base import GraphStore
from kg.store.generations import current_generation
from kg.store.neo4j import RDF_ONLY, UNSUPPORTED, Neo4jStore, cypher_stem, query_methods, safe_uri, twin
from kg.store.oxigraph import OxigraphStore
from kg.sync import graph_states, node_rows, nodes_to_redo, plan, sync_transactions

SECRET = "pa55-Sekrit-do-not-print"
E172 = "https://paperdive.ai/id/episode/E172"


def rdf(store_dir: Path) -> pyoxigraph.Store:
    return pyoxigraph.Store.read_only(str(current_generation(store_dir)))


@pytest.fixture(scope="module")
def sample_rdf(sample_store) -> pyoxigraph.Store:
    return rdf(sample_store)


# -- the mapping --------------------------------------------------------------------------------


def test_an_episode_becomes_one_labelled_node_with_typed_properties(sample_rdf):
    rows = node_rows(sample_rdf, [E172])
    (node,) = rows.nodes
    assert node["labels"] == ["Episode"]
    props = node["props"]
    assert props["iri"] == E172
    assert props["episodeNumber"] == 172 and isinstance(props["episodeNumber"], int)
    assert props["name"] == "One Bad Token Can Sink a Model's Math, And You Can Delete It"
    assert props["url"] == "https://paperdive.ai/episodes/E172"  # an IRI object of a property predicate
    assert props["datePublished"] == "2026-06-25T06:00:00Z"
    # the feed item, the terms its summary mentions, the review that files it under a topic and the
    # derived related-episodes graph
    assert props["graphs"] == [
        "https://paperdive.ai/id/graph/derived",
        "https://paperdive.ai/id/graph/episode/E172",
        "https://paperdive.ai/id/graph/mentions/episode/E172",
        "https://paperdive.ai/id/graph/review/2026-06-28",
    ]
    types = {r["type"] for r in rows.relationships}
    assert {"COVERS", "HAS_CHAPTER", "HAS_TAKEAWAY", "RECOMMENDS", "IN_TOPIC", "RELATED_EPISODE"} <= types
    covers = [r for r in rows.relationships if r["type"] == "COVERS"]
    assert covers == [
        {
            "start": E172,
            "type": "COVERS",
            "end": "https://paperdive.ai/id/paper/arxiv/2606.25524",
            "graphs": ["https://paperdive.ai/id/graph/episode/E172"],
        }
    ]
    (keep,) = rows.keep
    assert "COVERS https://paperdive.ai/id/paper/arxiv/2606.25524" in keep["keep"]
    assert len(keep["keep"]) == len(rows.relationships)


def test_a_term_keeps_lists_and_its_entity_label(sample_rdf):
    term_iri, entity_iri = "https://paperdive.ai/id/term/chain-of-thought", "https://paperdive.ai/id/entity/chain-of-thought"
    rows = node_rows(sample_rdf, [term_iri, entity_iri])
    by_iri = {n["props"]["iri"]: n for n in rows.nodes}
    node = by_iri[term_iri]
    assert node["labels"] == ["Term"]  # the concept; the method it names is the entity node it denotes
    assert "Method" in by_iri[entity_iri]["labels"]
    assert by_iri[entity_iri]["props"]["name"] == "chain-of-thought"
    assert node["props"]["acronym"] == ["CoT"]
    assert node["props"]["altLabel"] == ["chain of thought", "chain-of-thought prompting", "chain-of-thought reasoning"]
    assert node["props"]["prefLabel"] == "chain-of-thought"  # the language tag is dropped


def test_relatedness_weights_stay_numbers(sample_rdf):
    rows = node_rows(sample_rdf, ["https://paperdive.ai/id/episode/E172/related/E173"])
    props = rows.nodes[0]["props"]
    assert rows.nodes[0]["labels"] == ["Relatedness"]
    assert isinstance(props["weight"], float) and props["reason"].startswith("shared papers")


def test_every_predicate_of_the_sample_is_in_the_documented_tables(sample_rdf):
    predicates = {q.predicate.value for q in sample_rdf} - {propertygraph.RDF_TYPE}
    unmapped = sorted(
        p for p in predicates if p not in propertygraph.RELATIONSHIPS and p not in propertygraph.PROPERTIES
    )
    assert not unmapped, f"add these predicates to kg/propertygraph.py and docs/neo4j.md: {unmapped}"


def test_a_new_predicate_still_arrives_under_a_derived_name():
    assert propertygraph.fallback_relationship_type("https://paperdive.ai/ontology#usesDataset") == "USES_DATASET"
    assert propertygraph.fallback_relationship_type("http://purl.org/spar/cito/discusses") == "CITO_DISCUSSES"
    assert propertygraph.fallback_property("https://paperdive.ai/ontology#sharedTerms") == "sharedTerms"
    assert propertygraph.fallback_property("http://purl.org/dc/terms/description") == "dctermsDescription"


def test_the_mapping_document_matches_the_mapping():
    doc = (ROOT / "docs" / "neo4j.md").read_text(encoding="utf-8")
    missing = [
        f"| `{term}` | {kind} | `{name}` |"
        for term, kind, name in propertygraph.mapping_table()
        if f"| `{term}` | {kind} | `{name}` |" not in doc
    ]
    assert not missing, "docs/neo4j.md lacks these mapping rows:\n" + "\n".join(missing)


# -- the sync plan ------------------------------------------------------------------------------


def test_a_second_sync_has_nothing_to_do(sample_rdf):
    states = graph_states(sample_rdf)
    assert len(states) == 31  # channel, 8 feed items, review, glossary, derived, 9 mention and 10 entity graphs
    first = plan(states, {})
    assert sorted(first.changed) == sorted(states) and not first.removed
    second = plan(states, {g: s.hash for g, s in states.items()})
    assert second.in_sync and len(second.unchanged) == 31


def test_a_graph_the_store_lost_is_planned_for_removal(sample_rdf):
    states = graph_states(sample_rdf)
    synced = {g: s.hash for g, s in states.items()} | {"https://paperdive.ai/id/graph/episode/E100": "x"}
    assert plan(states, synced).removed == ["https://paperdive.ai/id/graph/episode/E100"]


# -- bad input: unreachable, wrong password, hung server -----------------------------------------


def sync(*args: str, env: dict | None = None):
    return kg_cmd("sync", "neo4j", *args, check=False, env={"NEO4J_PASSWORD": SECRET, **(env or {})})


def assert_clean_failure(proc, code: str, uri: str) -> None:
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"error {code}" in proc.stderr, proc.stderr
    assert uri in proc.stderr
    assert SECRET not in proc.stderr + proc.stdout
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_sync_to_an_unreachable_neo4j_names_the_uri_not_the_password(sample_store):
    proc = sync("--store", str(sample_store), "--uri", "bolt://127.0.0.1:1", "--timeout", "2")
    assert_clean_failure(proc, "E090", "bolt://127.0.0.1:1")
    assert "Connection refused" in proc.stderr


def test_sync_reads_the_uri_from_the_environment(sample_store):
    proc = sync("--store", str(sample_store), env={"NEO4J_URI": "neo4j://127.0.0.1:1", "NEO4J_DATABASE": "kg"})
    assert_clean_failure(proc, "E090", "neo4j://127.0.0.1:1")
    assert "database 'kg'" in proc.stderr


def test_sync_with_rejected_credentials(sample_store):
    with RejectingPeer() as peer:
        proc = sync("--store", str(sample_store), "--uri", peer.uri, "--user", "editor", "--timeout", "5")
        assert peer.hellos, "the driver never logged in"
    assert_clean_failure(proc, "E091", peer.uri)
    assert "rejected the credentials of user 'editor'" in proc.stderr


def test_sync_to_a_server_that_never_answers_times_out(sample_store):
    with SilentPeer() as peer:
        proc = sync("--store", str(sample_store), "--uri", peer.uri, "--timeout", "1")
    assert_clean_failure(proc, "E092", peer.uri)
    assert "did not answer within 1 s" in proc.stderr


def test_a_password_inside_the_uri_is_never_shown(sample_store):
    uri = f"bolt://neo4j:{SECRET}@127.0.0.1:1"
    proc = sync("--store", str(sample_store), "--uri", uri, "--timeout", "1")
    assert_clean_failure(proc, "E095", "bolt://127.0.0.1:1")
    assert safe_uri(uri) == "bolt://127.0.0.1:1"


def test_sync_without_a_uri_says_how_to_give_one(sample_store):
    proc = kg_cmd("sync", "neo4j", "--store", str(sample_store), check=False, env={"NEO4J_URI": ""})
    assert proc.returncode == 1 and "error E095" in proc.stderr and "NEO4J_URI" in proc.stderr


def test_sync_copies_from_a_directory_not_from_neo4j():
    proc = sync("--uri", "bolt://127.0.0.1:1", env={"KG_STORE": "neo4j://127.0.0.1:1"})
    assert proc.returncode == 1 and "error E096" in proc.stderr and "--store DIR" in proc.stderr


def test_sync_from_a_missing_store_fails_before_connecting(tmp_path):
    proc = sync("--store", str(tmp_path / "nothing"), "--uri", "bolt://127.0.0.1:1")
    assert proc.returncode == 1 and "error E050" in proc.stderr


@pytest.mark.parametrize("command", [["serve", "--port", "0"], ["stats"]])
def test_serving_or_reading_from_an_unreachable_neo4j_fails_clearly(command):
    proc = kg_cmd(*command, "--store", "bolt://127.0.0.1:1", check=False, env={"NEO4J_PASSWORD": SECRET})
    assert_clean_failure(proc, "E090", "bolt://127.0.0.1:1")


def test_export_and_validate_need_the_embedded_store():
    """A Neo4j store holds no RDF: the exports read the directory the sync copies from."""
    from kg.errors import KGError
    from kg.export import embedded

    with pytest.raises(KGError) as exc:
        embedded(object.__new__(Neo4jStore))
    assert exc.value.code == "E096"


def test_the_neo4j_store_implements_every_graphstore_method():
    """Abstract or not (graph_edges, gap_rows … have a default that only raises), each has a Neo4j version."""
    assert not Neo4jStore.__abstractmethods__
    assert UNSUPPORTED == (), f"these GraphStore methods have no Cypher version yet: {UNSUPPORTED}"
    assert {"graph_edges", "graph_nodes", "gap_rows", "glossary", "term"} <= set(query_methods())
    for name in query_methods():
        assert getattr(Neo4jStore, name) is not getattr(GraphStore, name), name


def test_a_graphstore_method_without_cypher_answers_e097(monkeypatch):
    """The fallback for a method added to GraphStore later: a clear error naming it, not a crash."""
    from kg.errors import StoreError
    from kg.store import neo4j as module

    store = object.__new__(Neo4jStore)
    store.target = module.Neo4jTarget("bolt://127.0.0.1:1")
    with pytest.raises(StoreError) as exc:
        module._no_cypher_yet("future_method")(store)
    assert exc.value.code == "E097" and "future_method()" in str(exc.value)
    with pytest.raises(StoreError) as exc:
        store.select("no_such_query.rq", e="x")
    assert exc.value.code == "E097" and "no_such_query.rq with ?e bound has no Cypher twin" in str(exc.value)


class RecordingStore(OxigraphStore):
    """The embedded store, noting each named query it runs and the names it binds."""

    def __init__(self, path: Path):
        self.ran: set[tuple[str, frozenset[str]]] = set()
        super().__init__(path)

    def select(self, name: str, **bindings):
        self.ran.add((name, frozenset(bindings)))
        return super().select(name, **bindings)


def test_every_query_the_app_runs_has_a_cypher_twin_for_the_names_it_binds(sample_store):
    """What the pages, the graph view, the gap reports and the contract cases ask of a store, run on the
    embedded store: each named query, with the names it binds, has a Cypher twin declaring exactly those
    (so the Neo4j store, which shares the assembly, answers none with E097), and no twin goes unused."""
    import json
    from importlib import resources

    from kg import graphview
    from kg.gaps import gap_reports

    store = RecordingStore(sample_store)
    manifest = json.loads(resources.files("kg.queries").joinpath("contract.json").read_text(encoding="utf-8"))
    for case in manifest["cases"]:
        if "method" in case and case["method"] not in own_methods():  # stats counts labels on Neo4j
            getattr(store, case["method"])(*case["args"])
    gap_reports(store)
    graphview.overview(store)
    for focus in ("episode/E172", "term/chain-of-thought", "paper/arxiv/2305.18290", "review/2026-06-28"):
        graphview.neighbourhood(store, focus, depth=2)
    graphview.topic_links(store, "https://paperdive.ai/id/topic/ai-for-scientific-discovery")
    graphview.entity_links(store, "https://paperdive.ai/id/term/chain-of-thought")
    for method in query_methods():
        if method not in own_methods():
            assert getattr(Neo4jStore, method) is getattr(OxigraphStore, method), method
    missing = sorted(f"{name} with {sorted(bound)} bound" for name, bound in store.ran if twin(name, bound) is None)
    assert not missing, "these queries have no Cypher twin for the names bound:\n" + "\n".join(missing)
    assert not {name for name, _ in store.ran} & set(RDF_ONLY)
    page_twins = {n for n in queries.names(".cypher") if cypher_stem(n) + ".rq" in queries.names(".rq")}
    unused = sorted(page_twins - {twin(name, bound) for name, bound in store.ran})
    assert not unused, f"no GraphStore method runs these twins: {unused}"


def own_methods() -> set[str]:
    """Query methods the Neo4j store answers in its own way (the others are the Oxigraph store's assembly)."""
    return {n for n in query_methods() if getattr(Neo4jStore, n) is not getattr(OxigraphStore, n)}


def test_only_stats_is_answered_differently():
    assert own_methods() == {"stats"}


def _statements(transactions):
    return [name for tx in transactions for name, _params in tx]


def test_a_first_sync_writes_every_node_once_then_sweeps_then_records_the_hashes(sample_rdf):
    states = graph_states(sample_rdf)
    p = plan(states, {})
    redo = nodes_to_redo(sample_rdf, p, tagged=set())
    txs = list(sync_transactions(sample_rdf, states, p, redo, batch_size=100))
    node_batches = [tx for tx in txs if tx[0][0] == "sync_upsert_nodes.cypher"]
    assert len(node_batches) == -(-len(redo) // 100) == 16  # 1,543 nodes (mentions and entities too) in batches of 100
    written = [row["iri"] for tx in node_batches for row in tx[0][1]["rows"]]
    assert sorted(written) == sorted(propertygraph.subjects(sample_rdf)) and len(set(written)) == len(written)
    for tx in node_batches:  # each batch: one transaction of the three per-node statements
        assert [n for n, _ in tx] == [
            "sync_upsert_nodes.cypher",
            "sync_delete_stale_relationships.cypher",
            "sync_merge_relationships.cypher",
        ]
        assert len(tx[0][1]["rows"]) == len(tx[1][1]["rows"])
    names = _statements(txs)
    assert names[-2:] == ["sync_delete_orphans.cypher", "sync_set_state.cypher"]  # the hashes come last
    recorded = {row["iri"]: row["hash"] for row in txs[-1][0][1]["rows"]}
    assert recorded == {g: st.hash for g, st in states.items()}
    rels = [r for tx in node_batches for r in tx[2][1]["rows"]]
    assert {r["end"] for r in rels} <= set(written)  # the sample has no dangling references
    assert all(r["graphs"] for r in rels)


def test_every_transaction_gives_each_statement_its_declared_parameters(sample_rdf):
    from kg import queries

    states = graph_states(sample_rdf)
    synced = {g: "old" for g in states} | {"https://paperdive.ai/id/graph/episode/E100": "x"}
    p = plan(states, synced)
    txs = list(sync_transactions(sample_rdf, states, p, nodes_to_redo(sample_rdf, p, set()), 500))
    assert _statements(txs)[-1] == "sync_drop_state.cypher"
    for tx in txs:
        for name, params in tx:
            assert set(params) == queries.cypher_parameters(name), name


def test_an_update_rewrites_what_the_changed_source_touched_and_strips_the_dropped_term(fresh_store, tmp_path):
    old = rdf(fresh_store)
    before = graph_states(old)
    glossary_graph = "https://paperdive.ai/id/graph/glossary/glossary"
    tagged = propertygraph.subjects(old, glossary_graph)  # what Neo4j tags with that graph after a sync
    glossary = (SAMPLE / "glossary.yaml").read_text(encoding="utf-8")
    cut = (
        glossary[: glossary.index("  - id: multi-token-prediction\n")]
        + glossary[glossary.index("  - id: temperature\n") :]
    )
    (tmp_path / "glossary.yaml").write_text(cut, encoding="utf-8")
    kg_cmd("ingest", "glossary", str(tmp_path / "glossary.yaml"), "--store", str(fresh_store))
    new = rdf(fresh_store)
    states = graph_states(new)
    p = plan(states, {g: st.hash for g, st in before.items()})
    redo = nodes_to_redo(new, p, tagged)
    txs = list(sync_transactions(new, states, p, redo))
    rows = {row["iri"]: row for tx in txs if tx[0][0] == "sync_upsert_nodes.cypher" for row in tx[0][1]["rows"]}
    keep = {row["iri"]: row["keep"] for tx in txs if tx[0][0] == "sync_upsert_nodes.cypher" for row in tx[1][1]["rows"]}
    gone = "https://paperdive.ai/id/term/multi-token-prediction"
    assert rows[gone] == {"iri": gone, "labels": [], "props": {"iri": gone, "graphs": []}}
    assert keep[gone] == []  # its edges go, and the orphan sweep removes the node
    assert "https://paperdive.ai/id/episode/E172" not in rows  # an untouched episode is not rewritten
    mention_graphs = {g for g in states if g.startswith("https://paperdive.ai/id/graph/mentions/")}
    entity_graphs = {g for g in states if g.startswith("https://paperdive.ai/id/graph/entities/")}
    # a changed glossary relinks every text and finds the entities again: those graphs may change with it
    assert set(p.changed) <= {glossary_graph, "https://paperdive.ai/id/graph/derived"} | mention_graphs | entity_graphs
    state_rows = [row for tx in txs if tx[0][0] == "sync_set_state.cypher" for row in tx[0][1]["rows"]]
    assert {r["iri"] for r in state_rows} == set(p.changed)


# -- the whole app served from a Bolt peer that answers each Cypher file with its SPARQL twin's rows --------
# (tests/boltreplay.py: the driver, Neo4jStore and the page assembly are real; only the server is a stand-in)

API_PATHS = [
    "/api/stats",
    "/api/episodes",
    "/api/episodes/E172",
    "/api/episodes/E162",
    "/api/papers/arxiv/2305.18290",
    "/api/terms",
    "/api/terms/chain-of-thought",
    "/api/terms/chain-of-thought/card",
    "/api/graph",
    "/api/graph?kinds=episode,paper,topic,review",
    "/api/graph?focus=episode/E172&depth=2",
    "/api/graph?focus=term/chain-of-thought",
    "/api/graph?focus=paper/arxiv/2305.18290",
    "/api/graph?focus=review/2026-06-28&depth=0",
    "/api/gaps",
    "/api/gaps?report=broken-references",
]
HTML_PATHS = [
    "/",
    "/episodes/E172",
    "/papers/arxiv/2305.18290",
    "/terms/chain-of-thought",
    "/glossary",
    "/topics/ai-for-scientific-discovery",
    "/reviews/",
    "/reviews/2026-06-28",
    "/graph",
    "/graph?focus=episode/E172",
    "/methods/",
    "/methods/chain-of-thought",
]


@pytest.fixture(scope="module")
def neo4j_served(sample_rdf, tmp_path_factory):
    from boltreplay import RdfAnswers, ReplayPeer

    from conftest import Server

    answers = RdfAnswers(sample_rdf)
    with ReplayPeer(answers) as peer:
        srv = Server(peer.uri, ready_path="/openapi.json", log_dir=tmp_path_factory.mktemp("neo4j-served"))
        try:
            yield srv, peer, answers
        finally:
            srv.stop()


def _get(url: str) -> tuple[int, str]:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=60) as resp:
            return resp.status, resp.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def _unversioned(body: str):
    import json

    data = json.loads(body)
    if isinstance(data, dict) and isinstance(data.get("graph"), dict):
        data["graph"].pop("version", None)  # the published generation, or the sync's id
    return data


@pytest.mark.parametrize("path", API_PATHS)
def test_the_app_served_from_neo4j_answers_what_the_embedded_store_answers(path, server, neo4j_served):
    srv, peer, _answers = neo4j_served
    status, body = _get(srv.url + path)
    assert status == 200, body[:500] + "\n" + srv.output()[-2000:]
    expected_status, expected = _get(server.url + path)
    assert expected_status == 200
    assert _unversioned(body) == _unversioned(expected)
    assert not peer.failures, peer.failures


@pytest.mark.parametrize("path", HTML_PATHS)
def test_every_page_served_from_neo4j_opens(path, neo4j_served):
    srv, peer, _answers = neo4j_served
    status, body = _get(srv.url + path)
    assert status == 200, body[:500] + "\n" + srv.output()[-2000:]
    assert "E097" not in body and "no Cypher" not in body
    assert not peer.failures, peer.failures


def test_the_graph_view_and_gap_reports_run_their_cypher_twins_on_neo4j(neo4j_served):
    srv, peer, answers = neo4j_served
    for path in ("/api/gaps", "/api/graph", "/api/graph?focus=episode/E172&depth=2"):
        assert _get(srv.url + path)[0] == 200
    run = set(answers.names_run)
    gaps = {n for n in queries.names(".cypher") if n.startswith("gaps_")}
    assert gaps and gaps <= run, sorted(gaps - run)
    assert {"graph_edges.cypher", "graph_nodes.cypher", "graph_edges.s.cypher", "graph_edges.o.cypher",
            "graph_nodes.n.cypher"} <= run
    assert not peer.failures, peer.failures


@pytest.mark.parametrize("args", [["--json"], ["thin-episodes"], ["broken-references", "--json"]])
def test_kg_gaps_on_neo4j_prints_what_it_prints_on_the_embedded_store(args, sample_store, neo4j_served):
    _srv, peer, _answers = neo4j_served
    on_neo4j = kg_cmd("gaps", "--store", peer.uri, *args)
    embedded = kg_cmd("gaps", "--store", str(sample_store), *args)
    if "--json" in args:
        assert _unversioned(on_neo4j.stdout) == _unversioned(embedded.stdout)
    else:
        head, _, body = on_neo4j.stdout.partition("\n")  # the first line names the graph's version
        assert head.startswith("graph ") and "18 episodes" in head
        assert body == embedded.stdout.partition("\n")[2] and "E171" in body
    assert not peer.failures, peer.failures
