"""The embedded default store: pyoxigraph on disk, in published generations.

Readers open the published generation read-only (and its page index, see
:mod:`kg.pageindex`) and re-check ``CURRENT`` (a tiny file read, at most every
half second; between checks ``refresh`` is one clock read) so that a running
server picks up a new build without a restart. Writes go through :mod:`kg.store.generations`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pyoxigraph
from pyoxigraph import Literal, NamedNode, Variable

from kg import queries
from kg.errors import Location, StoreError
from kg.pageindex import PageIndex
from kg.rdf.namespaces import (
    KG_NS,
    episode_iri,
    graph_iri,
    local_id,
    paper_iri,
    review_iri,
    term_iri,
    topic_iri,
)
from kg.store.base import EDGE_KINDS, NODE_KINDS, GraphStore
from kg.store.generations import current_generation

log = logging.getLogger("kg.query")

_INTEGER_TYPES = {
    "http://www.w3.org/2001/XMLSchema#integer",
    "http://www.w3.org/2001/XMLSchema#int",
    "http://www.w3.org/2001/XMLSchema#long",
}
_FLOAT_TYPES = {"http://www.w3.org/2001/XMLSchema#decimal", "http://www.w3.org/2001/XMLSchema#double"}


def py(term: Any) -> Any:
    """An RDF term as a JSON-ready Python value."""
    if term is None:
        return None
    if isinstance(term, NamedNode):
        return term.value
    if isinstance(term, Literal):
        dt = term.datatype.value if term.datatype else ""
        if dt in _INTEGER_TYPES:
            return int(term.value)
        if dt in _FLOAT_TYPES:
            return float(term.value)
        return term.value
    return str(term)


def paper_label(key: str | None, title: str | None) -> str:
    """A paper's title, else a readable form of its id (arXiv:2606.25524, doi:…, the URL's host and path)."""
    if title:
        return title
    if not key:
        return "(unknown paper)"
    scheme, _, ident = key.partition("/")
    if scheme == "arxiv":
        return f"arXiv:{ident}"
    if scheme == "doi":
        return f"doi:{ident}"
    return ident.replace("-", " ")


def run_select(store: pyoxigraph.Store, name: str, **bindings: Any) -> list[dict[str, Any]]:
    """Run the named query on a raw pyoxigraph store with bound values; rows as dicts of Python values."""
    text = queries.load(name)
    subs = {Variable(k): v for k, v in bindings.items()}
    started = time.perf_counter()
    result = store.query(text, substitutions=subs, use_default_graph_as_union=True)
    names = [v.value for v in result.variables]
    rows = [{n: py(sol[n]) for n in names} for sol in result]
    log.debug("query %s %.2f ms", name, (time.perf_counter() - started) * 1000)
    return rows


def related_items(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An episode's ``related`` list from the rows of ``episode_related.rq``."""
    return [
        {
            "id": local_id(r["other"], "episode"),
            "title": r["title"] or local_id(r["other"], "episode"),
            "number": r["number"],
            "weight": round(float(r["weight"]), 3),
            "reason": r["reason"],
        }
        for r in rows
    ]


def co_recommended_items(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A paper's ``co_recommended`` list from the rows of ``paper_corecommended.rq``."""
    co: dict[str, dict[str, Any]] = {}
    for r in rows:
        item = co.setdefault(r["other"], {"count": r["count"], "key": None, "titles": []})
        if r["field"] == "key":
            item["key"] = r["value"] if item["key"] is None else min(item["key"], r["value"])
        else:
            item["titles"].append(r["value"])
    out = []
    for item in co.values():
        title = sorted(item["titles"], key=lambda t: (-len(t), t))[0] if item["titles"] else None
        label = paper_label(item["key"], title)
        out.append({"key": item["key"], "title": title, "label": label, "count": item["count"]})
    out.sort(key=lambda x: (-x["count"], x["key"] or ""))
    return out


def glossary_row(r: dict[str, Any]) -> dict[str, Any]:
    """One glossary index entry from a row of ``glossary.rq`` (or of its Cypher twin)."""
    return {
        "slug": local_id(r["t"], "term"),
        "label": r["label"],
        "definition": r["definition"],
        "kind": r["kind"],
        "aliases": _split(r["aliases"]),
        "acronyms": _split(r["acronyms"]),
        "variants": _split(r["variants"]),
    }


def glossary_rows(store: pyoxigraph.Store) -> list[dict[str, Any]]:
    """The glossary index rows (also what the linker is built from, at build and at serve time)."""
    return [glossary_row(r) for r in run_select(store, "glossary.rq")]


def _fields(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Rows of (field, value), as the field-per-row queries return them, grouped by field."""
    out: dict[str, list[Any]] = {}
    for r in rows:
        out.setdefault(r["field"], []).append(r["value"])
    return out


def _first(fields: dict[str, list[Any]], name: str) -> Any:
    values = fields.get(name)
    return min(values, key=str) if values else None


def _settle_ties(rows: list[dict[str, Any]], order: tuple[str, ...] | Callable[[dict], tuple]) -> list[dict[str, Any]]:
    """Rows in the query's order, rows it ranks equal (same ``order`` values or key) by most ``count``, then text.

    SPARQL leaves the order of tied rows to the engine, and it differs between a bound and an
    unbound run of the same query (the page index makes pages from unbound runs): where a page
    keeps the first of several tied rows, that must not depend on it.
    """
    key = order if callable(order) else (lambda r: tuple(r[k] for k in order))
    out: list[dict[str, Any]] = []
    i = 0
    while i < len(rows):
        j = i + 1
        head = key(rows[i])
        while j < len(rows) and key(rows[j]) == head:
            j += 1
        group = rows[i:j]
        if len(group) > 1:
            group.sort(key=lambda r: (-(r.get("count") or 0), sorted((k, str(v)) for k, v in r.items())))
        out.extend(group)
        i = j
    return out


def _split(value: str | None) -> list[str]:
    return sorted(v for v in (value or "").split("\n") if v)


class OxigraphStore(GraphStore):
    backend = "oxigraph"

    def __init__(self, path: str | Path):
        self.root = Path(path)
        self._lock = threading.Lock()
        self._gen: Path | None = None
        self._store: pyoxigraph.Store | None = None
        self._pages: PageIndex | None = None
        self._checked = 0.0
        self.refresh(force=True)

    # -- lifecycle -----------------------------------------------------------------
    def refresh(self, force: bool = False) -> bool:
        """Reopen if a newer generation was published (checked at most every 0.5 s)."""
        now = time.monotonic()
        if not force and now - self._checked < 0.5:
            return False
        self._checked = now
        gen = current_generation(self.root)
        if gen is None:
            raise StoreError(
                "E050", "no graph here yet; run `kg build` (or `kg ingest`) first", Location(str(self.root))
            )
        if gen == self._gen and self._store is not None:
            return False
        with self._lock:
            if gen == self._gen and self._store is not None:
                return False
            try:
                store = pyoxigraph.Store.read_only(str(gen))
            except OSError as exc:
                raise StoreError("E050", f"cannot open the store: {exc}", Location(str(gen))) from None
            self._store, self._gen, self._pages = store, gen, PageIndex.open(gen)
        return True

    @property
    def version(self) -> str:
        return self._gen.name if self._gen else "0"

    @property
    def page_index(self) -> PageIndex | None:
        """The served generation's page index (:mod:`kg.pageindex`); ``None`` for a store made before it."""
        return self._pages

    @property
    def raw(self) -> pyoxigraph.Store:
        self.refresh()
        assert self._store is not None
        return self._store

    def close(self) -> None:
        self._store = None
        self._pages = None

    # -- querying ------------------------------------------------------------------
    def select(self, name: str, **bindings: Any) -> list[dict[str, Any]]:
        """Run the named query with bound values; rows as dicts of Python values."""
        return run_select(self.raw, name, **bindings)

    def __len__(self) -> int:
        return len(self.raw)

    def stats(self) -> dict[str, Any]:
        nodes: dict[str, int] = {}
        for row in self.select("stats_nodes.rq"):
            local = row["class"][len(KG_NS) :]
            kind = NODE_KINDS.get(local)
            if kind and kind != "relatedness":
                nodes[kind] = row["n"]
        edges: dict[str, int] = {}
        for row in self.select("stats_edges.rq"):
            kind = EDGE_KINDS.get(row["p"])
            if kind:
                edges[kind] = row["n"]
        return {
            "quads": len(self.raw),
            "nodes": dict(sorted(nodes.items())),
            "edges": dict(sorted(edges.items())),
        }

    # -- page data -----------------------------------------------------------------
    def episode(self, episode_id: str) -> dict[str, Any] | None:
        e = episode_iri(episode_id)
        fields = _fields(self.select("episode.rq", e=e))
        if "episode" not in fields:
            return None
        out: dict[str, Any] = {
            "id": episode_id,
            "iri": e.value,
            "number": _first(fields, "number"),
            "title": _first(fields, "title") or episode_id,
            "url": _first(fields, "url"),
            "published": _first(fields, "published"),
            "duration": _first(fields, "duration"),
            "summary": _first(fields, "summary"),
            "review_summary": _first(fields, "reviewSummary"),
            "generation_note": _first(fields, "note"),
            "generated_on": _first(fields, "generatedOn"),
        }
        src = self.select("episode_source.rq", e=e)
        out["paper"] = (
            {
                "key": src[0]["key"],
                "title": src[0]["title"],
                "label": paper_label(src[0]["key"], src[0]["title"]),
                "url": src[0]["url"],
                "published": src[0]["published"],
            }
            if src
            else None
        )
        out["takeaways"] = [r["text"] for r in self.select("episode_takeaways.rq", e=e)]
        chapter_terms: dict[str, list[dict[str, str]]] = {}
        for r in _settle_ties(self.select("episode_chapter_terms.rq", e=e), ("chapter", "label", "how")):
            items = chapter_terms.setdefault(r["chapter"], [])
            slug = local_id(r["term"], "term")
            if all(t["slug"] != slug for t in items):
                items.append({"slug": slug, "label": r["label"], "how": r["how"]})
        out["chapters"] = [
            {
                "position": r["position"],
                "timestamp": r["timestamp"],
                "start": r["start"],
                "title": r["title"],
                "summary": r["summary"],
                "anchor": "t" + str(r["start"]),
                "terms": chapter_terms.get(r["chapter"], []),
            }
            for r in self.select("episode_chapters.rq", e=e)
        ]
        out["reading"] = [
            {
                "position": r["position"],
                "title": r["title"],
                "note": r["note"],
                "url": r["url"],
                "paper": unquote(local_id(r["paper"], "paper")) if r["paper"] else None,
            }
            for r in self.select("episode_reading.rq", e=e)
        ]
        topics, reviews = [], []
        for r in self.select("episode_topics.rq", e=e):
            if r["topic"]:
                topics.append({"slug": local_id(r["topic"], "topic"), "title": r["title"]})
            if r["review"]:
                reviews.append({"id": local_id(r["review"], "review"), "title": r["reviewTitle"]})
        out["topics"] = topics
        out["reviews"] = reviews
        out["terms"] = [
            {"slug": local_id(r["term"], "term"), "label": r["label"]}
            for r in _settle_ties(self.select("episode_terms.rq", e=e), lambda r: (str(r["label"]).lower(),))
        ]
        out["related"] = related_items(self.select("episode_related.rq", e=e))
        return out

    def episodes(self) -> list[dict[str, Any]]:
        return [
            {
                "id": local_id(r["e"], "episode"),
                "number": r["number"],
                "title": r["title"] or local_id(r["e"], "episode"),
                "published": r["published"],
                "paper": unquote(local_id(r["paper"], "paper")) if r["paper"] else None,
            }
            for r in self.select("episodes.rq")
        ]

    def paper(self, key: str) -> dict[str, Any] | None:
        p = paper_iri(key)
        fields = _fields(self.select("paper.rq", p=p))
        if "paper" not in fields:
            return None
        titles = sorted(fields.get("title", []), key=lambda t: (-len(t), t))
        episodes = self.select("paper_episodes.rq", p=p)
        co_recommended = co_recommended_items(self.select("paper_corecommended.rq", p=p))
        return {
            "key": key,
            "iri": p.value,
            "title": titles[0] if titles else None,
            "label": paper_label(key, titles[0] if titles else None),
            "url": _first(fields, "url"),
            "published": _first(fields, "published"),
            "arxiv": _first(fields, "arxiv"),
            "doi": _first(fields, "doi"),
            "covered_by": [
                {"id": local_id(r["e"], "episode"), "number": r["number"], "title": r["title"]}
                for r in episodes
                if r["how"] == "covers"
            ],
            "recommended_by": [
                {"id": local_id(r["e"], "episode"), "number": r["number"], "title": r["title"], "note": r["note"]}
                for r in episodes
                if r["how"] == "recommends"
            ],
            "co_recommended": co_recommended,
        }

    def term(self, slug: str) -> dict[str, Any] | None:
        t = term_iri(slug)
        rows = self.select("term.rq", t=t)
        if not rows:
            return None
        row = rows[0]
        forms = self.select("term_forms.rq", t=t)
        links = self.select("term_links.rq", t=t)
        explained = _settle_ties(self.select("term_explained.rq", t=t), ("how", "number", "start"))
        where: list[dict[str, Any]] = []
        mentioned: list[dict[str, Any]] = []
        seen: set[tuple[str, str, str | None]] = set()
        for r in explained:
            eid = local_id(r["e"], "episode")
            key = (r["how"], eid, r["timestamp"])
            if key in seen:
                continue
            seen.add(key)
            item = {
                "episode": eid,
                "number": r["number"],
                "title": r["title"],
                "timestamp": r["timestamp"],
                "start": r["start"],
                "chapter": r["chapterTitle"],
                "anchor": ("t" + str(r["start"])) if r["start"] is not None else None,
            }
            if r["how"] == "explains":
                where.append(item)
            else:
                item["count"] = r["count"] or 1
                mentioned.append(item)

        def rel(kind: str) -> list[dict[str, str]]:
            seen: dict[str, dict[str, str]] = {}
            for r in links:
                if r["rel"] == kind:
                    s = local_id(r["other"], "term")
                    seen.setdefault(s, {"slug": s, "label": r["label"]})
            return list(seen.values())

        episodes = {x["episode"] for x in where} | {x["episode"] for x in mentioned}
        return {
            "slug": slug,
            "iri": t.value,
            "label": row["label"],
            "definition": row["definition"],
            "kind": row["kind"],
            "aliases": [r["form"] for r in forms if r["type"] == "alias"],
            "acronyms": [r["form"] for r in forms if r["type"] == "acronym"],
            "broader": rel("broader"),
            "narrower": rel("narrower"),
            "related": rel("related"),
            "explained_in": where,
            "mentioned_in": mentioned,
            "episode_count": len(episodes),
            "url": f"/terms/{slug}",
        }

    def glossary(self) -> list[dict[str, Any]]:
        return [glossary_row(r) for r in self.select("glossary.rq")]

    def corpus_texts(self) -> list[dict[str, Any]]:
        return [
            {
                "source": r["g"],
                "node": r["node"],
                "kind": r["kind"],
                "text": r["text"],
                "episode": local_id(r["episode"], "episode") if r["episode"] else None,
                "timestamp": r["timestamp"],
                "start": r["start"],
                "review": local_id(r["review"], "review") if r["review"] else None,
                "position": r["position"],
                "topic": local_id(r["topic"], "topic") if r["topic"] else None,
                "refs": sorted(local_id(x, "episode") for x in (r["refs"] or "").split()),
            }
            for r in self.select("corpus_texts.rq")
        ]

    def reviews(self) -> list[dict[str, Any]]:
        return [
            {"id": local_id(r["r"], "review"), "title": r["title"], "date": r["date"], "episodes": r["episodes"]}
            for r in self.select("reviews.rq")
        ]

    def review(self, review_id: str) -> dict[str, Any] | None:
        r = review_iri(review_id)
        rows = self.select("review.rq", r=r)
        if not rows:
            return None
        sections: list[dict[str, Any]] = []
        for p in self.select("review_paragraphs.rq", r=r, g=graph_iri("review", review_id)):
            topic = local_id(p["topic"], "topic") if p["topic"] else None
            if (
                not sections
                or sections[-1]["topic"] != topic
                or (topic is None and sections[-1]["title"] != p["section"])
            ):
                sections.append(
                    {
                        "topic": topic,
                        "topic_title": p["topicTitle"],
                        "topic_summary": p["topicSummary"],
                        "title": p["section"],
                        "subsections": [],
                    }
                )
            subs = sections[-1]["subsections"]
            if not subs or subs[-1]["title"] != p["section"]:
                subs.append({"title": p["section"], "paragraphs": []})
            subs[-1]["paragraphs"].append(p["text"])
        return {
            "id": review_id,
            "title": rows[0]["title"],
            "date": rows[0]["date"],
            "duration": rows[0]["duration"],
            "sections": sections,
        }

    def topic(self, slug: str) -> dict[str, Any] | None:
        rows = self.select("topic.rq", t=topic_iri(slug))
        fields = _fields([r for r in rows if r["field"] != "episode"])
        if "topic" not in fields:
            return None
        episodes: dict[str, dict[str, Any]] = {}
        for r in rows:
            if r["field"] == "episode" and r["e"] not in episodes:
                episodes[r["e"]] = {"id": local_id(r["e"], "episode"), "number": r["number"], "title": r["etitle"]}
        return {
            "slug": slug,
            "title": _first(fields, "title"),
            "summary": _first(fields, "summary"),
            "episodes": list(episodes.values()),
        }

    def topics(self) -> list[dict[str, Any]]:
        return [
            {"slug": local_id(r["t"], "topic"), "title": r["title"], "episodes": r["episodes"]}
            for r in self.select("topics.rq")
        ]

    # -- graph view and gap reports --------------------------------------------------
    def graph_edges(self, node: str | None = None) -> list[tuple[str, str, str]]:
        if node is None:
            rows = self.select("graph_edges.rq")
        else:
            n = NamedNode(node)
            rows = self.select("graph_edges.rq", s=n) + self.select("graph_edges.rq", o=n)
        return [(r["s"], r["kind"], r["o"]) for r in rows]

    def graph_nodes(self, node: str | None = None) -> list[dict[str, Any]]:
        if node is None:
            return self.select("graph_nodes.rq")
        rows = self.select("graph_nodes.rq", n=NamedNode(node))
        for r in rows:
            r["n"] = node
        return rows

    def gap_rows(self, report: str) -> list[dict[str, Any]]:
        from kg.gaps import GAP_QUERIES

        if report not in GAP_QUERIES:
            raise KeyError(report)
        return self.select(f"gaps_{report}.rq")

