"""How fast the Neo4j side of the project turns the RDF store into rows, without a Neo4j server.

Builds the bundled sample, replicates it ``--copies`` times under fresh IRIs (same structure, N times
the nodes), then times, each against a baseline measured in the same run:

* ``sync_plan_hash``   hashing every named graph (what each ``kg sync neo4j`` does first),
                       baseline: dumping the store as N-Quads;
* ``sync_node_rows``   building the sync's parameter rows for every node (a first sync),
                       baseline: the bare per-subject quad lookups those rows are made from;
* ``neo4j_csv_export`` writing nodes.csv + relationships.csv, baseline: the N-Quads export.

Prints one JSON line per metric. Usage::

    .venv/bin/python scripts/bench_neo4j_rows.py --copies 20
"""

from __future__ import annotations

import argparse
import io
import json
import tempfile
import time
from pathlib import Path

import pyoxigraph
from pyoxigraph import NamedNode, Quad

from kg.neo4j_csv import export_neo4j_csv
from kg.pipeline import build
from kg.propertygraph import subjects
from kg.rdf.namespaces import DATA_NS
from kg.store.generations import current_generation
from kg.sync import graph_states, node_rows


def _copy(term, i: int):
    if isinstance(term, NamedNode) and term.value.startswith(DATA_NS):
        return NamedNode(f"{term.value}-c{i}")
    return term


def replicate(source: pyoxigraph.Store, target: Path, copies: int) -> pyoxigraph.Store:
    store = pyoxigraph.Store(str(target))
    for i in range(copies):
        store.extend(Quad(_copy(q.subject, i), q.predicate, _copy(q.object, i), _copy(q.graph_name, i)) for q in source)
    store.flush()
    return store


def timed(fn) -> tuple[float, object]:
    started = time.perf_counter()
    out = fn()
    return time.perf_counter() - started, out


def emit(name: str, value: float, unit: str, **baseline: float) -> None:
    print(json.dumps({"name": name, "value": round(value, 1), "unit": unit, "baseline": baseline}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=20, help="how many times to replicate the sample")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        build(root / "sample")
        sample = pyoxigraph.Store.read_only(str(current_generation(root / "sample")))
        store = replicate(sample, root / "big", args.copies)
        quads = len(store)

        t_dump, _ = timed(lambda: store.dump(io.BytesIO(), format=pyoxigraph.RdfFormat.N_QUADS))
        t_hash, states = timed(lambda: graph_states(store))
        emit(
            "sync_plan_hash",
            quads / t_hash,
            "quads/s",
            nquads_dump_quads_per_s=round(quads / t_dump, 1),
            graphs=len(states),
            quads=quads,
        )

        iris = sorted(subjects(store))
        t_raw, _ = timed(lambda: [list(store.quads_for_pattern(NamedNode(s), None, None, None)) for s in iris])
        t_rows, rows = timed(lambda: node_rows(store, iris))
        emit(
            "sync_node_rows",
            len(iris) / t_rows,
            "nodes/s",
            quad_lookup_nodes_per_s=round(len(iris) / t_raw, 1),
            nodes=len(iris),
            relationships=len(rows.relationships),
        )

        t_csv, result = timed(lambda: export_neo4j_csv(store, root / "csv"))
        emit(
            "neo4j_csv_export",
            result.nodes / t_csv,
            "nodes/s",
            seconds=round(t_csv, 2),
            nquads_export_seconds=round(t_dump, 2),
            nodes=result.nodes,
            relationships=result.relationships,
        )


if __name__ == "__main__":
    main()
