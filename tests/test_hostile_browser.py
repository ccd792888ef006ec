"""Hostile text everywhere, in headless Chromium: shown as text, never run.

The store is built from the hostile corpus (tests/hostile_corpus.py: every payload of
tests/fixtures/hostile/payloads.json in glossary labels, aliases and definitions, episode titles,
summaries, takeaways, chapters, reading lists, review topics and paragraphs). Before any page
script, each page gets ``window.__kgxss(name)`` (a payload that runs calls it), a recorder of CSP
violations (``securitypolicyviolation``: an injected inline script, style or outside load would
raise one) and a dialog handler (``alert``). Then:

* every page that holds a payload (found by crawling the app) is opened: nothing ran, no CSP
  violation, no JavaScript error, no element or attribute a payload could have brought, no link
  that is not http(s);
* the term and episode pages show each stored value exactly as text;
* every hostile term's tooltip on the review page shows its label and definition as text;
* the embed script on a host page with a strict CSP links the hostile terms and its tooltips show
  them as text;
* graph labels and hover titles are the plain strings, and hovering a node shows them as text.
"""

from __future__ import annotations

import functools
import http.server
import json
import threading
import urllib.request

import pytest
from hostile_corpus import alias, episode_id, payloads, term_id
from page_audit import crawl
from playwright.sync_api import expect

from conftest import Server

INIT = """
window.__kgxssHits = [];
window.__kgxss = function (name) { window.__kgxssHits.push(String(name)); };
window.__kgcsp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__kgcsp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sample || ''));
}, true);
"""

# What a payload could have put into the DOM (the app's own pages have none of it).
DOM_PROBLEMS = """(origins) => {
  const own = o => o === location.origin || origins.includes(o);
  const bad = [];
  const say = (what, el) => bad.push(what + ': ' + (el.outerHTML || '').slice(0, 100));
  document.querySelectorAll('img, svg, iframe, object, embed, math, base, frame, style, meta[http-equiv]')
    .forEach(el => say('element', el));
  document.querySelectorAll('link[href]').forEach(el => {
    if (!own(new URL(el.href).origin)) say('foreign link', el);
  });
  document.querySelectorAll('script').forEach(s => {
    if (s.src) { if (!own(new URL(s.src).origin)) say('foreign script', s); }
    else if (!['application/json', 'application/ld+json'].includes(s.type)) say('inline script', s);
  });
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      if (/^on/i.test(a.name)) say('handler ' + a.name, el);
      if (/^(href|src|action|formaction|xlink:href|data|poster|srcset)$/i.test(a.name)
          && /^\\s*(javascript|data|vbscript|file):/i.test(a.value.replace(/[\\t\\n\\r]/g, ''))) say('url', el);
    }
  }
  document.querySelectorAll('a[href], area[href]').forEach(a => {
    if (!/^https?:$/.test(new URL(a.href, location.href).protocol)) say('link protocol', a);
  });
  return bad;
}"""


def api(server, path: str):
    with urllib.request.urlopen(server.url + path, timeout=30) as resp:
        return json.loads(resp.read())


class Guarded:
    """A page with the payload recorder, the CSP recorder and a dialog handler installed before any script."""

    def __init__(self, session, install: bool = True):
        self.session = session
        if install:  # once per context: it runs in every page and frame of it
            session.context.add_init_script(INIT)
        self.page = session.new_page()
        self.dialogs: list[str] = []
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.console: list[str] = []
        self.page.on("console", lambda m: self.console.append(m.text) if m.type == "error" else None)

    def goto(self, url: str) -> None:
        self.page.goto(url, wait_until="load")

    def check(self, where: str, origins: tuple[str, ...] = ()) -> None:
        hits = self.page.evaluate("window.__kgxssHits")
        csp = self.page.evaluate("window.__kgcsp")
        dom = self.page.evaluate(DOM_PROBLEMS, list(origins))
        assert hits == [], f"{where}: payloads ran: {hits}"
        assert self.dialogs == [], f"{where}: dialogs opened: {self.dialogs}"
        assert csp == [], f"{where}: CSP violations: {csp}"
        assert dom == [], f"{where}: {dom}"
        assert self.session.errors == [], f"{where}: JavaScript errors: {self.session.errors}"
        # failed loads of the app's own files would be console errors; payload-made ones are caught above
        assert not [c for c in self.console if "Content Security Policy" in c or "Refused" in c], self.console


@pytest.fixture(scope="module")
def hostile_page_paths(hostile_corpus_server) -> list[str]:
    """Every page of the hostile store that holds a payload (and the list pages)."""
    pages = crawl(hostile_corpus_server.url)
    marked = [p for p, html in pages.items() if "zz-hostile" in html or "Hostile" in html or "hostile-" in p]
    assert len(marked) > 3 * len(payloads())
    # a paper page shows only the titles of the episodes that cite it, which their own pages show too:
    # the papers of every fourth hostile episode stand for the rest (the static audit reads them all)
    papers = [p for p in marked if p.startswith("/papers/")]
    keep = {p for p in papers if p[-2:].isdigit() and int(p[-2:]) % 4 == 0}
    return sorted(p for p in marked if not p.startswith("/papers/") or p in keep)


def test_no_payload_runs_on_any_page(hostile_corpus_server, hostile_page_paths, browser_session):
    session = browser_session(viewport={"width": 1100, "height": 800})
    tabs = [Guarded(session, install=(i == 0)) for i in range(3)]  # three tabs load side by side
    graph = "section.kg-graph[data-state=stabilizing], section.kg-graph[data-state=ready]"
    for start in range(0, len(hostile_page_paths), len(tabs)):
        batch = list(zip(tabs, hostile_page_paths[start : start + len(tabs)], strict=False))
        for g, path in batch:
            g.page.goto(hostile_corpus_server.url + path, wait_until="commit")
        for g, path in batch:
            g.page.wait_for_load_state("load")
            if g.page.locator("section.kg-graph").count():  # the graph was made from its data (labels, titles)
                g.page.wait_for_selector(graph, state="attached", timeout=120_000)
            g.check(path)
    session.assert_local()


def test_term_and_episode_pages_show_every_value_as_text(hostile_corpus_server, browser_session):
    g = Guarded(browser_session())
    for i, p in enumerate(payloads()):
        term = api(hostile_corpus_server, f"/api/terms/{term_id(i)}")
        g.goto(f"{hostile_corpus_server.url}/terms/{term_id(i)}")
        expect(g.page.locator("main h1")).to_have_text(term["label"], use_inner_text=False)
        expect(g.page.locator("main .definition")).to_have_text(term["definition"], use_inner_text=False)
        assert term["label"].startswith(" ".join(p["text"].split()))
        ep = api(hostile_corpus_server, f"/api/episodes/{episode_id(i)}")
        g.goto(f"{hostile_corpus_server.url}/episodes/{episode_id(i)}")
        expect(g.page.locator("main h1")).to_have_text(ep["title"], use_inner_text=False)
        titles = g.page.locator("main li.chapter strong").all_text_contents()
        assert titles == [c["title"] for c in ep["chapters"]], p["name"]
        takeaways = g.page.locator("main section[aria-labelledby=h-take] li").all_text_contents()
        assert takeaways == ep["takeaways"], p["name"]
        g.check(f"{p['name']} pages")
    # the payload itself (escaped twice in the feed) arrives as the text of a title, unevaluated
    ep = api(hostile_corpus_server, "/api/episodes/" + episode_id(18))
    assert "{{7*7}}" in ep["title"] and "49" not in ep["title"]


def _open_tooltip(page, link):
    link.scroll_into_view_if_needed()
    link.focus()
    tip = page.locator('[role="tooltip"]')
    expect(tip.locator(".kg-tooltip-def")).to_be_visible()
    return tip


def test_every_hostile_tooltip_shows_label_and_definition_as_text(hostile_corpus_server, browser_session):
    g = Guarded(browser_session(viewport={"width": 1100, "height": 800}))
    g.goto(hostile_corpus_server.url + "/reviews/2026-06-28")
    g.page.keyboard.press("Tab")  # keyboard modality: focus() then opens the tooltip as the keyboard would
    for i, p in enumerate(payloads()):
        card = api(hostile_corpus_server, f"/api/terms/{term_id(i)}/card")
        link = g.page.locator(f'a.kg-term[data-term="{term_id(i)}"]').first
        expect(link).to_have_text(alias(i))
        tip = _open_tooltip(g.page, link)
        expect(tip.locator(".kg-tooltip-title")).to_have_text(card["label"], use_inner_text=False)
        expect(tip.locator(".kg-tooltip-def")).to_have_text(card["definition"], use_inner_text=False)
        assert tip.locator("img, svg, script, iframe, object, math, style").count() == 0, p["name"]
        g.page.keyboard.press("Escape")
        g.check(f"tooltip of {p['name']}")
    g.session.assert_local()


# -- the embed script on a host page ------------------------------------------------------------------


class _Host(http.server.SimpleHTTPRequestHandler):
    csp = ""

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", self.csp)
        super().end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def hostile_embed_site(hostile_corpus_store, tmp_path_factory):
    from xml.sax.saxutils import escape

    directory = tmp_path_factory.mktemp("hostile-host")
    handler = type("Handler", (_Host,), {})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(directory)))
    host = f"http://127.0.0.1:{httpd.server_address[1]}"
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    app = Server(hostile_corpus_store, extra_env={"KG_CORS_ORIGINS": host, "KG_SPARQL_QUOTA": "0"})
    handler.csp = (f"default-src 'none'; script-src {app.url}; style-src {app.url}; connect-src {app.url}; "
                   "img-src 'none'; base-uri 'none'; form-action 'none'")
    paragraphs = "".join(f"<p>Term {alias(i)} next to {escape(p['text'])}.</p>\n" for i, p in enumerate(payloads()))
    (directory / "review.html").write_text(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>host</title>'
        f'<script src="{app.url}/embed.js" data-kg-container="#review" defer></script></head>'
        f'<body><main><article id="review">{paragraphs}</article></main></body></html>',
        encoding="utf-8",
    )
    yield host, app
    app.stop()
    httpd.shutdown()
    httpd.server_close()


def test_the_embed_script_shows_hostile_terms_as_text(hostile_embed_site, browser_session):
    host, app = hostile_embed_site
    g = Guarded(browser_session(viewport={"width": 1000, "height": 800}))
    g.goto(host + "/review.html")
    expect(g.page.locator('#review a.kg-term[data-term^="zz-hostile-"]')).to_have_count(len(payloads()))
    g.page.keyboard.press("Tab")
    for i in range(len(payloads())):
        link = g.page.locator(f'#review a.kg-term[data-term="{term_id(i)}"]')
        expect(link).to_have_text(alias(i))
        assert link.get_attribute("href") == f"{app.url}/terms/{term_id(i)}"
        card = api(app, f"/api/terms/{term_id(i)}/card")
        tip = _open_tooltip(g.page, link)
        expect(tip.locator(".kg-tooltip-title")).to_have_text(card["label"], use_inner_text=False)
        expect(tip.locator(".kg-tooltip-def")).to_have_text(card["definition"], use_inner_text=False)
        g.page.keyboard.press("Escape")
    # the host's own text, payloads included, is still text: the script never parsed it as HTML
    texts = g.page.locator("#review p").all_text_contents()
    assert texts == [f"Term {alias(i)} next to {p['text']}." for i, p in enumerate(payloads())]
    g.check("embed host page", origins=(app.url,))


# -- graph labels and hover titles ---------------------------------------------------------------------


def test_graph_labels_and_titles_are_plain_text(hostile_corpus_server, browser_session):
    g = Guarded(browser_session(viewport={"width": 1200, "height": 900}))
    for i, p in enumerate(payloads()):
        label = api(hostile_corpus_server, f"/api/terms/{term_id(i)}")["label"]
        g.goto(f"{hostile_corpus_server.url}/terms/{term_id(i)}")
        g.page.wait_for_selector("section.kg-graph[data-state=ready]", state="attached", timeout=120_000)
        node = g.page.evaluate(
            """id => { const n = window.kgGraphs[0].nodes.get(id); if (!n) return null;
                       return {label: n.label, title: n.title.textContent, elements: n.title.children.length}; }""",
            f"term/{term_id(i)}",
        )
        assert node is not None, term_id(i)
        assert label.startswith(node["label"].removesuffix("\u2026"))  # long labels are cut on the canvas
        assert label in node["title"] and node["elements"] == 0
        if i % 8 == 0:  # hover the node: vis-network's tooltip holds the title element, text only
            canvas = g.page.locator(".kg-graph-canvas canvas")
            canvas.scroll_into_view_if_needed()
            box = canvas.bounding_box()
            where = "id => { const n = window.kgGraphs[0].network; return n.canvasToDOM(n.getPositions([id])[id]); }"
            pos = g.page.evaluate(where, f"term/{term_id(i)}")
            g.page.mouse.move(box["x"] + pos["x"], box["y"] + pos["y"])
            tip = g.page.locator("div.vis-tooltip .kg-graph-tip")
            expect(tip).to_have_text(node["title"], use_inner_text=False)
            assert tip.locator("*").count() == 0, p["name"]
            g.page.mouse.move(1, 1)
        g.check(f"graph of {p['name']}")
