"""The batch engine (mini_batch_size > 1): its step against the online engine's, and its contracts.

The test that keeps it honest: with dropout off and plain SGD, one batch step from given weights
equals the mean of the online engine's per-row steps from the same weights, for every activation
and every distribution and loss (the online engine is H2O's arithmetic, checked bit for bit).
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

import tabdl
from tabdl.encoding import encode_training
from tabdl.engines import batch
from tabdl.engines.online import OUT_SOFTMAX
from tabdl.errors import DataError, ParameterError
from tabdl.training import prepare
from tabdl.training.fit import _initial_state
from tabdl.training.loop import Iteration, _run_chunk, engine_config, engine_data

PROSTATE = pd.read_csv(Path(__file__).parent / "data" / "h2o_cv" / "prostate.csv")
X = ["AGE", "RACE", "DPROS", "PSA", "VOL", "GLEASON"]


def _frame(rows: int = 24) -> pd.DataFrame:
    """A few standardised prostate rows (the engines see the same inputs) with two categoricals."""
    data = PROSTATE.head(rows).copy()
    for name in ("AGE", "PSA", "VOL", "GLEASON"):
        data[name] = (data[name] - data[name].mean()) / data[name].std()
    data["RACE"] = data["RACE"].astype(str)
    data["DPROS"] = data["DPROS"].astype(str)
    data["CAPSULE"] = data["CAPSULE"].astype(str)
    data["PSA_raw"] = PROSTATE["PSA"].head(rows) / 10.0
    return data


CASES = [
    ("CAPSULE", dict(loss="CrossEntropy")),
    ("CAPSULE", dict(loss="Quadratic")),
    ("PSA_raw", dict(distribution="gaussian")),
    ("PSA_raw", dict(distribution="poisson")),
    ("PSA_raw", dict(distribution="gamma")),
    ("PSA_raw", dict(distribution="tweedie", tweedie_power=1.3)),
    ("PSA_raw", dict(distribution="laplace")),
    ("PSA_raw", dict(distribution="quantile", quantile_alpha=0.3)),
    ("PSA_raw", dict(distribution="huber")),
    (None, dict(autoencoder=True, loss="Quadratic")),
    (None, dict(autoencoder=True, loss="Absolute")),
    (None, dict(autoencoder=True, loss="Huber")),
]


def _steps(y, extra, activation, mini_batch):
    params = dict(hidden=[7, 5], activation=activation, adaptive_rate=False, rate=0.05,
                  initial_weight_distribution="Uniform", initial_weight_scale=0.3,
                  rate_annealing=0.0, standardize=False, seed=3, reproducible=True,
                  mini_batch_size=mini_batch)  # fmt: skip
    params.update(extra)
    setup = prepare(params, X, y, _frame())
    p = setup.params
    rows = encode_training(setup.datainfo, setup.frame)
    resp = (setup.datainfo.resp_sub or 0.0, setup.datainfo.resp_mul or 1.0, False)
    config = engine_config(setup.spec, p, p["seed"], setup.problem.category, resp)
    return setup, p, rows, config, _initial_state(setup)


@pytest.mark.parametrize("activation", ["Tanh", "Rectifier", "Maxout"])
@pytest.mark.parametrize("y, extra", CASES)
def test_one_batch_step_equals_the_mean_of_the_online_engines_row_steps(y, extra, activation):
    if activation == "Maxout" and extra.get("autoencoder"):
        pytest.skip("H2O has no Maxout autoencoder")
    setup, p, rows, config, start = _steps(y, extra, activation, mini_batch=24)
    n = rows.inputs.nrows
    data = engine_data(rows)
    rate = np.float32(p["rate"])
    plan = Iteration(np.float32(1.0), False, np.full(len(setup.spec.units) - 1, rate), np.zeros(3))
    w_steps, b_steps = [], []
    for row in range(n):  # each row alone, from the same weights
        state = copy.deepcopy(start)
        assert _run_chunk(state.arrays, state, config, data, (row, row + 1), plan) == 1
        w_steps.append(state.flat_weights.astype(np.float64) - start.flat_weights)
        b_steps.append(state.flat_biases - start.flat_biases)

    state = copy.deepcopy(start)
    network = batch._Network(state, config, p, torch.device("cpu"))
    network.load(state, setup.datainfo.num_start)
    device_rows = batch._DeviceRows.of(rows, torch.device("cpu"), network.out_kind == OUT_SOFTMAX)
    generator = torch.Generator().manual_seed(0)
    rates = [float(rate)] * (len(setup.spec.units) - 1)
    network.step(device_rows, torch.arange(n), rates, 0.0, generator)
    network.store(state)
    w_batch = state.flat_weights.astype(np.float64) - start.flat_weights
    b_batch = state.flat_biases - start.flat_biases
    np.testing.assert_allclose(w_batch, np.mean(w_steps, axis=0), rtol=0, atol=1e-6)
    np.testing.assert_allclose(b_batch, np.mean(b_steps, axis=0), rtol=0, atol=1e-6)
    assert np.abs(w_batch).max() > 1e-4  # the step is not empty


# -- the estimator with mini_batch_size > 1 ---------------------------------------------------------
TRAIN, VALID = PROSTATE.iloc[:280], PROSTATE.iloc[280:]
BASE = dict(hidden=[16, 16], epochs=20, seed=5, reproducible=True, mini_batch_size=16)


def _train(**params):
    model = tabdl.DeepLearningEstimator(**{**BASE, **params})
    return model.train(x=X, y="CAPSULE", training_frame=TRAIN, validation_frame=VALID,
                       categorical_columns=["CAPSULE", "RACE", "DPROS"])  # fmt: skip


@pytest.mark.parametrize("activation", ["Rectifier", "TanhWithDropout", "Maxout"])
def test_reproducible_runs_give_identical_weights_and_a_useful_model(activation):
    first, second = _train(activation=activation), _train(activation=activation)
    for layer in range(3):
        np.testing.assert_array_equal(first.weights(layer), second.weights(layer))
        np.testing.assert_array_equal(first.biases(layer), second.biases(layer))
    assert first.auc(valid=True) > 0.75
    assert first.epoch_counter >= 20 and first.iterations >= 1


def test_the_model_is_the_same_kind_whichever_engine_trained_it(tmp_path):
    model = _train(activation="RectifierWithDropout", input_dropout_ratio=0.1, l1=1e-5, l2=1e-5,
                   max_w2=10.0)  # fmt: skip
    assert isinstance(model, tabdl.DeepLearningEstimator)
    predicted = model.predict(VALID)
    loaded = tabdl.load_model(model.save(tmp_path / "batch.tabdl"))
    pd.testing.assert_frame_equal(loaded.predict(VALID), predicted)
    assert set(predicted.columns) == {"predict", "p0", "p1"}
    squares = (model.weights(0).to_numpy() ** 2).sum(axis=1)
    assert squares.max() <= 10.0 * (1 + 1e-5)  # max_w2 holds
    assert "Status of Neuron Layers" in repr(model) and model.varimp() is not None


def test_the_batch_engine_starts_every_bias_at_zero_and_the_online_engine_at_h2os():
    batch_model = _train(epochs=0, activation="Rectifier")
    online_model = _train(epochs=0, activation="Rectifier", mini_batch_size=1)
    for layer in range(3):
        assert np.all(batch_model.biases(layer).to_numpy() == 0.0)
    expected = [0.5, 1.0, 0.0]  # H2O's: the first hidden layer, the next, the output layer
    for layer, value in enumerate(expected):
        assert np.all(online_model.biases(layer).to_numpy() == value)


def test_momentum_sgd_and_a_checkpoint_restart_continue_training():
    first = _train(adaptive_rate=False, rate=0.01, momentum_start=0.5, momentum_ramp=1000,
                   momentum_stable=0.9, nesterov_accelerated_gradient=False, epochs=5)  # fmt: skip
    more = _train(adaptive_rate=False, rate=0.01, momentum_start=0.5, momentum_ramp=1000,
                  momentum_stable=0.9, nesterov_accelerated_gradient=False, epochs=10,
                  checkpoint=first)  # fmt: skip
    assert more.epoch_counter >= 10 > first.epoch_counter
    assert not np.array_equal(more.weights(0), first.weights(0))


@pytest.mark.parametrize(("y", "classifier"), [("CAPSULE", True), ("PSA_raw", False)])
def test_device_rows_hold_class_indices_for_a_classifier_only(y, classifier):
    """The int64 copy of the response is a classifier's class indices; a regression has none."""
    data = _frame()
    setup = prepare(dict(hidden=[3], seed=1, mini_batch_size=8), ["AGE", "RACE"], y, data)
    p = setup.params
    config = engine_config(setup.spec, p, p["seed"], setup.problem.category, (0.0, 1.0, False))
    network = batch._Network(_initial_state(setup), config, p, torch.device("cpu"))
    assert (network.out_kind == OUT_SOFTMAX) is classifier
    rows = encode_training(setup.datainfo, setup.frame)
    device_rows = batch._DeviceRows.of(rows, torch.device("cpu"), classifier)
    if classifier:
        np.testing.assert_array_equal(device_rows.classes.numpy(), rows.response.astype(np.int64))
    else:
        assert device_rows.classes is None


def test_only_the_categorical_rows_a_batch_touches_are_updated():
    data = PROSTATE.head(64).assign(ID=lambda d: d["ID"].astype(str))  # 64 levels, one per row
    params = dict(hidden=[4], l1=1e-3, l2=1e-3, seed=1, mini_batch_size=8)
    setup = prepare(params, ["ID", "AGE"], "VOL", data)
    p = setup.params
    rows = encode_training(setup.datainfo, setup.frame)
    config = engine_config(setup.spec, p, p["seed"], setup.problem.category, (0.0, 1.0, False))
    start = _initial_state(setup)
    state = copy.deepcopy(start)
    network = batch._Network(state, config, p, torch.device("cpu"))
    network.load(state, setup.datainfo.num_start)
    batch_rows = torch.arange(8)
    network.step(batch._DeviceRows.of(rows, torch.device("cpu"), False), batch_rows, [0.0, 0.0],
                 0.0, torch.Generator().manual_seed(0))  # fmt: skip
    network.store(state)
    changed = np.any(state.weights[0] != start.weights[0], axis=0)[: setup.datainfo.num_start]
    touched = set(rows.inputs.cat_slots[:8, 0].tolist())
    assert set(np.flatnonzero(changed).tolist()) == touched


def test_device_names_are_checked():
    with pytest.raises(ParameterError, match="is not a device"):
        _train(device="gpu")
    if not torch.cuda.is_available():
        with pytest.raises(DataError, match="torch sees no CUDA GPU"):
            _train(device="cuda")
        assert batch.resolve_device("auto") == torch.device("cpu")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_a_gpu_trains_the_same_kind_of_model():
    # GPU sums (index_add_ of the categorical rows) are not bit-reproducible; the model is sound.
    model = _train(device="cuda", activation="RectifierWithDropout")
    assert model.auc(valid=True) > 0.75 and isinstance(model.weights(0), pd.DataFrame)
    assert np.isfinite(model.weights(0).to_numpy()).all()


def test_sparse_input_trains_as_its_dense_twin():
    scipy_sparse = pytest.importorskip("scipy.sparse")
    rng = np.random.default_rng(2)
    dense = rng.normal(size=(300, 12)) * (rng.random((300, 12)) < 0.2)
    y = (dense[:, 0] + dense[:, 1] > 0).astype(int)
    params = dict(hidden=[8], epochs=3, seed=9, reproducible=True, mini_batch_size=32,
                  sparse=True, quiet_mode=True)  # fmt: skip
    frame = pd.DataFrame(dense, columns=[f"C{i + 1}" for i in range(12)]).assign(y=y.astype(str))
    from_dense = tabdl.DeepLearningEstimator(**params).train(y="y", training_frame=frame)
    matrix = scipy_sparse.csr_matrix(np.column_stack([dense, y]))
    from_sparse = tabdl.DeepLearningEstimator(**params).train(
        y="C13", training_frame=matrix, categorical_columns=["C13"]
    )
    np.testing.assert_allclose(from_sparse.weights(0), from_dense.weights(0), rtol=1e-5, atol=1e-6)


# -- Adam (optimizer="adam") -------------------------------------------------------------------------
def _batch_step(setup, p, rows, config, state, steps_before: int):
    """One batch step over every row from ``state`` (changed); return the state."""
    network = batch._Network(state, config, p, torch.device("cpu"))
    network.load(state, setup.datainfo.num_start)
    network.optimiser.steps = steps_before
    device_rows = batch._DeviceRows.of(rows, torch.device("cpu"), network.out_kind == OUT_SOFTMAX)
    rates = [float(np.float32(p["rate"]))] * (len(setup.spec.units) - 1)
    network.step(device_rows, torch.arange(rows.inputs.nrows), rates, 0.0, torch.Generator())
    network.store(state)
    return state


def _gradient(y, extra, state) -> np.ndarray:
    """The mean descent direction of every weight at ``state``'s weights: an SGD step of rate 1
    (a large step keeps the float32 rounding of the weights small against it)."""
    setup, p, rows, config, _ = _steps(y, dict(extra, rate=1.0), "Tanh", mini_batch=24)
    stepped = _batch_step(setup, p, rows, config, copy.deepcopy(state), 0)
    return stepped.flat_weights.astype(np.float64) - state.flat_weights


@pytest.mark.parametrize("y, extra", [CASES[0], CASES[2]])
def test_two_adam_steps_follow_the_closed_form_from_the_engines_own_gradients(y, extra):
    adam = dict(extra, optimizer="adam", adaptive_rate=True, rate=0.01, l2=1e-3, epsilon=1e-7)
    setup, p, rows, config, start = _steps(y, adam, "Tanh", mini_batch=24)
    b1, b2, eps, rate = batch.ADAM_BETA1, batch.ADAM_BETA2, 1e-7, 0.01
    sgd = dict(extra, l2=1e-3)  # the same loss and L2, stepped by SGD to read the gradient
    g1 = _gradient(y, sgd, start)
    after_one = _batch_step(setup, p, rows, config, copy.deepcopy(start), 0)
    expected1 = rate * g1 / (np.abs(g1) + eps)  # m_hat = g, v_hat = g^2
    step1 = after_one.flat_weights.astype(np.float64) - start.flat_weights
    np.testing.assert_allclose(step1, expected1, rtol=0, atol=2e-6)
    g2 = _gradient(y, sgd, after_one)
    after_two = _batch_step(setup, p, rows, config, copy.deepcopy(after_one), 1)
    m = b1 * (1 - b1) * g1 + (1 - b1) * g2
    v = b2 * (1 - b2) * g1**2 + (1 - b2) * g2**2
    expected2 = rate * (m / (1 - b1**2)) / (np.sqrt(v / (1 - b2**2)) + eps)
    step2 = after_two.flat_weights.astype(np.float64) - after_one.flat_weights
    np.testing.assert_allclose(step2, expected2, rtol=0, atol=2e-6)
    assert np.abs(step2).max() > 1e-3


# -- ADADELTA: the compiled CPU update and the tensor operations ---------------------------------------
@pytest.mark.parametrize("y, extra", [CASES[0], CASES[2]])
def test_two_adadelta_steps_follow_the_closed_form_from_the_engines_own_gradients(y, extra):
    rho, eps, l1, l2 = 0.95, 1e-6, 1e-4, 1e-3
    ada = dict(extra, adaptive_rate=True, rho=rho, epsilon=eps, l1=l1, l2=l2)
    setup, p, rows, config, start = _steps(y, ada, "Tanh", mini_batch=24)
    sgd = dict(extra, l1=l1, l2=l2)
    g1 = _gradient(y, sgd, start)
    after_one = _batch_step(setup, p, rows, config, copy.deepcopy(start), 0)
    eg1 = (1 - rho) * g1**2
    delta1 = np.sqrt(eps / (eg1 + eps)) * g1
    step1 = after_one.flat_weights.astype(np.float64) - start.flat_weights
    np.testing.assert_allclose(step1, delta1, rtol=0, atol=2e-6)
    g2 = _gradient(y, sgd, after_one)
    after_two = _batch_step(setup, p, rows, config, copy.deepcopy(after_one), 1)
    eg2 = rho * eg1 + (1 - rho) * g2**2
    delta2 = np.sqrt(((1 - rho) * delta1**2 + eps) / (eg2 + eps)) * g2
    step2 = after_two.flat_weights.astype(np.float64) - after_one.flat_weights
    np.testing.assert_allclose(step2, delta2, rtol=0, atol=2e-6)
    assert np.abs(step2).max() > 1e-4


def test_the_compiled_adadelta_update_equals_the_tensor_operations():
    """The CPU's one-pass kernel and the operations a GPU runs give the same ADADELTA step."""
    from tabdl.engines import online

    rng = np.random.default_rng(0)
    values, edx, eg, grad = (rng.standard_normal(1000).astype(np.float32) for _ in range(4))
    edx, eg = np.abs(edx) * 1e-3, np.abs(eg) * 1e-2
    values[:10] = 0.0  # sign(0) = 0: L1 leaves a zero weight's gradient alone
    optimiser = object.__new__(batch._Optimiser)
    optimiser.__dict__.update(adam=False, adaptive=True, rho=0.99, eps=1e-8, l1=1e-3, l2=1e-4)
    tensors = [torch.tensor(a) for a in (values, edx, eg, grad)]
    optimiser._update(tensors[0], tensors[1], tensors[2], None, tensors[3], 0.0, 0.0)
    arrays = [a.copy() for a in (values, edx, eg, grad)]
    online.adadelta_flat_f32(*arrays, 1e-3, 1e-4, 0.99, 1e-8)
    for tensor, array in zip(tensors[:3], arrays[:3], strict=True):
        scale = np.abs(tensor.numpy()).max()  # float32 rounding, in another order
        np.testing.assert_allclose(array, tensor.numpy(), rtol=1e-5, atol=1e-6 * scale)
    assert np.abs(arrays[0] - values).max() > 1e-5


def test_adam_trains_a_useful_model_and_needs_the_batch_engine():
    model = _train(optimizer="adam", rate=0.001)
    assert model.auc(valid=True) > 0.7
    with pytest.raises(ParameterError, match="optimizer='adam' trains with the batch engine"):
        tabdl.DeepLearningEstimator(optimizer="adam").train(x=X, y="CAPSULE", training_frame=TRAIN)
    with pytest.raises(ParameterError, match="keeps its own momentum"):
        tabdl.DeepLearningEstimator(
            optimizer="adam", mini_batch_size=8, adaptive_rate=False, momentum_start=0.5
        ).train(x=X, y="CAPSULE", training_frame=TRAIN)


def test_adam_restarts_from_a_saved_checkpoint_with_its_moments(tmp_path):
    first = _train(optimizer="adam", rate=0.001, epochs=3)
    path = first.save(tmp_path / "adam.tabdl")
    loaded = tabdl.load_model(path)
    moments = loaded._result.state.ada_weights  # Adam's two moments, in ADADELTA's slots
    np.testing.assert_array_equal(moments, first._result.state.ada_weights)
    assert np.abs(moments).max() > 0
    more = _train(rate=0.001, epochs=6, checkpoint=loaded)  # the optimizer comes with it
    assert more.actual_params["optimizer"] == "adam"
    assert more.epoch_counter >= 6 > first.epoch_counter
    assert more.auc(valid=True) > 0.7
    with pytest.raises(ParameterError, match="cannot change optimizer on a checkpoint restart"):
        _train(optimizer="auto", epochs=6, checkpoint=loaded)
