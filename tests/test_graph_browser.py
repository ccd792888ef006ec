"""The graph in headless Chromium: it draws its nodes, clicks expand and double-clicks open, filters work,
labels stay text, no request leaves 127.0.0.1, and a 1,000-node graph settles and stays usable."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from synth_graph import write_corpus

from conftest import Server, kg_cmd


class Watched:
    """A page that refuses and records every request not to the server, and records errors."""

    def __init__(self, browser, base: str):
        self.base = base
        self.context = browser.new_context(viewport={"width": 1200, "height": 900})
        self.page = self.context.new_page()
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.failed: list[str] = []
        self.dialogs: list[str] = []
        self.page.route("**/*", self._route)
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("response", lambda r: self.failed.append(r.url) if r.status >= 400 else None)
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def _route(self, route):
        url = route.request.url
        if url.startswith(self.base + "/") or url == self.base:
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def goto(self, path: str, timeout: float = 60_000):
        self.page.goto(self.base + path)
        self.page.wait_for_selector("section.kg-graph[data-state=ready]", state="attached", timeout=timeout)
        return self.page.locator("section.kg-graph")

    def js(self, expr: str, arg=None):
        return self.page.evaluate(expr, arg)

    def node_point(self, node_id: str) -> tuple[float, float]:
        """Where a node is drawn, in viewport coordinates (the canvas scrolled into view first)."""
        canvas = self.page.locator(".kg-graph-canvas canvas")
        canvas.scroll_into_view_if_needed()
        box = canvas.bounding_box()
        pos = self.js(
            """id => { const g = window.kgGraphs[0]; const p = g.network.getPositions([id])[id];
                      return g.network.canvasToDOM(p); }""",
            node_id,
        )
        return box["x"] + pos["x"], box["y"] + pos["y"]

    def clean(self) -> None:
        assert self.outside == [], f"requests left 127.0.0.1: {self.outside}"
        assert [u for u in self.failed if not u.endswith("/favicon.ico")] == []
        assert not [e for e in self.errors if "Content Security Policy" in e or "Refused" in e], self.errors
        assert not [e for e in self.errors if "404" not in e], self.errors
        self.context.close()


def test_paper_graph_draws_its_nodes_and_settles(browser, server):
    w = Watched(browser, server.url)
    section = w.goto("/papers/arxiv/2305.18290")
    assert section.get_attribute("data-physics") == "off"
    assert section.get_attribute("data-nodes") == "8"
    drawn = w.js("() => Object.keys(window.kgGraphs[0].network.getPositions()).length")
    assert drawn == 8
    assert w.js("() => window.kgGraphs[0].network.physics.options.enabled") is False
    ids = set(w.js("() => window.kgGraphs[0].nodes.getIds()"))
    assert {"paper/arxiv/2305.18290", "episode/E172", "episode/E173", "paper/arxiv/2305.20050"} <= ids
    assert "8 nodes and 20 connections shown." in w.page.locator(".kg-graph-status").inner_text()
    # the legend doubles as the kind filter, built from the data
    assert w.page.locator(".kg-graph-filters input[data-kind]").count() == 2
    w.clean()


def test_click_expands_a_node_and_shows_its_details(browser, server):
    w = Watched(browser, server.url)
    section = w.goto("/papers/arxiv/2305.18290")
    before = int(section.get_attribute("data-nodes"))
    with w.page.expect_response(lambda r: "/api/graph?" in r.url and "focus=episode%2FE172" in r.url and r.ok):
        w.page.mouse.click(*w.node_point("episode/E172"))
    w.page.wait_for_function(
        "() => document.querySelector('section.kg-graph').getAttribute('data-state') === 'ready'"
        " && (document.querySelector('section.kg-graph').getAttribute('data-expanded') || '').includes('episode/E172')"
    )
    assert section.get_attribute("data-selected") == "episode/E172"
    after = int(section.get_attribute("data-nodes"))
    assert after > before + 20  # E172's chapters' terms, its source paper, its topic, related episodes …
    assert w.js("() => window.kgGraphs[0].nodes.get('paper/arxiv/2606.25524') !== null")  # the paper it covers
    details = w.page.locator(".kg-graph-details")
    assert details.is_visible()
    assert "One Bad Token Can Sink a Model's Math" in details.locator(".kg-graph-name").inner_text()
    assert details.locator(".kg-graph-open").get_attribute("href") == "/episodes/E172"
    w.clean()


def test_double_click_opens_the_node_page(browser, server):
    w = Watched(browser, server.url)
    w.goto("/papers/arxiv/2305.18290")
    with w.page.expect_navigation():
        w.page.mouse.dblclick(*w.node_point("episode/E173"))
    assert w.page.url == server.url + "/episodes/E173"
    w.clean()


def test_find_and_open_without_a_mouse(browser, server):
    w = Watched(browser, server.url)
    section = w.goto("/papers/arxiv/2305.18290")
    w.page.select_option(".kg-graph-find", "paper/arxiv/2305.20050")
    assert section.get_attribute("data-selected") == "paper/arxiv/2305.20050"
    link = w.page.locator(".kg-graph-open")
    assert link.get_attribute("href") == "/papers/arxiv/2305.20050"
    link.focus()
    with w.page.expect_navigation():
        w.page.keyboard.press("Enter")
    assert w.page.url.endswith("/papers/arxiv/2305.20050")
    w.clean()


def test_kind_filters_hide_and_show_nodes(browser, server):
    w = Watched(browser, server.url)
    section = w.goto("/graph?kinds=episode,paper,topic")
    total = int(section.get_attribute("data-nodes"))
    assert total == 18 + 32 + 9
    w.page.locator(".kg-graph-filters input[data-kind=paper]").uncheck()
    assert section.get_attribute("data-visible-nodes") == str(total - 32)
    hidden = w.js("() => window.kgGraphs[0].nodes.get({filter: n => n.hidden}).map(n => n.kind)")
    assert hidden and set(hidden) == {"paper"} and len(hidden) == 32
    assert "(32 hidden by the filters)" in w.page.locator(".kg-graph-status").inner_text()
    w.page.locator(".kg-graph-filters input[data-kind=paper]").check()
    assert section.get_attribute("data-visible-nodes") == str(total)
    w.clean()


HOSTILE = '<img src=x onerror="window.__xss=1">'


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    sample = Path(__file__).resolve().parent.parent / "data" / "sample"
    data = root / "data"
    shutil.copytree(sample, data)
    glossary = (data / "glossary.yaml").read_text(encoding="utf-8")
    glossary = glossary.replace("label: large language model", f"label: '{HOSTILE} large model'", 1)
    (data / "glossary.yaml").write_text(glossary, encoding="utf-8")
    store = root / "kg"
    kg_cmd("build", "--data", str(data), "--store", str(store))
    srv = Server(store)
    yield srv
    srv.stop()


def test_hostile_labels_stay_text(browser, hostile_server):
    w = Watched(browser, hostile_server.url)
    w.goto("/terms/large-language-model")
    label = w.js("() => window.kgGraphs[0].nodes.get('term/large-language-model').label")
    assert label.startswith("<img src=x")  # drawn on the canvas as these characters
    w.page.mouse.move(*w.node_point("term/large-language-model"))
    w.page.wait_for_selector("div.vis-tooltip .kg-graph-tip", state="attached", timeout=10_000)
    tip = w.page.locator("div.vis-tooltip")
    assert HOSTILE in tip.inner_text() and tip.locator("img").count() == 0
    w.page.mouse.click(*w.node_point("term/large-language-model"))
    w.page.wait_for_selector(".kg-graph-details:not([hidden])")
    assert HOSTILE in w.page.locator(".kg-graph-name").inner_text()
    assert w.page.locator("img").count() == 0
    assert w.js("() => window.__xss") is None and w.dialogs == []
    w.clean()


@pytest.fixture(scope="module")
def big_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("synthetic")
    write_corpus(root / "data", episodes=140, pool=500, terms=420)
    store = root / "kg"
    kg_cmd("build", "--data", str(root / "data"), "--store", str(store))
    srv = Server(store)
    yield srv
    srv.stop()


def test_a_thousand_node_graph_settles_and_stays_usable(browser, big_server):
    w = Watched(browser, big_server.url)
    section = w.goto("/graph?limit=1000&kinds=all", timeout=180_000)
    assert section.get_attribute("data-nodes") == "1000"
    assert w.js("() => Object.keys(window.kgGraphs[0].network.getPositions()).length") == 1000
    options = w.js("() => window.kgGraphs[0].graph.options")
    assert options["physics"]["stabilization"]["iterations"] <= 100  # bounded …
    assert w.js("() => window.kgGraphs[0].network.physics.options.enabled") is False  # … then off
    assert options["layout"]["improvedLayout"] is False and options["edges"]["smooth"] is False
    # still answers: select a node from the list, filter a kind away
    first = w.js("() => window.kgGraphs[0].nodes.getIds()[0]")
    w.page.select_option(".kg-graph-find", first)
    assert section.get_attribute("data-selected") == first
    w.page.locator(".kg-graph-filters input[data-kind=paper]").uncheck()
    assert int(section.get_attribute("data-visible-nodes")) < 1000
    w.clean()
