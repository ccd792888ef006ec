"""Coverage-gap reports, read against the seed pages: ``kg gaps`` and ``GET /api/gaps``.

What the seeds say (tests/fixtures/seeds): E172 and E173 both recommend DPO (arXiv 2305.18290) and
Let's Verify Step by Step (2305.20050), and none of the eight feed episodes covers either; the weekly
review cites E162–E171, which the show page (the feed) does not carry; every topic of the review has an
episode that week.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from conftest import SEEDS, SHOW_PAGE, kg_cmd
from kg.gaps import REPORT_IDS


@pytest.fixture(scope="module")
def gaps(sample_store) -> dict:
    return json.loads(kg_cmd("gaps", "--json", "--store", str(sample_store)).stdout)


def report(data: dict, rid: str) -> dict:
    return next(r for r in data["reports"] if r["id"] == rid)


def test_every_report_is_there_with_the_row_shape(gaps):
    assert [r["id"] for r in gaps["reports"]] == list(REPORT_IDS)
    assert gaps["graph"]["newest_episode"] == "2026-06-28" and gaps["graph"]["quiet_weeks"] == 4
    for r in gaps["reports"]:
        assert r["count"] == len(r["rows"]) and r["title"] and r["description"]
        for row in r["rows"]:
            assert set(row["subject"]) == {"kind", "id", "label", "url"}
            assert row["reason"] and isinstance(row["evidence"], list)


def test_uncovered_papers_match_the_show_page(gaps):
    rows = report(gaps, "uncovered-papers")["rows"]
    assert [r["key"] for r in rows] == ["arxiv/2305.18290", "arxiv/2305.20050"]
    for r in rows:
        assert r["recommended_by"] == ["E173", "E172"] and r["recommendations"] == 2
        assert [e["url"] for e in r["evidence"]] == ["/episodes/E173#h-reading", "/episodes/E172#h-reading"]
    assert rows[0]["subject"]["label"].startswith("Direct Preference Optimization")
    # the seed page itself: both papers appear in two reading lists, neither as a Source
    show = SHOW_PAGE.read_text(encoding="utf-8")
    for ident in ("2305.18290", "2305.20050"):
        assert show.count(f"https://arxiv.org/abs/{ident}") == 2
        assert f"Source: https://arxiv.org/abs/{ident}" not in show


def test_thin_episodes_are_the_review_only_episodes(gaps):
    rows = report(gaps, "thin-episodes")["rows"]
    assert sorted(r["subject"]["id"] for r in rows) == [f"E{n}" for n in range(162, 172)]
    review = (SEEDS / "002_60719b701ad4a391.txt").read_text(encoding="utf-8")
    show = SHOW_PAGE.read_text(encoding="utf-8")
    for r in rows:
        assert not r["in_feed"] and "reading list" in r["missing"]
        assert r["subject"]["id"] in review  # cited by the review …
        assert "the feed does not carry it" in r["evidence"][-1]["text"]
    assert "E162" not in show  # … and not on the show page


def test_unexplained_terms_really_have_no_explanation(gaps, server):
    rows = report(gaps, "unexplained-terms")["rows"]
    assert rows, "the sample glossary has terms no chapter explains"
    for r in rows[:10]:
        with urllib.request.urlopen(f"{server.url}/api/terms/{r['subject']['id']}", timeout=10) as resp:
            term = json.loads(resp.read())
        assert term["explained_in"] == []
        assert not any(m["timestamp"] for m in term["mentioned_in"])  # no chapter mentions it
    used = [r for r in rows if r["mentions_elsewhere"]]
    assert used and all(r["evidence"] and r["evidence"][0]["url"] for r in used)
    assert rows == sorted(rows, key=lambda r: (-r["mentions_elsewhere"], r["subject"]["label"].lower()))


def test_no_quiet_topics_and_no_broken_references_in_the_sample(gaps):
    assert report(gaps, "quiet-topics")["rows"] == []
    assert report(gaps, "quiet-topics")["newest_episode"] == "2026-06-28"
    assert report(gaps, "broken-references")["rows"] == []


def test_candidate_terms_report_names_its_source(gaps):
    terms = report(gaps, "terms")
    try:
        import kg.discovery  # noqa: F401
    except ImportError:
        assert terms["available"] is False and "kg.discovery" in terms["note"] and terms["rows"] == []
    else:
        assert terms["available"] is True
        for row in terms["rows"]:
            assert row["term"] and row["count"] >= 1 and isinstance(row["evidence"], list)


def test_api_gaps_is_the_same_as_the_cli(gaps, server):
    with urllib.request.urlopen(server.url + "/api/gaps", timeout=30) as resp:
        api = json.loads(resp.read())
    assert api == gaps
    with urllib.request.urlopen(server.url + "/api/gaps?report=uncovered-papers", timeout=30) as resp:
        one = json.loads(resp.read())
    assert [r["id"] for r in one["reports"]] == ["uncovered-papers"]
    try:
        urllib.request.urlopen(server.url + "/api/gaps?report=nope", timeout=10)
    except urllib.error.HTTPError as err:
        assert err.code == 400 and json.loads(err.read())["error"]["code"] == "bad_request"
    else:
        raise AssertionError("unknown report accepted")


def test_cli_text_and_one_report(sample_store):
    out = kg_cmd("gaps", "uncovered-papers", "--store", str(sample_store)).stdout
    assert "Recommended but never covered (2)" in out and "Let's Verify Step by Step" in out
    assert "Glossary terms no episode explains" not in out
    same = kg_cmd("gaps", "--store", str(sample_store), "--json", "uncovered-papers").stdout
    assert [r["id"] for r in json.loads(same)["reports"]] == ["uncovered-papers"]
    bad = kg_cmd("gaps", "--store", str(sample_store.parent / "missing"), check=False)
    assert bad.returncode == 1 and "E050" in bad.stderr and "Traceback" not in bad.stderr


OLD_REVIEW = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Old review</title></head><body>
<article class="review" data-review-id="2026-03-01">
<header><h1>AI Papers Week in Review: March 1, 2026</h1><p><time datetime="2026-03-01">Mar 1, 2026</time></p></header>
<section class="topic" id="topic-quantum-agents"><h2>Quantum Agents</h2>
<p class="topic-summary">A topic that went quiet.</p>
<section class="subsection"><h3>The only one</h3>
<p>An old paper on quantum agents <a class="episode-ref">E150</a>, which a later episode E9999 was meant to follow.</p>
</section>
<footer class="topic-episodes"><ul><li><a class="episode-ref">E150</a></li></ul></footer>
</section>
</article></body></html>
"""


def test_quiet_topics_and_broken_references_from_new_sources(fresh_store: Path, tmp_path: Path):
    review = tmp_path / "2026-03-01.html"
    review.write_text(OLD_REVIEW, encoding="utf-8")
    out = kg_cmd("ingest", "review", str(review), "--store", str(fresh_store))
    assert "W031" in out.stderr  # E9999 is cited but unknown
    glossary = (Path(__file__).parent.parent / "data" / "sample" / "glossary.yaml").read_text(encoding="utf-8")
    glossary = glossary.replace('- {episode: E179, chapter: "01:30"}', '- {episode: E179, chapter: "59:59"}', 1)
    bad_glossary = tmp_path / "glossary.yaml"
    bad_glossary.write_text(glossary, encoding="utf-8")
    out = kg_cmd("ingest", "glossary", str(bad_glossary), "--store", str(fresh_store))
    assert "W044" in out.stderr

    data = json.loads(kg_cmd("gaps", "--json", "--store", str(fresh_store)).stdout)
    quiet = report(data, "quiet-topics")
    assert [r["subject"]["id"] for r in quiet["rows"]] == ["quantum-agents"]
    row = quiet["rows"][0]
    assert row["last_episode"] == "E150" and row["last_date"] == "2026-03-01" and row["weeks_quiet"] == 17
    assert "date of the review" in row["evidence"][0]["text"]
    # a window longer than the gap: nothing is quiet
    longer = json.loads(kg_cmd("gaps", "quiet-topics", "--weeks", "20", "--json", "--store", str(fresh_store)).stdout)
    assert report(longer, "quiet-topics")["rows"] == []

    broken = report(data, "broken-references")["rows"]
    problems = {(r["problem"], r["reference"]) for r in broken}
    assert ("unknown-episode", "E9999") in problems
    assert ("unknown-chapter", "episode/E179/chapter/59-59") in problems
    unknown = next(r for r in broken if r["problem"] == "unknown-episode")
    assert unknown["subject"]["url"] == "/reviews/2026-03-01" and "E9999" in unknown["evidence"][0]["text"]
    chapter = next(r for r in broken if r["problem"] == "unknown-chapter")
    assert chapter["subject"]["id"] == "large-language-model" and "E179 at 59:59" in chapter["reason"]
