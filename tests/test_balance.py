"""Class balancing as H2O-3 3.46.0.11 does it: the balanced frame, training on it, corrected scores.

Oracles: models H2O trained with ``balance_classes=True`` and ``reproducible=True`` on small imbalanced
frames (tests/data/h2o_balance, made by tools/make_balance_fixtures.py): their MOJOs (weights, prior
and balanced class distributions), in-H2O predictions, scoring history and metrics. Matching weights
bit for bit means tabdl drew the same balanced rows in the same order; the sampling itself is also
checked against closed forms.
"""

from __future__ import annotations

import json
import warnings
import zipfile

import numpy as np
import pandas as pd
import pytest

import tabdl
from tabdl.encoding import encode
from tabdl.errors import DataError, ParameterError
from tabdl.frame import as_frame
from tabdl.io import read_mojo
from tabdl.io.mojo_writer import write_mojo
from tabdl.params import validate_parameters
from tabdl.training.balance import (
    balance_training_rows,
    class_distribution,
    sampling_ratios,
    stratified_validation_rows,
)

from conftest import DATA, read_h2o_parsed

BAL = DATA / "h2o_balance"
X = ["x1", "x2", "c1"]
#: Runs whose weights and biases tabdl reproduces bit for bit.
BIT_EXACT = [
    "B1_bin",
    "U1_bin",
    "B3_mult_factors_cap",
    "B4_bin_cap",
    "B5_bin_factors",
    "B6_mult_zero_factor",
    "B7_mult_valid_stratified",
]
#: Runs where one hidden bias ends a few ulps from H2O's; the unbalanced twin U2_mult shows the
#: same difference, so it comes from the engine, not from balancing (the weights are equal).
NEAR = ["B2_mult", "U2_mult"]
RUNS = BIT_EXACT + NEAR


def _info(run: str) -> dict:
    return json.loads((BAL / run / "info.json").read_text())


def _frame(name: str | None) -> pd.DataFrame | None:
    if name is None:
        return None
    return read_h2o_parsed(BAL / f"{name}_h2o_parsed.csv", {"c1": str, "y": str})


_TRAINED: dict[str, tabdl.DeepLearningEstimator] = {}


def _trained(run: str) -> tabdl.DeepLearningEstimator:
    """Train (once per session) the run's model on the frames as H2O parsed them."""
    if run not in _TRAINED:
        info = _info(run)
        _TRAINED[run] = tabdl.DeepLearningEstimator(**info["params"]).train(
            x=X,
            y="y",
            training_frame=_frame(info["data"]),
            validation_frame=_frame(info["valid"]),
        )
    return _TRAINED[run]


def _ulps(ours: np.ndarray, theirs: np.ndarray) -> int:
    if ours.dtype == np.float32:
        return int(np.abs(ours.view(np.int32).astype(np.int64) - theirs.view(np.int32)).max())
    return int(np.abs(ours.view(np.int64) - theirs.view(np.int64)).max())


# -- training on H2O's balanced frame ----------------------------------------------------------------
@pytest.mark.parametrize("run", RUNS)
def test_trained_weights_equal_h2os(run):
    ours, h2o = _trained(run)._fitted, read_mojo(BAL / run / "model.zip")
    for layer, (a, b) in enumerate(zip(ours.weights, h2o.weights, strict=True)):
        assert np.array_equal(a, b), f"weight layer {layer}"
    worst = max(_ulps(a, b) for a, b in zip(ours.biases, h2o.biases, strict=True))
    print(f"{run}: biases max ulp difference {worst}")
    assert worst == 0 if run in BIT_EXACT else worst <= 8


@pytest.mark.parametrize("run", RUNS)
def test_balanced_frame_has_h2os_size_and_class_distributions(run):
    model, info = _trained(run), _info(run)
    h2o = read_mojo(BAL / run / "model.zip")
    history = info["history"]
    rows_per_epoch = history["samples"][1] / history["epochs"][1]
    assert model.samples == history["samples"][-1]
    assert model._result.state.training_rows == pytest.approx(rows_per_epoch, rel=1e-12)
    assert np.array_equal(model._fitted.prior_class_distrib, h2o.prior_class_distrib)
    if h2o.model_class_distrib is None:  # the unbalanced twins
        assert model._fitted.model_class_distrib is None
        return
    assert np.array_equal(model._fitted.model_class_distrib, h2o.model_class_distrib)
    # H2O's class counts of the balanced frame: its distribution times its rows
    counts = np.round(h2o.model_class_distrib * rows_per_epoch)
    frame = _frame(info["data"])
    labels = frame["y"].map({v: i for i, v in enumerate(sorted(frame["y"].dropna().unique()))})
    p = info["params"]
    balanced = balance_training_rows(
        labels.to_numpy(float),
        len(counts),
        p.get("class_sampling_factors"),
        p.get("max_after_balance_size", 5.0),
        p["seed"],
    )
    ours = np.bincount(labels.to_numpy(float)[balanced.index].astype(int), minlength=len(counts))
    print(f"{run}: balanced class counts {ours.tolist()} (H2O {counts.astype(int).tolist()})")
    assert np.array_equal(ours, counts)


@pytest.mark.parametrize("run", RUNS)
def test_training_metrics_are_h2os_on_the_balanced_rows(run):
    model, info = _trained(run), _info(run)
    train = model.model_performance(train=True)
    assert train.nobs() == info["training_nobs"]
    assert train.logloss() == pytest.approx(info["training_logloss"], rel=1e-12)
    if info["default_threshold"] is not None and model._fitted.category == "Binomial":
        assert model._fitted.default_threshold == pytest.approx(
            info["default_threshold"], rel=1e-12
        )


def test_stratified_validation_sample_is_h2os():
    model, info = _trained("B7_mult_valid_stratified"), _info("B7_mult_valid_stratified")
    valid = model.model_performance(valid=True)
    assert valid.nobs() == info["validation_nobs"] == 30
    assert valid.logloss() == pytest.approx(info["validation_logloss"], rel=1e-12)


# -- predictions: the probability correction -----------------------------------------------------------
def _assert_predictions_are_h2os(ours: pd.DataFrame, run: str, threshold: float) -> None:
    h2o = pd.read_csv(BAL / run / "h2o_pred.csv", dtype={"predict": str})
    classes = list(h2o.columns[1:])
    difference = np.abs(ours[classes].to_numpy() - h2o[classes].to_numpy()).max()
    print(f"{run}: max |p - p_H2O| = {difference:.2e}")
    assert difference < 1e-12
    differ = ours["predict"].astype(str).to_numpy() != h2o["predict"].to_numpy()
    if len(classes) == 2:  # only where the probability is the threshold, within rounding
        assert np.all(np.abs(h2o[classes[1]].to_numpy()[differ] - threshold) < 1e-12)
    else:
        assert not differ.any()


@pytest.mark.parametrize("run", RUNS)
def test_tabdl_predicts_h2os_corrected_probabilities_and_labels(run):
    model = _trained(run)
    ours = model.predict(_frame(_info(run)["data"]))
    _assert_predictions_are_h2os(ours, run, model._fitted.default_threshold)


@pytest.mark.parametrize("run", RUNS)
def test_an_imported_balanced_mojo_predicts_as_h2o(run):
    model = tabdl.import_mojo(BAL / run / "model.zip")
    ours = model.predict(_frame(_info(run)["data"]))
    _assert_predictions_are_h2os(ours, run, model._fitted.default_threshold)


def test_correction_moves_probabilities_back_to_the_original_distribution():
    balanced = _trained("B2_mult")
    frame = _frame("mult")
    raw = balanced._fitted.outputs(encode(balanced._fitted.datainfo, as_frame(frame)))
    corrected = balanced.predict(frame)[["A", "B", "C"]].to_numpy()
    prior, model = balanced._fitted.prior_class_distrib, balanced._fitted.model_class_distrib
    expected = raw * prior / model
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(corrected, expected, rtol=1e-14)
    # trained on balanced classes, the raw outputs over-predict the minority classes; the
    # correction moves the mean probabilities towards the original distribution
    assert raw.mean(axis=0)[0] < corrected.mean(axis=0)[0]
    assert np.abs(corrected.mean(axis=0) - prior).max() < np.abs(raw.mean(axis=0) - prior).max()


# -- the sampling itself ---------------------------------------------------------------------------
def test_balancing_ratios_follow_h2os_documented_example():
    # H2O's FAQ: 5 classes, 900,000 rows of one and 25,000 of each other; balancing gives
    # (1, 36, 36, 36, 36) and 4.5x the rows; max_after_balance_size=3 scales them by 3/4.5
    counts = np.array([900_000.0, 25_000.0, 25_000.0, 25_000.0, 25_000.0])
    free = sampling_ratios(counts, 1_000_000, None, 5_000_000)
    np.testing.assert_allclose(free, [1, 36, 36, 36, 36], rtol=1e-6)
    capped = sampling_ratios(counts, 1_000_000, None, 3_000_000)
    np.testing.assert_allclose(capped, np.array([1, 36, 36, 36, 36]) * 3 / 4.5, rtol=1e-6)
    assert capped.dtype == np.float32
    # factors are taken as given (all zeros ask for the balancing ratios); no oversampling caps at 1
    np.testing.assert_allclose(
        sampling_ratios(counts, 1_000_000, [0.5, 2, 2, 2, 2], 10**7), [0.5, 2, 2, 2, 2]
    )
    np.testing.assert_array_equal(sampling_ratios(counts, 1_000_000, [0.0] * 5, 10**7), free)
    assert sampling_ratios(counts, 1_000_000, None, 10**7, allow_oversampling=False).max() == 1.0


def test_balanced_rows_repeat_each_row_floor_or_ceil_of_its_ratio():
    rng = np.random.default_rng(0)
    labels = rng.choice(3, size=5000, p=[0.8, 0.15, 0.05]).astype(float)
    labels[:10] = np.nan
    result = balance_training_rows(labels, 3, None, 5.0, seed=42)
    reps = np.bincount(result.index, minlength=labels.size)
    assert np.all(reps[:10] == 0)  # missing labels are dropped
    ratio = result.ratios[labels[10:].astype(int)]
    assert np.all((reps[10:] == np.floor(ratio)) | (reps[10:] == np.floor(ratio) + 1))
    counts = np.bincount(labels[result.index].astype(int))
    assert np.abs(counts / counts.sum() - 1 / 3).max() < 0.02  # balanced
    np.testing.assert_array_equal(result.model_class_distrib, counts / counts.sum())
    assert not np.all(np.diff(result.index) >= 0)  # shuffled
    again = balance_training_rows(labels, 3, None, 5.0, seed=42)
    assert np.array_equal(result.index, again.index)


def test_stratified_validation_sample_keeps_every_class_at_the_same_rate():
    rng = np.random.default_rng(1)
    labels = rng.choice(3, size=20_000, p=[0.7, 0.2, 0.1]).astype(float)
    labels[5] = np.nan
    kept = stratified_validation_rows(labels, 3, 5_000, seed=7)
    assert len(np.unique(kept)) == len(kept) and 5 not in kept  # no repeats, no missing label
    rates = np.bincount(labels[kept].astype(int)) / np.bincount(
        labels[~np.isnan(labels)].astype(int)
    )
    assert np.abs(rates - 0.25).max() < 0.02
    everything = stratified_validation_rows(labels, 3, 0, seed=7)
    assert sorted(everything.tolist()) == [i for i in range(labels.size) if i != 5]


def test_class_distribution_weighs_and_skips_missing_labels():
    labels = np.array([0.0, 1.0, np.nan, 1.0])
    np.testing.assert_array_equal(class_distribution(labels, 3), [1 / 3, 2 / 3, 0])
    weighted = class_distribution(labels, 2, np.array([3.0, 1.0, 5.0, 0.0]))
    np.testing.assert_array_equal(weighted, [0.75, 0.25])


# -- bad input -------------------------------------------------------------------------------------------
BAD = [
    ({"class_sampling_factors": [1.0, 2.0]}, "mult", "needs balance_classes=True"),
    (
        {"balance_classes": True, "class_sampling_factors": [1.0, 2.0]},
        "mult",
        "class_sampling_factors has 2 values but the response has 3 classes",
    ),
    (
        {"balance_classes": True, "class_sampling_factors": [1.0, -2.0, 3.0]},
        "mult",
        r"class_sampling_factors\[1\] must be a number >= 0",
    ),
    ({"balance_classes": True, "max_after_balance_size": 0.0}, "mult", "max_after_balance_size"),
    ({"balance_classes": True, "max_after_balance_size": -1.0}, "mult", "max_after_balance_size"),
    ({"balance_classes": True}, "regression", "balance_classes=True is for classification only"),
    (
        {"balance_classes": True, "weights_column": "x2"},
        "mult",
        "cannot be combined with weights_column",
    ),
]


@pytest.mark.parametrize(("params", "data", "match"), BAD)
def test_bad_balancing_input_is_refused(params, data, match):
    frame = _frame("mult")
    y = "x1" if data == "regression" else "y"
    model = tabdl.DeepLearningEstimator(hidden=[2], epochs=1, **params)
    with pytest.raises(ParameterError, match=match):
        model.train(x=["x2", "c1"], y=y, training_frame=frame)


def test_stratified_validation_without_balancing_warns_that_it_does_nothing():
    with pytest.warns(UserWarning, match="score_validation_sampling='Stratified' has no effect"):
        validate_parameters({"score_validation_sampling": "Stratified"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        validate_parameters({"score_validation_sampling": "Stratified", "balance_classes": True})


def test_a_class_without_rows_cannot_be_balanced():
    with pytest.raises(DataError, match="a class has no row"):
        balance_training_rows(np.array([0.0, 0.0, 2.0]), 3, None, 5.0, seed=1)


# -- every format carries the class distributions ----------------------------------------------------
FORMAT_RUNS = ["B1_bin", "B6_mult_zero_factor"]  # binomial threshold; a class with model share 0


@pytest.mark.parametrize("run", FORMAT_RUNS)
def test_the_model_file_keeps_the_correction(run, tmp_path):
    model = _trained(run)
    path = model.save(tmp_path / "model.tabdl")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the loaded model takes over the model id
        loaded = tabdl.load_model(path)
    for key in ("prior_class_distrib", "model_class_distrib"):
        assert np.array_equal(getattr(loaded._fitted, key), getattr(model._fitted, key))
    frame = _frame(_info(run)["data"])
    pd.testing.assert_frame_equal(loaded.predict(frame), model.predict(frame))


@pytest.mark.h2o
@pytest.mark.parametrize("run", FORMAT_RUNS)
def test_genmodel_corrects_an_exported_balanced_model_as_tabdl(run, genmodel, tmp_path):
    model = _trained(run)
    path = write_mojo(model._fitted, model._actual_params, tmp_path / f"{run}.zip", run)
    with zipfile.ZipFile(path) as archive:
        ini = archive.read("model.ini").decode("utf-8")
    assert "balance_classes = true" in ini and "model_class_distrib = [" in ini
    frame = _frame(_info(run)["data"])
    ours, theirs = model.predict(frame), genmodel(path, frame)
    classes = list(theirs.columns[1:])
    assert np.abs(ours[classes].to_numpy() - theirs[classes].to_numpy(float)).max() < 1e-9
    assert ours["predict"].astype(str).tolist() == theirs["predict"].tolist()


@pytest.mark.parametrize("run", FORMAT_RUNS)
def test_onnx_applies_the_correction_in_the_graph(run, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    model = _trained(run)
    path = model.save_onnx(tmp_path / "model.onnx")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    frame = _frame(_info(run)["data"])
    feeds = {}
    for node in session.get_inputs():
        column = frame[node.name]
        if node.type == "tensor(string)":
            values = np.array(["" if pd.isna(v) else str(v) for v in column], dtype=object)
        else:
            values = column.to_numpy(np.float32)
        feeds[node.name] = values.reshape(-1, 1)
    labels, probabilities = session.run(["predict", "probabilities"], feeds)
    ours = model.predict(frame)
    classes = list(model._fitted.datainfo.response_domain)
    assert np.abs(np.asarray(probabilities, float) - ours[classes].to_numpy()).max() < 1e-5
    agree = np.asarray(labels).ravel().astype(str) == ours["predict"].astype(str).to_numpy()
    assert agree.mean() > 0.95  # float32 graph: only rows at the threshold may differ
    raw = model._fitted.outputs(encode(model._fitted.datainfo, as_frame(frame)))
    assert np.abs(raw - ours[classes].to_numpy()).max() > 1e-2  # the correction is not a no-op


def test_a_restart_keeps_the_checkpoints_balancing():
    frame = _frame("mult")
    common = dict(hidden=[3], seed=3, reproducible=True)
    first = tabdl.DeepLearningEstimator(epochs=1, balance_classes=True, **common)
    first.train(x=X, y="y", training_frame=frame)
    resumed = tabdl.DeepLearningEstimator(epochs=2, checkpoint=first, **common)
    resumed.train(x=X, y="y", training_frame=frame)
    assert np.array_equal(
        resumed._fitted.model_class_distrib, first._fitted.model_class_distrib
    )  # the same balanced frame (same seed), trained for a second epoch
    assert resumed.samples == 2 * first.samples
    changed = tabdl.DeepLearningEstimator(
        epochs=2, checkpoint=first, balance_classes=False, **common
    )
    with pytest.raises(ParameterError, match="cannot change balance_classes"):
        changed.train(x=X, y="y", training_frame=frame)
