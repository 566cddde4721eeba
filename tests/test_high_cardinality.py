"""A categorical with 70,000 levels: an index into the first layer, never a one-hot matrix.

The encoded rows hold one slot id per categorical column; training updates only the weights of the
slots its rows activate; encoding and scoring stay within a memory bound far below what a dense
one-hot matrix of the same rows would need. Times per row: ``benchmarks/bench_high_cardinality.py``.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pandas as pd
import pytest

import tabdl
from tabdl.encoding import encode
from tabdl.frame import as_frame

LEVELS = 70_000
TRAINED = 1_500  # rows with a response: only their levels train
HIDDEN = 8


def _frame() -> pd.DataFrame:
    """One row per level (so every level is in the domain); only the first rows have a response."""
    rng = np.random.default_rng(5)
    names = np.array([f"L{k:05d}" for k in range(LEVELS)], dtype=object)
    codes = rng.permutation(LEVELS)
    y = np.where(rng.random(LEVELS) < 0.5, "a", "b").astype(object)
    y[TRAINED:] = None  # a row with a missing response never trains
    return pd.DataFrame(
        {"c": pd.Categorical.from_codes(codes, names), "x": rng.normal(size=LEVELS), "y": y}
    )


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return _frame()


@pytest.fixture(scope="module")
def models(frame):
    params = dict(hidden=[HIDDEN], seed=3, reproducible=True, quiet_mode=True,
                  activation="Tanh", variable_importances=False)  # fmt: skip
    initial = tabdl.DeepLearningEstimator(epochs=0, **params)
    trained = tabdl.DeepLearningEstimator(epochs=1, **params)
    return (initial.train(x=["c", "x"], y="y", training_frame=frame),
            trained.train(x=["c", "x"], y="y", training_frame=frame))  # fmt: skip


def test_the_first_layer_has_one_input_per_level(models):
    info = models[1]._fitted.datainfo
    assert info.full_n == LEVELS + 1 + 1  # the levels, the NA bucket, the numeric
    assert models[1]._fitted.weights[0].shape == (HIDDEN, info.full_n)


def test_a_row_is_one_slot_id_per_categorical_not_a_one_hot_vector(models, frame):
    info = models[1]._fitted.datainfo
    rows = encode(info, as_frame(frame))
    assert rows.cat_slots.shape == (LEVELS, 1)
    assert rows.numeric.shape == (LEVELS, 1)
    codes = frame["c"].cat.codes.to_numpy()
    np.testing.assert_array_equal(rows.cat_slots[:, 0], codes)  # use_all_factor_levels: slot = code


def test_training_updates_only_the_weights_of_the_levels_it_sees(models, frame):
    initial, trained = (m._fitted.weights[0] for m in models)
    seen = np.zeros(initial.shape[1], dtype=bool)
    seen[np.unique(frame["c"].cat.codes.to_numpy()[:TRAINED])] = True
    seen[-1] = True  # the numeric input
    changed = np.any(initial != trained, axis=0)
    assert not changed[~seen].any(), f"{int(changed[~seen].sum())} unseen levels' weights changed"
    assert changed[seen].mean() > 0.99  # ADADELTA moves every weight it updates
    assert (~seen).sum() > 60_000


def test_encoding_and_scoring_stay_far_below_a_dense_one_hot(models, frame):
    model = models[1]
    rows = 5_000
    test = frame.iloc[:rows]
    one_hot_bytes = rows * model._fitted.datainfo.full_n * 8  # 2.8 GB as float64
    tracemalloc.start()
    predictions = model.predict(test)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(predictions) == rows
    first_layer = model._fitted.weights[0].size * 8  # scoring's float64 copy of the first layer
    assert peak < first_layer + 40 * 2**20, f"peak {peak / 2**20:.0f} MB"
    assert peak < one_hot_bytes / 50
