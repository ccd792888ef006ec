"""Exports of the whole graph: Turtle, JSON-LD (with the project's context), N-Quads; neo4j-csv (a directory)."""

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
DIRECTORY_FORMATS = ("neo4j-csv",)  # written into a directory, not a stream (kg.neo4j_csv)


def embedded(store) -> OxigraphStore:
    """The embedded store behind an export or validation (a Neo4j store holds no RDF to export)."""
    if not isinstance(store, OxigraphStore):
        raise KGError(
            "E096",
            f"this command reads the embedded store directory, not the {store.backend} backend; "
            "pass --store DIR (the store `kg sync neo4j` copies from)",
        )
    return store


def _union_triples(store: OxigraphStore):
    return store.raw.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")


def export(store: OxigraphStore, fmt: str, out: BinaryIO) -> None:
    """Write the graph in ``fmt`` (ttl: merged triples; nq: with named graphs; jsonld: merged, compacted)."""
    store = embedded(store)
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


def export_directory(store: OxigraphStore, fmt: str, directory: str):
    """Write a directory format (neo4j-csv): node and relationship CSVs for neo4j-admin import."""
    from kg.neo4j_csv import export_neo4j_csv

    if fmt not in DIRECTORY_FORMATS:
        raise KGError("E060", f"unknown directory export format {fmt!r}; use one of {', '.join(DIRECTORY_FORMATS)}")
    return export_neo4j_csv(embedded(store).raw, directory)
