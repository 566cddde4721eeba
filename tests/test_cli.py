"""The command line: the demo trains and scores; predict writes H2O's layout."""

from __future__ import annotations

import pandas as pd

from tabdl import datasets
from tabdl.cli import main

from conftest import H2O


def test_demo_trains_a_model_and_matches_h2o_on_the_bundled_mojos(capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "Model Key: demo" in out and "Scoring History" in out and "test RMSE" in out
    assert out.count("max |tabdl - H2O-3| = ") == 2
    for line in out.splitlines():
        if line.startswith("max |tabdl - H2O-3| = "):
            assert float(line.split("= ")[1].split(",")[0]) < 1e-9


def test_predict_writes_a_csv(tmp_path, capsys):
    target = tmp_path / "pred.csv"
    assert (
        main(
            [
                "predict",
                str(H2O / "A2_bin" / "model.zip"),
                datasets.path("synthetic_test.csv"),
                "-o",
                str(target),
            ]
        )
        == 0
    )
    assert list(pd.read_csv(target).columns) == ["predict", "no", "yes"]


def test_a_bad_mojo_is_a_clean_error(tmp_path, capsys):
    bad = tmp_path / "bad.zip"
    bad.write_text("nope")
    assert main(["predict", str(bad), datasets.path("synthetic_test.csv")]) == 2
    assert "tabdl: error:" in capsys.readouterr().err
