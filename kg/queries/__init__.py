"""Named query files (``*.rq`` for SPARQL, ``*.cypher`` for Neo4j), loaded once.

Values are always bound as parameters (SPARQL: pyoxigraph ``substitutions``,
Cypher: driver parameters), never formatted into the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

PREFIXES = """PREFIX kg: <https://paperdive.ai/ontology#>
PREFIX schema: <http://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX cito: <http://purl.org/spar/cito/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


@cache
def load(name: str) -> str:
    """The text of ``kg/queries/<name>`` (with the standard prefixes for .rq files)."""
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return PREFIXES + text if name.endswith(".rq") else text


def subject_object_pairs(store: Any, predicate: Any) -> Iterator[tuple[Any, Any]]:
    """(subject, object) of every triple of ``predicate`` in any graph of a pyoxigraph store, in the
    predicate index's order. A two-variable query decodes only those two terms: over twice as fast
    as ``quads_for_pattern``, which decodes the predicate and graph too (decoding is most of the cost)."""
    for sol in store.query(f"SELECT ?s ?o WHERE {{ ?s <{predicate.value}> ?o }}", use_default_graph_as_union=True):
        yield sol[0], sol[1]


@cache
def names(suffix: str) -> list[str]:
    return sorted(p.name for p in resources.files(__package__).iterdir() if p.name.endswith(suffix))


_PARAMS_LINE = re.compile(r"^//\s*params:(.*)$", re.MULTILINE)


@cache
def cypher_parameters(name: str) -> frozenset[str]:
    """The parameters a ``.cypher`` file declares in its ``// params: a, b`` header line."""
    m = _PARAMS_LINE.search(load(name))
    if not m:
        return frozenset()
    return frozenset(p.strip().lstrip("$") for p in m.group(1).split(",") if p.strip() and p.strip() != "none")


@cache
def cypher_statements(name: str) -> tuple[str, ...]:
    """The statements of a ``.cypher`` file (schema files hold several, each ending in ``;``)."""
    body = "\n".join(line for line in load(name).splitlines() if not line.lstrip().startswith("//"))
    parts = (s.strip().removesuffix(";").strip() for s in body.split(";\n"))
    return tuple(p for p in parts if p)
