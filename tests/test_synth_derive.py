"""The synthetic corpus (scripts/synth.py) and the incremental derived edges (kg.derive).

The generator must be deterministic and its output must build with the real CLI;
derived edges kept up to date by ingests must equal a full recompute of the same
store, whatever the ingest changed (a new episode, a changed episode, a review,
the glossary).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pyoxigraph
import pytest

from conftest import ROOT, kg_cmd
from kg import derive, enrich
from kg.rdf.namespaces import DERIVED_GRAPH
from kg.store.generations import current_generation
from kg.store.oxigraph import glossary_rows

SYNTH = ROOT / "scripts" / "synth.py"


def synth(out: Path, n: int, seed: int = 3, terms: int = 400, per_feed: int = 40) -> dict:
    proc = subprocess.run(
        [sys.executable, str(SYNTH), "-n", str(n), "--out", str(out), "--seed", str(seed)]
        + ["--terms", str(terms), "--per-feed", str(per_feed)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)  # one JSON object of counts


def digest(directory: Path) -> dict[str, str]:
    return {
        str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "c120"
    counts = synth(out, 120)
    assert counts["episodes"] == 120 and counts["terms"] == 400
    return out


def test_synth_is_deterministic_and_seeded(corpus, tmp_path):
    again = tmp_path / "again"
    synth(again, 120)
    assert digest(again) == digest(corpus)
    other = tmp_path / "other"
    synth(other, 120, seed=4)
    assert digest(other) != digest(corpus)


def test_synth_output_builds_with_the_cli_and_keeps_the_sample_glossary(corpus, tmp_path):
    files = digest(corpus)
    assert sum(1 for f in files if f.startswith("feed-")) == 3  # 120 items, 40 per feed
    assert any(f.startswith("reviews/") for f in files)
    glossary = (corpus / "glossary.yaml").read_text(encoding="utf-8")
    sample = (ROOT / "data" / "sample" / "glossary.yaml").read_text(encoding="utf-8")
    sample_ids = re.findall(r"^  - id: (\S+)$", sample, flags=re.M)
    assert set(sample_ids) <= set(re.findall(r"^  - id: (\S+)$", glossary, flags=re.M))
    store = tmp_path / "kg"
    proc = kg_cmd("build", "--data", str(corpus), "--store", str(store))
    assert "built" in proc.stdout and "error" not in proc.stderr
    stats = json.loads(kg_cmd("stats", "--store", str(store), "--json").stdout)
    assert stats["nodes"]["episode"] == 120
    assert stats["nodes"]["term"] == 400
    assert stats["nodes"]["review"] >= 6
    assert stats["edges"]["related_episode"] > 0 and stats["edges"]["co_recommended"] > 0
    # papers are cited with a power-law spread: the most cited far above the median
    gen = current_generation(store)
    s = pyoxigraph.Store.read_only(str(gen))
    cites: dict[str, int] = {}
    for q in s.quads_for_pattern(
        None, pyoxigraph.NamedNode("http://purl.org/spar/cito/citesAsRecommendedReading"), None
    ):
        cites[q.object.value] = cites.get(q.object.value, 0) + 1
    counts = sorted(cites.values())
    assert counts[-1] >= 5 * counts[len(counts) // 2]


def derived(store: Path) -> set[str]:
    s = pyoxigraph.Store.read_only(str(current_generation(store)))
    return {str(q) for q in s.quads_for_pattern(None, None, None, DERIVED_GRAPH)}


def kept_glossary_is_the_stores(store: Path) -> bool:
    """The glossary rows a generation keeps for the next write (kg.enrich) are the store's own."""
    gen = current_generation(store)
    kept = json.loads((gen / enrich.GLOSSARY_FILE).read_text(encoding="utf-8"))["rows"]
    return kept == glossary_rows(pyoxigraph.Store.read_only(str(gen)))


def recomputed(store: Path, tmp_path: Path) -> set[str]:
    """The derived graph a full recompute gives for the store as it is now."""
    copy = tmp_path / f"copy-{len(list(tmp_path.iterdir()))}"
    pyoxigraph.Store.read_only(str(current_generation(store))).backup(str(copy))
    s = pyoxigraph.Store(str(copy))
    out = {str(q) for q in derive.derived_quads(s)}
    del s
    shutil.rmtree(copy)
    return out


def one_item_feed(feed: Path, item: int, out: Path, edit=None) -> Path:
    """A feed file with only the ``item``-th <item> of ``feed`` (optionally edited)."""
    text = feed.read_text(encoding="utf-8")
    items = re.findall(r"    <item>.*?</item>\n", text, flags=re.S)
    head = text[: text.index("    <item>")]
    body = items[item] if edit is None else edit(items[item])
    out.write_text(head + body + "  </channel>\n</rss>\n", encoding="utf-8")
    return out


def test_ingest_updates_derived_edges_exactly_as_a_full_recompute(corpus, tmp_path):
    # build all but the newest episode, then ingest it, change others, re-ingest a review and the glossary
    data = tmp_path / "data"
    shutil.copytree(corpus, data)
    newest = data / "feed-0001.xml"
    full = newest.read_text(encoding="utf-8")
    new_item = one_item_feed(newest, 0, tmp_path / "new.xml")
    first = full.index("    <item>")
    end = full.index("</item>\n", first) + len("</item>\n")
    newest.write_text(full[:first] + full[end:], encoding="utf-8")
    store = tmp_path / "kg"
    kg_cmd("build", "--data", str(data), "--store", str(store))
    assert derived(store) == recomputed(store, tmp_path)

    steps = []
    proc = kg_cmd("ingest", "feed", str(new_item), "--store", str(store))
    steps.append(("new episode", proc))
    assert derived(store) == recomputed(store, tmp_path)
    assert kept_glossary_is_the_stores(store)  # kept from the build's

    # an existing episode changes its reading list and loses its chapters' text
    def edit(item: str) -> str:
        return re.sub(r"Recommended Reading: .*?</description>", "</description>", item, flags=re.S)

    changed = one_item_feed(data / "feed-0002.xml", 3, tmp_path / "changed.xml", edit)
    steps.append(("changed episode", kg_cmd("ingest", "feed", str(changed), "--store", str(store))))
    assert derived(store) == recomputed(store, tmp_path)

    # a review re-ingested with one topic's episodes removed from it
    review = sorted((data / "reviews").glob("*.html"))[-2]
    html = review.read_text(encoding="utf-8")
    cut = re.sub(r'<section class="topic".*?</footer>\n</section>\n', "", html, count=1, flags=re.S)
    assert cut != html
    edited_review = tmp_path / review.name
    edited_review.write_text(cut, encoding="utf-8")
    steps.append(("review", kg_cmd("ingest", "review", str(edited_review), "--store", str(store))))
    assert derived(store) == recomputed(store, tmp_path)

    # the glossary renames a term and drops another's explained_in
    glossary = (data / "glossary.yaml").read_text(encoding="utf-8")
    renamed = glossary.replace('label: "token"\n', 'label: "token renamed"\n', 1)
    assert renamed != glossary
    renamed = re.sub(
        r"(  - id: decoding\n(?:    .*\n)*?)    explained_in:\n(?:      - .*\n)+",
        r"\1    explained_in: []\n",
        renamed,
        count=1,
    )
    edited_glossary = tmp_path / "glossary.yaml"
    edited_glossary.write_text(renamed, encoding="utf-8")
    steps.append(("glossary", kg_cmd("ingest", "glossary", str(edited_glossary), "--store", str(store))))
    assert derived(store) == recomputed(store, tmp_path)
    assert kept_glossary_is_the_stores(store)  # made afresh: a label changed
    now = glossary_rows(pyoxigraph.Store.read_only(str(current_generation(store))))
    assert any(r["label"] == "token renamed" for r in now)
    for name, proc in steps:
        assert "replaced" in proc.stdout, (name, proc.stdout, proc.stderr)
    # the quad count an ingest reports is kept, not counted: it must still be right
    stats = json.loads(kg_cmd("stats", "--store", str(store), "--json").stdout)
    assert f"; {stats['quads']} quads" in steps[-1][1].stdout


def test_a_killed_ingest_leaves_store_and_index_as_they_were(corpus, tmp_path):
    store = tmp_path / "kg"
    kg_cmd("build", "--data", str(corpus), "--store", str(store))
    gen = current_generation(store)
    before = derived(store)
    index_before = (gen / derive.INDEX_FILE).read_bytes()
    item = one_item_feed(corpus / "feed-0001.xml", 0, tmp_path / "x.xml", lambda s: s.replace("E120", "E999"))
    # kill the writer half-way through the derived-edge update
    code = (
        "import os, sys; import kg.derive as d; real = d._Updater.run\n"
        "def boom(self): real(self); os._exit(9)\n"
        "d._Updater.run = boom\n"
        "from kg.cli import main; sys.argv = ['kg', 'ingest', 'feed', sys.argv[1], '--store', sys.argv[2]]; main()\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(item), str(store)], capture_output=True, text=True)
    assert proc.returncode == 9
    assert current_generation(store) == gen
    assert derived(store) == before
    assert (gen / derive.INDEX_FILE).read_bytes() == index_before
    # and the next ingest works from the published generation
    kg_cmd("ingest", "feed", str(item), "--store", str(store))
    assert derived(store) == recomputed(store, tmp_path)


def test_weights_count_rare_links_more():
    assert derive.feature_weight(1) == 0
    assert derive.feature_weight(derive.MAX_FEATURE_DF + 1) == 0
    weights = [derive.feature_weight(df) for df in range(2, derive.MAX_FEATURE_DF + 1)]
    assert weights == sorted(weights, reverse=True) and weights[-1] > 0


def test_a_build_with_parse_workers_gives_the_same_graph(corpus, tmp_path):
    stores = {}
    for workers in ("0", "2"):
        store = tmp_path / f"kg-{workers}"
        kg_cmd("build", "--data", str(corpus), "--store", str(store), env={"KG_BUILD_WORKERS": workers})
        stores[workers] = kg_cmd("export", "--store", str(store), "--format", "nq", "-").stdout
    assert stores["0"] == stores["2"]
    assert len(stores["0"].splitlines()) > 10_000


def test_an_ingest_gives_the_same_graph_and_page_index_with_its_entity_worker_or_without(corpus, tmp_path):
    """An ingest analyses its texts' entities in a process it starts (kg.entities.EntityWorker) and runs the
    entity step last; with KG_BUILD_WORKERS=0 it does both here. The store and its page index are the same."""
    data = tmp_path / "data"
    shutil.copytree(corpus, data)
    newest = data / "feed-0001.xml"
    full = newest.read_text(encoding="utf-8")
    new_item = one_item_feed(newest, 0, tmp_path / "new.xml")
    first = full.index("    <item>")
    newest.write_text(full[:first] + full[full.index("</item>\n", first) + len("</item>\n") :], encoding="utf-8")
    base = tmp_path / "base"
    kg_cmd("build", "--data", str(data), "--store", str(base))
    out = {}
    for workers in ("1", "0"):
        store = tmp_path / f"kg-{workers}"
        shutil.copytree(base, store)
        proc = kg_cmd("ingest", "feed", str(new_item), "--store", str(store), env={"KG_BUILD_WORKERS": workers})
        assert "ingested" in proc.stdout and "error" not in proc.stderr
        index = sqlite3.connect(str(current_generation(store) / "kg-pages.sqlite"))
        tables = {t: sorted(index.execute(f"SELECT * FROM {t}")) for t in ("pages", "mentions", "refs")}
        index.close()
        out[workers] = (kg_cmd("export", "--store", str(store), "--format", "nq", "-").stdout, tables)
    assert out["1"] == out["0"]
    quads = out["1"][0]
    assert "/graph/entities/episode/" in quads and "mentionsEntity" in quads
    assert quads != kg_cmd("export", "--store", str(base), "--format", "nq", "-").stdout

    # a worker that cannot make its pipeline changes nothing either: the ingest fails as it would without it
    store = tmp_path / "kg-1"
    before = (store / "CURRENT").read_text()
    retitled = lambda item: item.replace("</title>", " II</title>", 1)  # noqa: E731
    edited = one_item_feed(newest, 1, tmp_path / "edited.xml", edit=retitled)
    proc = kg_cmd("ingest", "feed", str(edited), "--store", str(store), check=False,
                  env={"KG_BUILD_WORKERS": "1", "KG_SPACY_PIPELINE": "xx_no_such_pipeline"})  # fmt: skip
    assert proc.returncode != 0 and "E080" in proc.stderr and "KG_SPACY_PIPELINE" in proc.stderr
    assert (store / "CURRENT").read_text() == before


def test_a_bad_feed_among_many_fails_the_build_and_names_it(corpus, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(corpus, data)
    bad = data / "feed-0002.xml"
    bad.write_text(bad.read_text(encoding="utf-8").replace("<item>", "<item><item>", 1), encoding="utf-8")
    store = tmp_path / "kg"
    proc = kg_cmd("build", "--data", str(data), "--store", str(store), check=False, env={"KG_BUILD_WORKERS": "2"})
    assert proc.returncode == 1
    assert "feed-0002.xml" in proc.stderr and "Traceback" not in proc.stderr
    assert current_generation(store) is None  # nothing was published


def test_a_build_whose_gazetteer_contradicts_the_glossary_fails_with_its_pool_running(corpus, tmp_path):
    # with workers the entity texts are analysed while the mention step runs (kg.entities.start_entities);
    # the catalogue's error must still fail the build, name the file, and leave no pool or generation behind
    data = tmp_path / "data"
    shutil.copytree(corpus, data)
    (data / "entities.yaml").write_text("entities:\n  - {id: dspark, name: DSpark, type: model}\n", encoding="utf-8")
    store = tmp_path / "kg"
    proc = kg_cmd("build", "--data", str(data), "--store", str(store), check=False, env={"KG_BUILD_WORKERS": "2"})
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "E075" in proc.stderr and "entity 'dspark' has two types" in proc.stderr, proc.stderr
    assert current_generation(store) is None
