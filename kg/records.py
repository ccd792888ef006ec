"""Typed records produced by the parsers.

Parsers know nothing of RDF: they turn source documents into these plain
dataclasses, which the mapping in ``kg.rdf.mapping`` turns into triples.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class PaperRef:
    """A paper, identified the same way however its URL was written.

    ``key`` is the stable local id used in IRIs and URLs: ``arxiv/2211.17192``,
    ``doi/10.1038/nature16961`` or ``url/<slug>`` for anything else.
    """

    scheme: str  # "arxiv" | "doi" | "url"
    ident: str  # "2211.17192", "10.1038/nature16961", or the normalised URL
    url: str  # canonical URL to link to
    key: str


@dataclass
class Chapter:
    index: int  # 1-based position in the episode
    start: int  # seconds from the start of the episode
    timestamp: str  # as written, e.g. "04:45"
    title: str
    summary: str


@dataclass
class ReadingItem:
    index: int
    title: str
    note: str
    url: str | None
    paper: PaperRef | None


@dataclass
class Description:
    """An episode description, split by the podcast's description grammar."""

    source_url: str
    paper: PaperRef
    paper_published: dt.date | None
    generated_on: dt.date | None
    generation_note: str
    summary: str
    takeaways: list[str] = field(default_factory=list)
    chapters: list[Chapter] = field(default_factory=list)
    reading: list[ReadingItem] = field(default_factory=list)


@dataclass
class Episode:
    guid: str
    title: str
    description_text: str
    description: Description
    number: int | None = None
    link: str | None = None
    published: dt.datetime | None = None
    duration: int | None = None  # seconds
    audio_url: str | None = None
    line: int | None = None  # line of the <item> in the feed file

    @property
    def episode_id(self) -> str:
        """``E172`` when the number is known, else a slug of the guid."""
        from kg.ids import episode_id_for

        return episode_id_for(self.number, self.guid)


@dataclass
class Feed:
    title: str
    link: str | None
    description: str
    episodes: list[Episode]
    path: str | None = None


@dataclass
class ReviewParagraph:
    index: int  # 1-based position within the review
    text: str
    episode_refs: list[int]  # episode numbers cited, in order
    line: int | None = None  # line in the source file


@dataclass
class Subsection:
    slug: str
    title: str
    paragraphs: list[ReviewParagraph]


@dataclass
class Topic:
    slug: str
    title: str
    summary: str
    subsections: list[Subsection]
    episode_numbers: list[int]  # in order of first citation

    @property
    def paragraphs(self) -> list[ReviewParagraph]:
        return [p for s in self.subsections for p in s.paragraphs]


@dataclass
class Review:
    id: str  # the review's date, e.g. "2026-06-28"
    title: str
    date: dt.date | None
    intro: list[ReviewParagraph]
    topics: list[Topic]
    path: str | None = None
    duration: int | None = None  # seconds, when stated

    @property
    def paragraphs(self) -> list[ReviewParagraph]:
        return list(self.intro) + [p for t in self.topics for p in t.paragraphs]

    @property
    def episode_numbers(self) -> list[int]:
        seen: dict[int, None] = {}
        for p in self.paragraphs:
            for n in p.episode_refs:
                seen.setdefault(n, None)
        for t in self.topics:
            for n in t.episode_numbers:
                seen.setdefault(n, None)
        return list(seen)

    def topic_of(self, number: int) -> Topic | None:
        for t in self.topics:
            if number in t.episode_numbers:
                return t
        return None

    def summary_of(self, number: int) -> str:
        """The review's summary of one episode.

        Within a topic, the paragraph that cites the episode and the paragraphs
        after it that cite no other episode (a discussion often runs over two).
        """
        for topic in self.topics:
            for sub in topic.subsections:
                out: list[str] = []
                collecting = False
                for p in sub.paragraphs:
                    if number in p.episode_refs:
                        collecting = True
                        out.append(p.text)
                    elif collecting and not p.episode_refs:
                        out.append(p.text)
                    else:
                        collecting = False
                if out:
                    return "\n\n".join(out)
        return ""


@dataclass
class ExplainedIn:
    episode: str  # "E172"
    chapter: str | None = None  # "04:21"


@dataclass
class GlossaryTerm:
    id: str
    label: str
    definition: str
    kind: str = "concept"
    aliases: list[str] = field(default_factory=list)
    acronyms: list[str] = field(default_factory=list)
    broader: list[str] = field(default_factory=list)
    related: list[str] = field(default_factory=list)
    explained_in: list[ExplainedIn] = field(default_factory=list)
    line: int | None = None
    variants: list[str] = field(default_factory=list)  # generated inflections (kg.nlp.forms)

    @property
    def surface_forms(self) -> list[str]:
        return [self.label, *self.aliases, *self.acronyms]


@dataclass
class Glossary:
    title: str
    description: str
    terms: list[GlossaryTerm]
    path: str | None = None

    def by_id(self) -> dict[str, GlossaryTerm]:
        return {t.id: t for t in self.terms}


ENTITY_TYPES = ("method", "benchmark", "model", "metric", "system", "organisation")


@dataclass
class Entity:
    """A named method, benchmark, model, metric, system or organisation (the gazetteer)."""

    id: str
    name: str
    type: str  # one of ENTITY_TYPES
    aliases: list[str] = field(default_factory=list)
    term: str | None = None  # the glossary term that explains it, if another id than its own
    evaluated_on: list[str] = field(default_factory=list)  # entity ids (benchmarks)
    extends: list[str] = field(default_factory=list)  # entity ids
    line: int | None = None

    @property
    def names(self) -> list[str]:
        return [self.name, *self.aliases]


@dataclass
class Gazetteer:
    entities: list[Entity]
    path: str | None = None

    def by_id(self) -> dict[str, Entity]:
        return {e.id: e for e in self.entities}
