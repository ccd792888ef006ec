"""Data IRIs <-> the short references and page paths the app uses.

A *ref* is a data IRI without its ``https://paperdive.ai/id/`` prefix:
``episode/E172``, ``paper/arxiv/2305.18290``, ``term/dpo``, ``topic/<slug>``,
``review/2026-06-28``. It names a node in URLs (``/api/graph?focus=paper/arxiv/2305.18290``)
and in graph data. Page paths are the public routes of the web app
(``/episodes/E172``, ``/papers/arxiv/2305.18290``, ``/terms/dpo``, …); the library
knows them because they are part of the published URL scheme, not of Flask.
"""

from __future__ import annotations

from urllib.parse import quote, unquote

from kg.rdf.namespaces import DATA_NS

# ref prefix -> page path prefix
_PAGES = {
    "episode": "/episodes/",
    "paper": "/papers/",
    "term": "/terms/",
    "topic": "/topics/",
    "review": "/reviews/",
}

# glossary kinds that also have an entity page (kg:Method, kg:Benchmark, …)
ENTITY_KINDS = ("method", "benchmark", "model", "system", "metric", "organisation")


def ref_of(iri: str) -> str | None:
    """``https://paperdive.ai/id/paper/arxiv/2305.18290`` -> ``paper/arxiv/2305.18290`` (None if not a data IRI)."""
    if not iri.startswith(DATA_NS):
        return None
    return unquote(iri[len(DATA_NS) :])


def iri_of(ref: str) -> str | None:
    """A ref (or a full data IRI) -> the data IRI, or None if it names no kind of node the app knows."""
    if ref.startswith(DATA_NS):
        ref = unquote(ref[len(DATA_NS) :])
    kind, _, rest = ref.partition("/")
    if kind not in _PAGES or not rest or any(c in rest for c in "<>\"{}|\\^` \t\r\n"):
        return None
    return DATA_NS + quote(ref, safe=":@-._~/")


def page_path(iri: str) -> str | None:
    """The page that shows a node or the thing it is part of (a chapter -> its episode at the chapter's anchor)."""
    ref = ref_of(iri)
    if not ref:
        return None
    kind, _, rest = ref.partition("/")
    if kind == "episode":
        eid, _, sub = rest.partition("/")
        return "/episodes/" + quote(eid, safe="")
    if kind == "review":
        rid, _, _sub = rest.partition("/")
        return "/reviews/" + quote(rid, safe="")
    if kind in _PAGES and rest:
        return _PAGES[kind] + quote(rest, safe=":@-._~/")
    return None


def entity_path(kind: str, slug: str) -> str:
    """The entity page of a typed glossary term: /methods/<slug>, /benchmarks/<slug>, /entities/<kind>/<slug>."""
    if kind == "method":
        return "/methods/" + quote(slug, safe="")
    if kind == "benchmark":
        return "/benchmarks/" + quote(slug, safe="")
    return f"/entities/{quote(kind, safe='')}/{quote(slug, safe='')}"
