"""Encoding (H2O's DataInfo): the encoder tabdl fits equals the one inside H2O's MOJOs."""

from __future__ import annotations

import ast

import numpy as np
import pandas as pd
import pytest

from tabdl.encoding import encode, exchange_sort_by_cardinality
from tabdl.frame import as_frame
from tabdl.io import read_mojo
from tabdl.training import prepare

from conftest import A_RUNS, H2O

X = ["x1", "x2", "x3", "c1", "c2", "c3"]


def _a_run_specs() -> dict[str, dict]:
    """The exact H2O parameters of the A-runs, read from the script that made them."""
    tree = ast.parse((H2O / "trainA.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "specs":
            source = ast.unparse(node.value)
            return eval(source, {"dict": dict})  # a literal dict of dict(...) calls
    raise AssertionError("specs not found in trainA.py")


SPECS = _a_run_specs()
ENCODING_PARAMS = (
    "activation",
    "hidden",
    "distribution",
    "standardize",
    "use_all_factor_levels",
    "autoencoder",
    "hidden_dropout_ratios",
    "seed",
)


def _fit(run: str):
    spec = SPECS[run]
    params = {k: v for k, v in spec["kw"].items() if k in ENCODING_PARAMS and k != "seed"}
    return prepare(params, X, spec["y"], H2O / "train.csv")


@pytest.mark.parametrize("run", A_RUNS)
def test_fitted_encoder_equals_the_mojo_encoder(run):
    ours = _fit(run).datainfo
    theirs = read_mojo(H2O / run / "model.zip").datainfo
    assert ours.cat_names == theirs.cat_names
    assert ours.domains == theirs.domains
    assert ours.num_names == theirs.num_names
    assert ours.use_all_factor_levels == theirs.use_all_factor_levels
    assert ours.cat_offsets.tolist() == theirs.cat_offsets.tolist()
    assert ours.coef_names() == theirs.coef_names()
    assert ours.response == theirs.response
    assert ours.response_domain == theirs.response_domain
    if theirs.norm_mul is None:
        assert ours.norm_mul is None
    else:
        np.testing.assert_allclose(ours.norm_mul, theirs.norm_mul, rtol=1e-13)
        np.testing.assert_allclose(ours.norm_sub, theirs.norm_sub, rtol=1e-13)
    for mine, h2o in ((ours.resp_mul, theirs.resp_mul), (ours.resp_sub, theirs.resp_sub)):
        assert (mine is None) == (h2o is None)
        if h2o is not None:
            assert mine == pytest.approx(h2o, rel=1e-13)


def test_network_spec_equals_the_mojo_network():
    for run in A_RUNS:
        ours = _fit(run).spec
        theirs = read_mojo(H2O / run / "model.zip").spec
        assert ours == theirs, run


def test_cat_modes_match_h2o_na_fill():
    import zipfile

    with zipfile.ZipFile(H2O / "A2_bin" / "model.zip") as z:
        line = next(
            ln for ln in z.read("model.ini").decode().splitlines() if ln.startswith("cat_modes")
        )
    assert _fit("A2_bin").datainfo.cat_modes == ast.literal_eval(line.split(" = ")[1])


def test_exchange_sort_is_h2os_unstable_sort():
    assert exchange_sort_by_cardinality(["a2", "b2", "c3"], [2, 2, 3]) == ["c3", "b2", "a2"]
    assert exchange_sort_by_cardinality(["c1", "c2", "c3"], [4, 2, 3]) == ["c1", "c3", "c2"]


def test_encoding_rows_uses_slots_not_a_dense_one_hot():
    info = read_mojo(H2O / "A2_bin" / "model.zip").datainfo  # use_all_factor_levels=False
    frame = as_frame(
        pd.DataFrame(
            {
                "c1": ["a", "b", None, "zz"],
                "c3": ["u", "w", "v", None],
                "c2": ["q", "p", "p", "q"],
                "x1": [0.0, np.nan, 1.0, 2.0],
                "x2": [1.0] * 4,
                "x3": [2.0] * 4,
            }
        )
    )
    rows = encode(info, frame)
    offsets = info.cat_offsets  # [0, 4, 7, 9]
    # c1: level 0 'a' -> no slot; 'b' -> slot 0; NA and unseen 'zz' -> the NA bucket (slot 3)
    assert rows.cat_slots[:, 0].tolist() == [-1, 0, 3, 3]
    assert rows.cat_slots[:, 1].tolist() == [-1, offsets[1] + 1, offsets[1], offsets[2] - 1]
    # MOJO rule: a missing numeric is 0 after the transform
    assert rows.numeric[1, 0] == 0.0
    assert rows.numeric[0, 0] == pytest.approx((0.0 - info.norm_sub[0]) * info.norm_mul[0])
    dense = rows.dense(info.full_n, info.num_start)
    # 3 categoricals x 4 rows, less the 4 cells at level 0 ('a', 'u', 'p', 'p'), which have no slot
    assert dense.shape == (4, info.full_n) and dense[:, : info.num_start].sum() == 3 * 4 - 4


def test_tabdl_encoder_imputes_the_mean_for_missing_numerics():
    info = prepare({"standardize": False}, ["x1"], "y", H2O / "train.csv").datainfo
    frame = as_frame(pd.DataFrame({"x1": [np.nan, 1.5]}))
    rows = encode(info, frame)
    mean = pd.read_csv(H2O / "train.csv")["x1"].mean()
    assert rows.numeric[:, 0].tolist() == pytest.approx([mean, 1.5])


def test_response_is_standardised_only_for_identity_links():
    gaussian = prepare({}, X, "y", H2O / "train.csv").datainfo
    poisson = prepare({"distribution": "poisson"}, X, "cnt", H2O / "train.csv").datainfo
    unstandardised = prepare({"standardize": False}, X, "y", H2O / "train.csv").datainfo
    y = pd.read_csv(H2O / "train.csv")["y"]
    assert gaussian.resp_sub == pytest.approx(y.mean()) and gaussian.resp_mul == pytest.approx(
        1 / y.std()
    )
    assert poisson.resp_mul is None and unstandardised.resp_mul is None


def test_training_resolves_the_parameters_it_used():
    import tabdl

    model = tabdl.DeepLearningEstimator(hidden=[3], epochs=0.1, seed=1)
    model.train(x=X, y="y", training_frame=H2O / "train.csv")
    assert model.actual_params["distribution"] == "gaussian"
    assert model.actual_params["loss"] == "Quadratic"


def _train_frame_with(**columns):
    frame = pd.read_csv(H2O / "train.csv")
    return frame.assign(**columns)


def test_training_rows_regression_response_is_standardised():
    from tabdl.encoding import encode_training

    frame = _train_frame_with()
    setup = prepare({}, X, "y", frame)
    rows = encode_training(setup.datainfo, setup.frame)
    y = frame["y"].to_numpy()
    np.testing.assert_allclose(rows.response, (y - y.mean()) / y.std(ddof=1))
    assert rows.usable.all() and rows.offset is None and (rows.weights == 1).all()


def test_training_rows_classification_response_is_the_class_index():
    from tabdl.encoding import encode_training

    setup = prepare({}, X, "cls", H2O / "train.csv")
    rows = encode_training(setup.datainfo, setup.frame)
    labels = pd.read_csv(H2O / "train.csv")["cls"]
    assert rows.response.tolist() == labels.map({"A": 0.0, "B": 1.0, "C": 2.0}).tolist()


def test_rows_with_a_missing_response_zero_weight_or_skipped_predictor_never_train():
    from tabdl.encoding import encode_training

    n = len(pd.read_csv(H2O / "train.csv"))
    y = pd.read_csv(H2O / "train.csv")["y"].to_numpy().copy()
    y[:5] = np.nan
    w = np.ones(n)
    w[5:8] = 0.0
    frame = _train_frame_with(y=y, w=w)
    mean_imputed = encode_training(
        prepare({"weights_column": "w"}, X, "y", frame).datainfo, as_frame(frame)
    )
    expected = np.ones(n, bool)
    expected[:8] = False
    assert mean_imputed.usable.tolist() == expected.tolist()
    skip = encode_training(
        prepare({"weights_column": "w", "missing_values_handling": "Skip"}, X, "y", frame).datainfo,
        as_frame(frame),
    )
    has_na = frame[X].isna().any(axis=1).to_numpy()
    assert skip.usable.tolist() == (expected & ~has_na).tolist()
    assert has_na[8:].any()


def test_negative_weights_are_refused():
    from tabdl.encoding import encode_training
    from tabdl.errors import DataError

    frame = _train_frame_with(w=-1.0 * np.ones(400))
    setup = prepare({"weights_column": "w"}, X, "y", frame)
    with pytest.raises(DataError, match="weights column 'w' has negative values"):
        encode_training(setup.datainfo, setup.frame)


def test_x_and_y_by_index_and_ignored_columns():
    by_index = prepare({}, [0, 1, 2, 3, 4, 5], 6, H2O / "train.csv").datainfo
    by_name = prepare({}, X, "y", H2O / "train.csv").datainfo
    assert by_index.coef_names() == by_name.coef_names() and by_index.response == "y"
    ignored = prepare({"ignored_columns": ["x2", "c3"]}, None, "y", H2O / "train.csv").datainfo
    assert "x2" not in ignored.predictors and "c3" not in ignored.predictors
    assert set(ignored.predictors) == {"x1", "x3", "c1", "c2", "cls", "yb", "cnt"}


def _sequential_welford(values: np.ndarray) -> tuple[float, float, int]:
    """H2O's RollupStats within a chunk, one value after the other, in Python floats."""
    mean, m2, n = 0.0, 0.0, 0
    for v in values.tolist():
        if v == v:
            n += 1
            delta = v - mean
            mean += delta / n
            m2 += delta * (v - mean)
    return mean, m2, n


def test_a_block_of_columns_has_each_columns_sequential_statistics_bit_for_bit():
    from tabdl.encoding.datainfo import STATS_BLOCK, _welford_columns

    rng = np.random.default_rng(11)
    scales = rng.uniform(0.1, 1e4, STATS_BLOCK + 3)
    block = (
        rng.normal(3.0, 2.0, size=(300, STATS_BLOCK + 3)) * scales
    )  # 300 rows: 2 tiles and a part
    block[rng.random(block.shape) < 0.1] = np.nan  # missing values, in different rows per column
    block[:, 2] = np.nan  # a column with no value
    means, m2s, counts = _welford_columns(np.ascontiguousarray(block.T))
    for j in range(block.shape[1]):
        mean, m2, n = _sequential_welford(block[:, j])
        assert (means[j], m2s[j], counts[j]) == (mean, m2, n), f"column {j}"


def test_frame_names_are_a_new_list_each_time():
    frame = as_frame(pd.DataFrame({"a": [1.0], "b": [2.0]}))
    names = frame.names
    names.append("c")
    assert frame.names == ["a", "b"]


@pytest.mark.parametrize(
    "values",
    [
        [0.0, 1.0, 1.0, 0.0],
        [0.0, np.nan, 1.0],
        [-0.0, 1.0],
        [0.0, 0.0],
        [1.0],
        [np.nan, np.nan],
        [],
        [0.0, 1.0, 2.0],
        [0.0, 1.0, 0.5],
        [3.0, 3.0, np.nan, 3.0],
        [np.nan, 2.0, 2.0],
        [2.0, -2.0],
    ],
)
def test_boolean_and_constant_columns_are_found_as_numpy_finds_them(values):
    from tabdl.encoding.datainfo import _all_equal, _is_boolean

    values = np.asarray(values, dtype=np.float64)
    present = values[~np.isnan(values)]
    boolean = (
        present.size > 1
        and present.min() == 0.0
        and present.max() == 1.0
        and bool(np.all((present == 0.0) | (present == 1.0)))
    )
    constant = present.size == 0 or bool(np.all(present == present[0]))
    assert _is_boolean(values) == boolean
    assert _all_equal(values) == constant
