"""Every Cypher statement of the project passes Neo4j's own linter, with its parameters declared.

No Neo4j server can run here, so the statements are checked by ``lintCypherQuery`` of the npm package
``@neo4j-cypher/language-support`` (the linter of Neo4j's editors; syntax and semantic analysis), run
with node by ``scripts/lint_cypher.cjs``. Each statement is linted against a schema holding only the
parameters its file declares (``// params: …``), the labels and relationship types of the ontology
mapping, and Neo4j's built-in functions, and must come back with zero diagnostics.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pyoxigraph
import pytest

from conftest import ROOT
from kg import propertygraph, queries
from kg.store.neo4j import RDF_ONLY, cypher_stem, twin, twins_of

LINTER = ROOT / "scripts" / "lint_cypher.cjs"
PACKAGE = ROOT / "node_modules" / "@neo4j-cypher" / "language-support"
CYPHER_FILES = queries.names(".cypher")


def lint(statements: list[dict]) -> dict[str, list[dict]]:
    node = shutil.which("node")
    assert node, "node is needed for the Cypher linter (Debian/Ubuntu: apt-get install nodejs)"
    assert PACKAGE.is_dir(), "the Cypher linter is not installed; run scripts/setup_test_deps.sh (npm ci)"
    request = {
        "schema": {
            "labels": [*propertygraph.labels(), propertygraph.SYNC_LABEL],
            "relationshipTypes": propertygraph.relationship_types(),
        },
        "statements": statements,
    }
    proc = subprocess.run(
        [node, str(LINTER)], input=json.dumps(request), capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    return {r["name"]: r["diagnostics"] for r in json.loads(proc.stdout)}


def project_statements() -> list[dict]:
    out = []
    for name in CYPHER_FILES:
        for i, text in enumerate(queries.cypher_statements(name)):
            out.append({"name": f"{name}#{i + 1}", "text": text, "parameters": sorted(queries.cypher_parameters(name))})
    return out


@pytest.fixture(scope="module")
def diagnostics() -> dict[str, list[dict]]:
    return lint(project_statements())


def test_the_project_has_cypher_to_lint():
    assert len(CYPHER_FILES) >= 30
    assert "sync_upsert_nodes.cypher" in CYPHER_FILES and "episode.cypher" in CYPHER_FILES


@pytest.mark.parametrize("name", CYPHER_FILES)
def test_statement_has_zero_diagnostics(name, diagnostics):
    found = {k: v for k, v in diagnostics.items() if k.split("#")[0] == name}
    assert found, f"{name} holds no statement"
    problems = [
        f"{k}:{d['line']}:{d['character']} {d['severity']}: {d['message']}" for k, v in found.items() for d in v
    ]
    assert not problems, "\n".join(problems)


_STRING_OR_COMMENT = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|//[^\n]*")


def _strip(text: str) -> str:
    """Cypher without comments and string literals (so a `$` inside them is not a parameter).

    One pass, left to right, so a ``//`` inside a string ('https://…') is not taken for a comment.
    """
    return _STRING_OR_COMMENT.sub(lambda m: "" if m.group().startswith("//") else "''", text)


def test_strip_keeps_code_after_a_url_in_a_string():
    assert _strip("RETURN 'https://x' + $a AS b // $c") == "RETURN '' + $a AS b "


@pytest.mark.parametrize("name", CYPHER_FILES)
def test_declared_parameters_are_the_used_ones(name):
    used = set(re.findall(r"\$(\w+)", _strip(queries.load(name))))
    assert used == set(queries.cypher_parameters(name)), f"{name}: uses {sorted(used)}, declares // params: …"


def test_the_linter_catches_broken_statements():
    broken = {
        "syntax": ("MATCH (e:Episode) RETRN e.name AS title", []),
        "undeclared parameter": ("MATCH (e:Resource {iri: $e}) RETURN e.name AS title", []),
        "misspelt label": ("MATCH (e:Episod) RETURN e.name AS title", []),
        "misspelt relationship type": ("MATCH (e:Episode)-[:COVER]->(p:Paper) RETURN p.name AS title", []),
        "unknown function": ("MATCH (t:Term) RETURN toLowr(t.prefLabel) AS label", []),
        "APOC is not there": ("MATCH (t:Term) RETURN apoc.text.join(t.altLabel, ',') AS aliases", []),
        "undefined variable": ("MATCH (e:Episode) RETURN p.name AS title", []),
    }
    statements = [{"name": k, "text": t, "parameters": p} for k, (t, p) in broken.items()]
    # and the same statement with its parameter declared is clean
    statements.append({"name": "declared", "text": broken["undeclared parameter"][0], "parameters": ["e"]})
    found = lint(statements)
    missed = [k for k in broken if not found[k]]
    assert not missed, f"the linter let these through: {missed}"
    assert any("Parameter $e is not defined" in d["message"] for d in found["undeclared parameter"])
    assert found["declared"] == []


_CYPHER_IN_PYTHON = re.compile(r"\b(?:MATCH|MERGE|UNWIND|DETACH DELETE)\s*[\(\$]")


def test_no_cypher_hides_in_python_code():
    """Every statement is in kg/queries/*.cypher, where the linter sees it."""
    offenders = []
    for folder in ("kg", "web", "scripts"):
        for path in (ROOT / folder).rglob("*.py"):
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if _CYPHER_IN_PYTHON.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not offenders, "move these Cypher statements into kg/queries/*.cypher:\n" + "\n".join(offenders)


_TOKENS = re.compile(r"[()\[\]{}]|\b(?:UNION(?:\s+ALL)?|RETURN|ORDER\s+BY|SKIP|LIMIT)\b|,", re.IGNORECASE)


def _top_level(text: str):
    """``(token, start, end)`` of the brackets, commas and clause keywords outside any bracket."""
    depth = 0
    for m in _TOKENS.finditer(text):
        token = m.group()
        if token in "([{":
            depth += 1
        elif token in ")]}":
            depth -= 1
        elif depth == 0:
            yield " ".join(token.upper().split()), m.start(), m.end()


def _return_columns(cypher: str) -> list[list[str]]:
    """The column names of a statement: those of the last top-level RETURN of each UNION branch.

    RETURNs inside ``COUNT { }``, ``EXISTS { }`` or ``CALL () { }`` are not the statement's own.
    """
    text = _strip(cypher)
    branches, start = [], 0
    for token, a, b in _top_level(text):
        if token.startswith("UNION"):
            branches.append(text[start:a])
            start = b
    branches.append(text[start:])
    return [_branch_columns(branch) for branch in branches]


def _branch_columns(text: str) -> list[str]:
    returns = [b for token, _a, b in _top_level(text) if token == "RETURN"]
    assert returns, "no top-level RETURN"
    tail = text[returns[-1] :]
    items, start = [], 0
    for token, a, b in _top_level(tail):
        if token == ",":
            items.append(tail[start:a])
            start = b
        elif token in ("ORDER BY", "SKIP", "LIMIT"):
            break
    else:
        a = len(tail)
    items.append(tail[start:a])
    items[0] = re.sub(r"^\s*DISTINCT\b", "", items[0], flags=re.IGNORECASE)
    cols = []
    for item in items:
        m = re.search(r"\bAS\s+(`?)(\w+)\1\s*$", item.strip(), flags=re.IGNORECASE)
        cols.append(m.group(2) if m else item.strip())
    return cols


def test_the_column_reader_reads_unions_subqueries_and_quoted_names():
    text = """CALL () { MATCH (a) RETURN a.x AS inner UNION MATCH (b) RETURN b.x AS inner }
    RETURN inner, COUNT { MATCH (c) RETURN c } AS n, [x IN [1, 2] | x] AS `where`
    ORDER BY n, inner
    UNION
    MATCH (d) WITH d RETURN DISTINCT d.y AS inner, 0 AS n, null AS `where` LIMIT 3"""
    assert _return_columns(text) == [["inner", "n", "where"], ["inner", "n", "where"]]


def _rq_variables(rq: str) -> list[str]:
    return [v.value for v in pyoxigraph.Store().query(queries.load(rq)).variables]


RQ_FILES = queries.names(".rq")
TWINS = [n for n in CYPHER_FILES if cypher_stem(n) + ".rq" in RQ_FILES]


def test_the_page_queries_have_twins_in_the_list():
    assert {"episode.cypher", "graph_edges.cypher", "graph_edges.s.cypher", "gaps_urls.cypher"} <= set(TWINS)


@pytest.mark.parametrize("name", TWINS)
def test_cypher_twin_returns_the_columns_of_the_sparql_query(name):
    """Page assembly is shared, so a twin of X.rq must return exactly the columns of X.rq, in order."""
    variables = _rq_variables(cypher_stem(name) + ".rq")
    for columns in _return_columns(queries.load(name)):
        assert columns == variables


@pytest.mark.parametrize("name", TWINS)
def test_a_twin_takes_only_variables_of_its_sparql_query(name):
    """A parameter of a twin is a variable the Oxigraph store binds (pyoxigraph binds projected ones only)."""
    variables = set(_rq_variables(cypher_stem(name) + ".rq"))
    assert queries.cypher_parameters(name) <= variables


@pytest.mark.parametrize("rq", RQ_FILES)
def test_every_sparql_query_has_a_cypher_twin_or_a_reason(rq):
    """A new kg/queries/X.rq fails here until X.cypher (or X.<bound>.cypher) exists, or RDF_ONLY says why not."""
    if rq in RDF_ONLY:
        assert not twins_of(rq), f"{rq} has a Cypher twin: take it out of RDF_ONLY"
        return
    assert twins_of(rq), (
        f"{rq} has no Cypher twin: write kg/queries/{rq.removesuffix('.rq')}.cypher returning its columns "
        "(or add it to kg.store.neo4j.RDF_ONLY with the reason)"
    )


def test_rdf_only_names_real_queries():
    assert set(RDF_ONLY) <= set(RQ_FILES)


def test_one_twin_per_set_of_bound_names():
    """The twin of a query is chosen by the names bound, so no two twins of one query declare the same set."""
    seen: dict[tuple[str, frozenset[str]], str] = {}
    for name in TWINS:
        key = (cypher_stem(name), queries.cypher_parameters(name))
        assert key not in seen, f"{name} and {seen[key]} both answer {key[0]}.rq with {sorted(key[1])} bound"
        seen[key] = name
    assert twin("graph_edges.rq", ["o"]) == "graph_edges.o.cypher"
    assert twin("graph_edges.rq") == "graph_edges.cypher"
    assert twin("graph_edges.rq", ["s", "o"]) is None


@pytest.mark.parametrize("name", CYPHER_FILES)
def test_a_file_is_one_statement_unless_it_is_run_statement_by_statement(name):
    """Connection.read/write send a whole file as one query; only schema files hold several."""
    count = len(queries.cypher_statements(name))
    assert count == 1 or name == "sync_schema.cypher", f"{name} holds {count} statements"
