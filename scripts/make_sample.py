"""Generate the sample corpus (feed, chapters, weekly review) from the seed page captures.

Usage::

    .venv/bin/python scripts/make_sample.py --seeds ../shared/seeds --out data/sample

Inputs (read-only plain-text captures, see ``<seeds>/README.md``):

* ``000_1dbf4de277d5096e.txt`` -- the show page of "AI Papers: A Deep Dive": the show
  blurb and the eight newest episodes (position line, title line, one long description
  line, duration line);
* ``002_60719b701ad4a391.txt`` -- the weekly review "AI Papers Week in Review:
  June 22–28, 2026" (intro, topics, subsections, paragraphs with E-references).

Outputs (all UTF-8, byte-for-byte deterministic):

* ``feed.xml`` -- an RSS 2.0 podcast feed (iTunes, Podcasting 2.0 and Podlove Simple
  Chapters namespaces) with the eight episodes, newest first.  Each ``<description>``
  is the show-page description line verbatim; the script re-parses the written file and
  asserts that.
* ``chapters/E<n>.json`` -- Podcasting 2.0 JSON chapters for each episode.
* ``reviews/2026-06-28.html`` -- the weekly review as a clean HTML5 page following the
  markup contract read by ``kg.parsers.review``.  Words the capture dropped (glossary
  links on the live page) are put back from :data:`RESTORATIONS`, the one table of
  restorations, each entry checked to match the seed exactly once.

Only the standard library is used; nothing is fetched from the network.
"""

from __future__ import annotations

import argparse
import difflib
import html
import json
import re
import sys
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.utils import format_datetime
from pathlib import Path

SHOW_FILE = "000_1dbf4de277d5096e.txt"
REVIEW_FILE = "002_60719b701ad4a391.txt"

SITE = "https://paperdive.ai"
SHOW_TITLE = "AI Papers: A Deep Dive"
FEED_URL = f"{SITE}/feed.xml"

NS = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "podcast": "https://podcastindex.org/namespace/1.0",
    "psc": "http://podlove.org/simple-chapters",
    "atom": "http://www.w3.org/2005/Atom",
}

# Podcasting 2.0 <podcast:guid>: a UUIDv5 of the feed URL without its scheme, in the
# namespace the podcast namespace specification fixes for this purpose.
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")

# Bytes per second used to give each enclosure a plausible length (128 kbit/s MP3).
AUDIO_BYTES_PER_SECOND = 16_000

# Episode numbers are not on the show page; the weekly review establishes them by
# describing each episode next to its E-reference.  Keyed by the episode's Source URL.
EPISODE_NUMBERS: dict[str, int] = {
    # "DSpark's first move is to recognize that first-token accuracy carries enormous
    # leverage ... Notably, [DeepSeek] tore out the autoregressive drafter" -- E179.
    "https://raw.githubusercontent.com/deepseek-ai/DeepSpec/main/DSpark_paper.pdf": 179,
    # "handing a language model raw hardware counters made its GPU code slower (1.8× over
    # baseline) than giving it no profiling data at all (3.3×) E177".
    "https://arxiv.org/abs/2606.26453": 177,
    # "a tiny island covering coding and verifiable math E178 ... an AI paper-reviewer was
    # caught accepting machine-written papers nearly twice as often as human ones".
    "https://arxiv.org/abs/2606.26294": 178,
    # "[AutoCog] hands even that step to AI inside a fully [closed loop] E176 ... then run
    # it on 25 humans recruited via [Prolific] (250 in total)".
    "https://arxiv.org/abs/2606.26448": 176,
    # "a single exclusive feature ... boosts tool correctness by 65 percentage points,
    # matching what takes the unpartitioned crosscoder 33 features E175".
    "https://arxiv.org/abs/2606.26474": 175,
    # "the trick letting a language model double as its own [reward model] never died
    # with the rise of [agents] -- researchers were just reading the wrong number off it
    # E173".
    "https://arxiv.org/abs/2606.26080": 173,
    # "how do you know if it schemed or was just confused E174? It proposes ['model
    # forensics'] as a discipline".
    "https://arxiv.org/abs/2606.26071": 174,
    # "The second paper zooms into reasoning failures and finds them surprisingly
    # localized E172 ... A ['cliff token'] is where this potential drops sharply".
    "https://arxiv.org/abs/2606.25524": 172,
}

CHAPTER_TS = re.compile(r"(?:(?<=\s)|^)(\d{1,2}):(\d{2}) - ")
# A chapter title ends at the first ": " followed by an uppercase letter, a digit or a
# quote character ("Bolting down the shelves: the DFC: Introduces ..." -> title
# "Bolting down the shelves: the DFC").
CHAPTER_TITLE_END = re.compile(r": (?=[A-Z0-9'\"‘’“”])")
E_REF = re.compile(r"(?<![\w/])E(\d{3})(?!\w)")


# --------------------------------------------------------------------------------------
# Gap restoration table.
#
# On the live review page glossary terms were links with tooltips; the capture dropped
# the linked words and collapsed the whitespace, leaving gaps such as "' collapse,'".
# Each entry is (exact seed snippet containing the gap(s), the same snippet with the
# missing words put back).  Restorations only insert words (checked), each seed snippet
# must occur exactly once in the seed review (checked), and restored words are plain
# text.  Evidence: the episode descriptions on the show page (same vocabulary) and the
# surrounding sentences; "first use in a paragraph" is what the live page linked, so a
# term that appears unlinked later in a paragraph usually fills the first gap.
# --------------------------------------------------------------------------------------
RESTORATIONS: list[tuple[str, str]] = [
    # --- Intro ---------------------------------------------------------------------
    ("training and running LLM — both", "training and running LLM agents — both"),
    ("learning signal out of you already paid for", "learning signal out of rollouts you already paid for"),
    ("how to write GPU that beat human experts", "how to write GPU kernels that beat human experts"),
    ("E164, '' is usually just confusion", "E164, 'scheming' is usually just confusion"),
    ("a whole RL-installed can be traced", "a whole RL-installed capability can be traced"),
    # --- E162: rollouts under a fixed budget ----------------------------------------
    (
        "nuisance — ' collapse,' where all your sampled come back identical and the goes exactly to zero",
        "nuisance — 'advantage collapse,' where all your sampled rollouts come back identical and the "
        "advantage goes exactly to zero",
    ),
    ("next via monotone maximization", "next via monotone submodular maximization"),
    ("The derived selection score, , decomposes", "The derived selection score, UUCB, decomposes"),
    ("an exploration bonus, and a -level — meaning", "an exploration bonus, and a token-level entropy bonus — meaning"),
    # --- E163: RLVR vs SFT --------------------------------------------------------------
    ("By modeling as path-finding", "By modeling chain-of-thought as path-finding"),
    ("the authors show that on golden shortest paths", "the authors show that SFT on golden shortest paths"),
    ("their parameters stay . , because it learns", "their parameters stay frozen. RLVR, because it learns"),
    ("starting model: finds a target", "starting model: RL finds a target"),
    ("theoretically grounded reason works", "theoretically grounded reason distillation works"),
    ("recovery. The is that the result", "recovery. The steelman critique is that the result"),
    ("defined to contain zero , but the", "defined to contain zero backtracking, but the"),
    # --- E165: G2PO ---------------------------------------------------------------------
    (
        "same rooms. refuses to discard that overlap, merging into a single",
        "same rooms. G2PO refuses to discard that overlap, merging trajectories into a single",
    ),
    (
        "+22 points on , ~14 on , and hitting 71% on WebShop versus 's ~36%",
        "+22 points on ALFWorld, ~14 on WebShop, and hitting 71% on WebShop versus Gemini 2.5 Pro's ~36%",
    ),
    (
        "repeating: on , where observations are sprawling returns",
        "repeating: on AppWorld, where observations are sprawling API returns",
    ),
    # --- E173: progress advantage -------------------------------------------------------
    (
        "double as its own never died with the rise of — researchers",
        "double as its own reward model never died with the rise of agents — researchers",
    ),
    (
        "for any trained under the standard -regularized objective, the optimal function",
        "for any policy trained under the standard KL-regularized objective, the optimal advantage function",
    ),
    ("'implicit reward' work in the lineage", "'implicit reward' work in the DPO lineage"),
    ("and you can't . The result", "and you can't run Monte Carlo rollouts. The result"),
    (
        "point gains in and 0.87 versus 's 0.62 on airline",
        "point gains in test-time scaling and 0.87 versus Claude's 0.62 AUROC on airline",
    ),
    ("(and released are approximations)", "(and released checkpoints are approximations)"),
    # --- E167: world models --------------------------------------------------------------
    (
        "Every interactive lives in a loop with two halves: a that decides what to do, and a that predicts",
        "Every interactive agent lives in a loop with two halves: a policy that decides what to do, and a "
        "world model that predicts",
    ),
    (
        "continual injects environment dynamics, activates explicit next-state-prediction reasoning, "
        "and sharpens fidelity",
        "continual pretraining injects environment dynamics, SFT activates explicit next-state-prediction "
        "reasoning, and RL sharpens fidelity",
    ),
    (
        "any sufficiently general must have learned a .",
        "any sufficiently general agent must have learned a world model.",
    ),
    ("was 0.46 points, domains ranked fifth", "was 0.46 points, GUI domains ranked fifth"),
    # --- E170: Bayesian control for coding agents --------------------------------------
    (
        "Modern coding are LLMs wrapped in a toolbox of cheap critics and one expensive that can take",
        "Modern coding agents are LLMs wrapped in a toolbox of cheap critics and one expensive oracle that can take",
    ),
    ("zero signal, and the figures that out", "zero signal, and the Bayesian controller figures that out"),
    ("gain comes from models plus a smarter", "gain comes from frozen models plus a smarter"),
    # --- E169: SHERLOC ---------------------------------------------------------------------
    (
        "state-of-the-art coding spend roughly 48% of their turns and over 320,000 just locating",
        "state-of-the-art coding agents spend roughly 48% of their turns and over 320,000 tokens just locating",
    ),
    ("any fix E169. reframes from 'retrieve", "any fix E169. SHERLOC reframes localization from 'retrieve"),
    ("location, -cause hypothesis", "location, root-cause hypothesis"),
    ("using one off-the-shelf with four simple tools", "using one off-the-shelf LLM with four simple tools"),
    ("filter relies on the patch and", "filter relies on the ground-truth patch and"),
    ("~58% of may come from", "~58% of recall may come from"),
    # --- E177: KernelPro -------------------------------------------------------------------
    ("writing optimized code. peels these apart.", "writing optimized code. KernelPro peels these apart."),
    ("so instead of ' = 6%' the model", "so instead of 'occupancy = 6%' the model"),
    ("A two-stage first classifies", "A two-stage architecture first classifies"),
    (
        "A disassembly tool caught 37 silently falling back",
        "A SASS disassembly tool caught 37 kernels silently falling back",
    ),
    (
        "wrapped in a Tree Search adapted so each 'move' is a full -and-profiled kernel",
        "wrapped in a Monte Carlo Tree Search adapted so each 'move' is a full compiled-and-profiled kernel",
    ),
    ("a from-scratch that climbed", "a from-scratch kernel that climbed"),
    ("against unoptimized eager (inflating", "against unoptimized PyTorch eager (inflating"),
    # --- E164: governance decay --------------------------------------------------------------
    ("Picture an enterprise with one standing rule", "Picture an enterprise agent with one standing rule"),
    ("for a few thousand , its compacts the history", "for a few thousand tokens, its harness compacts the history"),
    ("changed — no , no attacker", "changed — no jailbreak, no attacker"),
    (
        "builds a benchmark, , pairing a with a later",
        "builds a benchmark, ConstraintRot, pairing a policy with a later",
    ),
    ("inspecting the actual . Across", "inspecting the actual tool calls. Across"),
    ("after a single , reaching 59%", "after a single compaction, reaching 59%"),
    ("can leave an more likely", "can leave an agent more likely"),
    ("summaries you read — the is the safety surface", "summaries you read — the harness is the safety surface"),
    ("a ~50- 'laminated rule card' () that", "a ~50-token 'laminated rule card' (Constraint Pinning) that"),
    (
        "live today in (65%), (95%), and (100%).",
        "live today in LangGraph (65%), LangMem (95%), and AutoGen (100%).",
    ),
    ("routinely violates that .", "routinely violates that invariant."),
    # --- E171: thinking tokens and safety ------------------------------------------------------
    ("research program — , — bets", "research program — Constitutional AI, deliberative alignment — bets"),
    (
        "E171. A trained on the hidden representation of the very first of a model's",
        "E171. A probe trained on the hidden representation of the very first token of a model's",
    ),
    ("comply at 0.84–0.95 , while", "comply at 0.84–0.95 AUROC, while"),
    ("The authors coin '':", "The authors coin 'performative deliberation':"),
    ("safety defenses, and training-based alike", "safety defenses, inference-time and training-based alike"),
    ("one harmful-vs-over- line", "one harmful-vs-over-refusal line"),
    ("flicker through. For this is sobering", "flicker through. For chain-of-thought monitoring this is sobering"),
    (
        "refuse/comply '' is a vote of four (so the predicts",
        "refuse/comply 'ground truth' is a vote of four (so the probe predicts",
    ),
    # --- E174: model forensics -------------------------------------------------------------------
    ("question: when an does something alarming", "question: when an agent does something alarming"),
    (
        "It proposes '' as a discipline: read the to form",
        "It proposes 'model forensics' as a discipline: read the chain-of-thought to form",
    ),
    ("the paper cites an early that wrote", "the paper cites an early model that wrote"),
    # --- E175: one crosscoder feature --------------------------------------------------------------
    (
        "Reinforcement learning turns into tool-using , but",
        "Reinforcement learning turns language models into tool-using agents, but",
    ),
    (
        "a base -3B and its - tool-use sibling, trains 48 variants",
        "a base Qwen2.5-3B and its RL-trained tool-use sibling, trains 48 crosscoder variants",
    ),
    ("finds the tool-calling concentrates", "finds the tool-calling capability concentrates"),
    ("exclusive feature at , with zero", "exclusive feature steered at inference time, with zero"),
    ("surprising result is '': a base", "surprising result is 'capability spillover': a base"),
    ("why a tool-calling concentrates into one dial", "why a tool-calling skill concentrates into one dial"),
    # --- E172: cliff tokens --------------------------------------------------------------------------
    ("It defines '' — the probability", "It defines 'token-wise potential' — the probability"),
    ("64 times. A '' is where", "64 times. A 'cliff token' is where"),
    ("fixable by training. exploits this", "fixable by training. Cliff-DPO exploits this"),
    # --- E168: Metis ---------------------------------------------------------------------------------
    ("Self-evolving are supposed", "Self-evolving agents are supposed"),
    ("there's a in the road", "there's a fork in the road"),
    ("code is a trusted whose flaws", "code is a trusted black box whose flaws"),
    ("a 22-point drop. 's governing", "a 22-point drop. Metis's governing"),
    ("never reads the messy , building", "never reads the messy trajectory, building"),
    ("An showed an 'Eager'", "An ablation showed an 'Eager'"),
    ("Metis beats a plain agent", "Metis beats a plain ReAct agent"),
    # --- E178: Red Queen Gödel Machine ----------------------------------------------------------------
    ("deeper limitation of : it only works", "deeper limitation of recursive self-improvement: it only works"),
    (
        "E178. The lets the judge evolve alongside the using",
        "E178. The Red Queen Gödel Machine lets the judge evolve alongside the agent using",
    ),
    ("search runs in , the is within an epoch", "search runs in epochs, the utility is stationary within an epoch"),
    ("learning , not cruelty", "learning calibration, not cruelty"),
    # --- E176: AutoCog -------------------------------------------------------------------------------------
    ("'cannot be , solved, or synthesized'", "'cannot be optimized, solved, or synthesized'"),
    (
        "a proof can. hands even that step to AI inside a fully E176",
        "a proof can. AutoCog hands even that step to AI inside a fully closed loop E176",
    ),
    ("Two LLM each advocate", "Two LLM agents each advocate"),
    ("recruited via (250 in total)", "recruited via Prolific (250 in total)"),
    ("decision rules — , , and — collapse", "decision rules — Take-the-Best, Tallying, and WADD — collapse"),
    ("Kahneman and Tversky's . The honest", "Kahneman and Tversky's prospect theory. The honest"),
    ("the domain () is unusually", "the domain (multi-attribute decision-making) is unusually"),
    # --- E166: Sakana Fugu ----------------------------------------------------------------------------------
    ("workhorses, as the software-engineering", "workhorses, Claude as the software-engineering"),
    (
        "combines ideas. exploits that specialization by treating every as a black-box worker",
        "combines ideas. Fugu exploits that specialization by treating every LLM as a black-box worker",
    ),
    (
        "The framing is ' at the behavioral level': classic merging fuses and needs open , but",
        "The framing is 'model merging at the behavioral level': classic merging fuses parameters and needs "
        "open weights, but",
    ),
    ("(trees of , debate", "(trees of thought, debate"),
    (
        "inside a real coding , because is a property of the as much as the weights",
        "inside a real coding harness, because performance is a property of the scaffold as much as the weights",
    ),
    ("compute to train a yourself", "compute to train a frontier model yourself"),
    (
        "That last point is the consequential one: if can be",
        "That last point is the consequential one: if capability can be",
    ),
    ("optimized AutoResearch ), and", "optimized AutoResearch benchmark), and"),
    ("providers' own rich while uses deliberately", "providers' own rich harnesses while Fugu uses deliberately"),
    # --- E179: DSpark ---------------------------------------------------------------------------------------
    (
        "Speculative speeds up generation by letting a cheap draft model guess a block of that",
        "Speculative decoding speeds up generation by letting a cheap draft model guess a block of tokens that",
    ),
    ("two flawed camps: drafters are coherent", "two flawed camps: autoregressive drafters are coherent"),
    ("Notably, tore out the autoregressive", "Notably, DeepSeek tore out the autoregressive"),
    ("drafting blew up 's previous", "drafting blew up DeepSeek's previous"),
    ("degrade aggregate under load", "degrade aggregate throughput under load"),
    ("the probability that survives verification", "the probability that the token survives verification"),
    ("but a better — more speed", "but a better Pareto frontier — more speed"),
]


# --------------------------------------------------------------------------------------
# Show page
# --------------------------------------------------------------------------------------
@dataclass
class Chapter:
    start: int
    title: str
    summary: str


@dataclass
class Episode:
    position: int
    title: str
    description: str
    minutes: int
    number: int = 0
    source: str = ""
    generated: date | None = None
    takeaways: list[str] = field(default_factory=list)
    chapters: list[Chapter] = field(default_factory=list)
    reading: list[str] = field(default_factory=list)

    @property
    def eid(self) -> str:
        return f"E{self.number}"

    @property
    def seconds(self) -> int:
        return self.minutes * 60


@dataclass
class Show:
    title: str
    author: str
    blurb: str
    episodes: list[Episode]


def _nonblank(lines: list[str], start: int) -> int:
    """Index of the first non-blank line at or after ``start``."""
    i = start
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i >= len(lines):
        raise ValueError("unexpected end of the show page")
    return i


def parse_show(text: str) -> Show:
    lines = text.split("\n")
    i = _nonblank(lines, 0)
    title = lines[i].strip()
    i = _nonblank(lines, i + 1)
    author = lines[i].strip()
    i = _nonblank(lines, i + 1)
    blurb = lines[i].strip()
    episodes: list[Episode] = []
    position_line = re.compile(r"^\s{2}(\d+)\.\s+\S.*$")
    while i < len(lines):
        m = position_line.match(lines[i])
        if not m:
            i += 1
            continue
        t = _nonblank(lines, i + 1)
        d = _nonblank(lines, t + 1)
        n = _nonblank(lines, d + 1)
        m_dur = re.fullmatch(r"\s*(\d+) min\s*", lines[n])
        if not m_dur:
            raise ValueError(f"line {n + 1}: expected a duration like '23 min', got {lines[n]!r}")
        episodes.append(
            Episode(
                position=int(m.group(1)),
                title=lines[t].strip(),
                # Strip only the leading indentation and the line end.
                description=lines[d].lstrip(" \t").rstrip("\r\n"),
                minutes=int(m_dur.group(1)),
            )
        )
        i = n + 1
    about = text.split("\nAbout\n", 1)
    if len(about) == 2:
        assert about[1].strip().split("\n", 1)[0].strip() == blurb, "the About text differs from the blurb"
    return Show(title=title, author=author, blurb=blurb, episodes=episodes)


def split_chapter(text: str) -> tuple[str, str]:
    m = CHAPTER_TITLE_END.search(text)
    if not m:
        return text.strip(), ""
    return text[: m.start()].strip(), text[m.end() :].strip()


def analyse_episode(ep: Episode) -> None:
    desc = ep.description
    assert desc.startswith(ep.title + " "), f"description of {ep.title!r} does not start with its title"
    m_src = re.search(r"\bSource: (\S+)", desc)
    assert m_src, f"no Source in {ep.title!r}"
    ep.source = m_src.group(1)
    ep.number = EPISODE_NUMBERS[ep.source]
    m_gen = re.search(r"This episode was AI-generated on ([A-Z][a-z]+ \d{1,2}, \d{4})\.", desc)
    assert m_gen, f"no generation date in {ep.title!r}"
    ep.generated = datetime.strptime(m_gen.group(1), "%B %d, %Y").date()

    reading_at = desc.index(" Recommended Reading: ")
    main, reading = desc[:reading_at], desc[reading_at + len(" Recommended Reading: ") :]
    marks = list(CHAPTER_TS.finditer(main))
    assert marks, f"no chapters in {ep.title!r}"
    take_at = main.index(" Key Takeaways: ")
    takeaways = main[take_at + len(" Key Takeaways: ") : marks[0].start()].strip()
    ep.takeaways = [t.strip() for t in re.split(r"(?:^|\s)- (?=\S)", takeaways) if t.strip()]
    for k, mark in enumerate(marks):
        end = marks[k + 1].start() if k + 1 < len(marks) else len(main)
        ctitle, csummary = split_chapter(main[mark.end() : end])
        start = int(mark.group(1)) * 60 + int(mark.group(2))
        assert ctitle and csummary, f"chapter {k + 1} of {ep.title!r} has no title or summary"
        assert not ep.chapters or start > ep.chapters[-1].start, f"chapters out of order in {ep.title!r}"
        assert start < ep.seconds, f"chapter {k + 1} of {ep.title!r} starts after the episode ends"
        ep.chapters.append(Chapter(start, ctitle, csummary))
    # Reading items: "- Title: why. (https://...)" repeated.
    ep.reading = [r.strip() for r in re.findall(r"-\s(.+?\(https?://[^)\s]+\))", reading)]
    assert len(ep.reading) == reading.count("(http"), f"reading list of {ep.title!r} did not split cleanly"


# --------------------------------------------------------------------------------------
# Feed
# --------------------------------------------------------------------------------------
def hms(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def q(prefix: str, tag: str) -> str:
    return f"{{{NS[prefix]}}}{tag}"


def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = text
    return el


def pub_date(day: date) -> str:
    return format_datetime(datetime(day.year, day.month, day.day, 6, 0, 0, tzinfo=UTC))


def build_feed(show: Show) -> bytes:
    for prefix, uri in NS.items():
        ET.register_namespace(prefix, uri)
    rss = ET.Element("rss", {"version": "2.0"})
    ch = sub(rss, "channel")
    sub(ch, "title", show.title)
    sub(ch, "link", f"{SITE}/")
    sub(ch, "description", show.blurb)
    sub(ch, "language", "en")
    newest = max(ep.generated for ep in show.episodes if ep.generated)
    sub(ch, "lastBuildDate", pub_date(newest))
    sub(ch, q("atom", "link"), href=FEED_URL, rel="self", type="application/rss+xml")
    sub(ch, q("itunes", "author"), show.author)
    sub(ch, q("itunes", "summary"), show.blurb)
    sub(ch, q("itunes", "explicit"), "false")
    sub(ch, q("itunes", "category"), text="Technology")
    sub(ch, q("itunes", "type"), "episodic")
    sub(ch, q("podcast", "guid"), str(uuid.uuid5(PODCAST_GUID_NAMESPACE, FEED_URL.split("://", 1)[1])))
    for ep in show.episodes:
        assert ep.generated is not None
        item = sub(ch, "item")
        sub(item, "title", ep.title)
        sub(item, "description", ep.description)
        sub(item, "link", f"{SITE}/episodes/{ep.eid}")
        sub(item, "guid", f"paperdive-{ep.eid}", isPermaLink="false")
        sub(item, "pubDate", pub_date(ep.generated))
        sub(
            item,
            "enclosure",
            url=f"{SITE}/audio/{ep.eid}.mp3",
            length=str(ep.seconds * AUDIO_BYTES_PER_SECOND),
            type="audio/mpeg",
        )
        sub(item, q("itunes", "title"), ep.title)
        sub(item, q("itunes", "episode"), str(ep.number))
        sub(item, q("itunes", "episodeType"), "full")
        sub(item, q("itunes", "duration"), str(ep.seconds))
        sub(item, q("itunes", "explicit"), "false")
        sub(item, q("podcast", "chapters"), url=f"{SITE}/chapters/{ep.eid}.json", type="application/json+chapters")
        psc = sub(item, q("psc", "chapters"), version="1.2")
        for c in ep.chapters:
            sub(psc, q("psc", "chapter"), start=hms(c.start), title=c.title)
    ET.indent(rss, space="  ")
    body = ET.tostring(rss, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8")


def check_feed(data: bytes, show: Show) -> None:
    root = ET.fromstring(data)
    items = root.findall("./channel/item")
    assert len(items) == len(show.episodes)
    assert root.findtext("./channel/description") == show.blurb
    for item, ep in zip(items, show.episodes, strict=True):
        assert item.findtext("title") == ep.title
        assert item.findtext("description") == ep.description, f"description of {ep.eid} changed"
        assert len(item.findall(f"./{q('psc', 'chapters')}/{q('psc', 'chapter')}")) == len(ep.chapters)


def chapters_json(ep: Episode) -> str:
    doc = {"version": "1.2.0", "chapters": [{"startTime": c.start, "title": c.title} for c in ep.chapters]}
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


# --------------------------------------------------------------------------------------
# Weekly review
# --------------------------------------------------------------------------------------
@dataclass
class Subsection:
    title: str
    paragraphs: list[str] = field(default_factory=list)


@dataclass
class Topic:
    title: str
    summary: str
    subsections: list[Subsection] = field(default_factory=list)


@dataclass
class Review:
    title: str
    day: date
    meta_prefix: str
    meta_suffix: str
    date_text: str
    intro: str
    topics: list[Topic]


CHROME = {"← all reviews", "paperdive.ai", "Review", "0:00"}
TOPIC_END = "Episodes in this topic"


def restore_gaps(text: str) -> tuple[str, int]:
    """Apply :data:`RESTORATIONS`; return the text and the number of gaps filled."""
    gaps = 0
    for old, new in RESTORATIONS:
        assert text.count(old) == 1, f"restoration context must occur exactly once: {old!r} ({text.count(old)}x)"
        tok_old = re.findall(r"\w+|[^\w\s]", old)
        tok_new = re.findall(r"\w+|[^\w\s]", new)
        ops = difflib.SequenceMatcher(a=tok_old, b=tok_new, autojunk=False).get_opcodes()
        assert all(op in ("equal", "insert") for op, *_ in ops), f"restoration must only insert words: {old!r}"
        gaps += sum(1 for op, *_ in ops if op == "insert")
        text = text.replace(old, new, 1)
    return text, gaps


def is_heading(line: str) -> bool:
    return len(line) < 150 and not E_REF.search(line) and not line.endswith((".", "?", "!"))


def parse_review(text: str) -> Review:
    lines = [ln.strip() for ln in text.split("\n")]
    blocks = [ln for ln in lines if ln]
    meta = next(b for b in blocks if b.startswith("Weekly review · "))
    m_meta = re.fullmatch(r"(Weekly review · \d+ episodes · )([A-Z][a-z]{2} \d{1,2}, \d{4})( · \d+ min)", meta)
    assert m_meta, f"unexpected review meta line {meta!r}"
    day = datetime.strptime(m_meta.group(2), "%b %d, %Y").date()
    title = blocks[blocks.index(meta) + 1]
    assert title.startswith("AI Papers Week in Review: ")
    # Skip the page chrome: everything before the intro paragraph.
    start = next(k for k, b in enumerate(blocks) if b.startswith("This week"))
    for b in blocks[:start]:
        assert b in CHROME or b in (meta, title) or "cover art" in b or re.fullmatch(r"\d+ min", b), b
    intro = blocks[start]
    topics: list[Topic] = []
    k = start + 1
    while k < len(blocks):
        ttitle, summary = blocks[k], blocks[k + 1]
        assert is_heading(ttitle) and not is_heading(summary), (ttitle, summary)
        topic = Topic(ttitle, summary)
        k += 2
        while k < len(blocks) and blocks[k] != TOPIC_END:
            if is_heading(blocks[k]):
                topic.subsections.append(Subsection(blocks[k]))
            else:
                assert topic.subsections, f"paragraph before any subsection heading: {blocks[k][:60]!r}"
                topic.subsections[-1].paragraphs.append(blocks[k])
            k += 1
        assert k < len(blocks), f"topic {ttitle!r} has no {TOPIC_END!r} line"
        k += 1  # the "Episodes in this topic" line (its list was lost in the capture)
        topics.append(topic)
    return Review(
        title=title,
        day=day,
        meta_prefix=m_meta.group(1),
        meta_suffix=m_meta.group(3),
        date_text=m_meta.group(2),
        intro=intro,
        topics=topics,
    )


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def eref(n: str) -> str:
    return f'<a class="episode-ref" href="{SITE}/episodes/E{n}">E{n}</a>'


def linkify(text: str) -> str:
    """Escape text and turn every E-number into an episode link with the same visible text."""
    out: list[str] = []
    pos = 0
    for m in E_REF.finditer(text):
        out.append(esc(text[pos : m.start()]))
        out.append(eref(m.group(1)))
        pos = m.end()
    out.append(esc(text[pos:]))
    return "".join(out)


def first_sentence(text: str) -> str:
    m = re.search(r"[.!?](?=\s+[A-Z])", text)
    return text[: m.end()] if m else text


def build_review_html(review: Review) -> str:
    rid = review.day.isoformat()
    out: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{esc(review.title)}</title>",
        f'<meta name="description" content="{html.escape(first_sentence(review.intro), quote=True)}">',
        "</head>",
        "<body>",
        f'<article class="review" data-review-id="{rid}">',
        "<header>",
        f"<h1>{esc(review.title)}</h1>",
        f'<p class="review-meta">{esc(review.meta_prefix)}<time datetime="{rid}">{esc(review.date_text)}</time>'
        f"{esc(review.meta_suffix)}</p>",
        "</header>",
        '<section class="review-intro">',
        f"<p>{linkify(review.intro)}</p>",
        "</section>",
    ]
    ids: set[str] = set()
    for topic in review.topics:
        tid = "topic-" + slugify(topic.title)
        assert tid not in ids, tid
        ids.add(tid)
        out += [f'<section class="topic" id="{tid}">', f"<h2>{esc(topic.title)}</h2>"]
        out.append(f'<p class="topic-summary">{linkify(topic.summary)}</p>')
        cited: list[str] = []
        for subsection in topic.subsections:
            sid = slugify(subsection.title)
            assert sid not in ids, sid
            ids.add(sid)
            out += [f'<section class="subsection" id="{sid}">', f"<h3>{esc(subsection.title)}</h3>"]
            for para in subsection.paragraphs:
                out.append(f"<p>{linkify(para)}</p>")
                for m in E_REF.finditer(para):
                    if m.group(1) not in cited:
                        cited.append(m.group(1))
            out.append("</section>")
        items = "".join(f"<li>{eref(n)}</li>" for n in cited)
        out += [f'<footer class="topic-episodes"><h3>{TOPIC_END}</h3><ul>{items}</ul></footer>', "</section>"]
    out += ["</article>", "</body>", "</html>", ""]
    return "\n".join(out)


# --------------------------------------------------------------------------------------
# README
# --------------------------------------------------------------------------------------
def build_readme(show: Show, review: Review, gaps: int) -> str:
    rows = "\n".join(f"| {ep.position} | {ep.eid} | {ep.title} | {len(ep.chapters)} |" for ep in show.episodes)
    n_sub = sum(len(t.subsections) for t in review.topics)
    n_par = 1 + sum(len(s.paragraphs) for t in review.topics for s in t.subsections)
    return f"""# Sample corpus

Generated by

    .venv/bin/python scripts/make_sample.py --seeds ../shared/seeds --out data/sample

from the two seed page captures in `../shared/seeds/`: the show page `{SHOW_FILE}`
and the weekly review `{REVIEW_FILE}`. Do not edit the generated files by hand;
change the script and re-run it (the output is deterministic). `glossary.yaml` is
maintained separately and is not produced by the script.

| file | what it is |
| --- | --- |
| `feed.xml` | RSS 2.0 podcast feed (namespaces `itunes`, `podcast`, `psc`, `atom`) \
with the {len(show.episodes)} episodes of the show page, newest first. Each `<description>` is \
the show-page description line verbatim (the script re-parses the file and checks it). \
Chapters appear twice: `<podcast:chapters>` pointing at the JSON file, and inline \
Podlove `<psc:chapters>`. |
| `chapters/E<n>.json` | Podcasting 2.0 JSON chapters (`version` 1.2.0, `startTime` in \
seconds, `title`) parsed from the `MM:SS - Title: summary` runs of each description. |
| `reviews/{review.day.isoformat()}.html` | The weekly review "{review.title}" as valid \
HTML5: {len(review.topics)} `section.topic`, {n_sub} `section.subsection`, {n_par} paragraphs \
(intro included); every `E<n>` is an `a.episode-ref` link; each topic ends with a \
`footer.topic-episodes` list of the E-numbers it cites, in order of first citation. |
| `README.md` | This note. |

## Episode numbers

The show page does not number its episodes; the weekly review does, by describing each
paper next to its E-reference. The script keys the numbers by each episode's `Source:`
URL (table `EPISODE_NUMBERS`, each entry citing the review sentence that establishes it):

| show-page position | episode | title | chapters |
| --- | --- | --- | --- |
{rows}

Evidence, in short: DSpark/DeepSeek speculative decoding = E179 ("DSpark's first move");
KernelPro GPU kernels = E177 ("raw hardware counters made its GPU code slower ... E177");
the AI reviewer with co-evolving judges = E178 ("an AI paper-reviewer was caught accepting
machine-written papers"); AutoCog psychology = E176; the one crosscoder feature = E175
("matching what takes the unpartitioned crosscoder 33 features E175"); the free
step-level grader = E173 ("double as its own [reward model] ... E173"); model forensics =
E174 ("schemed or was just confused E174?"); cliff tokens = E172 ("reasoning failures
... surprisingly localized E172").

`pubDate` is the "This episode was AI-generated on ..." date at 06:00 UTC; `guid` is
`paperdive-E<n>`; enclosure URLs and lengths (duration x 16,000 bytes) are placeholders.

## Restored words in the review

On the live review page glossary terms were links with tooltips; the capture dropped the
linked words, leaving gaps such as "' collapse,'". The script puts back {gaps} dropped
terms through {len(RESTORATIONS)} (seed context, restored context) pairs kept in one table,
`RESTORATIONS` in `scripts/make_sample.py`. Each seed context must occur exactly once and
each restoration may only insert words. The words were chosen from the surrounding text
and from the episodes' own descriptions, which use the same vocabulary; they are best
guesses, not recovered text. Restored words are plain text (no links).

The capture has {len(review.topics)} topics (each ending with an "Episodes in this topic"
line whose list was lost); the footers are rebuilt from the E-numbers each topic cites.
"""


# --------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    ap.add_argument("--seeds", type=Path, required=True, help="directory holding the seed captures")
    ap.add_argument("--out", type=Path, required=True, help="output directory (e.g. data/sample)")
    args = ap.parse_args(argv)

    show = parse_show((args.seeds / SHOW_FILE).read_text(encoding="utf-8"))
    assert len(show.episodes) == 8, f"expected 8 episodes, found {len(show.episodes)}"
    for ep in show.episodes:
        analyse_episode(ep)
    assert len({ep.number for ep in show.episodes}) == len(show.episodes)

    raw_review = (args.seeds / REVIEW_FILE).read_text(encoding="utf-8")
    restored, gaps = restore_gaps(raw_review)
    review = parse_review(restored)
    seed_review = parse_review(raw_review)
    n_par = sum(len(s.paragraphs) for t in review.topics for s in t.subsections)
    assert n_par == sum(len(s.paragraphs) for t in seed_review.topics for s in t.subsections)
    refs = sorted({int(n) for n in E_REF.findall(restored)})
    assert refs == list(range(162, 180)), refs

    out: Path = args.out
    (out / "chapters").mkdir(parents=True, exist_ok=True)
    (out / "reviews").mkdir(parents=True, exist_ok=True)
    feed = build_feed(show)
    check_feed(feed, show)
    (out / "feed.xml").write_bytes(feed)
    for ep in show.episodes:
        (out / "chapters" / f"{ep.eid}.json").write_text(chapters_json(ep), encoding="utf-8")
    (out / "reviews" / f"{review.day.isoformat()}.html").write_text(build_review_html(review), encoding="utf-8")
    (out / "README.md").write_text(build_readme(show, review, gaps), encoding="utf-8")

    for ep in show.episodes:
        print(
            f"{ep.eid}: {len(ep.chapters)} chapters, {len(ep.takeaways)} takeaways, "
            f"{len(ep.reading)} reading items, {ep.seconds} s"
        )
    n_sub = sum(len(t.subsections) for t in review.topics)
    print(
        f"review {review.day}: {len(review.topics)} topics, {n_sub} subsections, "
        f"{1 + n_par} paragraphs (intro + {n_par}), {len(refs)} E-refs, "
        f"{gaps} gaps restored in {len(RESTORATIONS)} entries"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
