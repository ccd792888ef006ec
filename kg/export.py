"""Exports of the whole graph: Turtle, JSON-LD (with the project's context), N-Quads."""

from __future__ import annotations

import io
import json
from typing import BinaryIO

import pyoxigraph
import rdflib

from kg.errors import KGError
from kg.ontology_files import jsonld_context
from kg.rdf.namespaces import PREFIXES
from kg.store.oxigraph import OxigraphStore

FORMATS = {
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "nq": "application/n-quads",
}


def _union_triples(store: OxigraphStore):
    return store.raw.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")


def export(store: OxigraphStore, fmt: str, out: BinaryIO) -> None:
    """Write the graph in ``fmt`` (ttl: merged triples; nq: with named graphs; jsonld: merged, compacted)."""
    if fmt == "nq":
        store.raw.dump(out, format=pyoxigraph.RdfFormat.N_QUADS)
    elif fmt == "ttl":
        pyoxigraph.serialize(
            _union_triples(store),
            out,
            format=pyoxigraph.RdfFormat.TURTLE,
            prefixes={k: v for k, v in PREFIXES.items() if k != "id"},
        )
    elif fmt == "jsonld":
        g = rdflib.Graph()
        g.parse(data=_union_triples(store).serialize(format=pyoxigraph.RdfFormat.N_TRIPLES), format="nt")
        doc = json.loads(g.serialize(format="json-ld", context=jsonld_context(), auto_compact=True))
        out.write(json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8"))
    else:
        raise KGError("E060", f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")


def export_bytes(store: OxigraphStore, fmt: str) -> bytes:
    buf = io.BytesIO()
    export(store, fmt, buf)
    return buf.getvalue()
