"""The ``GraphStore`` interface: everything the app and the CLI ask of a store.

Page-data methods return plain dicts/lists (JSON-ready), or ``None`` for an
unknown id. Implementations: ``kg.store.oxigraph.OxigraphStore`` (embedded,
default) and ``kg.store.neo4j.Neo4jStore``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

# kg: class local name -> kind name used in stats and URLs
NODE_KINDS: dict[str, str] = {
    "Podcast": "podcast",
    "Episode": "episode",
    "Chapter": "chapter",
    "Takeaway": "takeaway",
    "Recommendation": "recommendation",
    "Review": "review",
    "ReviewParagraph": "paragraph",
    "Topic": "topic",
    "Paper": "paper",
    "Term": "term",
    "Glossary": "glossary",
    "Method": "method",
    "Benchmark": "benchmark",
    "Model": "model",
    "Organisation": "organisation",
    "Metric": "metric",
    "System": "system",
    "Mention": "mention",
    "Relatedness": "relatedness",
}

# predicate IRI -> edge kind name used in stats
EDGE_KINDS: dict[str, str] = {
    "https://paperdive.ai/ontology#covers": "covers",
    "http://purl.org/spar/cito/citesAsRecommendedReading": "recommends",
    "https://paperdive.ai/ontology#hasChapter": "has_chapter",
    "https://paperdive.ai/ontology#hasTakeaway": "has_takeaway",
    "https://paperdive.ai/ontology#hasRecommendation": "has_recommendation",
    "https://paperdive.ai/ontology#recommendedPaper": "recommended_paper",
    "https://paperdive.ai/ontology#explains": "explains",
    "https://paperdive.ai/ontology#mentions": "mentions",
    "https://paperdive.ai/ontology#inTopic": "in_topic",
    "https://paperdive.ai/ontology#discusses": "discusses",
    "https://paperdive.ai/ontology#hasTopic": "has_topic",
    "https://paperdive.ai/ontology#hasParagraph": "has_paragraph",
    "https://paperdive.ai/ontology#refersTo": "refers_to",
    "https://paperdive.ai/ontology#partOfPodcast": "part_of_podcast",
    "http://www.w3.org/2004/02/skos/core#broader": "broader",
    "http://www.w3.org/2004/02/skos/core#related": "related",
    "https://paperdive.ai/ontology#relatedEpisode": "related_episode",
    "https://paperdive.ai/ontology#coRecommended": "co_recommended",
    "https://paperdive.ai/ontology#evaluatedOn": "evaluated_on",
    "http://purl.org/spar/cito/extends": "extends",
    "https://paperdive.ai/ontology#denotes": "denotes",
    "https://paperdive.ai/ontology#mentionsEntity": "mentions_entity",
}


class GraphStore(ABC):
    """Read access to the graph, whatever holds it."""

    backend: str = "abstract"

    @abstractmethod
    def stats(self) -> dict[str, Any]:
        """``{"quads": N, "nodes": {kind: N}, "edges": {kind: N}}``."""

    @abstractmethod
    def episode(self, episode_id: str) -> dict[str, Any] | None: ...

    @abstractmethod
    def episodes(self) -> list[dict[str, Any]]: ...

    @abstractmethod
    def paper(self, key: str) -> dict[str, Any] | None: ...

    @abstractmethod
    def term(self, slug: str) -> dict[str, Any] | None: ...

    @abstractmethod
    def glossary(self) -> list[dict[str, Any]]: ...

    @abstractmethod
    def reviews(self) -> list[dict[str, Any]]: ...

    @abstractmethod
    def review(self, review_id: str) -> dict[str, Any] | None: ...

    @abstractmethod
    def topic(self, slug: str) -> dict[str, Any] | None: ...

    @abstractmethod
    def topics(self) -> list[dict[str, Any]]: ...

    # -- graph view and gap reports (kg.graphview, kg.gaps); not abstract so a backend can add them later --
    def graph_edges(self, node: str | None = None) -> list[tuple[str, str, str]]:
        """The edges the graph view draws, ``(source IRI, kind, target IRI)``: into and out of ``node``, or all.

        Kinds: covers, recommends, in_topic, discusses, has_topic, explains, mentions (a chapter's or
        takeaway's edges are its episode's), broader, related, related_episode, co_recommended,
        evaluated_on, extends.
        """
        raise NotImplementedError(f"{self.backend} store has no graph view yet")

    def graph_nodes(self, node: str | None = None) -> list[dict[str, Any]]:
        """Rows ``{"n", "class", "label", "name", "number", "termKind", "key"}`` of one node (or of all)."""
        raise NotImplementedError(f"{self.backend} store has no graph view yet")

    def gap_rows(self, report: str) -> list[dict[str, Any]]:
        """The evidence rows of one gap query (``kg.gaps.GAP_QUERIES`` names them and their columns)."""
        raise NotImplementedError(f"{self.backend} store has no gap reports yet")

    def corpus_texts(self) -> list[dict[str, Any]]:
        """Every text of the corpus with where it sits (the input of ``kg.discovery``).

        Rows: ``{"source": graph IRI, "node": IRI, "kind": "chapter" | "summary" | "takeaway" | "reading" |
        "paragraph" | "topic", "text": str, "episode": "E172" | None, "timestamp": "04:21" | None,
        "start": seconds | None, "review": "2026-06-28" | None, "position": int | None,
        "topic": slug | None, "refs": ["E164", …] (episodes a review paragraph cites)}``.
        """
        raise NotImplementedError(f"{type(self).__name__} does not list corpus texts yet")

    def refresh(self) -> bool:
        """Pick up a newer published graph; True if it changed."""
        return False

    @property
    def page_index(self) -> Any:
        """The served graph's precomputed page bodies (a ``kg.pageindex.PageIndex``), or ``None``: then
        pages are made by queries. A property, not a query method: a backend need not have one."""
        return None

    @property
    def version(self) -> str:
        """An opaque id of the graph being served (changes after each write)."""
        return "0"

    def close(self) -> None:  # noqa: B027 - optional hook, a no-op by default
        """Release connections or handles."""
