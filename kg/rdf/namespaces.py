"""Closed namespaces: a misspelt term raises instead of minting a new IRI.

Terms are pyoxigraph ``NamedNode`` objects (the store's own term type), built
once. ``DATA`` mints the readable, stable IRIs of the graph's nodes.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from pyoxigraph import NamedNode


class ClosedNamespace:
    def __init__(self, base: str, terms: str):
        self._base = base
        self._terms = {t: NamedNode(base + t) for t in terms.split()}

    def __getattr__(self, name: str) -> NamedNode:
        try:
            return self._terms[name]
        except KeyError:
            raise AttributeError(f"{name!r} is not a term of <{self._base}>") from None

    def __getitem__(self, name: str) -> NamedNode:
        return self.__getattr__(name)

    def __contains__(self, name: str) -> bool:
        return name in self._terms

    @property
    def base(self) -> str:
        return self._base

    def terms(self) -> dict[str, NamedNode]:
        return dict(self._terms)


KG_NS = "https://paperdive.ai/ontology#"
DATA_NS = "https://paperdive.ai/id/"

KG = ClosedNamespace(
    KG_NS,
    """Podcast Episode Chapter Takeaway Recommendation Review ReviewParagraph Topic Paper Term Glossary
    Method Benchmark Model Organisation Metric System Mention Relatedness SourceGraph
    covers hasChapter hasTakeaway hasRecommendation recommendedPaper explains mentions mentionOf mentionIn
    mentionCount inTopic discusses hasTopic hasParagraph refersTo relatedEpisode relatedness relatedTo
    evaluatedOn extends partOfPodcast denotes coRecommended mentionsEntity
    timestamp note generationNote generatedOn reviewSummary termKind acronym arxivId doi
    sectionTitle paragraphTopic weight reason sharedPapers sharedTerms sharedTopics
    sourceFile sourceHash sourceKind guid""",
)
SCHEMA = ClosedNamespace(
    "http://schema.org/",
    """PodcastSeries PodcastEpisode Clip ScholarlyArticle CreativeWork Article DefinedTerm
    name description url datePublished episodeNumber duration startOffset position text identifier
    partOfSeries hasPart isPartOf about inLanguage author alternateName""",
)
SKOS = ClosedNamespace(
    "http://www.w3.org/2004/02/skos/core#",
    "Concept ConceptScheme prefLabel altLabel hiddenLabel definition broader narrower related inScheme "
    "hasTopConcept notation",
)
CITO = ClosedNamespace(
    "http://purl.org/spar/cito/",
    "cites citesAsRecommendedReading citesAsSourceDocument discusses extends usesMethodIn citesAsDataSource",
)
DCTERMS = ClosedNamespace("http://purl.org/dc/terms/", "title description source identifier date created")
PROV = ClosedNamespace("http://www.w3.org/ns/prov#", "wasDerivedFrom Entity generatedAtTime")
RDF = ClosedNamespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#", "type")
RDFS = ClosedNamespace("http://www.w3.org/2000/01/rdf-schema#", "label comment subClassOf subPropertyOf")
XSD = ClosedNamespace(
    "http://www.w3.org/2001/XMLSchema#", "string integer date dateTime duration decimal double boolean"
)

PREFIXES = {
    "kg": KG_NS,
    "schema": SCHEMA.base,
    "skos": SKOS.base,
    "cito": CITO.base,
    "dcterms": DCTERMS.base,
    "prov": PROV.base,
    "rdf": RDF.base,
    "rdfs": RDFS.base,
    "xsd": XSD.base,
    "id": DATA_NS,
}


_SAFE_PART = re.compile(r"[A-Za-z0-9:@\-._~/]*")  # what quote(p, safe=":@-._~/") leaves as it is


def iri(*parts: str) -> NamedNode:
    """A data IRI from path parts, each percent-encoded where needed."""
    return NamedNode(DATA_NS + "/".join(p if _SAFE_PART.fullmatch(p) else quote(p, safe=":@-._~/") for p in parts))


def episode_iri(episode_id: str) -> NamedNode:
    return iri("episode", episode_id)


def paper_iri(key: str) -> NamedNode:
    return iri("paper", key)


def term_iri(slug: str) -> NamedNode:
    return iri("term", slug)


def topic_iri(slug: str) -> NamedNode:
    return iri("topic", slug)


def review_iri(rid: str) -> NamedNode:
    return iri("review", rid)


def entity_iri(slug: str) -> NamedNode:
    return iri("entity", slug)


def chapter_iri(episode_id: str, timestamp: str) -> NamedNode:
    return iri("episode", episode_id, "chapter", timestamp.replace(":", "-"))


def graph_iri(kind: str, ident: str) -> NamedNode:
    return iri("graph", kind, ident)


PODCAST = iri("podcast")
GLOSSARY = iri("glossary")
DERIVED_GRAPH = iri("graph", "derived")


def local_id(node: NamedNode | str, kind: str) -> str:
    """The id part of a data IRI: local_id('…/id/episode/E172', 'episode') -> 'E172'."""
    value = node.value if isinstance(node, NamedNode) else node
    prefix = DATA_NS + kind + "/"
    return value[len(prefix) :] if value.startswith(prefix) else value
