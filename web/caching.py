"""HTTP caching for JSON and generated assets: a strong ETag from the body, Cache-Control, 304s."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, request
from werkzeug.http import parse_etags, quote_etag

from kg.pageindex import etag_of, json_body  # one definition for the index and the app


def cached_response(body: bytes, mimetype: str, max_age: int, etag: str | None = None) -> Response:
    """``body`` with ``ETag`` and ``Cache-Control: public, max-age=…``; ``304`` when ``If-None-Match`` matches.

    What werkzeug's ``make_conditional`` does for a body without ``Last-Modified`` or ranges, by
    hand: it was an eighth of a term lookup's time, most of it the ``Date`` header, which the WSGI
    server (gunicorn, werkzeug's) writes itself. ``If-None-Match`` is compared weakly (RFC 9110).
    """
    etag = etag or etag_of(body)
    resp = Response(body, mimetype=mimetype)
    headers = resp.headers
    headers["ETag"] = quote_etag(etag)
    headers["Cache-Control"] = f"public, max-age={max_age}"
    environ = request.environ
    match = environ.get("HTTP_IF_NONE_MATCH")
    if match and environ["REQUEST_METHOD"] in ("GET", "HEAD") and parse_etags(match).contains_weak(etag):
        resp.status_code = 412 if parse_etags(environ.get("HTTP_IF_MATCH")) else 304
    return resp


def cached_json(data: Any, max_age: int) -> Response:
    return cached_response(json_body(data), "application/json", 0 if current_app.debug else max_age)
