"""Entity pages: glossary terms of kind method, benchmark, model, system, metric or organisation.

``/methods/<slug>`` and ``/benchmarks/<slug>`` (and ``/entities/<kind>/<slug>`` for every kind)
show the term with its typed edges: the benchmarks a method is evaluated on, the methods
evaluated on a benchmark, what a method extends and what extends it (``kg:evaluatedOn``,
``cito:extends``), beside where the podcast explains it. Lists: ``/methods/``, ``/benchmarks/``,
``/entities/<kind>/``.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template

from kg import graphview
from kg.rdf.namespaces import term_iri
from kg.urls import ENTITY_KINDS, entity_path
from kgweb.db import get_store
from kgweb.pagedata import record

bp = Blueprint("entities", __name__)

KIND_TITLES = {
    "method": ("Method", "Methods"),
    "benchmark": ("Benchmark", "Benchmarks"),
    "model": ("Model", "Models"),
    "system": ("System", "Systems"),
    "metric": ("Metric", "Metrics"),
    "organisation": ("Organisation", "Organisations"),
}


def _entity(kind: str, slug: str):
    if kind not in ENTITY_KINDS:
        abort(404, f"There is no kind of entity called {kind}.")
    store = get_store()
    term = record(store, "term", slug)  # its newest mentions; the rest are at /terms/<slug>/mentions
    if term is None:
        abort(404, f"There is no {kind} {slug}.")
    if term["kind"] != kind:
        if term["kind"] in ENTITY_KINDS:
            return redirect(entity_path(term["kind"], slug), 301)
        abort(404, f"{term['label']} is a glossary term, not a {kind}.")
    links = graphview.entity_links(store, term_iri(slug).value)
    return render_template("entity.html", term=term, kind=kind, kind_title=KIND_TITLES[kind][0], links=links,
                           graph_focus="term/" + slug)


def _listing(kind: str):
    if kind not in ENTITY_KINDS:
        abort(404, f"There is no kind of entity called {kind}.")
    items = [t for t in get_store().glossary() if t["kind"] == kind]
    for t in items:
        t["url"] = entity_path(kind, t["slug"])
    return render_template("entities.html", kind=kind, title=KIND_TITLES[kind][1], items=items,
                           kinds=[(k, KIND_TITLES[k][1], entity_path(k, "").rstrip("/") + "/") for k in ENTITY_KINDS])


@bp.get("/methods/<slug>")
def method(slug: str):
    return _entity("method", slug)


@bp.get("/benchmarks/<slug>")
def benchmark(slug: str):
    return _entity("benchmark", slug)


@bp.get("/entities/<kind>/<slug>")
def entity(kind: str, slug: str):
    return _entity(kind, slug)


@bp.get("/methods/")
def methods():
    return _listing("method")


@bp.get("/benchmarks/")
def benchmarks():
    return _listing("benchmark")


@bp.get("/entities/<kind>/")
def entities(kind: str):
    return _listing(kind)
