"""Neighbourhood pages, the glossary search and the graph JSON, over real HTTP on the sample store."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest


def get(server, path: str) -> tuple[int, str, dict]:
    try:
        with urllib.request.urlopen(server.url + path, timeout=20) as resp:
            return resp.status, resp.read().decode(), dict(resp.headers)
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(), dict(err.headers)


def graph_json(server, query: str) -> dict:
    status, body, headers = get(server, "/api/graph?" + query)
    assert status == 200, body
    assert headers["Content-Type"].startswith("application/json")
    return json.loads(body)


def scripts_are_external_or_data(html: str) -> None:
    """No inline script anywhere: every <script> has a src or is a JSON data block (CSP script-src 'self')."""
    for tag, body in re.findall(r"(<script\b[^>]*>)(.*?)</script>", html, flags=re.S):
        data_block = 'type="application/json"' in tag or 'type="application/ld+json"' in tag
        assert 'src="/' in tag or data_block, tag
        if data_block:
            json.loads(body)  # parses as JSON …
            assert "</" not in body  # … and cannot close the script element


# -- /api/graph ----------------------------------------------------------------------------------------
def test_paper_neighbourhood_has_recommending_episodes_and_co_recommended_papers(server):
    data = graph_json(server, "focus=paper/arxiv/2305.18290")
    nodes = {n["id"]: n for n in data["nodes"]}
    dpo = nodes["paper/arxiv/2305.18290"]
    assert dpo["focus"] and dpo["state"] == "recommended" and dpo["kind"] == "paper"
    assert {"episode/E172", "episode/E173"} <= set(nodes)
    assert "paper/arxiv/2305.20050" in nodes  # Let's Verify, recommended alongside it twice
    edges = {(e["from"], e["kind"], e["to"]) for e in data["edges"]}
    assert ("episode/E172", "recommends", "paper/arxiv/2305.18290") in edges
    assert ("episode/E173", "recommends", "paper/arxiv/2305.18290") in edges
    assert any(k == "co_recommended" and "paper/arxiv/2305.20050" in (s, o) for s, k, o in edges)
    # sized by degree, coloured by kind, the coverage state drawn as a dashed open border
    assert dpo["degree"] >= 7
    others = sorted((n for n in data["nodes"] if not n["focus"]), key=lambda n: n["degree"])
    assert [n["value"] for n in others] == sorted(n["value"] for n in others)  # bigger with more connections
    assert dpo["value"] == max(n["value"] for n in data["nodes"])  # the page's own node stands out
    assert dpo["color"]["background"] == "#ffffff" and dpo["shapeProperties"]["borderDashes"]
    assert nodes["episode/E172"]["color"]["background"] != dpo["color"]["border"]
    assert data["options"]["physics"]["stabilization"]["iterations"] <= 400
    assert {k["kind"] for k in data["meta"]["kinds"]} == {"paper", "episode"}


def test_covered_paper_is_marked_covered(server):
    data = graph_json(server, "focus=paper/arxiv/2606.25524")
    nodes = {n["id"]: n for n in data["nodes"]}
    assert nodes["paper/arxiv/2606.25524"]["state"] == "covered"
    assert ("episode/E172", "covers", "paper/arxiv/2606.25524") in {
        (e["from"], e["kind"], e["to"]) for e in data["edges"]
    }


def test_term_neighbourhood_folds_chapters_into_episodes(server):
    data = graph_json(server, "focus=term/speculative-decoding")
    nodes = {n["id"]: n for n in data["nodes"]}
    assert nodes["term/speculative-decoding"]["kind"] == "method"
    assert nodes["term/speculative-decoding"]["state"] == "explained"
    edges = {(e["from"], e["kind"], e["to"]) for e in data["edges"]}
    assert ("episode/E179", "explains", "term/speculative-decoding") in edges
    assert ("term/speculative-decoding", "broader", "term/inference-acceleration") in edges
    assert not any("/chapter/" in n for n in nodes)


def test_full_iri_focus_and_depth(server):
    one = graph_json(server, "focus=https://paperdive.ai/id/topic/ai-for-scientific-discovery&depth=1")
    two = graph_json(server, "focus=topic/ai-for-scientific-discovery&depth=2")
    assert one["meta"]["focus"] == "topic/ai-for-scientific-discovery"
    assert {"episode/E176", "review/2026-06-28"} <= {n["id"] for n in one["nodes"]}
    assert len(two["nodes"]) > len(one["nodes"])


def test_overview_and_kind_filter(server):
    everything = graph_json(server, "")
    assert everything["meta"]["total_nodes"] == len(everything["nodes"]) == 405
    coverage = graph_json(server, "kinds=episode,paper,topic")
    assert {n["kind"] for n in coverage["nodes"]} == {"episode", "paper", "topic"}
    assert len(coverage["nodes"]) == 18 + 32 + 9
    top = graph_json(server, "limit=10")
    assert len(top["nodes"]) == 10 and top["meta"]["total_nodes"] == 405
    degrees = [n["degree"] for n in top["nodes"]]
    assert degrees == sorted(degrees, reverse=True)


@pytest.mark.parametrize(
    "query,status",
    [
        ("focus=paper/arxiv/0000.00000", 404),
        ("focus=nothing/here", 404),
        ("focus=paper/%3Cscript%3E", 404),
        ("depth=3&focus=term/dpo", 400),
        ("depth=-1", 400),
        ("limit=abc", 400),
        ("limit=999999", 400),
        ("kinds=episode,spaceship", 400),
    ],
)
def test_graph_api_errors_have_the_json_shape(server, query, status):
    code, body, _ = get(server, "/api/graph?" + query)
    assert code == status
    err = json.loads(body)["error"]
    assert err["status"] == status and err["message"]


def test_graph_titles_are_plain_text(server):
    data = graph_json(server, "focus=episode/E174")
    node = next(n for n in data["nodes"] if n["id"] == "episode/E174")
    assert node["title"].startswith("Episode\nE174: When the AI 'Schemes,'")  # text, not markup
    assert "<" not in json.dumps([n["title"] for n in data["nodes"]])


# -- pages ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path,focus",
    [
        ("/papers/arxiv/2305.18290", "paper/arxiv/2305.18290"),
        ("/episodes/E172", "episode/E172"),
        ("/terms/speculative-decoding", "term/speculative-decoding"),
        ("/topics/coding-and-software-engineering-agents", "topic/coding-and-software-engineering-agents"),
        ("/methods/speculative-decoding", "term/speculative-decoding"),
        ("/benchmarks/alfworld", "term/alfworld"),
    ],
)
def test_every_page_carries_a_graph_panel(server, path, focus):
    status, html, headers = get(server, path)
    assert status == 200
    assert f'data-focus="{focus}"' in html and 'data-api="/api/graph"' in html
    assert re.search(r'<script src="/vendor/vis-network-\d+\.\d+\.\d+\.min\.js" defer>', html)
    assert '<script src="/static/graph.js' in html
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    scripts_are_external_or_data(html)


def test_graph_page_embeds_its_data_as_json(server):
    status, html, _ = get(server, "/graph?focus=paper/arxiv/2305.18290")
    assert status == 200
    assert "Graph around Direct Preference Optimization" in html
    block = re.search(r'<script type="application/json" class="kg-graph-data">(.*?)</script>', html, re.S)
    data = json.loads(block.group(1))
    assert {"episode/E172", "episode/E173"} <= {n["id"] for n in data["nodes"]}
    scripts_are_external_or_data(html)
    status, html, _ = get(server, "/graph")  # the coverage view by default
    assert status == 200 and "All 60 nodes of these kinds: episode, paper, topic, review" in html
    status, html, _ = get(server, "/graph?kinds=all")
    assert status == 200 and "All 405 nodes" in html
    assert get(server, "/graph?focus=paper/none")[0] == 404


def test_vis_network_is_served_by_the_app(server):
    _, html, _ = get(server, "/graph")
    js = re.search(r'src="(/vendor/vis-network-[\d.]+\.min\.js)"', html).group(1)
    css = re.search(r'href="(/vendor/vis-network-[\d.]+\.css)"', html).group(1)
    status, body, headers = get(server, js)
    assert status == 200 and "vis-network" in body[:400] and "javascript" in headers["Content-Type"]
    assert "max-age=31536000" in headers.get("Cache-Control", "")
    assert get(server, css)[0] == 200
    assert get(server, "/vendor/vis-network-0.0.1.min.js")[0] == 404
    assert get(server, "/vendor/..%2F..%2Fnetwork.py")[0] == 404
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()


def test_paper_page_neighbourhood(server):
    status, html, _ = get(server, "/papers/arxiv/2305.18290")
    assert status == 200
    rec = html.split('id="h-rec"')[1].split("</section>")[0]
    assert 'href="/episodes/E172"' in rec and 'href="/episodes/E173"' in rec
    co = html.split('id="h-co"')[1].split("</section>")[0]
    assert co.count("Let&#39;s Verify Step by Step") == 1  # one row per paper
    assert "(2×)" in co


def test_term_page_lists_chapters_with_timestamps_counts_and_related_terms(server):
    status, html, _ = get(server, "/terms/speculative-decoding")
    assert status == 200
    explained = html.split('id="h-ex"')[1].split("</section>")[0]
    assert 'href="/episodes/E179#t127"' in explained and "at 02:07" in explained
    assert "The junior, the expert, and free speed" in explained
    mentioned = html.split('id="h-men"')[1].split("</section>")[0]
    assert re.search(r"\(\d+×\)", mentioned)
    for section, slug in (("h-broader", "inference-acceleration"), ("h-narrower", "draft-model"),
                          ("h-related", "accepted-length")):
        assert f'href="/terms/{slug}"' in html.split(f'id="{section}"')[1].split("</section>")[0]
    assert 'href="/entities/method/speculative-decoding"' in html  # its method page


def test_method_and_benchmark_pages(server):
    status, html, _ = get(server, "/methods/speculative-decoding")
    assert status == 200
    assert "<h1>speculative decoding</h1>" in html
    assert 'id="h-evaluated"' in html and "No benchmark is recorded for this method yet." in html
    assert 'href="/episodes/E179#t127"' in html
    status, html, _ = get(server, "/benchmarks/alfworld")
    assert status == 200 and "<h1>ALFWorld</h1>" in html and 'id="h-evaluates"' in html
    assert get(server, "/entities/method/speculative-decoding")[0] == 200
    # a term of another kind: redirected to its own page, or 404 when it is no entity at all
    req = urllib.request.Request(server.url + "/benchmarks/speculative-decoding")
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as err:
        opener.open(req, timeout=10)
    assert err.value.code == 301 and err.value.headers["Location"].endswith("/methods/speculative-decoding")
    assert get(server, "/methods/token")[0] == 404
    assert get(server, "/entities/spaceship/token")[0] == 404
    status, html, _ = get(server, "/methods/")
    assert status == 200 and 'href="/methods/speculative-decoding"' in html
    assert get(server, "/entities/organisation/")[0] == 200


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_topic_page_neighbourhood(server):
    status, html, _ = get(server, "/topics/training-and-reinforcement-learning-for-llm-agents")
    assert status == 200
    episodes = html.split('id="h-episodes"')[1].split("</section>")[0]
    assert all(f'href="/episodes/E{n}"' in episodes for n in (162, 163, 165, 167, 173))
    recommended = html.split('id="h-recommended"')[1].split("</section>")[0]
    assert 'href="/papers/arxiv/2305.18290"' in recommended
    assert 'href="/papers/arxiv/2606.26080"' in html.split('id="h-covered"')[1]
    assert 'href="/reviews/2026-06-28"' in html


@pytest.mark.parametrize(
    "q,slug",
    [
        ("GRPO", "grpo"),  # acronym
        ("group-relative policy", "grpo"),  # alias, punctuation folded
        ("darwin godel", "darwin-godel-machine"),  # accents folded
        ("CoT", "chain-of-thought"),
    ],
)
def test_glossary_search_over_labels_aliases_and_acronyms(server, q, slug):
    status, html, _ = get(server, "/glossary?q=" + urllib.request.quote(q))
    assert status == 200
    assert f'id="term-{slug}"' in html
    shown = re.findall(r'id="term-([^"]+)"', html)
    assert 0 < len(shown) < 345
    assert re.search(r"\d+ of 345 terms match", html)


def test_glossary_index_without_query_and_with_no_match(server):
    status, html, _ = get(server, "/glossary")
    assert status == 200 and len(re.findall(r'id="term-', html)) == 345
    assert 'data-glossary-filter' in html and '<script src="/static/glossary-filter.js"' in html
    scripts_are_external_or_data(html)
    status, html, _ = get(server, "/glossary?q=%3Cscript%3Ealert(1)%3C/script%3E")
    assert status == 200 and "No term matches" in html
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
