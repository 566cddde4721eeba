"""The online engine's float32 kernels (training that is not reproducible) against its exact ones.

Without ``reproducible=True`` the engine updates weights in float32 vector arithmetic, with the
square root where H2O uses its ``approxSqrt`` (a few per cent off). Each test replays the same
rows from the same state through both kernels and checks that they change the same weights by the
same amounts: the steps agree to within the ``approxSqrt`` error, every weight that one updates the
other updates, and the forward pass gives the same activations.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tabdl
from tabdl.engines import online

from conftest import H2O

X = ["x1", "x2", "x3", "c1", "c2", "c3"]

#: H2O's approxSqrt (a bit trick) is up to about 6% off the square root.
STEP_RTOL = 0.08
#: The winning channels of a layer that is not Maxout: none.
NO_CHANNELS = np.zeros(0, dtype=np.int64)


def _capture(monkeypatch, **params) -> list:
    """Train briefly and return the arguments of the engine's first chunk call."""
    calls = []
    real = online.train_chunk

    def spy(*args):
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(online, "train_chunk", spy)
    frame = pd.read_csv(H2O / "train.csv")
    y = None if params.get("autoencoder") else params.pop("y", "y")
    x = [c for c in params.pop("x", X) if c != y]
    tabdl.DeepLearningEstimator(
        **{"hidden": [16, 12], "epochs": 0.2, "seed": 5, "reproducible": True, **params}
    ).train(x=x, y=y, training_frame=frame)
    monkeypatch.setattr(online, "train_chunk", real)
    return list(calls[0])


def _replay(args: list, exact: bool, rows: int) -> tuple:
    """Train ``rows`` rows from the first that can train, on a copy of the captured state.

    ``exact`` chooses H2O's arithmetic or the float32 kernels.
    """
    replay = list(args)
    usable = args[6][4]
    first = int(np.argmax(usable))
    replay[0], replay[1] = first, first + rows  # start, stop
    replay[3] = np.float32(1.0)  # every row once
    replay[4] = False  # in order
    replay[8] = tuple(a.copy() for a in args[8])
    hyper = list(args[9])
    cfg_i = hyper[2].copy()
    cfg_i[online.I_EXACT] = int(exact)
    hyper[2] = cfg_i
    replay[9] = tuple(hyper)
    online.train_chunk(*replay)
    return replay[8]


CASES = {
    "rectifier": {"activation": "Rectifier"},
    "numeric inputs only": {"activation": "Rectifier", "x": ["x1", "x2", "x3"]},
    "tanh, l1, l2": {"activation": "Tanh", "l1": 1e-2, "l2": 0.1},
    "maxout": {"activation": "Maxout"},
    "maxout, numeric inputs, l1, l2": {
        "activation": "Maxout",
        "x": ["x1", "x2", "x3"],
        "l1": 1e-2,
        "l2": 0.1,
    },
    "maxout, dropout, fast_mode off": {
        "activation": "MaxoutWithDropout",
        "input_dropout_ratio": 0.2,
        "fast_mode": False,
    },
    "dropout": {"activation": "RectifierWithDropout", "input_dropout_ratio": 0.2},
    "every weight (fast_mode off)": {"activation": "Rectifier", "fast_mode": False},
    "classification": {"y": "c1", "activation": "Tanh"},
    "autoencoder": {"autoencoder": True, "activation": "Tanh"},
    "max_w2": {"activation": "Rectifier", "max_w2": 0.5},
    "sgd": {"activation": "Rectifier", "adaptive_rate": False, "rate": 0.01},
    "sgd, momentum, l1, l2": {
        "activation": "Tanh",
        "adaptive_rate": False,
        "rate": 0.01,
        "momentum_start": 0.5,
        "momentum_stable": 0.5,
        "l1": 1e-3,
        "l2": 1e-2,
    },
    "sgd, nesterov, max_w2, fast_mode off": {
        "activation": "Rectifier",
        "adaptive_rate": False,
        "rate": 0.01,
        "momentum_start": 0.9,
        "momentum_stable": 0.9,
        "nesterov_accelerated_gradient": True,
        "max_w2": 0.5,
        "fast_mode": False,
    },
}


@pytest.mark.parametrize("params", CASES.values(), ids=CASES.keys())
def test_one_row_updates_the_same_weights_by_the_same_steps(monkeypatch, params):
    args = _capture(monkeypatch, **params)
    before = args[8]
    exact = _replay(args, True, 1)
    fast = _replay(args, False, 1)
    for name, k in (("weights", 0), ("biases", 1)):
        d_exact = exact[k].astype(np.float64) - before[k]
        d_fast = fast[k].astype(np.float64) - before[k]
        changed = d_exact != 0
        assert changed.any(), f"the row changed no {name}"
        # every weight one kernel updates the other updates (float32 may round a tiny step to 0)
        big = np.abs(d_exact) > 1e-6 * np.abs(before[k]).max()
        assert np.all(d_fast[big] != 0), f"{name} the fast kernel skipped"
        assert np.all(d_exact[d_fast != 0] != 0), f"{name} only the fast kernel changed"
        np.testing.assert_allclose(d_fast[big], d_exact[big], rtol=STEP_RTOL, atol=0)


def test_a_hundred_rows_train_the_same_model_within_float32_and_approx_sqrt(monkeypatch):
    args = _capture(monkeypatch, activation="Tanh", hidden=[8])
    before = args[8][0].astype(np.float64)
    exact = _replay(args, True, 100)[0].astype(np.float64)
    fast = _replay(args, False, 100)[0].astype(np.float64)
    moved = np.linalg.norm(exact - before)
    assert moved > 0
    assert np.linalg.norm(fast - exact) < 0.1 * moved


@pytest.mark.parametrize(
    ("reproducible", "arithmetic", "exact"),
    [(True, "auto", 1), (False, "auto", 0), (True, "float32", 0), (False, "h2o", 1)],
)
def test_the_arithmetic_parameter_chooses_the_kernels(monkeypatch, reproducible, arithmetic, exact):
    flags = []
    real = online.train_chunk

    def spy(*args):
        flags.append(int(args[9][2][online.I_EXACT]))
        return real(*args)

    monkeypatch.setattr(online, "train_chunk", spy)
    tabdl.DeepLearningEstimator(
        hidden=[4], epochs=1, seed=1, reproducible=reproducible, arithmetic=arithmetic
    ).train(x=X, y="y", training_frame=pd.read_csv(H2O / "train.csv"))
    assert set(flags) == {exact}


def test_reproducible_float32_training_is_bit_identical_and_not_h2o_arithmetic():
    frame = pd.read_csv(H2O / "train.csv")

    def fit(arithmetic: str) -> np.ndarray:
        model = tabdl.DeepLearningEstimator(
            hidden=[16], epochs=2, seed=1, reproducible=True, arithmetic=arithmetic
        ).train(x=X, y="y", training_frame=frame)
        return model.weights(0).to_numpy()

    first, second, exact = fit("float32"), fit("float32"), fit("h2o")
    assert np.array_equal(first, second)
    assert not np.array_equal(first, exact)
    np.testing.assert_allclose(first, exact, atol=0.05 * np.abs(exact).max())


def _adadelta_closed_form(w, edx, eg, grad, rho, eps):
    """One ADADELTA step in float64 (weights whose gradient is 0 are left alone)."""
    new_eg = rho * eg + (1 - rho) * grad**2
    step = np.sqrt((edx + eps) / (new_eg + eps))
    new_edx = rho * edx + (1 - rho) * step**2 * grad**2
    keep = grad != 0
    return (
        np.where(keep, w + step * grad, w),
        np.where(keep, new_edx, edx),
        np.where(keep, new_eg, eg),
    )


@pytest.mark.parametrize("scratch", [online.RUN_GRADIENTS, 7], ids=["long runs", "one unit a run"])
def test_runs_of_active_units_take_the_adadelta_step_of_the_closed_form(scratch):
    rng = np.random.default_rng(3)
    rows, cols, rho, eps = 9, 7, 0.99, 1e-6
    w = rng.normal(size=rows * cols).astype(np.float32)
    acc = np.abs(rng.normal(size=2 * rows * cols)).astype(np.float32) * 1e-3
    a = rng.normal(size=cols).astype(np.float32)
    a[2] = 0.0  # fast_mode leaves the weights of a zero input alone
    gvec = rng.normal(size=rows)
    gvec[[0, 4, 5]] = 0.0  # inactive units split the runs
    sums = np.zeros(rows)
    grad = (np.float32(gvec)[:, None] * a[None, :]).ravel().astype(np.float64)
    w0 = w.astype(np.float64)
    expected = _adadelta_closed_form(
        w.astype(np.float64), acc[: rows * cols].astype(np.float64),
        acc[rows * cols :].astype(np.float64), grad, rho, eps,
    )  # fmt: skip
    online._adadelta_runs_f32(
        w, acc, a, gvec, rows, cols, 0, np.float32(rho), np.float32(eps), sums,
        np.zeros(scratch, dtype=np.float32),
    )  # fmt: skip
    # the step (float32 arithmetic: about 1e-7 per operation), and the accumulators
    np.testing.assert_allclose(w - w0, expected[0] - w0, rtol=1e-5, atol=0)
    np.testing.assert_allclose(acc[: rows * cols], expected[1], rtol=1e-5)
    np.testing.assert_allclose(acc[rows * cols :], expected[2], rtol=1e-5)
    unchanged = grad == 0
    assert np.array_equal(w[unchanged], w0[unchanged])
    assert unchanged.sum() == 3 * cols + (rows - 3)
    np.testing.assert_allclose(sums, gvec**2 * np.sum(a.astype(np.float64) ** 2), rtol=1e-6)


@pytest.mark.parametrize("first", [0, 3])
def test_the_float32_dot_products_equal_the_matrix_product(first):
    rng = np.random.default_rng(4)
    rows, cols = 7, 37  # four units per pass, then three alone
    w = rng.normal(size=5 + rows * cols).astype(np.float32)  # the layer's weights start at 5
    acts = rng.normal(size=2 + cols)  # its inputs start at 2
    a32 = np.zeros_like(acts, dtype=np.float32)
    out = np.zeros(rows)
    online._dots_dense(w, 5, acts, a32, 2, first, cols, rows, out)
    weights = w[5:].reshape(rows, cols)[:, first:].astype(np.float64)
    inputs = acts[2 + first :].astype(np.float32).astype(np.float64)
    np.testing.assert_allclose(out, weights @ inputs, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(a32[2 + first :], acts[2 + first :].astype(np.float32))


def test_the_float32_error_propagation_equals_the_matrix_product():
    rng = np.random.default_rng(5)
    rows, cols = 6, 11
    w = rng.normal(size=rows * cols).astype(np.float32)
    gvec = rng.normal(size=rows)
    gvec[1] = 0.0
    # the layer's inputs start at 3; the error adds to what is there
    errors = np.full(3 + cols, 0.5)
    online._propagate_f32(
        errors, np.zeros(cols, dtype=np.float32), 3, cols, w, 0, gvec, rows, True, 1, NO_CHANNELS, 0
    )
    want = 0.5 + w.reshape(rows, cols).astype(np.float64).T @ gvec.astype(np.float32)
    np.testing.assert_allclose(errors[3:], want, rtol=1e-5)
    np.testing.assert_array_equal(errors[:3], 0.5)


def _maxout_weights(rng, rows, cols, start) -> np.ndarray:
    """A Maxout layer's float32 weights from ``start``, channels interleaved: ``[r, c, k]``."""
    return rng.normal(size=start + rows * cols * 2).astype(np.float32)


@pytest.mark.parametrize("first", [0, 3])
def test_the_float32_maxout_layer_takes_the_higher_channel_of_the_matrix_products(first):
    rng = np.random.default_rng(6)
    rows, cols = 5, 19
    w = _maxout_weights(rng, rows, cols, 4)  # the layer's weights start at 4
    biases = rng.normal(size=1 + 2 * rows)  # its biases at 1
    acts = np.zeros(2 + cols + rows)  # its inputs at 2, its outputs at 2 + cols
    acts[2 : 2 + cols] = rng.normal(size=cols)
    acts[2 + 1] = 0.0  # below `first`, only the listed columns are read: 0 and 2
    idx = np.array([0, 2, *range(first, cols)], dtype=np.int64) if first else np.arange(cols)
    maxk = np.full(1 + rows, -1, dtype=np.int64)
    bits = np.array([0b11101], dtype=np.uint8)  # unit 1 is dropped
    online._maxout_layer_f32(
        w, 4, biases, 1, acts, np.zeros_like(acts, dtype=np.float32), 2, 2 + cols, first, cols,
        rows, idx, len(idx), maxk, 1, bits, True,
    )  # fmt: skip
    weights = w[4:].reshape(rows, cols, 2).astype(np.float64)
    z = np.einsum("rck,c->rk", weights, acts[2 : 2 + cols]) + biases[1:].reshape(rows, 2)
    winner = np.argmax(z, axis=1)
    active = [0, 2, 3, 4]
    np.testing.assert_allclose(acts[2 + cols :][active], z.max(axis=1)[active], rtol=1e-5)
    assert acts[2 + cols + 1] == 0.0 and maxk[2] == -1  # dropped: output 0, stale channel kept
    np.testing.assert_array_equal(maxk[1:][active], winner[active])


def test_the_float32_maxout_error_propagation_follows_the_winning_channels():
    rng = np.random.default_rng(7)
    rows, cols = 6, 13
    w = _maxout_weights(rng, rows, cols, 0)
    gvec = rng.normal(size=rows)
    gvec[2] = 0.0
    maxk = np.array([9, 0, 1, 1, 0, 1, 0], dtype=np.int64)  # the layer's channels start at 1
    errors = np.full(3 + cols, 0.5)
    online._propagate_f32(
        errors, np.zeros(cols, dtype=np.float32), 3, cols, w, 0, gvec, rows, True, 2, maxk, 1
    )
    winning = w.reshape(rows, cols, 2)[np.arange(rows), :, maxk[1:]].astype(np.float64)
    want = 0.5 + winning.T @ gvec.astype(np.float32)
    np.testing.assert_allclose(errors[3:], want, rtol=1e-5)
    np.testing.assert_array_equal(errors[:3], 0.5)


@pytest.mark.parametrize(
    ("listed", "l1", "l2"),
    [(False, 0.0, 0.0), (False, 1e-3, 1e-2), (True, 0.0, 0.0)],
    ids=["every input", "l1 and l2", "listed inputs"],
)
def test_the_float32_maxout_update_steps_the_winning_channels_only(listed, l1, l2):
    rng = np.random.default_rng(8)
    rows, cols, rho, eps = 5, 40, 0.99, 1e-6
    n = rows * cols * 2
    w = _maxout_weights(rng, rows, cols, 0)
    acc = np.abs(rng.normal(size=2 * n)).astype(np.float32) * 1e-3
    acts = rng.normal(size=cols)
    acts[4] = 0.0  # fast_mode leaves its weights alone
    if listed:  # the input layer's few non-zero inputs (one-hot slots), listed in idx
        acts[[c for c in range(cols) if c not in (5, 17)]] = 0.0
    idx = np.flatnonzero(acts).astype(np.int64)
    gvec = rng.normal(size=rows)
    gvec[3] = 0.0
    maxk = np.array([1, 0, 0, 1, 1], dtype=np.int64)
    sums = np.zeros(rows)
    w0, acc0 = w.copy(), acc.copy()
    online._adadelta_maxout_f32(
        w, acc, acts, 0, gvec, rows, cols, 0, maxk, 0, idx, len(idx), listed, True, True, l1, l2,
        np.float32(rho), np.float32(eps), 0.0, w, sums, np.zeros(2 * cols, dtype=np.float32),
    )  # fmt: skip
    grad = np.zeros((rows, cols, 2))
    moved = np.zeros((rows, cols, 2), dtype=bool)
    for r in range(rows):
        if gvec[r] != 0.0:
            k = maxk[r]
            weights = w0.reshape(rows, cols, 2)[r, idx, k].astype(np.float64)
            grad[r, idx, k] = (
                np.float32(gvec[r]) * acts[idx].astype(np.float32) - np.sign(weights) * l1
                - weights * l2
            )  # fmt: skip
            moved[r, idx, k] = True
    expected = _adadelta_closed_form(
        w0.astype(np.float64), acc0[:n].astype(np.float64), acc0[n:].astype(np.float64),
        np.where(moved, grad, 0.0).ravel(), rho, eps,
    )  # fmt: skip
    np.testing.assert_allclose(w - w0, expected[0] - w0, rtol=1e-4, atol=1e-9)
    np.testing.assert_allclose(acc[:n], expected[1], rtol=1e-5)
    np.testing.assert_allclose(acc[n:], expected[2], rtol=1e-5)
    still = ~moved.ravel()
    assert np.array_equal(w[still], w0[still]) and moved.sum() == (rows - 1) * len(idx)
    np.testing.assert_allclose(sums, (grad**2).sum(axis=(1, 2)), rtol=1e-5)


@pytest.mark.parametrize(
    ("momentum", "nesterov", "l1"),
    [(0.0, False, 0.0), (0.5, False, 1e-3), (0.9, True, 0.0)],
    ids=["plain", "classical momentum, l1", "nesterov"],
)
def test_the_float32_sgd_takes_h2o_steps(momentum, nesterov, l1):
    rng = np.random.default_rng(9)
    rows, cols, rate, first = 4, 21, 0.05, 2
    w = rng.normal(size=rows * cols).astype(np.float32)
    momenta = (rng.normal(size=rows * cols) * 0.1).astype(np.float32)
    if not momentum:
        momenta = np.zeros(0, dtype=np.float32)  # the model keeps no momenta
    acts = np.zeros(3 + cols, dtype=np.float32)  # the layer's inputs start at 3
    acts[3:] = rng.normal(size=cols)
    acts[3 + 7] = 0.0  # fast_mode leaves its weights alone
    gvec = rng.normal(size=rows)
    gvec[2] = 0.0  # skipped whole
    w0, m0 = w.astype(np.float64), momenta.astype(np.float64)
    online._sgd_dense_f32(
        w, momenta, acts, gvec, rows, cols, 0, 3, first, True, True, l1, 0.0, rate, momentum,
        nesterov, 0.0, w,
    )  # fmt: skip
    before = w0.reshape(rows, cols)
    g32 = gvec.astype(np.float32).astype(np.float64)
    grad = g32[:, None] * acts[None, 3:].astype(np.float64) - np.sign(before) * l1
    old_m = m0.reshape(rows, cols) if momentum else 0.0
    if nesterov:
        new_m = old_m * momentum + grad
        expected = before + rate * new_m
    else:
        new_m = rate * grad
        expected = before + new_m + momentum * old_m
    moved = np.ones((rows, cols), dtype=bool)
    moved[:, :first] = False  # the columns before `first` are not this call's
    moved[:, 7] = False
    moved[2] = False
    got = w.reshape(rows, cols)
    np.testing.assert_allclose(
        got[moved] - before[moved], (expected - before)[moved], rtol=1e-4, atol=1e-7
    )
    np.testing.assert_array_equal(got[~moved], before[~moved])
    if momentum:
        got_m = momenta.reshape(rows, cols)
        np.testing.assert_allclose(got_m[moved], new_m[moved], rtol=1e-4, atol=1e-7)
        np.testing.assert_array_equal(got_m[~moved], m0.reshape(rows, cols)[~moved])
