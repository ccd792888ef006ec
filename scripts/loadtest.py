#!/usr/bin/env python3
"""Load test: a realistic mix against gunicorn on 127.0.0.1, from this (second) process.

    .venv/bin/python scripts/loadtest.py                 # 5 minutes, the sample store
    .venv/bin/python scripts/loadtest.py --quick         # 40 s, memory at 10 s and at the end
    .venv/bin/python scripts/loadtest.py --duration 120 --users 12 --store .kg

It builds the bundled sample into a temporary store (unless ``--store``), starts gunicorn as the
README's *Production* section recommends (``-w 2 --threads 8``, ``KG_SPARQL_QUOTA`` set above what the
load sends, so the quota is counted on every query but never reached: the load comes from one
address), and sends requests at ``--rate`` per second (open loop: Poisson arrivals, handled by up to
``--users`` keep-alive clients; a request's latency counts from its arrival, so queueing shows) or,
with ``--rate 0``, from ``--users`` closed-loop clients with no think time (saturation), over:

    review page 15 % · term API 25 % · term card 20 % · term page 5 % · annotate (40 KB HTML) 10 %
    · graph API 10 % · simple SPARQL 15 %

while one expensive SPARQL query (a cross product that never finishes) is sent every
``--expensive-every`` seconds; it is expected to be cut at ``KG_SPARQL_TIMEOUT`` (504) and is not an
error. Output, one JSON line each: throughput, latency p50/p95/p99 per endpoint (whole run, first
and last minute), errors, the resident memory (RSS) of the gunicorn workers and of their SPARQL
worker processes at minute 1 and at the end, and the targets: zero errors, flat memory, term lookups
p95 < 100 ms. Numbers depend on the machine, and on what else runs on it.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIX = [  # (endpoint name, weight)
    ("review_page", 15),
    ("term_api", 25),
    ("term_card", 20),
    ("term_page", 5),
    ("annotate_40kb", 10),
    ("graph_api", 10),
    ("sparql_simple", 15),
]
TERM_LOOKUPS = ("term_api", "term_card")
EXPENSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
SIMPLE = "SELECT ?label WHERE {{ <https://paperdive.ai/id/term/{slug}> skos:prefLabel ?label }}"


def emit(**fields) -> None:
    print(json.dumps(fields), flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return round(ordered[k], 2)


# -- processes and memory ----------------------------------------------------------------------------


def children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    out.append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    return sorted(out)


def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def memory(master: int) -> dict:
    workers = children(master)
    pools = {w: children(w) for w in workers}
    return {
        "gunicorn_workers_mb": [round(rss_mb(w), 1) for w in workers],
        "sparql_workers_mb": [round(rss_mb(p), 1) for w in workers for p in pools[w]],
        "master_mb": round(rss_mb(master), 1),
    }


# -- the load ------------------------------------------------------------------------------------------


class Client:
    """One keep-alive connection; a request returns (status, milliseconds)."""

    def __init__(self, port: int):
        self.port = port
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
                timeout: float = 60) -> tuple[int, float]:
        started = time.perf_counter()
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                resp = self.conn.getresponse()
                resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return resp.status, (time.perf_counter() - started) * 1000
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # a keep-alive connection the server closed meanwhile: one fresh try, timed from the start
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


class Load:
    def __init__(self, port: int, slugs: list[str], page: str, seed: int):
        self.port = port
        self.slugs = slugs
        self.annotate_body = json.dumps({"html": page, "first_only": "section"}).encode()
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.samples: list[tuple[float, str, int, float]] = []  # (time since start, endpoint, status, ms)
        self.failures: list[str] = []
        self.expensive: list[tuple[float, int, float]] = []
        self.stop = threading.Event()
        self.t0 = 0.0
        self.queue: queue.Queue[float] | None = None

    def one(self, client: Client, rng: random.Random) -> tuple[str, int, float]:
        names, weights = zip(*MIX, strict=True)
        name = rng.choices(names, weights)[0]
        slug = rng.choice(self.slugs)
        if name == "review_page":
            return name, *client.request("GET", "/reviews/2026-06-28")
        if name == "term_api":
            return name, *client.request("GET", f"/api/terms/{slug}")
        if name == "term_card":
            return name, *client.request("GET", f"/api/terms/{slug}/card")
        if name == "term_page":
            return name, *client.request("GET", f"/terms/{slug}")
        if name == "annotate_40kb":
            return name, *client.request("POST", "/api/annotate", self.annotate_body,
                                         {"Content-Type": "application/json"})
        if name == "graph_api":
            return name, *client.request("GET", "/api/graph?" + urllib.parse.urlencode({"focus": f"term/{slug}"}))
        q = urllib.parse.urlencode({"query": SIMPLE.format(slug=slug)})
        return name, *client.request("GET", f"/sparql?{q}", headers={"Accept": "application/sparql-results+json"})

    def arrivals(self, rate: float, seed: int) -> None:
        """Open loop: requests arrive at ``rate`` per second (Poisson), whether or not earlier ones are done."""
        rng = random.Random(seed)
        due = time.perf_counter()
        while not self.stop.is_set():
            due += rng.expovariate(rate)
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            self.queue.put(due)

    def user(self, seed: int) -> None:
        rng = random.Random(seed)
        client = Client(self.port)
        while not self.stop.is_set():
            due = None
            if self.queue is not None:  # open loop: wait for the next arrival
                try:
                    due = self.queue.get(timeout=0.2)
                except queue.Empty:
                    continue
            at = time.perf_counter() - self.t0
            try:
                name, status, ms = self.one(client, rng)
                if due is not None:  # from when the request arrived, so time spent queued counts too
                    ms += (self.t0 + at - due) * 1000
            except Exception as exc:  # a connection error is an error of the run
                with self.lock:
                    self.failures.append(f"{type(exc).__name__}: {exc}")
                    self.samples.append((at, "connection", 0, 0.0))
                client = Client(self.port)
                continue
            with self.lock:
                self.samples.append((at, name, status, ms))

    def expensive_loop(self, every: float) -> None:
        q = urllib.parse.urlencode({"query": EXPENSIVE})
        next_at = time.perf_counter() + 2
        while not self.stop.is_set():
            if time.perf_counter() < next_at:
                time.sleep(0.05)
                continue
            next_at += every
            at = time.perf_counter() - self.t0
            threading.Thread(target=self._expensive, args=(at, q), daemon=True).start()

    def _expensive(self, at: float, q: str) -> None:
        try:
            status, ms = Client(self.port).request("GET", f"/sparql?{q}", timeout=120)
        except Exception:
            status, ms = 0, 0.0
        with self.lock:
            self.expensive.append((at, status, ms))


def stats(samples, lo: float, hi: float) -> dict[str, dict]:
    by: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    for at, name, status, ms in samples:
        if lo <= at < hi:
            if status in (200, 304):
                by[name].append(ms)
            else:
                errors[name] += 1
    out = {}
    for name in {n for n, _ in MIX} | set(errors):
        values = by.get(name, [])
        out[name] = {"count": len(values) + errors.get(name, 0), "errors": errors.get(name, 0),
                     "p50": percentile(values, 50), "p95": percentile(values, 95), "p99": percentile(values, 99)}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=300, help="seconds of load (default 300)")
    ap.add_argument("--quick", action="store_true", help="40 s of load, memory at 10 s and at the end")
    ap.add_argument("--rate", type=float, default=40,
                    help="requests per second, arriving at random (Poisson) whether or not earlier ones are "
                         "done (default 40); 0: closed loop, every client sends its next request at once")
    ap.add_argument("--users", type=int, default=16, help="concurrent clients (default 16)")
    ap.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    ap.add_argument("--threads", type=int, default=8, help="gunicorn threads per worker (default 8)")
    ap.add_argument("--expensive-every", type=float, default=10, help="seconds between expensive queries")
    ap.add_argument("--sparql-timeout", type=float, default=10, help="KG_SPARQL_TIMEOUT for the server")
    ap.add_argument("--sparql-quota", default="100000/minute", help="KG_SPARQL_QUOTA for the server")
    ap.add_argument("--store", help="a built store (default: the bundled sample, built into a temp dir)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    duration = 40.0 if args.quick else args.duration
    first_mark = 10.0 if args.quick else min(60.0, duration)

    tmp = Path(tempfile.mkdtemp(prefix="kg-loadtest-"))
    store = args.store or str(tmp / "kg")
    if not args.store:
        subprocess.run([sys.executable, "-m", "kg", "build", "--store", store], check=True, capture_output=True,
                       cwd=ROOT)
    port = free_port()
    env = {**os.environ, "KG_STORE": store, "KG_SPARQL_QUOTA": args.sparql_quota,
           "KG_SPARQL_TIMEOUT": str(args.sparql_timeout), "KG_SECRET_KEY": "loadtest"}
    log = open(tmp / "gunicorn.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(args.workers), "--threads", str(args.threads),
         "-b", f"127.0.0.1:{port}", "--graceful-timeout", "5", "kgweb:create_app()"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.time() + 60
        while True:
            try:
                if Client(port).request("GET", "/api/stats", timeout=5)[0] == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None or time.time() > deadline:
                raise SystemExit(f"gunicorn did not start:\n{(tmp / 'gunicorn.log').read_text()[-3000:]}")
            time.sleep(0.2)
        warm = Client(port)
        slugs = [t["slug"] for t in json.loads(_get(warm, "/api/terms"))["terms"]]
        page = _get(warm, "/reviews/2026-06-28")
        page = page[page.index("<main"):][:40_000]  # a 40 KB page of real review HTML
        for path in ("/reviews/2026-06-28", f"/api/terms/{slugs[0]}", "/api/graph?focus=term/" + slugs[0]):
            for _ in range(4):  # every worker has its linker, caches and SPARQL pool up before the clock starts
                _get(warm, path)
        emit(name="loadtest.setup", port=port, workers=args.workers, threads=args.threads, users=args.users,
             mode=f"open loop, {args.rate:g} req/s" if args.rate else "closed loop (saturation)",
             duration_s=duration, terms=len(slugs), annotate_bytes=len(page.encode()),
             sparql_quota=args.sparql_quota, sparql_timeout_s=args.sparql_timeout, cpus=os.cpu_count(),
             load_average=os.getloadavg())

        load = Load(port, slugs, page, args.seed)
        load.t0 = time.perf_counter()
        threads = [threading.Thread(target=load.user, args=(args.seed * 1000 + i,), daemon=True)
                   for i in range(args.users)]
        if args.rate:
            load.queue = queue.Queue()
            threads.append(threading.Thread(target=load.arrivals, args=(args.rate, args.seed), daemon=True))
        threads.append(threading.Thread(target=load.expensive_loop, args=(args.expensive_every,), daemon=True))
        for t in threads:
            t.start()
        time.sleep(first_mark)
        mem_first = memory(server.pid)
        emit(name="loadtest.memory", at_s=round(time.perf_counter() - load.t0, 1), unit="MB", **mem_first)
        remaining = duration - (time.perf_counter() - load.t0)
        if remaining > 0:
            time.sleep(remaining)
        mem_last = memory(server.pid)
        emit(name="loadtest.memory", at_s=round(time.perf_counter() - load.t0, 1), unit="MB", **mem_last)
        load.stop.set()
        for t in threads:
            t.join(timeout=args.sparql_timeout + 30)
        elapsed = duration
        with load.lock:
            samples = list(load.samples)
            expensive = list(load.expensive)
            failures = list(load.failures)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()

    total = len([s for s in samples if s[0] < elapsed])
    errors = sum(1 for at, _, status, _ in samples if at < elapsed and status not in (200, 304))
    emit(name="loadtest.throughput", value=round(total / elapsed, 1), unit="req/s", requests=total,
         seconds=elapsed, baseline={"guide: gunicorn 2 sync workers, fixed 1 KB JSON": "~3,300 req/s"})
    emit(name="loadtest.errors", value=errors, unit="requests", target=0, examples=failures[:5])
    windows = {"run": (0, elapsed), "first_minute": (0, min(60.0, elapsed)),
               "last_minute": (max(0.0, elapsed - 60), elapsed)}
    per = {w: stats(samples, lo, hi) for w, (lo, hi) in windows.items()}
    for name, _ in MIX:
        for w in windows:
            s = per[w][name]
            emit(name=f"loadtest.latency.{name}", window=w, unit="ms", value=s["p95"], p50=s["p50"], p95=s["p95"],
                 p99=s["p99"], count=s["count"], errors=s["errors"],
                 **({"target_p95_ms": 100} if name in TERM_LOOKUPS else {}))
    cut = [e for e in expensive if e[1] in (503, 504)]
    emit(name="loadtest.expensive_sparql", value=len(expensive), unit="queries", cut_504_or_503=len(cut),
         statuses=sorted({e[1] for e in expensive}), every_s=args.expensive_every,
         median_ms=percentile([e[2] for e in expensive], 50))
    before = sum(mem_first["gunicorn_workers_mb"]) + sum(mem_first["sparql_workers_mb"])
    after = sum(mem_last["gunicorn_workers_mb"]) + sum(mem_last["sparql_workers_mb"])
    growth = (after - before) / before * 100 if before else 0.0
    term_p95 = max((per["run"][n]["p95"] or 0) for n in TERM_LOOKUPS)
    targets = {
        "zero_errors": errors == 0,
        "flat_memory": growth < 10,
        "term_lookup_p95_under_100ms": term_p95 < 100,
    }
    emit(name="loadtest.targets", ok=all(targets.values()), **targets, memory_growth_percent=round(growth, 1),
         memory_mb={"first": round(before, 1), "last": round(after, 1)}, term_lookup_p95_ms=term_p95,
         load_average_after=os.getloadavg())
    shutil.rmtree(tmp, ignore_errors=True)
    return 0 if all(targets.values()) else 1


def _get(client: Client, path: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", client.port, timeout=60)
    conn.request("GET", path)
    resp = conn.getresponse()
    body = resp.read().decode()
    conn.close()
    if resp.status != 200:
        raise SystemExit(f"GET {path}: {resp.status}")
    return body


if __name__ == "__main__":
    sys.exit(main())
