"""One JSON error shape for the API, friendly pages elsewhere.

API errors: ``{"error": {"status": 404, "code": "not_found", "message": "…"}}``.
"""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from kg.errors import KGError


def api_error(status: int, code: str, message: str):
    resp = jsonify({"error": {"status": status, "code": code, "message": message}})
    resp.status_code = status
    return resp


# Paths whose errors are JSON (the API, the SPARQL endpoint, exports, the OpenAPI document).
JSON_PATH_PREFIXES = ("/api/", "/sparql", "/export/", "/openapi.json")


def _wants_json() -> bool:
    return request.path.startswith(JSON_PATH_PREFIXES)


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = (exc.name or "error").lower().replace(" ", "_")
        if exc.code == 413:
            message = f"the request body is larger than {app.config['MAX_CONTENT_LENGTH']} bytes"
        else:
            message = exc.description or exc.name
        # keep the headers the error carries (Allow on 405, Retry-After on 429/503, ...)
        extra = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        if _wants_json():
            resp = api_error(exc.code or 500, code, message)
        else:
            resp = app.make_response(
                (render_template("error.html", status=exc.code, title=exc.name, message=message), exc.code)
            )
        for k, v in extra:
            resp.headers[k] = v
        return resp

    @app.errorhandler(KGError)
    def kg_error(exc: KGError):
        if _wants_json():
            return api_error(503, exc.code, str(exc.problem.message))
        return render_template("error.html", status=503, title="Graph unavailable", message=str(exc)), 503
