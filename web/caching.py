"""HTTP caching for JSON and generated assets: a strong ETag from the body, Cache-Control, 304s."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, request

from kg.pageindex import etag_of, json_body  # one definition for the index and the app


def cached_response(body: bytes, mimetype: str, max_age: int, etag: str | None = None) -> Response:
    """``body`` with ``ETag`` and ``Cache-Control: public, max-age=…``; ``304`` when ``If-None-Match`` matches."""
    resp = Response(body, mimetype=mimetype)
    resp.set_etag(etag or etag_of(body))
    resp.headers["Cache-Control"] = f"public, max-age={max_age}"
    return resp.make_conditional(request)


def cached_json(data: Any, max_age: int) -> Response:
    return cached_response(json_body(data), "application/json", 0 if current_app.debug else max_age)
