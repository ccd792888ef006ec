"""The interactive graph: ``/graph``, ``GET /api/graph`` and vis-network served from the app.

The nodes and edges come from :mod:`kg.graphview`; they are put into a pyvis ``Network``
and taken back out with ``Network.get_network_data()``, then rendered by our own
template as JSON in a ``<script type="application/json">`` block (or served by
``/api/graph``). pyvis's own HTML template is never used: it loads vis-network and
Bootstrap from CDNs and writes options into inline script unescaped. The browser
code (``static/graph.js``) reads the JSON, draws it with vis-network (served from
pyvis's own copy in site-packages at ``/vendor/vis-network-<version>.min.js``) and
fetches ``/api/graph?focus=…`` to expand a node.
"""

from __future__ import annotations

import json
import math
import re
import threading
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, abort, current_app, jsonify, render_template, request, send_file
from pyvis.network import Network

from kg import graphview
from kgweb.db import get_store
from kgweb.errors import api_error

bp = Blueprint("graph", __name__)

# kind -> (colour, shape, legend label); colours checked for contrast on white, shapes tell kinds apart
# without colour.
KIND_STYLE: dict[str, tuple[str, str, str]] = {
    "episode": ("#1f5fbf", "dot", "Episode"),
    "paper": ("#c45a00", "square", "Paper"),
    "topic": ("#1d7f46", "diamond", "Topic"),
    "review": ("#6f42c1", "star", "Weekly review"),
    "term": ("#6b7280", "dot", "Glossary term"),
    "method": ("#b3245f", "triangle", "Method"),
    "benchmark": ("#0b7f8c", "triangleDown", "Benchmark"),
    "model": ("#7c5a00", "hexagon", "Model"),
    "system": ("#44546a", "hexagon", "System"),
    "metric": ("#8a4f9e", "triangleDown", "Metric"),
    "organisation": ("#5b6b00", "square", "Organisation"),
}
DIRECTED = {"covers", "recommends", "in_topic", "discusses", "has_topic", "explains", "mentions", "broader",
            "evaluated_on", "extends"}
EDGE_STYLE: dict[str, dict[str, Any]] = {
    "covers": {"color": "#c45a00", "width": 3},
    "recommends": {"color": "#e0a070", "width": 1.5, "dashes": [6, 4]},
    "explains": {"color": "#9aa5b8", "width": 1.5},
    "mentions": {"color": "#d3d8e0", "width": 1, "dashes": [2, 4]},
    "in_topic": {"color": "#1d7f46", "width": 2},
    "evaluated_on": {"color": "#0b7f8c", "width": 2},
    "extends": {"color": "#b3245f", "width": 2},
}
DEFAULT_EDGE = {"color": "#c9ced8", "width": 1}
OVERVIEW_LIMIT = 500
MAX_LIMIT = 2000

_cache_lock = threading.Lock()


# -- pyvis -----------------------------------------------------------------------------------------
def _stabilisation_iterations(n: int) -> int:
    """Bounded so that a 1,000-node graph settles in a second or two, then physics is switched off."""
    if n <= 100:
        return 400
    if n <= 400:
        return 250
    return 100


def vis_options(n_nodes: int) -> dict[str, Any]:
    big = n_nodes > 300
    return {
        "autoResize": True,
        "physics": {
            "enabled": True,
            "solver": "barnesHut",
            "barnesHut": {
                "gravitationalConstant": -14000 if big else -9000,
                "centralGravity": 0.12 if big else 0.3,
                "springLength": 140 if big else 110,
                "springConstant": 0.03,
                "damping": 0.4,
                "avoidOverlap": 0 if big else 0.15,  # overlap checks cost a quarter of each step on big graphs
            },
            "minVelocity": 1.0,
            "maxVelocity": 40,
            # small batches between which the page stays responsive and reports progress
            "stabilization": {"enabled": True, "iterations": _stabilisation_iterations(n_nodes),
                              "updateInterval": 10 if big else 25, "fit": True},
        },
        "layout": {"improvedLayout": n_nodes <= 150, "randomSeed": 7},
        "interaction": {
            "hover": True,
            "tooltipDelay": 200,
            "hideEdgesOnDrag": big,
            "hideEdgesOnZoom": big,
            "navigationButtons": False,
            "keyboard": {"enabled": True, "bindToWindow": False},
            "multiselect": False,
        },
        "nodes": {
            "font": {"size": 14, "face": "system-ui, sans-serif", "color": "#1d1f24", "strokeWidth": 4,
                     "strokeColor": "#ffffff"},
            "borderWidth": 2,
            # sized by degree: vis-network scales "value" between min and max; labels grow with it and
            # small ones are left out when zoomed out, so a big graph stays legible
            "scaling": {"min": 7, "max": 40 if big else 30,
                        "label": {"enabled": True, "min": 12, "max": 30 if big else 18, "drawThreshold": 5,
                                  "maxVisible": 28}},
        },
        "edges": {
            "smooth": False if big else {"enabled": True, "type": "continuous", "roundness": 0.3},
            "selectionWidth": 2,
            "hoverWidth": 1.5,
            "arrows": {"to": {"enabled": False, "scaleFactor": 0.5}},
        },
    }


def node_style(n: dict[str, Any]) -> dict[str, Any]:
    colour, shape, _ = KIND_STYLE.get(n["kind"], KIND_STYLE["term"])
    open_state = n["state"] in ("recommended", "unexplained")
    style: dict[str, Any] = {
        "shape": shape,
        "value": round(1 + math.sqrt(n["degree"]), 3),  # area grows with degree; vis scales min..max
        "color": {
            "background": "#ffffff" if open_state else colour,
            "border": colour,
            "highlight": {"background": "#ffe08a", "border": colour},
            "hover": {"background": "#fff3c4" if open_state else colour, "border": "#1d1f24"},
        },
        "borderWidth": 3 if open_state else 2,
    }
    if open_state:
        style["shapeProperties"] = {"borderDashes": [5, 3]}
    if n.get("focus"):
        style["borderWidth"] = 5
        style["font"] = {"bold": True}
    return style


def to_vis(view: dict[str, Any]) -> dict[str, Any]:
    """graphview data -> ``{"nodes", "edges", "options", "meta"}`` through a pyvis Network."""
    net = Network(directed=True, height="100%", width="100%", cdn_resources="local")
    counts: dict[str, int] = {}
    top = max((round(1 + math.sqrt(n["degree"]), 3) for n in view["nodes"]), default=1)
    for n in view["nodes"]:
        counts[n["kind"]] = counts.get(n["kind"], 0) + 1
        style = node_style(n)
        if n.get("focus"):
            style["value"] = top  # the node a page is about is drawn as large as the largest
        net.add_node(
            n["id"],
            label=n["label"],
            title=n["title"],  # plain text; graph.js turns it into a text node, never HTML
            kind=n["kind"],
            url=n["url"],
            state=n["state"],
            degree=n["degree"],
            more=n["hidden_neighbours"],
            focus=n["focus"],
            **style,
        )
    for e in view["edges"]:
        edge_style = {**DEFAULT_EDGE, **EDGE_STYLE.get(e["kind"], {})}
        arrows = "to" if e["kind"] in DIRECTED else ""
        net.add_edge(e["from"], e["to"], title=graphview.EDGE_WORDS.get(e["kind"], e["kind"]), kind=e["kind"],
                     arrows=arrows, **edge_style)
    net.options = vis_options(len(view["nodes"]))
    nodes, edges, _heading, _height, _width, options = net.get_network_data()
    kinds = [
        {"kind": k, "label": KIND_STYLE[k][2], "color": KIND_STYLE[k][0], "shape": KIND_STYLE[k][1], "count": counts[k]}
        for k in KIND_STYLE
        if k in counts
    ]
    meta = {k: v for k, v in view.items() if k not in ("nodes", "edges")}
    meta["kinds"] = kinds
    meta["node_count"] = len(nodes)
    meta["edge_count"] = len(edges)
    return {"nodes": nodes, "edges": edges, "options": json.loads(options), "meta": meta}


# -- data with caching ---------------------------------------------------------------------------------
def int_arg(name: str, default: int, lo: int, hi: int) -> int:
    """A whole-number query argument from ``lo`` to ``hi`` (``default`` when absent or empty); a
    ValueError that says so otherwise (the API answers it with 400)."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not re.fullmatch(rf"\d{{1,{max(6, len(str(hi)))}}}", raw):
        raise ValueError(f"{name} must be a whole number from {lo} to {hi}")
    value = int(raw)
    if not lo <= value <= hi:
        raise ValueError(f"{name} must be a whole number from {lo} to {hi}")
    return value


COVERAGE_KINDS = ["episode", "paper", "topic", "review"]


def _kinds_arg(default: list[str] | None = None) -> list[str] | None:
    raw = request.args.get("kinds")
    if raw is None:
        return default
    if raw.strip() == "all":
        return None
    kinds = [k for k in re.split(r"[,\s]+", raw) if k]
    unknown = [k for k in kinds if k not in KIND_STYLE]
    if unknown:
        raise ValueError(f"unknown kind {unknown[0]!r}; use any of {', '.join(KIND_STYLE)}")
    return kinds or None


def graph_data(focus: str | None, depth: int, limit: int, kinds: list[str] | None) -> dict[str, Any] | None:
    """The vis data for a focus node (or the overview), cached per published graph."""
    store = get_store()
    key = (focus, depth, limit, tuple(kinds or ()))
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with _cache_lock:
        cached = app.extensions.get("kg_graph_cache")
        if cached is None or cached[0] != store.version or len(cached[1]) > 256:
            cached = (store.version, {})
            app.extensions["kg_graph_cache"] = cached
        if key in cached[1]:
            return cached[1][key]
    if focus:
        view = graphview.neighbourhood(store, focus, depth=depth)
    else:
        view = graphview.overview(store, limit=limit, kinds=kinds)
    data = to_vis(view) if view is not None else None
    with _cache_lock:
        cached[1][key] = data
    return data


def _args(default_kinds: list[str] | None = None) -> tuple[str | None, int, int, list[str] | None]:
    focus = (request.args.get("focus") or "").strip() or None
    depth = int_arg("depth", 1, 0, graphview.MAX_DEPTH)
    limit = int_arg("limit", OVERVIEW_LIMIT, 1, MAX_LIMIT)
    return focus, depth, limit, _kinds_arg(default_kinds)


@bp.get("/api/graph")
def api_graph():
    """``?focus=<ref or IRI>&depth=0..2`` -> a neighbourhood; no focus -> the overview (``limit``, ``kinds``,
    a comma list of kinds or ``all``, the default).
    ---
    get:
      summary: A node's neighbourhood, or the overview, as vis-network data made with pyvis
      tags: [graph]
      parameters:
        - {name: focus, in: query, schema: {type: string}, example: paper/arxiv/2305.18290,
           description: "a node: its IRI, or the IRI without https://paperdive.ai/id/"}
        - {name: depth, in: query, schema: {type: integer, minimum: 0, maximum: 2, default: 1}}
        - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 2000},
           description: the overview's most connected nodes}
        - {name: kinds, in: query, schema: {type: string}, example: "episode,paper",
           description: "a comma list of node kinds, or all"}
      responses:
        "200":
          description: The nodes, edges, vis-network options and what was asked.
          content:
            application/json:
              schema:
                type: object
                required: [nodes, edges, options, meta]
                properties:
                  nodes:
                    type: array
                    items:
                      type: object
                      required: [id, label, kind, url]
                      properties:
                        id: {type: string}
                        label: {type: string}
                        kind: {type: string}
                        url: {type: [string, "null"]}
                        state: {type: [string, "null"], description: "covered or recommended-only (papers)"}
                        degree: {type: integer}
                  edges:
                    type: array
                    items:
                      type: object
                      required: [from, to, kind]
                      properties: {from: {type: string}, to: {type: string}, kind: {type: string}}
                  options: {type: object}
                  meta: {type: object}
        "400": {$ref: "#/components/responses/Error"}
        "404": {$ref: "#/components/responses/Error"}
    """
    try:
        focus, depth, limit, kinds = _args()
    except ValueError as exc:
        return api_error(400, "bad_request", str(exc))
    data = graph_data(focus, depth, limit, kinds)
    if data is None:
        return api_error(404, "not_found", f"no node {focus!r} in the graph (use e.g. paper/arxiv/2305.18290)")
    return jsonify(data)


@bp.get("/graph")
def graph_page():
    """The coverage view (episodes, papers, topics, reviews) by default; ``?kinds=all`` adds the glossary."""
    try:
        focus, depth, limit, kinds = _args(COVERAGE_KINDS)
    except ValueError as exc:
        abort(400, str(exc))
    data = graph_data(focus, depth, limit, kinds)
    if data is None:
        abort(404, f"There is no node {focus} in the graph.")
    focus_node = next((n for n in data["nodes"] if n.get("focus")), None)
    return render_template("graph.html", data=data, focus=focus, focus_node=focus_node, depth=depth, limit=limit,
                           kinds=kinds, kind_styles=KIND_STYLE)


# -- vis-network from pyvis's own copy -------------------------------------------------------------------
@cache
def vis_dir() -> tuple[str, Path]:
    """(version, folder) of the newest vis-network build that pyvis ships."""
    lib = Path(str(resources.files("pyvis"))) / "lib"
    found = []
    for d in lib.glob("vis-*"):
        m = re.fullmatch(r"vis-(\d+)\.(\d+)\.(\d+)", d.name)
        if m and (d / "vis-network.min.js").is_file():
            found.append((tuple(int(x) for x in m.groups()), d))
    if not found:
        raise RuntimeError(f"pyvis ships no vis-network build under {lib}")
    version, folder = max(found)
    return ".".join(map(str, version)), folder


def vis_files() -> dict[str, str]:
    version, _ = vis_dir()
    return {"js": f"vis-network-{version}.min.js", "css": f"vis-network-{version}.css"}


@bp.get("/vendor/<name>")
def vendor(name: str):
    version, folder = vis_dir()
    files = {f"vis-network-{version}.min.js": "vis-network.min.js", f"vis-network-{version}.css": "vis-network.css"}
    if name not in files:
        abort(404)
    return send_file(folder / files[name], max_age=31536000, conditional=True)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.context_processor
    def _vis() -> dict[str, Any]:
        return {"vis_files": vis_files}
