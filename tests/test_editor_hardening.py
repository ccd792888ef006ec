"""Editor security, the gaps tests/test_editor.py leaves: every state-changing request of the whole app,
tokens bound to their session, cookie flags on the login response, and a cross-site form in a real browser.

* every route that accepts POST/PUT/PATCH/DELETE is either an editor route (signed-in users only, CSRF
  token required: 400 without, with a wrong one or with another session's) or one of the public,
  read-only endpoints (``POST /api/annotate``, ``POST /sparql``) that read no cookie and set none;
* the cookie a successful login sets is ``HttpOnly`` and ``SameSite=Lax`` (and ``Secure`` over HTTPS, where
  a request whose Referer is another site is refused even with the token);
* a page on another origin (another port: the same *site*, so SameSite does not stop it) that submits a
  form to the editor cannot sign the editor out or in: the token is missing.
"""

from __future__ import annotations

import functools
import http.server
import re
import threading

import pytest
from playwright.sync_api import expect
from test_editor import PASSWORD, USER, Client, editor_routes

from conftest import Server

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
PUBLIC_READ_ONLY = {"api.annotate", "sparql.sparql"}  # take a body, change nothing, read no cookie


@pytest.fixture(scope="module")
def editor_app(sample_store, tmp_path_factory):
    srv = Server(
        sample_store,
        extra_env={"KG_EDITOR_USER": USER, "KG_EDITOR_PASSWORD": PASSWORD, "KG_EDITOR_LOGIN_RATE": "1000 per minute",
                   "KG_SECRET_KEY": "hardening-test-key", "KG_SPARQL_QUOTA": "0"},
        log_dir=tmp_path_factory.mktemp("editor-hardening"),
    )
    yield srv
    srv.stop()


def app_routes() -> list[tuple[str, str, str]]:
    from kgweb import create_app

    app = create_app({"STORE": "unused"})
    return [(m, r.rule, r.endpoint) for r in app.url_map.iter_rules() for m in sorted(r.methods & STATE_CHANGING)]


def test_every_state_changing_route_is_an_editor_route_or_public_and_read_only():
    unknown = [(m, rule, ep) for m, rule, ep in app_routes() if not ep.startswith("editor.")
               and ep not in PUBLIC_READ_ONLY]
    assert unknown == [], f"new state-changing routes need the editor's guard and CSRF token: {unknown}"
    assert any(ep.startswith("editor.") for _, _, ep in app_routes())


def test_every_state_changing_editor_request_needs_this_sessions_token(editor_app):
    client = Client(editor_app.url, {"X-Forwarded-For": "198.51.100.20"})
    client.login()
    other = Client(editor_app.url)
    foreign_token = other.token()  # valid, but for another session
    posts = [(m, p) for m, p in editor_routes() if m in STATE_CHANGING]
    assert posts
    for method, path in posts:
        for form in ({}, {"csrf_token": "bogus"}, {"csrf_token": foreign_token}):
            status, body, _ = client.request(method, path, form)
            assert status == 400 and "CSRF" in body, (method, path, form, status)
        assert client.request("GET", "/editor/")[0] == 200, "a refused request changed nothing: still signed in"
    # the login form itself: a valid user and password without this session's token are refused
    fresh = Client(editor_app.url)
    fresh.token()
    status, body, _ = fresh.request("POST", "/editor/login", {"user": USER, "password": PASSWORD,
                                                               "csrf_token": foreign_token})
    assert status == 400 and "CSRF" in body


def test_public_post_endpoints_read_and_set_no_cookie(editor_app):
    signed = Client(editor_app.url)
    signed.login()
    cookie = "; ".join(f"{c.name}={c.value}" for c in signed.jar)
    for path, body, ctype in (
        ("/api/annotate", b'{"text": "speculative decoding"}', "application/json"),
        ("/sparql", b"query=ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D", "application/x-www-form-urlencoded"),
    ):
        import urllib.request

        answers = []
        for extra in ({}, {"Cookie": cookie}):
            req = urllib.request.Request(editor_app.url + path, data=body, method="POST",
                                         headers={"Content-Type": ctype, **extra})
            with urllib.request.urlopen(req, timeout=30) as resp:
                assert resp.headers.get("Set-Cookie") is None, path
                answers.append((resp.status, resp.read()))
        assert answers[0] == answers[1] and answers[0][0] == 200, path  # a session makes no difference


def test_the_login_response_sets_a_cookie_with_every_flag(editor_app, sample_store, tmp_path):
    client = Client(editor_app.url, {"X-Forwarded-For": "198.51.100.21"})
    token = client.token()
    status, _, headers = client.request("POST", "/editor/login", {"user": USER, "password": PASSWORD,
                                                                   "csrf_token": token})
    cookie = headers["Set-Cookie"]
    assert status == 303 and cookie.startswith("session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie  # plain HTTP here
    behind_tls = Server(sample_store, extra_env={"KG_EDITOR_USER": USER, "KG_EDITOR_PASSWORD": PASSWORD,
                                                 "KG_TRUSTED_PROXIES": "1"}, log_dir=tmp_path)
    try:
        https = Client(behind_tls.url, {"X-Forwarded-Proto": "https"})
        status, page, headers = https.request("GET", "/editor/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        first = headers["Set-Cookie"].split(";")[0]  # a Secure cookie: the jar keeps it from plain HTTP
        host = behind_tls.url.removeprefix("http://")
        status, _, headers = https.request(
            "POST", "/editor/login", {"user": USER, "password": PASSWORD, "csrf_token": token},
            {"Cookie": first, "Referer": f"https://{host}/editor/login"},  # Flask-WTF checks it over HTTPS
        )
        cookie = headers["Set-Cookie"]
        assert status == 303 and "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        # over HTTPS the token alone is not enough: the request must come from the app's own pages
        status, body, _ = https.request(
            "POST", "/editor/login", {"user": USER, "password": PASSWORD, "csrf_token": token},
            {"Cookie": first, "Referer": "https://evil.example/"},
        )
        assert status == 400 and "referrer" in body.lower()
    finally:
        behind_tls.stop()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def evil_site(tmp_path):
    """Another origin on 127.0.0.1 (another port: the same site) that can serve attack pages."""
    handler = functools.partial(_Quiet, directory=str(tmp_path))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", tmp_path
    httpd.shutdown()
    httpd.server_close()


def test_a_cross_site_form_cannot_sign_the_editor_out_or_in(editor_app, evil_site, browser_session):
    evil, directory = evil_site
    session = browser_session()
    page = session.new_page()
    page.goto(editor_app.url + "/editor/login")
    page.fill("#editor-user", USER)
    page.fill("#editor-password", PASSWORD)
    page.click("form.editor-login button")
    expect(page).to_have_url(editor_app.url + "/editor/")
    expect(page.locator("h1")).to_contain_text("Coverage gaps")
    for name, action, fields in (
        ("logout.html", "/editor/logout", ""),
        ("login.html", "/editor/login", f'<input name="user" value="{USER}"><input name="password" value="x">'),
    ):
        (directory / name).write_text(
            f'<!DOCTYPE html><html><body><form method="post" action="{editor_app.url}{action}">{fields}</form>'
            "<script>document.forms[0].submit()</script></body></html>",
            encoding="utf-8",
        )
        with page.expect_navigation(url=editor_app.url + action):
            page.goto(f"{evil}/{name}")
        expect(page.locator("body")).to_contain_text("CSRF")
        page.goto(editor_app.url + "/editor/")
        expect(page).to_have_url(editor_app.url + "/editor/")  # still signed in, as the editor
        expect(page.locator("h1")).to_contain_text("Coverage gaps")
