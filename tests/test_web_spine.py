"""The first web slice over real HTTP: episode, paper, term, glossary pages and the JSON API."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest


def get(server, path: str) -> tuple[int, str, dict]:
    try:
        with urllib.request.urlopen(server.url + path, timeout=10) as resp:
            return resp.status, resp.read().decode(), dict(resp.headers)
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(), dict(err.headers)


def test_episode_page_shows_chapters_source_reading_and_related(server):
    status, html, headers = get(server, "/episodes/E172")
    assert status == 200
    assert "One Bad Token Can Sink a Model&#39;s Math, And You Can Delete It" in html
    assert 'id="t261"' in html and "04:21" in html and "The stray 7 that doomed everything" in html
    assert 'href="/papers/arxiv/2606.25524"' in html  # the source paper
    assert "Chain-of-Thought Prompting Elicits Reasoning in Large Language Models" in html
    assert "Related episodes" in html and "shared papers" in html  # E173 also recommends DPO and Let's Verify
    assert 'href="/episodes/E173"' in html
    assert "default-src 'self'" in headers["Content-Security-Policy"]


def test_review_only_episode_has_number_topic_and_summary(server):
    status, body, _ = get(server, "/api/episodes/E164")
    data = json.loads(body)
    assert status == 200 and data["number"] == 164
    assert data["topics"][0]["title"] == "When Agents Cause Harm With No Attacker in the Loop"
    assert data["review_summary"].startswith("Picture an enterprise")


def test_episode_api(server):
    status, body, headers = get(server, "/api/episodes/E179")
    data = json.loads(body)
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    assert data["paper"]["key"].startswith("url/raw-githubusercontent-com-deepseek-ai")
    assert len(data["chapters"]) == 10 and data["chapters"][1]["timestamp"] == "02:07"
    assert [r["paper"] for r in data["reading"]][:2] == ["arxiv/2211.17192", "arxiv/2401.15077"]
    assert data["related"] and all(r["reason"] for r in data["related"])


def test_paper_page_lists_episodes_that_cover_or_recommend_it(server):
    status, html, _ = get(server, "/papers/arxiv/2305.18290")
    assert status == 200
    assert "Direct Preference Optimization" in html
    assert 'href="/episodes/E172"' in html and 'href="/episodes/E173"' in html
    assert "Recommended 2× but not yet covered" in html


def test_term_page_and_api(server):
    status, body, _ = get(server, "/api/terms/speculative-decoding")
    data = json.loads(body)
    assert status == 200 and data["label"] == "speculative decoding"
    assert 0 < len(data["definition"]) <= 280
    assert any(x["episode"] == "E179" for x in data["explained_in"])
    status, html, _ = get(server, "/terms/speculative-decoding")
    assert status == 200 and data["definition"].split()[0] in html and 'href="/episodes/E179' in html


def test_glossary_index(server):
    status, html, _ = get(server, "/glossary")
    assert status == 200
    assert html.count('<dt id="term-') >= 150
    assert 'href="#letter-S"' in html


@pytest.mark.parametrize("path", ["/api/terms/no-such-term", "/api/episodes/E999"])
def test_api_404_has_the_json_error_shape(server, path):
    status, body, _ = get(server, path)
    assert status == 404
    err = json.loads(body)["error"]
    assert err["status"] == 404 and err["code"] == "not_found" and err["message"]


def test_unknown_page_is_a_friendly_404(server):
    status, html, _ = get(server, "/episodes/E999")
    assert status == 404 and "There is no episode E999" in html


def test_index_lists_every_episode_once(server):
    # an episode is typed in its feed graph and again in the review that discusses it
    status, html, _ = get(server, "/")
    assert status == 200
    for n in range(162, 180):
        assert html.count(f'href="/episodes/E{n}"') == 1, n
    status, body, _ = get(server, "/api/episodes")
    ids = [e["id"] for e in json.loads(body)["episodes"]]
    assert len(ids) == len(set(ids)) == 18


def test_review_page_has_its_introduction_then_each_topic_once(server):
    status, html, _ = get(server, "/reviews/2026-06-28")
    assert status == 200
    ids = re.findall(r'<section class="topic" id="(topic-[a-z0-9-]+)"', html)
    assert len(ids) == 9 and len(set(ids)) == 9
    intro = html.index('<section class="review-intro">')
    assert intro < html.index('<section class="topic"')
    assert "This week (June 22–28, 2026)" in html[intro : html.index('<section class="topic"')]
