"""The RDF graph as a property graph: the mapping that ``kg sync neo4j`` and the neo4j-csv export share.

One rule set, written down once (``docs/neo4j.md`` is checked against it):

* every IRI that is the subject of a triple (or the object of a relationship) is one node, labelled
  ``Resource`` plus the local name of each of its ``kg:`` classes (``Episode``, ``Term``, ``Method`` …),
  with its IRI in the ``iri`` property (unique) and the named graphs that say something about it in
  ``graphs``; the standard classes asserted beside a ``kg:`` class (schema:PodcastEpisode, skos:Concept
  …) are implied by the label and not repeated;
* a predicate listed in :data:`RELATIONSHIPS` with an IRI object is a relationship of that type, one per
  distinct (subject, type, object), with the named graphs that assert it in ``graphs``;
* a predicate listed in :data:`PROPERTIES` is a node property of that name (IRIs become strings);
  those in :data:`LIST_PROPERTIES` are lists, the others hold one value (where sources disagree, the
  longest value, so a paper keeps its fullest title);
* literals keep their type where Neo4j has one (xsd:integer -> integer, xsd:decimal/double -> float,
  xsd:boolean -> boolean); dates, times and durations stay ISO strings exactly as in RDF, and language
  tags are dropped (every label is English);
* a predicate in no table (one added to the mapping later) still arrives: an IRI object becomes a
  relationship named after the predicate's local name in UPPER_SNAKE_CASE, a literal a property of its
  local name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph
from pyoxigraph import BlankNode, Literal, NamedNode

from kg.rdf.namespaces import CITO, DCTERMS, KG, KG_NS, PROV, RDF, RDFS, SCHEMA, SKOS

BASE_LABEL = "Resource"
SYNC_LABEL = "SyncedGraph"  # bookkeeping of `kg sync neo4j`, one node per synced named graph
RESERVED_PROPERTIES = ("iri", "graphs")

# predicate -> relationship type (UPPER_SNAKE of the edge kind `kg stats` reports)
RELATIONSHIPS: dict[str, str] = {
    KG.covers.value: "COVERS",
    CITO.citesAsRecommendedReading.value: "RECOMMENDS",
    KG.hasChapter.value: "HAS_CHAPTER",
    KG.hasTakeaway.value: "HAS_TAKEAWAY",
    KG.hasRecommendation.value: "HAS_RECOMMENDATION",
    KG.recommendedPaper.value: "RECOMMENDED_PAPER",
    KG.explains.value: "EXPLAINS",
    KG.mentions.value: "MENTIONS",
    KG.mentionOf.value: "MENTION_OF",
    KG.mentionIn.value: "MENTION_IN",
    KG.inTopic.value: "IN_TOPIC",
    KG.discusses.value: "DISCUSSES",
    KG.hasTopic.value: "HAS_TOPIC",
    KG.hasParagraph.value: "HAS_PARAGRAPH",
    KG.paragraphTopic.value: "PARAGRAPH_TOPIC",
    KG.refersTo.value: "REFERS_TO",
    KG.partOfPodcast.value: "PART_OF_PODCAST",
    KG.relatedEpisode.value: "RELATED_EPISODE",
    KG.relatedness.value: "RELATEDNESS",
    KG.relatedTo.value: "RELATED_TO",
    KG.coRecommended.value: "CO_RECOMMENDED",
    KG.evaluatedOn.value: "EVALUATED_ON",
    CITO.extends.value: "EXTENDS",
    KG.extends.value: "KG_EXTENDS",  # the project's sub-property of cito:extends, kept apart as in the RDF
    KG.denotes.value: "DENOTES",
    KG.mentionsEntity.value: "MENTIONS_ENTITY",
    CITO.cites.value: "CITES",
    SCHEMA.isPartOf.value: "IS_PART_OF",
    SCHEMA.partOfSeries.value: "PART_OF_SERIES",
    SCHEMA.hasPart.value: "HAS_PART",
    SCHEMA.about.value: "ABOUT",
    SKOS.broader.value: "BROADER",
    SKOS.narrower.value: "NARROWER",
    SKOS.related.value: "RELATED",
    SKOS.inScheme.value: "IN_SCHEME",
    SKOS.hasTopConcept.value: "HAS_TOP_CONCEPT",
    PROV.wasDerivedFrom.value: "WAS_DERIVED_FROM",
}

# predicate -> node property
PROPERTIES: dict[str, str] = {
    SCHEMA.name.value: "name",
    SCHEMA.description.value: "description",
    SCHEMA.url.value: "url",
    SCHEMA.datePublished.value: "datePublished",
    SCHEMA.episodeNumber.value: "episodeNumber",
    SCHEMA.duration.value: "duration",
    SCHEMA.startOffset.value: "startOffset",
    SCHEMA.position.value: "position",
    SCHEMA.text.value: "text",
    SCHEMA.identifier.value: "identifier",
    SCHEMA.alternateName.value: "alternateName",
    SCHEMA.inLanguage.value: "inLanguage",
    SKOS.prefLabel.value: "prefLabel",
    SKOS.altLabel.value: "altLabel",
    SKOS.hiddenLabel.value: "hiddenLabel",
    SKOS.definition.value: "definition",
    SKOS.notation.value: "notation",
    KG.timestamp.value: "timestamp",
    KG.note.value: "note",
    KG.generationNote.value: "generationNote",
    KG.generatedOn.value: "generatedOn",
    KG.reviewSummary.value: "reviewSummary",
    KG.termKind.value: "termKind",
    KG.acronym.value: "acronym",
    KG.arxivId.value: "arxivId",
    KG.doi.value: "doi",
    KG.sectionTitle.value: "sectionTitle",
    KG.weight.value: "weight",
    KG.reason.value: "reason",
    KG.mentionCount.value: "mentionCount",
    KG.guid.value: "guid",
    KG.sourceKind.value: "sourceKind",
    KG.sourceFile.value: "sourceFile",
    KG.sourceHash.value: "sourceHash",
    RDFS.label.value: "label",
    RDFS.comment.value: "comment",
    DCTERMS.title.value: "title",
    PROV.generatedAtTime.value: "generatedAtTime",
}

LIST_PROPERTIES: frozenset[str] = frozenset({"altLabel", "hiddenLabel", "acronym", "alternateName"})

RDF_TYPE = RDF.type.value
_INTEGER = {
    "http://www.w3.org/2001/XMLSchema#" + t
    for t in "integer int long short byte nonNegativeInteger positiveInteger unsignedInt unsignedLong".split()
}
_FLOAT = {"http://www.w3.org/2001/XMLSchema#" + t for t in ("decimal", "double", "float")}
_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"


def labels() -> list[str]:
    """Every node label the mapping can produce: ``Resource`` and each ``kg:`` class."""
    classes = [name for name in KG.terms() if name[:1].isupper()]
    return sorted({BASE_LABEL, *classes})


def relationship_types() -> list[str]:
    return sorted(set(RELATIONSHIPS.values()))


_PREFIXES = {
    KG_NS: "kg",
    SCHEMA.base: "schema",
    SKOS.base: "skos",
    CITO.base: "cito",
    DCTERMS.base: "dcterms",
    PROV.base: "prov",
    RDFS.base: "rdfs",
}


def _split_iri(iri: str) -> tuple[str, str]:
    for base, prefix in _PREFIXES.items():
        if iri.startswith(base):
            return prefix, iri[len(base) :]
    m = re.match(r"^(.*?)([A-Za-z_][\w-]*)$", iri)
    return ("x", m.group(2)) if m else ("x", "value")


def _upper_snake(name: str) -> str:
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return re.sub(r"[^A-Za-z0-9]+", "_", snake).strip("_").upper() or "LINK"


def _camel(name: str) -> str:
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", name) if p]
    if not parts:
        return "value"
    return parts[0][:1].lower() + parts[0][1:] + "".join(p[:1].upper() + p[1:] for p in parts[1:])


def fallback_relationship_type(predicate: str) -> str:
    """The relationship type of a predicate in no table: its local name in UPPER_SNAKE_CASE."""
    prefix, local = _split_iri(predicate)
    name = _upper_snake(local)
    if name in RELATIONSHIPS.values():  # another predicate already owns it: qualify with the vocabulary
        name = f"{prefix.upper()}_{name}"
    return name


def fallback_property(predicate: str) -> str:
    prefix, local = _split_iri(predicate)
    name = _camel(local)
    if name in PROPERTIES.values() or name in RESERVED_PROPERTIES:
        name = prefix + name[:1].upper() + name[1:]
    return name


def relationship_type(predicate: str) -> str:
    return RELATIONSHIPS.get(predicate) or fallback_relationship_type(predicate)


def property_name(predicate: str) -> str:
    return PROPERTIES.get(predicate) or fallback_property(predicate)


def is_relationship(predicate: str, obj: Any) -> bool:
    """An IRI (or blank node) object makes a relationship unless the predicate is a listed property."""
    return isinstance(obj, NamedNode | BlankNode) and predicate not in PROPERTIES


def node_key(term: Any) -> str:
    """The ``iri`` of the node for an RDF term (blank nodes keep their store-local id)."""
    if isinstance(term, NamedNode):
        return term.value
    if isinstance(term, BlankNode):
        return "_:" + term.value
    return str(term)


def value(term: Any) -> Any:
    """An RDF object as a property value (typed where Neo4j has the type)."""
    if isinstance(term, Literal):
        dt = term.datatype.value if term.datatype else ""
        try:
            if dt in _INTEGER:
                return int(term.value)
            if dt in _FLOAT:
                return float(term.value)
        except ValueError:
            return term.value
        if dt == _BOOLEAN:
            return term.value in ("true", "1")
        return term.value
    return node_key(term)


def _pick(values: Iterable[Any]) -> Any:
    """One value of a single-valued property asserted several times: the longest, then the smallest."""
    return sorted(values, key=lambda v: (-len(str(v)), str(v)))[0]


@dataclass
class Node:
    iri: str
    labels: list[str] = field(default_factory=list)  # kg labels, without Resource
    properties: dict[str, Any] = field(default_factory=dict)  # without iri and graphs
    graphs: list[str] = field(default_factory=list)

    def props(self) -> dict[str, Any]:
        """All properties as stored in Neo4j (``SET n = props``)."""
        return {"iri": self.iri, "graphs": self.graphs, **self.properties}


@dataclass(frozen=True)
class Relationship:
    start: str
    type: str
    end: str
    graphs: tuple[str, ...]

    @property
    def key(self) -> str:
        """How the sync names an outgoing relationship of a node: ``TYPE <end iri>``."""
        return f"{self.type} {self.end}"


def describe(store: pyoxigraph.Store, subject: str) -> tuple[Node, list[Relationship]]:
    """The node of ``subject`` and its outgoing relationships, from the union of all named graphs."""
    term: NamedNode | BlankNode = BlankNode(subject[2:]) if subject.startswith("_:") else NamedNode(subject)
    kg_labels: set[str] = set()
    values: dict[str, dict[Any, None]] = {}
    graphs: set[str] = set()
    rels: dict[tuple[str, str], set[str]] = {}
    for q in store.quads_for_pattern(term, None, None, None):
        if not isinstance(q.graph_name, NamedNode | BlankNode):
            continue  # the default graph: not a source (the pipeline writes named graphs only)
        g = node_key(q.graph_name)
        graphs.add(g)
        p, o = q.predicate.value, q.object
        if p == RDF_TYPE:
            if isinstance(o, NamedNode) and o.value.startswith(KG_NS):
                kg_labels.add(o.value[len(KG_NS) :])
            continue
        if is_relationship(p, o):
            rels.setdefault((relationship_type(p), node_key(o)), set()).add(g)
            continue
        values.setdefault(property_name(p), {})[value(o)] = None
    props: dict[str, Any] = {}
    for name, vals in sorted(values.items()):
        if name in LIST_PROPERTIES:
            props[name] = sorted(vals, key=str)
        else:
            props[name] = _pick(vals)
    node = Node(subject, sorted(kg_labels), props, sorted(graphs))
    out = [Relationship(subject, t, o, tuple(sorted(gs))) for (t, o), gs in sorted(rels.items())]
    return node, out


def subjects(store: pyoxigraph.Store, graph: str | None = None) -> set[str]:
    """Every subject of one named graph (or of the whole store)."""
    g = NamedNode(graph) if graph else None
    return {node_key(q.subject) for q in store.quads_for_pattern(None, None, None, g)}


def iter_graph(store: pyoxigraph.Store) -> Iterator[tuple[Node, list[Relationship]]]:
    """Every node with its outgoing relationships, subjects in IRI order, then bare relationship targets."""
    seen = sorted(subjects(store))
    targets: set[str] = set()
    for s in seen:
        node, rels = describe(store, s)
        targets.update(r.end for r in rels)
        yield node, rels
    for t in sorted(targets - set(seen)):
        yield Node(t), []


def mapping_table() -> list[tuple[str, str, str]]:
    """``(RDF term, Neo4j kind, Neo4j name)`` rows: what docs/neo4j.md documents."""
    rows = [(f"kg:{name}", "label", name) for name in labels() if name != BASE_LABEL]
    for iri, t in RELATIONSHIPS.items():
        prefix, local = _split_iri(iri)
        rows.append((f"{prefix}:{local}", "relationship", t))
    for iri, name in PROPERTIES.items():
        prefix, local = _split_iri(iri)
        rows.append((f"{prefix}:{local}", "property", name + ("[]" if name in LIST_PROPERTIES else "")))
    return rows
