"""A non-editable install ships the ontology, queries, templates and static files."""

from __future__ import annotations

import subprocess
import sys
import zipfile

from conftest import ROOT


def test_wheel_contains_package_data(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheel = next(tmp_path.glob("*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for must in (
        "kg/ontology/kg.ttl",
        "kg/ontology/shapes.ttl",
        "kg/ontology/context.jsonld",
        "kg/queries/episode.rq",
        "kg/queries/episode.cypher",
        "kg/queries/sync_upsert_nodes.cypher",
        "kg/queries/contract.json",
        "kg/queries/examples/01-recommended-not-covered.rq",
        "kgweb/static/sparql.js",
        "kgweb/templates/sparql.html",
        "kgweb/templates/base.html",
        "kgweb/static/style.css",
        "kgweb/static/kg-tooltips.js",
        "kgweb/static/vendor/manifest.json",
        "kg/cli.py",
        "kg/nlp/annotate.py",
        "kg/nlp/linker.py",
        "kg/nlp/entities.py",
        "kg/sample/entities.yaml",
        "kg/sample/feed.xml",
        "kg/sample/reviews/2026-06-28.html",
    ):
        assert must in names, must
    assert not any(n.startswith(("tests/", "data/", ".venv")) for n in names)
