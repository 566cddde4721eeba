"""``sparse=True`` and scipy.sparse input, against H2O-3 3.46.0.11.

Oracles: tests/data/h2o_sparse (tools/make_sparse_fixtures.py): reproducible H2O models with
``sparse=True`` (H2O's DESCALE: numerics divided by their standard deviation, not centred) on a
frame of mostly zeros with missing values; their MOJOs hold H2O's weights and statistics.

H2O's sparse rows clobber input unit 0 whenever a row stores fewer numerics than its row buffer
holds (docs/h2o-differences.md, item 7); tabdl does not. ``_h2o_sparse_rows`` reproduces that in
the test, and tabdl's weights then equal H2O's bit for bit.
"""

from __future__ import annotations

import dataclasses
import json
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import tabdl
import tabdl.encoding.datainfo as datainfo
from tabdl.encoding import encode
from tabdl.errors import DataError
from tabdl.frame import as_frame
from tabdl.io import read_mojo
from tabdl.io.mojo_writer import write_mojo

from conftest import DATA

FOLDER = DATA / "h2o_sparse"
X = ["C1", "C2", "C3", "C4", "C5", "C6", "C8"]
CATEGORICAL = ["C7", "C8"]
PARITY_RUNS = ["SP1_bin", "SP2_reg", "SP3_nofast_l2", "SP5_nostd", "SP6_skip", "SP7_sgd_dropout"]


def _info(run: str) -> dict:
    return json.loads((FOLDER / run / "info.json").read_text())


@pytest.fixture(scope="module")
def train() -> pd.DataFrame:
    return pd.read_csv(FOLDER / "train.csv")


@pytest.fixture(scope="module")
def test_frame() -> pd.DataFrame:
    return pd.read_csv(FOLDER / "test.csv")


def _csr(frame: pd.DataFrame) -> sp.csr_matrix:
    return sp.csr_matrix(frame.to_numpy(float))  # NaN is stored: a missing value


def _train(data, run: str, **changes) -> tabdl.DeepLearningEstimator:
    info = _info(run)
    model = tabdl.DeepLearningEstimator(**{**info["params"], **changes}, quiet_mode=True)
    return model.train(x=X, y=info["y"], training_frame=data, categorical_columns=CATEGORICAL)


def _weights(model) -> list[np.ndarray]:
    return model._fitted.weights + model._fitted.biases


def _row_buffer(stored: int, n_numeric: int) -> int:
    """Length of H2O's sparse-row buffer for a row of ``stored`` numerics (DataInfo.Row.addNum)."""
    size = min(n_numeric, 16)
    while stored > size:
        size = max(4, size + (size >> 1))
    return size


def _h2o_sparse_rows(original):
    """``encode`` with H2O's quirk: input unit 0 is zeroed when a row's buffer is not full."""

    def encode_like_h2o(info, frame, **options):
        rows = original(info, frame, **options)
        block = rows.numeric
        stored = np.diff(block.indptr)  # no explicit zeros here; NaN counts, as in H2O
        short = np.array([k < _row_buffer(k, block.shape[1]) for k in stored])
        slots = rows.cat_slots.copy()
        slots[short & (slots[:, 0] == 0), 0] = -1  # unit 0 is the first categorical's first slot
        return dataclasses.replace(rows, cat_slots=slots)

    return encode_like_h2o


@pytest.fixture(scope="module")
def like_h2o(train):
    """tabdl's models of the parity runs, trained on the CSR matrix with H2O's quirk reproduced."""
    patch = pytest.MonkeyPatch()
    patch.setattr(datainfo, "encode", _h2o_sparse_rows(datainfo.encode))
    try:
        return {run: _train(_csr(train), run) for run in PARITY_RUNS}
    finally:
        patch.undo()


# ---- the frame layer ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["csr", "coo", "csc", "csr_array", "lil"])
def test_any_scipy_sparse_format_becomes_a_csr_frame_named_like_numpy_columns(train, kind):
    matrix = getattr(sp, f"{kind}_matrix" if "_" not in kind else kind)(train.to_numpy(float))
    frame = as_frame(matrix)
    assert frame.names == [f"C{j + 1}" for j in range(9)] == list(train.columns)
    assert set(frame.kinds.values()) == {"numeric"}
    block = frame.sparse.matrix
    assert sp.isspmatrix_csr(block) and block.has_canonical_format
    assert block.nnz == np.count_nonzero(train.to_numpy(float))  # zeros not stored, NaN stored
    assert frame.table.num_columns == 0  # nothing was densified


def test_duplicate_coo_entries_are_summed():
    coo = sp.coo_matrix(([1.0, 2.0, 5.0], ([0, 0, 1], [1, 1, 0])), shape=(2, 2))
    np.testing.assert_array_equal(as_frame(coo).sparse.matrix.toarray(), [[0, 3], [5, 0]])


def test_a_pandas_frame_with_sparse_columns_keeps_its_names(train):
    sparse = pd.DataFrame.sparse.from_spmatrix(_csr(train[X[:-1]]), columns=X[:-1])
    data = pd.concat([sparse, train[["C7", "C8", "C9"]]], axis=1)
    frame = as_frame(data)
    assert frame.names == ["C7", "C8", "C9", *X[:-1]]  # dense columns first, then the sparse ones
    assert frame.sparse.names == tuple(X[:-1])


def test_sparse_frames_keep_rows_when_taken(train):
    frame = as_frame(_csr(train))
    taken = frame.take(np.array([3, 3, 0]))
    np.testing.assert_array_equal(taken.sparse.matrix.toarray(), train.to_numpy(float)[[3, 3, 0]])


# ---- encoding -----------------------------------------------------------------------------------


def test_descale_keeps_the_numeric_block_sparse(train):
    model = _train(_csr(train), "SP1_bin", epochs=0)
    info = model._fitted.datainfo
    assert info.transform == "DESCALE" and not np.any(info.norm_sub)
    rows = encode(info, as_frame(_csr(train)))
    block = rows.numeric
    assert sp.isspmatrix_csr(block)
    values = train[list(info.num_names)].to_numpy(float)
    assert block.nnz == np.count_nonzero(values)
    expected = values * info.norm_mul
    missing = np.isnan(values)
    expected[missing] = np.broadcast_to(info.num_na_fill, values.shape)[missing]  # mean / sigma
    np.testing.assert_array_equal(block.toarray(), expected)
    np.testing.assert_array_equal(rows.missing, missing.any(axis=1))


def test_a_centring_transform_makes_the_block_dense_and_equal_to_dense_input(train):
    sparse_in = _train(_csr(train), "SP1_bin", sparse=False)
    dense_in = _train(train, "SP1_bin", sparse=False)
    assert sparse_in._fitted.datainfo.transform == "STANDARDIZE"
    assert all(
        np.array_equal(a, b) for a, b in zip(_weights(sparse_in), _weights(dense_in), strict=True)
    )


# ---- training: parity with H2O, and the sparse path against the dense one -------------------------


@pytest.mark.parametrize("run", PARITY_RUNS)
def test_weights_equal_h2os_bit_for_bit_given_h2os_sparse_rows(like_h2o, run):
    h2o = read_mojo(FOLDER / run / "model.zip")
    ours = like_h2o[run]._fitted
    info = ours.datainfo
    if run == "SP5_nostd":
        assert h2o.datainfo.norm_mul is None and info.norm_mul is None
    else:  # H2O's DESCALE: 1/sigma and no centring, as tabdl's
        np.testing.assert_array_equal(info.norm_mul, h2o.datainfo.norm_mul)
        assert not np.any(h2o.datainfo.norm_sub) and not np.any(info.norm_sub)
    for mine, theirs in zip(_weights(like_h2o[run]), h2o.weights + h2o.biases, strict=True):
        np.testing.assert_array_equal(mine, theirs)


def test_h2os_sparse_rows_change_its_model(train, like_h2o):
    """Without the quirk (tabdl's own training) the weights differ from H2O's: item 7 is real."""
    ours = _train(_csr(train), "SP1_bin")
    assert not np.array_equal(ours._fitted.weights[0], like_h2o["SP1_bin"]._fitted.weights[0])


def test_predictions_equal_h2os_where_h2o_scores_as_tabdl(like_h2o, test_frame):
    """H2O scores a missing numeric as 0 (difference 4); the other rows agree to rounding."""
    for run in ("SP1_bin", "SP2_reg"):
        theirs = pd.read_csv(FOLDER / run / "pred.csv")
        ours = like_h2o[run].predict(_csr(test_frame))
        complete = ~test_frame[X].isna().any(axis=1).to_numpy()
        assert complete.sum() >= 25
        column = "predict" if run == "SP2_reg" else "p1"
        np.testing.assert_allclose(
            ours[column].to_numpy(float)[complete], theirs[column].to_numpy(float)[complete],
            rtol=1e-13, atol=1e-15,
        )  # fmt: skip


CONFIGS = {
    "adadelta": {},
    "no_fast_mode_l1_l2": dict(fast_mode=False, l1=1e-4, l2=1e-3),
    "sgd_momentum_input_dropout": dict(adaptive_rate=False, rate=0.01, momentum_start=0.5,
                                       momentum_stable=0.5, input_dropout_ratio=0.2),
    "no_standardize": dict(standardize=False),
    "maxout_two_layers": dict(activation="Maxout", hidden=[4, 3]),
    "autoencoder": dict(autoencoder=True, hidden=[3]),
}  # fmt: skip


@pytest.mark.parametrize("name", list(CONFIGS))
def test_csr_input_trains_the_same_weights_as_dense_input(train, name):
    """The engine's CSR path reads only the stored entries and gives the dense path's arithmetic."""
    changes = CONFIGS[name]
    if changes.get("autoencoder"):
        dense, sparse = (
            tabdl.DeepLearningEstimator(**{**_info("SP1_bin")["params"], **changes},
                                        quiet_mode=True).train(x=X[:-1], training_frame=data)
            for data in (train, _csr(train))
        )  # fmt: skip
    else:
        dense, sparse = (
            _train(train, "SP1_bin", **changes),
            _train(_csr(train), "SP1_bin", **changes),
        )
    for a, b in zip(_weights(dense), _weights(sparse), strict=True):
        np.testing.assert_array_equal(a, b)
    test = train.iloc[:40]
    np.testing.assert_allclose(
        dense.predict(test).select_dtypes("number").to_numpy(float),
        sparse.predict(_csr(test)).select_dtypes("number").to_numpy(float),
        rtol=1e-13, atol=1e-15,
    )  # fmt: skip


def test_cross_validation_runs_on_sparse_input(train):
    model = _train(_csr(train), "SP1_bin", nfolds=3, epochs=1)
    assert model.cross_validation_metrics_summary() is not None


# ---- col_major -----------------------------------------------------------------------------------


def test_col_major_is_accepted_with_a_warning_and_changes_nothing(train):
    with pytest.warns(UserWarning, match="col_major=True has no effect"):
        hinted = _train(_csr(train), "SP1_bin", col_major=True)
    plain = _train(_csr(train), "SP1_bin")
    assert all(np.array_equal(a, b) for a, b in zip(_weights(hinted), _weights(plain), strict=True))


def test_h2o_346_rejects_col_major():
    assert any("Deprecated" in e for e in _info("SP4_col_major")["error"])
    assert any("non-sparse" in e for e in _info("SP9_col_major_dense")["error"])


# ---- formats ----------------------------------------------------------------------------------------


def test_the_tabdl_file_carries_a_sparse_model(train, test_frame, tmp_path):
    model = _train(_csr(train), "SP1_bin")
    path = model.save(tmp_path / "sparse.tabdl")
    loaded = tabdl.load_model(path)
    assert loaded._fitted.datainfo.transform == "DESCALE"
    pd.testing.assert_frame_equal(loaded.predict(_csr(test_frame)), model.predict(_csr(test_frame)))


def test_an_h2o_sparse_mojo_scores_csr_input_sparsely(test_frame):
    model = tabdl.import_mojo(FOLDER / "SP1_bin" / "model.zip")
    rows = encode(model._fitted.datainfo, as_frame(_csr(test_frame), CATEGORICAL))
    assert sp.isspmatrix_csr(rows.numeric)
    np.testing.assert_allclose(
        model.predict(_csr(test_frame))["p1"].to_numpy(float),
        model.predict(test_frame.astype({"C7": str, "C8": "Int64"}).astype({"C8": str}))["p1"]
        .to_numpy(float), rtol=1e-13,
    )  # fmt: skip


def test_the_mojo_carries_a_sparse_model(train, test_frame, tmp_path):
    model = _train(_csr(train), "SP2_reg")
    path = write_mojo(model._fitted, {}, tmp_path / "sparse.zip", "sparse")
    back = read_mojo(path)
    np.testing.assert_allclose(
        back.predict(as_frame(_csr(test_frame), CATEGORICAL))["predict"],
        model.predict(_csr(test_frame))["predict"], rtol=1e-12,
    )  # fmt: skip


@pytest.mark.h2o
def test_genmodel_scores_a_sparse_model_as_tabdl(train, test_frame, genmodel, tmp_path):
    model = _train(_csr(train), "SP1_bin")
    mojo = write_mojo(model._fitted, {}, tmp_path / "sparse_bin.zip", "sparse_bin")
    theirs = genmodel(mojo, test_frame.astype({"C8": "Int64"}))
    ours = model.predict(_csr(test_frame))
    np.testing.assert_allclose(theirs["p1"].to_numpy(float), ours["p1"].to_numpy(float), rtol=1e-12)


def test_onnx_carries_a_sparse_model(train, test_frame, tmp_path):
    """The graph takes dense float32 columns; tabdl's CSR predictions on the same values agree."""
    ort = pytest.importorskip("onnxruntime")
    from tabdl.io.onnx_export import write_onnx

    model = _train(_csr(train), "SP2_reg")
    path = write_onnx(model._fitted, tmp_path / "sparse.onnx")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feeds = {}
    for node in session.get_inputs():
        column = test_frame[node.name]
        if node.type == "tensor(string)":
            feeds[node.name] = np.array(
                ["" if pd.isna(v) else str(int(v)) for v in column], dtype=object
            ).reshape(-1, 1)
        else:
            feeds[node.name] = column.to_numpy(np.float32).reshape(-1, 1)
    out = session.run(["predict"], feeds)[0]
    as_float32 = test_frame.astype(np.float32).astype(np.float64)
    np.testing.assert_allclose(
        np.ravel(out), model.predict(_csr(as_float32))["predict"], rtol=1e-12
    )


# ---- bad input -------------------------------------------------------------------------------------


def test_a_matrix_with_too_few_columns_at_predict_is_refused(train):
    model = _train(_csr(train), "SP1_bin", epochs=0)
    with pytest.raises(DataError, match=r"sparse matrix has 5 columns.*same order"):
        model.predict(_csr(train.iloc[:, :5]))


def test_a_sparse_matrix_of_complex_numbers_is_refused():
    with pytest.raises(DataError, match="must hold real numbers"):
        as_frame(sp.csr_matrix(np.array([[1 + 1j, 0], [0, 2]])))


def test_infinite_values_in_a_sparse_matrix_are_refused(train):
    model = _train(_csr(train), "SP1_bin", epochs=0)
    bad = train.copy()
    bad.loc[3, "C1"] = np.inf
    with pytest.raises(DataError, match="'C1' holds 1 infinite"):
        model.predict(_csr(bad))


def test_a_pandas_sparse_column_that_fills_with_nan_is_refused():
    column = pd.arrays.SparseArray([0.0, 1.0, np.nan])  # fill value NaN: unstored means missing
    with pytest.raises(DataError, match="fill value is 0"):
        as_frame(pd.DataFrame({"a": column}))


def test_a_three_dimensional_input_cannot_be_sparse():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(DataError):
            as_frame(sp.coo_array(([1.0], ([0], [0], [0])), shape=(1, 1, 1)))
