"""Generate a synthetic corpus of N episodes in the project's own input formats.

Usage::

    .venv/bin/python scripts/synth.py --episodes 10000 --out /tmp/corpus-10k [--seed 7] [--terms 2000]
    .venv/bin/kg build --data /tmp/corpus-10k --store /tmp/kg-10k

Everything is modelled on the bundled sample (``data/sample``), read through the
project's own parsers when the script starts:

* **text** -- a word bigram chain trained on the sample's episode summaries, chapter
  summaries, takeaways and review paragraphs (so the vocabulary and sentence shapes
  are the sample's); titles in Title Case from the same chains;
* **shape** -- chapter counts, takeaway counts, reading-list lengths, summary and
  paragraph lengths and episode durations drawn from the sample's own values;
* **glossary** -- the sample's 345 terms kept as they are (their ``explained_in``
  pointed at synthetic chapters), topped up to ``--terms`` with terms whose labels are
  built from the sample's label words; kinds, alias, acronym, broader and related
  counts follow the sample's distributions;
* **term frequencies** -- each episode uses as many distinct glossary terms as a sample
  episode does (measured on the sample text), drawn Zipf-wise by rank, with the terms
  the sample uses most ranked first;
* **papers** -- each episode covers a new paper; reading lists cite a pool of papers
  (the sample's real recommendations first, then synthetic ones, plus the papers of
  earlier episodes) with a power-law (Zipf) spread, so a few papers are cited very
  often and most once;
* **reviews** -- one weekly review page per week of episodes (at most 18 episodes
  discussed each, as in the sample), with recurring topics, subsections, E-references
  and the topic footers of the review markup contract.

Output (``--out DIR``): ``feed-0001.xml`` … (RSS 2.0 like ``data/sample/feed.xml``,
``--per-feed`` items each, newest first, as a paged archive would be), ``reviews/*.html``
and ``glossary.yaml``. The output is a pure function of the arguments: the same
arguments give byte-identical files. Only the standard library and the project's own
parsers are used; nothing is fetched.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import html
import json
import random
import re
import shutil
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a plain script from a checkout
    sys.path.insert(0, str(ROOT))

from kg.ids import slugify  # noqa: E402
from kg.parsers.feed import read_feed  # noqa: E402
from kg.parsers.glossary import read_glossary  # noqa: E402
from kg.parsers.review import read_review  # noqa: E402
from kg.records import Glossary, GlossaryTerm, Review  # noqa: E402

SITE = "https://paperdive.ai"
END_DATE = dt.date(2026, 6, 28)  # a Sunday: the sample review's date
MAX_SPAN_DAYS = 3836  # ten and a half years: beyond that, more episodes per day
REVIEW_MAX_EPISODES = 18  # the sample review discusses 18 episodes
ZIPF_PAPERS = 1.1
ZIPF_TERMS = 1.0
ZIPF_TOPICS = 0.8
GENERATION_NOTE = (
    "The script was written by an AI language model and the host voices were synthesized by Eleven Labs. "
    "The producer is not affiliated with Anthropic or Eleven Labs."
)
_EREF = re.compile(r"(?<![\w/])E\d+(?!\w)")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*")
MONTHS = "January February March April May June July August September October November December".split()


# --------------------------------------------------------------------------------------
# What the sample looks like
# --------------------------------------------------------------------------------------


class Chain:
    """A word bigram chain: deterministic given the training text and the random source."""

    def __init__(self, texts: list[str]):
        nexts: dict[str, Counter[str]] = defaultdict(Counter)
        starts: Counter[str] = Counter()
        for text in texts:
            for sentence in re.split(r"(?<=[.!?])\s+", clean(text)):
                words = sentence.split()
                if len(words) < 4:
                    continue
                starts[words[0]] += 1
                for a, b in zip(words, words[1:], strict=False):
                    nexts[a][b] += 1
        self._starts = _Choice(starts)
        self._nexts = {w: _Choice(c) for w, c in nexts.items()}

    def sentence(self, rnd: random.Random, words: int, start: str | None = None, exact: bool = False) -> str:
        """About ``words`` words, to the next full stop (or exactly ``words`` when ``exact``)."""
        out = [start or self._starts.pick(rnd)]
        while len(out) < (words if exact else words * 2):
            choice = self._nexts.get(out[-1])
            if choice is None:
                break
            w = choice.pick(rnd)
            out.append(w)
            if len(out) >= words and w[-1] in ".!?":
                break
        text = " ".join(out).rstrip(",;:—")
        if text[-1] not in ".!?":
            text += "."
        return text

    def text(self, rnd: random.Random, words: int) -> str:
        out: list[str] = []
        total = 0
        while total < words:
            s = self.sentence(rnd, max(8, min(30, words - total)))
            out.append(s)
            total += len(s.split())
        return " ".join(out)


class _Choice:
    def __init__(self, counts: Counter[str]):
        self.items = list(counts)
        acc, cum = 0, []
        for item in self.items:
            acc += counts[item]
            cum.append(acc)
        self.cum = cum

    def pick(self, rnd: random.Random) -> str:
        return self.items[bisect.bisect_right(self.cum, rnd.random() * self.cum[-1])]


class Zipf:
    """Ranks 0..n-1 drawn with probability proportional to (rank + 1) ** -s."""

    def __init__(self, n: int, s: float):
        acc, cum = 0.0, []
        for r in range(n):
            acc += (r + 1) ** -s
            cum.append(acc)
        self.cum = cum

    def pick(self, rnd: random.Random) -> int:
        return min(bisect.bisect_right(self.cum, rnd.random() * self.cum[-1]), len(self.cum) - 1)


def clean(text: str) -> str:
    """Sample text made safe for the description grammar: no ' - ', no timestamps, no E-refs."""
    text = text.replace(" - ", " — ")
    text = _EREF.sub("", text)
    text = re.sub(r"\d+:\d+", "", text)
    text = re.sub(r"https?://\S+", "", text)
    text = re.sub(r"\b(Source|Key Takeaways|Recommended Reading)\b:?", "", text)
    text = re.sub(r"[()\[\]]", "", text)
    text = re.sub(r"\s+([,.;!?])", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


@dataclass
class Model:
    summaries: Chain
    chapters: Chain
    takeaways: Chain
    review: Chain
    titles: Chain
    chapter_titles: Chain
    chapter_counts: list[int]
    takeaway_counts: list[int]
    reading_counts: list[int]
    summary_words: list[int]
    chapter_words: list[int]
    takeaway_words: list[int]
    paragraph_words: list[int]
    durations: list[int]
    terms_per_episode: list[int]
    term_rank: list[str]  # sample term ids, most used first
    explained_counts: list[int]
    alias_counts: list[int]
    acronym_share: float
    broader_share: float
    related_counts: list[int]
    kinds: list[str]
    label_words: list[str]
    reading_papers: list[tuple[str, str, str]]  # (title, why, url) from the sample
    topics: list[tuple[str, str]]  # (title, summary)
    glossary: Glossary
    subsections_per_topic: list[int]


def read_sample(sample: Path) -> Model:
    feeds = [read_feed(p) for p in sorted(sample.glob("*.xml"))]
    episodes = [e for f in feeds for e in f.episodes]
    reviews: list[Review] = [read_review(p) for p in sorted((sample / "reviews").glob("*.html"))]
    glossary = read_glossary(sample / "glossary.yaml")
    descs = [e.description for e in episodes]
    paragraphs = [p.text for r in reviews for p in r.paragraphs]

    # distinct glossary terms each sample episode's text uses (plain word-boundary match)
    forms = [(t.id, f.casefold()) for t in glossary.terms for f in t.surface_forms if len(f) >= 3]
    per_episode: list[int] = []
    usage: Counter[str] = Counter()
    for d in descs:
        text = " ".join([d.summary, *d.takeaways, *(c.title + " " + c.summary for c in d.chapters)]).casefold()
        used = {tid for tid, f in forms if re.search(r"(?<!\w)" + re.escape(f) + r"(?!\w)", text)}
        per_episode.append(len(used))
        usage.update(used)
    term_rank = sorted((t.id for t in glossary.terms), key=lambda tid: (-usage[tid], tid))

    label_words = sorted(
        {w.lower() for t in glossary.terms for w in _WORD.findall(t.label) if len(w) >= 4 and w.isalpha()}
    )
    reading: dict[str, tuple[str, str, str]] = {}
    for d in descs:
        for r in d.reading:
            if r.url and r.paper:
                reading.setdefault(r.paper.key, (r.title, r.note, r.url))
    topics = [(t.title, t.summary) for r in reviews for t in r.topics]
    return Model(
        summaries=Chain([d.summary for d in descs] + paragraphs),
        chapters=Chain([c.summary for d in descs for c in d.chapters]),
        takeaways=Chain([t for d in descs for t in d.takeaways]),
        review=Chain(paragraphs),
        titles=Chain([e.title + "." for e in episodes] + [t.title + "." for r in reviews for t in r.topics]),
        chapter_titles=Chain([c.title.replace(":", "") + "." for d in descs for c in d.chapters]),
        chapter_counts=[len(d.chapters) for d in descs],
        takeaway_counts=[len(d.takeaways) for d in descs],
        reading_counts=[len(d.reading) for d in descs],
        summary_words=[len(d.summary.split()) for d in descs],
        chapter_words=[len(c.summary.split()) for d in descs for c in d.chapters],
        takeaway_words=[len(t.split()) for d in descs for t in d.takeaways],
        paragraph_words=[len(p.split()) for p in paragraphs],
        durations=[e.duration or 1500 for e in episodes],
        terms_per_episode=per_episode,
        term_rank=term_rank,
        explained_counts=[len(t.explained_in) for t in glossary.terms],
        alias_counts=[len(t.aliases) for t in glossary.terms],
        acronym_share=sum(1 for t in glossary.terms if t.acronyms) / len(glossary.terms),
        broader_share=sum(1 for t in glossary.terms if t.broader) / len(glossary.terms),
        related_counts=[len(t.related) for t in glossary.terms],
        kinds=[t.kind for t in glossary.terms],
        label_words=label_words,
        reading_papers=[reading[k] for k in sorted(reading)],
        topics=topics,
        glossary=glossary,
        subsections_per_topic=[len(t.subsections) for r in reviews for t in r.topics],
    )


# --------------------------------------------------------------------------------------
# The synthetic world
# --------------------------------------------------------------------------------------


@dataclass
class Paper:
    url: str
    title: str
    why: str


@dataclass
class Chapter:
    start: int
    title: str
    summary: str

    @property
    def timestamp(self) -> str:
        m, s = divmod(self.start, 60)
        return f"{m:02d}:{s:02d}"


@dataclass
class SynthEpisode:
    number: int
    day: dt.date
    title: str
    paper: Paper
    published: dt.date
    summary: str
    takeaways: list[str]
    chapters: list[Chapter]
    reading: list[Paper]
    duration: int
    terms: list[str] = field(default_factory=list)  # glossary ids used

    @property
    def eid(self) -> str:
        return f"E{self.number}"

    def description(self) -> str:
        parts = [
            self.title,
            f"Source: {self.paper.url}",
            f"Paper was published on {self.published.isoformat()}",
            f"This episode was AI-generated on {MONTHS[self.day.month - 1]} {self.day.day}, {self.day.year}.",
            GENERATION_NOTE,
            self.summary,
            "Key Takeaways: " + " ".join(f"- {t}" for t in self.takeaways),
            " ".join(f"{c.timestamp} - {c.title}: {c.summary}" for c in self.chapters),
        ]
        if self.reading:
            parts.append("Recommended Reading: " + " ".join(f"- {p.title}: {p.why} ({p.url})" for p in self.reading))
        return " ".join(parts)


class World:
    def __init__(self, model: Model, episodes: int, terms: int, seed: int):
        self.m = model
        self.n = episodes
        self.rnd = random.Random(seed)
        self.terms = self._glossary_terms(terms)
        self.term_ids = [t.id for t in self.terms]
        ranked = [tid for tid in model.term_rank]
        ranked += [t.id for t in self.terms if t.id not in set(model.term_rank)]
        self.term_order = ranked
        self.term_zipf = Zipf(len(ranked), ZIPF_TERMS)
        self.by_id = {t.id: t for t in self.terms}
        self.papers = self._paper_pool(max(200, episodes * 2))
        self.paper_zipf = Zipf(len(self.papers), ZIPF_PAPERS)
        self.topics = self._topic_pool(max(20, min(400, episodes // 25)))
        self.topic_zipf = Zipf(len(self.topics), ZIPF_TOPICS)
        self.explained: dict[str, list[tuple[str, str]]] = defaultdict(list)  # term -> (episode, chapter ts)

    # -- helpers -------------------------------------------------------------------
    def pick(self, values: list):
        return values[self.rnd.randrange(len(values))]

    def jitter(self, values: list[int], lo: int = 1) -> int:
        return max(lo, int(round(self.pick(values) * self.rnd.uniform(0.85, 1.15))))

    def title_case(self, words: list[str]) -> str:
        small = {"a", "an", "the", "of", "for", "and", "in", "on", "to", "with", "via"}
        out = [w if w.isupper() else (w.capitalize() if i == 0 or w not in small else w) for i, w in enumerate(words)]
        return " ".join(out)

    # -- glossary ------------------------------------------------------------------
    def _glossary_terms(self, total: int) -> list[GlossaryTerm]:
        m, rnd = self.m, self.rnd
        kept = [
            GlossaryTerm(
                id=t.id,
                label=t.label,
                definition=t.definition,
                kind=t.kind,
                aliases=list(t.aliases),
                acronyms=list(t.acronyms),
                broader=list(t.broader),
                related=list(t.related),
                explained_in=[],
            )
            for t in m.glossary.terms
        ]
        forms = {f.casefold() for t in kept for f in t.surface_forms} | {t.id for t in kept}
        ids = {t.id for t in kept}
        out = list(kept)
        words = m.label_words
        attempts = 0
        while len(out) < total and attempts < total * 50:
            attempts += 1
            k = 2 if rnd.random() < 0.7 else 3
            label = " ".join(self.pick(words) for _ in range(k))
            tid = slugify(label)
            if len(set(label.split())) < k or label.casefold() in forms or tid in ids:
                continue
            aliases: list[str] = []
            for _ in range(self.pick(m.alias_counts)):
                alias = label + " " + self.pick(["method", "approach", "model", "objective", "score", "trick"])
                if alias.casefold() not in forms and alias not in aliases:
                    aliases.append(alias)
            acronyms: list[str] = []
            if rnd.random() < m.acronym_share:
                acro = "".join(w[0] for w in label.split()).upper() + str(len(out) % 97)
                if acro.casefold() not in forms:
                    acronyms.append(acro)
            definition = m.summaries.sentence(rnd, 22)
            while len(definition) > 270:
                definition = m.summaries.sentence(rnd, 16)
            broader = [self.pick(out).id] if rnd.random() < m.broader_share else []
            related = sorted({self.pick(out).id for _ in range(self.pick(m.related_counts))} - {tid})
            term = GlossaryTerm(
                id=tid,
                label=label,
                definition=definition,
                kind=self.pick(m.kinds),
                aliases=aliases,
                acronyms=acronyms,
                broader=broader,  # always an earlier term: no cycles
                related=related,
            )
            forms.update(f.casefold() for f in term.surface_forms)
            ids.add(tid)
            out.append(term)
        return out

    # -- papers and topics -----------------------------------------------------------
    def _paper_pool(self, size: int) -> list[Paper]:
        m, rnd = self.m, self.rnd
        pool = [Paper(url, title, why) for title, why, url in m.reading_papers]
        seen = {p.url for p in pool}
        while len(pool) < size:
            year = rnd.randint(15, 26)
            month = rnd.randint(1, 12 if year < 26 else 6)
            kind = rnd.random()
            if kind < 0.9:
                url = f"https://arxiv.org/abs/{year:02d}{month:02d}.{rnd.randint(1, 29999):05d}"
            elif kind < 0.96:
                url = f"https://doi.org/10.{rnd.randint(1000, 9999)}/s{rnd.randint(10000, 99999)}-0{year}-0{month}"
            else:
                url = f"https://research.example.org/{year + 2000}/{slugify(self.pick(m.label_words))}-{len(pool)}"
            if url in seen:
                continue
            seen.add(url)
            pool.append(Paper(url, self.paper_title(), self.paper_why()))
        return pool

    def headline(self, lo: int, hi: int) -> str:
        """Title Case words from the summaries chain (the sample's vocabulary)."""
        text = self.m.summaries.sentence(self.rnd, hi).rstrip(".!?").replace(":", "").replace(" — ", " ")
        words = [w.strip(",;'’\"()") for w in text.split()]
        words = [w for w in words if w][: self.rnd.randint(lo, hi)]
        return self.title_case(words) or "Untitled"

    def paper_title(self) -> str:
        head = self.headline(5, 10)
        if self.rnd.random() < 0.35:
            name = self.pick(self.m.label_words).capitalize() + self.pick(["", "-2", "Net", "Bench", "RL", "Former"])
            return f"{name}: {head}"
        return head

    def paper_why(self) -> str:
        why = self.m.summaries.sentence(self.rnd, 20).replace(": ", ", ")
        why = why[0].upper() + why[1:]
        words = why.split()
        # the grammar tells title from 'why' by capitalisation: keep the why a sentence
        return " ".join([words[0]] + [w.lower() if not w.isupper() else w for w in words[1:]])

    def _topic_pool(self, size: int) -> list[tuple[str, str]]:
        pool = list(self.m.topics)
        titles = {slugify(t) for t, _ in pool}
        labels = [t.label for t in self.m.glossary.terms if ":" not in t.label]
        attempts = 0
        while len(pool) < size and attempts < size * 20:
            attempts += 1
            a, b = self.pick(labels), self.pick(labels)
            title = self.title_case(f"{a} and {b}".split()) if a != b else ""
            if not title or slugify(title) in titles:
                continue
            titles.add(slugify(title))
            pool.append((title, self.m.summaries.sentence(self.rnd, 24)))
        return pool

    # -- episodes --------------------------------------------------------------------
    def dates(self) -> list[dt.date]:
        """Day of each episode, oldest first: the sample's rate (18 a week) up to ten and a half years."""
        rate = max(REVIEW_MAX_EPISODES / 7, self.n / MAX_SPAN_DAYS)
        last_day = END_DATE - dt.timedelta(days=1)
        return [last_day - dt.timedelta(days=int((self.n - 1 - i) / rate)) for i in range(self.n)]

    def with_term(self, text: str, label: str) -> str:
        words = text.split()
        if len(words) < 4:
            return f"{text} {label}"
        i = self.rnd.randrange(1, len(words) - 1)
        joiner = self.pick(["with", "and", "via", "using", "through"])
        return " ".join(words[:i] + [joiner, label] + words[i:])

    def episode(self, number: int, day: dt.date) -> SynthEpisode:
        m, rnd = self.m, self.rnd
        k = max(3, self.jitter(m.terms_per_episode))
        used: list[str] = []
        for _ in range(k * 3):
            tid = self.term_order[self.term_zipf.pick(rnd)]
            if tid not in used:
                used.append(tid)
            if len(used) >= k:
                break
        labels = [self.by_id[t].label for t in used]

        duration = self.jitter(m.durations, 600)
        n_ch = self.jitter(m.chapter_counts, 3)
        starts = sorted(rnd.sample(range(60, duration - 60), n_ch))
        chapters = []
        for s in starts:
            title = m.chapter_titles.sentence(rnd, 5).rstrip(".!?").replace(":", "")
            title = " ".join(title.split()[:9]) or "More"
            title = title[0].upper() + title[1:]
            summary = m.chapters.sentence(rnd, self.jitter(m.chapter_words, 8))  # starts as the sample's do
            chapters.append(Chapter(s, title, summary))
        summary = m.summaries.text(rnd, self.jitter(m.summary_words, 30))
        takeaways = []
        for _ in range(self.jitter(m.takeaway_counts, 2)):
            t = m.takeaways.sentence(rnd, self.jitter(m.takeaway_words, 8), exact=True).rstrip(".")
            takeaways.append(t[0].upper() + t[1:])
        # terms: one explained in a chapter (a glossary explained_in entry), the rest mentioned
        for i, (tid, label) in enumerate(zip(used, labels, strict=True)):
            where = rnd.random()
            if i % 4 == 0 or where < 0.5:
                c = chapters[rnd.randrange(len(chapters))]
                c.summary = self.with_term(c.summary, label)
                self.explained[tid].append((f"E{number}", c.timestamp))
            elif where < 0.8:
                summary = self.with_term(summary, label)
            else:
                j = rnd.randrange(len(takeaways))
                takeaways[j] = self.with_term(takeaways[j], label)

        own = Paper(self.own_paper_url(number, day), "", "")
        reading: list[Paper] = []
        for _ in range(self.pick(m.reading_counts)):
            if self.recent and rnd.random() < 0.25:
                cand = self.recent[-1 - min(int(rnd.expovariate(1 / 60)), len(self.recent) - 1)]
            else:
                cand = self.papers[self.paper_zipf.pick(rnd)]
            if all(cand.url != p.url for p in reading) and cand.url != own.url:
                reading.append(cand)
        title = m.titles.sentence(rnd, 4).rstrip(".!?").replace(":", ",") if rnd.random() < 0.2 else ""
        title = " ".join(title.split()[:14]) or self.headline(6, 12)
        ep = SynthEpisode(
            number=number,
            day=day,
            title=title[0].upper() + title[1:],
            paper=own,
            published=day - dt.timedelta(days=rnd.randint(1, 20)),
            summary=summary,
            takeaways=takeaways,
            chapters=chapters,
            reading=reading,
            duration=duration,
            terms=used,
        )
        # later episodes may recommend this one's paper
        self.recent.append(Paper(own.url, self.paper_title(), self.paper_why()))
        return ep

    recent: list[Paper]

    def own_paper_url(self, number: int, day: dt.date) -> str:
        if number % 8 == 0:
            return f"https://research.example.org/{day.year}/paper-{number}.pdf"
        return f"https://arxiv.org/abs/{day.year % 100:02d}{day.month:02d}.{5 + number % 99995 + 10000:05d}"

    def all_episodes(self) -> list[SynthEpisode]:
        self.recent = []
        return [self.episode(i + 1, d) for i, d in enumerate(self.dates())]


# --------------------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------------------


def rss_date(day: dt.date) -> str:
    return format_datetime(dt.datetime(day.year, day.month, day.day, 6, 0, 0, tzinfo=dt.UTC))


def hms(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


CHANNEL = """  <channel>
    <title>AI Papers: A Deep Dive</title>
    <link>https://paperdive.ai/</link>
    <description>Long-form deep dives into new research on Artificial Intelligence, AI agents and the engineering \
practice of building them - one paper per episode.</description>
    <language>en</language>
    <lastBuildDate>{built}</lastBuildDate>
    <atom:link href="https://paperdive.ai/{name}" rel="self" type="application/rss+xml" />
    <itunes:author>paperdive.ai</itunes:author>
    <itunes:explicit>false</itunes:explicit>
    <itunes:category>Technology</itunes:category>
    <itunes:type>episodic</itunes:type>
"""


def write_feed(path: Path, episodes: list[SynthEpisode]) -> None:
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        '<rss xmlns:atom="http://www.w3.org/2005/Atom" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" '
        'xmlns:podcast="https://podcastindex.org/namespace/1.0" xmlns:psc="http://podlove.org/simple-chapters" '
        'version="2.0">\n',
        CHANNEL.format(built=rss_date(max(e.day for e in episodes)), name=path.name),
    ]
    for ep in sorted(episodes, key=lambda e: -e.number):
        title = xml_escape(ep.title)
        out.append(
            f"    <item>\n      <title>{title}</title>\n"
            f"      <description>{xml_escape(ep.description())}</description>\n"
            f"      <link>{SITE}/episodes/{ep.eid}</link>\n"
            f'      <guid isPermaLink="false">paperdive-{ep.eid}</guid>\n'
            f"      <pubDate>{rss_date(ep.day)}</pubDate>\n"
            f'      <enclosure url="{SITE}/audio/{ep.eid}.mp3" length="{ep.duration * 16000}" type="audio/mpeg" />\n'
            f"      <itunes:title>{title}</itunes:title>\n"
            f"      <itunes:episode>{ep.number}</itunes:episode>\n"
            f"      <itunes:episodeType>full</itunes:episodeType>\n"
            f"      <itunes:duration>{ep.duration}</itunes:duration>\n"
            f'      <podcast:chapters url="{SITE}/chapters/{ep.eid}.json" type="application/json+chapters" />\n'
            '      <psc:chapters version="1.2">\n'
            + "".join(
                f'        <psc:chapter start="{hms(c.start)}" title={quoteattr(c.title)} />\n' for c in ep.chapters
            )
            + "      </psc:chapters>\n    </item>\n"
        )
    out.append("  </channel>\n</rss>\n")
    path.write_text("".join(out), encoding="utf-8")


def eref(n: int) -> str:
    return f'<a class="episode-ref" href="{SITE}/episodes/E{n}">E{n}</a>'


def write_review(world: World, path: Path, week_end: dt.date, episodes: list[SynthEpisode]) -> None:
    m, rnd = world.m, world.rnd
    esc = lambda s: html.escape(s, quote=False)  # noqa: E731
    rid = week_end.isoformat()
    start = week_end - dt.timedelta(days=6)
    title = f"AI Papers Week in Review: {MONTHS[start.month - 1][:3]} {start.day}–{week_end.day}, {week_end.year}"
    chosen = [e for e in episodes if e.number >= 10][:REVIEW_MAX_EPISODES]  # E1-E9 are not E-references
    # topics: 3-9 recurring ones, each with the episodes it discusses
    n_topics = max(1, min(len(chosen), rnd.randint(3, 9)))
    topic_ix: list[int] = []
    while len(topic_ix) < n_topics:
        t = world.topic_zipf.pick(rnd)
        if t not in topic_ix:
            topic_ix.append(t)
    groups: list[list[SynthEpisode]] = [[] for _ in topic_ix]
    for i, ep in enumerate(chosen):
        groups[i % n_topics if i < n_topics else rnd.randrange(n_topics)].append(ep)
    intro_refs = ", ".join(f"{esc(world.m.review.sentence(rnd, 8).rstrip('.'))} {eref(e.number)}" for e in chosen)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{esc(title)}</title>",
        "</head>",
        "<body>",
        f'<article class="review" data-review-id="{rid}">',
        "<header>",
        f"<h1>{esc(title)}</h1>",
        f'<p class="review-meta">Weekly review · {len(chosen)} episodes · <time datetime="{rid}">'
        f"{MONTHS[week_end.month - 1][:3]} {week_end.day}, {week_end.year}</time> · {rnd.randint(25, 50)} min</p>",
        "</header>",
        '<section class="review-intro">',
        f"<p>{intro_refs}.</p>",
        "</section>",
    ]
    ids: set[str] = set()
    for t, group in zip(topic_ix, groups, strict=True):
        if not group:
            continue
        ttitle, tsummary = world.topics[t]
        tid = "topic-" + slugify(ttitle)
        out += [f'<section class="topic" id="{tid}">', f"<h2>{esc(ttitle)}</h2>"]
        out.append(f'<p class="topic-summary">{esc(tsummary)}</p>')
        n_sub = min(len(group), world.pick(m.subsections_per_topic))
        subs: list[list[SynthEpisode]] = [[] for _ in range(n_sub)]
        for i, ep in enumerate(group):
            subs[i % n_sub].append(ep)
        for sub in subs:
            stitle = m.chapter_titles.sentence(rnd, 5).rstrip(".!?").replace(":", "")
            sid = slugify(stitle)
            while sid in ids:
                sid += "-2"
            ids.add(sid)
            out += [f'<section class="subsection" id="{sid}">', f"<h3>{esc(stitle)}</h3>"]
            for ep in sub:
                words = world.jitter(m.paragraph_words, 60)
                text = m.review.text(rnd, words)
                for tid_ in ep.terms[:3]:
                    text = world.with_term(text, world.by_id[tid_].label)
                sentences = text.split(". ")
                cut = max(1, len(sentences) // 3)
                first = esc(". ".join(sentences[:cut]))
                rest = esc(". ".join(sentences[cut:]))
                out.append(f"<p>{first} {eref(ep.number)}. {rest}</p>")
                if rnd.random() < 0.4:  # a discussion often runs over a second paragraph
                    out.append(f"<p>{esc(m.review.text(rnd, words // 2))}</p>")
            out.append("</section>")
        items = "".join(f"<li>{eref(e.number)}</li>" for e in group)
        footer = f'<footer class="topic-episodes"><h3>Episodes in this topic</h3><ul>{items}</ul></footer>'
        out += [footer, "</section>"]
    out += ["</article>", "</body>", "</html>", ""]
    path.write_text("\n".join(out), encoding="utf-8")


def q(value: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


def write_glossary(world: World, path: Path) -> None:
    m, rnd = world.m, world.rnd
    lines = [
        "# Synthetic glossary written by scripts/synth.py (the sample's terms first).",
        "version: 1",
        "scheme:",
        "  title: AI Papers glossary",
        "  description: Terms the podcast explains, for tooltips on review pages.",
        "terms:",
    ]
    for t in world.terms:
        places = world.explained.get(t.id, [])
        count = world.pick(m.explained_counts)
        chosen = [places[i] for i in sorted(rnd.sample(range(len(places)), min(count, len(places))))]
        lines += [
            f"  - id: {t.id}",
            f"    label: {q(t.label)}",
            f"    aliases: [{', '.join(q(a) for a in t.aliases)}]",
            f"    acronyms: [{', '.join(q(a) for a in t.acronyms)}]",
            f"    kind: {t.kind}",
            f"    definition: {q(t.definition)}",
            f"    broader: [{', '.join(t.broader)}]",
            f"    related: [{', '.join(t.related)}]",
        ]
        if chosen:
            lines.append("    explained_in:")
            lines += [f'      - {{episode: {e}, chapter: "{ts}"}}' for e, ts in chosen]
        else:
            lines.append("    explained_in: []")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def week_end(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=6 - day.weekday())  # the Sunday of its week


def generate(
    out: Path, episodes: int, *, seed: int = 7, terms: int = 2000, per_feed: int = 1000, sample: Path | None = None
) -> dict[str, int]:
    """Write the corpus into ``out`` (which must be empty or absent); return counts."""
    model = read_sample(sample or ROOT / "data" / "sample")
    world = World(model, episodes, max(terms, len(model.glossary.terms)), seed)
    eps = world.all_episodes()
    out.mkdir(parents=True, exist_ok=True)
    (out / "reviews").mkdir(exist_ok=True)
    newest_first = sorted(eps, key=lambda e: -e.number)
    feeds = 0
    for i in range(0, len(newest_first), per_feed):
        feeds += 1
        write_feed(out / f"feed-{feeds:04d}.xml", newest_first[i : i + per_feed])
    weeks: dict[dt.date, list[SynthEpisode]] = defaultdict(list)
    for ep in eps:
        weeks[week_end(ep.day)].append(ep)
    for end, group in sorted(weeks.items()):
        write_review(world, out / "reviews" / f"{end.isoformat()}.html", end, group)
    write_glossary(world, out / "glossary.yaml")
    return {"episodes": len(eps), "feeds": feeds, "reviews": len(weeks), "terms": len(world.terms)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--episodes", "-n", type=int, default=1000, help="number of episodes (default 1000)")
    ap.add_argument("--out", type=Path, required=True, help="output directory (replaced if --force)")
    ap.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    ap.add_argument("--terms", type=int, default=2000, help="glossary size, the sample's terms included (default 2000)")
    ap.add_argument("--per-feed", type=int, default=1000, help="items per feed file (default 1000)")
    ap.add_argument("--force", action="store_true", help="replace the output directory if it exists")
    args = ap.parse_args(argv)
    if args.episodes < 1:
        ap.error("--episodes must be at least 1")
    if args.out.exists() and any(args.out.iterdir()):
        if not args.force:
            ap.error(f"{args.out} is not empty (use --force to replace it)")
        shutil.rmtree(args.out)
    counts = generate(args.out, args.episodes, seed=args.seed, terms=args.terms, per_feed=args.per_feed)
    print(json.dumps({"out": str(args.out), **counts}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
