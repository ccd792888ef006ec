"""The SPARQL pre-checks: what is refused before any engine sees a query, and what is let through."""

from __future__ import annotations

import pyoxigraph
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.sparql_guard import QueryRefused, check_query, nesting_depth

ALLOWED = [
    "SELECT * WHERE { ?s ?p ?o }",
    'SELECT * WHERE { ?s ?p "SERVICE <http://evil/> { }" }',  # keywords inside literals are text
    "SELECT * WHERE { ?s ?p '''INSERT DATA { <a> <b> <c> }''' }",
    "SELECT * WHERE { ?s <http://example.org/SERVICE> ?o }",  # ... and inside IRIs
    "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://evil/> { } LOAD <http://evil/>",  # ... and in comments
    "PREFIX service: <http://example.org/> SELECT * WHERE { ?s service:load ?o }",  # prefixed names
    "SELECT ?service ?load WHERE { ?service ?load ?o }",  # variables
    "SELECT * FROM <https://paperdive.ai/id/graph/glossary/glossary> WHERE { ?s ?p ?o }",
    "SELECT * FROM NAMED id:graph\\/episode\\/E172 WHERE { GRAPH ?g { ?s ?p ?o } }",
    "BASE <https://paperdive.ai/id/> SELECT * FROM <graph/podcast/channel> WHERE { ?s ?p ?o }",
]

REFUSED = [
    ("INSERT DATA { <http://a> <http://b> <http://c> }", 403, "update_refused"),
    ("DELETE WHERE { ?s ?p ?o }", 403, "update_refused"),
    ("PREFIX x: <http://x/> WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", 403, "update_refused"),
    ("LOAD <http://127.0.0.1:9/data.ttl>", 403, "update_refused"),
    ("load silent <http://127.0.0.1:9/data.ttl> INTO GRAPH <http://g>", 403, "update_refused"),
    ("CLEAR ALL", 403, "update_refused"),
    ("DROP GRAPH <http://g>", 403, "update_refused"),
    ("CREATE GRAPH <http://g>", 403, "update_refused"),
    ("ADD DEFAULT TO <http://g>", 403, "update_refused"),
    ("MOVE <http://a> TO <http://b>", 403, "update_refused"),
    ("COPY <http://a> TO <http://b>", 403, "update_refused"),
    ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", 403, "service_refused"),
    ("select * where { service silent <http://127.0.0.1:9/> { ?s ?p ?o } }", 403, "service_refused"),
    ("SELECT * WHERE { BIND(<http://127.0.0.1:9/> AS ?e) SeRvIcE ?e { ?s ?p ?o } }", 403, "service_refused"),
    ("PREFIX e: <http://127.0.0.1:9/> SELECT * WHERE {SERVICE e:x{?s ?p ?o}}", 403, "service_refused"),
    ("SELECT * WHERE { ?s ?p ?o FILTER(?s<?p) SERVICE<http://127.0.0.1:9/>{} }", 403, "service_refused"),
    ("SELECT * WHERE { ?s ?p 'x' . } #\nSERVICE <http://127.0.0.1:9/> { }", 403, "service_refused"),
    ("SELECT * FROM <http://127.0.0.1:9/g> WHERE { ?s ?p ?o }", 403, "dataset_refused"),
    ("SELECT * FROM NAMED <file:///etc/passwd> WHERE { ?s ?p ?o }", 403, "dataset_refused"),
    ("PREFIX e: <http://evil.example/> SELECT * FROM e:g WHERE { ?s ?p ?o }", 403, "dataset_refused"),
    ("BASE <http://evil.example/> SELECT * FROM <g> WHERE { ?s ?p ?o }", 403, "dataset_refused"),
    ("SELECT * FROM nope:g WHERE { ?s ?p ?o }", 400, "sparql_syntax"),
    ("SELECT * WHERE " + "{" * 65 + "}" * 65, 400, "query_too_deep"),
    ("SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 70 + "1" + ")" * 70 + ") }", 400, "query_too_deep"),
    ("   ", 400, "missing_query"),
]


@pytest.mark.parametrize("query", ALLOWED)
def test_harmless_queries_pass(query):
    checked = check_query(query, max_depth=64)
    assert checked.text == query


@pytest.mark.parametrize(("query", "status", "code"), REFUSED)
def test_dangerous_queries_are_refused_with_a_reason(query, status, code):
    with pytest.raises(QueryRefused) as info:
        check_query(query, max_depth=64)
    assert (info.value.status, info.value.code) == (status, code)
    assert info.value.message


def test_the_refusal_says_where():
    with pytest.raises(QueryRefused) as info:
        check_query("SELECT * WHERE {\n  ?s ?p ?o .\n  SERVICE <http://x/> { } }", max_depth=64)
    assert "line 3, column 3" in info.value.message


def test_depth_is_checked_before_anything_parses_the_query():
    # 100,000 nested groups would crash pyoxigraph's parser; the guard counts them in one pass
    deep = "SELECT * WHERE " + "{" * 100_000 + "}" * 100_000
    assert nesting_depth(deep) == 100_000
    with pytest.raises(QueryRefused) as info:
        check_query(deep, max_depth=64)
    assert info.value.code == "query_too_deep" and "100000" in info.value.message


def test_the_dataset_named_by_from_is_returned():
    checked = check_query(
        "SELECT * FROM <https://paperdive.ai/id/graph/glossary/glossary> "
        "FROM NAMED <https://paperdive.ai/id/graph/episode/E172> WHERE { ?s ?p ?o }",
        max_depth=64,
    )
    assert checked.from_graphs == ["https://paperdive.ai/id/graph/glossary/glossary"]
    assert checked.from_named_graphs == ["https://paperdive.ai/id/graph/episode/E172"]


def test_comments_end_where_oxigraph_ends_them():
    """Every character either ends a comment for both the guard and pyoxigraph, or for neither.

    If pyoxigraph ended a comment on a character the guard does not, code after it would be hidden
    from the guard (``# x<char>SERVICE <…> {…}``).
    """
    from kg.sparql_guard import tokens

    store = pyoxigraph.Store()
    for cp in [*range(0x00, 0x250), 0x85, 0x2028, 0x2029, 0x200B, 0xFEFF, 0x3000]:
        ch = chr(cp)
        if ch in "\n\r":
            continue
        query = "SELECT * WHERE { # x" + ch + " ?s ?p ?o }"
        try:
            store.query(query)
            engine_ended = True
        except SyntaxError:
            engine_ended = False
        guard_ended = any(t.text == "}" for t in tokens(query))
        assert engine_ended == guard_ended, hex(cp)


_SPARQLISH = st.text(
    alphabet=st.sampled_from(list("{}()[]<>\"'#?$:.;,\\ \n\tSERVICEloadFROMNAMEDselect*=")), max_size=200
)


@settings(max_examples=300, deadline=None)
@given(_SPARQLISH)
def test_the_guard_never_crashes(text):
    try:
        check_query(text, max_depth=64)
    except QueryRefused as exc:
        assert exc.status in (400, 403) and exc.message
