"""Scoring while training: the history, its metrics and schedule, against H2O-3's own histories.

The runs of tests/test_online_parity.py train the same weights as H2O bit for bit, so every number of
H2O's scoring history (tests/data/h2o_train/<run>/info.json) is an oracle for tabdl's: the counters of
each scoring event and the training metrics computed on the same predictions.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import tabdl
from test_online_parity import BIT_EXACT, TRAIN, X, _train

from conftest import read_h2o_parsed

TIMING = ("timestamp", "duration", "training_speed")
#: H1_nostd trains H2O's weights, but H2O scores a missing numeric as 0 where it trained on the mean
#: (docs/h2o-differences.md, item 4), so its training metrics are not an oracle for tabdl's.
SCORES_DIFFERENTLY = {"H1_nostd"}
HISTORY_RUNS = [
    run
    for run in BIT_EXACT
    if (TRAIN / run / "info.json").exists() and run not in SCORES_DIFFERENTLY
]


def _h2o_history(run: str) -> pd.DataFrame:
    sh = json.loads((TRAIN / run / "info.json").read_text())["sh"]
    frame = pd.DataFrame(sh).drop(columns=[""])
    return frame.apply(pd.to_numeric, errors="coerce").drop(columns=list(TIMING))


@pytest.mark.parametrize("run", HISTORY_RUNS)
def test_history_equals_h2os(run):
    data, y, params = BIT_EXACT[run]
    model = _train(data, y, dict(params, overwrite_with_best_model=False))
    ours = model.scoring_history()
    theirs = _h2o_history(run)
    assert list(ours.columns) == list(TIMING) + list(theirs.columns)
    ours = ours.drop(columns=list(TIMING))
    assert len(ours) == len(theirs), f"{run}: {len(ours)} scoring events, H2O {len(theirs)}"
    for column in theirs:
        np.testing.assert_allclose(
            ours[column].to_numpy(float), theirs[column].to_numpy(float), rtol=1e-9, atol=1e-12,
            err_msg=f"{run}: {column}",
        )  # fmt: skip


def test_history_columns_per_problem_and_with_validation():
    frame = read_h2o_parsed(TRAIN / "trainC_h2o_parsed.csv", {"c1": str, "yc": str})
    model = tabdl.DeepLearningEstimator(hidden=[3], epochs=2, seed=1, reproducible=True)
    model.train(x=X, y="yc", training_frame=frame, validation_frame=frame)
    history = model.scoring_history()
    block = ["rmse", "logloss", "r2", "classification_error", "auc", "pr_auc"]
    assert list(history.columns) == [
        *TIMING, "epochs", "iterations", "samples",
        *(f"training_{m}" for m in block), *(f"validation_{m}" for m in block),
    ]  # fmt: skip
    # the same rows, all of them: training and validation metrics agree
    last = history.iloc[-1]
    assert last["training_logloss"] == pytest.approx(last["validation_logloss"], rel=1e-12)
    assert model.model_performance(valid=True).logloss() == pytest.approx(
        last["validation_logloss"], rel=1e-12
    )
