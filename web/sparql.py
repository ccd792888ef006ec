"""``/sparql``: a read-only SPARQL 1.1 Protocol endpoint and its query page.

Every query passes :func:`kg.sparql_guard.check_query` (depth, updates,
``SERVICE``, outside datasets) before a worker of :class:`kg.sparql_pool.WorkerPool`
runs it; a per-client quota comes first of all. Results are JSON, XML, CSV or
TSV (SELECT/ASK) and Turtle, N-Triples, RDF/XML or JSON-LD (CONSTRUCT/DESCRIBE),
chosen by the ``format`` parameter or else the ``Accept`` header. A browser
(``Accept: text/html``) gets the query page with the results as a table.
"""

from __future__ import annotations

import atexit
import json
import re
import threading
import time
from dataclasses import dataclass
from functools import cache
from importlib import resources
from urllib.parse import unquote

from flask import Blueprint, Flask, Response, current_app, render_template, request, url_for
from limits import parse as parse_limit
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from kg.rdf.namespaces import DATA_NS
from kg.sparql_guard import QueryRefused, check_dataset_iri, check_query
from kg.sparql_pool import GRAPH_FORMATS, RESULT_FORMATS, Answer, Job, WorkerPool
from kgweb.errors import api_error

bp = Blueprint("sparql", __name__)
_pool_lock = threading.Lock()

# media type -> format name; the first of each list is the default
RESULT_MEDIA = [
    ("application/sparql-results+json", "json"),
    ("application/json", "json"),
    ("application/sparql-results+xml", "xml"),
    ("application/xml", "xml"),
    ("text/xml", "xml"),
    ("text/csv", "csv"),
    ("text/tab-separated-values", "tsv"),
]
GRAPH_MEDIA = [
    ("text/turtle", "ttl"),
    ("application/x-turtle", "ttl"),
    ("application/n-triples", "nt"),
    ("text/plain", "nt"),
    ("application/rdf+xml", "rdfxml"),
    ("application/ld+json", "jsonld"),
    ("application/json", "jsonld"),
    ("application/xml", "rdfxml"),
]
# the `format` parameter: a short name or a media type -> (results format, graph format)
FORMAT_PARAM: dict[str, tuple[str | None, str | None]] = {
    "json": ("json", "jsonld"),
    "xml": ("xml", "rdfxml"),
    "csv": ("csv", None),
    "tsv": ("tsv", None),
    "ttl": (None, "ttl"),
    "turtle": (None, "ttl"),
    "nt": (None, "nt"),
    "ntriples": (None, "nt"),
    "n-triples": (None, "nt"),
    "rdfxml": (None, "rdfxml"),
    "rdf": (None, "rdfxml"),
    "jsonld": (None, "jsonld"),
    "json-ld": (None, "jsonld"),
}
for _media, _name in RESULT_MEDIA:
    FORMAT_PARAM.setdefault(_media, (_name, None))
for _media, _name in GRAPH_MEDIA:
    FORMAT_PARAM.setdefault(_media, (None, _name))


@dataclass(frozen=True)
class Example:
    name: str
    title: str
    query: str


@cache
def examples() -> tuple[Example, ...]:
    """The example queries shown on the page (``kg/queries/examples/*.rq``, first line ``# title: …``)."""
    folder = resources.files("kg.queries").joinpath("examples")
    out = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".rq"):
            text = entry.read_text(encoding="utf-8")
            first, _, rest = text.partition("\n")
            title = first.removeprefix("# title:").strip() if first.startswith("# title:") else entry.name
            out.append(Example(entry.name.removesuffix(".rq"), title, rest.lstrip("\n")))
    return tuple(out)


# -- the pool and the quota, one per app ---------------------------------------------------


def oxigraph_root(app: Flask) -> str | None:
    """The store directory, or None when the store is not the embedded Oxigraph (e.g. a neo4j:// URI)."""
    location = str(app.config.get("STORE") or "")
    return None if "://" in location else location


def get_pool() -> WorkerPool:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    pool = app.extensions.get("kg_sparql_pool")
    if pool is None:
        with _pool_lock:
            pool = app.extensions.get("kg_sparql_pool")
            if pool is None:
                pool = WorkerPool(
                    oxigraph_root(app) or "",
                    int(app.config["SPARQL_WORKERS"]),
                    max_memory_mb=int(app.config["SPARQL_MAX_MEMORY"]),
                )
                app.extensions["kg_sparql_pool"] = pool
                atexit.register(pool.close)
    return pool


class Quota:
    """Queries per client in a moving window (``KG_SPARQL_QUOTA``, e.g. ``60/minute``; empty or 0: none)."""

    def __init__(self, spec: str):
        spec = (spec or "").strip()
        self.item = None if spec in ("", "0") else parse_limit(spec)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def retry_after(self, client: str) -> int | None:
        """None if the client may run a query now (and count it), else seconds until it may."""
        if self.item is None or self.limiter.hit(self.item, "sparql", client):
            return None
        reset = self.limiter.get_window_stats(self.item, "sparql", client).reset_time
        return max(1, int(reset - time.time() + 0.999))


def get_quota() -> Quota:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    quota = app.extensions.get("kg_sparql_quota")
    if quota is None:
        with _pool_lock:
            quota = app.extensions.get("kg_sparql_quota") or Quota(str(app.config["SPARQL_QUOTA"]))
            app.extensions["kg_sparql_quota"] = quota
    return quota


_LOCAL_PAGES = (
    (re.compile(r"^episode/([^/]+)(?:/.*)?$"), "pages.episode", "episode_id"),
    (re.compile(r"^paper/(.+)$"), "pages.paper", "key"),
    (re.compile(r"^term/([^/]+)$"), "pages.term", "slug"),
    (re.compile(r"^topic/([^/]+)$"), "pages.topic", "slug"),
    (re.compile(r"^review/([^/]+)$"), "pages.review", "review_id"),
)


def local_url(iri: str) -> str | None:
    """The app's page for a node of this graph (``…/id/episode/E172`` -> ``/episodes/E172``), else None."""
    if not isinstance(iri, str) or not iri.startswith(DATA_NS):
        return None
    rest = unquote(iri[len(DATA_NS) :])
    for pattern, endpoint, arg in _LOCAL_PAGES:
        m = pattern.match(rest)
        if m:
            return url_for(endpoint, **{arg: m.group(1)})
    return None


def init_app(app: Flask) -> None:
    app.jinja_env.filters["kg_local_url"] = local_url
    app.extensions.setdefault("kg_sparql_pool", None)
    app.extensions.setdefault("kg_sparql_quota", None)
    app.register_blueprint(bp)


# -- the request -------------------------------------------------------------------------


def _refused(exc: QueryRefused):
    resp = api_error(exc.status, exc.code, exc.message)
    _retry_header(resp, exc)
    return resp


def _retry_header(resp: Response, exc: QueryRefused) -> None:
    if exc.retry_after:
        resp.headers["Retry-After"] = str(exc.retry_after)
    elif exc.status == 503:  # busy, or a worker is being replaced: worth trying again soon
        resp.headers["Retry-After"] = "5"


def _read_request() -> tuple[str | None, list[str], list[str]]:
    """The query text and the protocol's dataset parameters, from GET or either kind of POST."""
    params = request.args
    if request.method == "POST":
        mimetype = request.mimetype
        if mimetype == "application/x-www-form-urlencoded":
            params = request.values  # type: ignore[assignment]
        elif mimetype == "application/sparql-query":
            text = request.get_data(cache=False, as_text=True)
            return text, request.args.getlist("default-graph-uri"), request.args.getlist("named-graph-uri")
        elif mimetype == "application/sparql-update":
            raise QueryRefused(403, "update_refused", "this endpoint is read-only: SPARQL Update is not accepted")
        else:
            raise QueryRefused(
                415,
                "unsupported_media_type",
                f"POST a query as application/x-www-form-urlencoded (query=…) or application/sparql-query, "
                f"not {mimetype or 'no Content-Type'}",
            )
    if "update" in params:
        raise QueryRefused(403, "update_refused", "this endpoint is read-only: the `update` parameter is refused")
    return params.get("query"), params.getlist("default-graph-uri"), params.getlist("named-graph-uri")


def _formats() -> tuple[str | None, str | None, bool]:
    """(results format, graph format, wants the HTML page) from ``format`` or else ``Accept``."""
    fmt = (request.values.get("format") or "").strip().lower()
    if fmt == "html":
        return "json", "ttl", True
    if fmt:
        if fmt not in FORMAT_PARAM:
            raise QueryRefused(
                400,
                "bad_format",
                f"unknown format {fmt[:40]!r}; use one of json, xml, csv, tsv, ttl, nt, rdfxml, jsonld",
            )
        results, graph = FORMAT_PARAM[fmt]
        return results, graph, False
    accept = request.accept_mimetypes
    if not accept:  # no Accept header: the defaults
        return "json", "ttl", False
    best_results = accept.best_match([m for m, _ in RESULT_MEDIA] + ["text/html"])
    if best_results == "text/html" and "text/html" in accept.values():
        return "json", "ttl", True
    best_graph = accept.best_match([m for m, _ in GRAPH_MEDIA])
    return (
        dict(RESULT_MEDIA).get(best_results) if best_results else None,
        dict(GRAPH_MEDIA).get(best_graph) if best_graph else None,
        False,
    )


def run_query(text: str, default_graphs: list[str], named_graphs: list[str], results: str | None, graph: str | None):
    """Check and run one query in the pool; raises QueryRefused for every failure."""
    app = current_app
    # the quota first: every query counts, refused or not, so a flood is cut before any work is done
    retry = get_quota().retry_after(request.remote_addr or "-")
    if retry is not None:
        raise QueryRefused(
            429,
            "quota_exceeded",
            f"this client has used its SPARQL quota ({app.config['SPARQL_QUOTA']}); try again in {retry} s",
            retry_after=retry,
        )
    if len(text) > int(app.config["MAX_CONTENT_LENGTH"]):
        raise QueryRefused(413, "request_entity_too_large", "the query is longer than KG_MAX_CONTENT_LENGTH")
    for g in default_graphs:
        check_dataset_iri(g, "default-graph-uri")
    for g in named_graphs:
        check_dataset_iri(g, "named-graph-uri")
    checked = check_query(text, max_depth=int(app.config["SPARQL_MAX_DEPTH"]))
    job = Job(
        query=checked.text,
        results_format=results,
        graph_format=graph,
        max_rows=int(app.config["SPARQL_MAX_ROWS"]),
        default_graphs=default_graphs,
        named_graphs=named_graphs,
    )
    timeout = float(app.config["SPARQL_TIMEOUT"])
    return get_pool().run(job, timeout=timeout)


def _answer(answer: Answer) -> Response:
    media = answer.media_type
    if media.startswith("text/") or media.endswith(("+json", "+xml", "/json", "/xml")):
        media += "; charset=utf-8"
    resp = Response(answer.body, content_type=media)
    resp.headers["X-KG-Truncated"] = "true" if answer.truncated else "false"
    resp.headers["X-KG-Rows"] = str(answer.count)
    resp.headers["X-KG-Max-Rows"] = str(current_app.config["SPARQL_MAX_ROWS"])
    resp.headers["X-KG-Generation"] = answer.generation
    resp.headers["X-KG-Elapsed-Ms"] = str(answer.elapsed_ms)
    resp.headers["Vary"] = "Accept"
    return resp


def _page(query: str, status: int = 200, answer: Answer | None = None, error: QueryRefused | None = None):
    table = None
    graph_text = None
    boolean = None
    if answer is not None:
        if answer.kind == "graph":
            graph_text = answer.body.decode("utf-8", "replace")
        else:
            doc = json.loads(answer.body)
            if answer.kind == "boolean":
                boolean = doc["boolean"]
            else:
                names = doc["head"]["vars"]
                table = {"vars": names, "rows": [[row.get(n) for n in names] for row in doc["results"]["bindings"]]}
    html = render_template(
        "sparql.html",
        query=query,
        examples=examples(),
        answer=answer,
        table=table,
        graph_text=graph_text,
        boolean=boolean,
        error=error,
        max_rows=current_app.config["SPARQL_MAX_ROWS"],
        timeout=current_app.config["SPARQL_TIMEOUT"],
    )
    resp = Response(html, status=status, content_type="text/html; charset=utf-8")
    resp.headers["Vary"] = "Accept"
    if answer is not None:
        resp.headers["X-KG-Truncated"] = "true" if answer.truncated else "false"
    if error is not None:
        _retry_header(resp, error)
    return resp


@bp.route("/sparql", methods=["GET", "POST"])
def sparql():
    """SPARQL 1.1 Protocol query endpoint (read-only).
    ---
    get:
      summary: Run a SPARQL query (or, with no query and Accept text/html, show the query page)
      tags: [sparql]
      parameters:
        - {name: query, in: query, schema: {type: string}, description: "The SPARQL 1.1 query."}
        - {name: format, in: query, schema: {type: string, enum: [json, xml, csv, tsv, ttl, nt, rdfxml, jsonld, html]},
           description: "Overrides the Accept header."}
        - {name: default-graph-uri, in: query, schema: {type: array, items: {type: string}},
           description: "Named graphs of this graph (under https://paperdive.ai/id/) to use as the default graph."}
        - {name: named-graph-uri, in: query, schema: {type: array, items: {type: string}}}
      responses:
        "200":
          description: >-
            Results (SELECT/ASK: JSON, XML, CSV, TSV; CONSTRUCT/DESCRIBE: Turtle, N-Triples, RDF/XML, JSON-LD).
            `X-KG-Truncated: true` (and `"truncated": true` in JSON) when the KG_SPARQL_MAX_ROWS cap cut them.
          headers:
            X-KG-Truncated: {schema: {type: string, enum: ["true", "false"]}}
          content:
            application/sparql-results+json: {schema: {$ref: "#/components/schemas/SparqlResults"}}
            application/sparql-results+xml: {}
            text/csv: {}
            text/tab-separated-values: {}
            text/turtle: {}
            application/n-triples: {}
            text/html: {}
        "400": {$ref: "#/components/responses/Error"}
        "403": {$ref: "#/components/responses/Error"}
        "406": {$ref: "#/components/responses/Error"}
        "413": {$ref: "#/components/responses/Error"}
        "429": {$ref: "#/components/responses/RateLimited"}
        "501": {$ref: "#/components/responses/Error"}
        "503": {$ref: "#/components/responses/Error"}
        "504": {$ref: "#/components/responses/Error"}
    post:
      summary: Run a SPARQL query sent in the body (form-encoded `query=` or application/sparql-query)
      tags: [sparql]
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema: {type: object, properties: {query: {type: string}, format: {type: string}}, required: [query]}
          application/sparql-query:
            schema: {type: string}
      responses:
        "200": {description: "Results, as for GET."}
        "400": {$ref: "#/components/responses/Error"}
        "403": {$ref: "#/components/responses/Error"}
        "413": {$ref: "#/components/responses/Error"}
        "415": {$ref: "#/components/responses/Error"}
        "429": {$ref: "#/components/responses/RateLimited"}
        "503": {$ref: "#/components/responses/Error"}
        "504": {$ref: "#/components/responses/Error"}
    """
    html = False
    query: str | None = None
    try:
        results, graph, html = _formats()
        query, default_graphs, named_graphs = _read_request()
        if query is None or (html and not query.strip()):
            if html:
                return _page("")
            raise QueryRefused(
                400, "missing_query", "give a SPARQL query in the `query` parameter (or open /sparql in a browser)"
            )
        if oxigraph_root(current_app) is None:
            raise QueryRefused(
                501,
                "sparql_unavailable",
                "the SPARQL endpoint needs the embedded Oxigraph store; this server uses another backend (Neo4j)",
            )
        answer = run_query(query, default_graphs, named_graphs, results, graph)
    except QueryRefused as exc:
        if html:
            return _page(query or "", status=exc.status, error=exc)
        return _refused(exc)
    if html:
        return _page(query, answer=answer)
    return _answer(answer)


__all__ = ["bp", "init_app", "examples", "run_query", "GRAPH_FORMATS", "RESULT_FORMATS"]
