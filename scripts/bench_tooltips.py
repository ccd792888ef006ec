"""What a tooltip costs the server: the term card against the full term record, a revalidation
(304), the embed bundle, and annotate with UTF-16 offsets against code-point offsets.

    python scripts/bench_tooltips.py [--store DIR] [--rounds N]

Builds the bundled sample into a temporary store unless --store is given; drives the Flask app
in-process (no network). Prints one JSON line per metric, with the baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def rate(fn, rounds: int) -> float:
    fn()  # warm up
    start = time.perf_counter()
    for _ in range(rounds):
        fn()
    return rounds / (time.perf_counter() - start)


def emit(name: str, value: float, unit: str, **baseline) -> None:
    print(json.dumps({"name": name, "value": round(value, 1), "unit": unit, "baseline": baseline}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", help="a built store (default: build the sample into a temp dir)")
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = args.store
        if not store:
            store = str(Path(tmp) / "kg")
            subprocess.run([sys.executable, "-m", "kg", "build", "--store", store], check=True, capture_output=True)
        from kgweb import create_app

        client = create_app({"STORE": store, "TESTING": True}).test_client()
        slugs = ["speculative-decoding", "agent", "token", "reinforcement-learning", "verification"]
        i = iter(range(10**9))

        def get(path: str, **kw):
            resp = client.get(path, **kw)
            assert resp.status_code in (200, 304), (path, resp.status_code)
            return resp

        full = rate(lambda: get(f"/api/terms/{slugs[next(i) % 5]}"), args.rounds)
        card = rate(lambda: get(f"/api/terms/{slugs[next(i) % 5]}/card"), args.rounds)
        etags = {s: get(f"/api/terms/{s}/card").headers["ETag"] for s in slugs}

        def revalidate():
            s = slugs[next(i) % 5]
            assert get(f"/api/terms/{s}/card", headers={"If-None-Match": etags[s]}).status_code == 304

        not_modified = rate(revalidate, args.rounds)
        size_full = len(get("/api/terms/speculative-decoding").data)
        size_card = len(get("/api/terms/speculative-decoding/card").data)
        emit("term_card_requests", card, "requests/s", full_term_requests=round(full, 1))
        emit("term_card_304_requests", not_modified, "requests/s", term_card_requests=round(card, 1))
        emit("term_card_bytes", size_card, "bytes", full_term_bytes=size_full)
        embed = rate(lambda: get("/embed.js"), args.rounds)
        emit("embed_js_requests", embed, "requests/s", bytes=len(get("/embed.js").data))

        html = get("/reviews/2026-06-28").data.decode()
        text = re.sub(r"<[^>]+>", " ", html)
        text = "\U0001f680 " + text  # one astral character, so the UTF-16 path does its work
        mb = len(text.encode()) / 1e6

        def annotate(offsets: str):
            resp = client.post("/api/annotate", json={"text": text, "offsets": offsets})
            assert resp.status_code == 200

        rounds = max(10, args.rounds // 10)
        cp = rate(lambda: annotate("codepoints"), rounds)
        u16 = rate(lambda: annotate("utf16"), rounds)
        emit("annotate_utf16_mb_per_s", u16 * mb, "MB/s", codepoints_mb_per_s=round(cp * mb, 2),
             text_bytes=len(text.encode()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
