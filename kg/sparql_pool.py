"""SPARQL queries in a small pool of worker processes that can be killed.

pyoxigraph has no query timeout or cancel, and a hostile query can crash the
process running it. So user queries never run in the app's process: each runs
in a worker process that

* opens the published generation read-only (``Store.read_only``) and reopens
  when a newer one is published, so it follows ``kg build``/``kg ingest``;
* caps results at ``max_rows`` and serialises them itself, so the parent only
  copies bytes;
* has no network where the kernel allows it (a fresh network namespace) - a
  second wall behind :mod:`kg.sparql_guard`, which refuses ``SERVICE`` and
  ``LOAD`` before any query runs;
* runs at a lower CPU priority (``nice`` 10), may be limited in memory
  (``RLIMIT_AS``), and dies with its parent.

The parent waits at most ``timeout`` seconds for an answer; then it kills the
worker (SIGKILL) and starts a fresh one. Waiting happens in the calling thread
only, so the rest of the app keeps serving. No Flask here.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from kg.sparql_guard import DEFAULT_PREFIXES, QueryRefused

log = logging.getLogger("kg.sparql")

# format name -> media type, for SELECT/ASK results and for CONSTRUCT/DESCRIBE graphs
RESULT_FORMATS: dict[str, str] = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPH_FORMATS: dict[str, str] = {
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "rdfxml": "application/rdf+xml",
    "jsonld": "application/ld+json",
}


@dataclass
class Job:
    query: str
    results_format: str | None = "json"  # None: the client accepts no results format (406 for SELECT/ASK)
    graph_format: str | None = "ttl"  # None: the client accepts no graph format (406 for CONSTRUCT/DESCRIBE)
    max_rows: int = 10000
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)


@dataclass
class Answer:
    kind: str  # "solutions" | "boolean" | "graph"
    body: bytes
    format: str
    media_type: str
    truncated: bool
    count: int
    generation: str
    elapsed_ms: float


# -- inside a worker ---------------------------------------------------------------


def _isolate_network() -> str:
    """Move this (single-threaded, just started) process into an empty network namespace."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return "unavailable"
    clone_newnet, clone_newuser = 0x40000000, 0x10000000
    for flags in (clone_newnet, clone_newnet | clone_newuser):  # root needs no user namespace
        if libc.unshare(flags) == 0:
            return "isolated"
    return "unavailable: " + os.strerror(ctypes.get_errno())


def _die_with_parent() -> None:
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)


def _lower_priority(steps: int = 10) -> None:
    """Yield the CPU to the app: a query that burns a core for its whole time limit must not slow page loads."""
    with contextlib.suppress(OSError):
        os.nice(steps)


def _limit_memory(max_mb: int) -> None:
    if max_mb > 0:
        import resource

        limit = max_mb * 1024 * 1024
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _term_json(term: Any) -> dict[str, Any]:
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": _term_json(term.subject),
                "predicate": _term_json(term.predicate),
                "object": _term_json(term.object),
            },
        }
    out: dict[str, Any] = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
        direction = getattr(term, "direction", None)
        if direction is not None:
            out["its:dir"] = str(direction.name if hasattr(direction, "name") else direction).lower()
    elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        out["datatype"] = term.datatype.value
    return out


def _run_job(store: Any, job: Job, generation: str) -> Answer:
    import pyoxigraph as ox

    started = time.perf_counter()
    kwargs: dict[str, Any] = {"prefixes": DEFAULT_PREFIXES}
    if job.default_graphs or job.named_graphs:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs] or None
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs] or None
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
    else:
        kwargs["use_default_graph_as_union"] = True
    result = store.query(job.query, **kwargs)
    truncated = False
    if isinstance(result, ox.QueryBoolean):
        fmt = _need(job.results_format, "an ASK query's boolean")
        value = bool(result)
        if fmt == "json":
            body = json.dumps({"head": {}, "boolean": value}).encode()
        else:
            body = result.serialize(format=_results_format(fmt))
        kind, count = "boolean", 1
    elif isinstance(result, ox.QuerySolutions):
        fmt = _need(job.results_format, "a SELECT query's results")
        names = [v.value for v in result.variables]
        bindings = []
        for solution in result:
            if len(bindings) >= job.max_rows:
                truncated = True
                break
            row = {}
            for n in names:
                term = solution[n]
                if term is not None:
                    row[n] = _term_json(term)
            bindings.append(row)
        doc = {"head": {"vars": names}, "results": {"bindings": bindings}}
        body = json.dumps(doc, ensure_ascii=False).encode()
        if fmt != "json":
            # pyoxigraph's own writers for XML/CSV/TSV, fed the capped rows back
            parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
            body = parsed.serialize(format=_results_format(fmt))
        else:
            # "truncated" goes first: pyoxigraph's (streaming) reader refuses members after "results"
            body = json.dumps({"truncated": truncated, **doc}, ensure_ascii=False).encode()
        kind, count = "solutions", len(bindings)
    else:
        fmt = _need(job.graph_format, "a CONSTRUCT or DESCRIBE query's graph")
        triples = []
        for triple in result:
            if len(triples) >= job.max_rows:
                truncated = True
                break
            triples.append(triple)
        rdf_format = {
            "ttl": ox.RdfFormat.TURTLE,
            "nt": ox.RdfFormat.N_TRIPLES,
            "rdfxml": ox.RdfFormat.RDF_XML,
            "jsonld": ox.RdfFormat.JSON_LD,
        }[fmt]
        prefixes = {k: v for k, v in DEFAULT_PREFIXES.items() if k != "id"} if fmt in ("ttl", "rdfxml") else None
        body = (
            ox.serialize(triples, format=rdf_format, prefixes=prefixes)
            if prefixes
            else ox.serialize(triples, format=rdf_format)
        )
        kind, count = "graph", len(triples)
    media = (GRAPH_FORMATS if kind == "graph" else RESULT_FORMATS)[fmt]
    return Answer(
        kind=kind,
        body=body,
        format=fmt,
        media_type=media,
        truncated=truncated,
        count=count,
        generation=generation,
        elapsed_ms=round((time.perf_counter() - started) * 1000, 2),
    )


def _need(fmt: str | None, what: str) -> str:
    if fmt is None:
        raise QueryRefused(406, "not_acceptable", f"none of the formats in the Accept header can carry {what}")
    return fmt


def _results_format(fmt: str) -> Any:
    import pyoxigraph as ox

    return {"xml": ox.QueryResultsFormat.XML, "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}[fmt]


def worker_main(conn: Connection, root: str, isolate: bool, max_memory_mb: int) -> None:
    """The loop of one worker process: receive a Job, send back ("ok", Answer) or an error tuple."""
    _die_with_parent()
    network = _isolate_network() if isolate else "not isolated"
    _limit_memory(max_memory_mb)
    _lower_priority()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the app; it stops us
    import pyoxigraph as ox

    from kg.store.generations import current_generation

    conn.send(("ready", {"pid": os.getpid(), "network": network}))
    store = None
    opened: Path | None = None
    while True:
        try:
            job = conn.recv()
            conn.send(("started", None))  # the parent now knows a failure from here on is this job's
        except (EOFError, OSError):
            return
        try:
            gen = current_generation(root)
            if gen is None:
                raise QueryRefused(503, "no_graph", "no graph has been published yet; run `kg build`")
            if gen != opened or store is None:
                store = ox.Store.read_only(str(gen))
                opened = gen
            conn.send(("ok", _run_job(store, job, gen.name)))
        except QueryRefused as exc:
            conn.send(("refused", (exc.status, exc.code, exc.message)))
        except SyntaxError as exc:
            conn.send(("refused", (400, "sparql_syntax", str(exc))))
        except MemoryError:
            conn.send(("refused", (503, "query_too_large", "the query needed more memory than a worker may use")))
        except Exception as exc:  # noqa: BLE001 - anything the engine raises is the query's failure, not ours
            conn.send(("refused", (400, "query_failed", f"{type(exc).__name__}: {exc}")))


# -- in the app ----------------------------------------------------------------------


class _Worker:
    def __init__(self, ctx: Any, root: str, isolate: bool, max_memory_mb: int):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(
            target=worker_main, args=(child, root, isolate, max_memory_mb), daemon=True, name="kg-sparql-worker"
        )
        self.proc.start()
        child.close()
        self.info: dict[str, Any] | None = None

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.proc.kill()
        self.proc.join(5)
        with contextlib.suppress(Exception):
            self.conn.close()
        with contextlib.suppress(Exception):
            self.proc.close()


def _why(exitcode: int | None) -> str:
    if exitcode == -signal.SIGSEGV:
        return "signal 11, a crash: very deep nesting does this"
    if exitcode == -signal.SIGABRT:
        return "signal 6, an abort: usually out of memory (KG_SPARQL_MAX_MEMORY)"
    if exitcode == -signal.SIGKILL:
        return "signal 9: killed, e.g. by the kernel for using too much memory"
    if exitcode is not None and exitcode < 0:
        return f"signal {-exitcode}"
    return f"exit code {exitcode}"


class WorkerPool:
    """A fixed number of worker processes; ``run`` borrows one for one query."""

    def __init__(
        self,
        root: str | Path,
        size: int = 2,
        *,
        isolate_network: bool = True,
        max_memory_mb: int = 0,
        start_timeout: float = 30.0,
    ):
        self.root = str(root)
        self.size = max(1, size)
        self.isolate = isolate_network
        self.max_memory_mb = max_memory_mb
        self.start_timeout = start_timeout
        # forkserver: workers are forked from a small single-threaded server process, not from the app's
        # request threads, so "die with parent" follows that server, which exits with the app.
        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        self._ctx = multiprocessing.get_context(method)
        if method == "forkserver":
            self._ctx.set_forkserver_preload(["kg.sparql_pool"])
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._closed = False
        self.started = 0
        self.killed = 0
        for _ in range(self.size):
            self._idle.put(self._new_worker())

    def _new_worker(self) -> _Worker:
        with self._lock:
            self.started += 1
        return _Worker(self._ctx, self.root, self.isolate, self.max_memory_mb)

    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self.killed += 1
        if not self._closed:
            self._idle.put(self._new_worker())

    def _ready(self, worker: _Worker, deadline: float) -> None:
        """Wait for a fresh worker's hello (it imports pyoxigraph first)."""
        if worker.info is not None:
            return
        if not worker.conn.poll(max(0.0, deadline - time.monotonic())):
            raise TimeoutError("worker did not start")
        tag, info = worker.conn.recv()
        assert tag == "ready", tag
        worker.info = info
        if not str(info.get("network", "")).startswith("isolated"):
            log.warning("SPARQL worker %s runs without network isolation (%s)", info["pid"], info["network"])

    def run(self, job: Job, timeout: float, wait: float | None = None) -> Answer:
        """Run one job; raise :class:`QueryRefused` for every failure (busy, timeout, crash, bad query).

        ``wait``: how long to wait for a free worker (default: ``timeout``). A worker found dead
        before it took the job (killed from outside while idle) is replaced and the job tried once more.
        """
        if self._closed:
            raise QueryRefused(503, "sparql_unavailable", "the SPARQL worker pool is shut down")
        for attempt in (1, 2):
            try:
                worker = self._idle.get(timeout=timeout if wait is None else wait)
            except queue.Empty:
                raise QueryRefused(
                    503, "sparql_busy", f"all {self.size} SPARQL workers are busy; try again shortly"
                ) from None
            sent = False
            try:
                self._ready(worker, time.monotonic() + self.start_timeout)
                started = time.monotonic()
                worker.conn.send(job)
                if not worker.conn.poll(timeout):
                    raise TimeoutError("the worker did not take the job")
                tag, _ = worker.conn.recv()  # ("started", None): EOF before it means it was dead already
                assert tag == "started", tag
                sent = True
                if not worker.conn.poll(max(0.0, timeout - (time.monotonic() - started))):
                    log.warning("SPARQL query killed after %.1f s: %.200r", timeout, job.query)
                    self._replace(worker)
                    worker = None
                    raise QueryRefused(
                        504,
                        "query_timeout",
                        f"the query ran longer than {timeout:g} s and was stopped (KG_SPARQL_TIMEOUT); "
                        "narrow it down or add a LIMIT",
                    )
                tag, payload = worker.conn.recv()
            except (EOFError, OSError, TimeoutError):
                assert worker is not None
                worker.proc.join(2)
                code = worker.proc.exitcode
                self._replace(worker)
                worker = None
                if not sent and attempt == 1:
                    continue  # it died idle, not of this query: try a fresh one
                raise QueryRefused(
                    503, "worker_crashed", f"the query crashed the worker running it ({_why(code)}); it was replaced"
                ) from None
            finally:
                if worker is not None:
                    self._idle.put(worker)
            if tag == "ok":
                return payload
            status, code, message = payload
            raise QueryRefused(status, code, message)
        raise AssertionError("unreachable")

    def warm(self, timeout: float | None = None) -> list[dict[str, Any]]:
        """Wait until every idle worker has started; return their hello info (pid, network)."""
        deadline = time.monotonic() + (timeout or self.start_timeout)
        taken: list[_Worker] = []
        try:
            for _ in range(self.size):
                w = self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
                taken.append(w)
                self._ready(w, deadline)
        finally:
            for w in taken:
                self._idle.put(w)
        return [w.info or {} for w in taken]

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().kill()
            except queue.Empty:
                break
