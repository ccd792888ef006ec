"""Crash safety: killed builds and ingests leave old or new data, and a running server never notices a write.

* ``scripts/crashtest.py`` (a few seeded runs): each SIGKILLed write leaves a store that opens and holds,
  graph by graph, exactly the old or the new quads, with the writer lock free and the next write fine;
* a server keeps answering from the last published graph while a build runs, then picks the new graph
  up without a restart; a build killed half-way changes nothing it serves.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

from conftest import ROOT, Server, kg_cmd

SLUG = "speculative-decoding"


def crashtest_module():
    spec = importlib.util.spec_from_file_location("crashtest", ROOT / "scripts" / "crashtest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_killed_builds_and_ingests_leave_old_or_new_never_a_mix(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "crashtest.py"), "--runs", "4", "--seed", "11",
         "--ops", "build,ingest-glossary", "--work", str(tmp_path / "work")],
        capture_output=True, text=True, cwd=ROOT, timeout=900,
    )
    lines = [json.loads(x) for x in proc.stdout.splitlines()]
    runs = [x for x in lines if "run" in x]
    summary = lines[-1]
    assert proc.returncode == 0 and summary["failed"] == 0, proc.stdout + proc.stderr
    assert len(runs) == 4 and all(r["ok"] and r["state"] in ("old", "new") and not r["graphs_mixed"] for r in runs)
    assert all(r["lock_free"] and r["recovered"] for r in runs)
    assert any(r["killed"] for r in runs)  # the seed kills at least one write half-way (else this proves nothing)
    refs = {x["reference"]: x for x in lines if "reference" in x}
    assert refs["build"]["graphs_changed"] >= 3 and refs["ingest-glossary"]["graphs_changed"] >= 1


def definition(server) -> tuple[int, str | None]:
    try:
        with urllib.request.urlopen(f"{server.url}/api/terms/{SLUG}", timeout=30) as resp:
            return resp.status, json.loads(resp.read())["definition"]
    except urllib.error.HTTPError as err:
        return err.code, None


def test_a_server_serves_the_last_good_graph_during_a_build_and_then_the_new_one(fresh_store, tmp_path):
    new = crashtest_module().make_new_sources(tmp_path / "new")
    srv = Server(fresh_store, log_dir=tmp_path)
    try:
        status, old = definition(srv)
        assert status == 200 and not old.startswith("CRASHTEST")
        build = subprocess.Popen([sys.executable, "-m", "kg", "build", "--data", str(new), "--store", str(fresh_store)],
                                 cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        seen: list[tuple[int, str | None, bool]] = []
        while build.poll() is None:  # every answer during the build is a whole graph: the old one (or, at the
            status, value = definition(srv)  # very end, the new one)
            seen.append((status, value, build.poll() is None))
        assert build.returncode == 0, build.stderr.read()
        for _ in range(200):  # the server re-reads CURRENT at most every 0.5 s
            status, value = definition(srv)
            seen.append((status, value, False))
            if value and value.startswith("CRASHTEST"):
                break
            time.sleep(0.05)
        assert all(s == 200 for s, _, _ in seen), seen
        values = [v for _, v, _ in seen]
        assert set(values) <= {old, values[-1]} and values[-1].startswith("CRASHTEST"), "picked up, no restart"
        first_new = values.index(values[-1])
        assert all(v == values[-1] for v in values[first_new:])  # never back to the old graph
        assert any(during and v == old for _, v, during in seen)  # answered from the old graph while it ran
    finally:
        srv.stop()


def test_a_build_killed_half_way_changes_nothing_the_server_shows(fresh_store, tmp_path):
    new = crashtest_module().make_new_sources(tmp_path / "new")
    srv = Server(fresh_store, log_dir=tmp_path)
    try:
        _, old = definition(srv)
        published = (fresh_store / "CURRENT").read_text()
        build = subprocess.Popen([sys.executable, "-m", "kg", "build", "--data", str(new), "--store", str(fresh_store)],
                                 cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        gens = {p.name for p in fresh_store.iterdir() if p.name.startswith("gen-")}
        for _ in range(600):  # until the build has started writing its new generation
            if {p.name for p in fresh_store.iterdir() if p.name.startswith("gen-")} - gens or build.poll() is not None:
                break
            time.sleep(0.02)
        assert build.poll() is None, "the build finished before it could be killed"
        os.kill(build.pid, signal.SIGKILL)
        build.wait()
        assert (fresh_store / "CURRENT").read_text() == published
        for _ in range(20):
            assert definition(srv) == (200, old)
        kg_cmd("build", "--data", str(new), "--store", str(fresh_store))  # the next write clears the leftovers
        for _ in range(200):
            _, value = definition(srv)
            if value != old:
                break
            time.sleep(0.05)
        assert value.startswith("CRASHTEST")
        left = sorted(p.name for p in fresh_store.iterdir() if p.name.startswith("gen-"))
        assert left[-1] == (fresh_store / "CURRENT").read_text().strip()  # nothing unpublished is left behind
    finally:
        srv.stop()
