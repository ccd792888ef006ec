"""The SPARQL endpoint over real HTTP: formats, the protocol, refusals, limits, isolation, the query page."""

from __future__ import annotations

import csv
import io
import json
import shutil
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph
import pytest
from boltpeers import AcceptingPeer

from conftest import SAMPLE, Server, kg_cmd

TERM = "https://paperdive.ai/id/term/speculative-decoding"
LABEL_QUERY = f"SELECT ?label WHERE {{ <{TERM}> skos:prefLabel ?label }}"
CONSTRUCT_QUERY = f"CONSTRUCT {{ <{TERM}> skos:prefLabel ?label }} WHERE {{ <{TERM}> skos:prefLabel ?label }}"
# a cross product of the graph with itself, three times: it never finishes on its own
EXPENSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def fetch(url: str, *, method: str = "GET", data: bytes | None = None, headers: dict | None = None, timeout=60):
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read(), resp.headers
    except urllib.error.HTTPError as err:
        return err.code, err.read(), err.headers


def sparql_get(server, query: str, headers: dict | None = None, **params):
    qs = urllib.parse.urlencode({"query": query, **params})
    return fetch(f"{server.url}/sparql?{qs}", headers=headers)


def sparql_post(server, query: str, headers: dict | None = None, **params):
    body = urllib.parse.urlencode({"query": query, **params}).encode()
    h = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
    return fetch(f"{server.url}/sparql", method="POST", data=body, headers=h)


def error_of(status: int, body: bytes, headers) -> dict:
    assert headers["Content-Type"].startswith("application/json"), headers["Content-Type"]
    err = json.loads(body)["error"]
    assert err["status"] == status and err["message"]
    return err


@pytest.fixture(scope="module")
def sparql_server(sample_store: Path, tmp_path_factory):
    srv = Server(sample_store, {"KG_SPARQL_QUOTA": "0"}, log_dir=tmp_path_factory.mktemp("sparql-srv"))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def tight_server(sample_store: Path, tmp_path_factory):
    """Small limits: 2 s, 5 rows, a 20 kB body, and no depth limit (to show a crash is contained)."""
    env = {
        "KG_SPARQL_TIMEOUT": "2",
        "KG_SPARQL_MAX_ROWS": "5",
        "KG_SPARQL_MAX_DEPTH": "1000000",
        "KG_SPARQL_QUOTA": "0",
        "KG_MAX_CONTENT_LENGTH": "20000",
    }
    srv = Server(sample_store, env, log_dir=tmp_path_factory.mktemp("tight-srv"))
    yield srv
    srv.stop()


class Listener:
    """A local TCP server that counts connections (and closes each at once)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.count = 0
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        self.sock.settimeout(0.2)
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.count += 1
            conn.close()

    def close(self):
        self._stop = True
        self._thread.join(2)
        self.sock.close()


@pytest.fixture
def listener():
    lst = Listener()
    yield lst
    lst.close()


# -- results ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("how", "value", "media"),
    [
        ("accept", "application/sparql-results+json", "application/sparql-results+json"),
        ("accept", "application/sparql-results+xml", "application/sparql-results+xml"),
        ("accept", "text/csv", "text/csv"),
        ("accept", "text/tab-separated-values", "text/tab-separated-values"),
        ("format", "json", "application/sparql-results+json"),
        ("format", "xml", "application/sparql-results+xml"),
        ("format", "csv", "text/csv"),
        ("format", "tsv", "text/tab-separated-values"),
        ("accept", "*/*", "application/sparql-results+json"),
    ],
)
def test_select_results_in_every_format(sparql_server, how, value, media):
    kwargs = {"headers": {"Accept": value}} if how == "accept" else {"format": value}
    status, body, headers = sparql_get(sparql_server, LABEL_QUERY, **kwargs)
    assert status == 200, body
    assert headers["Content-Type"].split(";")[0] == media
    assert headers["X-KG-Truncated"] == "false"
    if media == "text/csv":  # lossy by design (no term types): read it as plain CSV
        labels = [row["label"] for row in csv.DictReader(io.StringIO(body.decode()))]
    else:
        fmt = {
            "application/sparql-results+json": pyoxigraph.QueryResultsFormat.JSON,
            "application/sparql-results+xml": pyoxigraph.QueryResultsFormat.XML,
            "text/tab-separated-values": pyoxigraph.QueryResultsFormat.TSV,
        }[media]
        labels = [r["label"].value for r in pyoxigraph.parse_query_results(body, format=fmt)]
    assert labels == ["speculative decoding"]


def test_json_results_say_whether_they_were_cut(sparql_server):
    status, body, _ = sparql_get(sparql_server, LABEL_QUERY)
    doc = json.loads(body)
    assert status == 200 and doc["truncated"] is False
    assert doc["results"]["bindings"][0]["label"] == {
        "type": "literal",
        "value": "speculative decoding",
        "xml:lang": "en",
    }


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("text/turtle", pyoxigraph.RdfFormat.TURTLE),
        ("application/n-triples", pyoxigraph.RdfFormat.N_TRIPLES),
        ("application/rdf+xml", pyoxigraph.RdfFormat.RDF_XML),
        ("application/ld+json", pyoxigraph.RdfFormat.JSON_LD),
    ],
)
def test_construct_in_every_graph_format(sparql_server, accept, fmt):
    status, body, headers = sparql_get(sparql_server, CONSTRUCT_QUERY, headers={"Accept": accept})
    assert status == 200, body
    assert headers["Content-Type"].split(";")[0] == accept
    triples = list(pyoxigraph.parse(body, format=fmt))
    assert [(t.subject.value, t.object.value) for t in triples] == [(TERM, "speculative decoding")]


def test_describe_defaults_to_turtle(sparql_server):
    status, body, headers = sparql_get(sparql_server, f"DESCRIBE <{TERM}>")
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    assert b"speculative decoding" in body


def test_ask(sparql_server):
    status, body, _ = sparql_get(sparql_server, f"ASK {{ <{TERM}> a skos:Concept }}")
    assert status == 200 and json.loads(body)["boolean"] is True


def test_post_form_encoded_and_sparql_query_bodies(sparql_server):
    status, body, _ = sparql_post(sparql_server, LABEL_QUERY)
    assert status == 200 and b"speculative decoding" in body
    status, body, _ = fetch(
        sparql_server.url + "/sparql",
        method="POST",
        data=LABEL_QUERY.encode(),
        headers={"Content-Type": "application/sparql-query", "Accept": "text/csv"},
    )
    assert status == 200 and body.decode().splitlines() == ["label", "speculative decoding"]


def test_a_dataset_inside_the_graph_is_honoured(sparql_server):
    glossary_graph = "https://paperdive.ai/id/graph/glossary/glossary"
    q = "SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE { ?t a skos:Concept }"
    status, body, _ = sparql_get(sparql_server, q, **{"default-graph-uri": glossary_graph})
    assert status == 200
    in_glossary = int(json.loads(body)["results"]["bindings"][0]["n"]["value"])
    status, body, _ = sparql_get(sparql_server, q, **{"default-graph-uri": "https://paperdive.ai/id/graph/podcast/x"})
    assert status == 200 and json.loads(body)["results"]["bindings"][0]["n"]["value"] == "0"
    assert in_glossary >= 300


def test_an_unacceptable_format_is_406(sparql_server):
    status, body, headers = sparql_get(sparql_server, CONSTRUCT_QUERY, headers={"Accept": "text/csv"})
    assert error_of(status, body, headers)["code"] == "not_acceptable" and status == 406


def test_invalid_query_is_400_with_the_parsers_message(sparql_server):
    bad = "SELECT * WHERE { ?s ?p }"
    with pytest.raises(SyntaxError) as parser:
        pyoxigraph.Store().query(bad)
    status, body, headers = sparql_get(sparql_server, bad)
    err = error_of(status, body, headers)
    assert status == 400 and err["code"] == "sparql_syntax"
    assert err["message"] == str(parser.value)


# -- refusals open no connection -----------------------------------------------------------------


def _hostile(url: str) -> list[tuple[str, dict]]:
    """(query, extra parameters) pairs that would reach ``url`` if anything ran them."""
    return [
        (f"SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}", {}),
        (f"SELECT * WHERE {{ SERVICE SILENT <{url}/sparql> {{ ?s ?p ?o }} }}", {}),
        (f"PREFIX e: <{url}/> SELECT * WHERE {{ ?x ?y ?z . service e:q {{ ?s ?p ?o }} }}", {}),
        (f"SELECT * WHERE {{ BIND(<{url}/> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}", {}),
        (f"ASK {{ ?a ?b ?c FILTER EXISTS {{ SERVICE <{url}/> {{ ?s ?p ?o }} }} }}", {}),
        (f"LOAD <{url}/data.ttl>", {}),
        (f"LOAD SILENT <{url}/data.ttl> INTO GRAPH <https://paperdive.ai/id/graph/x>", {}),
        ("INSERT DATA { <https://paperdive.ai/id/x> <https://paperdive.ai/id/y> 1 }", {}),
        (f"SELECT * FROM <{url}/g> WHERE {{ ?s ?p ?o }}", {}),
        (f"SELECT * FROM NAMED <{url}/g> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", {}),
        ("SELECT * WHERE { ?s ?p ?o } LIMIT 1", {"default-graph-uri": f"{url}/g"}),
        ("SELECT * WHERE { ?s ?p ?o } LIMIT 1", {"named-graph-uri": f"{url}/g"}),
    ]


def test_pyoxigraph_itself_would_connect(listener):
    """The control: run unguarded, a SERVICE clause reaches the listener (so the tests below can fail)."""
    store = pyoxigraph.Store()
    with pytest.raises(OSError):  # the listener hangs up: the HTTP request fails, after connecting
        list(store.query(f"SELECT * WHERE {{ SERVICE <{listener.url}/sparql> {{ ?s ?p ?o }} }}"))
    deadline = time.time() + 5
    while listener.count == 0 and time.time() < deadline:
        time.sleep(0.05)
    assert listener.count == 1


@pytest.mark.parametrize("post", [False, True], ids=["GET", "POST"])
def test_federation_updates_and_outside_datasets_are_refused_without_a_connection(sparql_server, listener, post):
    send = sparql_post if post else sparql_get
    for query, params in _hostile(listener.url):
        status, body, headers = send(sparql_server, query, **params)
        err = error_of(status, body, headers)
        assert status == 403, (query, err)
        assert err["code"] in ("service_refused", "update_refused", "dataset_refused"), err
    # the listener is still accepting: give a stray connection the time to arrive, then count
    time.sleep(0.5)
    assert listener.count == 0


def test_the_update_protocol_is_refused(sparql_server, listener):
    body = f"LOAD <{listener.url}/x.ttl>".encode()
    status, resp, headers = fetch(
        sparql_server.url + "/sparql",
        method="POST",
        data=body,
        headers={"Content-Type": "application/sparql-update"},
    )
    assert status == 403 and error_of(status, resp, headers)["code"] == "update_refused"
    form = urllib.parse.urlencode({"update": f"LOAD <{listener.url}/x.ttl>"}).encode()
    status, resp, headers = fetch(
        sparql_server.url + "/sparql",
        method="POST",
        data=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 403 and error_of(status, resp, headers)["code"] == "update_refused"
    time.sleep(0.5)
    assert listener.count == 0


def test_the_worker_has_no_network_even_if_the_guard_were_bypassed(sample_store, listener):
    """The second wall: a worker runs in an empty network namespace where the kernel allows it."""
    from kg.sparql_guard import QueryRefused
    from kg.sparql_pool import Job, WorkerPool

    pool = WorkerPool(sample_store, 1)
    try:
        info = pool.warm()
        if info[0]["network"] != "isolated":
            pytest.skip(f"this kernel refuses network namespaces here: {info[0]['network']}")
        with pytest.raises(QueryRefused) as refused:  # handed straight to the pool: no guard in between
            pool.run(Job(f"SELECT * WHERE {{ SERVICE <{listener.url}/sparql> {{ ?s ?p ?o }} }}"), timeout=20)
        assert refused.value.code == "query_failed"
        assert "unreachable" in refused.value.message.lower() or "connect" in refused.value.message.lower()
    finally:
        pool.close()
    time.sleep(0.5)
    assert listener.count == 0


def test_a_worker_killed_from_outside_is_replaced_without_failing_a_query(sample_store):
    import os
    import signal

    from kg.sparql_pool import Job, WorkerPool

    pool = WorkerPool(sample_store, 1)
    try:
        victim = pool.warm()[0]["pid"]
        os.kill(victim, signal.SIGKILL)  # e.g. the kernel's out-of-memory killer, while the worker is idle
        answer = pool.run(Job("ASK { ?s a skos:Concept }"), timeout=20)
        assert json.loads(answer.body)["boolean"] is True
        assert pool.warm()[0]["pid"] != victim
    finally:
        pool.close()


# -- hostile shapes and limits ---------------------------------------------------------------------


def test_deep_nesting_is_refused_before_parsing(sparql_server):
    deep = "SELECT * WHERE " + "{" * 3000 + " ?s ?p ?o " + "}" * 3000
    status, body, headers = sparql_post(sparql_server, deep)
    err = error_of(status, body, headers)
    assert status == 400 and err["code"] == "query_too_deep" and "3000" in err["message"]
    assert sparql_get(sparql_server, LABEL_QUERY)[0] == 200


def test_a_query_that_crashes_its_worker_takes_nothing_else_down(tight_server):
    # tight_server has no depth limit, so this reaches pyoxigraph's parser, which overflows its stack
    deep = "SELECT * WHERE " + "{" * 4000 + "}" * 4000
    status, body, headers = fetch(
        tight_server.url + "/sparql",
        method="POST",
        data=deep.encode(),
        headers={"Content-Type": "application/sparql-query"},
    )
    err = error_of(status, body, headers)
    assert status == 503 and err["code"] == "worker_crashed", err
    assert fetch(tight_server.url + "/api/terms/speculative-decoding")[0] == 200
    status, body, _ = sparql_get(tight_server, LABEL_QUERY)
    assert status == 200 and b"speculative decoding" in body


def test_a_query_that_eats_memory_is_stopped_at_the_memory_limit(sample_store, tmp_path):
    env = {"KG_SPARQL_MAX_MEMORY": "1024", "KG_SPARQL_TIMEOUT": "60", "KG_SPARQL_QUOTA": "0"}
    srv = Server(sample_store, env, log_dir=tmp_path)
    try:
        # sorting a cross product materialises it: memory grows by hundreds of MB a second
        hungry = "SELECT ?a WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i"
        status, body, headers = sparql_get(srv, hungry)
        err = error_of(status, body, headers)
        assert status == 503 and err["code"] == "worker_crashed" and "memory" in err["message"], err
        assert sparql_get(srv, LABEL_QUERY)[0] == 200
    finally:
        srv.stop()


def test_an_expensive_query_is_stopped_while_the_app_keeps_serving(tight_server):
    outcome: dict = {}

    def expensive():
        outcome["answer"] = sparql_get(tight_server, EXPENSIVE)

    runner = threading.Thread(target=expensive)
    runner.start()
    time.sleep(0.5)  # let it reach its worker
    answered_meanwhile = 0
    for _ in range(200):  # bounded: the query is stopped after 2 s
        if not runner.is_alive():
            break
        status, body, _ = fetch(tight_server.url + "/api/terms/speculative-decoding")
        assert status == 200 and json.loads(body)["label"] == "speculative decoding"
        answered_meanwhile += runner.is_alive()
    runner.join(60)
    assert answered_meanwhile >= 3  # the term API kept answering while the query ran
    status, body, headers = outcome["answer"]
    err = error_of(status, body, headers)
    assert status == 504 and err["code"] == "query_timeout" and "KG_SPARQL_TIMEOUT" in err["message"]
    # the killed worker was replaced: queries run again
    assert sparql_get(tight_server, LABEL_QUERY)[0] == 200


def test_results_are_capped_and_the_response_says_so(tight_server):
    q = "SELECT ?t WHERE { ?t a skos:Concept } ORDER BY ?t"
    status, body, headers = sparql_get(tight_server, q)
    doc = json.loads(body)
    assert status == 200 and headers["X-KG-Truncated"] == "true" and doc["truncated"] is True
    assert len(doc["results"]["bindings"]) == 5
    status, body, headers = sparql_get(tight_server, q, headers={"Accept": "text/csv"})
    assert headers["X-KG-Truncated"] == "true" and len(body.decode().splitlines()) == 1 + 5
    status, body, headers = sparql_get(tight_server, "CONSTRUCT WHERE { ?t a skos:Concept }", format="nt")
    assert headers["X-KG-Truncated"] == "true" and len(body.decode().splitlines()) == 5
    status, body, headers = sparql_get(tight_server, q + " LIMIT 5")
    assert headers["X-KG-Truncated"] == "false" and json.loads(body)["truncated"] is False


def test_a_body_over_the_limit_is_413(tight_server):
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 30000
    status, body, headers = sparql_post(tight_server, big)
    assert status == 413 and error_of(status, body, headers)["code"] == "request_entity_too_large"


def test_the_per_client_quota_answers_429_with_retry_after(sample_store, tmp_path):
    srv = Server(sample_store, {"KG_SPARQL_QUOTA": "3/minute"}, log_dir=tmp_path)
    try:
        for _ in range(3):
            assert sparql_get(srv, LABEL_QUERY)[0] == 200
        status, body, headers = sparql_get(srv, LABEL_QUERY)
        err = error_of(status, body, headers)
        assert status == 429 and err["code"] == "quota_exceeded"
        assert 1 <= int(headers["Retry-After"]) <= 60
        assert fetch(srv.url + "/api/terms/speculative-decoding")[0] == 200  # the quota is SPARQL's only
    finally:
        srv.stop()


def test_a_new_build_is_picked_up_without_a_restart(fresh_store, tmp_path):
    srv = Server(fresh_store, {"KG_SPARQL_QUOTA": "0"}, log_dir=tmp_path)
    q = "SELECT ?l WHERE { <https://paperdive.ai/id/term/zz-test-term> skos:prefLabel ?l }"
    try:
        status, body, headers = sparql_get(srv, q)
        assert status == 200 and json.loads(body)["results"]["bindings"] == []
        before = headers["X-KG-Generation"]
        glossary = tmp_path / "glossary.yaml"
        shutil.copy(SAMPLE / "glossary.yaml", glossary)
        with open(glossary, "a", encoding="utf-8") as fh:
            fh.write(
                "  - id: zz-test-term\n    label: zz test term\n    aliases: []\n    acronyms: []\n"
                "    kind: concept\n    definition: >-\n      A term a test adds while the server runs.\n"
                "    broader: []\n    related: []\n    explained_in: []\n"
            )
        kg_cmd("ingest", "glossary", str(glossary), "--store", str(fresh_store))
        status, body, headers = sparql_get(srv, q)
        assert status == 200 and headers["X-KG-Generation"] != before
        assert [b["l"]["value"] for b in json.loads(body)["results"]["bindings"]] == ["zz test term"]
    finally:
        srv.stop()


def test_without_oxigraph_the_endpoint_says_it_is_unavailable(tmp_path):
    with AcceptingPeer() as peer:  # a "Neo4j" that lets the app start (kg serve checks the connection)
        srv = Server(peer.uri, ready_path="/openapi.json", log_dir=tmp_path)
        try:
            status, body, headers = sparql_get(srv, LABEL_QUERY)
            err = error_of(status, body, headers)
            assert status == 501 and err["code"] == "sparql_unavailable" and "Oxigraph" in err["message"]
        finally:
            srv.stop()


# -- the query page ------------------------------------------------------------------------------


def test_the_query_page(sparql_server):
    from kgweb.sparql import examples

    status, body, headers = fetch(sparql_server.url + "/sparql", headers={"Accept": "text/html"})
    html = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert '<textarea id="sparql-query" name="query"' in html
    assert html.count('class="example"') == len(examples()) >= 8
    assert "Papers recommended by two or more episodes but covered by none" in html
    # CSP forbids inline script: every script is either a file or a JSON-LD data block
    import re

    for tag in re.findall(r"<script[^>]*>", html):
        assert " src=" in tag or 'type="application/ld+json"' in tag, tag


def test_the_page_shows_results_and_errors_escaped(sparql_server):
    q = 'SELECT ?x WHERE { BIND("<img src=x onerror=alert(1)>" AS ?x) }'
    status, body, _ = sparql_post(sparql_server, q, headers={"Accept": "text/html"})
    html = body.decode()
    assert status == 200 and '<table class="results">' in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    status, body, _ = sparql_post(
        sparql_server, "SELECT * WHERE { SERVICE <http://x/> {} }", headers={"Accept": "text/html"}
    )
    assert status == 403 and "service_refused" in body.decode()


def _example_ids():
    from kgweb.sparql import examples

    return [e.name for e in examples()]


@pytest.mark.parametrize("name", _example_ids())
def test_every_example_query_runs_and_finds_something(sparql_server, name):
    from kgweb.sparql import examples

    ex = next(e for e in examples() if e.name == name)
    status, body, headers = sparql_post(
        sparql_server, ex.query, headers={"Accept": "application/sparql-results+json, text/turtle;q=0.9"}
    )
    assert status == 200, body
    if headers["Content-Type"].startswith("text/turtle"):
        assert list(pyoxigraph.parse(body, format=pyoxigraph.RdfFormat.TURTLE))
    else:
        doc = json.loads(body)
        assert doc.get("boolean") is not None or doc["results"]["bindings"], name


def test_the_query_page_in_a_browser(sparql_server, browser):
    problems: list[str] = []
    context = browser.new_context()
    try:
        page = context.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("request", lambda r: None if r.url.startswith(sparql_server.url) else problems.append(r.url))
        page.goto(sparql_server.url + "/sparql")
        page.get_by_role("link", name='Where "speculative decoding" is explained, chapter by chapter').click()
        assert "speculative decoding" in page.input_value("#sparql-query")
        assert page.url.endswith("/sparql")  # with JavaScript the example loads into the editor
        page.focus("#sparql-query")
        page.keyboard.press("Control+Enter")
        page.wait_for_selector("table.results tbody tr")
        cells = page.locator("table.results tbody tr").first.locator("td").all_inner_texts()
        assert cells[0] == "https://paperdive.ai/id/episode/E179" and cells[1] == "02:07"
        page.locator("table.results a").first.click()  # graph IRIs link to the app's own pages
        page.wait_for_url("**/episodes/E179")
    finally:
        context.close()
    assert problems == []
