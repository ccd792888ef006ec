"""The glossary linker: forms, case rules, longest match, HTML text nodes, and the two paths agreeing."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pyoxigraph
import pytest

from conftest import SAMPLE, kg_cmd
from kg.nlp.forms import inflections, plurals
from kg.nlp.linker import Linker, TermForms
from kg.parsers.glossary import read_glossary


@pytest.fixture(scope="module")
def linker() -> Linker:
    return Linker.from_glossary(read_glossary(SAMPLE / "glossary.yaml"))


def found(linker: Linker, text: str, **kw) -> list[tuple[str, str]]:
    return [(s.text, s.term) for s in linker.find(text, **kw)]


def post(server, path: str, body: bytes, ctype: str = "application/json") -> tuple[int, dict]:
    req = urllib.request.Request(server.url + path, data=body, headers={"Content-Type": ctype}, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


# -- forms -------------------------------------------------------------------------------
def test_inflections_come_from_spacys_lemmatizer_data():
    assert inflections("reward model") == ["reward models"]
    assert inflections("policy") == ["policies"]
    assert inflections("criterion") == ["criteria"]  # the exceptions table
    assert inflections("mixture of experts") == ["mixtures of experts"]  # head before "of"
    assert inflections("hardware counters") == ["hardware counter"]  # a plural label gets its singular
    assert "crosscoders" in plurals("crosscoder")  # unknown to spaCy: the regular rule


def test_plurals_and_acronym_plurals_are_found(linker):
    text = "Two reward models and three LLMs agreed; one policy, many policies."
    assert found(linker, text) == [
        ("reward models", "reward-model"),
        ("LLMs", "large-language-model"),
        ("policy", "policy"),
        ("policies", "policy"),
    ]


# -- case, boundaries, longest match ------------------------------------------------------
def test_short_acronyms_match_only_as_acronyms(linker):
    assert found(linker, "RL works") == [("RL", "reinforcement-learning")]
    for text in ["rl works", "the world is early", "RLHF is different", "SFTs", "a kl term", "ppo"]:
        assert all(term not in ("reinforcement-learning", "kl-divergence", "ppo", "sft") for _t, term in found(
            linker, text
        )), text


def test_never_inside_a_longer_word(linker):
    assert found(linker, "tokenization") == []
    assert found(linker, "retokens") == []
    assert found(linker, "token_count") == []


def test_longest_match_wins_without_overlaps(linker):
    spans = linker.find("A process reward model scores each step.")
    assert [(s.text, s.term) for s in spans] == [("process reward model", "process-reward-model")]
    spans = linker.find("cliff tokens and Cliff-DPO")
    assert [s.term for s in spans] == ["cliff-token", "cliff-dpo"]
    ends = [(s.start, s.end) for s in linker.find(" ".join(["speculative decoding with a draft model"] * 5))]
    assert all(a[1] <= b[0] for a, b in zip(ends, ends[1:], strict=False))


def test_a_shorter_form_is_found_where_the_longest_one_ends_inside_a_word():
    lk = Linker([TermForms("a", "policy"), TermForms("b", "policy gradient"), TermForms("c", "gradient")])
    assert [(s.text, s.term) for s in lk.find("policy gradientx, policy gradient")] == [
        ("policy", "a"),
        ("policy gradient", "b"),
    ]


def test_hyphens_and_spaces_are_one_form(linker):
    assert found(linker, "reward-model") == [("reward-model", "reward-model")]
    assert found(linker, "reward\nmodel") == [("reward\nmodel", "reward-model")]


def test_never_inside_urls_or_code(linker):
    text = "See https://example.org/reward-model/token and `token` or mail token@example.org; a token."
    spans = linker.find(text)
    assert [(s.text, s.start) for s in spans] == [("token", text.rindex("token"))]


def test_first_only_per_section_or_page(linker):
    text = "A token, a token.\n\nAnother token."
    assert len(linker.find(text)) == 3
    assert len(linker.find(text, first_only="section")) == 2
    assert len(linker.find(text, first_only="page")) == 1


def test_offsets_are_characters_of_the_input(linker):
    text = "🤖 Ünïcode first: a reward model\u200b and ‏RL‏ and İ token"
    for s in linker.find(text):
        assert text[s.start : s.end] == s.text
    assert ("reward model", "reward-model") in found(linker, text)
    assert ("token", "token") in found(linker, text)


# -- HTML --------------------------------------------------------------------------------
def strip_links(markup: str) -> str:
    return re.sub(r'<a class="kg-term" data-term="[a-z0-9-]+" href="/terms/[a-z0-9-]+">(.*?)</a>', r"\1", markup)


def test_html_only_text_nodes_are_wrapped_and_the_rest_is_kept_byte_for_byte(linker):
    markup = (
        '<!DOCTYPE html><html><head><title>token</title><style>.token{}</style></head><body>\n'
        '<h2>Reward model</h2><p title="a token here" data-x=\'reward model\'>A reward model &amp; a token.</p>'
        '<p><a href="/x">token</a> <code>token</code> <pre>token</pre> <span class="kg-skip">token</span>'
        "<script>var token = 1;</script><!-- token --> LLMs</p></body></html>"
    )
    out, spans = linker.annotate_html(markup)
    assert strip_links(out) == markup
    assert [(s.text, s.term) for s in spans] == [
        ("reward model", "reward-model"),
        ("token", "token"),
        ("LLMs", "large-language-model"),
    ]
    assert all(markup[s.start : s.end] == s.text for s in spans)
    assert '<a class="kg-term" data-term="reward-model" href="/terms/reward-model">reward model</a>' in out


def test_headings_can_be_linked_when_asked():
    lk = Linker([TermForms("token", "token")], link_headings=True)
    assert [s.text for s in lk.find_html("<h2>token</h2>")] == ["token"]
    assert Linker([TermForms("token", "token")]).find_html("<h2>token</h2>") == []


def test_character_references_inside_a_form(linker):
    markup = "<p>Scoring by generate-don&#39;t-fit is neat.</p>"
    spans = linker.find_html(markup)
    assert [s.term for s in spans] == ["generate-dont-fit"]
    assert spans[0].text == "generate-don&#39;t-fit"


def test_malformed_html_never_crashes_and_spans_stay_valid(linker):
    for markup in ["", "<", "<p", "<p>token", "</p>token<", "<a>token", "a < b token", "<!-- token", "<<>>token&",
                   "<p title='token>token</p>", "&#99999999; token &bogus; token"]:
        out, spans = linker.annotate_html(markup)
        assert strip_links(out) == markup
        for s in spans:
            assert markup[s.start : s.end] == s.text


def test_conflicting_forms_are_reported_with_the_entries_named():
    lk = Linker([TermForms("a", "judge"), TermForms("b", "Judge model", aliases=("judge",))])
    assert [str(c) for c in lk.conflicts] == ["'judge' could be 'a' or 'b'; linked to 'a'"]


# -- the two paths agree -----------------------------------------------------------------
def test_build_time_mentions_agree_with_serve_time_annotate(sample_store, server):
    store = pyoxigraph.Store.read_only(str(sample_store / (sample_store / "CURRENT").read_text().strip()))
    kg = "https://paperdive.ai/ontology#"
    q = f"""SELECT ?p ?text (GROUP_CONCAT(STR(?t); SEPARATOR=" ") AS ?terms) WHERE {{
      ?p a <{kg}ReviewParagraph> ; <http://schema.org/text> ?text .
      OPTIONAL {{ ?p <{kg}mentions> ?t }} }} GROUP BY ?p ?text"""
    paragraphs = list(store.query(q, use_default_graph_as_union=True))
    assert len(paragraphs) == 26
    linked = 0
    for row in paragraphs:
        in_graph = {t.rsplit("/", 1)[-1] for t in (row["terms"].value if row["terms"] else "").split()}
        status, body = post(server, "/api/annotate", json.dumps({"text": row["text"].value}).encode())
        assert status == 200
        assert {s["term"] for s in body["spans"]} == in_graph
        linked += len(in_graph)
    assert linked > 150  # the review uses many glossary terms


def test_api_annotate_text_and_html(server):
    status, body = post(server, "/api/annotate", json.dumps({"text": "Reward models and RL."}).encode())
    assert status == 200
    assert body == {
        "spans": [
            {"start": 0, "end": 13, "term": "reward-model", "text": "Reward models"},
            {"start": 18, "end": 20, "term": "reinforcement-learning", "text": "RL"},
        ]
    }
    status, body = post(server, "/api/annotate", json.dumps({"html": "<p>a <b>token</b></p>"}).encode())
    assert status == 200
    assert body["html"] == '<p>a <b><a class="kg-term" data-term="token" href="/terms/token">token</a></b></p>'
    assert body["spans"] == [{"start": 8, "end": 13, "term": "token", "text": "token"}]


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"text": 3}', b'{"text": "a", "html": "b"}', b"{}"])
def test_api_annotate_rejects_bad_bodies_with_the_error_shape(server, body):
    status, data = post(server, "/api/annotate", body)
    assert status == 400
    assert data["error"]["code"] == "bad_request" and data["error"]["message"]


def test_api_annotate_over_one_megabyte_is_413(server):
    status, data = post(server, "/api/annotate", json.dumps({"text": "token " * 200_000}).encode())
    assert status == 413
    assert "larger than 1048576 bytes" in data["error"]["message"]


def test_api_annotate_one_repeated_word_near_the_limit(server):
    text = "token " * 170_000  # ~1 MB of one repeated word
    status, data = post(server, "/api/annotate", json.dumps({"text": text}).encode())
    assert status == 200 and len(data["spans"]) == 170_000


def test_cli_annotate_prints_the_same_json(sample_store, tmp_path, server):
    page = tmp_path / "page.html"
    page.write_text("<p>The LLM and its reward model.</p>", encoding="utf-8")
    cli = json.loads(kg_cmd("annotate", str(page), "--html", "--store", str(sample_store)).stdout)
    status, api = post(server, "/api/annotate", json.dumps({"html": page.read_text()}).encode())
    assert status == 200 and cli == api
    assert [s["term"] for s in cli["spans"]] == ["large-language-model", "reward-model"]


def test_cli_annotate_names_a_missing_file(sample_store):
    proc = kg_cmd("annotate", "no-such.txt", "--store", str(sample_store), check=False)
    assert proc.returncode == 1 and "no-such.txt" in proc.stderr and "Traceback" not in proc.stderr


def test_review_page_links_terms_server_side(server):
    with urllib.request.urlopen(server.url + "/reviews/2026-06-28", timeout=10) as resp:
        html = resp.read().decode()
    assert 'class="kg-term" data-term="reinforcement-learning" href="/terms/reinforcement-learning"' in html
    assert "<h2>" in html and not re.search(r"<h[23][^>]*>[^<]*<a class=\"kg-term\"", html)
    # first mention per section only: no term is linked twice within one subsection
    for section in re.split(r"<section|<h[1-6]", html):
        terms = re.findall(r'data-term="([a-z0-9-]+)"', section)
        assert len(terms) == len(set(terms))


def test_review_page_links_each_e_number_to_its_episode(server):
    with urllib.request.urlopen(server.url + "/reviews/2026-06-28", timeout=10) as resp:
        html = resp.read().decode()
    refs = re.findall(r'<a class="episode-ref" href="/episodes/(E\d+)">(E\d+)</a>', html)
    assert refs and all(a == b for a, b in refs)
    assert {a for a, _b in refs} == {f"E{n}" for n in range(162, 180)}  # every episode the review discusses
    assert "E172</a>" in html and not re.search(r'data-term="[^"]*"[^>]*>E\d+<', html)


def test_a_builds_bulk_written_mentions_are_the_quads_an_ingest_would_write(sample_store, tmp_path):
    """A build writes the mention graphs as N-Quads text (kg.mentions._bulk_load_mentions);
    relinking every source one by one, as an ingest does, must give the very same quads."""
    from kg import mentions
    from kg.store.changes import Changes

    built = pyoxigraph.Store.read_only(str(sample_store / (sample_store / "CURRENT").read_text().strip()))
    prefix = mentions.MENTION_GRAPH_PREFIX
    in_build = {q for q in built if q.graph_name.value.startswith(prefix)}
    assert len(in_build) > 1000
    rows = mentions.texts(built)
    by_graph = mentions.mention_quads(mentions.store_linker(built), rows)
    one_by_one = {q for quads in by_graph.values() for q in quads}
    assert in_build == one_by_one
    # and the text path itself, into an empty store, writes the same
    empty = pyoxigraph.Store(str(tmp_path / "s"))
    n = mentions._bulk_load_mentions(empty, mentions.store_linker(built), rows)
    assert set(empty) == one_by_one and n == len(one_by_one)
    # an ingest-style refresh of the built store changes nothing
    copy = pyoxigraph.Store(str(tmp_path / "c"))
    copy.bulk_extend(list(built))
    assert mentions.refresh_mentions(copy, Changes(graphs={"https://paperdive.ai/id/graph/glossary/glossary"})) == len(
        one_by_one
    )
    assert {q for q in copy if q.graph_name.value.startswith(prefix)} == in_build
