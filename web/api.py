"""The JSON API (read-only).

Terms, episodes and papers are served from the page index (``kgweb.pagedata``, ``kg.pageindex``):
the bytes and ETag made when the graph was written; by queries where there is none.

Each view documents itself for ``/openapi.json`` in YAML after ``---`` in its
docstring (see ``kgweb.openapi``).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from kg.nlp.annotate import AnnotateError, annotate_request
from kg.pageindex import RELATED, served
from kgweb.caching import cached_json, cached_response, etag_of, json_body
from kgweb.cards import term_card
from kgweb.db import get_store, per_graph
from kgweb.errors import api_error
from kgweb.graph import int_arg
from kgweb.linking import get_linker
from kgweb.pagedata import full_term, indexed, term_mentions

bp = Blueprint("api", __name__, url_prefix="/api")

TERM_MAX_AGE = 300  # seconds a browser may reuse a term (card) before revalidating with its ETag
MAX_CACHED_CARDS = 20000


@bp.get("/terms/<slug>")
def term(slug: str):
    """One glossary term.
    ---
    get:
      summary: A glossary term with its definition, forms, neighbours and where the podcast explains it
      tags: [glossary]
      parameters:
        - {name: slug, in: path, required: true, schema: {type: string}, example: speculative-decoding}
      responses:
        "200": {description: The term., content: {application/json: {schema: {$ref: "#/components/schemas/Term"}}}}
        "404": {$ref: "#/components/responses/Error"}
    """
    store = get_store()
    entry = indexed(store, "term", slug)
    if entry is not None:  # one lookup; a revalidation is a header compare
        return cached_response(entry.body, "application/json", _term_max_age(), etag=entry.etag)
    data = store.term(slug)
    if data is None:
        return api_error(404, "not_found", f"no glossary term {slug!r}")
    return cached_json(served("term", data), TERM_MAX_AGE)


MAX_MENTIONS_PAGE = 500


@bp.get("/terms/<slug>/mentions")
def term_mentions_view(slug: str):
    """Every chapter and episode that mentions a term, a page at a time.
    ---
    get:
      summary: The chapters and episodes that mention a term, newest first, a page at a time
      description: >-
        A term's record holds the newest rows of ``mentioned_in`` and counts them all in
        ``mentioned_in_total``; this pages through every row, in the same order.
      tags: [glossary]
      parameters:
        - {name: slug, in: path, required: true, schema: {type: string}, example: speculative-decoding}
        - {name: offset, in: query, required: false, schema: {type: integer, minimum: 0, default: 0}}
        - {name: limit, in: query, required: false, schema: {type: integer, minimum: 0, maximum: 500, default: 100}}
      responses:
        "200":
          description: One page of the rows; with an ETag and Cache-Control, and 304 on If-None-Match.
          content: {application/json: {schema: {$ref: "#/components/schemas/TermMentions"}}}
        "304": {description: Not modified.}
        "400": {$ref: "#/components/responses/Error"}
        "404": {$ref: "#/components/responses/Error"}
    """
    try:
        offset, limit = int_arg("offset", 0, 0, 10**9), int_arg("limit", 100, 0, MAX_MENTIONS_PAGE)
    except ValueError as exc:
        return api_error(400, "bad_request", str(exc))
    rows = term_mentions(get_store(), slug)
    if rows is None:
        return api_error(404, "not_found", f"no glossary term {slug!r}")
    page = {"slug": slug, "total": len(rows), "offset": offset, "limit": limit,
            "mentioned_in": rows[offset : offset + limit]}  # fmt: skip
    return cached_json(page, TERM_MAX_AGE)


def _term_max_age() -> int:
    return 0 if current_app.debug else TERM_MAX_AGE


def _indexed_json(kind: str, key: str) -> Response | dict[str, Any] | None:
    """The indexed bytes as ``jsonify`` would serve them, the record (debug mode), or ``None`` (query)."""
    entry = indexed(get_store(), kind, key)
    if entry is None:
        return None
    if current_app.debug:  # jsonify indents in debug mode; the index holds the compact form
        return json.loads(entry.body)
    return current_app.response_class(entry.body, mimetype=current_app.json.mimetype)  # type: ignore[attr-defined]


@bp.get("/terms/<slug>/card")
def term_card_view(slug: str):
    """What a tooltip shows: ``{slug, label, definition, url, explained, episode_count, related}``.

    Cards are kept per published graph (a tooltip asks for the same few hundred terms again and
    again), so a request, or a 304 revalidation, runs no query once a card has been made.
    ---
    get:
      summary: A glossary term's tooltip card (definition, where it is explained, episode count, related terms)
      tags: [glossary]
      parameters:
        - {name: slug, in: path, required: true, schema: {type: string}, example: speculative-decoding}
      responses:
        "200":
          description: The card; with an ETag and Cache-Control, and 304 on If-None-Match.
          content: {application/json: {schema: {$ref: "#/components/schemas/TermCard"}}}
        "304": {description: Not modified.}
        "404": {$ref: "#/components/responses/Error"}
    """
    store = get_store()
    cards: dict[str, tuple[bytes, str]] = per_graph("kg_cards", lambda _store: {})
    card = cards.get(slug)
    if card is None:
        data = full_term(store, slug)  # the card's chapter is the one with most mentions of all
        if data is None:
            return api_error(404, "not_found", f"no glossary term {slug!r}")
        body = json_body(term_card(data))
        card = (body, etag_of(body))
        if len(cards) < MAX_CACHED_CARDS:
            cards[slug] = card
    return cached_response(card[0], "application/json", _term_max_age(), etag=card[1])


@bp.get("/terms")
def terms():
    """The glossary.
    ---
    get:
      summary: Every glossary term (label, definition, aliases, acronyms)
      tags: [glossary]
      responses:
        "200":
          description: The glossary, by label.
          content:
            application/json:
              schema:
                type: object
                required: [terms]
                properties: {terms: {type: array, items: {$ref: "#/components/schemas/TermSummary"}}}
    """
    return jsonify({"terms": get_store().glossary()})


@bp.get("/episodes/<episode_id>")
def episode(episode_id: str):
    """One episode.
    ---
    get:
      summary: An episode with its chapters, source paper, reading list, topics, terms and related episodes
      tags: [episodes]
      parameters:
        - {name: episode_id, in: path, required: true, schema: {type: string}, example: E172}
      responses:
        "200":
          description: The episode.
          content: {application/json: {schema: {$ref: "#/components/schemas/Episode"}}}
        "404": {$ref: "#/components/responses/Error"}
    """
    served = _indexed_json("episode", episode_id)
    if isinstance(served, Response):
        return served
    data = served if served is not None else get_store().episode(episode_id)
    if data is None:
        return api_error(404, "not_found", f"no episode {episode_id!r}")
    return jsonify(data)


@bp.get("/episodes/<episode_id>/related")
def episode_related(episode_id: str):
    """The episodes most related to one.
    ---
    get:
      summary: An episode's related episodes (shared papers, terms, topics; rarer ones weigh more), with reasons
      tags: [episodes]
      parameters:
        - {name: episode_id, in: path, required: true, schema: {type: string}, example: E172}
      responses:
        "200":
          description: The related episodes, most related first (the episode's own ``related``).
          content: {application/json: {schema: {$ref: "#/components/schemas/RelatedEpisodes"}}}
        "404": {$ref: "#/components/responses/Error"}
    """
    store = get_store()
    entry = indexed(store, RELATED, episode_id)  # the list's own row: the episode's body is not read
    if entry is not None:
        related = json.loads(entry.body)
    else:
        data = store.episode(episode_id)
        if data is None:
            return api_error(404, "not_found", f"no episode {episode_id!r}")
        related = data["related"]
    return jsonify({"id": episode_id, "related": related})


@bp.get("/episodes")
def episodes():
    """All episodes.
    ---
    get:
      summary: Every episode, newest first
      tags: [episodes]
      responses:
        "200":
          description: The episodes.
          content:
            application/json:
              schema:
                type: object
                required: [episodes]
                properties: {episodes: {type: array, items: {$ref: "#/components/schemas/EpisodeSummary"}}}
    """
    return jsonify({"episodes": get_store().episodes()})


@bp.get("/papers/<path:key>")
def paper(key: str):
    """One paper.
    ---
    get:
      summary: A paper with the episodes that cover or recommend it and the papers recommended alongside it
      tags: [papers]
      parameters:
        - {name: key, in: path, required: true, schema: {type: string}, example: arxiv/2305.18290,
           description: "arxiv/<id>, doi/<doi> or url/<slug>; may contain /."}
      responses:
        "200": {description: The paper., content: {application/json: {schema: {$ref: "#/components/schemas/Paper"}}}}
        "404": {$ref: "#/components/responses/Error"}
    """
    served = _indexed_json("paper", key)
    if isinstance(served, Response):
        return served
    data = served if served is not None else get_store().paper(key)
    if data is None:
        return api_error(404, "not_found", f"no paper {key!r}")
    return jsonify(data)


@bp.get("/stats")
def stats():
    """Counts.
    ---
    get:
      summary: Quads, nodes by kind and edges by kind
      tags: [meta]
      responses:
        "200": {description: The counts., content: {application/json: {schema: {$ref: "#/components/schemas/Stats"}}}}
    """
    return jsonify(get_store().stats())


@bp.post("/annotate")
def annotate():
    """Find glossary terms: ``{"text": …}`` or ``{"html": …}`` -> ``{"spans": […]}`` (and ``"html"``).
    ---
    post:
      summary: The glossary terms in a text or an HTML fragment (offsets in characters of the input as given)
      tags: [glossary]
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/AnnotateRequest"}
            examples:
              text: {value: {text: "Reward models and RL."}}
              html: {value: {html: "<p>A <b>token</b></p>", first_only: section}}
      responses:
        "200":
          description: The spans, and for HTML input the HTML with each match wrapped in a.kg-term.
          content: {application/json: {schema: {$ref: "#/components/schemas/Annotation"}}}
        "400": {$ref: "#/components/responses/Error"}
        "413": {$ref: "#/components/responses/Error"}
    """
    payload = request.get_json(silent=True)
    try:
        return jsonify(annotate_request(get_linker(), payload))
    except AnnotateError as exc:
        return api_error(400, "bad_request", str(exc))
