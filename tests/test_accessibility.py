"""Accessibility (axe-core, injected into the page in headless Chromium) and HTML validity (the Nu Html
Checker, npm ``vnu-jar``, run with Java) of the reader's pages: no serious or critical axe violation,
no HTML error."""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.request

import pytest
from playwright.sync_api import expect

from conftest import node_tool

SERIOUS = ("serious", "critical")


def axe_violations(page) -> list[str]:
    """Run axe-core on the page; the serious and critical violations, one line each."""
    page.add_script_tag(path=str(node_tool("axe-core/axe.min.js")))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    assert result["testEngine"]["name"] == "axe-core" and result["passes"]  # axe really ran
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
        for v in result["violations"]
        if v["impact"] in SERIOUS
    ]


def test_axe_review_page_with_a_tooltip_open(server, browser_session):
    # bypass_csp: axe is injected as an inline script, which the app's CSP (rightly) refuses
    session = browser_session(bypass_csp=True)
    page = session.new_page()
    page.goto(server.url + "/reviews/2026-06-28")
    link = page.locator('a.kg-term[data-term="speculative-decoding"]').first
    link.scroll_into_view_if_needed()
    link.hover()
    expect(page.locator('[role="tooltip"] .kg-tooltip-def')).to_be_visible()
    assert axe_violations(page) == []
    session.assert_local()


@pytest.mark.parametrize("path", ["/terms/speculative-decoding", "/reviews/"])
def test_axe_term_page(server, browser_session, path):
    session = browser_session(bypass_csp=True)
    page = session.new_page()
    page.goto(server.url + path)
    assert axe_violations(page) == []
    session.assert_local()


PAGES = ["/reviews/2026-06-28", "/terms/speculative-decoding", "/episodes/E179", "/glossary"]


def test_nu_html_checker_finds_no_errors(server, tmp_path):
    java = shutil.which("java")
    if not java:
        pytest.fail("java is missing: run scripts/setup_test_deps.sh (make test does)")
    files = []
    for path in PAGES:
        with urllib.request.urlopen(server.url + path, timeout=10) as resp:
            target = tmp_path / (path.strip("/").replace("/", "_") + ".html")
            target.write_bytes(resp.read())
            files.append(target)
    proc = subprocess.run(
        [java, "-jar", str(node_tool("vnu-jar/build/dist/vnu.jar")), "--format", "json", "--stdout",
         *map(str, files)],
        capture_output=True, text=True, timeout=300,
    )
    report = json.loads(proc.stdout)
    assert report["version"]  # the checker ran and answered
    errors = [
        f"{m['url'].rsplit('/', 1)[-1]}:{m.get('lastLine')}: {m['message']}"
        for m in report["messages"]
        if m["type"] in ("error", "non-document-error") or m.get("subType") == "fatal"
    ]
    assert errors == []
