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


def _strip(text: str) -> str:
    """Cypher without comments and string literals (so a `$` inside them is not a parameter)."""
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", "''", text)


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


def _return_columns(cypher: str) -> list[str]:
    """The column names of a statement's last RETURN clause."""
    text = _strip(cypher)
    tail = re.split(r"\bRETURN\b", text)[-1]
    tail = re.split(r"\b(?:ORDER BY|SKIP|LIMIT)\b", tail)[0]
    tail = re.sub(r"^\s*DISTINCT\b", "", tail)
    items, depth, current = [], 0, ""
    for ch in tail:
        depth += ch in "([{"
        depth -= ch in ")]}"
        if ch == "," and depth == 0:
            items.append(current)
            current = ""
        else:
            current += ch
    items.append(current)
    cols = []
    for item in items:
        m = re.search(r"\bAS\s+(\w+)\s*$", item.strip())
        cols.append(m.group(1) if m else item.strip())
    return cols


TWINS = [n for n in CYPHER_FILES if n.removesuffix(".cypher") + ".rq" in queries.names(".rq")]


@pytest.mark.parametrize("name", TWINS)
def test_cypher_twin_returns_the_columns_of_the_sparql_query(name):
    """Page assembly is shared, so X.cypher must return exactly the columns of X.rq, in order."""
    rq = name.removesuffix(".cypher") + ".rq"
    variables = [v.value for v in pyoxigraph.Store().query(queries.load(rq)).variables]
    assert _return_columns(queries.load(name)) == variables


@pytest.mark.parametrize("name", CYPHER_FILES)
def test_a_file_is_one_statement_unless_it_is_run_statement_by_statement(name):
    """Connection.read/write send a whole file as one query; only schema files hold several."""
    count = len(queries.cypher_statements(name))
    assert count == 1 or name == "sync_schema.cypher", f"{name} holds {count} statements"
