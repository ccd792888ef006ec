"""The server side of the tooltips: the term card, HTTP caching, UTF-16 offsets, CORS, security
headers on every response, and the vendored positioning library."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import NODE_MODULES, ROOT
from kg.nlp.annotate import AnnotateError, annotate_request, utf16_offsets
from kg.nlp.linker import Linker, TermForms
from kgweb.cards import term_card


def request(server, path: str, method: str = "GET", body: bytes | None = None, headers: dict | None = None):
    req = urllib.request.Request(server.url + path, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read(), resp.headers
    except urllib.error.HTTPError as err:
        return err.code, err.read(), err.headers


# -- the term card ------------------------------------------------------------------------------
def test_card_has_what_a_tooltip_shows(server):
    status, body, headers = request(server, "/api/terms/speculative-decoding/card")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    card = json.loads(body)
    full = json.loads(request(server, "/api/terms/speculative-decoding")[1])
    assert card["label"] == "speculative decoding" and card["definition"] == full["definition"]
    assert card["url"] == "/terms/speculative-decoding"
    assert card["explained"] == {
        "how": "explains",
        "episode": "E179",
        "number": 179,
        "title": "How DeepSeek Made One User Faster Without Slowing Down the Crowd",
        "timestamp": "02:07",
        "start": 127,
        "chapter": "The junior, the expert, and free speed",
        "url": "/episodes/E179#t127",
    }
    assert card["episode_count"] == full["episode_count"] == 1
    assert [r["slug"] for r in card["related"]] == [r["slug"] for r in full["related"]][:3]
    assert all(r["url"] == f"/terms/{r['slug']}" for r in card["related"])
    assert len(body) < len(json.dumps(full)) / 2  # small: what the tooltip needs, no more


def test_card_falls_back_to_the_most_mentioned_chapter():
    def where(episode, count, start=None):
        return {"episode": episode, "number": int(episode[1:]), "title": None, "timestamp": None,
                "start": start, "chapter": f"ch {episode}" if start is not None else None,
                "anchor": f"t{start}" if start is not None else None, "count": count}

    term = {
        "slug": "x", "label": "X", "definition": "An x.", "explained_in": [],
        "mentioned_in": [where("E3", 1, 10), where("E2", 4, 95), where("E1", 4), where("E4", 2, 5)],
        "episode_count": 4, "related": [], "broader": [{"slug": "b", "label": "B"}],
        "narrower": [{"slug": "n1", "label": "N1"}, {"slug": "n2", "label": "N2"}, {"slug": "n3", "label": "N3"}],
    }
    card = term_card(term)
    assert card["explained"]["how"] == "mentions"
    assert card["explained"]["episode"] == "E2" and card["explained"]["url"] == "/episodes/E2#t95"
    assert [r["slug"] for r in card["related"]] == ["b", "n1", "n2"]  # related, then broader, narrower; 3 at most
    # explained_in wins over any mention, and one with a chapter over a whole episode
    term["explained_in"] = [where("E9", 1), where("E8", 1, 30)]
    assert term_card(term)["explained"]["url"] == "/episodes/E8#t30"
    term["explained_in"] = [where("E9", 1)]
    assert term_card(term)["explained"] == {**term_card(term)["explained"], "episode": "E9", "url": "/episodes/E9"}
    assert term_card({**term, "explained_in": [], "mentioned_in": []})["explained"] is None


def test_card_and_term_have_etags_and_answer_304(server):
    for path in ("/api/terms/speculative-decoding/card", "/api/terms/speculative-decoding"):
        status, body, headers = request(server, path)
        etag = headers["ETag"]
        assert status == 200 and etag and body
        assert re.fullmatch(r"public, max-age=\d+", headers["Cache-Control"])
        status, body, again = request(server, path, headers={"If-None-Match": etag})
        assert status == 304 and body == b"" and again["ETag"] == etag
        assert "nosniff" in again["X-Content-Type-Options"] and "Origin" in again["Vary"]
        status, _, _ = request(server, path, headers={"If-None-Match": '"something-else"'})
        assert status == 200
        # If-None-Match compares weakly and takes a list, or "*" (RFC 9110 13.1.2)
        for match in (f'"x", W/{etag}', "*"):
            assert request(server, path, headers={"If-None-Match": match})[0] == 304


def test_card_404_has_the_json_error_shape(server):
    status, body, _ = request(server, "/api/terms/no-such-term/card")
    assert status == 404 and json.loads(body)["error"]["code"] == "not_found"


# -- UTF-16 offsets -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny_linker() -> Linker:
    return Linker([TermForms("speculative-decoding", "speculative decoding"), TermForms("agent", "agent")])


def js_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def test_utf16_offsets_count_astral_characters_twice(tiny_linker):
    text = "\U0001f680 speculative decoding, \U0001d465\U0001f600 agent"
    plain = annotate_request(tiny_linker, {"text": text})["spans"]
    js = annotate_request(tiny_linker, {"text": text, "offsets": "utf16"})["spans"]
    assert [(s["start"], s["end"]) for s in plain] == [(2, 22), (27, 32)]
    assert [(s["start"], s["end"]) for s in js] == [(3, 23), (30, 35)]
    for s in js:  # what String.prototype.slice would return
        units = text.encode("utf-16-le")
        assert units[2 * s["start"] : 2 * s["end"]].decode("utf-16-le") == s["text"]
    markup = f"<p title='\U0001f680'>{text}</p>"  # the tag holds one more astral character (2 units)
    html = annotate_request(tiny_linker, {"html": markup, "offsets": "utf16"})
    assert [(s["start"], s["end"]) for s in html["spans"]] == [(17, 37), (44, 49)]


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40))
def test_utf16_offsets_match_javascript_string_indexes(text):
    offsets = list(range(len(text) + 1))
    assert utf16_offsets(text, offsets) == [js_length(text[:o]) for o in offsets]


def test_bad_offsets_value_is_a_clear_400(server, tiny_linker):
    with pytest.raises(AnnotateError, match='"offsets" must be'):
        annotate_request(tiny_linker, {"text": "x", "offsets": "bytes"})
    body = json.dumps({"text": "x", "offsets": "bytes"}).encode()
    status, raw, _ = request(server, "/api/annotate", "POST", body, {"Content-Type": "application/json"})
    err = json.loads(raw)["error"]
    assert status == 400 and "offsets" in err["message"]


def test_annotate_over_http_with_utf16(server):
    text = "\U0001f680\U0001f680 speculative decoding"
    body = json.dumps({"text": text, "offsets": "utf16"}, ensure_ascii=False).encode()
    status, raw, _ = request(server, "/api/annotate", "POST", body, {"Content-Type": "application/json"})
    spans = json.loads(raw)["spans"]
    assert status == 200 and spans == [{"start": 5, "end": 25, "term": "speculative-decoding",
                                        "text": "speculative decoding"}]


# -- CORS ------------------------------------------------------------------------------------------
def test_no_cors_for_unlisted_origins_by_default(server):
    status, _, headers = request(server, "/api/terms/agent/card", headers={"Origin": "https://paperdive.ai"})
    assert status == 200 and "Access-Control-Allow-Origin" not in headers and "Origin" in headers["Vary"]
    status, _, headers = request(
        server, "/api/annotate", "OPTIONS",
        headers={"Origin": "https://paperdive.ai", "Access-Control-Request-Method": "POST"},
    )
    assert status == 204 and "Access-Control-Allow-Origin" not in headers


def test_origin_setting_is_normalised():
    from kgweb.cors import allowed_origins

    assert allowed_origins("https://PaperDive.ai/ http://127.0.0.1:8000,https://x.org:443 not-a-url") == {
        "https://paperdive.ai", "http://127.0.0.1:8000", "https://x.org"}
    assert allowed_origins("") == frozenset()


# -- security headers on every response ---------------------------------------------------------------
PATHS = [
    ("GET", "/"),
    ("GET", "/reviews/"),
    ("GET", "/reviews/2026-06-28"),
    ("GET", "/terms/speculative-decoding"),
    ("GET", "/glossary"),
    ("GET", "/episodes/E179"),
    ("GET", "/episodes/E999"),  # 404 page
    ("GET", "/api/terms/agent/card"),
    ("GET", "/api/terms/nope"),  # 404 JSON
    ("POST", "/api/annotate"),  # 400 JSON
    ("GET", "/static/kg-tooltips.js"),
    ("GET", "/embed.js"),
    ("GET", "/embed.css"),
]


@pytest.mark.parametrize(("method", "path"), PATHS)
def test_security_headers_on_every_response(server, method, path):
    status, _, headers = request(server, path, method, b"{}" if method == "POST" else None,
                                 {"Content-Type": "application/json"} if method == "POST" else None)
    assert status in (200, 400, 404)
    csp = headers["Content-Security-Policy"]
    directives = dict((d.strip().split(" ", 1) + [""])[:2] for d in csp.split(";") if d.strip())
    assert directives["script-src"] == "'self'" and "unsafe" not in csp
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    corp = "cross-origin" if path.startswith("/embed.") else "same-origin"
    assert headers["Cross-Origin-Resource-Policy"] == corp


@pytest.mark.parametrize("path", ["/reviews/2026-06-28", "/terms/speculative-decoding", "/episodes/E179", "/glossary"])
def test_pages_have_no_inline_script_or_style(server, path):
    html = request(server, path)[1].decode()
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S)
    # data blocks (schema.org JSON-LD, graph data) are never executed; every script that runs is a file
    code = [(attrs, body) for attrs, body in scripts if not re.search(r'type="application/(ld\+)?json"', attrs)]
    assert code and all('src="/' in attrs and not body.strip() for attrs, body in code)
    assert not re.search(r"<[^>]+\s(on[a-z]+|style)\s*=", html)
    assert "<style" not in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html.replace('href="https://paperdive.ai', ""))


def test_our_scripts_never_parse_html_or_eval():
    for name in ("kg-tooltips.js", "kg-embed.js", "kg-page.js"):
        source = (ROOT / "web" / "static" / name).read_text(encoding="utf-8")
        code = re.sub(r"/\*.*?\*/|//[^\n]*", "", source, flags=re.S)  # comments may name what is avoided
        for banned in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "Function(",
                       "setAttribute(\"style\"", "cssText"):
            assert banned not in code, f"{name} uses {banned}"


# -- the embed bundle and the vendored library -------------------------------------------------------
def test_embed_bundle_holds_the_vendored_floating_ui_in_a_private_scope(server):
    status, body, headers = request(server, "/embed.js")
    js = body.decode()
    assert status == 200 and headers["ETag"] and headers["Cache-Control"].startswith("public")
    manifest = json.loads((ROOT / "web/static/vendor/manifest.json").read_text())
    for package, entry in manifest.items():
        vendored = (ROOT / "web/static/vendor" / entry["file"]).read_text(encoding="utf-8").strip()
        assert vendored in js and f"{package} {entry['version']}" in js
    assert js.startswith("/*!") and "var globalThis = {}, define, module, exports;" in js
    assert request(server, "/embed.js", headers={"If-None-Match": headers["ETag"]})[0] == 304
    css = request(server, "/embed.css")[1].decode()
    assert ".kg-tooltip" in css and ".kg-switch" in css


def test_vendored_floating_ui_is_the_pinned_npm_version():
    pins = json.loads((ROOT / "package.json").read_text())["devDependencies"]
    manifest = json.loads((ROOT / "web/static/vendor/manifest.json").read_text())
    assert set(manifest) == {"@floating-ui/core", "@floating-ui/dom"}
    for package, entry in manifest.items():
        assert entry["version"] == pins[package]  # pinned exactly, no range
        assert entry["file"].endswith(f"-{entry['version']}.umd.min.js")
        installed = NODE_MODULES / package
        if not installed.exists():
            pytest.fail("node_modules is missing: run scripts/setup_test_deps.sh (make test does)")
        assert json.loads((installed / "package.json").read_text())["version"] == entry["version"]
        assert (ROOT / "web/static/vendor" / entry["file"]).read_bytes() == (installed / entry["source"]).read_bytes()
    lock = json.loads((ROOT / "package-lock.json").read_text())
    for package in manifest:
        assert lock["packages"][f"node_modules/{package}"]["version"] == pins[package]


def test_card_follows_a_new_glossary_without_a_restart(fresh_store, tmp_path):
    from conftest import SAMPLE, Server, kg_cmd

    srv = Server(fresh_store)
    try:
        path = "/api/terms/speculative-decoding/card"
        status, body, headers = request(srv, path)
        assert status == 200 and json.loads(body)["definition"].startswith("Speeding up text generation")
        glossary = tmp_path / "glossary.yaml"
        text = (SAMPLE / "glossary.yaml").read_text(encoding="utf-8")
        glossary.write_text(text.replace("Speeding up text generation:", "Faster text generation:"), encoding="utf-8")
        kg_cmd("ingest", "glossary", str(glossary), "--store", str(fresh_store))
        status, body, again = request(srv, path, headers={"If-None-Match": headers["ETag"]})
        assert status == 200 and json.loads(body)["definition"].startswith("Faster text generation:")
        assert again["ETag"] != headers["ETag"]
    finally:
        srv.stop()
