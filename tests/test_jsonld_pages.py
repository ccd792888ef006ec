"""schema.org JSON-LD embedded in every page, escaped so data cannot end the block."""

from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.request
from html.parser import HTMLParser

import pytest

from conftest import SAMPLE, Server, kg_cmd

HOSTILE_LABEL = "zz </script><script>alert(1)</script> & <!-- x"
HOSTILE_DEFINITION = "Breaks out </SCRIPT ><img src=x onerror=alert(2)> ' \" end."


def fetch(url: str, headers: dict | None = None):
    req = urllib.request.Request(url, headers=headers or {"Accept": "text/html"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


class _Blocks(HTMLParser):
    """Collect the text of every <script type="application/ld+json"> and every other script tag."""

    def __init__(self):
        super().__init__()
        self.blocks: list[str] = []
        self.other_scripts: list[dict] = []
        self._in = False

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            a = dict(attrs)
            if a.get("type") == "application/ld+json":
                self._in = True
                self.blocks.append("")
            else:
                self.other_scripts.append(a)

    def handle_endtag(self, tag):
        if tag == "script":
            self._in = False

    def handle_data(self, data):
        if self._in:
            self.blocks[-1] += data


def jsonld_of(html: str) -> dict:
    parser = _Blocks()
    parser.feed(html)
    assert len(parser.blocks) == 1, f"{len(parser.blocks)} JSON-LD blocks"
    assert all("src" in s for s in parser.other_scripts), parser.other_scripts  # no inline script
    doc = json.loads(parser.blocks[0])
    assert doc["@context"] == "https://schema.org"
    return doc


@pytest.mark.parametrize(
    ("path", "kind", "name"),
    [
        ("/", "PodcastSeries", "AI Papers: A Deep Dive"),
        ("/episodes/E172", "PodcastEpisode", "One Bad Token Can Sink a Model's Math, And You Can Delete It"),
        ("/papers/arxiv/2305.18290", "ScholarlyArticle", "Direct Preference Optimization"),
        ("/terms/speculative-decoding", "DefinedTerm", "speculative decoding"),
        ("/glossary", "DefinedTermSet", "AI Papers glossary"),
        ("/reviews/2026-06-28", "Article", None),
        ("/reviews/", "WebPage", None),
        ("/sparql", "WebPage", None),
        ("/episodes/E999", "WebPage", None),  # the 404 page too
    ],
)
def test_every_page_embeds_schema_org_json_ld(server, path, kind, name):
    status, html = fetch(server.url + path)
    assert status in (200, 404)
    doc = jsonld_of(html)
    assert doc["@type"] == kind
    if name:
        assert doc["name"].startswith(name)


def test_the_episode_describes_its_paper_reading_and_chapters(server):
    doc = jsonld_of(fetch(server.url + "/episodes/E172")[1])
    assert doc["@id"] == "https://paperdive.ai/id/episode/E172" and doc["episodeNumber"] == 172
    assert doc["about"]["@id"] == "https://paperdive.ai/id/paper/arxiv/2606.25524"
    assert "https://paperdive.ai/id/paper/arxiv/2305.18290" in [c["@id"] for c in doc["citation"]]
    assert any(c["name"] == "The stray 7 that doomed everything" and c["startOffset"] == 261 for c in doc["hasPart"])
    assert doc["partOfSeries"]["@type"] == "PodcastSeries"


def test_the_paper_names_the_episodes_that_discuss_it(server):
    doc = jsonld_of(fetch(server.url + "/papers/arxiv/2305.18290")[1])
    assert {"propertyID": "arXiv", "value": "2305.18290", "@type": "PropertyValue"} in doc["identifier"]
    assert {e["@id"].rsplit("/", 1)[1] for e in doc["subjectOf"]} == {"E172", "E173"}


@pytest.fixture(scope="module")
def hostile_server(sample_store, tmp_path_factory):
    """A store whose glossary has a term built to break out of a script block."""
    root = tmp_path_factory.mktemp("hostile")
    store = root / "kg"
    shutil.copytree(sample_store, store)
    glossary = root / "glossary.yaml"
    shutil.copy(SAMPLE / "glossary.yaml", glossary)
    with open(glossary, "a", encoding="utf-8") as fh:
        fh.write(
            "  - id: zz-hostile\n"
            f"    label: {json.dumps(HOSTILE_LABEL)}\n"
            "    aliases: []\n    acronyms: []\n    kind: concept\n"
            f"    definition: {json.dumps(HOSTILE_DEFINITION)}\n"
            "    broader: []\n    related: []\n    explained_in: []\n"
        )
    kg_cmd("ingest", "glossary", str(glossary), "--store", str(store))
    srv = Server(store, log_dir=root)
    yield srv
    srv.stop()


def test_script_in_data_cannot_end_the_json_ld_block(hostile_server):
    status, html = fetch(hostile_server.url + "/terms/zz-hostile")
    assert status == 200
    head = html[: html.index("</head>")]
    assert "<script>alert" not in head and "</SCRIPT >" not in head and "<!--" not in head
    doc = jsonld_of(html)  # exactly one block, and it parses
    assert doc["name"] == HOSTILE_LABEL and doc["description"] == HOSTILE_DEFINITION


def test_nothing_from_the_hostile_term_runs_in_a_browser(hostile_server, browser):
    events: list[str] = []
    context = browser.new_context()
    try:
        page = context.new_page()
        page.on("dialog", lambda d: (events.append("dialog: " + d.message), d.dismiss()))
        page.on("console", lambda m: events.append(m.text) if m.type == "error" else None)
        for path in ("/terms/zz-hostile", "/glossary"):
            page.goto(hostile_server.url + path)
            page.wait_for_load_state("load")
            block = page.locator('script[type="application/ld+json"]')
            assert block.count() == 1
            data = json.loads(block.text_content())
            if path == "/terms/zz-hostile":
                assert data["name"] == HOSTILE_LABEL
                assert page.locator("h1").inner_text() == HOSTILE_LABEL  # shown as text
            else:
                assert HOSTILE_LABEL in [t["name"] for t in data["hasDefinedTerm"]]
    finally:
        context.close()
    assert events == []
