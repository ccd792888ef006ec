"""Malformed and hostile sources through the real CLI: refused with a clear message, store unchanged, nothing leaks.

* XML bombs (billion laughs, quadratic blow-up) and external entities pointing at a local secret file,
  in UTF-8 and in UTF-16, external DTDs and XInclude: refused (E013) or inert; the secret appears in no
  output, no graph, no page;
* very large feeds: refused before they are read (E015, ``KG_MAX_SOURCE_BYTES``), in bounded memory; a
  large feed under the limit parses in bounded memory;
* bad encodings: refused with the line (E010 / E001), a UTF-16 copy of the feed gives the same graph;
* ``javascript:``/``data:`` URLs in every URL field: refused (E014, E020) or dropped with a warning (W023);
* every page of a store built from the hostile corpus (tests/hostile_corpus.py): no unsafe URL in any
  ``href``/``src``/…, no element or attribute a payload could have brought, payloads shown as text.

"Store unchanged" compares the N-Quads of the published generation before and after.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pyoxigraph
import pytest
from page_audit import audit, crawl, fetch

from conftest import ROOT, SAMPLE, Server, kg_cmd
from kg.store.generations import current_generation

FEED = (SAMPLE / "feed.xml").read_text(encoding="utf-8")
HEAD, _REST = FEED.split("<item>", 1)
ITEM = "<item>" + _REST.split("</item>", 1)[0] + "</item>"
SECRET = "TOP-SECRET-7f3a9c"


def nquads(store: Path) -> bytes:
    gen = current_generation(store)
    s = pyoxigraph.Store.read_only(str(gen))
    return s.dump(format=pyoxigraph.RdfFormat.N_QUADS)


def generations(store: Path) -> list[str]:
    return sorted(p.name for p in store.iterdir() if p.name.startswith("gen-"))


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET + "\n", encoding="utf-8")
    return path


def refused(store: Path, path: Path, kind: str = "feed", env: dict | None = None) -> subprocess.CompletedProcess:
    """Ingest ``path`` and check it was refused: exit 1, one clear line, no traceback, store exactly as it was."""
    before, gens = nquads(store), generations(store)
    current = (store / "CURRENT").read_text()
    proc = kg_cmd("ingest", kind, str(path), "--store", str(store), check=False, env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and proc.stderr.startswith("error: "), proc.stderr
    assert str(path) in proc.stderr
    assert (store / "CURRENT").read_text() == current and generations(store) == gens
    assert nquads(store) == before
    return proc


def item_feed(item: str = ITEM, head: str = HEAD) -> str:
    return head + item + "</channel></rss>\n"


# -- XML bombs and external entities -----------------------------------------------------------------

LAUGHS = '<!ENTITY lol0 "lol">' + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))


def bombs(secret: Path) -> dict[str, str]:
    body = HEAD.split("\n", 1)[1]
    title = ITEM.replace("<title>How DeepSeek", "<title>&x; How DeepSeek")
    return {
        "billion-laughs": f'<?xml version="1.0"?>\n<!DOCTYPE rss [{LAUGHS}<!ENTITY x "&lol9;">]>\n'
        + body + title + "</channel></rss>",
        "quadratic-blowup": '<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY x "' + "A" * 50_000 + '">]>\n'
        + body + ITEM.replace("<title>How DeepSeek", "<title>" + "&x;" * 20_000 + " How DeepSeek")
        + "</channel></rss>",
        "external-entity": f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY x SYSTEM "{secret.as_uri()}">]>\n'
        + body + title + "</channel></rss>",
        "parameter-entity": f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY % p SYSTEM "{secret.as_uri()}"> %p;]>\n'
        + body + ITEM + "</channel></rss>",
        "external-dtd": f'<?xml version="1.0"?>\n<!DOCTYPE rss SYSTEM "{secret.as_uri()}">\n'
        + body + ITEM + "</channel></rss>",
        "lowercase-doctype": f'<?xml version="1.0"?>\n<!doctype rss [<!ENTITY x SYSTEM "{secret.as_uri()}">]>\n'
        + body + title + "</channel></rss>",
    }


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
@pytest.mark.parametrize("name", ["billion-laughs", "quadratic-blowup", "external-entity", "parameter-entity",
                                  "external-dtd", "lowercase-doctype"])
def test_xml_bombs_and_external_entities_are_refused(fresh_store, tmp_path, secret_file, name, encoding):
    text = bombs(secret_file)[name]
    if encoding != "utf-8":
        text = text.replace('<?xml version="1.0"?>', f'<?xml version="1.0" encoding="{encoding.upper()}"?>')
    path = tmp_path / "feed.xml"
    path.write_bytes(text.encode(encoding))
    proc = refused(fresh_store, path)
    assert "E013" in proc.stderr and f"{path}:2" in proc.stderr  # the DOCTYPE's line
    assert SECRET not in proc.stdout + proc.stderr


def test_xinclude_is_inert_and_the_secret_never_appears(fresh_store, tmp_path, secret_file):
    """No DTD, so not refused; but nothing resolves XInclude: the secret is in no graph, output or page."""
    xi = f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{secret_file.as_uri()}" parse="text"/>'
    item = ITEM.replace("<title>How DeepSeek", f"<title>{xi}How DeepSeek").replace("</item>", f"{xi}</item>")
    path = tmp_path / "feed.xml"
    path.write_text(item_feed(item), encoding="utf-8")
    proc = kg_cmd("ingest", "feed", str(path), "--store", str(fresh_store), check=False)
    assert "Traceback" not in proc.stderr and SECRET not in proc.stdout + proc.stderr
    assert SECRET.encode() not in nquads(fresh_store)
    srv = Server(fresh_store)
    try:
        for page in ("/episodes/E179", "/export/graph.nq", "/api/episodes/E179"):
            status, _, body = fetch(srv.url, page)
            assert status == 200 and SECRET not in body, page
    finally:
        srv.stop()


def test_a_hostile_feed_in_a_build_leaves_the_store_as_it_was(fresh_store, tmp_path, secret_file):
    data = tmp_path / "data"
    import shutil

    shutil.copytree(SAMPLE, data)
    (data / "feed.xml").write_text(bombs(secret_file)["external-entity"], encoding="utf-8")
    before, gens = nquads(fresh_store), generations(fresh_store)
    proc = kg_cmd("build", "--data", str(data), "--store", str(fresh_store), check=False)
    assert proc.returncode == 1 and "E013" in proc.stderr and SECRET not in proc.stderr
    assert nquads(fresh_store) == before and generations(fresh_store) == gens


# -- size ---------------------------------------------------------------------------------------------


def _max_rss_mb(args: list[str], env: dict | None = None) -> tuple[int, str, float]:
    """Run a command; its exit code, stderr and peak resident memory (from wait4, in MB)."""
    proc = subprocess.Popen(args, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, err, usage.ru_maxrss / 1024


def test_a_feed_over_the_size_limit_is_refused_before_it_is_read(fresh_store, tmp_path):
    big = tmp_path / "feed.xml"
    with open(big, "wb") as fh:  # 33 MiB + 1 of sparse file: the default limit is 32 MiB
        fh.truncate(33 * 1024 * 1024 + 1)
    refused(fresh_store, big)
    kg = [sys.executable, "-m", "kg", "ingest", "feed"]
    code, err, rss = _max_rss_mb([*kg, str(big), "--store", str(fresh_store)])
    assert code == 1 and "E015" in err and "KG_MAX_SOURCE_BYTES" in err and "34,603,009 bytes" in err
    _, _, baseline = _max_rss_mb([*kg, str(tmp_path / "missing.xml"), "--store", str(fresh_store)])
    assert rss < baseline + 16, (rss, baseline)  # nothing of the 33 MiB was read


def test_the_size_limit_is_a_setting(fresh_store, tmp_path):
    path = tmp_path / "feed.xml"
    path.write_text(FEED, encoding="utf-8")
    proc = refused(fresh_store, path, env={"KG_MAX_SOURCE_BYTES": "50000"})
    assert "E015" in proc.stderr and "at most 50,000" in proc.stderr
    proc = refused(fresh_store, SAMPLE / "glossary.yaml", "glossary", env={"KG_MAX_SOURCE_BYTES": "1000"})
    assert "E015" in proc.stderr
    proc = kg_cmd("ingest", "feed", str(path), "--store", str(fresh_store), env={"KG_MAX_SOURCE_BYTES": "0"})
    assert "nothing changed" in proc.stdout  # 0: no limit


def test_a_large_feed_under_the_limit_parses_in_bounded_memory(tmp_path):
    items = "".join(ITEM.replace("paperdive-E179", f"big-{i}").replace("<itunes:episode>179<",
                                                                         f"<itunes:episode>{1000 + i}<")
                    for i in range(800))
    path = tmp_path / "feed.xml"
    path.write_text(item_feed(items), encoding="utf-8")
    size_mb = path.stat().st_size / 1e6
    code, err, rss = _max_rss_mb(
        [sys.executable, "-c", "import sys; from kg.parsers.feed import read_feed; "
                               "print(len(read_feed(sys.argv[1]).episodes), file=sys.stderr)", str(path)])
    assert code == 0 and err.strip() == "800", err
    assert size_mb > 4 and rss < 600, (size_mb, rss)  # feedparser and lxml hold a few copies, not hundreds


# -- encodings ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "line"),
    [
        ("invalid-utf8", item_feed().replace("Crowd</title>", "Crowd \udcff</title>", 1), 17),
        ("overlong-lt", item_feed().replace("Crowd</title>", "Crowd \udcc0\udcbcscript></title>", 1), 17),
        ("latin1-declared-utf8", item_feed().replace("Crowd</title>", "Crowd caf\udce9</title>", 1), 17),
        ("unknown-encoding", item_feed().replace('encoding="UTF-8"', 'encoding="x-no-such-thing"', 1), 1),
        ("nul-byte", item_feed().replace("Crowd</title>", "Crowd \x00</title>", 1), 17),
        ("utf7-declared", item_feed().replace('encoding="UTF-8"', 'encoding="UTF-7"', 1)
         .replace("Crowd</title>", "Crowd +ADw-script+AD4-</title>", 1), None),
    ],
)
def test_bad_encodings_are_refused_with_the_line(fresh_store, tmp_path, name, data, line):
    path = tmp_path / "feed.xml"
    path.write_bytes(data.encode("utf-8", "surrogateescape"))
    proc = refused(fresh_store, path)
    assert "E010" in proc.stderr
    if line:
        assert f"{path}:{line}" in proc.stderr


def test_a_utf16_feed_gives_the_same_graph_as_utf8(fresh_store, tmp_path):
    path = tmp_path / "feed.xml"
    path.write_bytes(FEED.replace('encoding="UTF-8"', 'encoding="UTF-16"', 1).encode("utf-16"))
    proc = kg_cmd("ingest", "feed", str(path), "--store", str(fresh_store))
    assert "nothing changed" in proc.stdout, proc.stdout + proc.stderr


def test_a_glossary_that_is_not_utf8_names_the_line(fresh_store, tmp_path):
    text = (SAMPLE / "glossary.yaml").read_bytes()
    at = text.index(b"large language model")
    path = tmp_path / "glossary.yaml"
    path.write_bytes(text[:at] + b"caf\xe9 " + text[at:])
    proc = refused(fresh_store, path, "glossary")
    line = text[:at].count(b"\n") + 1
    assert "E001" in proc.stderr and f"{path}:{line}" in proc.stderr and "UTF-8" in proc.stderr


# -- hostile URLs in every URL field ------------------------------------------------------------------

UNSAFE_URLS = ["javascript:alert(document.domain)", "JavaScript:alert(1)", "data:text/html,<script>alert(1)</script>",
               "vbscript:msgbox(1)", "file:///etc/passwd", "//evil.example/x", "/relative/path"]


def _with(field: str, url: str) -> str:
    from xml.sax.saxutils import escape, quoteattr

    if field == "channel link":
        return item_feed(head=HEAD.replace("<link>https://paperdive.ai/</link>", f"<link>{escape(url)}</link>"))
    if field == "link":
        return item_feed(re.sub(r"<link>[^<]*</link>", lambda _m: f"<link>{escape(url)}</link>", ITEM, count=1))
    if field == "enclosure url":
        return item_feed(re.sub(r'<enclosure url="[^"]*"', lambda _m: f"<enclosure url={quoteattr(url)}", ITEM,
                                count=1))
    assert field == "Source"
    return item_feed(ITEM.replace("Source: https://raw.githubusercontent.com/deepseek-ai/DeepSpec/main/DSpark_paper.pdf",
                                  "Source: " + escape(url), 1))


@pytest.mark.parametrize("url", UNSAFE_URLS)
@pytest.mark.parametrize("field", ["channel link", "link", "enclosure url", "Source"])
def test_unsafe_urls_in_feed_fields_are_refused(fresh_store, tmp_path, field, url):
    path = tmp_path / "feed.xml"
    path.write_text(_with(field, url), encoding="utf-8")
    proc = refused(fresh_store, path)
    code = "E020" if field == "Source" else "E014"
    assert code in proc.stderr and (field in proc.stderr or field == "Source"), proc.stderr
    assert re.search(re.escape(str(path)) + r":\d+", proc.stderr)


def test_unsafe_reading_urls_are_dropped_with_a_warning(fresh_store, tmp_path):
    item = ITEM.replace("(https://arxiv.org/abs/2211.17192)", "(javascript:alert(1))", 1)
    item = item.replace("(https://arxiv.org/abs/2401.15077)", '(https://example.org/a"onmouseover=alert(1)"{b})', 1)
    path = tmp_path / "feed.xml"
    path.write_text(item_feed(item), encoding="utf-8")
    proc = kg_cmd("ingest", "feed", str(path), "--store", str(fresh_store))
    assert "W020" in proc.stderr and "reading item 1" in proc.stderr
    assert "W023" in proc.stderr and "reading item 2" in proc.stderr
    dump = nquads(fresh_store).decode()
    urls = [line for line in dump.splitlines() if "<http://schema.org/url>" in line]
    assert urls and not [u for u in urls if "javascript:" in u or "example.org/a" in u]  # kept as text only
    assert "<javascript:" not in dump and "<https://example.org/a" not in dump


# -- every page of a hostile store --------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_pages(hostile_corpus_server) -> dict[str, str]:
    return crawl(hostile_corpus_server.url)


def test_the_crawl_reaches_every_kind_of_page(hostile_pages):
    from hostile_corpus import episode_id, payloads, term_id

    n = len(payloads())
    for i in range(n):
        assert f"/terms/{term_id(i)}" in hostile_pages and f"/episodes/{episode_id(i)}" in hostile_pages
        assert f"/topics/hostile-{i}" in hostile_pages
    for prefix in ("/papers/", "/reviews/2026-06-28", "/methods/", "/benchmarks/", "/entities/", "/graph"):
        assert any(p.startswith(prefix) for p in hostile_pages), prefix
    assert len(hostile_pages) > 400


def test_no_page_has_an_unsafe_url_or_anything_a_payload_brought(hostile_pages):
    problems = [p for path, page in hostile_pages.items() for p in audit(path, page)]
    assert problems == [], "\n".join(problems[:40])


def test_the_audit_would_catch_each_payload_if_it_were_not_escaped():
    """The control: each payload that injects markup fails the audit when pasted into a page raw."""
    from hostile_corpus import payloads

    shell = "<!DOCTYPE html><html><head><title>t</title></head><body><main>{}</main></body></html>"
    caught = {p["name"] for p in payloads() if audit("/raw", shell.format(p["text"]))}
    assert caught >= {
        "script-tag", "img-onerror", "svg-onload", "svg-script", "a-href-javascript", "iframe-srcdoc",
        "attribute-breaker-double", "end-script", "end-script-upper", "end-title", "end-textarea", "end-style",
        "json-breaker", "mxss-math", "object-data", "meta-refresh", "base-href", "form-action", "external-image",
        "external-style",
    }
    assert audit("/raw", shell.format('<a href=" java\tscript:alert(1)">x</a>'))


def test_payloads_are_shown_as_text(hostile_corpus_server, hostile_pages):
    from hostile_corpus import payloads, term_id

    for i, p in enumerate(payloads()):
        status, _, body = fetch(hostile_corpus_server.url, f"/api/terms/{term_id(i)}")
        term = json.loads(body)
        assert term["label"] == " ".join(f"{p['text']} label{i}".split())
        from lxml import html as lxml_html

        main = lxml_html.document_fromstring(hostile_pages[f"/terms/{term_id(i)}"]).find(".//main")
        text = main.text_content()
        assert term["label"] in text and term["definition"] in text, p["name"]
        if "<" in p["text"]:
            for page in (hostile_pages[f"/terms/{term_id(i)}"], hostile_pages["/glossary"]):
                assert p["text"] not in page, p["name"]  # never as markup …
    assert "{{7*7}}" in hostile_pages["/glossary"]  # … and templates stay unevaluated


def test_json_responses_are_never_sniffed_as_html(hostile_corpus_server):
    from hostile_corpus import term_id

    for path in (f"/api/terms/{term_id(0)}", f"/api/terms/{term_id(0)}/card", "/api/graph?focus=term/zz-hostile-0"):
        import urllib.request

        with urllib.request.urlopen(hostile_corpus_server.url + path, timeout=30) as resp:
            assert resp.headers["Content-Type"].startswith("application/json")
            assert resp.headers["X-Content-Type-Options"] == "nosniff"
            assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
