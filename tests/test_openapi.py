"""/openapi.json: a valid OpenAPI 3.1 document that covers every API route and matches real responses."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from kgweb import create_app
from kgweb.openapi import is_documented_route, openapi_path


def fetch(url: str, headers: dict | None = None):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read(), resp.headers
    except urllib.error.HTTPError as err:
        return err.code, err.read(), err.headers


@pytest.fixture(scope="module")
def spec(server) -> dict:
    status, body, headers = fetch(server.url + "/openapi.json")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    return json.loads(body)


def schema_validator(spec: dict, schema: dict) -> Draft202012Validator:
    """A validator for ``schema`` whose ``#/components/...`` references resolve inside ``spec``."""
    return Draft202012Validator({"components": spec["components"], **schema})


def test_the_document_is_valid_openapi_3_1(spec):
    assert spec["openapi"].startswith("3.1")
    validate(spec)


def test_every_api_route_is_documented_and_every_documented_path_exists(spec, sample_store):
    app = create_app({"STORE": str(sample_store)})
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if is_documented_route(rule.rule):
            path, _ = openapi_path(rule.rule)
            routes.setdefault(path, set()).update(m.lower() for m in rule.methods - {"HEAD", "OPTIONS"})
    missing = {p: sorted(m - set(spec["paths"].get(p, {}))) for p, m in routes.items()}
    missing = {p: m for p, m in missing.items() if m}
    assert not missing, f"add OpenAPI YAML to these views' docstrings (see kgweb.openapi): {missing}"
    assert set(spec["paths"]) <= set(routes), set(spec["paths"]) - set(routes)
    for must in (
        "/api/terms/{slug}",
        "/api/episodes/{episode_id}",
        "/sparql",
        "/export/graph.{ext}",
        "/papers/{key}.bib",
    ):
        assert must in spec["paths"]


def test_every_error_response_uses_the_one_error_schema(spec):
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            for status, resp in op.get("responses", {}).items():
                if status.startswith(("4", "5")):
                    assert resp.get("$ref", "").startswith("#/components/responses/"), (path, method, status)


def _example_url(path: str, op: dict) -> str | None:
    values = {}
    for p in op.get("parameters", []):
        if p.get("in") == "path":
            if "example" not in p:
                return None
            values[p["name"]] = str(p["example"])
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


def test_real_responses_match_their_documented_schemas(server, spec):
    checked = []
    for path, ops in spec["paths"].items():
        op = ops.get("get")
        if not op or "{" in path and _example_url(path, op) is None:
            continue
        content = op["responses"].get("200", {}).get("content", {})
        schema = content.get("application/json", {}).get("schema")
        if not schema or path == "/openapi.json":
            continue
        url = _example_url(path, op)
        status, body, _ = fetch(server.url + url)
        assert status == 200, (url, body[:200])
        errors = sorted(schema_validator(spec, schema).iter_errors(json.loads(body)), key=str)
        assert not errors, (url, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]])
        checked.append(path)
    assert len(checked) >= 6, checked


def test_sparql_json_results_match_the_documented_schema(server, spec):
    q = urllib.parse.urlencode({"query": "SELECT ?t ?l WHERE { ?t skos:prefLabel ?l } LIMIT 3"})
    status, body, _ = fetch(f"{server.url}/sparql?{q}", headers={"Accept": "application/sparql-results+json"})
    schema = spec["paths"]["/sparql"]["get"]["responses"]["200"]["content"]["application/sparql-results+json"]["schema"]
    assert status == 200
    assert not list(schema_validator(spec, schema).iter_errors(json.loads(body)))
