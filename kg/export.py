"""Exports of the whole graph: Turtle, JSON-LD (with the project's context), N-Quads; neo4j-csv (a directory).

:func:`iter_export` yields the export in chunks (N-Quads and Turtle are written
``chunk`` statements at a time, so memory stays flat however big the graph);
:func:`export` writes the same bytes to a file. The CLI (``kg export``) and the
web app (``/export/graph.ttl|jsonld|nq``) both use it, so they agree byte for byte.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any, BinaryIO

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
CHUNK = 20000
_TURTLE_PREFIXES = {k: v for k, v in PREFIXES.items() if k != "id"}


def embedded(store) -> OxigraphStore:
    """The embedded store behind an export or validation (a Neo4j store holds no RDF to export)."""
    if not isinstance(store, OxigraphStore):
        raise KGError(
            "E096",
            f"this command reads the embedded store directory, not the {store.backend} backend; "
            "pass --store DIR (the store `kg sync neo4j` copies from)",
        )
    return store


def _union_triples(raw: pyoxigraph.Store) -> Iterable[pyoxigraph.Triple]:
    return raw.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def iter_export(store: OxigraphStore, fmt: str, chunk: int = CHUNK) -> Iterator[bytes]:
    """The graph in ``fmt`` as byte chunks (ttl: merged triples; nq: with named graphs; jsonld: merged, compacted).

    The store's current generation is taken once, so a build published mid-export does not mix in.
    """
    if fmt not in FORMATS:
        raise KGError("E060", f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    raw = embedded(store).raw
    if fmt == "nq":
        for batch in _chunks(raw.quads_for_pattern(None, None, None, None), chunk):
            yield pyoxigraph.serialize(batch, format=pyoxigraph.RdfFormat.N_QUADS)
    elif fmt == "ttl":
        first = True
        for batch in _chunks(_union_triples(raw), chunk):
            text = pyoxigraph.serialize(batch, format=pyoxigraph.RdfFormat.TURTLE, prefixes=_TURTLE_PREFIXES)
            if not first:  # the prefixes were declared once, in the first chunk
                lines = text.split(b"\n")
                while lines and lines[0].startswith(b"@prefix "):
                    lines.pop(0)
                text = b"\n".join(lines)
            first = False
            yield text
        if first:  # an empty graph still declares its prefixes
            yield pyoxigraph.serialize([], format=pyoxigraph.RdfFormat.TURTLE, prefixes=_TURTLE_PREFIXES)
    else:
        g = rdflib.Graph()
        g.parse(data=pyoxigraph.serialize(_union_triples(raw), format=pyoxigraph.RdfFormat.N_TRIPLES), format="nt")
        doc = json.loads(g.serialize(format="json-ld", context=jsonld_context(), auto_compact=True))
        body = json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")
        for start in range(0, len(body), 1 << 16):
            yield body[start : start + (1 << 16)]


def export(store: OxigraphStore, fmt: str, out: BinaryIO) -> None:
    """Write the graph in ``fmt`` to ``out``."""
    for part in iter_export(store, fmt):
        out.write(part)


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
