"""The episode description grammar, on the seed show page as it is."""

from __future__ import annotations

import datetime as dt

import pytest

from kg.errors import ParseError, Report
from kg.parsers.description import parse_description, split_chapter_title, split_reading_title
from kg.parsers.showpage import parse_show_page

# Counted by hand on shared/seeds/000_1dbf4de277d5096e.txt, in page order.
CHAPTERS = [10, 9, 10, 9, 10, 8, 9, 9]
TAKEAWAYS = [6, 6, 6, 6, 6, 6, 6, 6]
READING = [4, 2, 4, 1, 3, 4, 4, 4]


@pytest.fixture(scope="module")
def page(show_page_text):
    return parse_show_page(show_page_text)


def test_every_episode_chapter_takeaway_and_reading_item_comes_out(page):
    assert len(page.episodes) == 8
    assert [len(e.description.chapters) for e in page.episodes] == CHAPTERS
    assert [len(e.description.takeaways) for e in page.episodes] == TAKEAWAYS
    assert [len(e.description.reading) for e in page.episodes] == READING
    assert sum(CHAPTERS) == 74 and sum(READING) == 26


def test_first_episode_fields(page):
    d = page.episodes[0].description
    assert page.episodes[0].title == "How DeepSeek Made One User Faster Without Slowing Down the Crowd"
    assert d.source_url == "https://raw.githubusercontent.com/deepseek-ai/DeepSpec/main/DSpark_paper.pdf"
    assert d.paper.scheme == "url"  # not on arXiv: still a paper, keyed by its URL
    assert d.paper_published == dt.date(2026, 6, 27)  # ISO form
    assert d.generated_on == dt.date(2026, 6, 27)
    assert d.summary.startswith("DeepSeek tore out the fast-text part")
    assert d.summary.endswith("a trade-off everyone assumed was iron.")
    assert d.generation_note.endswith("The producer is not affiliated with Anthropic or Eleven Labs.")
    assert d.takeaways[0].startswith("Why position-one accuracy carries enormous leverage")
    first, last = d.chapters[0], d.chapters[-1]
    assert (first.timestamp, first.start, first.title) == ("01:30", 90, "Why the slow part is the bottleneck")
    assert first.summary.startswith("Explains why one-token-at-a-time generation")
    assert (last.timestamp, last.title) == ("19:17", "The catch the paper sometimes blurs")
    assert [r.paper.key for r in d.reading] == [
        "arxiv/2211.17192",
        "arxiv/2401.15077",
        "arxiv/2401.10774",
        "arxiv/1706.04599",
    ]


def test_long_date_form_and_doi(page):
    d = page.episodes[1].description
    assert d.paper_published == dt.date(2026, 6, 24)  # "June 24, 2026"
    assert d.paper.key == "arxiv/2606.26453"
    assert d.reading[1].paper.key == "doi/10.1038/nature16961"


def test_titles_with_colons(page):
    crosscoder = page.episodes[4].description
    assert crosscoder.chapters[2].title == "Bolting down the shelves: the DFC"
    assert crosscoder.chapters[2].summary.startswith("Introduces the crosscoder")
    dspark = page.episodes[0].description
    assert dspark.reading[1].title == "EAGLE: Speculative Sampling Requires Rethinking Feature Uncertainty"
    assert dspark.reading[1].note.startswith("The autoregressive drafter lineage (Eagle3)")
    assert dspark.chapters[8].title == "Does the whole machine actually hold up?"
    kernel = page.episodes[1].description
    assert kernel.reading[0].title == "KernelBench: Can LLMs Write Efficient GPU Kernels?"


def test_every_chapter_has_title_and_summary(page):
    for ep in page.episodes:
        for ch in ep.description.chapters:
            assert ch.title and ch.summary, (ep.title, ch.timestamp)
            assert not ch.title.endswith(":")
        starts = [c.start for c in ep.description.chapters]
        assert starts == sorted(starts)
        for r in ep.description.reading:
            assert r.title and r.note and r.url, (ep.title, r.index)


@pytest.mark.parametrize(
    ("text", "title", "why"),
    [
        ("Let's Verify Step by Step: The canonical paper.", "Let's Verify Step by Step", "The canonical paper."),
        (
            "Centaur: a foundation model of human cognition: The Helmholtz line.",
            "Centaur: a foundation model of human cognition",
            "The Helmholtz line.",
        ),
        (
            "Direct Preference Optimization: Your Language Model is Secretly a Reward Model: The DPO method.",
            "Direct Preference Optimization: Your Language Model is Secretly a Reward Model",
            "The DPO method.",
        ),
    ],
)
def test_reading_title_split(text, title, why):
    assert split_reading_title(text) == (title, why)


def test_chapter_title_split():
    assert split_chapter_title("How can information make you worse?: The hosts establish") == (
        "How can information make you worse?",
        "The hosts establish",
    )


BASE = (
    "T Source: https://arxiv.org/abs/2606.00001v2 Paper was published on June 24, 2026 "
    "This episode was AI-generated on June 25, 2026. Summary here. Key Takeaways: - One - Two "
    "{chapters} Recommended Reading: - A Paper: Why. (https://arxiv.org/pdf/2305.18290v3.pdf)"
)


def test_arxiv_versions_and_pdf_urls_normalise():
    d = parse_description(BASE.format(chapters="00:10 - Intro: Starts. 01:00 - Next: Goes on."), title="T")
    assert d.paper.key == "arxiv/2606.00001"
    assert d.reading[0].paper.key == "arxiv/2305.18290"
    assert d.takeaways == ["One", "Two"]


@pytest.mark.parametrize("bad", ["1:3O", "01:75", "1h30"])
def test_malformed_chapter_timestamp_is_an_error_naming_where(bad):
    text = BASE.format(chapters=f"00:10 - Intro: Starts. {bad} - Next: Goes on.")
    with pytest.raises(ParseError) as err:
        parse_description(text, title="T")
    assert err.value.code == "E021"
    assert bad in str(err.value)


def test_missing_source_is_an_error():
    with pytest.raises(ParseError) as err:
        parse_description("Just a summary. Key Takeaways: - One", title="T")
    assert err.value.code == "E020"
    assert "Source" in str(err.value)


def test_reading_item_without_url_is_a_warning_and_kept():
    report = Report()
    text = BASE.format(chapters="00:10 - Intro: Starts.").replace(
        "- A Paper: Why. (https://arxiv.org/pdf/2305.18290v3.pdf)",
        "- A Paper: Why. (https://arxiv.org/abs/2305.18290) - Lost Paper: No link given.",
    )
    d = parse_description(text, title="T", report=report)
    assert [r.title for r in d.reading] == ["A Paper", "Lost Paper"]
    assert d.reading[1].url is None and d.reading[1].paper is None
    assert [w.code for w in report.warnings] == ["W020"]
    assert "reading item 2" in str(report.warnings[0])
