"""HTML pages for readers and researchers."""

from __future__ import annotations

import re

from flask import Blueprint, abort, render_template, request, url_for
from markupsafe import Markup

from kg import graphview
from kg.nlp.linker import text_nodes
from kg.rdf.namespaces import topic_iri
from kg.search import matches, search_text
from kgweb.db import get_store, per_graph
from kgweb.graph import int_arg
from kgweb.linking import first_only_setting, get_linker
from kgweb.pagedata import record, term_mentions

bp = Blueprint("pages", __name__)


@bp.get("/")
def index():
    store = get_store()
    return render_template("index.html", episodes=store.episodes(), reviews=store.reviews(), topics=store.topics())


@bp.get("/episodes/<episode_id>")
def episode(episode_id: str):
    data = record(get_store(), "episode", episode_id)
    if data is None:
        abort(404, f"There is no episode {episode_id}.")
    return render_template("episode.html", ep=data)


@bp.get("/papers/<path:key>")
def paper(key: str):
    data = record(get_store(), "paper", key)
    if data is None:
        abort(404, f"There is no paper {key}.")
    return render_template("paper.html", paper=data)


@bp.get("/terms/<slug>")
def term(slug: str):
    data = record(get_store(), "term", slug)
    if data is None:
        abort(404, f"There is no glossary term {slug}.")
    return render_template("term.html", term=data)


MENTIONS_PER_PAGE = 200


@bp.get("/terms/<slug>/mentions")
def term_mentions_page(slug: str):
    """Every chapter and episode that mentions a term, ``MENTIONS_PER_PAGE`` a page (``?page=``, from 1)."""
    store = get_store()
    data = record(store, "term", slug)
    rows = term_mentions(store, slug, data) if data is not None else None
    if data is None or rows is None:
        abort(404, f"There is no glossary term {slug}.")
    pages = max(1, -(-len(rows) // MENTIONS_PER_PAGE))
    try:
        page = int_arg("page", 1, 1, pages)
    except ValueError:
        abort(404, f"{slug} has {pages} page(s) of mentions.")
    shown = rows[(page - 1) * MENTIONS_PER_PAGE : page * MENTIONS_PER_PAGE]
    return render_template("term_mentions.html", term=data, rows=shown, page=page, pages=pages, total=len(rows))


@bp.get("/glossary")
@bp.get("/terms/")
def glossary():
    """The A–Z index; ``?q=`` searches labels, aliases and acronyms (kg.search; the page script filters alike)."""
    terms = get_store().glossary()
    query = request.args.get("q", "")[:200]
    shown = [t for t in terms if matches(t, query)]
    letters: dict[str, list[dict]] = {}
    for t in shown:
        t["search"] = search_text(t)
        first = t["label"][:1].upper()
        letters.setdefault(first if first.isalpha() else "#", []).append(t)
    return render_template(
        "glossary.html", letters=dict(sorted(letters.items())), count=len(terms), shown=len(shown), query=query
    )


@bp.get("/topics/<slug>")
def topic(slug: str):
    store = get_store()
    data = store.topic(slug)
    if data is None:
        abort(404, f"There is no topic {slug}.")
    return render_template("topic.html", topic=data, links=graphview.topic_links(store, topic_iri(slug).value))


@bp.get("/reviews/")
def reviews():
    return render_template("reviews.html", reviews=get_store().reviews())


@bp.get("/reviews/<review_id>")
def review(review_id: str):
    data = get_store().review(review_id)
    if data is None:
        abort(404, f"There is no review {review_id}.")
    # The body is rendered (and escaped) first, then its text nodes are linked: E-numbers to their
    # episodes, then terms to the glossary (never inside those links).
    body = link_episode_refs(render_template("_review_body.html", review=data), _episode_ids())
    linked, _spans = get_linker().annotate_html(body, first_only_setting())
    return render_template("review.html", review=data, body=Markup(linked))


_EPISODE_REF = re.compile(r"(?<![\w-])E(\d{1,6})(?![\w-])")


def _episode_ids() -> frozenset[str]:
    """The episode ids of the served graph, listed once per published graph (not per review page)."""
    return per_graph("kg_episode_ids", lambda store: frozenset(e["id"] for e in store.episodes()))


def link_episode_refs(markup: str, known: set[str]) -> str:
    """Each ``E172`` in the text nodes of ``markup`` that names a known episode becomes a link to it."""
    parts: list[str] = []
    pos = 0
    for lo, hi, _section in text_nodes(markup):
        for m in _EPISODE_REF.finditer(markup, lo, hi):
            if m.group() not in known:
                continue
            href = url_for("pages.episode", episode_id=m.group())
            parts.append(markup[pos : m.start()])
            parts.append(f'<a class="episode-ref" href="{href}">{m.group()}</a>')
            pos = m.end()
    parts.append(markup[pos:])
    return "".join(parts)
