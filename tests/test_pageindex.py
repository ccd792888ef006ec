"""The page index (kg/pageindex.py): terms, episodes and papers served from bytes made at write time.

* every entry of the sample is exactly what the store's queries make, after a build and after ingests;
* over HTTP, a server reading the index answers byte for byte (body, ETag, type) what a server on the
  same store without the index answers by queries (the fallback, as for stores made before it);
* a new ingest or build changes the served body and ETag without a restart;
* a build killed while writing its index leaves the old index served.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT, Server, kg_cmd
from kg import pageindex
from kg.store.generations import current_generation
from kg.store.oxigraph import OxigraphStore

SLUG = "speculative-decoding"
RETITLED = "E179"  # the episode crashtest's new sources retitle ("CRASHTEST How DeepSeek Made …")


def new_sources(target: Path) -> Path:
    sys.path.insert(0, str(ROOT / "scripts"))
    from crashtest import make_new_sources

    return make_new_sources(target)


def all_keys(store: OxigraphStore) -> dict[str, list[str]]:
    """Every episode, term and paper of the store, asked of the store (not of the index)."""
    from urllib.parse import unquote

    from kg.rdf.namespaces import KG, RDF, local_id

    typed = store.raw.quads_for_pattern(None, RDF.type, KG.Paper)
    papers = {unquote(local_id(q.subject.value, "paper")) for q in typed}
    return {
        "episode": [e["id"] for e in store.episodes()],
        "term": [t["slug"] for t in store.glossary()],
        "paper": sorted(papers),
    }


def assert_index_is_the_query_path(path: Path) -> int:
    store = OxigraphStore(path)
    index = store.page_index
    assert index is not None, "the generation has no page index"
    keys = all_keys(store)
    assert sorted(index.keys("episode")) == sorted(keys["episode"])
    assert sorted(index.keys("term")) == sorted(keys["term"])
    assert sorted(index.keys("paper")) == keys["paper"]
    differ = []
    n = 0
    for kind in pageindex.KINDS:
        for key in keys[kind]:
            entry = index.get(kind, key)
            record = getattr(store, kind)(key)
            expected = pageindex.encode(kind, record)
            n += 1
            if entry is None or entry.body != expected or entry.etag != pageindex.etag_of(expected):
                differ.append(f"{kind} {key}")
            if kind == "term":  # a term's whole mentioned_in, kept beside a record that holds the newest
                whole = record["mentioned_in"]
                if index.term_mentions(key) != (whole if len(whole) > pageindex.MENTIONED_IN_SHOWN else None):
                    differ.append(f"term {key} (mentioned_in)")
    assert not differ, f"{len(differ)} of {n} entries differ from the query path: {differ[:10]}"
    return n


def test_every_entry_of_the_sample_is_what_the_queries_make(sample_store):
    n = assert_index_is_the_query_path(sample_store)
    assert n > 300  # 18 episodes, 345 terms, and the papers


def test_ingests_re_make_what_they_change_and_nothing_else_differs(fresh_store, tmp_path):
    new = new_sources(tmp_path / "new")
    store = OxigraphStore(fresh_store)
    shown_on = [t["slug"] for t in store.glossary() if RETITLED in str(store.term(t["slug"]))]
    assert shown_on, "no term page lists the retitled episode: the check below would prove nothing"
    for kind, path in (("feed", new / "feed.xml"), ("glossary", new / "glossary.yaml"),
                       ("review", next((new / "reviews").glob("*.html")))):  # fmt: skip
        kg_cmd("ingest", kind, str(path), "--store", str(fresh_store))
        assert_index_is_the_query_path(fresh_store)
    index = OxigraphStore(fresh_store).page_index
    term = json.loads(index.get("term", shown_on[0]).body)
    titles = [x["title"] for x in term["explained_in"] + term["mentioned_in"] if x["episode"] == RETITLED]
    assert titles and all(t.startswith("CRASHTEST ") for t in titles)  # another page showing the episode
    assert json.loads(index.get("term", SLUG).body)["definition"].startswith("CRASHTEST")


def get(url: str, headers: dict | None = None) -> tuple[int, bytes, dict[str, str]]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.read(), dict(resp.headers)
    except urllib.error.HTTPError as err:
        return err.code, err.read(), dict(err.headers)


def without_index(store: Path, target: Path) -> Path:
    shutil.copytree(store, target)
    for gen in target.glob("gen-*"):
        (gen / pageindex.INDEX_FILE).unlink(missing_ok=True)
    assert OxigraphStore(target).page_index is None
    return target


@pytest.fixture(scope="module")
def fallback_server(sample_store, tmp_path_factory):
    """The sample store with its page index removed: a store as made before the index existed."""
    root = tmp_path_factory.mktemp("no-index")
    srv = Server(without_index(sample_store, root / "kg"), log_dir=root)
    yield srv
    srv.stop()


def api_paths(store: OxigraphStore) -> list[str]:
    from urllib.parse import quote

    keys = all_keys(store)
    return (
        [f"/api/terms/{k}" for k in keys["term"]]
        + [f"/api/terms/{k}/card" for k in keys["term"]]
        + [f"/api/episodes/{k}" for k in keys["episode"]]
        + [f"/api/episodes/{k}/related" for k in keys["episode"]]
        + [f"/api/papers/{quote(k)}" for k in keys["paper"]]
        + ["/api/terms/no-such-term", "/api/episodes/E999999", "/api/papers/arxiv/0000.00000", "/api/terms/no/card",
           "/api/episodes/E999999/related"]
    )  # fmt: skip


def test_the_api_answers_byte_for_byte_what_the_queries_answer(server, fallback_server, sample_store):
    paths = api_paths(OxigraphStore(sample_store))
    differ = []
    for path in paths:
        got, want = get(server.url + path), get(fallback_server.url + path)
        same = got[0] == want[0] and got[1] == want[1]
        for header in ("ETag", "Content-Type", "Cache-Control", "Content-Length"):
            same = same and got[2].get(header) == want[2].get(header)
        if not same:
            differ.append(path)
    assert not differ, f"{len(differ)} of {len(paths)} answers differ: {differ[:10]}"
    status, _body, headers = get(server.url + f"/api/terms/{SLUG}")
    assert status == 200 and get(server.url + f"/api/terms/{SLUG}", {"If-None-Match": headers["ETag"]})[0] == 304


def test_an_episodes_related_list_is_served_alone_from_its_own_row(server, sample_store):
    store = OxigraphStore(sample_store)
    index = store.page_index
    with_related = [e["id"] for e in store.episodes() if store.episode(e["id"])["related"]]
    assert len(with_related) > 5
    conn = sqlite3.connect(f"file:{index.path}?mode=ro", uri=True)
    for key in with_related:
        status, body, _ = get(server.url + f"/api/episodes/{key}/related")
        assert status == 200
        assert json.loads(body) == {"id": key, "related": store.episode(key)["related"]}
        # the episode's own row holds the rest of the record: no related list is read twice
        row = conn.execute("SELECT body FROM pages WHERE kind = 'episode' AND key = ?", (key,))
        assert b'"related"' not in row.fetchone()[0]
    conn.close()
    status, body, _ = get(server.url + "/api/episodes/E999999/related")
    assert status == 404 and json.loads(body)["error"]["code"] == "not_found"


@pytest.mark.parametrize("path", [f"/terms/{SLUG}", f"/episodes/{RETITLED}", "/papers/arxiv/2305.18290"])
def test_pages_read_from_the_index_show_what_the_queries_show(path, server, fallback_server):
    got, want = get(server.url + path), get(fallback_server.url + path)
    assert got[0] == want[0] == 200
    assert got[1].replace(server.url.encode(), b"HOST") == want[1].replace(fallback_server.url.encode(), b"HOST")


def test_the_server_serves_what_the_index_holds(fresh_store, tmp_path):
    """Proof that the index is what is read: an entry changed in the file is what the API and the page show."""
    path = current_generation(fresh_store) / pageindex.INDEX_FILE
    data = json.loads(OxigraphStore(fresh_store).page_index.get("term", SLUG).body)
    data["definition"] = "Read from the page index."
    body = pageindex.encode("term", data)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE pages SET body = ?, etag = ? WHERE kind = 'term' AND key = ?",
                     (body, pageindex.etag_of(body), SLUG))  # fmt: skip
    srv = Server(fresh_store, log_dir=tmp_path)
    try:
        status, served, headers = get(srv.url + f"/api/terms/{SLUG}")
        assert status == 200 and served == body and headers["ETag"] == f'"{pageindex.etag_of(body)}"'
        assert b"Read from the page index." in get(srv.url + f"/terms/{SLUG}")[1]
        card = json.loads(get(srv.url + f"/api/terms/{SLUG}/card")[1])
        assert card["definition"] == "Read from the page index."
    finally:
        srv.stop()


def served(srv: Server, path: str) -> tuple[int, bytes, str | None]:
    status, body, headers = get(srv.url + path)
    return status, body, headers.get("ETag")


def wait_for_change(srv: Server, path: str, old: bytes) -> tuple[int, bytes, str | None]:
    for _ in range(200):  # the server re-reads CURRENT at most every 0.5 s
        now = served(srv, path)
        if now[1] != old:
            return now
        time.sleep(0.05)
    raise AssertionError(f"{path} still serves the old body:\n{srv.output()[-2000:]}")


def test_an_ingest_and_a_build_change_the_served_body_and_etag_without_a_restart(fresh_store, tmp_path):
    new = new_sources(tmp_path / "new")
    term, episode = f"/api/terms/{SLUG}", f"/api/episodes/{RETITLED}"
    srv = Server(fresh_store, log_dir=tmp_path)
    try:
        status, old_body, old_etag = served(srv, term)
        assert status == 200 and old_etag and not json.loads(old_body)["definition"].startswith("CRASHTEST")
        assert get(srv.url + term, {"If-None-Match": old_etag})[0] == 304
        kg_cmd("ingest", "glossary", str(new / "glossary.yaml"), "--store", str(fresh_store))
        status, body, etag = wait_for_change(srv, term, old_body)
        assert status == 200 and json.loads(body)["definition"].startswith("CRASHTEST")
        assert etag and etag != old_etag
        assert body == pageindex.encode("term", OxigraphStore(fresh_store).term(SLUG))  # the new graph's answer
        assert get(srv.url + term, {"If-None-Match": old_etag})[:2] == (200, body)  # the old ETag is stale
        assert get(srv.url + term, {"If-None-Match": etag})[0] == 304
        card = json.loads(get(srv.url + term + "/card")[1])
        assert card["definition"].startswith("CRASHTEST")  # the card cache follows the new graph too

        status, old_episode, _ = served(srv, episode)
        assert status == 200 and not json.loads(old_episode)["title"].startswith("CRASHTEST")
        kg_cmd("build", "--data", str(new), "--store", str(fresh_store))
        status, body, _ = wait_for_change(srv, episode, old_episode)
        assert status == 200 and json.loads(body)["title"].startswith("CRASHTEST")
        assert OxigraphStore(fresh_store).page_index is not None
    finally:
        srv.stop()


def test_a_build_killed_while_writing_its_index_leaves_the_old_index_served(fresh_store, tmp_path):
    new = new_sources(tmp_path / "new")
    path = f"/api/terms/{SLUG}"
    srv = Server(fresh_store, log_dir=tmp_path)
    try:
        status, old_body, old_etag = served(srv, path)
        assert status == 200
        published = (fresh_store / "CURRENT").read_text()
        build = subprocess.Popen([sys.executable, "-m", "kg", "build", "--data", str(new), "--store", str(fresh_store)],
                                 cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        writing = None
        deadline = time.time() + 240
        while writing is None and build.poll() is None and time.time() < deadline:
            writing = next(fresh_store.glob(f"gen-*/{pageindex.INDEX_FILE}.tmp"), None)
            time.sleep(0.002)
        assert writing is not None and build.poll() is None, "the build was not caught writing its page index"
        os.kill(build.pid, signal.SIGKILL)
        build.wait()
        assert (fresh_store / "CURRENT").read_text() == published
        assert not (writing.parent / pageindex.INDEX_FILE).exists()  # never half an index under the real name
        for _ in range(20):  # over more than one re-read of CURRENT
            assert served(srv, path) == (200, old_body, old_etag)
            time.sleep(0.05)
        kg_cmd("build", "--data", str(new), "--store", str(fresh_store))  # the next write clears the leftovers
        status, body, etag = wait_for_change(srv, path, old_body)
        assert json.loads(body)["definition"].startswith("CRASHTEST") and etag != old_etag
    finally:
        srv.stop()


def assert_a_common_term_is_served_in_pages(store: Path, tmp_path: Path) -> None:
    """A term mentioned in more chapters than a record holds: the API serves the newest with the total,
    pages through every row in order, and the card and the pages are made from every row."""
    from kgweb.cards import term_card

    st = OxigraphStore(store)
    shown = pageindex.MENTIONED_IN_SHOWN
    whole = {t["slug"]: st.term(t["slug"]) for t in st.glossary()}
    common = sorted((s for s, t in whole.items() if len(t["mentioned_in"]) > shown),
                    key=lambda s: -len(whole[s]["mentioned_in"]))  # fmt: skip
    assert common, "no term of the synthetic corpus is mentioned in more chapters than a record holds"
    slug = common[0]
    rows = whole[slug]["mentioned_in"]
    srv = Server(store, log_dir=tmp_path)
    try:
        status, body, _headers = get(srv.url + f"/api/terms/{slug}")
        data = json.loads(body)
        assert status == 200 and data["mentioned_in"] == rows[:shown] and data["mentioned_in_total"] == len(rows)
        paged, offset = [], 0
        while True:
            status, body, headers = get(srv.url + f"/api/terms/{slug}/mentions?offset={offset}&limit=37")
            page = json.loads(body)
            assert status == 200 and page["total"] == len(rows) and page["offset"] == offset and "ETag" in headers
            if not page["mentioned_in"]:
                break
            paged += page["mentioned_in"]
            offset += 37
        assert paged == rows
        card = json.loads(get(srv.url + f"/api/terms/{slug}/card")[1])
        assert card == term_card(whole[slug])  # the chapter with most mentions of all, not of the newest
        html = get(srv.url + f"/terms/{slug}")[1].decode()
        assert html.count('class="muted mention-count"') == shown and 'class="more-mentions"' in html
        listing = get(srv.url + f"/terms/{slug}/mentions")[1].decode()
        assert listing.count('class="muted mention-count"') == min(len(rows), 200)
        for bad in ("offset=-1", "limit=501", "limit=x", "offset=1e3"):
            status, body, _headers = get(srv.url + f"/api/terms/{slug}/mentions?{bad}")
            assert status == 400 and json.loads(body)["error"]["code"] == "bad_request", bad
        assert get(srv.url + f"/terms/{slug}/mentions?page=0")[0] == 404
        assert get(srv.url + "/api/terms/no-such-term/mentions")[0] == 404
    finally:
        srv.stop()


def test_every_entry_of_a_synthetic_corpus_is_what_the_queries_make(tmp_path):
    """A build joins every page query's rows in Python (kg.pageindex readers): on a corpus with far more
    overlap than the sample (shared papers, common terms, many reviews), and after an ingest of a new
    episode, which moves the related lists of many others."""
    from test_synth_derive import one_item_feed, synth

    data = tmp_path / "data"
    synth(data, 120, terms=400)
    newest = data / "feed-0001.xml"
    full = newest.read_text(encoding="utf-8")
    new_item = one_item_feed(newest, 0, tmp_path / "new.xml")
    first = full.index("    <item>")
    newest.write_text(full[:first] + full[full.index("</item>\n", first) + len("</item>\n") :], encoding="utf-8")
    store = tmp_path / "kg"
    kg_cmd("build", "--data", str(data), "--store", str(store))
    assert assert_index_is_the_query_path(store) > 500
    assert_a_common_term_is_served_in_pages(store, tmp_path)
    from kg.pipeline import ingest

    said: list[str] = []
    ingest(store, "feed", new_item, progress=said.append)
    # the newest episode: common terms get its rows put before their old ones, unread (_prepended_term)
    assert any(re.search(r"\(\d+ terms' new rows put before their old ones\)", m) for m in said), said
    assert assert_index_is_the_query_path(store) > 500

    # an episode retitled and without its reading list: the papers it recommended lose a row, and the
    # pages patched rather than re-made (kg.pageindex._patched_paper, _patched_term) must still agree
    def edit(item: str) -> str:
        item = re.sub(r"<title>(.*?)</title>", r"<title>Retitled \1</title>", item, count=1)
        return re.sub(r"Recommended Reading: .*?</description>", "</description>", item, flags=re.S)

    changed = one_item_feed(data / "feed-0002.xml", 3, tmp_path / "changed.xml", edit)
    assert "Retitled" in changed.read_text(encoding="utf-8")
    said.clear()
    ingest(store, "feed", changed, progress=said.append)
    assert not any("put before" in m for m in said), said  # an old episode's rows are merged in place
    assert assert_index_is_the_query_path(store) > 500
