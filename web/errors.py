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


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/sparql" and request.method == "POST"


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = (exc.name or "error").lower().replace(" ", "_")
        if exc.code == 413:
            message = f"the request body is larger than {app.config['MAX_CONTENT_LENGTH']} bytes"
        else:
            message = exc.description or exc.name
        if _wants_json():
            return api_error(exc.code or 500, code, message)
        return render_template("error.html", status=exc.code, title=exc.name, message=message), exc.code

    @app.errorhandler(KGError)
    def kg_error(exc: KGError):
        if _wants_json():
            return api_error(503, exc.code, str(exc.problem.message))
        return render_template("error.html", status=503, title="Graph unavailable", message=str(exc)), 503
