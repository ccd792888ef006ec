"""Speed at scale: build, ingest, page queries and HTTP, each beside a baseline measured in the same run.

Usage::

    .venv/bin/python scripts/bench.py --quick            # 1,000 episodes, a few minutes at most
    .venv/bin/python scripts/bench.py                    # 10,000 episodes
    .venv/bin/python scripts/bench.py --episodes 100000 --no-http --no-rdflib

Prints JSON lines, one metric a line::

    {"metric": "<name>", "value": X, "unit": "…", "baselines": {"<name>": X, …}, …}

* ``build_s`` -- ``kg build`` of a synthetic corpus (``scripts/synth.py``); baselines: episodes
  per second, and loading the same graph into rdflib's in-memory store (``load_rdflib``);
* ``ingest_one_s`` -- ``kg ingest feed`` of one new episode, related edges included (the CLI,
  start-up included); baselines: the same ingest in-process, the full build;
* ``query_p99_ms`` (``"query"``: episode, paper, term, related) -- p50/p99 over random ids of the page
  data as a request gets it: from the page index (``kg.pageindex``: one lookup, the record decoded;
  related episodes: the list's own row, as ``/api/episodes/<id>/related`` reads it;
  ``"source"`` says so, and ``"body_kb_p50"``/``"body_kb_p99"`` the size of the bodies decoded), else by
  the named queries; baselines: the named queries through
  ``OxigraphStore`` (as without the index), the same queries in rdflib's in-memory SPARQL, and for
  related episodes a request-time SPARQL query (shared features) in rdflib and in Oxigraph;
* ``http_rps`` and ``http_p99_ms`` (``"endpoint"``) -- gunicorn, 2 sync workers, load from a second
  process (wrk when installed, else a Python load generator); ``"ceiling"`` is a bare Flask app
  returning a fixed 1 KB JSON under the same gunicorn;
* ``worker_rss_mb`` -- resident size of one serving worker after the load; baseline: the ceiling's.

Numbers from a shared machine are noisy: compare the ratios printed in one run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

PY = sys.executable
CEILING_APP = """
from flask import Flask, jsonify
app = Flask(__name__)
PAYLOAD = {"data": "x" * 1000}
@app.get("/ceiling")
def ceiling():
    return jsonify(PAYLOAD)
"""


def emit(metric: str, value: float, unit: str, baselines: dict, **extra) -> None:
    line = {"metric": metric, "value": round(value, 3), "unit": unit, "baselines": baselines, **extra}
    print(json.dumps(line), flush=True)


def note(text: str) -> None:
    print(f"# {text}", file=sys.stderr, flush=True)


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, int(round(q * len(values))) - 1))]


# -- corpus ----------------------------------------------------------------------------------


def make_corpus(work: Path, episodes: int, terms: int, seed: int) -> tuple[Path, list[Path]]:
    """A corpus of ``episodes`` plus two more held back as one-item feeds to ingest."""
    import synth

    data = work / "corpus"
    synth.generate(data, episodes + 2, seed=seed, terms=terms)
    newest = data / "feed-0001.xml"
    text = newest.read_text(encoding="utf-8")
    items = re.findall(r"    <item>.*?</item>\n", text, flags=re.S)
    head = text[: text.index("    <item>")]
    extra = []
    for i in range(2):
        path = work / f"new-episode-{i + 1}.xml"
        path.write_text(head + items[i] + "  </channel>\n</rss>\n", encoding="utf-8")
        extra.append(path)
    newest.write_text(text.replace(items[0], "", 1).replace(items[1], "", 1), encoding="utf-8")
    return data, extra[::-1]  # older first


# -- build and ingest ------------------------------------------------------------------------


def run_kg(*args: str, env: dict | None = None) -> float:
    started = time.perf_counter()
    proc = subprocess.run([PY, "-m", "kg", *args], capture_output=True, text=True, env={**os.environ, **(env or {})})
    if proc.returncode != 0:
        raise SystemExit(f"kg {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    return time.perf_counter() - started


def load_rdflib(st) -> tuple[object, float]:
    """The same graph in rdflib's in-memory store (the baseline), and how long loading it took.

    The page queries read the union of the named graphs (none has a ``GRAPH`` clause), so the baseline
    is one plain rdflib ``Graph`` in its ``SimpleMemory`` store holding every triple once. Its terms are
    made from the quads read straight out of the Oxigraph store. At 1,000 episodes that takes a quarter
    of the time of exporting N-Quads and parsing them into an ``rdflib.Dataset`` (13 s against 54 s,
    the export not counted), and the page queries return the same rows in the same order from both.
    A quicker load only makes the baseline stronger.
    """
    import gc

    import pyoxigraph
    import rdflib

    started = time.perf_counter()
    graph = rdflib.Graph(store="SimpleMemory")
    made: dict[object, object] = {}
    xsd_string = "http://www.w3.org/2001/XMLSchema#string"

    def term(t):
        found = made.get(t)
        if found is None:
            if type(t) is pyoxigraph.NamedNode:
                found = rdflib.URIRef(t.value)
            elif type(t) is pyoxigraph.BlankNode:
                found = rdflib.BNode(t.value)
            elif t.language:
                found = rdflib.Literal(t.value, lang=t.language)
            elif t.datatype.value == xsd_string:  # a plain literal, as rdflib's parsers make it
                found = rdflib.Literal(t.value)
            else:
                found = rdflib.Literal(t.value, datatype=rdflib.URIRef(t.datatype.value))
            made[t] = found
        return found

    add = graph.store.add
    for q in st.raw.quads_for_pattern(None, None, None):
        add((term(q.subject), term(q.predicate), term(q.object)), None)
    took = time.perf_counter() - started
    made.clear()
    gc.freeze()  # a million rdflib objects must not slow every later garbage collection
    return graph, took


def bench_ingest(store: Path, extra: list[Path], build_s: float, episodes: int) -> None:
    import kg.enrich  # noqa: F401 - imports (numpy) are not part of an ingest
    from kg.pipeline import ingest

    started, cpu = time.perf_counter(), time.process_time()
    ingest(store, "feed", extra[0])
    in_process, in_process_cpu = time.perf_counter() - started, time.process_time() - cpu
    cli = run_kg("ingest", "feed", str(extra[1]), "--store", str(store))
    emit(
        "ingest_one_s",
        cli,
        "s",
        {
            "in_process_s": round(in_process, 3),
            "in_process_cpu_s": round(in_process_cpu, 3),
            "full_build_s": round(build_s, 2),
        },
        episodes=episodes,
    )


# -- page queries ----------------------------------------------------------------------------

RELATED_AT_REQUEST = """
SELECT ?e ?other (COUNT(DISTINCT ?f) AS ?shared) WHERE {
  { ?e kg:covers|cito:citesAsRecommendedReading ?f . ?other kg:covers|cito:citesAsRecommendedReading ?f }
  UNION { ?e kg:hasChapter/(kg:explains|kg:mentions) ?f . ?other kg:hasChapter/(kg:explains|kg:mentions) ?f }
  UNION { ?e kg:inTopic ?f . ?other kg:inTopic ?f }
  FILTER(?other != ?e)
} GROUP BY ?e ?other ORDER BY DESC(?shared) ?other LIMIT 6
"""

PAGE_QUERIES = {
    "episode": ("e", ["episode.rq", "episode_source.rq", "episode_takeaways.rq", "episode_chapter_terms.rq",
                      "episode_chapters.rq", "episode_reading.rq", "episode_topics.rq", "episode_terms.rq",
                      "episode_related.rq"]),
    "paper": ("p", ["paper.rq", "paper_episodes.rq", "paper_corecommended.rq"]),
    "term": ("t", ["term.rq", "term_forms.rq", "term_links.rq", "term_explained.rq"]),
    "related": ("e", ["episode_related.rq"]),
}  # fmt: skip


def timed(fn, items: list, budget_s: float | None = None) -> list[float]:
    out = []
    started = time.perf_counter()
    for item in items:
        t = time.perf_counter()
        fn(item)
        out.append((time.perf_counter() - t) * 1000)
        if budget_s is not None and time.perf_counter() - started > budget_s and len(out) >= 5:
            break
    return out


def bench_queries(store: Path, samples: int, seed: int, budget_s: float, rdflib_too: bool) -> object:
    import rdflib

    from kg import queries
    from kg.queries import PREFIXES
    from kg.rdf.namespaces import episode_iri, paper_iri, term_iri
    from kg.store.oxigraph import OxigraphStore

    st = OxigraphStore(store)
    rnd = random.Random(seed)
    episodes = [e["id"] for e in st.episodes() if e["title"] and e["number"]]
    papers = sorted({e["paper"] for e in st.episodes() if e["paper"]})
    terms = [t["slug"] for t in st.glossary()]
    ids = {
        "episode": rnd.choices(episodes, k=samples),
        "paper": rnd.choices(papers, k=samples),
        "term": rnd.choices(terms, k=samples),
        "related": rnd.choices(episodes, k=samples),
    }
    iri_of = {"episode": episode_iri, "related": episode_iri, "paper": paper_iri, "term": term_iri}
    index = st.page_index

    def served(kind: str):
        """What a page request runs: the page index (kg.pageindex), the record decoded; else the queries."""
        if index is None:
            return getattr(st, kind)
        return lambda i: json.loads(index.get(kind, i).body)

    live = {
        "episode": st.episode,
        "paper": st.paper,
        "term": st.term,
        "related": lambda i: st.select("episode_related.rq", e=episode_iri(i)),
    }
    ours = {
        "episode": served("episode"),
        "paper": served("paper"),
        "term": served("term"),
        # /api/episodes/<id>/related: the list's own row of the index (kg.pageindex.rows_of)
        "related": served("related") if index is not None else live["related"],
    }
    mine: dict[str, list[float]] = {}
    by_query: dict[str, list[float]] = {}
    sizes: dict[str, list[float]] = {}  # the decoded bodies' sizes (what a lookup's p99 grows with)
    for name in ("episode", "paper", "term", "related"):  # ours first, with no rdflib graph in memory
        for i in ids[name][:5]:
            ours[name](i)  # warm up
        mine[name] = timed(ours[name], ids[name])
        if index is not None:  # and the same page data made by the named queries, as without the index
            sizes[name] = [len(index.get(name, i).body) / 1024 for i in ids[name]]
            by_query[name] = timed(live[name], ids[name], budget_s)
    rg, rdflib_load_s = load_rdflib(st) if rdflib_too else (None, None)
    for name in ("episode", "paper", "term", "related"):
        ms = mine[name]
        baselines: dict[str, float] = {}
        if name in by_query:
            baselines["oxigraph_queries_p50_ms"] = round(pct(by_query[name], 0.5), 2)
            baselines["oxigraph_queries_p99_ms"] = round(pct(by_query[name], 0.99), 2)
        if rg is not None:
            var, files = PAGE_QUERIES[name]
            texts = [queries.load(f) for f in files]

            def rdflib_page(i, texts=texts, var=var, name=name):
                node = rdflib.URIRef(iri_of[name](i).value)
                for text in texts:
                    list(rg.query(text, initBindings={var: node}))

            base = timed(rdflib_page, ids[name][:samples], budget_s)
            baselines["rdflib_p50_ms"] = round(pct(base, 0.5), 2)
            baselines["rdflib_p99_ms"] = round(pct(base, 0.99), 2)
            if name == "related":
                related_text = PREFIXES + RELATED_AT_REQUEST
                base = timed(
                    lambda i, q=related_text: list(
                        rg.query(q, initBindings={"e": rdflib.URIRef(episode_iri(i).value)})
                    ),  # noqa: E501
                    ids[name],
                    budget_s,
                )
                baselines["rdflib_request_time_p50_ms"] = round(pct(base, 0.5), 1)
                baselines["rdflib_request_time_p99_ms"] = round(pct(base, 0.99), 1)
        if name == "related" and rdflib_too:
            from pyoxigraph import Variable

            related_text = PREFIXES + RELATED_AT_REQUEST
            base = timed(
                lambda i, q=related_text: list(
                    st.raw.query(q, substitutions={Variable("e"): episode_iri(i)}, use_default_graph_as_union=True)
                ),
                ids[name],
                budget_s,
            )
            baselines["oxigraph_request_time_p99_ms"] = round(pct(base, 0.99), 1)
        if "rdflib_p99_ms" in baselines:
            baselines["speedup_p99"] = round(baselines["rdflib_p99_ms"] / max(pct(ms, 0.99), 1e-6), 1)
        source = "page index" if index is not None else "named queries"
        extra = {}
        if name in sizes:
            extra = {"body_kb_p50": round(pct(sizes[name], 0.5), 1), "body_kb_p99": round(pct(sizes[name], 0.99), 1)}
        emit("query_p99_ms", pct(ms, 0.99), "ms", baselines, query=name, p50_ms=round(pct(ms, 0.5), 3), n=len(ms),
             source=source, **extra)  # fmt: skip
    return rdflib_load_s


# -- HTTP ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    def __init__(self, app: str, env: dict, cwd: Path | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        gunicorn = Path(PY).with_name("gunicorn")
        cmd = [str(gunicorn), "-w", "2", "-k", "sync", "-b", f"127.0.0.1:{self.port}", "--log-level", "warning", app]
        self.proc = subprocess.Popen(cmd, env={**os.environ, **env}, cwd=cwd, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, start_new_session=True)  # fmt: skip

    def wait(self, path: str) -> None:
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited: {self.proc.stderr.read().decode()[-2000:]}")
            try:
                urllib.request.urlopen(self.url + path, timeout=5).read()
                return
            except Exception:
                time.sleep(0.2)
        raise SystemExit("gunicorn did not start")

    def worker_rss_mb(self) -> float:
        out = subprocess.run(["ps", "-o", "pid=,rss=", "--ppid", str(self.proc.pid)], capture_output=True, text=True)
        rss = [int(line.split()[1]) for line in out.stdout.splitlines() if line.strip()]
        return max(rss) / 1024 if rss else 0.0

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)


WRK_SCRIPT = """
local paths = {}
for line in io.lines("%(paths)s") do paths[#paths + 1] = line end
local body = %(body)s
local i = 0
request = function()
  i = i + 1
  local path = paths[(i %% #paths) + 1]
  if body ~= nil then
    return wrk.format("POST", path, {["Content-Type"] = "application/json"}, body)
  end
  return wrk.format("GET", path)
end
"""


def load_wrk(url: str, paths: list[str], seconds: int, body: bytes | None, work: Path) -> tuple[float, float, float]:
    plist = work / "paths.txt"
    plist.write_text("\n".join(paths) + "\n")
    lua_body = "nil"
    if body is not None:
        bfile = work / "body.json"
        bfile.write_bytes(body)
        lua_body = f'io.open("{bfile}", "rb"):read("*a")'
    script = work / "load.lua"
    script.write_text(WRK_SCRIPT % {"paths": plist, "body": lua_body})
    cmd = ["wrk", "-t2", "-c8", f"-d{seconds}s", "--latency", "-s", str(script), url]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def lat(label: str) -> float:
        m = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)\b", out)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    return rps, lat("50"), lat("99")


def _python_load(url: str, paths: list[str], seconds: float, body: bytes | None, out) -> None:
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    lat: list[float] = []
    stop = time.perf_counter() + seconds
    lock = threading.Lock()

    def worker(k: int) -> None:
        i = k
        mine = []
        while time.perf_counter() < stop:
            i += 1
            t = time.perf_counter()
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            if body is None:
                conn.request("GET", paths[i % len(paths)])
            else:
                conn.request("POST", paths[i % len(paths)], body, {"Content-Type": "application/json"})
            conn.getresponse().read()
            conn.close()
            mine.append((time.perf_counter() - t) * 1000)
        with lock:
            lat.extend(mine)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put((len(lat) / seconds, pct(lat, 0.5), pct(lat, 0.99)))


def load_python(url: str, paths: list[str], seconds: int, body: bytes | None) -> tuple[float, float, float]:
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_python_load, args=(url, paths, seconds, body, q))
    p.start()
    result = q.get()
    p.join()
    return result


def bench_http(store: Path, seconds: int, seed: int, work: Path) -> None:
    from kg.store.oxigraph import OxigraphStore

    st = OxigraphStore(store)
    rnd = random.Random(seed)
    terms = [f"/api/terms/{t['slug']}" for t in st.glossary()]
    reviews = [f"/reviews/{r['id']}" for r in st.reviews()]
    rnd.shuffle(terms)
    rnd.shuffle(reviews)
    use_wrk = shutil.which("wrk") is not None
    note(f"load generator: {'wrk' if use_wrk else 'python threads in a second process'}")

    def load(url, paths, body=None):
        return load_wrk(url, paths, seconds, body, work) if use_wrk else load_python(url, paths, seconds, body)

    ceiling_dir = work / "ceiling"
    ceiling_dir.mkdir(exist_ok=True)
    (ceiling_dir / "ceiling_app.py").write_text(CEILING_APP)
    ceil = Gunicorn("ceiling_app:app", {}, cwd=ceiling_dir)
    try:
        ceil.wait("/ceiling")
        c_rps, _c50, c99 = load(ceil.url, ["/ceiling"])
        c_rss = ceil.worker_rss_mb()
    finally:
        ceil.stop()
    emit("http_rps", c_rps, "requests/s", {}, endpoint="ceiling")
    emit("http_p99_ms", c99, "ms", {}, endpoint="ceiling")

    app = Gunicorn("kgweb:create_app()", {"KG_STORE": str(store)})
    try:
        app.wait(terms[0])  # not /api/stats: counting a large graph is not what is measured
        with urllib.request.urlopen(app.url + reviews[0]) as resp:
            page = resp.read()
        annotate = None
        try:
            req = urllib.request.Request(app.url + "/api/annotate", data=b'{"text": "x"}', method="POST",
                                         headers={"Content-Type": "application/json"})  # fmt: skip
            urllib.request.urlopen(req, timeout=10).read()
            annotate = json.dumps({"html": page[: 40 * 1024].decode("utf-8", "ignore")}).encode()
        except urllib.error.HTTPError as exc:
            if exc.code not in (404, 405):
                raise
            note("POST /api/annotate is not in this build: skipped")
        runs = [("GET /api/terms/<slug>", terms, None), ("GET /reviews/<id>", reviews, None)]
        if annotate is not None:
            runs.insert(1, ("POST /api/annotate", ["/api/annotate"], annotate))
        for endpoint, paths, body in runs:
            rps, _p50, p99 = load(app.url, paths, body)
            share = {"ceiling": round(c_rps, 1), "share_of_ceiling": round(rps / c_rps, 3)}
            emit("http_rps", rps, "requests/s", share, endpoint=endpoint)
            emit("http_p99_ms", p99, "ms", {"ceiling": round(c99, 2)}, endpoint=endpoint)
        emit("worker_rss_mb", app.worker_rss_mb(), "MB", {"ceiling": round(c_rss, 1)})
    finally:
        app.stop()


@contextlib.contextmanager
def stage(name: str):
    """Say on stderr how long one part of the run took (the run's length is part of what --quick promises)."""
    started = time.perf_counter()
    yield
    note(f"{name}: {time.perf_counter() - started:.1f} s")


def machine() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{os.cpu_count()} cores, load average {load:.1f} at start"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="1,000 episodes, short runs (under 3 minutes)")
    ap.add_argument("--episodes", type=int, default=None, help="corpus size (default 10,000; 1,000 with --quick)")
    ap.add_argument("--terms", type=int, default=None, help="glossary size (default 3,000; 1,000 with --quick)")
    ap.add_argument("--samples", type=int, default=200, help="random ids per query (default 200)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--work", type=Path, default=None, help="working directory (default: a temporary one)")
    ap.add_argument("--keep", action="store_true", help="keep the working directory")
    ap.add_argument("--no-http", action="store_true", help="skip the HTTP and memory measurements")
    ap.add_argument("--no-rdflib", action="store_true", help="skip the rdflib baselines (slow at 100,000)")
    ap.add_argument("--http-only", action="store_true", help="only the HTTP part, on the store left in --work")
    args = ap.parse_args(argv)
    episodes = args.episodes or (1000 if args.quick else 10_000)
    terms = args.terms or (1000 if args.quick else 3000)
    work = args.work or Path(tempfile.mkdtemp(prefix="kg-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    store = work / "kg"
    if args.http_only:
        bench_http(store, 5 if args.quick else 15, args.seed, work)
        return 0
    started = time.perf_counter()
    shutil.rmtree(store, ignore_errors=True)
    shutil.rmtree(work / "corpus", ignore_errors=True)
    try:
        note(f"corpus of {episodes} episodes in {work}; {machine()}")
        with stage("corpus"):
            data, extra = make_corpus(work, episodes, terms, args.seed)
        with stage("build"):
            build_s = run_kg("build", "--data", str(data), "--store", str(store))
        with stage("ingest"):
            bench_ingest(store, extra, build_s, episodes)
        budget = 4.0 if args.quick else 30.0
        with stage("page queries and their baselines"):
            rdflib_load_s = bench_queries(store, args.samples, args.seed, budget, rdflib_too=not args.no_rdflib)
        baselines = {"episodes_per_s": round(episodes / build_s, 1)}
        if rdflib_load_s is not None:
            baselines["rdflib_load_s"] = round(rdflib_load_s, 2)
        emit("build_s", build_s, "s", baselines, episodes=episodes)
        if not args.no_http:
            with stage("HTTP"):
                bench_http(store, 5 if args.quick else 15, args.seed, work)
        note(f"all: {time.perf_counter() - started:.1f} s")
    finally:
        if not args.keep and args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
