"""The GraphStore contract, one manifest (kg/queries/contract.json) run on every backend.

Oxigraph always runs. Neo4j runs when ``NEO4J_URI`` is set (with ``NEO4J_USER``, ``NEO4J_PASSWORD``,
``NEO4J_DATABASE``; use a database of its own: the sample is synced into it first); otherwise each
Neo4j case is reported as skipped with the reason. With both, every result must also be identical.
"""

from __future__ import annotations

import json
import os
from importlib import resources
from typing import Any

import pytest
from pyoxigraph import NamedNode

from conftest import kg_cmd
from kg.store.base import GraphStore
from kg.store.oxigraph import OxigraphStore

MANIFEST = json.loads(resources.files("kg.queries").joinpath("contract.json").read_text(encoding="utf-8"))
CASES = MANIFEST["cases"]
NO_NEO4J = (
    "NEO4J_URI is not set: the Neo4j contract runs against a live server "
    "(set NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE; see README, Scaling out)"
)


@pytest.fixture(scope="session")
def oxigraph_store(sample_store) -> OxigraphStore:
    return OxigraphStore(sample_store)


@pytest.fixture(scope="session")
def neo4j_store(sample_store):
    if not os.environ.get("NEO4J_URI"):
        pytest.skip(NO_NEO4J)
    from kg.store.neo4j import Neo4jStore, Neo4jTarget

    kg_cmd("sync", "neo4j", "--store", str(sample_store))
    store = Neo4jStore(Neo4jTarget.from_env())
    yield store
    store.close()


def run_case(store: GraphStore, case: dict[str, Any]) -> Any:
    """The result of a case, as JSON would carry it (tuples become lists)."""
    if "method" in case:
        result = getattr(store, case["method"])(*case.get("args", []))
    else:
        params = {k: NamedNode(v) for k, v in case.get("params", {}).items()}
        result = store.select(case["query"] + ".rq", **params)  # the Neo4j store runs the .cypher twin
    return json.loads(json.dumps(result))


def comparable(case: dict[str, Any], result: Any) -> Any:
    """A result as the case's 'compare' mode compares it: a list, a sorted list (bag), or its distinct items."""
    mode = case.get("compare", "list")
    if mode == "list" or not isinstance(result, list):
        return result
    keys = [json.dumps(x, sort_keys=True) for x in result]
    return sorted(set(keys)) if mode == "set" else sorted(keys)


def pick(value: Any, path: str) -> Any:
    """The value at a dot path ('' is the whole; list indexes are numbers; '*' maps over a list)."""
    if not path:
        return value
    head, _, rest = path.partition(".")
    if head == "*":
        assert isinstance(value, list), f"'*' needs a list, got {type(value).__name__}"
        return [pick(v, rest) for v in value]
    if isinstance(value, list):
        return pick(value[int(head)], rest)
    assert isinstance(value, dict), f"cannot take {head!r} of {type(value).__name__}"
    assert head in value, f"no key {head!r} (keys: {sorted(value)})"
    return pick(value[head], rest)


def _matches(item: Any, expected: Any) -> bool:
    if isinstance(expected, dict) and isinstance(item, dict):
        return all(k in item and item[k] == v for k, v in expected.items())
    return item == expected


def apply(check: dict[str, Any], result: Any) -> None:
    """Assert one manifest check against a result (raises AssertionError saying what differs)."""
    got = pick(result, check.get("path", ""))
    where = f"at {check.get('path') or '<result>'!r}"
    if "equals" in check:
        assert got == check["equals"], f"{where}: expected {check['equals']!r}, got {got!r}"
    if "length" in check:
        assert len(got) == check["length"], f"{where}: expected {check['length']} items, got {len(got)}"
    if "keys" in check:
        assert sorted(got) == sorted(check["keys"]), f"{where}: keys {sorted(got)} != {sorted(check['keys'])}"
    if "contains" in check:
        assert any(_matches(x, check["contains"]) for x in got), f"{where}: no item like {check['contains']!r}"
    if "every" in check:
        odd = [x for x in got if not _matches(x, check["every"])]
        assert got and not odd, f"{where}: not every item is like {check['every']!r}: {odd[:3]!r}"
    if "unique" in check:
        keys = [json.dumps(pick(x, check["unique"]) if check["unique"] else x, sort_keys=True) for x in got]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        assert not dupes, f"{where}: repeated {check['unique'] or 'items'}: {dupes}"
    if "at_least" in check:
        assert got >= check["at_least"], f"{where}: {got!r} < {check['at_least']!r}"


def _skip_unsupported(store: GraphStore, case: dict[str, Any]) -> None:
    from kg.store.neo4j import UNSUPPORTED

    if case.get("method") in UNSUPPORTED:  # tests/test_neo4j.py fails while there is any
        pytest.skip(f"{case['method']}() has no Cypher version yet (E097)")


@pytest.mark.parametrize("backend", ["oxigraph", "neo4j"])
@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_contract(backend: str, case: dict[str, Any], request):
    store = request.getfixturevalue(f"{backend}_store")
    if backend == "neo4j":
        _skip_unsupported(store, case)
    result = run_case(store, case)
    for check in case["checks"]:
        apply(check, result)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_neo4j_answers_exactly_what_oxigraph_answers(case, oxigraph_store, neo4j_store):
    _skip_unsupported(neo4j_store, case)
    expected, got = run_case(oxigraph_store, case), run_case(neo4j_store, case)
    # stats too: the sync records each graph's quad count
    assert comparable(case, got) == comparable(case, expected)


def test_neo4j_gap_reports_are_the_oxigraph_ones(oxigraph_store, neo4j_store):
    """What an editor sees (kg gaps, /api/gaps, /editor) is the same whichever store serves it."""
    from kg.gaps import gap_reports

    expected, got = gap_reports(oxigraph_store), gap_reports(neo4j_store)
    for report in (expected, got):
        report["graph"].pop("version")
    assert got == expected


def test_neo4j_graph_views_are_the_oxigraph_ones(oxigraph_store, neo4j_store):
    """The graph panel and /graph show the same nodes and edges whichever store serves them."""
    from kg import graphview

    def drawn(view: dict[str, Any]) -> tuple[list[str], list[str]]:
        nodes = sorted(json.dumps(n, sort_keys=True) for n in view["nodes"])
        edges = sorted("{kind} {0} {1}".format(*sorted((e["from"], e["to"])), kind=e["kind"]) for e in view["edges"])
        return nodes, edges

    foci = ("episode/E172", "term/chain-of-thought", "paper/arxiv/2305.18290", "topic/ai-for-scientific-discovery")
    for focus in foci:
        expected = graphview.neighbourhood(oxigraph_store, focus, depth=2)
        assert drawn(graphview.neighbourhood(neo4j_store, focus, depth=2)) == drawn(expected), focus
    assert drawn(graphview.overview(neo4j_store)) == drawn(graphview.overview(oxigraph_store))


def test_every_graphstore_method_has_a_contract_case():
    from kg.store.neo4j import query_methods

    abstract = {
        name for name, member in vars(GraphStore).items() if getattr(member, "__isabstractmethod__", False)
    } | set(getattr(GraphStore, "__abstractmethods__", ()))
    assert abstract <= set(query_methods())
    covered = {c["method"] for c in CASES if "method" in c}
    missing = sorted(set(query_methods()) - covered)
    assert not missing, f"add cases for {missing} to kg/queries/contract.json (see its 'about')"


def test_every_query_a_case_runs_has_a_cypher_twin():
    from kg.store.neo4j import twin

    for c in CASES:
        if "query" in c:
            assert twin(c["query"] + ".rq", c.get("params", {})), f"{c['id']}: no Cypher twin for those parameters"


def test_every_case_is_well_formed():
    ops = {"equals", "length", "keys", "contains", "every", "unique", "at_least"}
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids)), "case ids repeat"
    for c in CASES:
        assert ("method" in c) != ("query" in c), c["id"]
        assert c.get("compare", "list") in ("list", "bag", "set"), c["id"]
        assert c["checks"], c["id"]
        for check in c["checks"]:
            assert set(check) - {"path"} and set(check) - {"path"} <= ops, (c["id"], check)


@pytest.mark.parametrize(
    "check, result",
    [
        ({"path": "a", "equals": 1}, {"a": 2}),
        ({"path": "", "length": 2}, [1]),
        ({"path": "", "keys": ["a"]}, {"a": 1, "b": 2}),
        ({"path": "", "contains": {"id": "E1"}}, [{"id": "E2"}]),
        ({"path": "", "unique": "id"}, [{"id": "E1"}, {"id": "E1"}]),
        ({"path": "n", "at_least": 3}, {"n": 2}),
        ({"path": "*.id", "equals": ["E1"]}, [{"id": "E2"}]),
        ({"path": "", "every": {"id": "E1"}}, [{"id": "E1"}, {"id": "E2"}]),
        ({"path": "", "every": {"id": "E1"}}, []),
    ],
)
def test_a_wrong_result_fails_its_check(check, result):
    with pytest.raises(AssertionError):
        apply(check, result)


def test_compare_modes_tell_what_differs():
    rows = [{"a": 1}, {"a": 2}, {"a": 2}]
    assert comparable({}, rows) != comparable({}, list(reversed(rows)))
    assert comparable({"compare": "bag"}, rows) == comparable({"compare": "bag"}, list(reversed(rows)))
    assert comparable({"compare": "bag"}, rows) != comparable({"compare": "bag"}, rows[:2])
    assert comparable({"compare": "set"}, rows) == comparable({"compare": "set"}, rows[:2])
    assert comparable({"compare": "set"}, rows) != comparable({"compare": "set"}, rows[:1])
