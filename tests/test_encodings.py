"""categorical_encoding and max_categorical_features against H2O-3 3.46.0.11.

Oracles: tests/data/h2o_encodings (tools/make_encoding_fixtures.py): for each run, H2O's adapted column
names and domains, its MOJO (trained weights; Eigen's projection), its in-H2O predictions on a test
frame with unseen levels and missing values, and genmodel's predictions where H2O scores the MOJO.
"""

from __future__ import annotations

import json
import re
import zipfile

import numpy as np
import pandas as pd
import pytest

import tabdl
from tabdl.encoding.categorical import CategoricalEncoder, binary_width
from tabdl.errors import DataError, MojoError, ParameterError, ParameterTypeError
from tabdl.frame import as_frame
from tabdl.io import load_model, read_mojo
from tabdl.io.mojo_writer import write_mojo
from tabdl.io.onnx_export import OnnxExportError

from conftest import DATA

FOLDER = DATA / "h2o_encodings"
X = ["x1", "hi", "mid", "x2", "lo"]
TYPES = {"hi": str, "mid": str, "lo": str, "yc": str}
RUNS = ["R_binary", "R_label", "R_eigen", "R_sort", "B_sort", "R_limited", "R_hash",
        "R_hash_noop", "B_binary_nouafl"]  # fmt: skip


def _info(run: str) -> dict:
    return json.loads((FOLDER / run / "info.json").read_text())


def _frame(name: str) -> pd.DataFrame:
    return pd.read_csv(FOLDER / name, dtype=TYPES)


@pytest.fixture(scope="module")
def trained() -> dict[str, tabdl.DeepLearningEstimator]:
    train = _frame("train.csv")
    models = {}
    for run in RUNS:
        info = _info(run)
        model = tabdl.DeepLearningEstimator(**info["params"], quiet_mode=True)
        models[run] = model.train(x=X, y=info["y"], training_frame=train)
    return models


def _h2o_arrays(run: str) -> list[np.ndarray]:
    """H2O's weights and biases straight from model.ini (readable even where tabdl refuses the MOJO)."""
    text = zipfile.ZipFile(FOLDER / run / "model.zip").read("model.ini").decode()
    arrays = []
    for kind in ("weight", "bias"):
        for layer in range(2):
            body = re.search(rf"^{kind}_layer{layer} = \[(.*)\]$", text, re.M).group(1)
            values = np.array(body.split(","), dtype=np.float64)
            arrays.append(values.astype(np.float32) if kind == "weight" else values)
    return arrays


@pytest.mark.parametrize("run", RUNS)
def test_expanded_columns_are_h2os(trained, run):
    info, datainfo = _info(run), trained[run]._fitted.datainfo
    assert list(datainfo.predictors) == info["names"][:-1]
    for name, domain in zip(info["names"], info["domains"], strict=True):
        if name in datainfo.cat_names:
            assert list(datainfo.domains[datainfo.cat_names.index(name)]) == domain
    assert trained[run]._fitted.spec.units[0] == info["summary_units"][0]


@pytest.mark.parametrize("run", RUNS)
def test_training_gives_h2os_weights_bit_for_bit(trained, run):
    fitted = trained[run]._fitted
    ours = [w.ravel() for w in fitted.weights] + list(fitted.biases)
    for a, b in zip(ours, _h2o_arrays(run), strict=True):
        assert np.array_equal(a, b)


def test_eigen_projections_are_h2os(trained):
    # JAMA's eigenvectors, row argmax(eigenvalues), with NA counted at the mode: equal to the last bit
    h2o = read_mojo(FOLDER / "R_eigen" / "model.zip").datainfo.encoder
    ours = trained["R_eigen"]._fitted.datainfo.encoder
    assert ours.projections == h2o.projections


def test_binary_bits_are_level_plus_one_and_zero_for_missing():
    frame = as_frame(pd.DataFrame({"c": ["a", "b", None, "c", "zz"], "x": [1.0, 2, 3, 4, 5]}))
    encoder = CategoricalEncoder("Binary", ("c", "x"), ("c",), (("a", "b", "c"),))
    out = encoder.apply(frame).table.to_pandas()
    assert encoder.output_names() == ["x", "c:0", "c:1"] and binary_width(3) == 2
    # a=1, b=2, NA=0, c=3, unseen zz=4 (H2O's code after the last level) keeps its 2 low bits
    assert out["c:0"].tolist() == [1, 0, 0, 1, 0] and out["c:1"].tolist() == [0, 1, 0, 1, 0]


def test_enum_limited_puts_the_rarer_training_levels_in_other(trained):
    encoder = trained["R_limited"]._fitted.datainfo.encoder
    frame = as_frame(pd.DataFrame({"x1": [0.0] * 4, "hi": ["h04", "h09", None, "zz"],
                                   "mid": ["a"] * 4, "x2": [0.0] * 4, "lo": ["no"] * 4}))  # fmt: skip
    out = encoder.apply(frame).table.column("hi.top_10_levels").to_pylist()
    assert out == ["h04", "other", None, None]  # a level unseen in training scores as missing


@pytest.mark.parametrize("run", ["R_binary", "R_label", "R_sort", "B_sort", "R_hash",
                                 "B_binary_nouafl"])  # fmt: skip
def test_trained_models_predict_as_h2o_on_unseen_levels_and_missing_values(trained, run):
    h2o = pd.read_csv(FOLDER / run / "pred.csv")
    ours = trained[run].predict(_frame("test.csv"))
    column = h2o.columns[-1]
    assert np.max(np.abs(ours[column].to_numpy() - h2o[column].to_numpy())) < 1e-12


@pytest.mark.parametrize("run", ["R_binary", "R_label", "R_eigen", "R_sort", "B_binary_nouafl"])
def test_imported_encoded_mojos_predict_as_genmodel(run):
    # genmodel re-encodes from _orig_names, _orig_domain_values_<i> and _orig_projection_array
    h2o = pd.read_csv(FOLDER / run / "mojo_pred.csv")
    ours = tabdl.import_mojo(FOLDER / run / "model.zip").predict(_frame("test.csv"))
    column = h2o.columns[-1]
    assert np.max(np.abs(ours[column].to_numpy() - h2o[column].to_numpy())) < 1e-12


@pytest.mark.parametrize(
    ("run", "option"),
    [("R_limited", "EnumLimited"), ("R_hash", "max_categorical_features")],
)
def test_mojos_genmodel_cannot_score_are_refused_naming_the_option(run, option):
    with pytest.raises(MojoError, match=option):
        read_mojo(FOLDER / run / "model.zip")


@pytest.mark.parametrize("run", ["R_binary", "R_label", "R_eigen", "R_sort", "B_binary_nouafl"])
def test_exported_mojos_read_back_with_their_encoding(trained, run, tmp_path):
    model = trained[run]
    path = write_mojo(model._fitted, model._actual_params, tmp_path / "m.zip", model.model_id)
    test = _frame("test.csv")
    back = tabdl.import_mojo(path).predict(test)
    ours = model.predict(test)
    column = ours.columns[-1]
    # an imported MOJO fills missing numerics with 0 after the transform, tabdl with the mean
    assert np.max(np.abs(back[column].to_numpy() - ours[column].to_numpy())) < 1e-6


@pytest.mark.slow
@pytest.mark.parametrize("run", ["R_binary", "R_eigen", "R_label"])
def test_exported_encoded_mojos_score_in_genmodel_as_h2os_own(trained, run, tmp_path, genmodel):
    # tabdl's weights are H2O's bit for bit, so genmodel must score both files alike, including
    # its own handling of missing and unseen levels
    model = trained[run]
    path = write_mojo(model._fitted, model._actual_params, tmp_path / f"{run}.zip", model.model_id)
    test = _frame("test.csv")
    ours = genmodel(path, test)["predict"].astype(float)
    theirs = genmodel(FOLDER / run / "model.zip", test)["predict"].astype(float)
    assert np.max(np.abs(ours - theirs)) < 1e-12


@pytest.mark.parametrize(
    ("run", "option"), [("R_limited", "EnumLimited"), ("R_hash", "max_categorical_features")]
)
def test_mojo_export_refuses_what_genmodel_cannot_score(trained, run, option, tmp_path):
    model = trained[run]
    with pytest.raises(DataError, match=option):
        write_mojo(model._fitted, model._actual_params, tmp_path / "m.zip", model.model_id)


@pytest.mark.parametrize("run", ["R_eigen", "R_limited", "R_hash", "R_sort"])
def test_the_tabdl_file_carries_the_encoding(trained, run, tmp_path):
    model = trained[run]
    with pytest.warns(UserWarning, match="now names the loaded model"):
        back = load_model(model.save(tmp_path / "m.zip"))
    ours, theirs = model._fitted.datainfo, back._fitted.datainfo
    assert theirs.encoder == ours.encoder
    assert (theirs.hash_width, theirs.hash_seed) == (ours.hash_width, ours.hash_seed)
    test = _frame("test.csv")
    pd.testing.assert_frame_equal(back.predict(test), model.predict(test))


@pytest.mark.parametrize(
    ("run", "option"),
    [("R_binary", "Binary"), ("R_eigen", "Eigen"), ("R_hash", "max_categorical_features")],
)
def test_onnx_export_refuses_frame_encodings_and_hashing(trained, run, option, tmp_path):
    pytest.importorskip("onnx")
    with pytest.raises(OnnxExportError, match=option):
        trained[run].save_onnx(tmp_path / "m.onnx")


def test_onnx_export_of_sort_by_response_predicts_as_tabdl(trained, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    model = trained["R_sort"]
    path = model.save_onnx(tmp_path / "m.onnx")
    session = ort.InferenceSession(str(path))
    test = _frame("test.csv").dropna(subset=["x1"])
    feeds = {}
    for node in session.get_inputs():
        column = test[node.name]
        is_text = node.type == "tensor(string)"
        dtype = object if is_text else np.float32 if node.type == "tensor(float)" else np.float64
        values = column.fillna("").astype(str) if is_text else column.astype(float)
        feeds[node.name] = values.to_numpy(dtype).reshape(-1, 1)
    out = session.run(None, feeds)
    onnx_pred = np.asarray(out[0], dtype=float).ravel()
    ours = model.predict(test)["predict"].to_numpy()
    assert np.max(np.abs(onnx_pred - ours)) < 1e-6  # the graph takes numerics as float32


def test_an_unknown_encoding_name_is_refused_with_the_choices():
    train = _frame("train.csv")
    with pytest.raises(
        ParameterError, match="categorical_encoding='Binarry' is not one of .*Binary"
    ):
        tabdl.DeepLearningEstimator(categorical_encoding="Binarry").train(
            x=X, y="y", training_frame=train
        )


@pytest.mark.parametrize("name", ["Enum", "OneHotExplicit"])
def test_encodings_h2o_refuses_for_deep_learning_are_refused(name):
    with pytest.raises(ParameterError, match=f"{name}.*not supported by Deep Learning"):
        tabdl.DeepLearningEstimator(categorical_encoding=name).train(
            x=X, y="y", training_frame=_frame("train.csv")
        )


@pytest.mark.parametrize("value", [0, -3])
def test_max_categorical_features_below_one_is_refused(value):
    with pytest.raises((ParameterError, ParameterTypeError), match="max_categorical_features"):
        tabdl.DeepLearningEstimator(max_categorical_features=value).train(
            x=X, y="y", training_frame=_frame("train.csv")
        )


def test_hashing_an_autoencoder_is_refused_with_the_fix():
    with pytest.raises(ParameterError, match="max_categorical_features=4 .*at least 23"):
        tabdl.DeepLearningEstimator(autoencoder=True, max_categorical_features=4).train(
            x=X, training_frame=_frame("train.csv")
        )
