"""The linker under odd and hostile input, and its fast paths against the plain algorithm they replace.

``reference_*`` below is the linker's first implementation (one scan per HTML text node, every
candidate sorted and chosen in one loop), kept here as the specification: the optimised linker
must give exactly the same spans on any input.
"""

from __future__ import annotations

import functools
import re

import ahocorasick_rs
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import SAMPLE, kg_cmd
from kg.nlp.linker import (
    Linker,
    Span,
    TermForms,
    _check,
    _decode_entities,
    _first_only,
    boundary_text,
    normalise,
    text_nodes,
)
from kg.parsers.glossary import read_glossary


@pytest.fixture(scope="module")
def linker() -> Linker:
    return Linker.from_glossary(read_glossary(SAMPLE / "glossary.yaml"))


# -- the reference algorithm -------------------------------------------------------------------
def reference_zones(seg: str, low: str) -> list[tuple[int, int]]:
    zones = []
    for marker, back in (("://", True), ("www.", False)):
        at = low.find(marker)
        while at >= 0:
            start = at
            if back:
                while start > 0 and seg[start - 1].isascii() and seg[start - 1].isalpha():
                    start -= 1
            elif start > 0 and (seg[start - 1].isalnum() or seg[start - 1] in "./"):
                start = -1
            if start >= 0 and (not back or start < at):
                m = re.compile(r"[^\s<>\"'`]*").match(seg, at)
                zones.append((start, m.end()))
                at = m.end()
            at = low.find(marker, at + 1)
    zones += [(m.start(), m.end()) for m in re.finditer(r"`[^`\n]*`", seg)]
    at = seg.find("@")
    while at >= 0:
        m = re.compile(r"@[\w-]+(?:\.[\w-]+)+").match(seg, at)
        start = at
        while start > 0 and (seg[start - 1].isalnum() or seg[start - 1] in "._+-"):
            start -= 1
        if m and start < at:
            zones.append((start, m.end()))
        at = seg.find("@", at + 1)
    return zones


@functools.cache
def _automata(keys: tuple[str, ...]):
    longest = ahocorasick_rs.AhoCorasick(list(keys), matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)
    return longest, ahocorasick_rs.AhoCorasick(list(keys))


def reference_scan(lk: Linker, text: str, lo: int, hi: int) -> list[Span]:
    if not lk.size or hi <= lo:
        return []
    longest, every = _automata(tuple(lk._keys))  # its own automata over str, from the same keys
    seg = text[lo:hi]
    low = normalise(seg)
    hay = " " + boundary_text(low)
    n = len(hay)
    values = lk._values
    cands, failed = [], []
    for k, start, end in longest.find_matches_as_indexes(hay):
        if end < n and hay[end] != " ":
            failed.append((start, end))
            continue
        slug, checks = values[k]
        if checks:
            slug = _check(checks, seg[start : end - 1])
            if slug is None:
                failed.append((start, end))
                continue
        cands.append((start, 1 - end, slug))
    for fs, fe in failed:
        window = hay[fs : fe + lk._max_key]
        for k, start, end in every.find_matches_as_indexes(window, overlapping=True):
            start += fs
            end += fs
            if start >= fe or (end < n and hay[end] != " "):
                continue
            slug, checks = values[k]
            if checks:
                slug = _check(checks, seg[start : end - 1])
                if slug is None:
                    continue
            cands.append((start, 1 - end, slug))
    cands.sort()
    blocked = reference_zones(seg, low)
    out, last = [], -1
    for start, neg_end, slug in cands:
        if start < last:
            continue
        end = -neg_end
        if any(a < end and start < b for a, b in blocked):
            continue
        out.append(Span(lo + start, lo + end, slug, seg[start:end]))
        last = end
    return out


def reference_find_html(lk: Linker, markup: str, first_only: str | None = None) -> list[Span]:
    spans, sections = [], []
    for lo, hi, section in text_nodes(markup, link_headings=lk.link_headings):
        if "&" not in markup[lo:hi]:
            found = reference_scan(lk, markup, lo, hi)
        else:
            decoded, offsets = _decode_entities(markup[lo:hi])
            found = []
            for s in reference_scan(lk, decoded, 0, len(decoded)):
                start, end = lo + offsets[s.start], lo + offsets[s.end]
                found.append(Span(start, end, s.term, markup[start:end]))
        spans.extend(found)
        sections.extend([section] * len(found))
    if first_only:
        keyed = dict(zip(spans, sections, strict=True)) if first_only == "section" else {}
        spans = _first_only(spans, lambda s: keyed.get(s, 0))
    return spans


# -- generated input ---------------------------------------------------------------------------
PIECES = [
    "reward model", "reward-model", "Reward Models", "RL", "rl", "RLHF", "LLMs", "LLM", "token", "tokens",
    "policy gradient", "policies", "pass@k", "chain-of-thought", "KL divergence", "generate-don't-fit scoring",
    "Gödel Agent", "SWE-Bench Lite", "DSpark", "EAGLE", "cliff token", "process reward model",
    "reward", "model", "models", "process", "policy", "gradient", "chain", "of", "thought", "pass", "@k", "SWE",
    "Bench", "Lite", "cliff", "C++", "k",
    " ", " ", " ", "-", "\n", "\n\n", ".", ",", "'", '"', "(", ")", "_", "x", "İ", "ß",
    "https://example.org/reward-model/", "www.token.io", "`token`", "`", "mail@example.org", "@",
    "\u200b", "\u200d", "\u202e", "\u200f", "\ufeff", "🤖", "👩‍🔬", "\u0301", "مرحبا", "שלום", "\u212a", "\u1e9e",
    "ÀÉ", "WWW.x.org", "HTTPS://X.ORG/a",
]  # fmt: skip
MARKUP = [
    "<p>", "</p>", "<b>", "</b>", "<a href='/x'>", "</a>", "<code>", "</code>", "<h2>", "</h2>", "<br>",
    "<!-- token -->", "<!--", "-->", "<script>token</script>", "<style>.token{}</style>", "<", ">", "</",
    "&amp;", "&#39;", "&nbsp;", "&bogus;", "&#99999999;", "<span class='kg-skip'>", "</span>",
    "<p title='reward model'>", "<![CDATA[token]]>", "<textarea>token", "<section>", "</section>",
]  # fmt: skip

SPLIT = [
    "reward", "model", "models", "RL", "token", "s", "-", " ", "policy", "gradient", "of", "chain", "LLM",
    "<b>", "</b>", "<i>", "</i>", "<br>", "<!--x-->", "&amp;", "&#39;", "\n", "`", "https://x.io/", "@",
]  # fmt: skip
texts = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)
markups = st.one_of(
    st.lists(st.sampled_from(PIECES + MARKUP), max_size=50).map("".join),
    st.lists(st.sampled_from(SPLIT), max_size=30).map("".join),  # words split across inline tags
)
fuzz = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def strip_links(markup: str) -> str:
    return re.sub(r'<a class="kg-term" data-term="[a-z0-9-]+" href="/terms/[a-z0-9-]+">(.*?)</a>', r"\1", markup,
                  flags=re.DOTALL)  # fmt: skip


def assert_valid(spans: list[Span], given_text: str) -> None:
    last = 0
    for s in spans:
        assert 0 <= s.start < s.end <= len(given_text)
        assert given_text[s.start : s.end] == s.text
        assert s.start >= last  # sorted, no overlaps
        last = s.end


@fuzz
@given(text=texts)
def test_text_spans_match_the_reference_and_are_valid_offsets(linker, text):
    spans = linker.find(text)
    assert spans == reference_scan(linker, text, 0, len(text))
    assert_valid(spans, text)


@fuzz
@given(markup=markups, first_only=st.sampled_from([None, "section", "page"]))
@example(markup="<b>reward</b>model", first_only=None)
@example(markup="<p>reward</p> model <i>RL</i>s", first_only=None)
@example(markup="<b>https://x.io/</b>token <code>a</code>`b`<b>`</b> token", first_only="section")
def test_html_spans_match_the_reference_and_keep_the_markup(linker, markup, first_only):
    spans = linker.find_html(markup, first_only)
    assert spans == reference_find_html(linker, markup, first_only)
    assert_valid(spans, markup)
    out, _ = linker.annotate_html(markup, first_only)
    assert strip_links(out) == markup


def test_html_text_nodes_link_as_plain_text(linker):
    markup = "<p>A reward model</p><p>and RL, LLMs</p><p>token@example.org</p><p>then a token.</p>"
    by_nodes = [
        Span(lo + s.start, lo + s.end, s.term, s.text)
        for lo, hi, _sec in text_nodes(markup)
        for s in linker.find(markup[lo:hi])
    ]
    assert linker.find_html(markup) == by_nodes
    assert [s.term for s in by_nodes] == ["reward-model", "reinforcement-learning", "large-language-model", "token"]


# -- bad input ---------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["", " ", "\n\n", "\u200b\u200b", "🤖" * 50, "&amp;", "<p></p>"])
def test_empty_and_contentless_input(linker, text):
    assert linker.find(text) == []
    assert linker.annotate_html(text) == (text, [])


def test_markup_only(linker):
    markup = "<html><head><title>x</title></head><body><div><p><br/><img src='token.png' alt='token'></p></div>"
    assert linker.annotate_html(markup) == (markup, [])


def test_one_megabyte_of_one_repeated_word(linker):
    text = "token " * 175_000
    spans = linker.find(text)
    assert len(spans) == 175_000 and spans[-1].end == len(text) - 1
    assert_valid(spans, text)
    assert len(linker.find(text, first_only="page")) == 1
    markup = "<p>" + text + "</p>"
    out, spans = linker.annotate_html(markup)
    assert len(spans) == 175_000 and strip_links(out) == markup
    glued = "token" * 200_000  # no word boundary anywhere: nothing, and quickly
    assert linker.find(glued) == []


def test_right_to_left_and_zero_width_characters(linker):
    text = "\u202ereward model\u202c and \u200fRL\u200f, \u200breward\u200bmodel\u200b, \u2066token\u2069 שלום token"
    spans = linker.find(text)
    assert_valid(spans, text)
    # bidi controls and zero-width characters are word boundaries (never inside a match's word)
    assert [s.text for s in spans] == ["reward model", "RL", "reward\u200bmodel", "token", "token"]


def test_emoji_and_combining_marks_keep_offsets(linker):
    text = "👩‍🔬 a reward model 🤖 token e\u0301 token 🏳️‍🌈"
    spans = linker.find(text)
    assert_valid(spans, text)
    assert [s.text for s in spans] == ["reward model", "token", "token"]
    markup = f"<p>{text}</p>"
    out, spans = linker.annotate_html(markup)
    assert_valid(spans, markup)
    assert strip_links(out) == markup


@pytest.mark.parametrize(
    "markup",
    [
        "<p>token", "token</p>", "<p <b>token</b>", "<a href='x'>token", "<<token>>", "<p>&#x;token&", "</a>token",
        "<!-- token", "<![CDATA[ token", "<p title=\"token>token</p>", "<script>token", "<svg><p>token</svg>",
        "<p>" * 5000 + "token", "</b>" * 5000 + "token",
    ],
)  # fmt: skip
def test_malformed_html_never_crashes(linker, markup):
    out, spans = linker.annotate_html(markup)
    assert strip_links(out) == markup
    assert_valid(spans, markup)


def test_conflicting_aliases_are_reported_with_both_entries():
    lk = Linker(
        [
            TermForms("reward-model", "reward model"),
            TermForms("rm", "RM score", aliases=("reward-model",)),  # the same form once hyphens are unified
            TermForms("policy", "policy"),
            TermForms("policies-term", "policies"),  # a written form beats a generated inflection
            TermForms("pol", "pol", variants=("policies",)),
        ]
    )
    reported = sorted(str(c) for c in lk.conflicts)
    assert "'reward model' could be 'reward-model' or 'rm'; linked to 'reward-model'" in reported
    assert "'policies' could be 'policies-term' or 'pol'; linked to 'policies-term'" in reported
    assert [s.term for s in lk.find("a reward-model and policies")] == ["reward-model", "policies-term"]


def test_conflicts_are_build_warnings_naming_the_entries(tmp_path):
    data = tmp_path / "data"
    (data / "reviews").mkdir(parents=True)
    (data / "feed.xml").write_text((SAMPLE / "feed.xml").read_text(encoding="utf-8"), encoding="utf-8")
    glossary = (SAMPLE / "glossary.yaml").read_text(encoding="utf-8")
    glossary = glossary.replace(
        "terms:\n",
        "terms:\n  - id: zz-rm\n    label: RM score\n    aliases: [reward-model]\n    definition: A clash.\n",
        1,
    )
    (data / "glossary.yaml").write_text(glossary, encoding="utf-8")
    proc = kg_cmd("build", "--data", str(data), "--store", str(tmp_path / "kg"))
    line = next(x for x in proc.stderr.splitlines() if "W045" in x)
    assert "glossary.yaml:7" in line and "'zz-rm'" in line and "'reward-model'" in line and "reward model" in line


OVERLAPPING = Linker(
    [
        TermForms("rl-policy", "RL policy"),  # exact case (an acronym inside): "rl policy" fails the check
        TermForms("policy-gradient", "policy gradient"),
        TermForms("gradient", "gradient"),
        TermForms("gradient-descent", "gradient descent"),
        TermForms("kl", "KL"),
        TermForms("kl-penalty", "KL penalty term"),
        TermForms("penalty", "penalty"),
    ]
)
WORDS = ["RL", "rl", "policy", "gradient", "descent", "KL", "kl", "penalty", "term", "x", " ", " ", "-", "`"]


@fuzz
@given(text=st.lists(st.sampled_from(WORDS), max_size=25).map("".join))
@example(text="rl policy gradient descent")
@example(text="kl penalty term")
@example(text="rl policy gradient descent rl policy gradient descent")
def test_overlapping_forms_choose_like_the_reference(text):
    spans = OVERLAPPING.find(text)
    assert spans == reference_scan(OVERLAPPING, text, 0, len(text))
    assert_valid(spans, text)


def test_a_failed_longest_match_gives_way_to_the_longest_valid_one():
    spans = OVERLAPPING.find("rl policy gradient descent")
    assert [(s.text, s.term) for s in spans] == [("policy gradient", "policy-gradient")]
