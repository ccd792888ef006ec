"""``kg validate``: the SHACL shapes in ``ontology/shapes.ttl``, run by pyshacl."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import rdflib
from pyshacl import validate as shacl_validate
from rdflib.namespace import SH

from kg.ontology_files import read
from kg.store.oxigraph import OxigraphStore


@dataclass
class Violation:
    focus: str
    shape: str
    path: str | None
    message: str
    severity: str

    def __str__(self) -> str:
        where = f" (path {self.path})" if self.path else ""
        return f"{self.focus}: {self.message}{where} [shape {self.shape}, {self.severity}]"

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def union_graph(store: OxigraphStore) -> rdflib.Graph:
    """All named graphs merged into one rdflib graph (for pyshacl and exports)."""
    g = rdflib.Graph()
    data = store.raw.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }").serialize(
        format=__import__("pyoxigraph").RdfFormat.N_TRIPLES
    )
    g.parse(data=data, format="nt")
    return g


def validate_graph(data: rdflib.Graph) -> list[Violation]:
    shapes = rdflib.Graph().parse(data=read("shapes.ttl"), format="turtle")
    conforms, results, _text = shacl_validate(
        data, shacl_graph=shapes, inference="none", abort_on_first=False, allow_warnings=True
    )
    out: list[Violation] = []
    if conforms:
        return out
    for res in results.subjects(rdflib.RDF.type, SH.ValidationResult):
        focus = results.value(res, SH.focusNode)
        shape = results.value(res, SH.sourceShape)
        path = results.value(res, SH.resultPath)
        msg = results.value(res, SH.resultMessage)
        sev = results.value(res, SH.resultSeverity)
        shape_name = str(shape)
        if isinstance(shape, rdflib.BNode):
            parent = results.value(res, SH.sourceConstraintComponent)
            owner = next(shapes.subjects(SH.property, shape), None)
            shape_name = f"{owner}" if owner is not None else str(parent)
        out.append(
            Violation(
                focus=str(focus),
                shape=shape_name.replace("https://paperdive.ai/shapes#", "kgsh:"),
                path=str(path) if path is not None else None,
                message=str(msg) if msg is not None else "constraint violated",
                severity=str(sev).rsplit("#", 1)[-1] if sev is not None else "Violation",
            )
        )
    out.sort(key=lambda v: (v.focus, v.shape, v.message))
    return out


def validate_store(store: OxigraphStore) -> list[Violation]:
    return validate_graph(union_graph(store))
