"""The editor: coverage-gap reports behind a login (``/editor``), and the same reports as JSON (``/api/gaps``).

Security (issue 8, item 6):

* disabled (404 on every ``/editor`` route) while ``KG_EDITOR_USER`` or ``KG_EDITOR_PASSWORD`` is unset;
* user name and password compared in constant time (``hmac.compare_digest``, both always compared);
* every editor route but the login page refuses anonymous access (GET: redirect to the login page,
  anything else: 401); the blueprint's ``before_request`` guard applies to routes added later too;
* CSRF: Flask-WTF's ``CSRFProtect``; every state-changing editor request (login, logout, …) needs the
  token (400 without). It is not switched on app-wide: the public JSON API reads no cookies;
* the session cookie is ``HttpOnly``, ``SameSite=Lax`` and ``Secure`` whenever the request came over
  HTTPS (``X-Forwarded-Proto`` counts only when ``KG_TRUSTED_PROXIES`` says a proxy is in front);
  a login lasts at most ``LOGIN_HOURS`` and ends when the password changes;
* failed logins are rate-limited per client address (the ``limits`` library's fixed window,
  ``KG_EDITOR_LOGIN_RATE``, default 5 per minute): 429 with ``Retry-After``, checked before the CSRF
  token or the password. The counter lives in each worker process's memory. Only login attempts pay
  for it: no other request runs a limiter hook (Flask-Limiter's per-request hooks cost the term API
  about a fifth of its throughput).

``GET /api/gaps`` is public and read-only: every fact in it is already public through the pages,
the API and SPARQL, and it changes nothing. It is computed once per published graph and cached.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import threading
import time
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    has_request_context,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect
from limits import parse as parse_limit
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

from kg.gaps import REPORT_IDS, gap_reports, parse_weeks
from kgweb.db import get_store
from kgweb.errors import api_error

bp = Blueprint("editor", __name__, url_prefix="/editor")
api_bp = Blueprint("gaps_api", __name__, url_prefix="/api")

csrf = CSRFProtect()


class LoginLimit:
    """Failed login attempts per client address (``request.remote_addr``), in a fixed window."""

    NAMESPACE = "editor-login"

    def __init__(self) -> None:
        self._limiter = FixedWindowRateLimiter(MemoryStorage())

    @staticmethod
    def _item():
        return parse_limit(str(current_app.config.get("EDITOR_LOGIN_RATE") or "5 per minute"))

    def check(self) -> None:
        """429 with ``Retry-After`` once this client has used up its failed attempts."""
        item, client = self._item(), request.remote_addr or "-"
        if not self._limiter.test(item, self.NAMESPACE, client):
            reset = self._limiter.get_window_stats(item, self.NAMESPACE, client).reset_time
            wait = max(1, math.ceil(reset - time.time()))
            raise TooManyRequests(f"Too many failed sign-ins: try again in {wait} s.", retry_after=wait)

    def failed(self) -> None:
        self._limiter.hit(self._item(), self.NAMESPACE, request.remote_addr or "-")


def _login_limit() -> LoginLimit:
    return current_app.extensions["kg_login_limit"]


LOGIN_HOURS = 12
_OPEN_ENDPOINTS = {"editor.login"}
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
_gaps_lock = threading.Lock()


# -- configuration and credentials ----------------------------------------------------------------
def editor_enabled() -> bool:
    cfg = current_app.config
    return bool(str(cfg.get("EDITOR_USER") or "").strip()) and bool(str(cfg.get("EDITOR_PASSWORD") or ""))


def credentials_ok(user: str, password: str) -> bool:
    cfg = current_app.config
    want_user = str(cfg.get("EDITOR_USER") or "").strip().encode("utf-8")
    want_password = str(cfg.get("EDITOR_PASSWORD") or "").encode("utf-8")
    user_ok = hmac.compare_digest(user.strip().encode("utf-8"), want_user)
    password_ok = hmac.compare_digest(password.encode("utf-8"), want_password)
    return user_ok and password_ok and bool(want_user) and bool(want_password)


def _login_key() -> str:
    """Changes when the user name or password changes, so old logins stop working."""
    cfg = current_app.config
    material = f"{cfg.get('EDITOR_USER')}\0{cfg.get('EDITOR_PASSWORD')}".encode()
    return hmac.new(str(cfg["SECRET_KEY"]).encode(), material, hashlib.sha256).hexdigest()[:32]


def signed_in() -> bool:
    key = session.get("editor_key")
    at = session.get("editor_at")
    if not isinstance(key, str) or not isinstance(at, int | float):
        return False
    if time.time() - at > LOGIN_HOURS * 3600:
        return False
    return hmac.compare_digest(key, _login_key())


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/editor") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("editor.index")


# -- guard for every editor route ---------------------------------------------------------------------
@bp.before_request
def guard():
    if not editor_enabled():
        abort(404, "The editor is disabled: set KG_EDITOR_USER and KG_EDITOR_PASSWORD to enable it.")
    if _is_login_attempt():
        _login_limit().check()  # before the CSRF token and the password are looked at
    if request.endpoint not in _OPEN_ENDPOINTS and not signed_in():
        if request.method in _SAFE_METHODS:
            return redirect(url_for("editor.login", next=request.full_path.rstrip("?")), 303)
        abort(401, "Sign in to the editor first.")
    if request.method not in _SAFE_METHODS:
        csrf.protect()
    return None


def _is_login_attempt() -> bool:
    return request.endpoint == "editor.login" and request.method == "POST"


@bp.after_request
def no_store(resp):
    resp.headers["Cache-Control"] = "no-store"
    if _is_login_attempt() and resp.status_code not in (303, 429):  # a sign-in that did not succeed
        _login_limit().failed()
    return resp


# -- routes ------------------------------------------------------------------------------------------
@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    status = 200
    if request.method == "POST":
        user = request.form.get("user", "")
        password = request.form.get("password", "")
        if credentials_ok(user, password):
            session.clear()
            session["editor"] = user.strip()
            session["editor_key"] = _login_key()
            session["editor_at"] = int(time.time())
            return redirect(_safe_next(request.args.get("next")), 303)
        error = "That user name and password do not match."
        status = 401
    elif signed_in():
        return redirect(_safe_next(request.args.get("next")), 303)
    return render_template("editor_login.html", error=error, next=request.args.get("next", "")), status


@bp.post("/logout")
def logout():
    session.clear()
    return redirect(url_for("editor.login"), 303)


@bp.get("/")
def index():
    data = cached_gaps()
    only = request.args.get("report")
    reports = [r for r in data["reports"] if not only or r["id"] == only]
    return render_template(
        "editor.html", data=data, reports=reports, only=only, report_ids=REPORT_IDS, user=session.get("editor")
    )


# -- the reports, cached per published graph ----------------------------------------------------------
def quiet_weeks() -> int:
    return parse_weeks(current_app.config.get("GAP_QUIET_WEEKS"))


def cached_gaps() -> dict[str, Any]:
    store = get_store()
    weeks = quiet_weeks()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    key = (store.version, weeks)
    cached = app.extensions.get("kg_gaps")
    if cached is not None and cached[0] == key:
        return cached[1]
    with _gaps_lock:
        cached = app.extensions.get("kg_gaps")
        if cached is None or cached[0] != key:
            cached = (key, gap_reports(store, quiet_weeks=weeks))
            app.extensions["kg_gaps"] = cached
    return cached[1]


@api_bp.get("/gaps")
def api_gaps():
    """Every gap report as JSON; ``?report=<id>`` for one (ids: kg.gaps.REPORT_IDS).
    ---
    get:
      summary: Coverage gaps for editors, each row with the evidence that produced it
      tags: [editor]
      parameters:
        - name: report
          in: query
          schema:
            type: string
            enum: [uncovered-papers, terms, unexplained-terms, quiet-topics, thin-episodes, broken-references]
      responses:
        "200":
          description: The reports (computed once per published graph).
          content:
            application/json:
              schema:
                type: object
                required: [graph, reports]
                properties:
                  graph:
                    type: object
                    description: the published graph these reports describe
                    properties:
                      version: {type: string}
                      newest_episode: {type: [string, "null"], description: quiet topics count back from it}
                      quiet_weeks: {type: integer}
                      episodes: {type: integer}
                  reports:
                    type: array
                    items:
                      type: object
                      required: [id, title, count, rows]
                      properties:
                        id: {type: string}
                        title: {type: string}
                        description: {type: string}
                        count: {type: integer}
                        rows:
                          type: array
                          items:
                            type: object
                            required: [subject, reason, evidence]
                            properties:
                              subject:
                                type: object
                                properties:
                                  kind: {type: string}
                                  id: {type: string}
                                  label: {type: string}
                                  url: {type: [string, "null"]}
                              reason: {type: string}
                              evidence:
                                type: array
                                items:
                                  type: object
                                  properties: {text: {type: string}, url: {type: [string, "null"]}}
        "400": {$ref: "#/components/responses/Error"}
    """
    only = request.args.get("report")
    if only and only not in REPORT_IDS:
        return api_error(400, "bad_request", f"unknown report {only!r}; use one of {', '.join(REPORT_IDS)}")
    data = cached_gaps()
    if only:
        data = {**data, "reports": [r for r in data["reports"] if r["id"] == only]}
    return jsonify(data)


# -- wiring --------------------------------------------------------------------------------------------
class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, its cookie marked Secure whenever the request came over HTTPS."""

    def open_session(self, app: Flask, request):  # type: ignore[no-untyped-def, override]
        """As Flask's, without making a signing serializer for the many requests that carry no cookie."""
        if app.secret_key and (
            "HTTP_COOKIE" not in request.environ or not request.cookies.get(self.get_cookie_name(app))
        ):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session, response) -> None:  # type: ignore[no-untyped-def, override]
        """As Flask's; a session never touched, and empty, writes nothing (most requests)."""
        if not session and not session.modified and not session.accessed:
            return
        super().save_session(app, session, response)

    def get_cookie_secure(self, app: Flask) -> bool:
        if app.config.get("SESSION_COOKIE_SECURE"):
            return True
        return has_request_context() and request.is_secure


def init_app(app: Flask) -> None:
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)  # only editor routes call csrf.protect()
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", LOGIN_HOURS * 3600)
    app.session_interface = SessionInterface()
    csrf.init_app(app)
    app.extensions["kg_login_limit"] = LoginLimit()  # one counter per app (and worker process)
    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
