"""Exports over real HTTP: the whole graph (Turtle, JSON-LD, N-Quads) and BibTeX."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pyoxigraph
import pytest
import rdflib
from hypothesis import given, settings
from hypothesis import strategies as st
from pybtex.database import parse_string
from rdflib.compare import isomorphic

from conftest import kg_cmd
from kg.bibtex import paper_entry, tex_escape


def fetch(url: str, headers: dict | None = None):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.read(), resp.headers
    except urllib.error.HTTPError as err:
        return err.code, err.read(), err.headers


# -- the whole graph -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_exports(sample_store, tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("exports")
    files = {}
    for fmt in ("ttl", "jsonld", "nq"):
        kg_cmd("export", "--store", str(sample_store), "--format", fmt, str(out / f"graph.{fmt}"))
        files[fmt] = (out / f"graph.{fmt}").read_bytes()
    return files


@pytest.mark.parametrize(
    ("ext", "media", "rdflib_format"),
    [
        ("ttl", "text/turtle", "turtle"),
        ("jsonld", "application/ld+json", "json-ld"),
        ("nq", "application/n-quads", "nquads"),
    ],
)
def test_the_whole_graph_over_http_is_what_kg_export_writes(server, cli_exports, ext, media, rdflib_format):
    status, body, headers = fetch(f"{server.url}/export/graph.{ext}")
    assert status == 200
    assert headers["Content-Type"].split(";")[0] == media
    assert "Content-Length" not in headers  # streamed, not buffered whole
    assert headers["ETag"]
    if ext == "jsonld":  # rdflib orders JSON-LD nodes by hash: compare the graphs
        ours = rdflib.Graph().parse(data=body, format="json-ld")
        cli = rdflib.Graph().parse(data=cli_exports[ext], format="json-ld")
        assert len(ours) > 5000 and isomorphic(ours, cli)
        assert json.loads(body)["@context"]  # compacted with the project's context
    else:
        assert body == cli_exports[ext]
    if ext == "nq":  # every quad keeps its named graph
        quads = list(pyoxigraph.parse(body, format=pyoxigraph.RdfFormat.N_QUADS))
        assert quads and all(isinstance(q.graph_name, pyoxigraph.NamedNode) for q in quads)
        assert any(q.graph_name.value == "https://paperdive.ai/id/graph/glossary/glossary" for q in quads)


def test_an_unchanged_graph_answers_304(server):
    status, _, headers = fetch(f"{server.url}/export/graph.ttl")
    etag = headers["ETag"]
    status, body, headers = fetch(f"{server.url}/export/graph.ttl", headers={"If-None-Match": etag})
    assert status == 304 and body == b""


def test_an_unknown_export_format_is_a_json_404(server):
    status, body, _ = fetch(f"{server.url}/export/graph.xlsx")
    assert status == 404 and json.loads(body)["error"]["code"] == "not_found"


# -- BibTeX --------------------------------------------------------------------------------------


def test_bibtex_for_a_paper(server):
    status, body, headers = fetch(f"{server.url}/papers/arxiv/2305.18290.bib")
    assert status == 200 and headers["Content-Type"].startswith("application/x-bibtex")
    db = parse_string(body.decode(), "bibtex")
    assert list(db.entries) == ["arxiv:2305.18290"]
    entry = db.entries["arxiv:2305.18290"]
    assert entry.type == "misc"
    assert entry.fields["title"] == "{Direct Preference Optimization: Your Language Model is Secretly a Reward Model}"
    assert entry.fields["eprint"] == "2305.18290" and entry.fields["archiveprefix"] == "arXiv"
    assert entry.fields["url"] == "https://arxiv.org/abs/2305.18290"
    assert entry.fields["year"] == "2023"  # from the arXiv id: submitted May 2023


def test_bibtex_for_a_covered_paper_names_its_episode(server):
    status, body, _ = fetch(f"{server.url}/papers/arxiv/2606.25524.bib")
    entry = parse_string(body.decode(), "bibtex").entries["arxiv:2606.25524"]
    assert status == 200 and "episode E172" in entry.fields["note"]


def test_bibtex_for_an_episodes_reading_list(server):
    status, body, headers = fetch(f"{server.url}/episodes/E179/reading.bib")
    assert status == 200 and headers["Content-Type"].startswith("application/x-bibtex")
    db = parse_string(body.decode(), "bibtex")
    keys = list(db.entries)
    api = json.loads(fetch(f"{server.url}/api/episodes/E179")[1])
    expected = [api["paper"]["key"]] + [r["paper"] for r in api["reading"]]
    assert keys == [k.replace("/", ":", 1) for k in expected]
    assert "Source paper" in db.entries[keys[0]].fields["note"]
    first_reading = db.entries["arxiv:2211.17192"]
    assert first_reading.fields["title"] == "{Fast Inference from Transformers via Speculative Decoding}"
    assert first_reading.fields["note"].startswith("Recommended reading 1 in episode E179")


def test_bibtex_for_unknown_things_is_a_json_404(server):
    for path in ("/papers/arxiv/0000.00000.bib", "/episodes/E999/reading.bib"):
        status, body, _ = fetch(server.url + path)
        assert status == 404 and json.loads(body)["error"]["code"] == "not_found"


_INVERSE = {
    r"\textbackslash{}": "\\",
    r"\textbraceleft{}": "{",
    r"\textbraceright{}": "}",
    r"\textasciitilde{}": "~",
    r"\textasciicircum{}": "^",
    r"\%": "%",
    r"\&": "&",
    r"\$": "$",
    r"\#": "#",
    r"\_": "_",
}
_INVERSE_RE = re.compile("|".join(re.escape(k) for k in sorted(_INVERSE, key=len, reverse=True)))


def _untex(value: str) -> str:
    return _INVERSE_RE.sub(lambda m: _INVERSE[m.group()], value)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("{}\\%&$#_~^@,=\"' aZ9é\n")), min_size=1, max_size=80))
def test_any_title_stays_inside_its_field(title):
    """Whatever a title holds, the file parses to one entry whose title reads back as the original."""
    text = paper_entry({"key": "url/x", "title": title, "url": "https://example.org/{}\\ x"})
    db = parse_string(text, "bibtex")
    assert list(db.entries) == ["url:x"]
    entry = db.entries["url:x"]
    assert set(entry.fields) <= {"title", "url", "howpublished"}
    if title.split():
        assert _untex(entry.fields["title"][1:-1]) == " ".join(title.split())
    # no TeX command survives but the escapes we write
    assert not re.search(
        r"\\(?!textbackslash\{\}|textbrace(left|right)\{\}|textascii(tilde|circum)\{\}|[%&$#_])", tex_escape(title)
    )
