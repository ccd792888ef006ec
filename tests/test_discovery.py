"""The discovery report: terms the corpus uses that the glossary lacks (``kg gaps terms``)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import SAMPLE, kg_cmd
from kg.discovery import find_candidates
from kg.nlp.linker import form_key

COINAGES = {  # glossary id -> the coinage as the review writes it
    "capability-spillover": "capability spillover",
    "cliff-token": "cliff token",
    "performative-deliberation": "performative deliberation",
    "selective-erasure": "selective erasure",
    "injection-asymmetry": "injection asymmetry",
    "orchestration-collapse": "orchestration collapse",
    "model-forensics": "model forensics",
}
GENERIC = {"the paper", "this paper", "this episode", "the episode", "paper", "episode", "the authors", "same model"}


def gaps(store: Path, *args: str) -> list[dict]:
    return json.loads(kg_cmd("gaps", "terms", "--json", "--store", str(store), *args).stdout)


def glossary_without(ids: set[str]) -> str:
    """The sample glossary with some terms removed (and every reference to them)."""
    data = yaml.safe_load((SAMPLE / "glossary.yaml").read_text(encoding="utf-8"))
    data["terms"] = [t for t in data["terms"] if t["id"] not in ids]
    for t in data["terms"]:
        for field in ("broader", "related"):
            t[field] = [x for x in t.get(field) or [] if x not in ids]
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@pytest.fixture(scope="module")
def thinner_store(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("thinner")
    data = root / "data"
    shutil.copytree(SAMPLE, data)
    (data / "glossary.yaml").write_text(glossary_without(set(COINAGES)), encoding="utf-8")
    kg_cmd("build", "--data", str(data), "--store", str(root / "kg"))
    return root / "kg"


def test_the_report_has_the_editor_contract_shape(sample_store):
    found = gaps(sample_store)
    assert 10 <= len(found) <= 100
    for c in found:
        assert {"term", "count", "episodes", "score", "contexts", "suggested_definition"} <= set(c)
        assert isinstance(c["term"], str) and c["count"] >= 1 and c["episodes"] >= 0
        assert c["contexts"] and all(set(x) == {"text", "source", "url"} for x in c["contexts"])
        assert all(x["url"].startswith(("/episodes/", "/reviews/", "/topics/")) for x in c["contexts"])
    assert [c["score"] for c in found] == sorted((c["score"] for c in found), reverse=True)
    chapter = next(x for c in found for x in c["contexts"] if x["url"].startswith("/episodes/") and "#t" in x["url"])
    # "E172 04:21" <-> /episodes/E172#t261
    assert chapter["source"].split()[0] == chapter["url"].split("/")[2].split("#")[0]


def test_nothing_the_glossary_has_and_nothing_generic(sample_store):
    from kg.parsers.glossary import read_glossary

    found = gaps(sample_store)
    forms = {form_key(f) for t in read_glossary(SAMPLE / "glossary.yaml").terms for f in t.surface_forms}
    for c in found:
        assert form_key(c["term"]) not in forms, c["term"]
        assert c["term"].lower() not in GENERIC, c["term"]
        assert not c["term"].lower().startswith(("the ", "this ", "a ", "an ")), c["term"]


def test_coinages_the_glossary_lacks_surface_near_the_top(thinner_store):
    top = [c["term"] for c in gaps(thinner_store, "--limit", "10")]
    for coinage in COINAGES.values():
        assert coinage in top, (coinage, top)


def test_a_defined_coinage_comes_with_its_defining_sentence(thinner_store):
    by_term = {c["term"]: c for c in gaps(thinner_store, "--limit", "20")}
    spill = by_term["capability spillover"]
    assert spill["suggested_definition"].startswith("The most surprising result is 'capability spillover':")
    assert {x["source"].split()[0] for x in spill["contexts"]} >= {"E175", "2026-06-28"}
    assert spill["episodes"] == 1 and spill["count"] == 3
    assert "'selective erasure' —" in by_term["selective erasure"]["suggested_definition"]
    assert "coin 'performative deliberation'" in by_term["performative deliberation"]["suggested_definition"]


def test_limit_and_the_human_report(sample_store):
    assert len(gaps(sample_store, "--limit", "3")) == 3
    proc = kg_cmd("gaps", "terms", "--limit", "5", "--store", str(sample_store))
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["score", "uses", "eps", "term"]
    assert len([x for x in lines if x[:7].strip().replace(".", "").isdigit()]) == 5


def test_missing_store_is_a_clear_error(tmp_path):
    proc = kg_cmd("gaps", "terms", "--store", str(tmp_path / "nowhere"), check=False)
    assert proc.returncode == 1 and "E050" in proc.stderr and "Traceback" not in proc.stderr


def unit(text: str, kind: str = "paragraph") -> dict:
    return {
        "source": "g", "node": f"n{abs(hash(text))}", "kind": kind, "text": text, "episode": None,
        "timestamp": None, "start": None, "review": "2026-06-28", "position": 1, "topic": None, "refs": [],
    }  # fmt: skip


def test_definition_patterns_on_plain_texts():
    texts = [
        unit("The authors call this 'gradient starvation': the updates stop reaching early layers."),
        unit("A system called ZetaForge writes kernels. ZetaForge then profiles them."),
        unit("Gradient starvation hits deep stacks hardest."),
        unit("We call this drift collapse, a failure of long runs."),
    ]
    found = {c["term"]: c for c in find_candidates(texts, [])}
    assert found["drift collapse"]["evidence"][0] == "defined"
    assert found["drift collapse"]["suggested_definition"] == "We call this drift collapse, a failure of long runs."
    assert found["gradient starvation"]["count"] == 2
    definition = found["gradient starvation"]["suggested_definition"]
    assert definition.startswith("The authors call this 'gradient starvation'")
    assert found["ZetaForge"]["count"] == 2


@pytest.mark.parametrize(
    "text", ["", "   ", "\u200b" * 30, "🤖 " * 200, "token " * 50_000, "'a' 'b' '' ' ' 'x, y'", "<p>" * 1000,
             "\u202e'right to left' \u202c" * 10, "A: B: C: D:", "called called called"]
)  # fmt: skip
def test_odd_texts_never_crash(text):
    for c in find_candidates([unit(text)], []):
        for ctx in c["contexts"]:
            assert isinstance(ctx["text"], str)


def test_a_pipeline_that_is_not_installed_is_a_clear_error(sample_store):
    proc = kg_cmd("gaps", "terms", "--store", str(sample_store), env={"KG_SPACY_PIPELINE": "xx_no_such_pipeline"},
                  check=False)  # fmt: skip
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "E080" in proc.stderr and "xx_no_such_pipeline" in proc.stderr and "KG_SPACY_PIPELINE" in proc.stderr
