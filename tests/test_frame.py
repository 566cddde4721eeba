"""Frames: every supported input gives the same predictions, returned in the caller's kind of frame."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import tabdl
from tabdl.encoding.levels import level_codes
from tabdl.errors import DataError
from tabdl.frame import CATEGORICAL, NUMERIC, as_frame, level_strings, numeric_values, sorted_levels

from conftest import H2O

MOJO = H2O / "A2_bin" / "model.zip"  # binomial, three categoricals with an unseen test level


@pytest.fixture(scope="module")
def model():
    return tabdl.import_mojo(MOJO)


@pytest.fixture(scope="module")
def test_pandas():
    return pd.read_csv(H2O / "test.csv")


@pytest.fixture(scope="module")
def expected(model):
    return model.predict(H2O / "test.csv")


def _same(result: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(result.columns) == list(expected.columns)
    np.testing.assert_array_equal(
        result[["no", "yes"]].to_numpy(float), expected[["no", "yes"]].to_numpy(float)
    )
    assert result["predict"].astype(str).tolist() == expected["predict"].astype(str).tolist()


def test_pandas_in_pandas_out(model, test_pandas, expected):
    result = model.predict(test_pandas)
    assert isinstance(result, pd.DataFrame)
    assert isinstance(result["predict"].dtype, pd.CategoricalDtype)
    _same(result, expected)


def test_polars_in_polars_out(model, test_pandas, expected):
    result = model.predict(pl.from_pandas(test_pandas))
    assert isinstance(result, pl.DataFrame)
    _same(result.to_pandas(), expected)


def test_arrow_in_arrow_out(model, test_pandas, expected):
    result = model.predict(pa.Table.from_pandas(test_pandas, preserve_index=False))
    assert isinstance(result, pa.Table)
    _same(result.to_pandas(), expected)


def test_parquet_and_csv_paths(model, test_pandas, expected, tmp_path):
    path = tmp_path / "test.parquet"
    pq.write_table(pa.Table.from_pandas(test_pandas, preserve_index=False), path)
    _same(model.predict(str(path)), expected)
    _same(model.predict(H2O / "test.csv"), expected)


def test_numpy_structured_array_and_dict(model, test_pandas, expected):
    text = [n for n in test_pandas.columns if pd.api.types.is_string_dtype(test_pandas[n])]
    records = test_pandas.astype({n: object for n in text}).to_records(index=False)
    _same(model.predict(records), expected)
    _same(model.predict({c: test_pandas[c].tolist() for c in test_pandas.columns}), expected)


def test_pandas_category_dtype_scores_like_strings(model, test_pandas, expected):
    categorical = test_pandas.astype({"c1": "category", "c2": "category", "c3": "category"})
    _same(model.predict(categorical), expected)


def test_a_2d_numpy_array_gets_h2o_column_names():
    frame = as_frame(np.arange(6.0).reshape(3, 2))
    assert frame.names == ["C1", "C2"] and frame.kinds == {"C1": NUMERIC, "C2": NUMERIC}


def test_column_kinds():
    frame = as_frame(
        pd.DataFrame(
            {
                "n": [1.0, 2.0],
                "i": [1, 2],
                "s": ["a", "b"],
                "b": [True, False],
                "c": pd.Categorical(["x", "y"]),
                "t": pd.to_datetime(["2020-01-01", "2020-01-02"]),
                "d": [dt.date(2020, 1, 1), dt.date(2020, 1, 2)],
            }
        )
    )
    assert frame.kinds == {
        "n": NUMERIC,
        "i": NUMERIC,
        "s": CATEGORICAL,
        "b": CATEGORICAL,
        "c": CATEGORICAL,
        "t": NUMERIC,
        "d": NUMERIC,
    }
    assert numeric_values(frame, "t").tolist() == [1577836800000.0, 1577923200000.0]
    assert numeric_values(frame, "d").tolist() == [1577836800000.0, 1577923200000.0]
    assert level_strings(frame, "b").tolist() == ["true", "false"]


def test_a_numeric_column_declared_categorical_sorts_its_levels_by_value():
    frame = as_frame(pd.DataFrame({"code": [10, 2, 1, 2, None]}), categorical_columns=["code"])
    assert frame.kinds["code"] == CATEGORICAL
    assert sorted_levels(frame, "code") == ["1", "2", "10"]
    assert level_strings(frame, "code").tolist() == ["10", "2", "1", "2", None]


def test_numbers_as_levels_keep_their_shortest_text_and_their_missing_values():
    big = 2**53 + 1  # exact as an integer level, not rounded through float64
    ints = pa.table({"n": pa.array([big, None, -3, big], type=pa.int64())})
    assert level_strings(as_frame(ints), "n").tolist() == [str(big), None, "-3", str(big)]
    floats = pd.DataFrame({"f": [2.5, np.nan, -0.0, 3.0, None, 2.5, 0.1]})
    expected = ["2.5", None, "0", "3", None, "2.5", "0.1"]
    assert level_strings(as_frame(floats), "f").tolist() == expected


@pytest.mark.parametrize(
    "values",
    [
        [10, 2, 1, 2, None, 7],  # integers (7: not in the domain)
        [2.5, np.nan, -0.0, 3.0, None, 2.5, 0.1, 1e300],  # floats, "0" for -0.0
        ["b", None, "a", "c", "b"],  # text
        [True, False, None, True],  # booleans
    ],
)
def test_level_codes_are_the_level_strings_looked_up_in_the_domain(values):
    """Numbers are looked up once per distinct value; the codes must be the per-row lookup's."""
    frame = as_frame(pd.DataFrame({"v": values}), categorical_columns=["v"])
    domain = ("0", "0.1", "1", "10", "2", "2.5", "3", "a", "b", "false", "true")
    strings = level_strings(frame, "v")
    codes, missing = level_codes(frame, "v", domain)
    expected = [domain.index(v) if v in domain else -1 for v in strings]
    assert codes.tolist() == expected
    assert missing.tolist() == [v is None for v in strings]


def test_missing_values_are_missing_in_every_input_kind():
    data = {"x": [1.0, None], "s": ["a", None]}
    for source in (pd.DataFrame(data), pl.DataFrame(data), pa.table(data)):
        frame = as_frame(source)
        assert np.isnan(numeric_values(frame, "x")[1])
        assert level_strings(frame, "s").tolist() == ["a", None]


# -- bad input -----------------------------------------------------------------------------------------


def test_an_empty_training_frame():
    model = tabdl.DeepLearningEstimator()
    with pytest.raises(DataError, match=r"the training frame is empty \(0 rows"):
        model.train(y="y", training_frame=pd.DataFrame({"x": [], "y": []}))


def test_y_not_in_the_frame_suggests_a_column():
    with pytest.raises(DataError, match="y column 'yy' is not in the frame; did you mean 'y'"):
        tabdl.DeepLearningEstimator().train(y="yy", training_frame=H2O / "train.csv")


def test_an_x_column_not_in_the_frame():
    with pytest.raises(DataError, match="x column 'x9' is not in the frame"):
        tabdl.DeepLearningEstimator().train(x=["x1", "x9"], y="y", training_frame=H2O / "train.csv")


def test_an_x_index_out_of_range():
    with pytest.raises(DataError, match="x index 99 is out of range: the frame has 10 columns"):
        tabdl.DeepLearningEstimator().train(x=[0, 99], y="y", training_frame=H2O / "train.csv")


def test_the_response_listed_in_x():
    with pytest.raises(DataError, match="the response 'y' is also listed in x"):
        tabdl.DeepLearningEstimator().train(x=["x1", "y"], y="y", training_frame=H2O / "train.csv")


def test_no_response_for_a_supervised_model():
    with pytest.raises(DataError, match="y .* is required unless autoencoder=True"):
        tabdl.DeepLearningEstimator().train(training_frame=H2O / "train.csv")


def test_a_string_in_a_numeric_column_at_scoring(model, test_pandas):
    bad = test_pandas.astype({"x1": object})
    bad.loc[3, "x1"] = "abc"
    bad["x1"] = bad["x1"].astype(str)
    with pytest.raises(
        DataError, match="column 'x1' is numeric in the model but holds text values"
    ):
        model.predict(bad)


def test_a_column_missing_at_scoring(model, test_pandas):
    with pytest.raises(
        DataError, match=r"lacks column\(s\) \['x2'\] that the model was trained on"
    ):
        model.predict(test_pandas.drop(columns=["x2"]))


def test_an_unreadable_input():
    with pytest.raises(DataError, match="cannot use a int as a frame"):
        as_frame(3)
    with pytest.raises(DataError, match="no such file"):
        as_frame("/nonexistent/data.csv")
    with pytest.raises(DataError, match="cannot tell the format"):
        as_frame(__file__)


def test_a_column_of_an_unusable_type():
    with pytest.raises(DataError, match="column 'l' has type list"):
        as_frame(pa.table({"l": [[1], [2]]}))


def test_duplicate_column_names():
    with pytest.raises(DataError, match="column names must be unique; repeated: \\['a'\\]"):
        as_frame(pd.DataFrame([[1, 2]], columns=["a", "a"]))


def test_categorical_columns_must_exist():
    with pytest.raises(DataError, match="categorical_columns names 'zz'"):
        as_frame(pd.DataFrame({"a": [1]}), categorical_columns=["zz"])


def test_predicting_with_an_untrained_model():
    with pytest.raises(DataError, match="has not been trained"):
        tabdl.DeepLearningEstimator().predict(H2O / "test.csv")
