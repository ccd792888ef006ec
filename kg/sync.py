"""``kg sync neo4j``: copy the embedded RDF store into Neo4j, per named graph, idempotently.

The RDF store keeps one named graph per source document, so the sync works per source:

1. create the uniqueness constraints and indexes (``sync_schema.cypher``; ``IF NOT EXISTS``);
2. hash every named graph's quads and compare with the hashes recorded in Neo4j (``:SyncedGraph``
   nodes): graphs whose hash differs (or that are new) are *changed*, recorded graphs the store no
   longer has are *removed*, the rest are skipped - syncing twice writes nothing;
3. the nodes to redo are the subjects of the changed graphs plus every Neo4j node tagged with a
   changed or removed graph; each is rewritten whole from the union of all graphs (properties,
   labels, outgoing relationships: stale ones deleted, current ones merged), in batches of
   ``UNWIND … MERGE``, one transaction per batch (a node is rewritten whole or not at all);
4. nodes no graph describes any more and nothing points at are deleted;
5. only then are the new hashes recorded - so a sync interrupted at any point leaves the old hashes,
   and running it again redoes exactly the unfinished graphs.

The row builders (:func:`plan`, :func:`node_rows`) are plain functions over the RDF store, testable
without a server; the Cypher they feed is in ``kg/queries/sync_*.cypher``.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph

from kg.propertygraph import describe, node_key, subjects
from kg.store.generations import current_generation
from kg.store.neo4j import Connection, Neo4jTarget

DEFAULT_BATCH = 1000


@dataclass(frozen=True)
class GraphState:
    iri: str
    hash: str
    quads: int


def graph_states(store: pyoxigraph.Store) -> dict[str, GraphState]:
    """Every named graph with a hash of its quads (sorted N-Quads lines) and its quad count."""
    out: dict[str, GraphState] = {}
    for g in store.named_graphs():
        lines = sorted(str(q) for q in store.quads_for_pattern(None, None, None, g))
        digest = hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
        key = node_key(g)
        out[key] = GraphState(key, digest, len(lines))
    return dict(sorted(out.items()))


@dataclass
class SyncPlan:
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def in_sync(self) -> bool:
        return not self.changed and not self.removed


def plan(states: dict[str, GraphState], synced: dict[str, str | None]) -> SyncPlan:
    """Which named graphs to redo, given the store's states and the hashes recorded in Neo4j."""
    p = SyncPlan()
    for iri, st in states.items():
        (p.unchanged if synced.get(iri) == st.hash else p.changed).append(iri)
    p.removed = sorted(set(synced) - set(states))
    return p


@dataclass
class NodeRows:
    """The parameter rows of the three per-node statements, for one batch of node IRIs."""

    nodes: list[dict[str, Any]] = field(default_factory=list)  # sync_upsert_nodes.cypher
    keep: list[dict[str, Any]] = field(default_factory=list)  # sync_delete_stale_relationships.cypher
    relationships: list[dict[str, Any]] = field(default_factory=list)  # sync_merge_relationships.cypher


def node_rows(store: pyoxigraph.Store, iris: Iterable[str]) -> NodeRows:
    """Rows that rewrite each node whole from the RDF union (a node no graph describes comes out bare)."""
    out = NodeRows()
    for iri in iris:
        node, rels = describe(store, iri)
        out.nodes.append({"iri": iri, "labels": node.labels, "props": node.props()})
        out.keep.append({"iri": iri, "keep": [r.key for r in rels]})
        out.relationships += [{"start": r.start, "type": r.type, "end": r.end, "graphs": list(r.graphs)} for r in rels]
    return out


def _batches(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


@dataclass
class SyncResult:
    target: str
    changed: list[str]
    removed: list[str]
    unchanged: int
    nodes: int = 0
    relationships: int = 0
    counters: dict[str, int] = field(default_factory=dict)

    def add(self, counters: dict[str, int]) -> None:
        for k, v in counters.items():
            self.counters[k] = self.counters.get(k, 0) + v

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "changed": self.changed,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "nodes": self.nodes,
            "relationships": self.relationships,
            "counters": dict(sorted(self.counters.items())),
        }


def _open_rdf(store_path: str | Path) -> pyoxigraph.Store:
    from kg.errors import Location, StoreError

    gen = current_generation(store_path)
    if gen is None:
        raise StoreError("E050", "no graph here yet; run `kg build` (or `kg ingest`) first", Location(str(store_path)))
    return pyoxigraph.Store.read_only(str(gen))


def _bar(total: int, desc: str):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="node", disable=not sys.stderr.isatty(), leave=False)


Transaction = list[tuple[str, dict[str, Any]]]  # (statement file, parameters), run as one transaction


def nodes_to_redo(store: pyoxigraph.Store, p: SyncPlan, tagged: set[str]) -> set[str]:
    """The subjects of the changed graphs, and the Neo4j nodes tagged with a changed or removed graph."""
    redo = set(tagged)
    for g in p.changed:
        redo |= subjects(store, g)
    return redo


def sync_transactions(
    store: pyoxigraph.Store,
    states: dict[str, GraphState],
    p: SyncPlan,
    redo: set[str],
    batch_size: int = DEFAULT_BATCH,
) -> Iterator[Transaction]:
    """The write transactions of a sync, in order: node batches, the orphan sweep, then (last) the
    new hashes. Pure: computed from the RDF store, the plan and the nodes to redo."""
    for batch in _batches(sorted(redo), batch_size):
        rows = node_rows(store, batch)
        # a node is rewritten whole (properties, labels, stale edges dropped, current edges merged) in
        # one transaction, so an interrupted sync never leaves a half-written node behind
        yield [
            ("sync_upsert_nodes.cypher", {"rows": rows.nodes}),
            ("sync_delete_stale_relationships.cypher", {"rows": rows.keep}),
            ("sync_merge_relationships.cypher", {"rows": rows.relationships}),
        ]
    yield [("sync_delete_orphans.cypher", {})]
    done = [{"iri": g, "hash": states[g].hash, "quads": states[g].quads} for g in p.changed]
    for i in range(0, len(done), batch_size):
        yield [("sync_set_state.cypher", {"rows": done[i : i + batch_size]})]
    if p.removed:
        yield [("sync_drop_state.cypher", {"graphs": p.removed})]


def sync_neo4j(
    store_path: str | Path,
    target: Neo4jTarget,
    batch_size: int = DEFAULT_BATCH,
    progress: Callable[[str], None] = lambda _m: None,
) -> SyncResult:
    """Bring the Neo4j database of ``target`` in line with the store at ``store_path``."""
    store = _open_rdf(store_path)
    states = graph_states(store)
    conn = Connection(target)
    try:
        conn.verify()
        schema = conn.write_each("sync_schema.cypher")
        synced = {r["graph"]: r["hash"] for r in conn.read("sync_state.cypher")}
        p = plan(states, synced)
        result = SyncResult(target.shown, p.changed, p.removed, len(p.unchanged))
        result.add(schema)
        if p.in_sync:
            return result
        progress(f"{len(p.changed)} graphs changed, {len(p.removed)} removed, {len(p.unchanged)} unchanged")
        tagged = {r["iri"] for r in conn.read("sync_nodes_in_graphs.cypher", graphs=p.changed + p.removed)}
        redo = nodes_to_redo(store, p, tagged)
        with _bar(len(redo), "sync") as bar:
            for tx in sync_transactions(store, states, p, redo, batch_size):
                result.add(conn.write_together(tx))
                if tx[0][0] == "sync_upsert_nodes.cypher":
                    result.nodes += len(tx[0][1]["rows"])
                    result.relationships += len(tx[2][1]["rows"])
                    bar.update(len(tx[0][1]["rows"]))
        return result
    finally:
        conn.close()


__all__ = [
    "sync_neo4j",
    "sync_transactions",
    "graph_states",
    "plan",
    "node_rows",
    "SyncPlan",
    "SyncResult",
    "GraphState",
]
