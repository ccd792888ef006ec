"""Records -> RDF quads, one named graph per source document.

The mapping knows nothing of files or stores: each function takes records and
returns ``(graph IRI, quads)``. The same records always give the same quads,
so re-ingesting a source is a no-op and replacing its graph is a clean delete.

Sources and their graphs:

* a feed's channel       -> ``id/graph/podcast``
* each feed item         -> ``id/graph/episode/<E-number or guid slug>``
* a review page          -> ``id/graph/review/<review id>``
* a glossary file        -> ``id/graph/glossary/<file stem>``
* an entity gazetteer    -> ``id/graph/gazetteer/<file stem>``

A glossary term of an entity kind (method, benchmark, model, metric, system,
organisation) names an entity: the term ``id/term/<slug>`` ``kg:denotes`` the
typed node ``id/entity/<slug>``. The gazetteer adds entities the glossary does
not have, further names (``schema:alternateName``) and curated edges.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable

from pyoxigraph import Literal, NamedNode, Quad

from kg.ids import slugify
from kg.rdf.namespaces import (
    CITO,
    GLOSSARY,
    KG,
    PODCAST,
    RDF,
    SCHEMA,
    SKOS,
    XSD,
    chapter_iri,
    entity_iri,
    episode_iri,
    graph_iri,
    iri,
    paper_iri,
    review_iri,
    term_iri,
    topic_iri,
)
from kg.records import Episode, Feed, Gazetteer, Glossary, Review

# kg class -> the standard class also asserted on the node
STANDARD_CLASS = {
    "Podcast": SCHEMA.PodcastSeries,
    "Episode": SCHEMA.PodcastEpisode,
    "Chapter": SCHEMA.Clip,
    "Paper": SCHEMA.ScholarlyArticle,
    "Term": SKOS.Concept,
    "Review": SCHEMA.Article,
    "Topic": SCHEMA.DefinedTerm,
    "Glossary": SKOS.ConceptScheme,
}

# glossary kind -> extra entity class for typed nodes
ENTITY_CLASS = {
    "method": KG.Method,
    "benchmark": KG.Benchmark,
    "model": KG.Model,
    "organisation": KG.Organisation,
    "metric": KG.Metric,
    "system": KG.System,
}


class GraphBuilder:
    """Collects the quads of one named graph, without duplicates."""

    def __init__(self, graph: NamedNode):
        self.graph = graph
        self._quads: dict[Quad, None] = {}

    def add(self, s, p, o) -> None:
        if o is None:
            return
        self._quads[Quad(s, p, o, self.graph)] = None

    def text(self, s, p, value: str | None, lang: str | None = None) -> None:
        if value is None or value == "":
            return
        self.add(s, p, Literal(value, language=lang) if lang else Literal(value))

    def integer(self, s, p, value: int | None) -> None:
        if value is not None:
            self.add(s, p, Literal(str(int(value)), datatype=XSD.integer))

    def date(self, s, p, value: dt.date | dt.datetime | None) -> None:
        if value is None:
            return
        if isinstance(value, dt.datetime):
            self.add(s, p, Literal(value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), datatype=XSD.dateTime))
        else:
            self.add(s, p, Literal(value.isoformat(), datatype=XSD.date))

    def typed(self, s, kg_class: str) -> None:
        self.add(s, RDF.type, KG[kg_class])
        if kg_class in STANDARD_CLASS:
            self.add(s, RDF.type, STANDARD_CLASS[kg_class])

    def source(self, kind: str, name: str, payload: str) -> None:
        """Provenance of the graph, kept inside it so it is replaced with it."""
        self.add(self.graph, RDF.type, KG.SourceGraph)
        self.text(self.graph, KG.sourceKind, kind)
        self.text(self.graph, KG.sourceFile, name)
        self.text(self.graph, KG.sourceHash, hashlib.sha256(payload.encode("utf-8")).hexdigest())

    @property
    def quads(self) -> list[Quad]:
        return list(self._quads)


def _iso_duration(seconds: int | None) -> Literal | None:
    if seconds is None:
        return None
    h, rem = divmod(int(seconds), 3600)
    m, s = divmod(rem, 60)
    text = "PT" + (f"{h}H" if h else "") + (f"{m}M" if m else "") + (f"{s}S" if s or not (h or m) else "")
    return Literal(text, datatype=XSD.duration)


def _basename(name: str | None) -> str:
    if not name:
        return "<input>"
    return name.replace("\\", "/").rsplit("/", 1)[-1]


def map_podcast(feed: Feed) -> tuple[NamedNode, list[Quad]]:
    g = GraphBuilder(graph_iri("podcast", "channel"))
    g.source("feed-channel", _basename(feed.path), f"{feed.title}\n{feed.link}\n{feed.description}")
    g.typed(PODCAST, "Podcast")
    g.text(PODCAST, SCHEMA.name, feed.title)
    g.text(PODCAST, SCHEMA.description, feed.description)
    if feed.link:
        g.add(PODCAST, SCHEMA.url, NamedNode(feed.link))
    return g.graph, g.quads


def map_episode(ep: Episode, source_name: str | None = None) -> tuple[NamedNode, list[Quad]]:
    eid = ep.episode_id
    e = episode_iri(eid)
    g = GraphBuilder(graph_iri("episode", eid))
    g.source(
        "feed-item",
        _basename(source_name),
        "\n".join([ep.guid, ep.title, ep.description_text, str(ep.number), str(ep.published), str(ep.duration)]),
    )
    g.typed(e, "Episode")
    g.add(e, KG.partOfPodcast, PODCAST)
    g.add(e, SCHEMA.partOfSeries, PODCAST)
    g.text(e, SCHEMA.name, ep.title)
    g.text(e, KG.guid, ep.guid)
    g.integer(e, SCHEMA.episodeNumber, ep.number)
    if ep.link:
        g.add(e, SCHEMA.url, NamedNode(ep.link))
    g.date(e, SCHEMA.datePublished, ep.published)
    g.add(e, SCHEMA.duration, _iso_duration(ep.duration))
    d = ep.description
    g.text(e, SCHEMA.description, d.summary)
    g.text(e, KG.generationNote, d.generation_note)
    g.date(e, KG.generatedOn, d.generated_on)

    paper = paper_iri(d.paper.key)
    g.add(e, KG.covers, paper)
    _paper(g, paper, d.paper)
    g.date(paper, SCHEMA.datePublished, d.paper_published)

    for i, text in enumerate(d.takeaways, start=1):
        t = iri("episode", eid, "takeaway", str(i))
        g.typed(t, "Takeaway")
        g.add(e, KG.hasTakeaway, t)
        g.integer(t, SCHEMA.position, i)
        g.text(t, SCHEMA.text, text)

    for ch in d.chapters:
        c = chapter_iri(eid, ch.timestamp)
        g.typed(c, "Chapter")
        g.add(e, KG.hasChapter, c)
        g.add(c, SCHEMA.isPartOf, e)
        g.integer(c, SCHEMA.position, ch.index)
        g.integer(c, SCHEMA.startOffset, ch.start)
        g.text(c, KG.timestamp, ch.timestamp)
        g.text(c, SCHEMA.name, ch.title)
        g.text(c, SCHEMA.description, ch.summary)

    for item in d.reading:
        r = iri("episode", eid, "reading", str(item.index))
        g.typed(r, "Recommendation")
        g.add(e, KG.hasRecommendation, r)
        g.integer(r, SCHEMA.position, item.index)
        g.text(r, SCHEMA.name, item.title)
        g.text(r, KG.note, item.note)
        if item.url:
            g.text(r, SCHEMA.url, item.url)
        if item.paper:
            p = paper_iri(item.paper.key)
            g.add(r, KG.recommendedPaper, p)
            g.add(e, CITO.citesAsRecommendedReading, p)
            _paper(g, p, item.paper)
            g.text(p, SCHEMA.name, item.title)
    return g.graph, g.quads


def _paper(g: GraphBuilder, p: NamedNode, ref) -> None:
    g.typed(p, "Paper")
    g.add(p, SCHEMA.url, NamedNode(ref.url))
    g.text(p, SCHEMA.identifier, ref.key)
    if ref.scheme == "arxiv":
        g.text(p, KG.arxivId, ref.ident)
    elif ref.scheme == "doi":
        g.text(p, KG.doi, ref.ident)


def map_review(review: Review, episode_numbers: Iterable[int]) -> tuple[NamedNode, list[Quad]]:
    """The review, its topics and paragraphs, and stub episodes for what it discusses.

    ``episode_numbers`` are the numbers the review may cite (known from the store or
    listed under the review's own topics); others are left out by the caller's check.
    """
    allowed = set(episode_numbers)
    r = review_iri(review.id)
    g = GraphBuilder(graph_iri("review", review.id))
    payload = "\n".join(
        [review.id, review.title]
        + [p.text for p in review.paragraphs]
        + [f"{t.title}|{t.summary}|{t.episode_numbers}" for t in review.topics]
    )
    g.source("review", _basename(review.path), payload)
    g.typed(r, "Review")
    g.text(r, SCHEMA.name, review.title)
    g.date(r, SCHEMA.datePublished, review.date)
    g.add(r, SCHEMA.duration, _iso_duration(review.duration))
    g.add(r, SCHEMA.url, NamedNode(f"https://paperdive.ai/reviews/{review.id}"))

    def paragraph(p, section: str, topic=None) -> None:
        node = iri("review", review.id, "p", str(p.index))
        g.typed(node, "ReviewParagraph")
        g.add(r, KG.hasParagraph, node)
        g.integer(node, SCHEMA.position, p.index)
        g.text(node, SCHEMA.text, p.text)
        g.text(node, KG.sectionTitle, section)
        if topic is not None:
            g.add(node, KG.paragraphTopic, topic)
        for n in p.episode_refs:
            if n in allowed:
                g.add(node, KG.refersTo, episode_iri(f"E{n}"))

    for p in review.intro:
        paragraph(p, "Introduction")
    for topic in review.topics:
        t = topic_iri(topic.slug)
        g.typed(t, "Topic")
        g.add(r, KG.hasTopic, t)
        g.text(t, SCHEMA.name, topic.title)
        g.text(t, SCHEMA.description, topic.summary)
        for sub in topic.subsections:
            for p in sub.paragraphs:
                paragraph(p, sub.title, t)
        for n in topic.episode_numbers:
            if n not in allowed:
                continue
            e = episode_iri(f"E{n}")
            g.typed(e, "Episode")
            g.integer(e, SCHEMA.episodeNumber, n)
            g.add(e, KG.partOfPodcast, PODCAST)
            g.add(e, KG.inTopic, t)
            g.add(r, KG.discusses, e)
            g.text(e, KG.reviewSummary, review.summary_of(n))
    for n in review.episode_numbers:
        if n in allowed:
            g.add(r, KG.discusses, episode_iri(f"E{n}"))
    return g.graph, g.quads


def glossary_graph_iri(path: str | None) -> NamedNode:
    stem = _basename(path).rsplit(".", 1)[0] if path else "glossary"
    return graph_iri("glossary", slugify(stem))


def map_glossary(glossary: Glossary) -> tuple[NamedNode, list[Quad]]:
    g = GraphBuilder(glossary_graph_iri(glossary.path))
    payload = "\n".join(
        f"{t.id}|{t.label}|{t.aliases}|{t.acronyms}|{t.variants}|{t.kind}|{t.definition}|{t.broader}|{t.related}|"
        f"{[(x.episode, x.chapter) for x in t.explained_in]}"
        for t in glossary.terms
    )
    g.source("glossary", _basename(glossary.path), payload)
    g.typed(GLOSSARY, "Glossary")
    g.text(GLOSSARY, SCHEMA.name, glossary.title)
    g.text(GLOSSARY, SCHEMA.description, glossary.description)
    for t in glossary.terms:
        node = term_iri(t.id)
        g.typed(node, "Term")
        g.add(node, SKOS.inScheme, GLOSSARY)
        g.text(node, SKOS.prefLabel, t.label, "en")
        for a in t.aliases:
            g.text(node, SKOS.altLabel, a, "en")
        for a in t.acronyms:
            g.text(node, KG.acronym, a)
        for v in t.variants:
            g.text(node, SKOS.hiddenLabel, v, "en")
        g.text(node, SKOS.definition, t.definition, "en")
        g.text(node, KG.termKind, t.kind)
        if t.kind in ENTITY_CLASS:  # the term names an entity: the typed node is the entity, not the concept
            ent = entity_iri(t.id)
            g.add(node, KG.denotes, ent)
            g.add(ent, RDF.type, ENTITY_CLASS[t.kind])
            g.text(ent, SCHEMA.name, t.label)
        for b in t.broader:
            g.add(node, SKOS.broader, term_iri(b))
        for rel in t.related:
            g.add(node, SKOS.related, term_iri(rel))
        if not t.broader:
            g.add(GLOSSARY, SKOS.hasTopConcept, node)
        for x in t.explained_in:
            target = chapter_iri(x.episode, x.chapter) if x.chapter else episode_iri(x.episode)
            g.add(target, KG.explains, node)
    return g.graph, g.quads


def gazetteer_graph_iri(path: str | None) -> NamedNode:
    stem = _basename(path).rsplit(".", 1)[0] if path else "entities"
    return graph_iri("gazetteer", slugify(stem))


def map_gazetteer(gazetteer: Gazetteer) -> tuple[NamedNode, list[Quad]]:
    """The curated entities: typed nodes, their names, the term that explains them, curated edges."""
    g = GraphBuilder(gazetteer_graph_iri(gazetteer.path))
    payload = "\n".join(
        f"{e.id}|{e.name}|{e.type}|{e.aliases}|{e.term}|{e.evaluated_on}|{e.extends}" for e in gazetteer.entities
    )
    g.source("gazetteer", _basename(gazetteer.path), payload)
    for e in gazetteer.entities:
        node = entity_iri(e.id)
        g.add(node, RDF.type, ENTITY_CLASS[e.type])
        g.text(node, SCHEMA.name, e.name)
        for a in e.aliases:
            g.text(node, SCHEMA.alternateName, a)
        if e.term:
            g.add(term_iri(e.term), KG.denotes, node)
        for b in e.evaluated_on:
            g.add(node, KG.evaluatedOn, entity_iri(b))
        for b in e.extends:
            g.add(node, CITO.extends, entity_iri(b))
    return g.graph, g.quads
