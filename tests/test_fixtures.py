"""The seed copies used as fixtures are the real input, unchanged."""

from __future__ import annotations

import pytest

from conftest import ROOT, SEEDS

ORIGINALS = ROOT.parent / "shared" / "seeds"


@pytest.mark.parametrize("name", ["000_1dbf4de277d5096e.txt", "002_60719b701ad4a391.txt"])
def test_seed_copies_match_the_originals(name):
    if not ORIGINALS.is_dir():
        pytest.skip("../shared/seeds is not beside this checkout")
    assert (SEEDS / name).read_bytes() == (ORIGINALS / name).read_bytes()
