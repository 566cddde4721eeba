"""The online engine's behaviour beyond parity: determinism, initialisation options, weights, divergence, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tabdl
from tabdl.errors import DataError, ParameterError
from tabdl.rng import new_generator, next_double, next_float, next_int

from conftest import DATA, H2O

TRAIN = DATA / "h2o_train"
X = ["x1", "x2", "x3", "c1", "c2", "c3"]


def _frame() -> pd.DataFrame:
    return pd.read_csv(H2O / "train.csv")


def _fit(**params) -> tabdl.DeepLearningEstimator:
    y = params.pop("y", "y")
    frame = params.pop("frame", None)
    return tabdl.DeepLearningEstimator(**{"hidden": [5], "epochs": 1.0, "seed": 3, **params}).train(
        x=X, y=y, training_frame=_frame() if frame is None else frame
    )


def test_pcg_matches_java_reference_outputs():
    # PCG32 (stream 1) outputs as H2O's RandomUtils.PCGRNG gives them for seed 42, checked through the
    # bit-exact initial weights of runs C0/C0c; here: the generator is deterministic and in range.
    g1, g2 = new_generator(42), new_generator(42)
    draws = [next_int(g1) for _ in range(5)]
    assert draws == [next_int(g2) for _ in range(5)]
    assert all(-(2**31) <= d < 2**31 for d in draws)
    floats = [next_float(g1) for _ in range(1000)]
    doubles = [next_double(g1) for _ in range(1000)]
    assert min(floats) >= 0 and max(floats) < 1 and 0.45 < np.mean(floats) < 0.55
    assert min(doubles) >= 0 and max(doubles) < 1 and 0.45 < np.mean(doubles) < 0.55


def test_reproducible_training_is_bit_identical():
    a = _fit(reproducible=True, activation="RectifierWithDropout", input_dropout_ratio=0.1)
    b = _fit(reproducible=True, activation="RectifierWithDropout", input_dropout_ratio=0.1)
    for i in range(2):
        assert np.array_equal(a.weights(i).to_numpy(), b.weights(i).to_numpy())
        assert np.array_equal(a.biases(i).to_numpy(), b.biases(i).to_numpy())


def test_training_learns_a_regression():
    y = _frame()["y"].to_numpy()
    model = _fit(hidden=[10], epochs=20, reproducible=True)
    pred = model.predict(H2O / "train.csv")["predict"].to_numpy()
    baseline = np.mean((y - y.mean()) ** 2)
    assert np.mean((pred - y) ** 2) < 0.5 * baseline


def test_multithreaded_training_learns_a_classifier():
    frame = _frame()
    model = _fit(hidden=[10], epochs=20, y="yb")
    probs = model.predict(frame)["yes"].to_numpy()
    labels = (frame["yb"] == "yes").to_numpy()
    accuracy = np.mean((probs >= 0.5) == labels)
    assert accuracy > max(labels.mean(), 1 - labels.mean()) + 0.05
    assert model.iterations >= 1 and model.epoch_counter >= 20


def test_seed_minus_one_draws_a_seed_and_reports_it():
    model = _fit(seed=-1, epochs=0)
    assert model.actual_params["seed"] != -1
    again = _fit(seed=model.actual_params["seed"], epochs=0)
    assert np.array_equal(model.weights(0).to_numpy(), again.weights(0).to_numpy())


def test_epochs_zero_returns_the_initial_model():
    model = _fit(epochs=0)
    # H2O runs (and scores) one iteration that trains nothing: fixture C0_init reports 1 iteration
    assert (model.iterations, model.samples, model.epoch_counter) == (1, 0, 0.0)
    assert (model.biases(0).to_numpy() == 0.5).all()  # Rectifier: first hidden layer starts at 0.5


@pytest.mark.parametrize("distribution", ["Uniform", "Normal"])
def test_uniform_and_normal_initialisation_use_the_scale(distribution):
    model = _fit(
        epochs=0, hidden=[200], initial_weight_distribution=distribution, initial_weight_scale=0.1
    )
    w = model.weights(0).to_numpy()
    if distribution == "Uniform":
        assert np.abs(w).max() <= 0.1 and np.abs(w).max() > 0.09
    else:
        assert 0.08 < w.std() < 0.12 and abs(w.mean()) < 0.01


def test_initial_weights_and_biases_from_the_user():
    base = _fit(epochs=0)
    shapes = [base.weights(i).shape for i in range(2)]
    weights = [np.full(shapes[0], 0.25), None]
    biases = [np.arange(shapes[0][0], dtype=float), None]
    model = _fit(epochs=0, initial_weights=weights, initial_biases=biases)
    assert (model.weights(0).to_numpy() == np.float32(0.25)).all()
    assert model.biases(0)["C1"].tolist() == list(range(shapes[0][0]))
    assert np.array_equal(
        model.weights(1).to_numpy(), base.weights(1).to_numpy()
    )  # None stays random


def test_initial_weights_of_the_wrong_shape():
    with pytest.raises(ParameterError, match=r"initial_weights\[0\] has shape \(2, 2\)"):
        _fit(epochs=0, initial_weights=[np.zeros((2, 2)), None], initial_biases=[np.zeros(5), None])


def test_observation_weights_sample_rows_not_scale_gradients():
    frame = _frame()
    frame["w"] = np.where(frame["yb"] == "yes", 5.0, 0.2)
    weighted = _fit(frame=frame, y="yb", weights_column="w", epochs=10, reproducible=True)
    plain = _fit(frame=frame, y="yb", epochs=10, reproducible=True)
    # H2O draws every second row by weight (the others uniformly), so the shift is moderate
    assert weighted.predict(frame)["yes"].mean() > plain.predict(frame)["yes"].mean() + 0.05


def test_zero_one_weights_select_rows_and_shorten_the_epoch():
    frame = _frame()
    frame["w"] = (np.arange(len(frame)) % 2).astype(float)
    model = _fit(frame=frame, weights_column="w", reproducible=True, epochs=1)
    assert model.samples == len(frame) // 2 or model.samples == len(
        frame
    )  # one epoch = the rows with w=1
    assert model.epoch_counter >= 1


def test_max_runtime_secs_keeps_the_model_trained_so_far():
    model = _fit(epochs=1e6, max_runtime_secs=0.5, train_samples_per_iteration=100)
    assert 0 < model.epoch_counter < 1e6 and np.isfinite(model.weights(0).to_numpy()).all()


def test_divergence_stops_with_an_error_that_suggests_fixes():
    frame = _frame()
    frame["y"] = frame["y"] * 1e6
    with pytest.raises(DataError, match="training diverged.*lower rate"):
        _fit(
            frame=frame,
            adaptive_rate=False,
            rate=10.0,
            standardize=False,
            epochs=5,
            reproducible=True,
        )


def test_an_all_missing_response_is_refused():
    frame = _frame()
    frame["y"] = np.nan
    with pytest.raises(DataError, match="no row can train"):
        _fit(frame=frame)


def test_a_single_class_response_is_refused():
    frame = _frame()
    frame["yb"] = "yes"
    with pytest.raises(DataError, match="'yb' has 1 class"):
        _fit(frame=frame, y="yb")


@pytest.mark.parametrize(
    "activation", ["Tanh", "Rectifier", "Maxout", "TanhWithDropout", "MaxoutWithDropout"]
)
def test_every_activation_trains_and_scores(activation):
    model = _fit(activation=activation, hidden=[4, 3], y="cls", epochs=2)
    probs = model.predict(H2O / "test.csv")[["A", "B", "C"]].to_numpy()
    assert np.allclose(probs.sum(axis=1), 1.0) and np.isfinite(probs).all()


@pytest.mark.parametrize("strategy", ["average", "mean", "hogwild"])
def test_both_thread_strategies_learn(monkeypatch, strategy):
    from tabdl.training import loop

    monkeypatch.setattr(loop, "THREAD_STRATEGY", strategy)
    frame = _frame()
    model = _fit(hidden=[10], epochs=10, y="yb")
    probs = model.predict(frame)["yes"].to_numpy()
    labels = (frame["yb"] == "yes").to_numpy()
    assert np.mean((probs >= 0.5) == labels) > max(labels.mean(), 1 - labels.mean()) + 0.05


def test_the_chunk_cut_off_is_deterministic_without_reproducible():
    runs = [_fit(train_samples_per_iteration=100, epochs=2) for _ in range(2)]
    assert runs[0].samples == runs[1].samples and runs[0].iterations == runs[1].iterations


def test_no_hidden_layer_trains_a_linear_model():
    model = _fit(hidden=[], epochs=5, reproducible=True)
    assert model.weights(0).shape == (1, 15)
    y = _frame()["y"].to_numpy()
    pred = model.predict(H2O / "train.csv")["predict"].to_numpy()
    assert np.mean((pred - y) ** 2) < np.var(y)


def test_a_tiny_sampling_fraction_samples_again_instead_of_failing():
    # 10 rows, epochs=1, hidden=[3]: the automatic iteration size is 1 row, so each thread's chunk
    # samples a fraction of 0.1 and may draw no row; H2O samples again.
    frame = pd.DataFrame({"x": np.arange(10.0), "y": np.arange(10.0) % 3})
    model = tabdl.DeepLearningEstimator(hidden=[3], epochs=1, seed=4, quiet_mode=True)
    model.train(x=["x"], y="y", training_frame=frame)
    assert model.epoch_counter >= 1


def test_rows_that_can_never_train_are_refused():
    frame = pd.DataFrame({"x": np.arange(10.0), "y": np.arange(10.0), "w": 0.0})
    frame.loc[0, "w"] = 1e-300  # not all zero, but H2O's rounded weight sum is 0
    with pytest.raises(tabdl.DataError, match="trained no rows"):
        tabdl.DeepLearningEstimator(hidden=[3], epochs=1, seed=4, weights_column="w").train(
            x=["x"], y="y", training_frame=frame
        )
