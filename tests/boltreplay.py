"""A Bolt peer that answers the project's Cypher with rows computed from the RDF store.

No Neo4j server can run here. This peer speaks enough Bolt 4.4 (HELLO, BEGIN, RUN, PULL with
``has_more``, COMMIT, ROLLBACK, RESET, GOODBYE, PackStream values) for the official driver to run
managed read transactions against it, and answers each statement it is sent by name:

* a page twin ``X.cypher`` / ``X.<bound>.cypher``: the rows of ``X.rq`` on the embedded store, with the
  statement's parameters bound as IRIs (the columns of ``X.rq``, which the twin returns by contract);
* ``sync_state.cypher``, ``stats_labels.cypher``, ``stats_types.cypher``, ``stats_quads.cypher``: what
  ``kg sync neo4j`` would have recorded, from the sync's own mapping (``kg.propertygraph``, ``kg.sync``).

So a test can serve the whole app from ``bolt://…`` and check everything between the HTTP request and
the Bolt wire: which Cypher file each page runs, with which parameters, how the driver's records come
back, and the page assembly. What it cannot check is what a real Neo4j makes of the Cypher text: that
is the linter's part (tests/test_cypher_lint.py) and the contract suite's against a live server.
"""

from __future__ import annotations

import socket
import struct
from collections import Counter
from collections.abc import Callable
from typing import Any

import pyoxigraph
from boltpeers import _Peer
from pyoxigraph import NamedNode

from kg import propertygraph, queries
from kg.store.neo4j import cypher_stem
from kg.store.oxigraph import py
from kg.sync import graph_states

Rows = tuple[list[str], list[list[Any]]]


# -- PackStream -------------------------------------------------------------------------------------
def pack(value: Any) -> bytes:
    if value is None:
        return b"\xc0"
    if value is True:
        return b"\xc3"
    if value is False:
        return b"\xc2"
    if isinstance(value, int):
        if -16 <= value < 128:
            return struct.pack(">b", value)
        return b"\xcb" + struct.pack(">q", value)
    if isinstance(value, float):
        return b"\xc1" + struct.pack(">d", value)
    if isinstance(value, str):
        data = value.encode("utf-8")
        return _sized(len(data), 0x80, b"\xd0", b"\xd1", b"\xd2") + data
    if isinstance(value, list | tuple):
        return _sized(len(value), 0x90, b"\xd4", b"\xd5", b"\xd6") + b"".join(pack(v) for v in value)
    if isinstance(value, dict):
        body = b"".join(pack(str(k)) + pack(v) for k, v in value.items())
        return _sized(len(value), 0xA0, b"\xd8", b"\xd9", b"\xda") + body
    raise TypeError(f"cannot pack {type(value).__name__}")


def _sized(n: int, tiny: int, m8: bytes, m16: bytes, m32: bytes) -> bytes:
    if n < 16:
        return bytes([tiny + n])
    if n < 256:
        return m8 + bytes([n])
    if n < 65536:
        return m16 + struct.pack(">H", n)
    return m32 + struct.pack(">I", n)


class Unpacker:
    def __init__(self, data: bytes):
        self.data, self.i = data, 0

    def take(self, n: int) -> bytes:
        out = self.data[self.i : self.i + n]
        self.i += n
        return out

    def value(self) -> Any:
        m = self.take(1)[0]
        if m < 0x80:
            return m
        if m >= 0xF0:
            return m - 0x100
        hi = m & 0xF0
        if hi == 0x80:
            return self.take(m & 0x0F).decode("utf-8")
        if hi == 0x90:
            return [self.value() for _ in range(m & 0x0F)]
        if hi == 0xA0:
            return self._map(m & 0x0F)
        if hi == 0xB0:
            return ("struct", self.take(1)[0], [self.value() for _ in range(m & 0x0F)])
        simple = {0xC0: None, 0xC2: False, 0xC3: True}
        if m in simple:
            return simple[m]
        if m == 0xC1:
            return struct.unpack(">d", self.take(8))[0]
        ints = {0xC8: ">b", 0xC9: ">h", 0xCA: ">i", 0xCB: ">q"}
        if m in ints:
            fmt = ints[m]
            return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]
        sizes = {0xD0: ">B", 0xD1: ">H", 0xD2: ">I", 0xD4: ">B", 0xD5: ">H", 0xD6: ">I", 0xD8: ">B", 0xD9: ">H",
                 0xDA: ">I"}
        if m in sizes:
            fmt = sizes[m]
            n = struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]
            if m <= 0xD2:
                return self.take(n).decode("utf-8")
            if m <= 0xD6:
                return [self.value() for _ in range(n)]
            return self._map(n)
        raise ValueError(f"unknown PackStream marker {m:#x}")

    def _map(self, n: int) -> dict[str, Any]:
        out = {}
        for _ in range(n):
            k = self.value()
            out[k] = self.value()
        return out


def message(tag: int, *fields: Any) -> bytes:
    body = bytes([0xB0 + len(fields), tag]) + b"".join(pack(f) for f in fields)
    chunks = b"".join(
        struct.pack(">H", len(body[i : i + 65535])) + body[i : i + 65535] for i in range(0, len(body), 65535)
    )
    return chunks + b"\x00\x00"


SUCCESS, RECORD, FAILURE = 0x70, 0x71, 0x7F


def _read_exact(conn: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise ConnectionError("peer closed")
        data += chunk
    return data


def _read_message(conn: socket.socket) -> tuple[int, list[Any]]:
    body = b""
    while True:
        (size,) = struct.unpack(">H", _read_exact(conn, 2))
        if size == 0:
            break
        body += _read_exact(conn, size)
    kind, tag, fields = Unpacker(body).value()
    assert kind == "struct"
    return tag, fields


# -- the peer ---------------------------------------------------------------------------------------
class ReplayPeer(_Peer):
    """Listens on 127.0.0.1; ``answer(query text, parameters)`` gives ``(fields, rows)`` or raises."""

    def __init__(self, answer: Callable[[str, dict[str, Any]], Rows]):
        self.answer = answer
        self.ran: list[tuple[str, dict[str, Any]]] = []  # (query text, parameters), as received
        self.failures: list[str] = []
        super().__init__()

    def handle(self, conn: socket.socket) -> None:
        pending: list[list[Any]] = []
        failed = False
        try:
            conn.settimeout(60)
            _read_exact(conn, 20)  # magic preamble + four version proposals
            conn.sendall(b"\x00\x00\x04\x04")  # Bolt 4.4
            while not self._stop.is_set():
                tag, fields = _read_message(conn)
                if tag == 0x02:  # GOODBYE
                    return
                if failed and tag not in (0x0F, 0x13):  # after a FAILURE, ignore until RESET / ROLLBACK
                    conn.sendall(message(0x7E))  # IGNORED
                    continue
                if tag == 0x01:  # HELLO
                    conn.sendall(message(SUCCESS, {"server": "Neo4j/5.26.0", "connection_id": "bolt-replay"}))
                elif tag == 0x10:  # RUN query, parameters, extra
                    query, parameters = fields[0], fields[1]
                    self.ran.append((query, parameters))
                    try:
                        names, rows = self.answer(query, parameters)
                    except Exception as exc:  # told to the driver as Neo4j would, and kept for the test
                        self.failures.append(f"{type(exc).__name__}: {exc}")
                        failed = True
                        conn.sendall(message(FAILURE, {"code": "Neo.ClientError.Statement.SyntaxError",
                                                       "message": str(exc)}))
                        continue
                    pending = list(rows)
                    conn.sendall(message(SUCCESS, {"fields": names, "t_first": 0, "qid": 0}))
                elif tag == 0x3F:  # PULL {n, qid}
                    n = fields[0].get("n", -1) if fields else -1
                    batch, pending = (pending, []) if n < 0 else (pending[:n], pending[n:])
                    out = b"".join(message(RECORD, row) for row in batch)
                    done = {"has_more": True} if pending else {"has_more": False, "type": "r", "t_last": 0}
                    conn.sendall(out + message(SUCCESS, done))
                elif tag == 0x2F:  # DISCARD
                    pending = []
                    conn.sendall(message(SUCCESS, {"has_more": False}))
                elif tag == 0x12:  # COMMIT
                    conn.sendall(message(SUCCESS, {"bookmark": "replay:1"}))
                else:  # BEGIN, ROLLBACK, RESET, ROUTE-less others
                    failed = False
                    pending = []
                    conn.sendall(message(SUCCESS, {}))
        except (ConnectionError, OSError, struct.error):
            pass
        finally:
            conn.close()


# -- what it answers --------------------------------------------------------------------------------
class RdfAnswers:
    """Answers to the project's Cypher files, from an RDF store (what a synced Neo4j would return)."""

    def __init__(self, store: pyoxigraph.Store):
        self.store = store
        self.by_text = {queries.load(n): n for n in queries.names(".cypher")}
        self.rq = set(queries.names(".rq"))
        self.names_run: Counter[str] = Counter()
        self._counts: tuple[Counter[str], Counter[str]] | None = None

    def __call__(self, text: str, parameters: dict[str, Any]) -> Rows:
        name = self.by_text.get(text)
        if name is None:
            raise ValueError("not a statement of kg/queries/*.cypher")
        declared = queries.cypher_parameters(name)
        if set(parameters) != declared:
            raise ValueError(f"{name} declares {sorted(declared)} but was sent {sorted(parameters)}")
        self.names_run[name] += 1
        special = getattr(self, "_" + name.removesuffix(".cypher"), None)
        if special:
            return special()
        rq = cypher_stem(name) + ".rq"
        if rq not in self.rq:
            raise ValueError(f"{name} is not a read query this peer answers")
        result = self.store.query(
            queries.load(rq),
            substitutions={pyoxigraph.Variable(k): NamedNode(v) for k, v in parameters.items()},
            use_default_graph_as_union=True,
        )
        names = [v.value for v in result.variables]
        return names, [[py(solution[n]) for n in names] for solution in result]

    def _sync_state(self) -> Rows:
        states = graph_states(self.store)
        return ["graph", "hash"], [[g, s.hash] for g, s in sorted(states.items())]

    def _stats_quads(self) -> Rows:
        states = graph_states(self.store)
        return ["quads", "graphs"], [[sum(s.quads for s in states.values()), len(states)]]

    def _graph(self) -> tuple[Counter[str], Counter[str]]:
        """Nodes per label and relationships per type of the property graph the sync writes (computed once)."""
        if self._counts is None:
            labels: Counter[str] = Counter()
            types: Counter[str] = Counter()
            for node, rels in propertygraph.iter_graph(self.store):
                labels.update(node.labels)
                types.update(r.type for r in rels)
            self._counts = labels, types
        return self._counts

    def _stats_labels(self) -> Rows:
        return ["label", "n"], [[k, v] for k, v in sorted(self._graph()[0].items())]

    def _stats_types(self) -> Rows:
        return ["type", "n"], [[k, v] for k, v in sorted(self._graph()[1].items())]

