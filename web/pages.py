"""HTML pages for readers and researchers."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from markupsafe import Markup

from kgweb.db import get_store
from kgweb.linking import first_only_setting, get_linker

bp = Blueprint("pages", __name__)


@bp.get("/")
def index():
    store = get_store()
    return render_template("index.html", episodes=store.episodes(), reviews=store.reviews(), topics=store.topics())


@bp.get("/episodes/<episode_id>")
def episode(episode_id: str):
    data = get_store().episode(episode_id)
    if data is None:
        abort(404, f"There is no episode {episode_id}.")
    return render_template("episode.html", ep=data)


@bp.get("/papers/<path:key>")
def paper(key: str):
    data = get_store().paper(key)
    if data is None:
        abort(404, f"There is no paper {key}.")
    return render_template("paper.html", paper=data)


@bp.get("/terms/<slug>")
def term(slug: str):
    data = get_store().term(slug)
    if data is None:
        abort(404, f"There is no glossary term {slug}.")
    return render_template("term.html", term=data)


@bp.get("/glossary")
@bp.get("/terms/")
def glossary():
    terms = get_store().glossary()
    letters: dict[str, list[dict]] = {}
    for t in terms:
        first = t["label"][:1].upper()
        letters.setdefault(first if first.isalpha() else "#", []).append(t)
    return render_template("glossary.html", letters=dict(sorted(letters.items())), count=len(terms))


@bp.get("/topics/<slug>")
def topic(slug: str):
    data = get_store().topic(slug)
    if data is None:
        abort(404, f"There is no topic {slug}.")
    return render_template("topic.html", topic=data)


@bp.get("/reviews/")
def reviews():
    return render_template("reviews.html", reviews=get_store().reviews())


@bp.get("/reviews/<review_id>")
def review(review_id: str):
    data = get_store().review(review_id)
    if data is None:
        abort(404, f"There is no review {review_id}.")
    # The body is rendered (and escaped) first, then its text nodes are linked to the glossary.
    linked, _spans = get_linker().annotate_html(render_template("_review_body.html", review=data), first_only_setting())
    return render_template("review.html", review=data, body=Markup(linked))
