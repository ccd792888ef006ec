"""Every setting is documented in the README."""

from __future__ import annotations

from conftest import ROOT
from kg.settings import SETTINGS


def test_every_setting_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [s.name for s in SETTINGS if f"`KG_{s.name}`" not in readme]
    assert not missing, f"document these settings in README.md: {missing}"
    for s in SETTINGS:
        assert s.help.strip(), s.name
