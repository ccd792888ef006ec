"""Glossary tooltips on the review page, in headless Chromium against the real server.

Mouse (after the intent delay), keyboard focus and touch each open the tooltip with the term's
definition; Esc closes it; it stays open while pointed at (WCAG 1.4.13); the reader's switch holds
across a reload; hostile text in the glossary shows as text. Timers are driven by Playwright's fake
clock, so no assertion depends on how fast the machine is. Every request is recorded, and any to a
host but 127.0.0.1 is blocked and fails the test.
"""

from __future__ import annotations

import json
import re
import shutil
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import SAMPLE, Server, kg_cmd

REVIEW = "/reviews/2026-06-28"
SLUG = "speculative-decoding"
TERM = f'a.kg-term[data-term="{SLUG}"]'
TIP = '[role="tooltip"]'


def card(server, slug: str) -> dict:
    with urllib.request.urlopen(f"{server.url}/api/terms/{slug}/card", timeout=10) as resp:
        return json.loads(resp.read())


def open_review(session, server, clock: bool = True):
    page = session.new_page()
    if clock:
        page.clock.install()
    page.goto(server.url + REVIEW)
    return page


def test_hover_opens_after_the_intent_delay_with_definition_episode_count_and_related(server, browser_session):
    session = browser_session(viewport={"width": 1100, "height": 800})
    page = open_review(session, server)
    data = card(server, SLUG)
    link = page.locator(TERM).first
    link.scroll_into_view_if_needed()
    link.hover()
    page.clock.run_for(100)
    expect(page.locator(TIP)).to_be_hidden()  # still inside the intent delay
    page.clock.run_for(200)
    tip = page.locator(TIP)
    expect(tip).to_be_visible()
    expect(tip.locator(".kg-tooltip-def")).to_have_text(data["definition"])
    assert link.get_attribute("aria-describedby") == tip.get_attribute("id")
    assert link.get_attribute("href") == f"/terms/{SLUG}"  # the term stays a real link
    # explained in: episode and chapter timestamp, linking to the chapter on the episode page
    episode = tip.locator("a.kg-tooltip-episode")
    expect(episode).to_have_text("E179 at 02:07")
    assert episode.get_attribute("href") == f"{server.url}/episodes/E179#t127"
    expect(tip).to_contain_text("The junior, the expert, and free speed")
    expect(tip.locator(".kg-tooltip-count")).to_have_text("Discussed in 1 episode")
    related = tip.locator(".kg-tooltip-related a")
    expect(related).to_have_text([r["label"] for r in data["related"]])
    assert 1 <= related.count() <= 3
    # the pointer stays on the term: the tooltip persists
    page.clock.run_for(5000)
    expect(tip).to_be_visible()
    # and the episode link opens the episode page at that chapter
    episode.click()
    expect(page).to_have_url(f"{server.url}/episodes/E179#t127")
    expect(page.locator("#t127")).to_contain_text("The junior, the expert, and free speed")
    expect(page.locator(":target")).to_have_attribute("id", "t127")  # set once the fragment is processed
    session.assert_local()


def test_pointer_can_move_onto_the_tooltip_and_esc_dismisses_it(server, browser_session):
    session = browser_session(viewport={"width": 1100, "height": 800})
    page = open_review(session, server)
    link = page.locator(TERM).first
    link.scroll_into_view_if_needed()
    link.hover()
    page.clock.run_for(300)
    tip = page.locator(TIP)
    expect(tip.locator(".kg-tooltip-def")).to_be_visible()
    box = tip.bounding_box()
    assert box
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=8)
    page.clock.run_for(3000)
    expect(tip).to_be_visible()  # hoverable: moving onto it keeps it open
    expect(tip.locator(".kg-tooltip-def")).to_have_text(card(server, SLUG)["definition"])
    page.keyboard.press("Escape")
    expect(tip).to_be_hidden()  # dismissible without moving the pointer
    assert link.get_attribute("aria-describedby") is None
    # leaving both the term and the tooltip closes it after the grace period
    link.hover()
    page.clock.run_for(300)
    expect(tip).to_be_visible()
    page.mouse.move(5, 5)
    page.clock.run_for(500)
    expect(tip).to_be_hidden()
    session.assert_local()


def test_keyboard_focus_opens_and_esc_closes(server, browser_session):
    session = browser_session()
    page = open_review(session, server, clock=False)
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('a.kg-term')"):
            break
    else:
        pytest.fail("Tab never reached a glossary term")
    slug = page.evaluate("document.activeElement.dataset.term")
    tip = page.locator(TIP)
    expect(tip).to_be_visible()
    expect(tip.locator(".kg-tooltip-def")).to_have_text(card(server, slug)["definition"])
    tip_id = tip.get_attribute("id")
    assert page.evaluate("document.activeElement.getAttribute('aria-describedby')") == tip_id
    page.keyboard.press("Escape")
    expect(tip).to_be_hidden()
    assert page.evaluate("document.activeElement.dataset.term") == slug  # focus stays on the term
    # the next term gets its own tooltip
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('a.kg-term')"):
            break
    nxt = page.evaluate("document.activeElement.dataset.term")
    expect(tip).to_be_visible()
    expect(tip.locator(".kg-tooltip-def")).to_have_text(card(server, nxt)["definition"])
    # Enter still follows the link to the term page
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{server.url}/terms/{nxt}")
    session.assert_local()


def test_tap_opens_second_tap_follows_tap_outside_closes(server, browser_session):
    session = browser_session(viewport={"width": 390, "height": 800}, has_touch=True, is_mobile=True)
    page = open_review(session, server, clock=False)
    link = page.locator(TERM).first
    link.tap()
    tip = page.locator(TIP)
    expect(tip.locator(".kg-tooltip-def")).to_have_text(card(server, SLUG)["definition"])
    assert page.url == server.url + REVIEW  # the first tap did not navigate
    page.locator("h1").tap()
    expect(tip).to_be_hidden()
    link.tap()
    expect(tip).to_be_visible()
    box = tip.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390  # fits a phone's width
    link.tap()
    expect(page).to_have_url(f"{server.url}/terms/{SLUG}")
    session.assert_local()


def test_switching_tooltips_off_holds_across_a_reload(server, browser_session):
    session = browser_session()
    page = open_review(session, server)
    switch = page.get_by_role("switch", name="Term previews")
    expect(switch).to_have_attribute("aria-checked", "true")
    switch.click()
    expect(switch).to_have_attribute("aria-checked", "false")
    expect(switch).to_contain_text("Off")
    page.reload()
    switch = page.get_by_role("switch", name="Term previews")
    expect(switch).to_have_attribute("aria-checked", "false")
    link = page.locator(TERM).first
    link.scroll_into_view_if_needed()
    link.hover()
    page.clock.run_for(2000)
    expect(page.locator(TIP)).to_be_hidden()
    assert link.get_attribute("aria-describedby") is None
    assert link.get_attribute("href") == f"/terms/{SLUG}"  # still a plain link
    # and on again
    switch.click()
    expect(switch).to_have_attribute("aria-checked", "true")
    page.mouse.move(5, 5)
    link.hover()
    page.clock.run_for(300)
    expect(page.locator(TIP).locator(".kg-tooltip-def")).to_have_text(card(server, SLUG)["definition"])
    session.assert_local()


HOSTILE = "<img src=x onerror=\"window.__xss=1\"> & <script>window.__xss=2</script> \u201cquoted\u201d {{7*7}}"


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    """The sample with a hostile definition of speculative decoding."""
    root = tmp_path_factory.mktemp("hostile")
    data = root / "data"
    shutil.copytree(SAMPLE, data)
    glossary: Path = data / "glossary.yaml"
    text = glossary.read_text(encoding="utf-8")
    old = re.search(r"    definition: >-\n      Speeding up text generation:[^\n]*\n", text)
    assert old, "the sample's definition of speculative decoding changed"
    glossary.write_text(text.replace(old.group(), f"    definition: {json.dumps(HOSTILE)}\n"), encoding="utf-8")
    store = root / "kg"
    kg_cmd("build", "--data", str(data), "--store", str(store))
    srv = Server(store)
    yield srv
    srv.stop()


def test_hostile_definition_is_shown_as_text(hostile_server, browser_session):
    assert card(hostile_server, SLUG)["definition"] == HOSTILE
    session = browser_session()
    page = open_review(session, hostile_server)
    link = page.locator(TERM).first
    link.scroll_into_view_if_needed()
    link.hover()
    page.clock.run_for(300)
    tip = page.locator(TIP)
    expect(tip.locator(".kg-tooltip-def")).to_have_text(HOSTILE)
    assert tip.locator("img, script").count() == 0
    assert page.evaluate("window.__xss") is None
    page.goto(f"{hostile_server.url}/terms/{SLUG}")
    expect(page.locator(".definition")).to_have_text(HOSTILE)
    # the page's own scripts (files, and the graph panel's JSON data block) are the only ones
    own = 'script[src^="/"], script[type="application/json"]'
    assert page.locator(f"main img, main script:not({own})").count() == 0
    assert page.evaluate("window.__xss") is None
    assert re.search(r"&lt;img src=x", urllib.request.urlopen(f"{hostile_server.url}/terms/{SLUG}").read().decode())
    session.assert_local()
