"""``kg export --format neo4j-csv DIR``: the property graph as CSV files for ``neo4j-admin database import``.

Two files, with the importer's header format, so the import command is always the same::

    nodes.csv          :ID,:LABEL,iri:string,graphs:string[],<property>:<type>,…
    relationships.csv  :START_ID,:END_ID,:TYPE,graphs:string[]

The rows are those ``kg sync neo4j`` writes (same mapping, :mod:`kg.propertygraph`), plus one
``:SyncedGraph`` row per named graph with its hash, so that a ``kg sync neo4j`` run after the import
finds the database in sync and only adds the constraints and indexes. Arrays (and labels) are
separated by U+001F, a character no text here contains; fields may span lines. Property types are
``long``, ``double``, ``boolean`` or ``string`` (``[]`` for lists); a property whose values mix
integers and decimals is ``double``, one that mixes anything else with text is ``string``.

The command (also written to ``DIR/IMPORT.txt`` with DIR filled in)::

    neo4j-admin database import full neo4j --nodes=DIR/nodes.csv --relationships=DIR/relationships.csv \\
        --array-delimiter=U+001F --multiline-fields=true
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph
from pyoxigraph import BlankNode, NamedNode

from kg.errors import KGError, Location
from kg.propertygraph import (
    BASE_LABEL,
    LIST_PROPERTIES,
    RDF_TYPE,
    SYNC_LABEL,
    is_relationship,
    iter_graph,
    property_name,
    value,
)
from kg.sync import graph_states

ARRAY_DELIMITER = "\x1f"
NODES_FILE = "nodes.csv"
RELATIONSHIPS_FILE = "relationships.csv"
COMMAND_FILE = "IMPORT.txt"
FIXED_NODE_COLUMNS = [":ID", ":LABEL", "iri:string", "graphs:string[]"]
RELATIONSHIP_COLUMNS = [":START_ID", ":END_ID", ":TYPE", "graphs:string[]"]
SYNC_ID_PREFIX = "synced-graph "  # IDs of the :SyncedGraph rows (their iri is also a Resource's)


def import_command(directory: str | Path, database: str = "neo4j") -> str:
    d = str(directory).rstrip("/")
    return (
        f"neo4j-admin database import full {database} --nodes={d}/{NODES_FILE} "
        f"--relationships={d}/{RELATIONSHIPS_FILE} --array-delimiter=U+001F --multiline-fields=true"
    )


def _kind(v: Any) -> str:
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "long"
    if isinstance(v, float):
        return "double"
    return "string"


def _column_type(kinds: set[str]) -> str:
    if len(kinds) == 1:
        return next(iter(kinds))
    if kinds <= {"long", "double"}:
        return "double"
    return "string"


def _text(v: Any, kind: str) -> str:
    if kind == "boolean":
        return "true" if v else "false"
    if kind == "double":
        return repr(float(v))
    if kind == "long":
        return str(int(v))
    return str(v).replace(ARRAY_DELIMITER, " ")


def _cell(v: Any, column_type: str) -> str:
    base = column_type.removesuffix("[]")
    if isinstance(v, list):
        return ARRAY_DELIMITER.join(_text(x, base) for x in v)
    return _text(v, base)


@dataclass
class CsvExport:
    directory: Path
    nodes: int
    relationships: int
    columns: list[str]

    @property
    def command(self) -> str:
        return import_command(self.directory)


def _columns(store: pyoxigraph.Store) -> dict[str, str]:
    """Every property column with its import type, from one scan of the quads (no rows built)."""
    kinds: dict[str, set[str]] = {"hash": {"string"}, "quads": {"long"}}
    for q in store:
        p = q.predicate.value
        if p == RDF_TYPE or is_relationship(p, q.object) or not isinstance(q.graph_name, NamedNode | BlankNode):
            continue
        kinds.setdefault(property_name(p), set()).add(_kind(value(q.object)))
    return {name: _column_type(kinds[name]) + ("[]" if name in LIST_PROPERTIES else "") for name in sorted(kinds)}


def export_neo4j_csv(store: pyoxigraph.Store, directory: str | Path) -> CsvExport:
    """Write nodes.csv, relationships.csv and IMPORT.txt into ``directory`` (created if missing)."""
    d = Path(directory)
    if d.exists() and not d.is_dir():
        raise KGError("E098", "the neo4j-csv export writes a directory, and this is a file", Location(str(d)))
    d.mkdir(parents=True, exist_ok=True)
    columns = _columns(store)
    header = FIXED_NODE_COLUMNS + [f"{name}:{t}" for name, t in columns.items()]
    n_nodes = n_rels = 0
    parts = {NODES_FILE: d / (NODES_FILE + ".part"), RELATIONSHIPS_FILE: d / (RELATIONSHIPS_FILE + ".part")}
    with (
        open(parts[NODES_FILE], "w", newline="", encoding="utf-8") as nf,
        open(parts[RELATIONSHIPS_FILE], "w", newline="", encoding="utf-8") as rf,
    ):
        nodes, rels = csv.writer(nf), csv.writer(rf)
        nodes.writerow(header)
        rels.writerow(RELATIONSHIP_COLUMNS)
        for node, out in iter_graph(store):
            row = [node.iri, ARRAY_DELIMITER.join([BASE_LABEL, *node.labels]), node.iri]
            row.append(_cell(node.graphs, "string[]"))
            row += [_cell(node.properties[n], t) if n in node.properties else "" for n, t in columns.items()]
            nodes.writerow(row)
            n_nodes += 1
            for r in out:
                rels.writerow([r.start, r.end, r.type, _cell(list(r.graphs), "string[]")])
                n_rels += 1
        for st in graph_states(store).values():
            extra = {"hash": st.hash, "quads": st.quads}
            row = [SYNC_ID_PREFIX + st.iri, SYNC_LABEL, st.iri, ""]
            row += [_cell(extra[n], t) if n in extra else "" for n, t in columns.items()]
            nodes.writerow(row)
    for final, part in parts.items():
        part.replace(d / final)
    result = CsvExport(d, n_nodes, n_rels, header)
    (d / COMMAND_FILE).write_text(
        "# Load these files into a new (or stopped, with --overwrite-destination=true) Neo4j database:\n"
        + result.command
        + "\n# then start the database and run `kg sync neo4j` once: it adds the constraints and indexes.\n",
        encoding="utf-8",
    )
    return result
