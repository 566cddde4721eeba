"""Shared fixtures: paths of the H2O oracle data."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
H2O = DATA / "h2o"

#: The A-runs of the H2O fixtures: MOJO scoring oracles (see tests/data/h2o/trainA.py).
A_RUNS = ("A1_reg", "A2_bin", "A3_mult", "A4_pois", "A5_ae", "A6_nostd", "A7_rdrop", "A8_lap")


@pytest.fixture(scope="session")
def h2o_dir() -> Path:
    return H2O
