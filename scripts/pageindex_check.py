"""Check a store's page index: every entry as the query path makes it, and (``--against``) byte for
byte as another index of the same generation (one made by another version of the code).

    python scripts/pageindex_check.py --store .kg [--against other/kg-pages.sqlite] [--queries]

Builds the index of the store's published generation afresh (``kg.pageindex.build``) into a
scratch directory, prints one JSON line ``{"metric": "pageindex_build_s", ...}`` with the entry
count, and then compares:

* ``--against FILE``: every ``(kind, key)`` row of ``pages`` (body and ETag) and of ``refs`` with
  those of FILE (e.g. the index the previous code made of the same generation);
* ``--queries``: every entry with the body the store's own page methods make by bound queries
  (slow on a large store: several queries per entry).

Exits 1 and names the first differing entries if anything differs.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg import pageindex  # noqa: E402
from kg.store.generations import current_generation  # noqa: E402
from kg.store.oxigraph import OxigraphStore  # noqa: E402


def rows(path: Path) -> tuple[dict[tuple[str, str], tuple[bytes, str]], set[tuple[str, str, str]]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        pages = {(k, key): (body, etag) for k, key, body, etag in conn.execute("SELECT * FROM pages")}
        refs = {(i, k, key) for i, k, key in conn.execute("SELECT * FROM refs")}
        for key, body, top, orderly in conn.execute("SELECT * FROM mentions"):  # a term's whole list
            pages[("mentions", key)] = (body, f"{top} {orderly}")
    finally:
        conn.close()
    return pages, refs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", required=True, help="a store directory (its published generation is read)")
    ap.add_argument("--against", type=Path, help="another kg-pages.sqlite of the same generation")
    ap.add_argument("--queries", action="store_true", help="compare every entry with the query path too")
    ap.add_argument("--keep", type=Path, help="write the index made here into this directory")
    args = ap.parse_args(argv)
    gen = current_generation(args.store)
    if gen is None:
        print(f"{args.store}: no published generation", file=sys.stderr)
        return 2
    store = OxigraphStore(args.store)
    with tempfile.TemporaryDirectory() as scratch:
        target = args.keep or Path(scratch)
        target.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        stats = pageindex.build(store.raw, target)
        seconds = time.perf_counter() - started
        print(json.dumps({"metric": "pageindex_build_s", "value": round(seconds, 2), "unit": "s",
                          "entries": stats.entries, "generation": gen.name}), flush=True)  # fmt: skip
        pages, refs = rows(target / pageindex.INDEX_FILE)
    differ: list[str] = []
    if args.against is not None:
        other_pages, other_refs = rows(args.against)
        for k in sorted(set(pages) | set(other_pages)):
            if pages.get(k) != other_pages.get(k):
                differ.append(f"{k[0]} {k[1]} (vs {args.against.name})")
        if refs != other_refs:
            differ.append(f"refs: {len(refs - other_refs)} more, {len(other_refs - refs)} fewer")
    if args.queries:
        for (kind, key), (body, etag) in sorted(pages.items()):
            if kind == "mentions":
                whole = store.term(key)["mentioned_in"]
                if json.loads(body) != whole or len(whole) <= pageindex.MENTIONED_IN_SHOWN:
                    differ.append(f"term {key} mentioned_in (vs the query path)")
                continue
            of = "episode" if kind == pageindex.RELATED else kind  # an episode's two rows (rows_of)
            expected = {k: b for k, b, _ in pageindex.rows_of(of, getattr(store, of)(key))}.get(kind)
            if body != expected or etag != pageindex.etag_of(expected):
                differ.append(f"{kind} {key} (vs the query path)")
    print(json.dumps({"metric": "pageindex_differ", "value": len(differ), "unit": "entries",
                      "compared": len(pages), "first": differ[:10]}))  # fmt: skip
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
