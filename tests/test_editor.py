"""The editor over real HTTP: login, CSRF, cookie flags, rate limit, anonymous refusal, the gap dashboard."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest

from conftest import Server

USER, PASSWORD = "editor", "correct horse battery staple"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    """A browser-like client: keeps cookies, does not follow redirects, sends extra headers if asked."""

    def __init__(self, base: str, headers: dict | None = None):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)
        self.headers = headers or {}

    def request(self, method: str, path: str, form: dict | None = None, headers: dict | None = None):
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        all_headers = {**self.headers, **(headers or {})}
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=all_headers)
        try:
            with self.opener.open(req, timeout=20) as resp:
                return resp.status, resp.read().decode(), resp.headers
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode(), err.headers

    def token(self, path: str = "/editor/login") -> str:
        status, html, _ = self.request("GET", path)
        assert status == 200, html
        return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

    def attempt(self, password: str, token: str | None = None):
        form = {"user": USER, "password": password, "csrf_token": token or self.token()}
        return self.request("POST", "/editor/login", form)

    def login(self) -> None:
        status, _, headers = self.attempt(PASSWORD)
        assert status == 303 and headers["Location"].endswith("/editor/")


@pytest.fixture(scope="module")
def editor_server(sample_store):
    srv = Server(
        sample_store,
        extra_env={"KG_EDITOR_USER": USER, "KG_EDITOR_PASSWORD": PASSWORD, "KG_EDITOR_LOGIN_RATE": "100 per minute",
                   "KG_SECRET_KEY": "test-secret-key-not-for-production"},
    )
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def strict_server(sample_store):
    srv = Server(
        sample_store,
        extra_env={"KG_EDITOR_USER": USER, "KG_EDITOR_PASSWORD": PASSWORD, "KG_EDITOR_LOGIN_RATE": "3 per minute"},
    )
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def proxied_server(sample_store):
    srv = Server(
        sample_store,
        extra_env={"KG_EDITOR_USER": USER, "KG_EDITOR_PASSWORD": PASSWORD, "KG_TRUSTED_PROXIES": "1",
                   "KG_EDITOR_LOGIN_RATE": "100 per minute"},
    )
    yield srv
    srv.stop()


def editor_routes() -> list[tuple[str, str]]:
    """Every (method, path) of the editor blueprint, read off the real app, so new routes are covered too."""
    from kgweb import create_app

    app = create_app({"STORE": "unused"})
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("editor."):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                out.append((method, rule.rule))
    return out


def test_the_editor_has_routes():
    routes = editor_routes()
    assert ("GET", "/editor/") in routes and ("POST", "/editor/logout") in routes


def test_disabled_while_unset(server):
    client = Client(server.url)
    for method, path in editor_routes():
        status, html, _ = client.request(method, path, {} if method == "POST" else None)
        assert status == 404, (method, path)
    assert "KG_EDITOR_USER" in client.request("GET", "/editor/")[1]


def test_anonymous_is_refused_on_every_editor_route(editor_server):
    client = Client(editor_server.url)
    for method, path in editor_routes():
        if path == "/editor/login":
            continue
        status, _, headers = client.request(method, path, {} if method == "POST" else None)
        if method == "GET":
            assert status == 303 and "/editor/login" in headers["Location"], path
            # … and the page it redirects from is not shown
        else:
            assert status == 401, (method, path)
    # a forged session cookie is no way in either
    forged = Client(editor_server.url, headers={"Cookie": "session=eyJlZGl0b3IiOiJlZGl0b3IifQ.forged.sig"})
    status, _, headers = forged.request("GET", "/editor/")
    assert status == 303 and "/editor/login" in headers["Location"]


def test_login_and_logout_need_a_csrf_token(editor_server):
    client = Client(editor_server.url)
    client.token()  # session cookie with a token exists, but the form leaves it out
    status, html, _ = client.request("POST", "/editor/login", {"user": USER, "password": PASSWORD})
    assert status == 400 and "CSRF" in html
    status, _, _ = client.request("POST", "/editor/login", {"user": USER, "password": PASSWORD, "csrf_token": "bogus"})
    assert status == 400
    client.login()
    status, html, _ = client.request("GET", "/editor/")
    assert status == 200 and "Coverage gaps" in html
    status, _, _ = client.request("POST", "/editor/logout", {})
    assert status == 400  # no token: still signed in
    assert client.request("GET", "/editor/")[0] == 200
    token = client.token("/editor/")
    status, _, headers = client.request("POST", "/editor/logout", {"csrf_token": token})
    assert status == 303 and headers["Location"].endswith("/editor/login")
    assert client.request("GET", "/editor/")[0] == 303


def test_session_cookie_flags_over_http(editor_server):
    client = Client(editor_server.url)
    _, _, headers = client.request("GET", "/editor/login")
    cookie = headers["Set-Cookie"]
    assert cookie.startswith("session=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP on 127.0.0.1


def test_forwarded_proto_is_ignored_unless_a_proxy_is_trusted(editor_server, proxied_server):
    _, _, headers = Client(editor_server.url, {"X-Forwarded-Proto": "https"}).request("GET", "/editor/login")
    assert "Secure" not in headers["Set-Cookie"]
    _, _, headers = Client(proxied_server.url, {"X-Forwarded-Proto": "https"}).request("GET", "/editor/login")
    cookie = headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_wrong_password_and_rate_limit(strict_server):
    # X-Forwarded-For is not trusted here (KG_TRUSTED_PROXIES=0): the limit counts the real peer address
    client = Client(strict_server.url, {"X-Forwarded-For": "203.0.113.9"})
    token = client.token()
    codes = []
    for password in ("wrong", PASSWORD + " ", PASSWORD.upper()):
        status, html, _ = client.attempt(password, token)
        codes.append(status)
        assert "do not match" in html
    assert codes == [401, 401, 401]
    # the fourth attempt is refused before the password is even looked at, right one or not
    status, html, headers = client.attempt(PASSWORD, token)
    assert status == 429 and int(headers["Retry-After"]) > 0
    assert "Too Many Requests" in html
    other = Client(strict_server.url, {"X-Forwarded-For": "198.51.100.1"})  # a new header is no new client
    status, _, _ = other.attempt(PASSWORD)
    assert status == 429
    assert client.request("GET", "/editor/login")[0] == 200  # only login attempts are limited


def test_editor_dashboard_lists_gaps_with_evidence_and_links(editor_server):
    client = Client(editor_server.url, {"X-Forwarded-For": "198.51.100.7"})
    client.login()
    status, html, headers = client.request("GET", "/editor/")
    assert status == 200 and headers["Cache-Control"] == "no-store"
    papers = html.split('data-report="uncovered-papers"')[1].split("</section>")[0]
    assert 'data-count="2"' in html.split('data-report="uncovered-papers"')[1][:40]
    assert 'href="/papers/arxiv/2305.18290"' in papers and 'href="/papers/arxiv/2305.20050"' in papers
    assert 'href="/episodes/E172#h-reading"' in papers and 'href="/episodes/E173#h-reading"' in papers
    assert "recommended by 2 episodes, covered by none" in papers
    for rid in ("terms", "unexplained-terms", "quiet-topics", "thin-episodes", "broken-references"):
        assert f'data-report="{rid}"' in html
    assert 'href="/api/gaps"' in html
    assert re.search(r'<form method="post" action="/editor/logout"><input type="hidden" name="csrf_token"', html)
    status, html, _ = client.request("GET", "/editor/?report=thin-episodes")
    assert status == 200 and 'data-report="thin-episodes"' in html and 'data-report="terms"' not in html


def test_next_only_redirects_inside_the_editor(editor_server):
    client = Client(editor_server.url, {"X-Forwarded-For": "192.0.2.44"})
    token = client.token()
    status, _, headers = client.request(
        "POST", "/editor/login?next=//evil.example/x", {"user": USER, "password": PASSWORD, "csrf_token": token}
    )
    assert status == 303 and headers["Location"].endswith("/editor/") and "evil" not in headers["Location"]
