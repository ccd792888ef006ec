"""The Neo4j store: the same ``GraphStore`` methods, answered by named Cypher files.

The connection follows the driver's documented usage: one ``GraphDatabase.driver`` per process
(thread-safe, pooled), ``verify_connectivity()`` when it is opened, and every query in a managed
transaction (``session.execute_read`` / ``execute_write`` with a transaction function) on an explicit
``database``, with the values passed as parameters. Query text lives in ``kg/queries/*.cypher``, loaded
once; each file declares its parameters (``// params: e``) and a call with any other set is refused.

Page assembly is shared with the Oxigraph store: its methods only call ``self.select(name, **values)``
and every Cypher twin of ``X.rq`` returns the columns of ``X.rq`` (``tests/test_cypher_lint.py`` checks
that), so the page dicts are the same by construction. A twin is chosen by the names bound: ``X.cypher``,
or a variant ``X.<anything>.cypher``, whose ``// params:`` line declares exactly those names (a query that
may bind ``?s`` or ``?o`` has one twin per case, each anchored at its bound node: ``graph_edges.cypher``,
``graph_edges.s.cypher``, ``graph_edges.o.cypher``). Every ``.rq`` has a twin unless :data:`RDF_ONLY` says
why not. A ``GraphStore`` method with no Cypher version yet raises a clear error (E097) instead of making
the store unusable; ``tests/test_neo4j.py`` checks that there is none.

Settings: the URI comes from ``--store``/``KG_STORE`` (or ``NEO4J_URI`` for ``kg sync neo4j``); user,
password and database from ``NEO4J_USER`` (default ``neo4j``), ``NEO4J_PASSWORD``, ``NEO4J_DATABASE``
(default: the server's default database).
"""

from __future__ import annotations

import abc
import contextlib
import hashlib
import logging
import os
import re
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import neo4j
from neo4j import GraphDatabase
from neo4j.exceptions import (
    AuthError,
    ConfigurationError,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
)
from pyoxigraph import NamedNode

from kg import queries
from kg.errors import Location, StoreError
from kg.propertygraph import RELATIONSHIPS
from kg.store.base import EDGE_KINDS, NODE_KINDS, GraphStore
from kg.store.oxigraph import OxigraphStore

log = logging.getLogger("kg.query")
# The driver logs connection failures itself; the CLI reports them once, in its own words.
logging.getLogger("neo4j").addHandler(logging.NullHandler())

URI_SCHEMES = ("neo4j://", "neo4j+s://", "neo4j+ssc://", "bolt://", "bolt+s://", "bolt+ssc://")
DEFAULT_USER = "neo4j"
CONNECT_TIMEOUT = 10.0  # seconds to wait for the server to connect and answer the handshake
QUERY_TIMEOUT = 30.0  # seconds a read or write transaction may run on the server
REFRESH_EVERY = 2.0  # seconds between checks for a newer sync


def is_neo4j_uri(location: str) -> bool:
    return location.startswith(URI_SCHEMES)


def safe_uri(uri: str) -> str:
    """The URI as it may be shown: without any ``user:password@`` part."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return "<unparseable URI>"
    if parts.username is None and parts.password is None:
        return uri
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


@dataclass(frozen=True)
class Neo4jTarget:
    """Where a Neo4j graph lives and how to log in (``repr`` never shows the password)."""

    uri: str
    user: str | None = DEFAULT_USER
    password: str | None = None
    database: str | None = None
    timeout: float = CONNECT_TIMEOUT

    @classmethod
    def from_env(
        cls,
        uri: str | None = None,
        user: str | None = None,
        password: str | None = None,
        database: str | None = None,
        timeout: float | None = None,
    ) -> Neo4jTarget:
        """Explicit values first, then ``NEO4J_URI``, ``NEO4J_USER``, ``NEO4J_PASSWORD``, ``NEO4J_DATABASE``."""
        uri = uri or os.environ.get("NEO4J_URI") or ""
        if not uri:
            raise StoreError("E095", "no Neo4j URI given; pass --uri or set NEO4J_URI (e.g. neo4j://localhost:7687)")
        if not is_neo4j_uri(uri):
            raise StoreError(
                "E095", f"{safe_uri(uri)!r} is not a Neo4j URI; use one of {', '.join(s for s in URI_SCHEMES)}"
            )
        return cls(
            uri=uri,
            user=user or os.environ.get("NEO4J_USER") or DEFAULT_USER,
            password=password if password is not None else os.environ.get("NEO4J_PASSWORD"),
            database=database or os.environ.get("NEO4J_DATABASE") or None,
            timeout=timeout if timeout is not None else CONNECT_TIMEOUT,
        )

    @property
    def shown(self) -> str:
        """How messages name the target: the URI (never the password) and the database."""
        return safe_uri(self.uri) + (f" (database {self.database!r})" if self.database else "")

    def __repr__(self) -> str:
        return f"Neo4jTarget({self.shown!r}, user={self.user!r})"


def _reason(exc: BaseException, target: Neo4jTarget) -> str:
    """The gist of a driver error, with the URI made safe and any password blanked out."""
    text = (str(exc) or type(exc).__name__).replace(target.uri, safe_uri(target.uri))
    if target.password:
        text = text.replace(target.password, "***")
    m = re.search(r"reason \[?(?:Errno -?\d+\]\s*)?([^)\]]+)", text)
    if m:
        return m.group(1).strip()
    return text.splitlines()[-1].strip()[:200]


def _where(target: Neo4jTarget) -> Location:
    return Location(safe_uri(target.uri), field=f"database {target.database!r}" if target.database else None)


@contextlib.contextmanager
def translate_errors(target: Neo4jTarget) -> Iterator[None]:
    """Turn the driver's exceptions into one-line ``StoreError`` s naming the URI, never the password."""
    started = time.monotonic()
    try:
        yield
    except AuthError as exc:
        raise StoreError(
            "E091",
            f"Neo4j rejected the credentials of user {target.user!r} ({exc.code or 'unauthorized'}); "
            "check NEO4J_USER and NEO4J_PASSWORD",
            _where(target),
        ) from None
    except (ServiceUnavailable, SessionExpired, OSError) as exc:
        elapsed = time.monotonic() - started
        text = str(exc).lower()
        if "deadline" in text or "timed out" in text or "timeout" in text or elapsed >= target.timeout * 0.9:
            raise StoreError(
                "E092",
                f"Neo4j did not answer within {target.timeout:g} s; "
                "check that the server is up and that NEO4J_URI names its Bolt port",
                _where(target),
            ) from None
        raise StoreError(
            "E090",
            f"cannot reach Neo4j ({_reason(exc, target)}); check NEO4J_URI and that the server is running",
            _where(target),
        ) from None
    except Neo4jError as exc:
        code = exc.code or "error"
        if "TransactionTimedOut" in code:
            raise StoreError(
                "E092", f"Neo4j stopped a query after {QUERY_TIMEOUT:g} s ({code})", _where(target)
            ) from None
        hint = (
            "; the project's Cypher needs Neo4j 5.26 or later (dynamic labels)"
            if "SyntaxError" in code or "Statement" in code
            else ""
        )
        first = _reason(Exception((exc.message or "").splitlines()[0] if exc.message else code), target)
        raise StoreError("E093", f"Neo4j refused a statement ({code}): {first}{hint}", _where(target)) from None
    except ConfigurationError as exc:
        raise StoreError("E095", f"cannot use this URI: {_reason(exc, target)}", _where(target)) from None
    except DriverError as exc:
        raise StoreError("E090", f"cannot talk to Neo4j ({_reason(exc, target)})", _where(target)) from None


@neo4j.unit_of_work(timeout=QUERY_TIMEOUT)
def _fetch(tx: neo4j.ManagedTransaction, query: str, parameters: dict[str, Any]) -> list[dict[str, Any]]:
    result = tx.run(query, parameters)
    return [record.data() for record in result]


@neo4j.unit_of_work(timeout=QUERY_TIMEOUT * 10)
def _apply(tx: neo4j.ManagedTransaction, statements: list[tuple[str, dict[str, Any]]]) -> dict[str, int]:
    """Run statements in one transaction (all or nothing); their summary counters added up."""
    total: dict[str, int] = {}
    for query, parameters in statements:
        for k, v in _counters(tx.run(query, parameters).consume()).items():
            total[k] = total.get(k, 0) + v
    return total


def _counters(summary: neo4j.ResultSummary) -> dict[str, int]:
    c = summary.counters
    return {
        "nodes_created": c.nodes_created,
        "nodes_deleted": c.nodes_deleted,
        "relationships_created": c.relationships_created,
        "relationships_deleted": c.relationships_deleted,
        "properties_set": c.properties_set,
        "labels_added": c.labels_added,
        "labels_removed": c.labels_removed,
        "constraints_added": c.constraints_added,
        "indexes_added": c.indexes_added,
    }


def _checked(name: str, parameters: dict[str, Any]) -> None:
    declared = queries.cypher_parameters(name)
    if set(parameters) != declared:
        raise ValueError(f"{name} declares parameters {sorted(declared)} but was given {sorted(parameters)}")


class Connection:
    """One driver for one target; every call is a managed transaction in its own session."""

    def __init__(self, target: Neo4jTarget):
        self.target = target
        auth = (target.user or DEFAULT_USER, target.password) if target.password is not None else None
        with translate_errors(target):
            try:
                self.driver = GraphDatabase.driver(
                    target.uri,
                    auth=auth,
                    connection_timeout=target.timeout,
                    connection_acquisition_timeout=target.timeout,
                    max_transaction_retry_time=target.timeout,
                    user_agent="paperdive-kg",
                )
            except ValueError as exc:  # a malformed URI
                raise ConfigurationError(str(exc)) from None

    def verify(self) -> None:
        """Connect and log in now, so a wrong URI or password is reported before any work starts."""
        with translate_errors(self.target):
            self.driver.verify_connectivity()

    def read(self, name: str, **parameters: Any) -> list[dict[str, Any]]:
        """Rows of the named read query (``kg/queries/<name>``), as dicts."""
        _checked(name, parameters)
        text = queries.load(name)
        started = time.perf_counter()
        with translate_errors(self.target), self.driver.session(database=self.target.database) as session:
            rows = session.execute_read(_fetch, text, parameters)
        log.debug("query %s %.2f ms", name, (time.perf_counter() - started) * 1000)
        return rows

    def write(self, name: str, **parameters: Any) -> dict[str, int]:
        """Run the named write statement in one transaction; the summary counters."""
        return self.write_together([(name, parameters)])

    def write_together(self, statements: list[tuple[str, dict[str, Any]]]) -> dict[str, int]:
        """Run several named statements in ONE transaction: all of them happen, or none."""
        for name, parameters in statements:
            _checked(name, parameters)
        return self._write("+".join(n for n, _ in statements), [(queries.load(n), p) for n, p in statements])

    def write_each(self, name: str) -> dict[str, int]:
        """Run each statement of a file (schema files) in its own transaction."""
        _checked(name, {})
        total: dict[str, int] = {}
        for statement in queries.cypher_statements(name):
            for k, v in self._write(name, [(statement, {})]).items():
                total[k] = total.get(k, 0) + v
        return total

    def _write(self, label: str, statements: list[tuple[str, dict[str, Any]]]) -> dict[str, int]:
        started = time.perf_counter()
        with translate_errors(self.target), self.driver.session(database=self.target.database) as session:
            counters = session.execute_write(_apply, statements)
        log.debug("write %s %.2f ms", label, (time.perf_counter() - started) * 1000)
        return counters

    def close(self) -> None:
        self.driver.close()


#: The SPARQL queries with no Cypher twin, and why (tests/test_cypher_lint.py checks that every other
#: ``kg/queries/*.rq`` has one, and tests/test_neo4j.py that no GraphStore method runs one of these).
RDF_ONLY: dict[str, str] = {
    "mention_texts.rq": "build time only: the glossary linker reads the texts from the RDF store (kg.mentions)",
    "stats_nodes.rq": "Neo4jStore.stats counts labels instead (stats_labels.cypher)",
    "stats_edges.rq": "Neo4jStore.stats counts relationship types instead (stats_types.cypher)",
    "entity_catalogue.rq": "build time only: kg.entities checks the gazetteer's entities on the RDF store",
    "entity_curated_edges.rq": "build time only: kg.entities reads the curated edges from the RDF store",
    "entity_denotes.rq": "build time only: kg.entities reads which term an entity denotes from the RDF store",
    "entity_found_types.rq": "build time only: kg.entities types the entities it finds on the RDF store",
    "entity_texts.rq": "build time only: kg.entities reads the texts it finds entities in from the RDF store",
    "source_files.rq": "build time only: kg.entities names the source file of an entity in its messages",
}

#: GraphStore members that are not queries (every other public method needs a Cypher version).
LIFECYCLE = frozenset({"refresh", "version", "close"})


def cypher_stem(cypher: str) -> str:
    """The SPARQL query a Cypher file is the twin of, without suffix: ``graph_edges.s.cypher`` -> ``graph_edges``."""
    return cypher.removesuffix(".cypher").split(".")[0]


@cache
def _twins() -> dict[tuple[str, frozenset[str]], str]:
    table: dict[tuple[str, frozenset[str]], str] = {}
    rq = {n.removesuffix(".rq") for n in queries.names(".rq")}
    for name in queries.names(".cypher"):
        stem = cypher_stem(name)
        if stem in rq:
            table.setdefault((stem, queries.cypher_parameters(name)), name)
    return table


def twin(rq: str, bound: Iterable[str] = ()) -> str | None:
    """The Cypher file that answers the SPARQL query ``rq`` with these names bound, or None."""
    return _twins().get((rq.removesuffix(".rq"), frozenset(bound)))


def twins_of(rq: str) -> dict[frozenset[str], str]:
    """Every Cypher twin of ``rq``, by the set of names it binds."""
    stem = rq.removesuffix(".rq")
    return {bound: name for (s, bound), name in _twins().items() if s == stem}


def sync_version(states: list[dict[str, Any]]) -> str:
    """An id of what was synced: changes whenever any named graph's content does."""
    h = hashlib.sha256()
    for row in sorted(states, key=lambda r: r["graph"]):
        h.update(f"{row['graph']} {row['hash']}\n".encode())
    return h.hexdigest()[:16]


class Neo4jStore(GraphStore):
    """Read access to a graph that ``kg sync neo4j`` wrote into a Neo4j database."""

    backend = "neo4j"

    def __init__(self, target: Neo4jTarget):
        self.target = target
        self._conn = Connection(target)
        self._lock = threading.Lock()
        try:
            self._conn.verify()
            states = self._conn.read("sync_state.cypher")
        except BaseException:
            self._conn.close()
            raise
        if not states:
            self._conn.close()
            raise StoreError(
                "E094", "this Neo4j database holds no synced graph yet; run `kg sync neo4j` first", _where(target)
            )
        self._version = sync_version(states)
        self._checked = time.monotonic()

    @classmethod
    def from_uri(cls, uri: str) -> Neo4jStore:
        return cls(Neo4jTarget.from_env(uri=uri))

    # -- lifecycle -----------------------------------------------------------------
    def refresh(self) -> bool:
        """Notice a newer sync (checked at most every REFRESH_EVERY seconds); True if it changed."""
        now = time.monotonic()
        if now - self._checked < REFRESH_EVERY:
            return False
        with self._lock:
            if now - self._checked < REFRESH_EVERY:
                return False
            self._checked = now
            version = sync_version(self._conn.read("sync_state.cypher"))
            changed, self._version = version != self._version, version
        return changed

    @property
    def version(self) -> str:
        return self._version

    def close(self) -> None:
        self._conn.close()

    # -- querying ------------------------------------------------------------------
    def select(self, name: str, **bindings: Any) -> list[dict[str, Any]]:
        """Rows of the Cypher twin of a named query for the names bound (``episode.rq`` + e -> ``episode.cypher``)."""
        cypher = name if name.endswith(".cypher") else twin(name, bindings)
        if cypher is None:
            bound = ", ".join(f"?{k}" for k in sorted(bindings)) or "nothing"
            raise StoreError(
                "E097",
                f"{name} with {bound} bound has no Cypher twin yet (kg/queries/{name.removesuffix('.rq')}[.*].cypher "
                "declaring those parameters), so the Neo4j store cannot answer it",
                _where(self.target),
            )
        params = {k: (v.value if isinstance(v, NamedNode) else v) for k, v in bindings.items()}
        return self._conn.read(cypher, **params)

    def stats(self) -> dict[str, Any]:
        nodes: dict[str, int] = {}
        for row in self._conn.read("stats_labels.cypher"):
            kind = NODE_KINDS.get(row["label"])
            if kind and kind != "relatedness":
                nodes[kind] = row["n"]
        kinds = {t: EDGE_KINDS[p] for p, t in RELATIONSHIPS.items() if p in EDGE_KINDS}
        edges: dict[str, int] = {}
        for row in self._conn.read("stats_types.cypher"):
            kind = kinds.get(row["type"])
            if kind:
                edges[kind] = edges.get(kind, 0) + row["n"]
        quads = self._conn.read("stats_quads.cypher")
        return {
            "quads": quads[0]["quads"] if quads else 0,
            "nodes": dict(sorted(nodes.items())),
            "edges": dict(sorted(edges.items())),
        }

    # -- page data: the Oxigraph store's assembly over the Cypher twins of its queries --
    episode = OxigraphStore.episode
    episodes = OxigraphStore.episodes
    paper = OxigraphStore.paper
    term = OxigraphStore.term
    glossary = OxigraphStore.glossary
    reviews = OxigraphStore.reviews
    review = OxigraphStore.review
    topic = OxigraphStore.topic
    topics = OxigraphStore.topics
    # graph view and gap reports: the same assembly over graph_edges[.s|.o].cypher, graph_nodes[.n].cypher
    # and gaps_*.cypher
    graph_edges = OxigraphStore.graph_edges
    graph_nodes = OxigraphStore.graph_nodes
    gap_rows = OxigraphStore.gap_rows
    # term discovery (kg gaps terms): the same rows over corpus_texts.cypher
    corpus_texts = OxigraphStore.corpus_texts


def _no_cypher_yet(name: str):
    def method(self: Neo4jStore, *args: Any, **kwargs: Any) -> Any:
        raise StoreError(
            "E097",
            f"{name}() has no Cypher version yet, so the Neo4j store cannot answer it; "
            "serve from the embedded store, or add kg/queries/*.cypher for it",
            _where(self.target),
        )

    method.__name__ = name
    method.__doc__ = "Not available on Neo4j yet (E097)."
    return method


def query_methods() -> list[str]:
    """The public ``GraphStore`` methods that answer from the graph (all but :data:`LIFECYCLE`)."""
    return sorted(
        name for name, member in vars(GraphStore).items()
        if not name.startswith("_") and name not in LIFECYCLE and callable(member)
    )


#: GraphStore methods the Neo4j store cannot answer yet (each raises E097): abstract ones it does not
#: define, and those it inherits from GraphStore's default (which only raises NotImplementedError).
UNSUPPORTED: tuple[str, ...] = tuple(
    sorted(
        set(Neo4jStore.__abstractmethods__)
        | {n for n in query_methods() if getattr(Neo4jStore, n) is getattr(GraphStore, n)}
    )
)
for _name in UNSUPPORTED:
    setattr(Neo4jStore, _name, _no_cypher_yet(_name))
abc.update_abstractmethods(Neo4jStore)
