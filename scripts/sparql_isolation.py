"""Does a hostile SPARQL query slow the rest of the app? Measured against gunicorn on 127.0.0.1.

Usage::

    .venv/bin/python scripts/sparql_isolation.py [--store DIR] [--requests 300] [--timeout 4]

Builds the bundled sample into a temp store unless ``--store`` is given, starts
``gunicorn -w 2 --threads 8`` on a free loopback port, and measures, one JSON
line per metric:

* term API latency (``/api/terms/<slug>``, sequential requests): p50/p95/p99 with
  no SPARQL load (the baseline), then while expensive queries (a four-way cross
  product) keep every SPARQL worker busy and are killed at the time limit;
* a cheap SPARQL query's latency (the pool's overhead), baseline a term lookup;
* how soon a killed worker's replacement answers (timeout -> next 200).

Every request loop is bounded; the script stops the server when done.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXPENSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
CHEAP = "SELECT ?l WHERE { <https://paperdive.ai/id/term/token> skos:prefLabel ?l }"


def get(url: str, timeout: float = 60) -> tuple[int, float]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            resp.read()
            status = resp.status
    except urllib.error.HTTPError as err:
        err.read()
        status = err.code
    return status, (time.perf_counter() - started) * 1000


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))], 2)


def emit(name: str, value: float, unit: str, **baseline: float) -> None:
    print(json.dumps({"name": name, "value": value, "unit": unit, "baseline": baseline}), flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", help="a built store (default: build the sample into a temp dir)")
    ap.add_argument("--requests", type=int, default=300, help="term lookups per phase")
    ap.add_argument("--timeout", type=float, default=4.0, help="KG_SPARQL_TIMEOUT for the server")
    args = ap.parse_args()

    tmp = tempfile.TemporaryDirectory(prefix="kg-sparql-bench-")
    store = Path(args.store) if args.store else Path(tmp.name) / "kg"
    if not args.store:
        subprocess.run([sys.executable, "-m", "kg", "build", "--store", str(store)], check=True, capture_output=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "KG_STORE": str(store),
        "KG_SPARQL_TIMEOUT": str(args.timeout),
        "KG_SPARQL_QUOTA": "0",
        "KG_SPARQL_WORKERS": "2",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    log = open(Path(tmp.name) / "gunicorn.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [str(gunicorn), "-w", "2", "--threads", "8", "-b", f"127.0.0.1:{port}", "kgweb:create_app()"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if get(base + "/api/stats", timeout=2)[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        term_url = base + "/api/terms/speculative-decoding"
        sparql = base + "/sparql?" + urllib.parse.urlencode({"query": CHEAP})
        for _ in range(20):  # warm up both gunicorn workers and their SPARQL pools
            get(term_url)
            get(sparql)

        idle = [get(term_url)[1] for _ in range(args.requests)]
        cheap = [get(sparql)[1] for _ in range(min(100, args.requests))]

        stop = threading.Event()
        hostile_answers: list[int] = []

        def hostile() -> None:
            url = base + "/sparql?" + urllib.parse.urlencode({"query": EXPENSIVE})
            while not stop.is_set() and len(hostile_answers) < 200:
                hostile_answers.append(get(url)[0])

        attackers = [threading.Thread(target=hostile, daemon=True) for _ in range(4)]
        for t in attackers:
            t.start()
        time.sleep(0.5)
        loaded: list[float] = []
        statuses: list[int] = []
        for _ in range(args.requests):
            status, ms = get(term_url)
            statuses.append(status)
            loaded.append(ms)
        stop.set()
        for t in attackers:
            t.join(args.timeout * 3 + 10)

        # recovery: right after a timeout, how long until a cheap query answers 200 again
        expensive = base + "/sparql?" + urllib.parse.urlencode({"query": EXPENSIVE})
        recover = []
        for _ in range(3):
            threads = [threading.Thread(target=get, args=(expensive,)) for _ in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            started = time.perf_counter()
            while get(sparql)[0] != 200 and time.perf_counter() - started < 30:
                pass
            recover.append((time.perf_counter() - started) * 1000)

        emit("term_api_p50_while_sparql_workers_hostile", pct(loaded, 50), "ms", idle_p50=pct(idle, 50))
        emit("term_api_p95_while_sparql_workers_hostile", pct(loaded, 95), "ms", idle_p95=pct(idle, 95))
        emit("term_api_p99_while_sparql_workers_hostile", pct(loaded, 99), "ms", idle_p99=pct(idle, 99))
        emit("term_api_errors_while_hostile", sum(1 for s in statuses if s != 200), "requests", idle=0)
        emit(
            "hostile_queries_stopped",
            sum(1 for s in hostile_answers if s in (503, 504)),
            "queries",
            answered_200=sum(1 for s in hostile_answers if s == 200),
        )
        emit("sparql_cheap_query_p50", pct(cheap, 50), "ms", term_api_idle_p50=pct(idle, 50))
        emit("sparql_cheap_query_p95", pct(cheap, 95), "ms", term_api_idle_p95=pct(idle, 95))
        emit(
            "sparql_recovery_after_timeout", round(statistics.median(recover), 2), "ms", timeout_ms=args.timeout * 1000
        )
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        tmp.cleanup()


if __name__ == "__main__":
    main()
