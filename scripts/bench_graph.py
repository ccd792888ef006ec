#!/usr/bin/env python3
"""How fast the graph view is: JSON lines, one metric each, with the baselines measured in the same run.

    .venv/bin/python scripts/bench_graph.py [--nodes 1000] [--no-browser]

Builds the bundled sample and a synthetic corpus (tests/synth_graph.py) into temporary stores, then
measures, each against a baseline from the same run:

* ``graph_api_neighbourhood_ms`` - GET /api/graph?focus=… (depth 1) on the sample, uncached, over a
  real server; baseline: GET /api/papers/<key> (one page's data);
* ``graph_overview_build_ms`` - the N-node overview (kg.graphview.overview + pyvis) on the synthetic
  store; baseline: the 60-node coverage view of the sample;
* ``graph_browser_ready_ms`` - headless Chromium from navigation to the graph settled with physics
  off (``data-state=ready``) for the N-node graph; baseline: the sample paper page's 8-node graph.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


def emit(name: str, value: float, unit: str, **baseline) -> None:
    print(json.dumps({"name": name, "value": round(value, 2), "unit": unit, **baseline}), flush=True)


def build(data: Path | None, store: Path) -> None:
    cmd = [sys.executable, "-m", "kg", "build", "--store", str(store)] + (["--data", str(data)] if data else [])
    subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)


def timed_get(url: str, n: int) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        with urllib.request.urlopen(url, timeout=60) as resp:
            resp.read()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=1000)
    ap.add_argument("--no-browser", action="store_true")
    args = ap.parse_args()
    from synth_graph import write_corpus

    from conftest import Server

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        sample = tmp_path / "sample"
        build(None, sample)
        big = tmp_path / "big"
        write_corpus(tmp_path / "data", episodes=140, pool=500, terms=420)
        build(tmp_path / "data", big)

        # 1. the neighbourhood API (each focus asked once: the app caches per graph version)
        srv = Server(sample)
        try:
            foci = ["paper/arxiv/2305.18290", "episode/E172", "term/speculative-decoding",
                    "topic/ai-for-scientific-discovery", "episode/E173", "term/large-language-model",
                    "paper/arxiv/2305.20050", "episode/E179"]
            api = statistics.median(timed_get(f"{srv.url}/api/graph?focus={f}", 1) for f in foci)
            page = timed_get(f"{srv.url}/api/papers/arxiv/2305.18290", 8)
            emit("graph_api_neighbourhood_ms", api, "ms", baseline_paper_api_ms=round(page, 2), samples=len(foci))
        finally:
            srv.stop()

        # 2. the overview data in-process
        from kg import graphview
        from kg.store.oxigraph import OxigraphStore
        from kgweb.graph import to_vis

        def overview_ms(store_path: Path, **kw) -> tuple[float, int]:
            store = OxigraphStore(store_path)
            t = time.perf_counter()
            data = to_vis(graphview.overview(store, **kw))
            return (time.perf_counter() - t) * 1000, len(data["nodes"])

        base_ms, base_n = overview_ms(sample, kinds=["episode", "paper", "topic", "review"])
        big_ms, big_n = overview_ms(big, limit=args.nodes)
        emit("graph_overview_build_ms", big_ms, "ms", nodes=big_n, baseline_ms=round(base_ms, 2), baseline_nodes=base_n)

        # 3. the browser, navigation to settled
        if args.no_browser or not shutil.which("chromium"):
            return
        from playwright.sync_api import sync_playwright

        small_srv, big_srv = Server(sample), Server(big)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=FLAGS)
                page = browser.new_page(viewport={"width": 1280, "height": 900})

                def ready_ms(url: str) -> float:
                    t = time.perf_counter()
                    page.goto(url)
                    page.wait_for_selector("section.kg-graph[data-state=ready]", state="attached", timeout=300_000)
                    return (time.perf_counter() - t) * 1000

                ready_ms(f"{big_srv.url}/graph?limit={args.nodes}&kinds=all")  # warm the server's cache
                small = ready_ms(f"{small_srv.url}/papers/arxiv/2305.18290")
                large = ready_ms(f"{big_srv.url}/graph?limit={args.nodes}&kinds=all")
                browser.close()
            emit("graph_browser_ready_ms", large, "ms", nodes=args.nodes, baseline_ms=round(small, 2), baseline_nodes=8)
        finally:
            small_srv.stop()
            big_srv.stop()


if __name__ == "__main__":
    main()
