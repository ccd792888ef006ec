"""Bad input gets a specific message naming file and line or field, and loses nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SAMPLE, kg_cmd

FEED = (SAMPLE / "feed.xml").read_text(encoding="utf-8")
GLOSSARY = (SAMPLE / "glossary.yaml").read_text(encoding="utf-8")
REVIEW = (SAMPLE / "reviews" / "2026-06-28.html").read_text(encoding="utf-8")


def dump(store: Path) -> str:
    return kg_cmd("export", "--store", str(store), "--format", "nq", "-").stdout


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def ingest_bad(store: Path, tmp_path: Path, kind: str, name: str, content: str):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    before = dump(store)
    proc = kg_cmd("ingest", kind, str(path), "--store", str(store), check=False)
    assert dump(store) == before, "a failed ingest must leave the store exactly as it was"
    assert "Traceback" not in proc.stderr
    return proc, path


def test_feed_that_is_not_xml(fresh_store, tmp_path):
    proc, path = ingest_bad(fresh_store, tmp_path, "feed", "feed.xml", "<rss><channel><item>oops</channel>")
    assert proc.returncode == 1
    assert f"{path}:1" in proc.stderr and "E010" in proc.stderr


def test_episode_with_no_source_line(fresh_store, tmp_path):
    bad = FEED.replace("Source: https://arxiv.org/abs/2606.25524 ", "", 1)
    proc, path = ingest_bad(fresh_store, tmp_path, "feed", "feed.xml", bad)
    assert proc.returncode == 1 and "E020" in proc.stderr
    item_line = bad[: bad.index("One Bad Token Can Sink")].rfind("<item")
    assert f"{path}:{bad[:item_line].count(chr(10)) + 1}" in proc.stderr
    assert "One Bad Token" in proc.stderr


def test_malformed_chapter_timestamp(fresh_store, tmp_path):
    bad = FEED.replace("04:21 - The stray 7", "04:2l - The stray 7", 1)
    proc, _ = ingest_bad(fresh_store, tmp_path, "feed", "feed.xml", bad)
    assert proc.returncode == 1 and "E021" in proc.stderr and "04:2l" in proc.stderr


def test_two_items_with_the_same_guid(fresh_store, tmp_path):
    bad = FEED.replace("paperdive-E177", "paperdive-E179", 1)
    proc, path = ingest_bad(fresh_store, tmp_path, "feed", "feed.xml", bad)
    assert proc.returncode == 1 and "E012" in proc.stderr and "paperdive-E179" in proc.stderr
    assert f"{path}:" in proc.stderr


def test_reading_item_with_no_url_is_a_warning(fresh_store, tmp_path):
    bad = FEED.replace(" (https://arxiv.org/abs/2203.11171)", "", 1)
    path = tmp_path / "feed.xml"
    path.write_text(bad, encoding="utf-8")
    proc = kg_cmd("ingest", "feed", str(path), "--store", str(fresh_store))
    assert "W020" in proc.stderr and "reading item 4" in proc.stderr and str(path) in proc.stderr


def test_review_citing_an_unknown_episode_is_a_warning(fresh_store, tmp_path):
    bad = REVIEW.replace("proves it backwards", "proves it backwards (see also E999)", 1)
    path = tmp_path / "2026-06-28.html"
    path.write_text(bad, encoding="utf-8")
    proc = kg_cmd("ingest", "review", str(path), "--store", str(fresh_store))
    assert "W031" in proc.stderr and "E999" in proc.stderr
    assert f"{path}:{_line_of(bad, 'see also E999')}" in proc.stderr


def test_glossary_entry_with_no_definition(fresh_store, tmp_path):
    bad = GLOSSARY.replace("terms:\n", "terms:\n  - id: no-definition\n    label: undefined thing\n", 1)
    proc, path = ingest_bad(fresh_store, tmp_path, "glossary", "glossary.yaml", bad)
    assert proc.returncode == 1 and "E041" in proc.stderr
    assert f"{path}:{_line_of(bad, '- id: no-definition')}" in proc.stderr and "definition" in proc.stderr


def test_glossary_duplicate_alias_names_both_entries(fresh_store, tmp_path):
    bad = GLOSSARY.replace(
        "terms:\n", "terms:\n  - id: zz-dupe\n    label: speculative decoding\n    definition: Twice.\n", 1
    )
    proc, _ = ingest_bad(fresh_store, tmp_path, "glossary", "glossary.yaml", bad)
    assert proc.returncode == 1 and "E042" in proc.stderr
    assert "zz-dupe" in proc.stderr and "speculative-decoding" in proc.stderr


@pytest.mark.parametrize("args", [["stats"], ["validate"], ["export", "--format", "nq", "-"]])
def test_missing_store_is_a_clear_error(tmp_path, args):
    proc = kg_cmd(*args, "--store", str(tmp_path / "nowhere"), check=False)
    assert proc.returncode == 1
    assert "E050" in proc.stderr and "kg build" in proc.stderr and "Traceback" not in proc.stderr


def test_missing_file_is_a_clear_error(fresh_store, tmp_path):
    proc = kg_cmd("ingest", "feed", str(tmp_path / "nope.xml"), "--store", str(fresh_store), check=False)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
