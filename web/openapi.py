"""``/openapi.json``: an OpenAPI 3.1 document for the JSON API, built from the views.

Each documented view carries its OpenAPI operations as YAML in its docstring,
after a line ``---`` (apispec's convention)::

    @bp.get("/api/things/<slug>")
    def thing(slug):
        \"\"\"One thing.
        ---
        get:
          summary: One thing by its slug
          tags: [things]
          responses:
            "200": {description: The thing, content: {application/json: {schema: {$ref: "#/components/schemas/Thing"}}}}
            "404": {$ref: "#/components/responses/Error"}
        \"\"\"

Path parameters are added from the route when the docstring leaves them out.
Shared schemas live in ``COMPONENTS`` below (add yours there, or inline them).
``tests/test_openapi.py`` fails for any ``/api/`` route without a docstring spec,
validates the document, and checks real responses against the schemas.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from apispec import APISpec
from apispec.yaml_utils import load_operations_from_docstring
from flask import Blueprint, Flask, current_app, jsonify

bp = Blueprint("openapi", __name__)

# Routes under these prefixes (or ending in .bib) are part of the documented HTTP API.
DOCUMENTED_PREFIXES = ("/api/", "/sparql", "/export/", "/openapi.json")
DOCUMENTED_SUFFIXES = (".bib",)

_RULE_ARG = re.compile(r"<(?:(?P<conv>[a-zA-Z_][\w]*)(?:\([^)]*\))?:)?(?P<name>[a-zA-Z_][\w]*)>")

COMPONENTS_YAML = """
schemas:
  Error:
    type: object
    description: The one error shape of every API error.
    required: [error]
    additionalProperties: false
    properties:
      error:
        type: object
        required: [status, code, message]
        additionalProperties: false
        properties:
          status: {type: integer, description: "The HTTP status, repeated."}
          code: {type: string, description: "A stable snake_case code, e.g. not_found, query_timeout."}
          message: {type: string, description: "What went wrong and what to do, for people."}
  TermRef:
    type: object
    required: [slug, label]
    properties:
      slug: {type: string}
      label: {type: string}
  Where:
    type: object
    required: [episode]
    properties:
      episode: {type: string, examples: [E179]}
      number: {type: [integer, "null"]}
      title: {type: [string, "null"]}
      timestamp: {type: [string, "null"], examples: ["02:07"]}
      start: {type: [integer, "null"], description: "Seconds from the start of the episode."}
      chapter: {type: [string, "null"]}
      anchor: {type: [string, "null"], description: "Fragment of the chapter on the episode page, e.g. t127."}
  TermCard:
    type: object
    required: [slug, label, definition, url, explained, episode_count, related]
    properties:
      slug: {type: string}
      label: {type: string}
      definition: {type: string, maxLength: 280}
      url: {type: string}
      explained:
        type: [object, "null"]
        properties:
          how: {type: string, enum: [explains, mentions]}
          episode: {type: string}
          number: {type: [integer, "null"]}
          title: {type: [string, "null"]}
          timestamp: {type: [string, "null"]}
          start: {type: [integer, "null"]}
          chapter: {type: [string, "null"]}
          url: {type: string}
      episode_count: {type: integer}
      related:
        type: array
        maxItems: 3
        items:
          type: object
          required: [slug, label, url]
          properties: {slug: {type: string}, label: {type: string}, url: {type: string}}
  AnnotateRequest:
    type: object
    description: Exactly one of text or html.
    properties:
      text: {type: string}
      html: {type: string}
      first_only: {type: [string, "null"], enum: [section, page, null]}
      offsets: {type: string, enum: [codepoints, utf16], default: codepoints}
  Span:
    type: object
    required: [start, end, term, text]
    properties:
      start: {type: integer, minimum: 0}
      end: {type: integer, minimum: 0}
      term: {type: string, description: the glossary term's slug}
      text: {type: string, description: the matched text as it is in the input}
  Annotation:
    type: object
    required: [spans]
    properties:
      spans: {type: array, items: {$ref: "#/components/schemas/Span"}}
      html: {type: string}
  TermSummary:
    type: object
    required: [slug, label, definition]
    properties:
      slug: {type: string}
      label: {type: string}
      definition: {type: string, maxLength: 280}
      kind: {type: [string, "null"]}
      aliases: {type: array, items: {type: string}}
      acronyms: {type: array, items: {type: string}}
      variants: {type: array, items: {type: string}, description: generated inflections (skos:hiddenLabel)}
  Term:
    allOf:
      - $ref: "#/components/schemas/TermSummary"
      - type: object
        required: [iri, broader, narrower, related, explained_in, mentioned_in, mentioned_in_total, episode_count, url]
        properties:
          iri: {type: string, format: uri}
          broader: {type: array, items: {$ref: "#/components/schemas/TermRef"}}
          narrower: {type: array, items: {$ref: "#/components/schemas/TermRef"}}
          related: {type: array, items: {$ref: "#/components/schemas/TermRef"}}
          explained_in: {type: array, items: {$ref: "#/components/schemas/Where"}}
          mentioned_in:
            type: array
            items: {$ref: "#/components/schemas/Where"}
            maxItems: 50
            description: >-
              The newest chapters and episodes that mention the term (GET /api/terms/{slug}/mentions
              has them all).
          mentioned_in_total: {type: integer, description: How many rows mentioned_in would have in full.}
          episode_count: {type: integer}
          url: {type: string}
  TermMentions:
    type: object
    required: [slug, total, offset, limit, mentioned_in]
    properties:
      slug: {type: string}
      total: {type: integer}
      offset: {type: integer}
      limit: {type: integer}
      mentioned_in: {type: array, items: {$ref: "#/components/schemas/Where"}}
  EpisodeSummary:
    type: object
    required: [id, title]
    properties:
      id: {type: string, examples: [E172]}
      number: {type: [integer, "null"]}
      title: {type: string}
      published: {type: [string, "null"]}
      paper: {type: [string, "null"], description: "Key of the paper the episode covers."}
  PaperRef:
    type: object
    required: [key]
    properties:
      key: {type: string, examples: [arxiv/2305.18290]}
      title: {type: [string, "null"]}
      label: {type: string}
      url: {type: [string, "null"]}
      published: {type: [string, "null"]}
  Episode:
    type: object
    required: [id, iri, title, chapters, reading, related, takeaways, topics, terms]
    properties:
      id: {type: string}
      iri: {type: string, format: uri}
      number: {type: [integer, "null"]}
      title: {type: string}
      url: {type: [string, "null"]}
      published: {type: [string, "null"]}
      duration: {type: [string, "null"]}
      summary: {type: [string, "null"]}
      review_summary: {type: [string, "null"]}
      generation_note: {type: [string, "null"]}
      generated_on: {type: [string, "null"]}
      paper: {oneOf: [{$ref: "#/components/schemas/PaperRef"}, {type: "null"}]}
      takeaways: {type: array, items: {type: string}}
      chapters:
        type: array
        items:
          type: object
          required: [position, timestamp, start, title, anchor, terms]
          properties:
            position: {type: integer}
            timestamp: {type: string}
            start: {type: integer}
            title: {type: string}
            summary: {type: [string, "null"]}
            anchor: {type: string}
            terms: {type: array, items: {$ref: "#/components/schemas/TermRef"}}
      reading:
        type: array
        items:
          type: object
          required: [position, title]
          properties:
            position: {type: integer}
            title: {type: string}
            note: {type: [string, "null"]}
            url: {type: [string, "null"]}
            paper: {type: [string, "null"]}
      topics: {type: array, items: {type: object, properties: {slug: {type: string}, title: {type: [string, "null"]}}}}
      reviews: {type: array, items: {type: object, properties: {id: {type: string}, title: {type: [string, "null"]}}}}
      terms: {type: array, items: {$ref: "#/components/schemas/TermRef"}}
      related: {type: array, items: {$ref: "#/components/schemas/RelatedEpisode"}}
  RelatedEpisode:
    type: object
    required: [id, weight, reason]
    properties:
      id: {type: string}
      title: {type: string}
      number: {type: [integer, "null"]}
      weight: {type: number}
      reason: {type: string}
  RelatedEpisodes:
    type: object
    required: [id, related]
    properties:
      id: {type: string}
      related: {type: array, items: {$ref: "#/components/schemas/RelatedEpisode"}}
  Paper:
    type: object
    required: [key, iri, label, covered_by, recommended_by, co_recommended]
    properties:
      key: {type: string}
      iri: {type: string, format: uri}
      title: {type: [string, "null"]}
      label: {type: string}
      url: {type: [string, "null"]}
      published: {type: [string, "null"]}
      arxiv: {type: [string, "null"]}
      doi: {type: [string, "null"]}
      covered_by: {type: array, items: {$ref: "#/components/schemas/EpisodeSummary"}}
      recommended_by: {type: array, items: {$ref: "#/components/schemas/EpisodeSummary"}}
      co_recommended:
        type: array
        items: {allOf: [{$ref: "#/components/schemas/PaperRef"}, {type: object, properties: {count: {type: integer}}}]}
  Stats:
    type: object
    required: [quads, nodes, edges]
    properties:
      quads: {type: integer}
      nodes: {type: object, additionalProperties: {type: integer}}
      edges: {type: object, additionalProperties: {type: integer}}
  SparqlResults:
    type: object
    description: >-
      SPARQL 1.1 Query Results JSON, plus `truncated` (true when KG_SPARQL_MAX_ROWS cut the rows).
    required: [head]
    properties:
      head: {type: object, properties: {vars: {type: array, items: {type: string}}}}
      boolean: {type: boolean}
      results:
        type: object
        properties:
          bindings:
            type: array
            items:
              type: object
              additionalProperties:
                type: object
                required: [type, value]
                properties:
                  type: {enum: [uri, literal, bnode, triple]}
                  value: {}
                  xml:lang: {type: string}
                  datatype: {type: string}
      truncated: {type: boolean}
responses:
  Error:
    description: An error, in the one JSON error shape.
    content:
      application/json:
        schema: {$ref: "#/components/schemas/Error"}
  RateLimited:
    description: The client's quota is used up; `Retry-After` says when to come back.
    headers:
      Retry-After: {schema: {type: integer}, description: Seconds to wait.}
    content:
      application/json:
        schema: {$ref: "#/components/schemas/Error"}
"""


def openapi_path(rule: str) -> tuple[str, list[str]]:
    """A Werkzeug rule as an OpenAPI path template, and its parameter names."""
    names: list[str] = []

    def repl(m: re.Match[str]) -> str:
        names.append(m.group("name"))
        return "{" + m.group("name") + "}"

    return _RULE_ARG.sub(repl, rule), names


def is_documented_route(rule: str) -> bool:
    return rule.startswith(DOCUMENTED_PREFIXES) or rule.endswith(DOCUMENTED_SUFFIXES)


def build_spec(app: Flask) -> dict[str, Any]:
    """The OpenAPI document for every documented route of ``app``."""
    from kg import __version__ as version  # noqa: PLC0415

    spec = APISpec(
        title="paperdive-kg API",
        version=str(version),
        openapi_version="3.1.0",
        info={
            "description": (
                "The JSON API, SPARQL endpoint and exports of the AI Papers: A Deep Dive knowledge graph. "
                'Every API error has the shape {"error": {"status", "code", "message"}}.'
            ),
            "license": {"name": "MIT", "identifier": "MIT"},
        },
    )
    components = yaml.safe_load(COMPONENTS_YAML)
    for name, schema in components["schemas"].items():
        spec.components.schema(name, schema)
    for name, response in components["responses"].items():
        spec.components.response(name, response)
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not is_documented_route(rule.rule):
            continue
        view = app.view_functions.get(rule.endpoint)
        operations = load_operations_from_docstring(view.__doc__ or "") if view else {}
        if not operations:
            continue
        path, names = openapi_path(rule.rule)
        for op in operations.values():
            if not isinstance(op, dict):
                continue
            params = op.setdefault("parameters", [])
            declared = {p.get("name") for p in params if isinstance(p, dict) and p.get("in") == "path"}
            for n in names:
                if n not in declared:
                    params.append({"name": n, "in": "path", "required": True, "schema": {"type": "string"}})
            if not params:
                op.pop("parameters")
        spec.path(path=path, operations=operations)
    return spec.to_dict()


@bp.get("/openapi.json")
def document():
    """The OpenAPI document.
    ---
    get:
      summary: This OpenAPI 3.1 document
      tags: [meta]
      responses:
        "200": {description: The document., content: {application/json: {schema: {type: object}}}}
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    doc = app.extensions.get("kg_openapi")
    if doc is None:
        doc = app.extensions["kg_openapi"] = build_spec(app)
    return jsonify(doc)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
