"""The bundled sample corpus, read by the real parsers, against the seed pages."""

from __future__ import annotations

import pytest

from conftest import SAMPLE
from kg.parsers.feed import read_feed
from kg.parsers.glossary import read_glossary
from kg.parsers.review import read_review
from kg.parsers.showpage import parse_show_page

FEED_NUMBERS = [179, 177, 178, 176, 175, 173, 174, 172]  # show-page order, numbers from the weekly review


@pytest.fixture(scope="module")
def feed():
    return read_feed(SAMPLE / "feed.xml")


@pytest.fixture(scope="module")
def review():
    return read_review(SAMPLE / "reviews" / "2026-06-28.html")


@pytest.fixture(scope="module")
def glossary():
    return read_glossary(SAMPLE / "glossary.yaml")


def test_feed_carries_the_show_page_episodes_exactly(feed, show_page_text):
    page = parse_show_page(show_page_text)
    assert [e.number for e in feed.episodes] == FEED_NUMBERS
    assert [e.title for e in feed.episodes] == [e.title for e in page.episodes]
    for ours, seed in zip(feed.episodes, page.episodes, strict=True):
        assert ours.description_text == seed.description_text  # descriptions exactly as given
        assert len(ours.description.chapters) == len(seed.description.chapters)
        assert ours.duration == seed.duration_minutes * 60
    assert feed.title == "AI Papers: A Deep Dive"
    assert len({e.guid for e in feed.episodes}) == 8


def test_review_keeps_topics_and_episode_references(review):
    assert review.id == "2026-06-28"
    assert review.title == "AI Papers Week in Review: June 22–28, 2026"
    assert len(review.topics) == 9
    assert sorted(review.episode_numbers) == list(range(162, 180))
    by_topic = {t.title: t.episode_numbers for t in review.topics}
    assert sorted(by_topic["Training and Reinforcement Learning for LLM Agents"]) == [162, 163, 165, 167, 173]
    assert sorted(by_topic["Coding and Software-Engineering Agents"]) == [169, 170, 177]
    assert by_topic["Rethinking Attention, Memory, and Latent Compute"] == [179]
    assert review.topic_of(171).title == "Can We Still Watch the Model Think? Oversight and Monitoring"
    assert review.summary_of(164).startswith("Picture an enterprise agent with one standing rule")
    # E179's discussion runs over two paragraphs, the second citing no episode
    assert review.summary_of(179).count("\n\n") == 1
    assert len(review.intro) == 1 and len(review.intro[0].episode_refs) == 17  # all but E172


def test_glossary_is_rich_and_well_formed(glossary):
    assert len(glossary.terms) >= 150
    ids = {t.id for t in glossary.terms}
    for t in glossary.terms:
        assert 0 < len(t.definition) <= 280, t.id
        assert set(t.broader) <= ids and set(t.related) <= ids
    explained = [t for t in glossary.terms if t.explained_in]
    assert len(explained) >= 100
    labels = {f.casefold() for t in glossary.terms for f in t.surface_forms}
    for must in ("speculative decoding", "cliff token", "dpo", "kernelbench", "auroc", "crosscoder"):
        assert must in labels, must
