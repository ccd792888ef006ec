"""HTTP caching for JSON and generated assets: a strong ETag from the body, Cache-Control, 304s."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import Response, current_app, request


def etag_of(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:32]


def cached_response(body: bytes, mimetype: str, max_age: int, etag: str | None = None) -> Response:
    """``body`` with ``ETag`` and ``Cache-Control: public, max-age=…``; ``304`` when ``If-None-Match`` matches."""
    resp = Response(body, mimetype=mimetype)
    resp.set_etag(etag or etag_of(body))
    resp.headers["Cache-Control"] = f"public, max-age={max_age}"
    return resp.make_conditional(request)


def cached_json(data: Any, max_age: int) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if current_app.debug:
        max_age = 0
    return cached_response(body, "application/json", max_age)
