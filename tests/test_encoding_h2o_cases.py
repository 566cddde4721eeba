"""Encoding edge cases against H2O 3.46.0.11 (fixtures made by tools/make_datainfo_fixtures.py).

Each case trained an H2O model on a small frame; the encoder inside its MOJO is the oracle for the
encoder tabdl fits on the same frame: weights (with and without offset), constant columns, missing
responses, numeric-coded categoricals, H2O's unstable sort, booleans, Skip, use_all_factor_levels.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tabdl.io import read_mojo
from tabdl.training import prepare

from conftest import DATA

CASES = DATA / "h2o_datainfo"
ENCODING_PARAMS = (
    "standardize",
    "use_all_factor_levels",
    "missing_values_handling",
    "ignore_const_cols",
    "weights_column",
    "offset_column",
    "autoencoder",
    "distribution",
)


def _case(name: str):
    case = json.loads((CASES / name / "case.json").read_text())
    enum_columns = [c for c, t in (case["col_types"] or {}).items() if t == "enum"]
    # H2O parsed col_types "enum" columns as text; asfactor() after import is tabdl's categorical_columns
    frame = pd.read_csv(
        CASES / name / "train.csv", dtype={c: str for c in enum_columns}, keep_default_na=True
    )
    params = {k: v for k, v in case["params"].items() if k in ENCODING_PARAMS}
    if frame.columns.isin(["flag", "flag2"]).any():
        frame = CASES / name / "train.csv"  # read by tabdl's own CSV reader, as H2O read the file
    setup = prepare(
        params,
        case["x"],
        case["y"],
        frame,
        categorical_columns=case.get("asfactor_after_import") or None,
    )
    return setup.datainfo, read_mojo(CASES / name / "model.zip").datainfo


@pytest.mark.parametrize(
    "name", sorted(p.name for p in CASES.iterdir() if (p / "model.zip").exists())
)
def test_encoder_equals_h2os(name):
    ours, theirs = _case(name)
    assert ours.cat_names == theirs.cat_names
    assert ours.domains == theirs.domains
    assert ours.num_names == theirs.num_names
    assert ours.cat_offsets.tolist() == theirs.cat_offsets.tolist()
    assert ours.coef_names() == theirs.coef_names()
    if theirs.norm_mul is None:
        assert ours.norm_mul is None
    else:
        np.testing.assert_allclose(ours.norm_mul, theirs.norm_mul, rtol=1e-12)
        np.testing.assert_allclose(ours.norm_sub, theirs.norm_sub, rtol=1e-12, atol=1e-15)
    for mine, h2o in ((ours.resp_mul, theirs.resp_mul), (ours.resp_sub, theirs.resp_sub)):
        assert (mine is None) == (h2o is None)
        if h2o is not None:
            assert mine == pytest.approx(h2o, rel=1e-12)


def test_weights_without_offset_give_weighted_statistics():
    ours, _ = _case("weights_reg")
    unweighted, _ = _case("weights_offset_reg")
    assert not np.allclose(ours.norm_sub, unweighted.norm_sub)


def test_constant_columns_are_dropped_unless_asked_to_keep_them():
    dropped, _ = _case("const_cols")
    kept, _ = _case("const_cols_kept")
    assert dropped.predictors == ("c1", "x1")
    assert set(kept.predictors) == {
        "c1",
        "c_one_na",
        "c_one",
        "k_const",
        "k_const_na",
        "k_allna",
        "x1",
    }


def test_a_boolean_column_scores_like_h2os_true_false_levels():
    import tabdl

    model = tabdl.import_mojo(
        CASES / "bool_col" / "model.zip"
    )  # flag: [false, true]; flag2: [False, True]
    from_file = model.predict(CASES / "bool_col" / "train.csv")
    frame = pd.read_csv(CASES / "bool_col" / "train.csv")
    assert frame["flag2"].dtype == bool  # pandas reads True/False as booleans
    from_pandas = model.predict(frame)
    np.testing.assert_array_equal(from_pandas["yes"].to_numpy(), from_file["yes"].to_numpy())
    h2o = pd.read_csv(CASES / "bool_col" / "h2o_pred.csv")
    assert np.max(np.abs(from_pandas["yes"].to_numpy() - h2o["yes"].to_numpy())) < 1e-9


def _scoring_frame(name: str) -> pd.DataFrame:
    case = json.loads((CASES / name / "case.json").read_text())
    enum_columns = [c for c, t in (case["col_types"] or {}).items() if t == "enum"]
    return pd.read_csv(CASES / name / "train.csv", dtype={c: str for c in enum_columns})


@pytest.mark.parametrize(
    "name",
    sorted(
        p.name
        for p in CASES.iterdir()
        if (p / "model.zip").exists() and p.name != "weights_offset_reg"
    ),
)
def test_mojo_predictions_equal_h2os_on_the_edge_cases(name):
    import tabdl

    ours = tabdl.import_mojo(CASES / name / "model.zip").predict(_scoring_frame(name))
    theirs = pd.read_csv(CASES / name / "h2o_pred.csv")
    numeric = [c for c in theirs.columns if not pd.api.types.is_string_dtype(theirs[c])]
    assert np.max(np.abs(ours[numeric].to_numpy(float) - theirs[numeric].to_numpy(float))) < 1e-9


def test_h2o_applies_only_positive_offsets_and_the_mojo_none():
    import tabdl

    model = tabdl.import_mojo(CASES / "weights_offset_reg" / "model.zip")
    frame = _scoring_frame("weights_offset_reg")
    mojo = model.predict(frame)["predict"].to_numpy()
    in_h2o = pd.read_csv(CASES / "weights_offset_reg" / "h2o_pred.csv")["predict"].to_numpy()
    offset = frame["off"].to_numpy()
    assert (offset < 0).any() and (offset > 0).any()
    expected = mojo + np.where(offset > 0, offset - model.respsub(), 0.0)
    assert np.max(np.abs(in_h2o - expected)) < 1e-9
