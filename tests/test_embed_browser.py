"""/embed.js on a page of "the podcast's own site": a plain static page served from another port
(a tiny http.server) with a strict Content-Security-Policy, and the app told to allow that origin
(KG_CORS_ORIGINS). The script finds the container's text, asks POST /api/annotate (UTF-16
offsets), wraps the matches without touching other markup, and shows the same tooltips.
"""

from __future__ import annotations

import functools
import http.server
import json
import threading
import urllib.request

import pytest
from playwright.sync_api import expect

from conftest import Server

# Markup of the host's review: terms next to emoji and other characters outside the BMP (two
# UTF-16 units each), terms inside code, a link and headings (never linked), text that looks like
# markup, attributes that hold a term, and a section with one term twice (linked once).
ARTICLE = """
<h1>Speculative decoding, this week</h1>
<p class="intro" data-note="speculative decoding" title="speculative decoding">\U0001f680 speculative decoding \
made one user faster; see <a href="/elsewhere">speculative decoding explained</a>.</p>
<p>Code stays code: <code>speculative decoding</code>. Text that looks like markup stays text: \
&lt;img src=x onerror="window.__xss=1"&gt; and a <em>draft model</em> guesses \U0001d465 tokens ahead \
\U0001f600\U0001f600 then rejection sampling keeps the good ones.</p>
<section>
<h2>Agents and tool calling</h2>
<p>An agent uses tool calling to act. The agent then checks its work.</p>
</section>
"""


def host_csp(app_origin: str) -> str:
    return (
        f"default-src 'none'; script-src {app_origin}; style-src {app_origin}; connect-src {app_origin}; "
        "img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def host_page(app_origin: str) -> str:
    meta_csp = host_csp(app_origin).replace("; frame-ancestors 'none'", "")  # not allowed in <meta>
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{meta_csp}">
<title>Week in review · the podcast's site</title>
<script src="{app_origin}/embed.js" data-kg-container="#review" defer></script>
</head>
<body>
<main>
<article id="review">{ARTICLE}</article>
<template id="control">{ARTICLE}</template>
</main>
</body>
</html>
"""


class HostHandler(http.server.SimpleHTTPRequestHandler):
    csp = ""

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", self.csp)
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def log_message(self, *args) -> None:  # quiet
        pass


@pytest.fixture(scope="module")
def embed_site(sample_store, tmp_path_factory):
    """(host origin, app Server): the static host page and the app that allows it."""
    directory = tmp_path_factory.mktemp("host")
    handler = type("Handler", (HostHandler,), {})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(directory)))
    host = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    app = Server(sample_store, extra_env={"KG_CORS_ORIGINS": host})
    handler.csp = host_csp(app.url)
    (directory / "review.html").write_text(host_page(app.url), encoding="utf-8")
    yield host, app
    app.stop()
    httpd.shutdown()
    httpd.server_close()


RECORD_CSP = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
});
"""

UNWRAPPED = """() => {
  const copy = document.getElementById('review').cloneNode(true);
  copy.querySelectorAll('a.kg-term').forEach(a => a.replaceWith(...a.childNodes));
  return copy.innerHTML;
}"""


def card(app, slug: str) -> dict:
    with urllib.request.urlopen(f"{app.url}/api/terms/{slug}/card", timeout=10) as resp:
        return json.loads(resp.read())


def test_embed_links_terms_on_a_strict_csp_page_from_another_origin(embed_site, browser_session):
    host, app = embed_site
    session = browser_session(viewport={"width": 1000, "height": 800})
    session.context.add_init_script(RECORD_CSP)
    page = session.new_page()
    page.clock.install()
    page.goto(host + "/review.html")
    review = page.locator("#review")
    expect(review.locator('a.kg-term[data-term="rejection-sampling"]')).to_have_text("rejection sampling")
    links = page.evaluate(
        "[...document.querySelectorAll('#review a.kg-term')].map(a => [a.textContent, a.dataset.term, a.href])"
    )
    texts = [(t, s) for t, s, _ in links]
    # the term right after an emoji, and the one after three characters outside the BMP, exactly
    assert texts[0] == ("speculative decoding", "speculative-decoding")
    assert ("draft model", "draft-model") in texts  # inside <em>: a text node like any other
    assert ("tool calling", "tool-calling") in texts
    assert [t for t in texts if t[1] == "agent"] == [("agent", "agent")]  # first mention per section
    assert texts.count(("speculative decoding", "speculative-decoding")) == 1  # not in <a>, <code>, <h1>
    assert all(href == f"{app.url}/terms/{slug}" for _, slug, href in links)
    assert review.locator("h1 a, h2 a, code a, a a").count() == 0
    # nothing but the wrapping changed: unwrap the links and the markup is the page's own again
    assert page.evaluate(UNWRAPPED) == page.evaluate("document.getElementById('control').innerHTML")
    assert page.evaluate("window.__xss") is None
    # hovering a term opens the tooltip with the card's definition, links pointing at the app
    link = review.locator('a.kg-term[data-term="rejection-sampling"]')
    link.hover()
    page.clock.run_for(300)
    tip = page.locator('[role="tooltip"]')
    expect(tip.locator(".kg-tooltip-def")).to_have_text(card(app, "rejection-sampling")["definition"])
    assert link.get_attribute("aria-describedby") == tip.get_attribute("id")
    for href in tip.locator("a").evaluate_all("links => links.map(a => a.href)"):
        assert href.startswith(app.url + "/"), href
    page.keyboard.press("Escape")
    expect(tip).to_be_hidden()
    # no CSP violation: styles come from embed.css, positions are set through the CSSOM
    assert page.evaluate("window.__csp") == []
    # the reader's switch, placed before the container, remembered on the host's origin
    switch = page.get_by_role("switch", name="Term previews")
    switch.click()
    expect(switch).to_have_attribute("aria-checked", "false")
    page.reload()
    expect(review.locator("a.kg-term").first).to_be_attached()
    expect(page.get_by_role("switch", name="Term previews")).to_have_attribute("aria-checked", "false")
    assert page.evaluate("window.__csp") == []
    # (and the recorder does see a violation when there is one)
    page.evaluate("document.body.setAttribute('style', 'color: red')")
    for _ in range(100):
        if page.evaluate("window.__csp.length"):
            break
        page.wait_for_timeout(20)
    assert set(page.evaluate("window.__csp")) == {"style-src-attr inline"}  # once per policy (header, meta)
    requests = session.requests
    assert any(u == f"{app.url}/api/annotate" for u in requests)
    assert any(u.startswith(f"{app.url}/api/terms/rejection-sampling/card") for u in requests)
    session.assert_local()


def test_annotate_cors_answers_only_the_listed_origin(embed_site):
    host, app = embed_site

    def preflight(origin: str) -> dict:
        req = urllib.request.Request(
            app.url + "/api/annotate",
            method="OPTIONS",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            return {"status": resp.status, **{k.lower(): v for k, v in resp.headers.items()}}

    ok = preflight(host)
    assert ok["status"] == 204
    assert ok["access-control-allow-origin"] == host
    assert "POST" in ok["access-control-allow-methods"]
    assert "content-type" in ok["access-control-allow-headers"].lower()
    assert "Origin" in ok["vary"]
    other = preflight("http://127.0.0.1:9")
    assert "access-control-allow-origin" not in other
    body = json.dumps({"text": "speculative decoding", "offsets": "utf16"}).encode()
    for origin, allowed in ((host, True), ("https://evil.example", False)):
        req = urllib.request.Request(
            app.url + "/api/annotate",
            data=body,
            method="POST",
            headers={"Origin": origin, "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            headers = {k.lower(): v for k, v in resp.headers.items()}
            assert json.loads(resp.read())["spans"][0]["term"] == "speculative-decoding"
        assert (headers.get("access-control-allow-origin") == host) is allowed
        assert "Origin" in headers["vary"]
    with urllib.request.urlopen(app.url + "/embed.js", timeout=10) as resp:
        assert resp.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
        assert resp.headers["Content-Type"].startswith("text/javascript")


def test_axe_embed_page(embed_site, browser_session):
    from test_accessibility import axe_violations

    host, app = embed_site
    session = browser_session(bypass_csp=True)  # axe is injected inline
    page = session.new_page()
    page.goto(host + "/review.html")
    link = page.locator('#review a.kg-term[data-term="rejection-sampling"]')
    link.hover()
    expect(page.locator('[role="tooltip"] .kg-tooltip-def')).to_be_visible()
    assert axe_violations(page) == []
    session.assert_local()


def test_embed_tooltip_fits_a_phone_and_opens_on_tap(embed_site, browser_session):
    host, app = embed_site
    session = browser_session(viewport={"width": 360, "height": 640}, has_touch=True, is_mobile=True)
    page = session.new_page()
    page.goto(host + "/review.html")
    link = page.locator('#review a.kg-term[data-term="draft-model"]')
    link.tap()
    tip = page.locator('[role="tooltip"]')
    expect(tip.locator(".kg-tooltip-def")).to_have_text(card(app, "draft-model")["definition"])
    box = tip.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 360  # the host page sets no box-sizing
    assert page.url == host + "/review.html"
    link.tap()
    expect(page).to_have_url(f"{app.url}/terms/draft-model")
    session.assert_local()
