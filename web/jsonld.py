"""schema.org JSON-LD for every page, embedded as ``<script type="application/ld+json">``.

``base.html`` calls ``page_jsonld()``, which looks at the data the page was
rendered with (``ep``, ``paper``, ``term``, ``topic``, ``review``, …) and
describes it with schema.org: ``PodcastEpisode``, ``ScholarlyArticle``,
``DefinedTerm``, ``Article``, ``DefinedTermSet``; any other page is a
``WebPage``. ``@id`` is the node's IRI in the graph, ``url`` the page.

The block is a data block, not a script: CSP ``script-src 'self'`` does not
apply to it. It is written with Flask's ``tojson`` filter, which escapes
``<``, ``>``, ``&`` and ``'`` as ``\\u003c`` etc., so ``</script>`` in any title
cannot end the block.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, request, url_for
from jinja2 import pass_context
from jinja2.runtime import Context

from kg.rdf.namespaces import DATA_NS

log = logging.getLogger("kg.web")

PODCAST_NAME = "AI Papers: A Deep Dive"
PODCAST_ID = DATA_NS + "podcast"


def _abs(endpoint: str, **values: Any) -> str:
    return url_for(endpoint, _external=True, **values)


def _series() -> dict[str, Any]:
    return {"@type": "PodcastSeries", "@id": PODCAST_ID, "name": PODCAST_NAME}


def _paper_ref(key: str, title: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "@type": "ScholarlyArticle",
        "@id": DATA_NS + "paper/" + key,
        "url": _abs("pages.paper", key=key),
    }
    if title:
        out["name"] = title
    return out


def _episode_ref(e: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "@type": "PodcastEpisode",
        "@id": DATA_NS + "episode/" + e["id"],
        "url": _abs("pages.episode", episode_id=e["id"]),
    }
    if e.get("title"):
        out["name"] = e["title"]
    if e.get("number") is not None:
        out["episodeNumber"] = e["number"]
    return out


def _term_ref(t: dict[str, Any]) -> dict[str, Any]:
    return {
        "@type": "DefinedTerm",
        "@id": DATA_NS + "term/" + t["slug"],
        "name": t["label"],
        "url": _abs("pages.term", slug=t["slug"]),
    }


def episode(ep: dict[str, Any]) -> dict[str, Any]:
    out = _episode_ref(ep)
    out["partOfSeries"] = _series()
    if ep.get("summary"):
        out["description"] = ep["summary"]
    if ep.get("published"):
        out["datePublished"] = ep["published"]
    if ep.get("duration"):
        out["timeRequired"] = ep["duration"]
    if ep.get("paper"):
        out["about"] = _paper_ref(ep["paper"]["key"], ep["paper"].get("title"))
    citations = [_paper_ref(r["paper"], r.get("title")) for r in ep.get("reading", []) if r.get("paper")]
    if citations:
        out["citation"] = citations
    if ep.get("chapters"):
        out["hasPart"] = [
            {
                "@type": "Clip",
                "name": c["title"],
                "startOffset": c["start"],
                "url": _abs("pages.episode", episode_id=ep["id"]) + "#" + c["anchor"],
            }
            for c in ep["chapters"]
        ]
    if ep.get("terms"):
        out["mentions"] = [_term_ref(t) for t in ep["terms"]]
    return out


def paper(p: dict[str, Any]) -> dict[str, Any]:
    out = _paper_ref(p["key"], p.get("title") or p.get("label"))
    if p.get("url"):
        out["sameAs"] = p["url"]
    if p.get("published"):
        out["datePublished"] = p["published"]
    ids = []
    if p.get("arxiv"):
        ids.append({"@type": "PropertyValue", "propertyID": "arXiv", "value": p["arxiv"]})
    if p.get("doi"):
        ids.append({"@type": "PropertyValue", "propertyID": "DOI", "value": p["doi"]})
    if ids:
        out["identifier"] = ids
    discussed = [_episode_ref(e) for e in p.get("covered_by", [])] + [
        _episode_ref(e) for e in p.get("recommended_by", [])
    ]
    if discussed:
        out["subjectOf"] = discussed
    return out


def term(t: dict[str, Any]) -> dict[str, Any]:
    out = _term_ref(t)
    out["description"] = t.get("definition")
    out["inDefinedTermSet"] = {
        "@type": "DefinedTermSet",
        "@id": DATA_NS + "glossary",
        "name": "AI Papers glossary",
        "url": _abs("pages.glossary"),
    }
    alternates = (t.get("acronyms") or []) + (t.get("aliases") or [])
    if alternates:
        out["alternateName"] = alternates
    return out


def glossary(letters: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    return {
        "@type": "DefinedTermSet",
        "@id": DATA_NS + "glossary",
        "name": "AI Papers glossary",
        "url": _abs("pages.glossary"),
        "hasDefinedTerm": [_term_ref(t) for group in letters.values() for t in group],
    }


def topic(t: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "@type": "DefinedTerm",
        "@id": DATA_NS + "topic/" + t["slug"],
        "name": t["title"],
        "url": _abs("pages.topic", slug=t["slug"]),
    }
    if t.get("summary"):
        out["description"] = t["summary"]
    if t.get("episodes"):
        out["subjectOf"] = [_episode_ref(e) for e in t["episodes"]]
    return out


def review(r: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "@type": "Article",
        "@id": DATA_NS + "review/" + r["id"],
        "name": r["title"],
        "url": _abs("pages.review", review_id=r["id"]),
    }
    if r.get("date"):
        out["datePublished"] = r["date"]
    topics = [
        {"@type": "DefinedTerm", "@id": DATA_NS + "topic/" + s["topic"], "name": s["topic_title"]}
        for s in r.get("sections", [])
        if s.get("topic")
    ]
    if topics:
        out["about"] = topics
    return out


def index(episodes: list[dict[str, Any]]) -> dict[str, Any]:
    out = _series()
    out["url"] = _abs("pages.index")
    out["episode"] = [_episode_ref(e) for e in episodes]
    return out


def _is_data(value: Any, *keys: str) -> bool:
    return isinstance(value, dict) and all(k in value for k in keys)


def for_context(ctx: Context | dict[str, Any]) -> dict[str, Any]:
    """The JSON-LD object for a page, from the variables it was rendered with."""
    get = ctx.get
    doc: dict[str, Any]
    if _is_data(get("ep"), "id", "chapters"):
        doc = episode(get("ep"))
    elif _is_data(get("paper"), "key", "covered_by"):
        doc = paper(get("paper"))
    elif _is_data(get("term"), "slug", "label"):
        doc = term(get("term"))
    elif _is_data(get("topic"), "slug", "title"):
        doc = topic(get("topic"))
    elif _is_data(get("review"), "id", "sections"):
        doc = review(get("review"))
    elif isinstance(get("letters"), dict):
        doc = glossary(get("letters"))
    elif request.endpoint == "pages.index" and isinstance(get("episodes"), list):
        doc = index(get("episodes"))
    else:
        doc = {
            "@type": "WebPage",
            "url": request.base_url,
            "isPartOf": {"@type": "WebSite", "name": PODCAST_NAME + " · graph", "url": _abs("pages.index")},
        }
    return {"@context": "https://schema.org", **doc}


@pass_context
def page_jsonld(ctx: Context) -> dict[str, Any]:
    try:
        return for_context(ctx)
    except Exception:  # noqa: BLE001 - metadata must never break a page
        log.exception("schema.org JSON-LD failed for %s", request.path)
        return {"@context": "https://schema.org", "@type": "WebPage", "url": request.base_url}


def init_app(app: Flask) -> None:
    app.jinja_env.globals["page_jsonld"] = page_jsonld
