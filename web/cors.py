"""Cross-origin use of the JSON API, for the embed script on the podcast's own site.

Only origins listed in ``KG_CORS_ORIGINS`` (space- or comma-separated, e.g.
``https://paperdive.ai https://www.paperdive.ai``) get ``Access-Control-Allow-Origin``;
every API response says ``Vary: Origin`` so a shared cache never hands one origin's
answer to another. Preflights (``OPTIONS`` with ``Access-Control-Request-Method``)
for ``POST /api/annotate`` with a JSON body are answered here with 204. No
credentials are ever allowed: the API is public and read-only.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request

API_PREFIX = "/api/"
ALLOW_METHODS = "GET, POST, OPTIONS"
ALLOW_HEADERS = "Content-Type"
PREFLIGHT_MAX_AGE = "600"


def normalise_origin(origin: str) -> str | None:
    """``scheme://host[:port]`` in lower case, default ports dropped; None if it is not an origin."""
    parts = urlsplit(origin.strip().rstrip("/"))
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    default = {"http": 80, "https": 443}[parts.scheme]
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def allowed_origins(value: object) -> frozenset[str]:
    if not value:
        return frozenset()
    items = value if isinstance(value, list | tuple) else str(value).replace(",", " ").split()
    return frozenset(o for o in (normalise_origin(str(i)) for i in items) if o)


def origin_allowed(origin: str | None) -> bool:
    if not origin:
        return False
    allowed = current_app.extensions.get("kg_cors_origins")
    if allowed is None:
        allowed = allowed_origins(current_app.config.get("CORS_ORIGINS"))
        current_app.extensions["kg_cors_origins"] = allowed
    return normalise_origin(origin) in allowed


def init_app(app: Flask) -> None:
    @app.before_request
    def preflight():
        if (
            request.method == "OPTIONS"
            and request.path.startswith(API_PREFIX)
            and "Access-Control-Request-Method" in request.headers
        ):
            resp = Response(status=204)
            if origin_allowed(request.headers.get("Origin")):
                resp.headers["Access-Control-Allow-Methods"] = ALLOW_METHODS
                resp.headers["Access-Control-Allow-Headers"] = ALLOW_HEADERS
                resp.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
            return resp
        return None

    @app.after_request
    def cors_headers(resp: Response) -> Response:
        if request.path.startswith(API_PREFIX):
            if "Vary" in resp.headers:
                resp.vary.add("Origin")
            else:  # most responses: one header, without parsing and re-writing a header set
                resp.headers.add("Vary", "Origin")
            origin = request.headers.get("Origin")
            if origin_allowed(origin):
                resp.headers["Access-Control-Allow-Origin"] = origin
                resp.headers.setdefault("Access-Control-Expose-Headers", "ETag")
        return resp
