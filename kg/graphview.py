"""The graph a reader explores: a node's neighbourhood, or the whole graph, as plain nodes and edges.

Built on two ``GraphStore`` methods, ``graph_edges`` (the edges the view draws, with
chapters folded into their episode) and ``graph_nodes`` (kind and label of a node).
The web layer turns the result into pyvis/vis-network data; nothing here knows Flask.

Every node carries its kind (episode, paper, term, method, benchmark, model, system,
metric, organisation, topic, review), a short label, a plain-text title, the page
that shows it, its degree in the whole graph (distinct neighbours) and, for papers
and terms, a coverage state:

* paper: ``covered`` (an episode covers it) or ``recommended`` (only recommended);
* term: ``explained`` (a chapter or episode explains it), ``mentioned`` (only
  mentioned) or ``unexplained``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from kg.store.base import GraphStore
from kg.urls import ENTITY_KINDS, entity_path, iri_of, page_path, ref_of

# edge kinds the view draws, most telling first (neighbours are kept in this order when capped)
EDGE_PRIORITY = (
    "covers",
    "recommends",
    "in_topic",
    "evaluated_on",
    "extends",
    "explains",
    "broader",
    "discusses",
    "has_topic",
    "co_recommended",
    "related_episode",
    "related",
    "mentions",
)
_RANK = {k: i for i, k in enumerate(EDGE_PRIORITY)}
SYMMETRIC = {"related", "related_episode", "co_recommended"}
NODE_KINDS = ("episode", "paper", "topic", "review", "term", *ENTITY_KINDS)

EDGE_WORDS = {
    "covers": "covers",
    "recommends": "recommends",
    "in_topic": "in topic",
    "evaluated_on": "evaluated on",
    "extends": "extends",
    "explains": "explains",
    "broader": "broader term",
    "discusses": "discusses",
    "has_topic": "has topic",
    "co_recommended": "recommended alongside",
    "related_episode": "related episode",
    "related": "related term",
    "mentions": "mentions",
}

MAX_DEPTH = 2
Edge = tuple[str, str, str]  # (source IRI, kind, target IRI)


def _short(text: str, n: int = 38) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


class NodeInfo:
    """What the view shows of one node, from the rows ``graph_nodes`` returns for it."""

    __slots__ = ("iri", "ref", "kind", "name", "number", "key")

    def __init__(self, iri: str, rows: list[dict[str, Any]]):
        self.iri = iri
        self.ref = ref_of(iri) or iri
        cls = rows[0]["class"].rsplit("#", 1)[-1]
        term_kind = next((r["termKind"] for r in rows if r.get("termKind")), None)
        if cls == "Term":
            self.kind = term_kind if term_kind in ENTITY_KINDS else "term"
        else:
            self.kind = cls.lower()
        names = sorted(
            {r.get("label") or r.get("name") for r in rows if r.get("label") or r.get("name")},
            key=lambda s: (-len(s), s),
        )
        self.name: str | None = names[0] if names else None
        self.number = next((r["number"] for r in rows if r.get("number") is not None), None)
        self.key = next((r["key"] for r in rows if r.get("key")), None)

    @property
    def slug(self) -> str:
        return self.ref.split("/", 1)[1] if "/" in self.ref else self.ref

    def label(self) -> str:
        if self.kind == "episode":
            return f"E{self.number}" if self.number is not None else self.slug
        if self.kind == "paper" and not self.name:
            scheme, _, ident = (self.key or self.slug).partition("/")
            return {"arxiv": f"arXiv:{ident}", "doi": f"doi:{ident}"}.get(scheme, _short(ident.replace("-", " ")))
        return _short(self.name or self.slug)

    def url(self) -> str | None:
        if self.kind in ENTITY_KINDS:
            return entity_path(self.kind, self.slug)
        return page_path(self.iri)


class View:
    """Nodes and edges to draw, plus what was left out."""

    def __init__(self) -> None:
        self.infos: dict[str, NodeInfo] = {}
        self.edges_of: dict[str, list[Edge]] = {}
        self.shown: list[str] = []
        self.truncated: dict[str, int] = {}

    def to_dict(self, focus: str | None = None, **meta: Any) -> dict[str, Any]:
        shown = set(self.shown)
        edges = _dedupe(e for n in self.shown for e in self.edges_of.get(n, ()) if e[0] in shown and e[2] in shown)
        nodes = []
        for n in self.shown:
            info = self.infos[n]
            own = _dedupe(self.edges_of.get(n, ()))
            nodes.append(
                {
                    "id": info.ref,
                    "kind": info.kind,
                    "label": info.label(),
                    "title": _title(info, own),
                    "url": info.url(),
                    "degree": len({e[2] if e[0] == n else e[0] for e in own}),
                    "state": _state(info, n, own),
                    "hidden_neighbours": self.truncated.get(n, 0),
                    "focus": n == focus,
                }
            )
        return {
            "focus": ref_of(focus) if focus else None,
            "nodes": nodes,
            "edges": [{"from": ref_of(s) or s, "to": ref_of(o) or o, "kind": k} for s, k, o in edges],
            **meta,
        }


def _dedupe(edges: Iterable[Edge]) -> list[Edge]:
    """One edge per pair and kind; symmetric kinds once per pair; no 'mentions' where 'explains' is drawn."""
    seen: dict[tuple[str, str, str], Edge] = {}
    for s, k, o in edges:
        if s == o:
            continue
        key = (k, *sorted((s, o))) if k in SYMMETRIC else (k, s, o)
        seen.setdefault(key, (s, k, o))
    explained = {(s, o) for s, k, o in seen.values() if k == "explains"}
    out = [e for e in seen.values() if not (e[1] == "mentions" and (e[0], e[2]) in explained)]
    return sorted(out, key=lambda e: (_RANK.get(e[1], 99), e[0], e[2]))


def _state(info: NodeInfo, iri: str, edges: list[Edge]) -> str | None:
    if info.kind == "paper":
        return "covered" if any(k == "covers" and o == iri for _s, k, o in edges) else "recommended"
    if info.kind == "term" or info.kind in ENTITY_KINDS:
        kinds = {k for _s, k, o in edges if o == iri}
        return "explained" if "explains" in kinds else "mentioned" if "mentions" in kinds else "unexplained"
    return None


_KIND_WORDS = {
    "episode": "Episode",
    "paper": "Paper",
    "topic": "Topic",
    "review": "Weekly review",
    "term": "Glossary term",
}
_STATE_WORDS = {
    "covered": "covered by an episode",
    "recommended": "recommended, not yet covered",
    "explained": "explained in an episode",
    "mentioned": "mentioned, never explained",
    "unexplained": "not in any episode yet",
}


def _title(info: NodeInfo, edges: list[Edge]) -> str:
    """Plain text for the hover box (the client puts it in as text, never as HTML)."""
    kind = _KIND_WORDS.get(info.kind, info.kind.capitalize())
    head = kind
    state = _state(info, info.iri, edges)
    if state:
        head += " · " + _STATE_WORDS[state]
    name = info.name or info.label()
    if info.kind == "episode" and info.number is not None and info.name:
        name = f"E{info.number}: {info.name}"
    neighbours = len({e[2] if e[0] == info.iri else e[0] for e in edges})
    return f"{head}\n{name}\n{neighbours} connection{'s' if neighbours != 1 else ''}"


def _ordered_neighbours(iri: str, edges: list[Edge]) -> list[str]:
    out: dict[str, None] = {}
    for s, _k, o in sorted(edges, key=lambda e: (_RANK.get(e[1], 99), e[2] if e[0] == iri else e[0])):
        other = o if s == iri else s
        if other != iri:
            out.setdefault(other, None)
    return list(out)


def resolve_focus(focus: str) -> str | None:
    """A ref (``paper/arxiv/2305.18290``) or a data IRI -> the data IRI, or None."""
    return iri_of(focus.strip())


def neighbourhood(
    store: GraphStore, focus: str, depth: int = 1, per_node: int = 40, max_nodes: int = 400
) -> dict[str, Any] | None:
    """The focus node, its neighbours up to ``depth`` hops, and every edge among them; None if unknown."""
    iri = resolve_focus(focus)
    if iri is None:
        return None
    depth = max(0, min(depth, MAX_DEPTH))
    view = View()

    def info(n: str) -> NodeInfo | None:
        if n not in view.infos:
            rows = store.graph_nodes(n)
            if not rows:
                return None
            view.infos[n] = NodeInfo(n, rows)
        return view.infos[n]

    def edges(n: str) -> list[Edge]:
        if n not in view.edges_of:
            view.edges_of[n] = store.graph_edges(n)
        return view.edges_of[n]

    if info(iri) is None:
        return None
    view.shown.append(iri)
    shown = {iri}
    frontier = [iri]
    for _level in range(depth):
        nxt: list[str] = []
        for n in frontier:
            kept = 0
            for m in _ordered_neighbours(n, edges(n)):
                if kept >= per_node or len(shown) >= max_nodes:
                    break
                if m in shown:
                    kept += 1
                elif info(m) is not None:
                    shown.add(m)
                    view.shown.append(m)
                    nxt.append(m)
                    kept += 1
        frontier = nxt
    for n in view.shown:
        view.truncated[n] = len(_ordered_neighbours(n, edges(n))) - _shown_neighbours(n, view, shown)
    return view.to_dict(iri, depth=depth, per_node=per_node, max_nodes=max_nodes, total_nodes=None)


def _shown_neighbours(n: str, view: View, shown: set[str]) -> int:
    return len({(o if s == n else s) for s, _k, o in view.edges_of.get(n, ()) if (o if s == n else s) in shown})


def overview(
    store: GraphStore, limit: int = 500, kinds: Iterable[str] | None = None
) -> dict[str, Any]:
    """The whole graph, or its ``limit`` best-connected nodes (of the given kinds) when it is larger."""
    wanted = set(kinds) if kinds else None
    rows_by_node: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in store.graph_nodes(None):
        rows_by_node[r["n"]].append(r)
    view = View()
    for n, rows in rows_by_node.items():
        view.infos[n] = NodeInfo(n, rows)
    all_edges = [e for e in store.graph_edges(None) if e[0] in view.infos and e[2] in view.infos]
    for s, k, o in _dedupe(all_edges):
        view.edges_of.setdefault(s, []).append((s, k, o))
        view.edges_of.setdefault(o, []).append((s, k, o))
    candidates = [n for n, i in view.infos.items() if wanted is None or i.kind in wanted]
    degree = {n: len({e[2] if e[0] == n else e[0] for e in view.edges_of.get(n, ())}) for n in candidates}
    candidates.sort(key=lambda n: (-degree[n], NODE_KINDS.index(view.infos[n].kind), view.infos[n].label()))
    view.shown = candidates[: max(1, limit)]
    shown = set(view.shown)
    for n in view.shown:
        view.truncated[n] = max(0, degree[n] - _shown_neighbours(n, view, shown))
    return view.to_dict(None, limit=limit, total_nodes=len(candidates), kinds=sorted(wanted) if wanted else None)


# -- neighbourhood lists for pages (entity and topic pages) -------------------------------------------
def _node_summary(store: GraphStore, iri: str, cache_: dict[str, NodeInfo | None]) -> dict[str, Any] | None:
    if iri not in cache_:
        rows = store.graph_nodes(iri)
        cache_[iri] = NodeInfo(iri, rows) if rows else None
    info = cache_[iri]
    if info is None:
        return None
    return {"ref": info.ref, "kind": info.kind, "label": info.name or info.label(), "short": info.label(),
            "url": info.url(), "number": info.number}


def entity_links(store: GraphStore, iri: str) -> dict[str, list[dict[str, Any]]]:
    """A method's or benchmark's typed edges: evaluated_on / evaluates (methods evaluated on it) /
    extends / extended_by. Empty lists while the graph has no such edges."""
    out: dict[str, list[dict[str, Any]]] = {"evaluated_on": [], "evaluates": [], "extends": [], "extended_by": []}
    names = {("evaluated_on", True): "evaluated_on", ("evaluated_on", False): "evaluates",
             ("extends", True): "extends", ("extends", False): "extended_by"}
    cache_: dict[str, NodeInfo | None] = {}
    seen: set[tuple[str, str]] = set()
    for s, k, o in store.graph_edges(iri):
        if k not in ("evaluated_on", "extends"):
            continue
        outgoing = s == iri
        other = o if outgoing else s
        slot = names[(k, outgoing)]
        if (slot, other) in seen:
            continue
        seen.add((slot, other))
        summary = _node_summary(store, other, cache_)
        if summary:
            out[slot].append(summary)
    for items in out.values():
        items.sort(key=lambda x: x["label"].lower())
    return out


def topic_links(store: GraphStore, iri: str) -> dict[str, list[dict[str, Any]]]:
    """Around a topic: the papers its episodes cover and recommend, the terms they explain, its reviews."""
    cache_: dict[str, NodeInfo | None] = {}
    episodes = [s for s, k, o in store.graph_edges(iri) if k == "in_topic" and o == iri]
    reviews = {s for s, k, o in store.graph_edges(iri) if k == "has_topic" and o == iri}
    counts: dict[str, dict[str, set[str]]] = {"covers": defaultdict(set), "recommends": defaultdict(set),
                                              "explains": defaultdict(set)}
    for e in dict.fromkeys(episodes):
        for s, k, o in store.graph_edges(e):
            if s == e and k in counts:
                counts[k][o].add(e)

    def listing(kind: str) -> list[dict[str, Any]]:
        items = []
        for other, eps in counts[kind].items():
            summary = _node_summary(store, other, cache_)
            if summary:
                summary["episodes"] = sorted(ref_of(x).rsplit("/", 1)[-1] for x in eps)  # type: ignore[union-attr]
                items.append(summary)
        items.sort(key=lambda x: (-len(x["episodes"]), x["label"].lower()))
        return items

    return {
        "covered": listing("covers"),
        "recommended": [p for p in listing("recommends") if p["ref"] not in {c["ref"] for c in listing("covers")}],
        "terms": listing("explains"),
        "reviews": [x for x in (_node_summary(store, r, cache_) for r in sorted(reviews)) if x],
    }
