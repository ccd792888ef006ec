"""The JSON API (read-only)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from kg.nlp.annotate import AnnotateError, annotate_request
from kgweb.caching import cached_json, cached_response, json_body
from kgweb.cards import term_card
from kgweb.db import get_store
from kgweb.errors import api_error
from kgweb.linking import get_linker

bp = Blueprint("api", __name__, url_prefix="/api")

TERM_MAX_AGE = 300  # seconds a browser may reuse a term (card) before revalidating with its ETag
MAX_CACHED_CARDS = 20000


@bp.get("/terms/<slug>")
def term(slug: str):
    data = get_store().term(slug)
    if data is None:
        return api_error(404, "not_found", f"no glossary term {slug!r}")
    return cached_json(data, TERM_MAX_AGE)


@bp.get("/terms/<slug>/card")
def term_card_view(slug: str):
    """What a tooltip shows: ``{slug, label, definition, url, explained, episode_count, related}``.

    Cards are kept per published graph (a tooltip asks for the same few hundred terms again and
    again), so a request, or a 304 revalidation, runs no query once a card has been made.
    """
    store = get_store()
    cache = current_app.extensions.get("kg_cards")
    if cache is None or cache[0] != store.version:
        cache = (store.version, {})
        current_app.extensions["kg_cards"] = cache
    body = cache[1].get(slug)
    if body is None:
        data = store.term(slug)
        if data is None:
            return api_error(404, "not_found", f"no glossary term {slug!r}")
        body = json_body(term_card(data))
        if len(cache[1]) < MAX_CACHED_CARDS:
            cache[1][slug] = body
    return cached_response(body, "application/json", 0 if current_app.debug else TERM_MAX_AGE)


@bp.get("/terms")
def terms():
    return jsonify({"terms": get_store().glossary()})


@bp.get("/episodes/<episode_id>")
def episode(episode_id: str):
    data = get_store().episode(episode_id)
    if data is None:
        return api_error(404, "not_found", f"no episode {episode_id!r}")
    return jsonify(data)


@bp.get("/episodes")
def episodes():
    return jsonify({"episodes": get_store().episodes()})


@bp.get("/papers/<path:key>")
def paper(key: str):
    data = get_store().paper(key)
    if data is None:
        return api_error(404, "not_found", f"no paper {key!r}")
    return jsonify(data)


@bp.get("/stats")
def stats():
    return jsonify(get_store().stats())


@bp.post("/annotate")
def annotate():
    """Find glossary terms: ``{"text": …}`` or ``{"html": …}`` -> ``{"spans": […]}`` (and ``"html"``)."""
    payload = request.get_json(silent=True)
    try:
        return jsonify(annotate_request(get_linker(), payload))
    except AnnotateError as exc:
        return api_error(400, "bad_request", str(exc))
