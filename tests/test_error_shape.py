"""One JSON error shape for every API error, pinned over real HTTP on many error paths.

``{"error": {"status": <the HTTP status>, "code": "<snake_case>", "message": "<for people>"}}``
with ``Content-Type: application/json``, and nothing else in the body.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
import yaml
from boltpeers import AcceptingPeer
from jsonschema import Draft202012Validator

from conftest import Server
from kgweb.openapi import COMPONENTS_YAML

EXPENSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def request(url: str, method: str = "GET", data: bytes | None = None, headers: dict | None = None):
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.read(), resp.headers
    except urllib.error.HTTPError as err:
        return err.code, err.read(), err.headers


def q(query: str, **extra: str) -> str:
    return "/sparql?" + urllib.parse.urlencode({"query": query, **extra})


FORM = {"Content-Type": "application/x-www-form-urlencoded"}

# (method, path, body, headers, expected status, expected code)
CASES = [
    ("GET", "/api/terms/no-such-term", None, {}, 404, "not_found"),
    ("GET", "/api/episodes/E999", None, {}, 404, "not_found"),
    ("GET", "/api/papers/arxiv/0000.00000", None, {}, 404, "not_found"),
    ("GET", "/api/no-such-route", None, {}, 404, "not_found"),
    ("GET", "/export/graph.xlsx", None, {}, 404, "not_found"),
    ("GET", "/papers/arxiv/0000.00000.bib", None, {}, 404, "not_found"),
    ("GET", "/episodes/E999/reading.bib", None, {}, 404, "not_found"),
    ("POST", "/api/terms", b"x=1", FORM, 405, "method_not_allowed"),
    ("DELETE", "/api/stats", None, {}, 405, "method_not_allowed"),
    ("PUT", "/sparql", b"query=ASK{}", FORM, 405, "method_not_allowed"),
    ("POST", "/openapi.json", b"", FORM, 405, "method_not_allowed"),
    ("POST", "/sparql", b"query=" + b"x" * 30000, FORM, 413, "request_entity_too_large"),
    ("GET", q("SELECT * WHERE { ?s ?p }"), None, {}, 400, "sparql_syntax"),
    ("GET", "/sparql", None, {"Accept": "application/json"}, 400, "missing_query"),
    ("GET", q("ASK {}", format="docx"), None, {}, 400, "bad_format"),
    ("GET", q("SELECT * WHERE " + "{" * 100 + "}" * 100), None, {}, 400, "query_too_deep"),
    ("POST", "/sparql", b"update=CLEAR+ALL", FORM, 403, "update_refused"),
    ("GET", q("DROP ALL"), None, {}, 403, "update_refused"),
    ("GET", q("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"), None, {}, 403, "service_refused"),
    ("GET", q("SELECT * FROM <http://127.0.0.1:9/g> WHERE { ?s ?p ?o }"), None, {}, 403, "dataset_refused"),
    ("GET", q("CONSTRUCT WHERE { ?s ?p ?o }"), None, {"Accept": "text/csv"}, 406, "not_acceptable"),
    ("POST", "/sparql", b"ASK {}", {"Content-Type": "text/plain"}, 415, "unsupported_media_type"),
]


@pytest.fixture(scope="module")
def error_server(sample_store, tmp_path_factory):
    env = {"KG_SPARQL_QUOTA": "0", "KG_SPARQL_TIMEOUT": "2", "KG_MAX_CONTENT_LENGTH": "20000"}
    srv = Server(sample_store, env, log_dir=tmp_path_factory.mktemp("errors"))
    yield srv
    srv.stop()


_ERROR_SCHEMA = Draft202012Validator(
    {"$ref": "#/components/schemas/Error", "components": yaml.safe_load(COMPONENTS_YAML)}
)


def assert_error_shape(status: int, body: bytes, headers, expected_status: int, expected_code: str) -> dict:
    assert status == expected_status, body[:300]
    assert headers["Content-Type"].split(";")[0] == "application/json"
    doc = json.loads(body)
    assert list(doc) == ["error"]
    err = doc["error"]
    assert sorted(err) == ["code", "message", "status"]
    assert err["status"] == status and err["code"] == expected_code
    assert isinstance(err["message"], str) and err["message"].strip()
    assert "Traceback" not in err["message"]
    assert not list(_ERROR_SCHEMA.iter_errors(doc))  # the shape the OpenAPI document promises
    return err


@pytest.mark.parametrize(
    ("method", "path", "body", "headers", "status", "code"),
    CASES,
    ids=[f"{c[4]}-{c[5]}-{i}" for i, c in enumerate(CASES)],
)
def test_api_errors_have_one_shape(error_server, method, path, body, headers, status, code):
    got = request(error_server.url + path, method, body, headers)
    assert_error_shape(*got, status, code)


def test_405_says_which_methods_are_allowed(error_server):
    status, _, headers = request(error_server.url + "/api/stats", "DELETE")
    assert status == 405 and "GET" in headers["Allow"]


def test_504_when_a_query_runs_too_long(error_server):
    got = request(error_server.url + q(EXPENSIVE))
    assert_error_shape(*got, 504, "query_timeout")


def test_429_when_the_quota_is_used_up(sample_store, tmp_path):
    srv = Server(sample_store, {"KG_SPARQL_QUOTA": "1/minute"}, log_dir=tmp_path)
    try:
        assert request(srv.url + q("ASK {}"))[0] == 200
        status, body, headers = request(srv.url + q("ASK {}"))
        assert_error_shape(status, body, headers, 429, "quota_exceeded")
        assert int(headers["Retry-After"]) >= 1
    finally:
        srv.stop()


def test_501_and_503_without_the_embedded_store(tmp_path):
    with AcceptingPeer() as peer:  # a "Neo4j" that lets the app start (kg serve checks the connection)
        srv = Server(peer.uri, ready_path="/openapi.json", log_dir=tmp_path)
        try:
            assert_error_shape(*request(srv.url + q("ASK {}")), 501, "sparql_unavailable")
            assert_error_shape(*request(srv.url + "/export/graph.ttl"), 501, "export_unavailable")
        finally:
            srv.stop()


def test_503_while_no_graph_is_published(tmp_path):
    empty = tmp_path / "empty-store"
    empty.mkdir()
    srv = Server(empty, ready_path="/openapi.json", log_dir=tmp_path)
    try:
        assert_error_shape(*request(srv.url + "/api/stats"), 503, "E050")
    finally:
        srv.stop()


def test_503_when_every_worker_is_busy(sample_store, tmp_path):
    """One worker: A holds it until the time limit, B queues first, so C's wait (the time limit) runs out."""
    env = {"KG_SPARQL_QUOTA": "0", "KG_SPARQL_WORKERS": "1", "KG_SPARQL_TIMEOUT": "3"}
    srv = Server(sample_store, env, log_dir=tmp_path)
    try:
        assert request(srv.url + q("ASK {}"))[0] == 200  # the pool is up
        holders = [threading.Thread(target=request, args=(srv.url + q(EXPENSIVE),)) for _ in range(2)]
        for t in holders:
            t.start()
            time.sleep(0.5)  # A, then B, in this order
        got = request(srv.url + q("ASK {}"))
        for t in holders:
            t.join(30)
        assert_error_shape(*got, 503, "sparql_busy")
        assert int(got[2]["Retry-After"]) >= 1
    finally:
        srv.stop()
