"""Variable importances and the "Status of Neuron Layers" summary, as H2O-3 3.46.0.11 reports them.

Oracles: H2O's ``varimp()`` and model summary for the A-runs (computed here from their MOJO weights),
for runs tabdl trains bit for bit (tests/data/h2o_train, with the optimiser state for the rate
columns), and tests/data/h2o_explain (headers, varimp of the D-runs, an autoencoder, a network
without hidden layer; tools/make_explain_fixtures.py).
"""

from __future__ import annotations

import ast
import dataclasses
import json
import re
import warnings

import numpy as np
import pandas as pd
import pytest

import tabdl
from tabdl.explain import (
    ada_by_layer,
    header_text,
    is_unstable,
    neuron_layer_status,
    unseen_na_buckets,
    variable_importances,
)
from tabdl.explain.layers import COLUMNS, approx_inv_sqrt_f, approx_sqrt_d, approx_sqrt_f
from tabdl.explain.varimp import unit_magnitudes
from tabdl.params import Problem, resolve, validate_parameters
from tabdl.training.network_state import NetworkState

from conftest import A_RUNS, DATA, H2O, read_h2o_parsed

TRAIN = DATA / "h2o_train"
EXPLAIN = DATA / "h2o_explain"
A_CATEGORICALS = {"c1": str, "c2": str, "c3": str, "cls": str, "yb": str}
#: H2O trains momentum SGD with this constant (its momentum-ramp bug; tests/test_online_parity.py).
H2O_MOMENTUM = 0.5 - (0.9 - 0.5) / 100.0
#: Runs of tests/data/h2o_explain that tabdl trains bit for bit (AE1: autoencoders not yet).
TRAINABLE = sorted(p.name for p in EXPLAIN.iterdir() if p.is_dir() and p.name != "AE1_autoencoder")
#: More bit-exact runs whose info.json holds their parameters (tools/make_training_fixtures.py).
LOCAL_RUNS = ("M2_maxout_dropout", "S1_sgd_max_w2", "R1_rectifier_dropout", "K2_weights")
WEIGHT_COLUMNS = ["mean_weight", "weight_rms", "mean_bias", "bias_rms"]
RATE_COLUMNS = ["mean_rate", "rate_rms", "momentum"]


# -- fixtures ------------------------------------------------------------------------------------------


def _literal(node: ast.AST) -> object:
    if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "dict":
        return {k.arg: _literal(k.value) for k in node.keywords}
    if isinstance(node, ast.Dict):
        return {_literal(k): _literal(v) for k, v in zip(node.keys, node.values, strict=True)}
    return ast.literal_eval(node)


def _a_run_specs() -> dict[str, dict]:
    """The ``specs`` dict of tests/data/h2o/trainA.py (response and parameters of each A-run)."""
    for node in ast.walk(ast.parse((H2O / "trainA.py").read_text())):
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "specs":
            return _literal(node.value)
    raise AssertionError("trainA.py has no specs")


A_SPECS = _a_run_specs()


def _resolved(params: dict, model: tabdl.DeepLearningEstimator) -> dict:
    """Parameters as an H2O model uses them (the MOJO stores too few of them)."""
    fitted = model._fitted
    classes = len(fitted.datainfo.response_domain or ()) or 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "rate has no effect with adaptive_rate" and the like
        return resolve(validate_parameters(params), Problem(fitted.category, classes))


def _info(folder) -> dict:
    return json.loads((folder / "info.json").read_text())


def _compare_varimp(ours: pd.DataFrame, h2o_rows: list) -> float:
    """Assert the names are in H2O's order; return the largest difference of the three numbers."""
    assert list(ours["variable"]) == [r[0] for r in h2o_rows]
    theirs = np.array([r[1:] for r in h2o_rows], dtype=np.float64)
    return float(np.max(np.abs(ours.iloc[:, 1:].to_numpy(np.float64) - theirs)))


def _h2o_summary(info: dict) -> pd.DataFrame:
    return pd.DataFrame(info["summary"]).drop(columns="")


def _max_rel_diff(ours: pd.DataFrame, theirs: pd.DataFrame, columns: list[str]) -> float:
    a = ours[columns].iloc[1:].to_numpy(np.float64)
    b = theirs[columns].iloc[1:].to_numpy(np.float64)
    scale = np.where(b == 0, 1.0, np.abs(b))
    return float(np.max(np.abs(a - b) / scale))


def _frame(data: str) -> pd.DataFrame:
    return read_h2o_parsed(
        TRAIN / f"{data.removesuffix('.csv')}_h2o_parsed.csv", {"c1": str, "yc": str}
    )


def _train(data: str, x: list, y: str | None, params: dict) -> tabdl.DeepLearningEstimator:
    return tabdl.DeepLearningEstimator(**params).train(x=x, y=y, training_frame=_frame(data))


def _as_h2o_trained(params: dict) -> dict:
    """The parameters with H2O's constant momentum (what H2O really trains with)."""
    if params.get("momentum_ramp") and not params.get("adaptive_rate", True):
        return dict(params, momentum_start=H2O_MOMENTUM, momentum_stable=H2O_MOMENTUM)
    return params


def _status(model: tabdl.DeepLearningEstimator, params: dict | None = None) -> pd.DataFrame:
    state = model._state
    return neuron_layer_status(
        state.spec,
        state.weights,
        state.biases,
        params or model._actual_params,
        state.processed,
        ada_by_layer(state),
    )


@pytest.fixture(scope="module")
def explain_models() -> dict[str, tuple[dict, tabdl.DeepLearningEstimator]]:
    """tabdl's training of every trainable tests/data/h2o_explain run, with its fixture."""
    models = {}
    for run in TRAINABLE:
        info = _info(EXPLAIN / run)
        model = _train(info["data"], info["x"], info["y"], _as_h2o_trained(info["params"]))
        models[run] = (info, model)
    return models


# -- variable importances --------------------------------------------------------------------------


A_VARIMP_RUNS = [r for r in A_RUNS if A_SPECS[r]["y"] is not None and r != "A3_mult"]


@pytest.mark.parametrize("run", A_VARIMP_RUNS)
def test_varimp_equals_h2o_on_the_a_runs(run):
    model = tabdl.import_mojo(H2O / run / "model.zip")
    fitted = model._fitted
    unseen = unseen_na_buckets(fitted.datainfo, H2O / "train.csv")
    ours = variable_importances(fitted.weights, fitted.spec, fitted.datainfo.coef_names(), unseen)
    diff = _compare_varimp(ours, _info(H2O / run)["varimp"])
    print(f"{run}: max |tabdl - H2O| = {diff:.3g}")
    assert diff <= 1e-6


def _h2o_maxout_reading(weights: list, spec) -> tuple[list, object]:
    """H2O's Gedeon code on a Maxout net: the first ``units`` rows of the interleaved matrix."""
    as_plain = dataclasses.replace(spec, activation="Tanh")
    return [weights[0][: spec.units[1]], *weights[1:]], as_plain


@pytest.mark.parametrize(
    ("folder", "frame"),
    [(H2O / "A3_mult", H2O / "train.csv"), (EXPLAIN / "M1_maxout", "trainC")],
    ids=["A3_mult", "M1_maxout"],
)
def test_maxout_varimp_uses_both_channels_where_h2o_misreads_the_rows(folder, frame):
    model = tabdl.import_mojo(folder / "model.zip")
    fitted = model._fitted
    names = fitted.datainfo.coef_names()
    training = frame if not isinstance(frame, str) else _frame(frame)
    unseen = unseen_na_buckets(fitted.datainfo, training)
    h2o_rows = _info(folder)["varimp"]
    # the rest of the computation is H2O's: fed H2O's (wrong) rows, it gives H2O's table
    weights, spec = _h2o_maxout_reading(fitted.weights, fitted.spec)
    assert _compare_varimp(variable_importances(weights, spec, names, unseen), h2o_rows) <= 1e-6
    # tabdl's table differs: each unit's magnitude is |channel 0| + |channel 1| ...
    ours = variable_importances(fitted.weights, fitted.spec, names, unseen)
    assert list(ours["variable"]) != [r[0] for r in h2o_rows]
    # ... which is Gedeon's measure of a plain network with those magnitudes as weights
    summed = unit_magnitudes(fitted.weights[0], fitted.spec, 0)
    w = fitted.weights[0].reshape(fitted.spec.units[1], -1, 2)
    assert np.array_equal(summed, np.abs(w[:, :, 0]) + np.abs(w[:, :, 1]))
    plain = dataclasses.replace(fitted.spec, activation="Tanh")
    expected = variable_importances([summed, *fitted.weights[1:]], plain, names, unseen)
    pd.testing.assert_frame_equal(ours, expected)


def test_na_buckets_h2o_never_trains_are_unseen():
    """use_all_factor_levels=False (A2): H2O trains a missing level as the last level."""
    frame = pd.read_csv(H2O / "train.csv", dtype=A_CATEGORICALS)
    for run in ("A1_reg", "A2_bin"):
        info = tabdl.import_mojo(H2O / run / "model.zip")._fitted.datainfo
        usable = frame[info.response].notna()
        names = info.coef_names()
        with_na = {c for c in info.cat_names if frame.loc[usable, c].isna().any()}
        assert with_na, "the oracle needs categoricals with missing values"
        for tabdl_rule in (False, True):
            unseen = unseen_na_buckets(info, frame, na_trains_bucket=tabdl_rule)
            buckets = {
                n.removesuffix(".missing(NA)") for n, u in zip(names, unseen, strict=True) if u
            }
            assert all(n.endswith(".missing(NA)") for n, u in zip(names, unseen, strict=True) if u)
            trains_bucket = info.use_all_factor_levels or tabdl_rule
            assert buckets == (
                set(info.cat_names) - with_na if trains_bucket else set(info.cat_names)
            )


@pytest.mark.slow
def test_varimp_of_trained_runs_equals_h2o(explain_models):
    for run, (info, model) in explain_models.items():
        if run == "M1_maxout":
            continue  # Maxout: see test_maxout_varimp_uses_both_channels_where_h2o_misreads_the_rows
        fitted = model._fitted
        unseen = unseen_na_buckets(fitted.datainfo, _frame(info["data"]))
        ours = variable_importances(
            fitted.weights, fitted.spec, fitted.datainfo.coef_names(), unseen
        )
        shared = TRAIN / "shared" / run
        oracles = [info["varimp"]]
        if (shared / "info.json").exists() and _info(shared).get("varimp"):
            oracles.append(_info(shared)["varimp"])  # the shared fixture of the same run
        for h2o_rows in oracles:
            diff = _compare_varimp(ours, h2o_rows)
            print(f"{run}: max |tabdl - H2O| = {diff:.3g}")
            assert diff <= 1e-6


def test_autoencoder_varimp_equals_h2o():
    info = _info(EXPLAIN / "AE1_autoencoder")
    fitted = tabdl.import_mojo(EXPLAIN / "AE1_autoencoder" / "model.zip")._fitted
    unseen = unseen_na_buckets(fitted.datainfo, _frame(info["data"]))
    ours = variable_importances(fitted.weights, fitted.spec, fitted.datainfo.coef_names(), unseen)
    assert _compare_varimp(ours, info["varimp"]) <= 1e-6


# -- the status table --------------------------------------------------------------------------------


@pytest.mark.parametrize("run", A_RUNS)
def test_status_table_equals_h2o_on_the_a_runs(run):
    """From MOJO weights: every column but the ADADELTA rates, which need the optimiser state."""
    model = tabdl.import_mojo(H2O / run / "model.zip")
    fitted = model._fitted
    info = _info(H2O / run)
    params = _resolved(A_SPECS[run]["kw"], model)
    processed = int(info["sh"]["samples"][-1])
    ours = neuron_layer_status(fitted.spec, fitted.weights, fitted.biases, params, processed)
    theirs = _h2o_summary(info)
    assert list(ours.columns) == list(COLUMNS)
    for column in ("layer", "units", "type", "dropout", "l1", "l2"):
        assert list(ours[column]) == list(theirs[column]), column
    diff = _max_rel_diff(ours, theirs, WEIGHT_COLUMNS)
    print(f"{run}: weight and bias columns, max relative difference {diff:.3g}")
    assert diff <= 1e-12
    if params["adaptive_rate"]:  # a MOJO holds no ADADELTA state
        assert ours["mean_rate"].iloc[1:].isna().all() and ours["rate_rms"].iloc[1:].isna().all()
        assert (ours["momentum"].iloc[1:] == 0).all()
    else:  # SGD (A7): the schedules at the samples processed, H2O's ramped momentum
        assert ours.iloc[1:][RATE_COLUMNS].equals(theirs.iloc[1:][RATE_COLUMNS])
    assert (ours.iloc[0, 4:] == "").all() and ours["dropout"].iloc[-1] == ""


@pytest.mark.slow
def test_status_table_of_trained_runs_equals_h2o(explain_models):
    """With tabdl's optimiser state: every column, the ADADELTA rates included."""
    for run, (info, model) in explain_models.items():
        ours = _status(model)
        oracles = [_h2o_summary(info)]
        for folder in (TRAIN / "shared" / run, TRAIN / run):
            if (folder / "info.json").exists():
                oracles.append(_h2o_summary(_info(folder)))
        columns = WEIGHT_COLUMNS + RATE_COLUMNS[:2]
        for theirs in oracles:
            diff = _max_rel_diff(ours, theirs, columns)
            print(f"{run}: max relative difference {diff:.3g}")
            assert diff <= 1e-12
            for column in ("layer", "units", "type", "dropout", "l1", "l2"):
                assert list(ours[column]) == list(theirs[column]), (run, column)


@pytest.mark.slow
@pytest.mark.parametrize("run", LOCAL_RUNS)
def test_status_table_of_more_trained_runs_equals_h2o(run):
    """Two Maxout layers with dropout (interleaved ADADELTA state), SGD with max_w2, weights."""
    info = _info(TRAIN / run)
    model = _train(info["data"], info["x"], info["y"], info["params"])
    ours, theirs = _status(model), _h2o_summary(info)
    diff = _max_rel_diff(ours, theirs, WEIGHT_COLUMNS + RATE_COLUMNS)
    print(f"{run}: max relative difference {diff:.3g}")
    assert diff <= 1e-12
    assert list(ours["type"]) == list(theirs["type"])
    assert list(ours["dropout"]) == list(theirs["dropout"])


@pytest.mark.slow
@pytest.mark.parametrize("run", ["C3_sgd", "C5_nonest"])
def test_momentum_column_shows_the_momentum_used(run, explain_models):
    """H2O shows the ramped momentum but trains with a constant; tabdl trains with what it shows.

    tabdl reproduces H2O's weights when given H2O's constant, and its table then shows that
    constant. tabdl's own ramp, at the samples processed, is the value H2O's table shows: with the
    run's real parameters the table is H2O's, momentum included.
    """
    info, model = explain_models[run]
    ours, theirs = _status(model), _h2o_summary(info)
    used = float(str(np.float32(H2O_MOMENTUM)))
    assert (ours["momentum"].iloc[1:] == used).all()
    assert (theirs["momentum"].iloc[1:] != used).all()
    ramped = dict(model._actual_params, momentum_start=0.5, momentum_stable=0.9)
    assert _status(model, ramped).equals(theirs)


def test_ada_by_layer_splits_the_engine_layout():
    """The engine keeps E[dx^2] of all weights, then E[g^2] of all weights."""
    spec = tabdl.nn.NetworkSpec((4, 3, 2), "Maxout", (0.0,), "Softmax")
    weights = [np.zeros((6, 4), np.float32), np.zeros((2, 3), np.float32)]
    state = NetworkState.create(spec, weights, [np.zeros(6), np.zeros(2)], True, False)
    n = state.flat_weights.size
    state.ada_weights[:] = np.arange(2 * n, dtype=np.float32)
    layers = ada_by_layer(state)
    assert [a.shape for a in layers] == [(2, 6, 4), (2, 2, 3)]
    assert np.array_equal(layers[1][0].ravel(), np.arange(24, 30))
    assert np.array_equal(layers[1][1].ravel(), np.arange(n + 24, n + 30))
    no_ada = NetworkState.create(spec, weights, [np.zeros(6), np.zeros(2)], False, True)
    assert ada_by_layer(no_ada) is None


def test_h2os_approximate_square_roots():
    from tabdl.engines.online import _approx_sqrt_d, _approx_sqrt_f  # the engine's, for training

    # H2O reports the spread of a single output bias as approxSqrt(0.0)
    assert approx_sqrt_d(0.0) == _h2o_summary(_info(H2O / "A1_reg"))["bias_rms"].iloc[-1]
    x = np.random.default_rng(0).uniform(1e-9, 1e3, 1000)
    x32 = x.astype(np.float32)
    assert np.array_equal(approx_sqrt_f(x32), [_approx_sqrt_f(v) for v in x32])
    assert np.array_equal(approx_sqrt_d(x), [_approx_sqrt_d(v) for v in x])
    # MathUtils' documented accuracy: sqrt within 5%, 1/sqrt within 2%
    assert np.max(np.abs(approx_sqrt_d(x) / np.sqrt(x) - 1)) < 0.05
    assert np.max(np.abs(approx_inv_sqrt_f(x32) * np.sqrt(x32.astype(np.float64)) - 1)) < 0.02


def test_instability_uses_h2os_limits():
    model = tabdl.import_mojo(H2O / "A1_reg" / "model.zip")
    f = model._fitted
    params = _resolved(A_SPECS["A1_reg"]["kw"], model)

    def status(weights, biases):
        return neuron_layer_status(f.spec, weights, biases, params, 0)

    assert not is_unstable(status(f.weights, f.biases))
    assert not is_unstable(_h2o_summary(_info(H2O / "A1_reg")))
    big_w = [w * np.float32(1e11) for w in f.weights]  # |mean| and RMS of weights over 1e10
    assert is_unstable(status(big_w, f.biases))
    for bad in (2e5, np.inf, np.nan):  # mean bias over 1e5, an infinite bias, a NaN
        biases = [b.copy() for b in f.biases]
        biases[-1][:] = bad
        assert is_unstable(status(f.weights, biases))
    spread = [b.copy() for b in f.biases]
    spread[0][:] = np.where(np.arange(spread[0].size) % 2, 3e5, -3e5)  # mean ~0, RMS over 1e5
    assert is_unstable(status(f.weights, spread))


# -- the header --------------------------------------------------------------------------------------


SIZE = re.compile(r"weights/biases, [^,]+, ")


@pytest.mark.slow
def test_header_equals_h2os_but_the_byte_size(explain_models):
    for info, model in explain_models.values():
        state = model._state
        ours = header_text(
            state.spec,
            state.weights,
            state.biases,
            model._actual_params,
            state.processed,
            info["y"],
        )
        assert SIZE.sub("weights/biases, *, ", ours) == SIZE.sub(
            "weights/biases, *, ", info["header"]
        )
    info = _info(EXPLAIN / "AE1_autoencoder")
    model = tabdl.import_mojo(EXPLAIN / "AE1_autoencoder" / "model.zip")
    f = model._fitted
    ours = header_text(
        f.spec, f.weights, f.biases, _resolved(info["params"], model), int(info["samples"])
    )
    assert SIZE.sub("weights/biases, *, ", ours) == SIZE.sub("weights/biases, *, ", info["header"])
