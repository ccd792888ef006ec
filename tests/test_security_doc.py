"""SECURITY.md stays true to the code: every test file, test and script it names exists."""

from __future__ import annotations

import re

from conftest import ROOT


def test_every_file_and_test_security_md_names_exists():
    text = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
    files = set(re.findall(r"`((?:tests|scripts)/[\w/.-]+\.(?:py|json))(?:::(\w+))?`", text))
    assert len(files) >= 15
    for path, test in files:
        assert (ROOT / path).is_file(), path
        if test:
            assert re.search(rf"^def {test}\(", (ROOT / path).read_text(encoding="utf-8"), re.M), f"{path}::{test}"
    for setting in set(re.findall(r"`(KG_[A-Z_]+)`", text)):
        from kg.settings import SETTINGS

        assert setting.removeprefix("KG_") in {s.name for s in SETTINGS}, setting
