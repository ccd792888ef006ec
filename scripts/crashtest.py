#!/usr/bin/env python3
"""Kill builds and ingests with SIGKILL at random moments; the store must hold old or new, never a mix.

Setup (in a work directory): an *old* store built from the bundled sample, and *new* sources (the
sample with a changed glossary definition, a retitled episode and a changed review paragraph).
Reference runs, never killed, give the expected *new* store of each operation and how long it takes:

* ``build``: ``kg build --data NEW`` into a copy of the old store;
* ``ingest``: ``kg ingest feed|glossary|review NEW/…`` into a copy of the old store.

Each run (seeded: ``--seed`` gives the same operations and kill moments, relative to the reference
time) copies the old store, starts one operation, sends SIGKILL after a random delay (odd runs: anywhere
in [0, 1.3] × its reference time; even runs: in [0.75, 1.15] ×, around the moment it publishes), and
then checks:

* the store opens (the published generation, read-only, as a server would);
* every named graph holds exactly its quads of the old store or of the new one (never a mix),
  and the store as a whole is the old one or the new one;
* the writer lock is free and the next write succeeds (it clears the killed write's leftovers).

One JSON line per run (what it saw), then a summary line; exit code 1 if any run failed.

    .venv/bin/python scripts/crashtest.py                      # 20 runs, seed 1
    .venv/bin/python scripts/crashtest.py --runs 5 --seed 7 --ops ingest-feed,ingest-glossary
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.store.generations import current_generation  # noqa: E402

SAMPLE = ROOT / "data" / "sample"
OPS = ("build", "ingest-feed", "ingest-glossary", "ingest-review")


def kg(*args: str) -> list[str]:
    return [sys.executable, "-m", "kg", *args]


def make_new_sources(target: Path) -> Path:
    """The sample with one change in each kind of source."""
    shutil.copytree(SAMPLE, target)
    glossary = target / "glossary.yaml"
    text = glossary.read_text(encoding="utf-8")
    glossary.write_text(text.replace("Speeding up text generation:", "CRASHTEST: speeding up text generation:", 1),
                        encoding="utf-8")
    feed = target / "feed.xml"
    text = feed.read_text(encoding="utf-8")
    old_title = "How DeepSeek Made One User Faster Without Slowing Down the Crowd"
    feed.write_text(text.replace(f"<title>{old_title}</title>", f"<title>CRASHTEST {old_title}</title>", 1),
                    encoding="utf-8")
    review = next((target / "reviews").glob("*.html"))
    text = review.read_text(encoding="utf-8")
    review.write_text(text.replace("<p>This week (June 22", "<p>CRASHTEST: this week (June 22", 1),
                      encoding="utf-8")
    return target


def command(op: str, store: Path, new: Path) -> list[str]:
    if op == "build":
        return kg("build", "--data", str(new), "--store", str(store))
    kind = op.removeprefix("ingest-")
    path = {"feed": new / "feed.xml", "glossary": new / "glossary.yaml"}.get(kind) or next((new / "reviews").glob("*"))
    return kg("ingest", kind, str(path), "--store", str(store))


def graphs(store: Path) -> dict[str, frozenset[str]]:
    """The published generation's quads, by named graph (as N-Quads lines), opened read-only."""
    import pyoxigraph

    gen = current_generation(store)
    if gen is None:
        raise RuntimeError("no published generation")
    s = pyoxigraph.Store.read_only(str(gen))
    out: dict[str, set[str]] = defaultdict(set)
    for q in s:
        out[str(q.graph_name)].add(str(q))
    del s
    return {g: frozenset(v) for g, v in out.items()}


def lock_is_free(store: Path) -> bool:
    import fcntl

    fd = os.open(store / "writer.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def run_op(op: str, store: Path, new: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command(op, store, new), check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - started


def compare(seen: dict[str, frozenset[str]], old: dict, new: dict) -> dict:
    per_graph = {"old": 0, "new": 0, "both": 0, "mixed": []}
    for g in sorted(set(seen) | set(old) | set(new)):
        mine = seen.get(g, frozenset())
        is_old, is_new = mine == old.get(g, frozenset()), mine == new.get(g, frozenset())
        if is_old and is_new:
            per_graph["both"] += 1
        elif is_old:
            per_graph["old"] += 1
        elif is_new:
            per_graph["new"] += 1
        else:
            per_graph["mixed"].append(g)
    whole = "old" if seen == old else "new" if seen == new else "mixed"
    return {"state": whole, "graphs_old": per_graph["old"], "graphs_new": per_graph["new"],
            "graphs_same": per_graph["both"], "graphs_mixed": per_graph["mixed"]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ops", default=",".join(OPS), help=f"comma list of {', '.join(OPS)}")
    ap.add_argument("--work", type=Path, default=None, help="work directory (default: a new temporary one)")
    ap.add_argument("--no-recover", action="store_true", help="skip the write after each kill (faster)")
    args = ap.parse_args(argv)
    ops = [o for o in args.ops.split(",") if o]
    unknown = set(ops) - set(OPS)
    if unknown:
        ap.error(f"unknown ops: {', '.join(sorted(unknown))}")
    work = args.work or Path(tempfile.mkdtemp(prefix="kg-crashtest-"))
    work.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)

    old_store = work / "old"
    if not old_store.exists():
        subprocess.run(kg("build", "--store", str(old_store)), check=True, capture_output=True, cwd=ROOT)
    new_src = work / "new-sources"
    if not new_src.exists():
        make_new_sources(new_src)
    old = graphs(old_store)
    expected: dict[str, dict] = {}
    took: dict[str, float] = {}
    for op in ops:  # reference runs: what the op writes when nothing kills it, and how long it takes
        ref = work / f"ref-{op}"
        shutil.rmtree(ref, ignore_errors=True)
        shutil.copytree(old_store, ref)
        took[op] = run_op(op, ref, new_src)
        expected[op] = graphs(ref)
        changed = sum(1 for g in set(old) | set(expected[op]) if old.get(g) != expected[op].get(g))
        print(json.dumps({"reference": op, "seconds": round(took[op], 3), "graphs": len(expected[op]),
                          "graphs_changed": changed}), flush=True)
        if changed == 0:
            raise SystemExit(f"the reference {op} changed nothing: the test would prove nothing")

    failures = 0
    counts: dict[str, int] = defaultdict(int)
    for run in range(1, args.runs + 1):
        op = ops[(run - 1) % len(ops)] if len(ops) > 1 else ops[0]
        delay = took[op] * (rng.uniform(0, 1.3) if run % 2 else rng.uniform(0.75, 1.15))
        store = work / "store"
        shutil.rmtree(store, ignore_errors=True)
        shutil.copytree(old_store, store)
        proc = subprocess.Popen(command(op, store, new_src), cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(delay)
        finished = proc.poll() is not None
        if not finished:
            os.kill(proc.pid, signal.SIGKILL)
        code = proc.wait()
        line: dict = {"run": run, "op": op, "kill_after_s": round(delay, 3), "killed": not finished, "exit": code}
        problems: list[str] = []
        try:
            seen = graphs(store)
            line.update(compare(seen, old, expected[op]))
            if line["state"] == "mixed" or line["graphs_mixed"]:
                problems.append("a mix of old and new data")
        except Exception as exc:  # the store did not open: the worst outcome
            line["state"] = "unreadable"
            problems.append(f"the store does not open: {exc}")
        line["leftovers"] = sorted(p.name for p in store.iterdir() if p.name.startswith(("gen-", "CURRENT.tmp")))
        line["lock_free"] = lock_is_free(store)
        if not line["lock_free"]:
            problems.append("the writer lock is still held")
        if not args.no_recover and line.get("state") in ("old", "new"):
            try:  # the next write must succeed and clear what the killed one left
                run_op(op, store, new_src)
                line["recovered"] = graphs(store) == expected[op]
                if not line["recovered"]:
                    problems.append("the write after the kill gave a different store")
                published = current_generation(store)
                stale = [p.name for p in store.iterdir() if p.name.startswith("gen-") and p.name > published.name]
                if stale:
                    problems.append(f"the write after the kill left unpublished generations: {stale}")
            except subprocess.CalledProcessError as exc:
                line["recovered"] = False
                problems.append(f"the write after the kill failed: {exc.stderr.decode()[-300:]}")
        line["ok"] = not problems
        if problems:
            line["problems"] = problems
            failures += 1
        counts[line.get("state", "unreadable")] += 1
        print(json.dumps(line), flush=True)

    summary = {"name": "crashtest", "runs": args.runs, "seed": args.seed, "failed": failures, **dict(counts),
               "work": str(work) if args.work else None}
    print(json.dumps(summary), flush=True)
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
