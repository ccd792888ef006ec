"""scripts/loadtest.py runs end to end against real gunicorn (a few seconds of it): the mix is sent, nothing
fails, the expensive queries are cut at the time limit, and it reports what it measured. The figures themselves
are not checked here (no timed assertions); run the script for those."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT


def test_a_short_load_test_runs_without_errors(sample_store):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "loadtest.py"), "--store", str(sample_store), "--duration", "8",
         "--rate", "20", "--expensive-every", "3", "--sparql-timeout", "2"],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )
    lines = {}
    for line in proc.stdout.splitlines():
        doc = json.loads(line)
        lines.setdefault(doc["name"], []).append(doc)
    assert lines["loadtest.errors"][0]["value"] == 0, proc.stdout + proc.stderr
    runs = {d["name"]: d for docs in lines.values() for d in docs if d.get("window") == "run"}
    endpoints = ("review_page", "term_api", "term_card", "term_page", "annotate_40kb", "graph_api", "sparql_simple")
    assert all(runs[f"loadtest.latency.{e}"]["count"] > 0 for e in endpoints), runs.keys()
    expensive = lines["loadtest.expensive_sparql"][0]
    assert expensive["value"] >= 1 and expensive["cut_504_or_503"] == expensive["value"]
    assert len(lines["loadtest.memory"]) == 2 and all(m["gunicorn_workers_mb"] for m in lines["loadtest.memory"])
    assert "loadtest.targets" in lines
