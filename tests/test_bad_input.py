"""Bad input found in review: each gets a clear tabdl error, or is handled as an experienced user expects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tabdl
from tabdl.errors import DataError
from tabdl.frame import as_frame, numeric_values, sorted_levels

from conftest import H2O

X = ["x1", "x2", "x3", "c1", "c2", "c3"]


def _frame() -> pd.DataFrame:
    return pd.read_csv(H2O / "train.csv")


def _fit(frame=None, y="y", **params):
    frame = _frame() if frame is None else frame
    return tabdl.DeepLearningEstimator(**{"hidden": [3], "epochs": 1, "seed": 1, **params}).train(
        x=[c for c in X if c in frame], y=y, training_frame=frame
    )


def test_an_infinite_predictor_is_refused_at_training_and_scoring():
    frame = _frame()
    frame.loc[5, "x2"] = np.inf
    with pytest.raises(
        DataError, match=r"the numeric column 'x2' holds 1 infinite value\(s\) \(first at row 5\)"
    ):
        _fit(frame)
    model = _fit()
    with pytest.raises(DataError, match="'x2' holds 1 infinite"):
        model.predict(frame)


def test_an_infinite_response_or_weight_is_refused():
    frame = _frame()
    frame.loc[0, "y"] = -np.inf
    with pytest.raises(DataError, match="the response 'y' holds 1 infinite"):
        _fit(frame)
    frame = _frame().assign(w=1.0)
    frame.loc[0, "w"] = np.inf
    with pytest.raises(DataError, match="the weights column 'w' holds 1 infinite"):
        _fit(frame, weights_column="w")


def test_extreme_weights_do_not_train_forever():
    frame = _frame().assign(w=np.linspace(1, 2, 400))
    frame.loc[0, "w"] = 1e308
    with pytest.raises(DataError, match="overflowed; the weights in 'w' are too large"):
        _fit(frame, weights_column="w")


def test_a_missing_offset_means_the_same_in_training_and_scoring():
    frame = _frame().assign(off=0.5)
    model = _fit(frame, offset_column="off", reproducible=True)
    rows = frame.head(3).copy()
    zero, missing = rows.assign(off=0.0), rows.assign(off=np.nan)
    np.testing.assert_array_equal(model.predict(zero)["predict"], model.predict(missing)["predict"])


def test_the_response_cannot_also_be_the_weights_column():
    with pytest.raises(DataError, match="y and weights_column are the same column 'cnt'"):
        tabdl.DeepLearningEstimator(weights_column="cnt").train(
            x=X, y="cnt", training_frame=_frame()
        )


def test_a_validation_frame_needs_the_training_columns_and_the_response():
    with pytest.raises(DataError, match=r"the validation frame lacks column\(s\)"):
        tabdl.DeepLearningEstimator().train(
            x=X, y="y", training_frame=_frame(), validation_frame=_frame()[["x1"]]
        )
    with pytest.raises(DataError, match="lacks the response column 'y'"):
        tabdl.DeepLearningEstimator(hidden=[3], epochs=1).train(
            x=X, y="y", training_frame=_frame(), validation_frame=_frame().drop(columns=["y"])
        )


def test_a_categorical_without_levels_is_dropped():
    frame = _frame().assign(empty=np.nan)
    model = tabdl.DeepLearningEstimator(
        hidden=[3], epochs=1, ignore_const_cols=False, use_all_factor_levels=False
    )
    model.train(x=[*X, "empty"], y="y", training_frame=frame, categorical_columns=["empty"])
    assert not any(name.startswith("empty.") for name in model.weights(0).columns)


def test_nanosecond_timestamps_and_large_integers_are_read():
    frame = as_frame(
        pd.DataFrame(
            {
                "t": pd.to_datetime(["2020-01-01 00:00:00.123456789", None]),
                "id": np.array([2**60 + 1, 3], dtype=np.int64),
            }
        ),
        categorical_columns=["id"],
    )
    assert numeric_values(frame, "t")[0] == 1577836800123.0 and np.isnan(
        numeric_values(frame, "t")[1]
    )
    assert sorted_levels(frame, "id") == ["3", str(2**60 + 1)]


def test_a_column_of_mixed_types_gives_a_clear_error():
    with pytest.raises(DataError, match="mixes types"):
        as_frame(pd.DataFrame({"a": ["x", 1, None]}))


def test_x_as_a_pandas_index_or_numpy_integers():
    frame = _frame()
    by_index = tabdl.DeepLearningEstimator(hidden=[3], epochs=0, seed=1).train(
        x=frame.columns[:6], y="y", training_frame=frame
    )
    by_numpy = tabdl.DeepLearningEstimator(hidden=[3], epochs=0, seed=1).train(
        x=np.arange(6), y=np.int64(6), training_frame=frame
    )
    assert list(by_index.weights(0).columns) == list(by_numpy.weights(0).columns)


def test_deep_features_of_a_network_without_hidden_layers():
    model = _fit(hidden=[])
    with pytest.raises(DataError, match="no hidden layer"):
        model.deepfeatures(H2O / "test.csv", 0)
