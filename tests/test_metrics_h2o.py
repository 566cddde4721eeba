"""tabdl.metrics against H2O-3 3.46.0.11 itself (fixtures from tools/make_metrics_fixtures.py).

The inputs are the exact doubles H2O held, and ``chunk_rows`` replays H2O's chunk split, so H2O's
sums and its 400-bin ROC histogram are reproduced: scalars agree to 1e-15 relative except where
Java's ``Math.log``/``Math.pow`` and numpy's differ by one ulp (gamma and tweedie deviance), tables
agree exactly. The end-to-end checks on the A-runs compare with H2O's scoring history, whose
predictions tabdl recomputes from the MOJO (about 1e-16 apart), so they use 1e-12 (R2, which
divides by a variance, 1e-11).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import tabdl
from tabdl.metrics import (
    autoencoder_metrics,
    binomial_metrics,
    multinomial_metrics,
    regression_metrics,
)

from conftest import DATA, H2O

FIXTURES = DATA / "h2o_metrics"
DRUNS = Path(__file__).parent / "data" / "h2o_train" / "shared"  # the D-runs of H2O's fixtures
CASES = json.loads((FIXTURES / "cases.json").read_text())["cases"]
SCALAR_TOL = 1e-15
ULP_TOL = 1e-14  # gamma/tweedie: Math.log / Math.pow differ from numpy by an ulp now and then


def _cases(kind: str) -> list[dict]:
    return [c for c in CASES if c["kind"] == kind]


def _read_csv(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """Read numbers through Python's float(), which is correctly rounded."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, usecols=columns)
    return frame.replace("", "nan").astype(float)


@cache
def _load(name: str) -> tuple[pd.DataFrame, dict]:
    inputs = _read_csv(FIXTURES / f"{name}.csv")
    return inputs, json.loads((FIXTURES / f"{name}.json").read_text())["h2o"]


def _rel(ours: float, theirs: float) -> float:
    ours, theirs = float(ours), float(theirs)
    if np.isnan(ours) and np.isnan(theirs) or ours == theirs:
        return 0.0
    return abs(ours - theirs) / abs(theirs)


def _table_frame(t: dict) -> pd.DataFrame:
    return pd.DataFrame(t["rows"], columns=t["columns"])


def _assert_tables_equal(ours: pd.DataFrame, theirs: dict, skip: tuple[str, ...] = ()) -> None:
    expected = _table_frame(theirs)
    assert list(ours.columns) == list(expected.columns)
    assert ours.shape == expected.shape
    for col in expected.columns:
        if col in skip:
            continue
        if pd.api.types.is_numeric_dtype(expected[col]):
            np.testing.assert_array_equal(
                ours[col].to_numpy(float), expected[col].to_numpy(float), col
            )
        else:
            assert ours[col].tolist() == expected[col].tolist(), col


def _weights(inputs: pd.DataFrame):
    return inputs.get("weight")


def _printed_body(text: str) -> list[str]:
    """Printed lines after the title line (make_metrics has no algorithm name)."""
    return text.split("\n")[1:]


# -- regression ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", _cases("regression"), ids=lambda c: c["name"])
def test_regression_equals_h2o(case):
    inputs, h2o = _load(case["name"])
    m = regression_metrics(
        inputs["actual"],
        inputs["predicted"],
        _weights(inputs),
        distribution=case["distribution"],
        chunk_rows=case["chunk_rows"],
        **case.get("params", {}),
    )
    tol = ULP_TOL if case["distribution"] in ("gamma", "tweedie") else SCALAR_TOL
    assert m.nobs() == h2o["nobs"]
    pairs = [
        ("MSE", m.mse()),
        ("RMSE", m.rmse()),
        ("mae", m.mae()),
        ("rmsle", m.rmsle()),
        ("mean_residual_deviance", m.mean_residual_deviance()),
        ("r2", m.r2()),
    ]
    for key, value in pairs:
        assert _rel(value, h2o[key]) <= tol, key
    if tol == SCALAR_TOL:
        assert _printed_body(str(m)) == _printed_body(h2o["printed"])


def test_regression_nan_actuals_and_zero_weights_are_skipped_as_h2o_skips_them():
    inputs, h2o = _load("reg_gaussian_w")
    assert inputs["actual"].isna().sum() > 0 and (inputs["weight"] == 0).sum() > 0
    m = regression_metrics(inputs["actual"], inputs["predicted"], inputs["weight"])
    assert m.nobs() == h2o["nobs"] < len(inputs)


@pytest.mark.parametrize(
    ("run", "column", "kw"),
    [
        ("D1_huber", "y", dict(distribution="huber", huber_alpha=0.9)),
        ("D2_laplace", "y", dict(distribution="laplace")),
        ("D3_quant", "y", dict(distribution="quantile", quantile_alpha=0.8)),
        ("D4_pois", "cnt", dict(distribution="poisson")),
        ("D5_gamma", "yp", dict(distribution="gamma")),
        ("D6_tweedie", "yp", dict(distribution="tweedie", tweedie_power=1.3)),
    ],
)
def test_training_metrics_of_the_d_runs(run, column, kw):
    """H2O's final training metrics of a trained DL model, from its own training predictions."""
    actual = _read_csv(DRUNS.parent / "trainD.csv", [column])[column]
    predicted = _read_csv(DRUNS / run / "h2o_pred.csv")["predict"]
    history = json.loads((DRUNS / run / "info.json").read_text())["sh"]
    m = regression_metrics(actual, predicted, **kw)
    assert _rel(m.mean_residual_deviance(), history["training_deviance"][-1]) <= 1e-14
    assert _rel(m.rmse(), history["training_rmse"][-1]) <= 1e-14
    assert _rel(m.mae(), history["training_mae"][-1]) <= 1e-14
    assert _rel(m.r2(), history["training_r2"][-1]) <= 1e-13


# -- binomial -----------------------------------------------------------------------------------------


def _binomial(name: str, case: dict, chunk_rows="case"):
    inputs, _ = _load(name)
    p1 = inputs["p1"].to_numpy()
    chunks = case["chunk_rows"] if chunk_rows == "case" else chunk_rows
    return binomial_metrics(
        inputs["actual"],
        np.column_stack([1 - p1, p1]),
        _weights(inputs),
        domain=case["domain"],
        chunk_rows=chunks,
    )


@pytest.mark.parametrize("case", _cases("binomial"), ids=lambda c: c["name"])
def test_binomial_scalars_equal_h2o(case):
    m = _binomial(case["name"], case)
    h2o = _load(case["name"])[1]
    assert m.nobs() == h2o["nobs"]
    pairs = [
        ("MSE", m.mse()),
        ("RMSE", m.rmse()),
        ("r2", m.r2()),
        ("logloss", m.logloss()),
        ("AUC", m.auc()),
        ("pr_auc", m.aucpr()),
        ("Gini", m.gini()),
        ("mean_per_class_error", m.default_mean_per_class_error()),
    ]
    for key, value in pairs:
        assert _rel(value, h2o[key]) <= SCALAR_TOL, key
    threshold = float(h2o["description"].rsplit(": ", 1)[1].rstrip("."))
    assert m.default_threshold() == threshold


@pytest.mark.parametrize("case", _cases("binomial"), ids=lambda c: c["name"])
def test_binomial_tables_equal_h2o(case):
    m = _binomial(case["name"], case)
    h2o = _load(case["name"])[1]
    _assert_tables_equal(m.thresholds_and_metric_scores(), h2o["thresholds_and_metric_scores"])
    _assert_tables_equal(
        m.max_metrics_table().as_data_frame(), h2o["max_criteria_and_metric_scores"]
    )
    _assert_tables_equal(m.gains_lift(), h2o["gains_lift_table"])
    assert m.gains_lift_table().description == h2o["gains_lift_table"]["description"]
    ours_cm = m.confusion_matrix().table.as_data_frame()
    _assert_tables_equal(ours_cm, h2o["py_confusion_matrix"])
    assert _printed_body(str(m)) == _printed_body(h2o["printed"])


def test_many_probabilities_use_h2o_400_bins():
    case = next(c for c in CASES if c["name"] == "bin_many")
    inputs, _ = _load("bin_many")
    assert inputs["p1"].nunique() > 4000
    assert len(_binomial("bin_many", case).thresholds_and_metric_scores()) == 400


def test_chunk_split_changes_the_binning_and_replaying_it_restores_h2o():
    """With 7 chunks and > 400 distinct values, H2O's histogram depends on the split."""
    case = next(c for c in CASES if c["name"] == "bin_chunked_w")
    h2o = _load("bin_chunked_w")[1]
    assert len(case["chunk_rows"]) > 2
    replayed = _binomial("bin_chunked_w", case)
    one_chunk = _binomial("bin_chunked_w", case, chunk_rows=None)
    assert replayed.aucpr() == h2o["pr_auc"]
    assert one_chunk.aucpr() != h2o["pr_auc"]
    assert _rel(one_chunk.aucpr(), h2o["pr_auc"]) < 1e-2  # a different but close binning
    assert _rel(one_chunk.auc(), h2o["AUC"]) < 1e-4


# -- multinomial --------------------------------------------------------------------------------------


def _multinomial_runs():
    for case in _cases("multinomial"):
        for auc_type in _load(case["name"])[1]:
            yield pytest.param(case, auc_type, id=f"{case['name']}-{auc_type}")


@pytest.mark.parametrize(("case", "auc_type"), list(_multinomial_runs()))
def test_multinomial_equals_h2o(case, auc_type):
    inputs, h2o_all = _load(case["name"])
    h2o = h2o_all[auc_type]
    probs = inputs[[f"p_{d}" for d in case["domain"]]].to_numpy()
    m = multinomial_metrics(
        inputs["actual"],
        probs,
        _weights(inputs),
        domain=case["domain"],
        auc_type=auc_type,
        chunk_rows=case["chunk_rows"],
    )
    assert m.nobs() == h2o["nobs"]
    pairs = [
        ("MSE", m.mse()),
        ("RMSE", m.rmse()),
        ("r2", m.r2()),
        ("logloss", m.logloss()),
        ("AUC", m.auc()),
        ("pr_auc", m.aucpr()),
        ("mean_per_class_error", m.mean_per_class_error()),
    ]
    for key, value in pairs:
        assert _rel(value, h2o[key]) <= SCALAR_TOL, key
    _assert_tables_equal(m.confusion_matrix().as_data_frame(), h2o["cm"])
    _assert_tables_equal(m.hit_ratio_table().as_data_frame(), h2o["hit_ratio_table"])
    for method, key in (
        (m.multinomial_auc_table, "multinomial_auc_table"),
        (m.multinomial_aucpr_table, "multinomial_aucpr_table"),
    ):
        if h2o.get(key) is None:
            assert method() is None
        else:
            _assert_tables_equal(method().as_data_frame(), h2o[key])
    assert _printed_body(str(m)) == _printed_body(h2o["printed"])


# -- end to end: H2O's training metrics of the A-runs ------------------------------------------------------


def _history_end(run: str) -> dict:
    history = json.loads((H2O / run / "info.json").read_text())["sh"]
    return {k: v[-1] for k, v in history.items()}


def _train() -> pd.DataFrame:
    return pd.read_csv(H2O / "train.csv")


def _assert_history(ours: dict, run: str) -> None:
    expected = _history_end(run)
    for key, value in ours.items():
        tol = 1e-11 if key.endswith("_r2") else 1e-12
        assert _rel(value, expected[key]) <= tol, key


@pytest.mark.parametrize(
    ("run", "distribution"),
    [
        ("A1_reg", "gaussian"),
        ("A4_pois", "poisson"),
        ("A6_nostd", "gaussian"),
        ("A8_lap", "laplace"),
    ],
)
def test_regression_training_history(run, distribution):
    model = tabdl.import_mojo(H2O / run / "model.zip")
    response = "cnt" if run == "A4_pois" else "y"
    pred = model.predict(H2O / "train.csv")["predict"]
    m = regression_metrics(_train()[response], pred, distribution=distribution)
    ours = {
        "training_rmse": m.rmse(),
        "training_deviance": m.mean_residual_deviance(),
        "training_mae": m.mae(),
        "training_r2": m.r2(),
    }
    _assert_history(ours, run)


def _class_codes(values: pd.Series, domain: list[str]) -> np.ndarray:
    codes = pd.Categorical(values, categories=domain).codes.astype(float)
    codes[codes < 0] = np.nan
    return codes


def test_binomial_training_history():
    model = tabdl.import_mojo(H2O / "A2_bin" / "model.zip")
    pred = model.predict(H2O / "train.csv")
    domain = list(pred.columns[1:])
    m = binomial_metrics(_class_codes(_train()["yb"], domain), pred[domain], domain=domain)
    ours = {
        "training_rmse": m.rmse(),
        "training_logloss": m.logloss(),
        "training_r2": m.r2(),
        "training_auc": m.auc(),
        "training_pr_auc": m.aucpr(),
        "training_lift": m.lift_top_group(),
        "training_classification_error": m.classification_error(),
    }
    _assert_history(ours, "A2_bin")
    assert _rel(m.default_threshold(), model._fitted.default_threshold) <= 1e-12


@pytest.mark.parametrize("run", ["A3_mult", "A7_rdrop"])
def test_multinomial_training_history(run):
    model = tabdl.import_mojo(H2O / run / "model.zip")
    pred = model.predict(H2O / "train.csv")
    domain = list(pred.columns[1:])
    m = multinomial_metrics(_class_codes(_train()["cls"], domain), pred[domain], domain=domain)
    ours = {
        "training_rmse": m.rmse(),
        "training_logloss": m.logloss(),
        "training_r2": m.r2(),
        "training_classification_error": m.classification_error(),
        "training_auc": m.auc(),
        "training_pr_auc": m.aucpr(),
    }
    _assert_history(ours, run)


def test_autoencoder_training_history():
    model = tabdl.import_mojo(H2O / "A5_ae" / "model.zip")
    row_mse = model.anomaly(H2O / "train.csv").iloc[:, 0]
    m = autoencoder_metrics(row_mse)
    _assert_history({"training_mse": m.mse(), "training_rmse": m.rmse()}, "A5_ae")
