"""A synthetic corpus big enough for a ~1,000-node graph, written as real source files.

``write_corpus(dir, episodes=120, ...)`` writes ``feed.xml`` (descriptions in the podcast's
grammar, each covering one paper and recommending four from a shared pool) and
``glossary.yaml`` (terms of every kind, explained in chapters of the episodes, with broader
and related links). ``kg build --data dir`` turns it into a store through the real pipeline.
Deterministic: the same arguments give the same files.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from xml.sax.saxutils import escape

KINDS = ["concept", "method", "benchmark", "model", "system", "metric", "organisation", "jargon"]
WORDS = (
    "sparse dense latent gradient reward policy token kernel graph vector prompt agent memory cache "
    "router verifier planner critic tensor adapter sampler decoder encoder probe lattice beacon"
).split()


def _word(rng: random.Random, i: int) -> str:
    return f"{rng.choice(WORDS)} {rng.choice(WORDS)} {i}"


def write_corpus(root: Path, episodes: int = 120, pool: int = 400, terms: int = 360, seed: int = 7) -> Path:
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    start = dt.datetime(2026, 1, 1, 6, 0, tzinfo=dt.UTC)
    term_labels = [f"synthterm {_word(rng, i)}" for i in range(terms)]
    term_ids = [f"synth-{i}" for i in range(terms)]
    chapters_of: dict[str, list[str]] = {}
    items = []
    for n in range(1, episodes + 1):
        eid = f"E{n}"
        when = start + dt.timedelta(days=n)
        chapter_ts = [f"{m:02d}:{s:02d}" for m, s in ((1, 0), (4, 30), (9, 15))]
        chapters_of[eid] = chapter_ts
        chapters = " ".join(
            f"{ts} - Part {k + 1} of episode {n}: Walks through {rng.choice(WORDS)} ideas in detail."
            for k, ts in enumerate(chapter_ts)
        )
        picks = rng.sample(range(pool), 4)
        reading = " ".join(
            f"- Pool Paper {p}: Background reading number {p} for the episode. (https://arxiv.org/abs/2501.{p:05d})"
            for p in picks
        )
        desc = (
            f"Synthetic Episode {n} Source: https://arxiv.org/abs/2601.{n:05d} "
            f"Paper was published on {when.date().isoformat()} "
            f"This episode was AI-generated on {when.strftime('%B')} {when.day}, {when.year}. "
            "The script was written by an AI language model and the host voices were synthesized by Eleven Labs. "
            f"A synthetic summary of episode {n}. Key Takeaways: - One point about episode {n} "
            f"- Another point about episode {n} {chapters} Recommended Reading: {reading}"
        )
        items.append(
            "<item>"
            f"<title>Synthetic Episode {n}</title>"
            f"<description>{escape(desc)}</description>"
            f"<link>https://paperdive.ai/episodes/{eid}</link>"
            f'<guid isPermaLink="false">synth-{eid}</guid>'
            f"<pubDate>{when.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>"
            f"<itunes:episode>{n}</itunes:episode>"
            "</item>"
        )
    feed = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel>'
        "<title>Synthetic Podcast</title><link>https://paperdive.ai/</link>"
        "<description>A synthetic feed for graph tests.</description>" + "".join(items) + "</channel></rss>\n"
    )
    (root / "feed.xml").write_text(feed, encoding="utf-8")
    lines = ["version: 1", "scheme:", "  title: Synthetic glossary", "  description: For graph tests.", "terms:"]
    for i, (tid, label) in enumerate(zip(term_ids, term_labels, strict=True)):
        ep = f"E{rng.randint(1, episodes)}"
        broader = [term_ids[i // 10]] if i >= 10 else []
        related = sorted({term_ids[rng.randrange(terms)] for _ in range(2)} - {tid})
        lines += [
            f"  - id: {tid}",
            f"    label: {label}",
            "    aliases: []",
            "    acronyms: []",
            f"    kind: {KINDS[i % len(KINDS)]}",
            f"    definition: Synthetic term number {i} for the graph tests.",
            f"    broader: [{', '.join(broader)}]",
            f"    related: [{', '.join(related)}]",
            "    explained_in:",
            f'      - {{episode: {ep}, chapter: "{rng.choice(chapters_of[ep])}"}}',
        ]
    (root / "glossary.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root
