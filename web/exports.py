"""Exports over HTTP: the whole graph (Turtle, JSON-LD, N-Quads) and BibTeX.

* ``GET /export/graph.ttl`` · ``/export/graph.jsonld`` · ``/export/graph.nq`` - streamed,
  the same bytes as ``kg export``; ETag per published generation.
* ``GET /papers/<key>.bib`` - one paper (``/papers/arxiv/2305.18290.bib``).
* ``GET /episodes/<id>/reading.bib`` - an episode's source paper and recommended reading.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request, stream_with_context

from kg.bibtex import paper_bibtex, reading_list_bibtex
from kg.export import FORMATS, iter_export
from kgweb.db import get_store
from kgweb.errors import api_error

bp = Blueprint("exports", __name__)

BIBTEX_TYPE = "application/x-bibtex; charset=utf-8"


def _oxigraph_store():
    """The store if it is the embedded Oxigraph one (checked on the configured location first, so a
    Neo4j backend is never contacted for an export it cannot give)."""
    from kg.store.oxigraph import OxigraphStore

    if "://" in str(current_app.config.get("STORE") or ""):
        return None
    store = get_store()
    return store if isinstance(store, OxigraphStore) else None


@bp.get("/export/graph.<ext>")
def graph(ext: str):
    """The whole graph as one file.
    ---
    get:
      summary: Export the whole graph (Turtle, JSON-LD with the project's context, or N-Quads with named graphs)
      tags: [exports]
      parameters:
        - {name: ext, in: path, required: true, schema: {type: string, enum: [ttl, jsonld, nq]}}
      responses:
        "200":
          description: The graph, streamed. `ETag` changes with each published build.
          content:
            text/turtle: {}
            application/ld+json: {}
            application/n-quads: {}
        "304": {description: Not modified (If-None-Match matched the current build).}
        "404": {$ref: "#/components/responses/Error"}
        "501": {$ref: "#/components/responses/Error"}
    """
    if ext not in FORMATS:
        return api_error(404, "not_found", f"no export format {ext!r}; use graph.ttl, graph.jsonld or graph.nq")
    store = _oxigraph_store()
    if store is None:
        return api_error(501, "export_unavailable", "whole-graph exports need the embedded Oxigraph store")
    etag = f"{store.version}.{ext}"
    if request.if_none_match.contains(etag):
        resp = Response(status=304)
        resp.set_etag(etag)
        return resp
    media = FORMATS[ext]
    charset = "" if ext == "nq" else "; charset=utf-8"
    chunks = iter_export(store, ext)
    first = next(chunks, b"")  # fail before the status line is sent, not halfway through the body

    def body():
        yield first
        yield from chunks

    resp = Response(stream_with_context(body()), content_type=media + charset)
    resp.set_etag(etag)
    resp.headers["Content-Disposition"] = f'inline; filename="paperdive-graph.{ext}"'
    resp.headers["X-KG-Generation"] = store.version
    return resp


@bp.get("/papers/<path:key>.bib")
def paper_bib(key: str):
    """BibTeX for one paper.
    ---
    get:
      summary: BibTeX for a paper (e.g. /papers/arxiv/2305.18290.bib)
      tags: [exports]
      parameters:
        - {name: key, in: path, required: true, schema: {type: string},
           description: "The paper key, e.g. arxiv/2305.18290 or doi/10.1038/nature16961 (may contain /)."}
      responses:
        "200": {description: "A BibTeX entry.", content: {application/x-bibtex: {}}}
        "404": {$ref: "#/components/responses/Error"}
    """
    data = get_store().paper(key)
    if data is None:
        return api_error(404, "not_found", f"no paper {key!r}")
    resp = Response(paper_bibtex(data), content_type=BIBTEX_TYPE)
    resp.headers["Content-Disposition"] = f'inline; filename="{_filename(key)}.bib"'
    return resp


@bp.get("/episodes/<episode_id>/reading.bib")
def reading_bib(episode_id: str):
    """BibTeX for an episode's reading list.
    ---
    get:
      summary: BibTeX for an episode's source paper and recommended reading
      tags: [exports]
      parameters:
        - {name: episode_id, in: path, required: true, schema: {type: string}, example: E172}
      responses:
        "200": {description: "BibTeX entries, source paper first.", content: {application/x-bibtex: {}}}
        "404": {$ref: "#/components/responses/Error"}
    """
    store = get_store()
    ep = store.episode(episode_id)
    if ep is None:
        return api_error(404, "not_found", f"no episode {episode_id!r}")
    keys = [r["paper"] for r in ep["reading"] if r.get("paper")]
    if ep.get("paper") and ep["paper"].get("key"):
        keys.append(ep["paper"]["key"])
    papers = {k: p for k in dict.fromkeys(keys) if (p := store.paper(k)) is not None}
    resp = Response(reading_list_bibtex(ep, papers), content_type=BIBTEX_TYPE)
    resp.headers["Content-Disposition"] = f'inline; filename="{_filename(episode_id)}-reading.bib"'
    return resp


def _filename(value: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-._" else "-" for ch in value)[:80] or "export"


def init_app(app) -> None:
    app.register_blueprint(bp)
