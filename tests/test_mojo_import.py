"""MOJO import: an H2O Deep Learning MOJO scores in tabdl as it scores in H2O-3 (oracle: H2O 3.46.0.11)."""

from __future__ import annotations

import zipfile

import numpy as np
import pandas as pd
import pytest

import tabdl
from tabdl.errors import MojoError

from conftest import A_RUNS, H2O

TOLERANCE = 1e-9


def _max_abs_diff(ours: pd.DataFrame, theirs: pd.DataFrame) -> float:
    assert list(ours.columns) == list(theirs.columns)
    numeric = [c for c in theirs.columns if not pd.api.types.is_string_dtype(theirs[c])]
    return float(np.max(np.abs(ours[numeric].to_numpy(float) - theirs[numeric].to_numpy(float))))


@pytest.mark.parametrize("run", A_RUNS)
def test_predictions_equal_h2o(run):
    model = tabdl.import_mojo(H2O / run / "model.zip")
    ours = model.predict(H2O / "test.csv")
    theirs = pd.read_csv(H2O / run / "h2o_pred.csv")
    diff = _max_abs_diff(ours, theirs)
    print(f"{run}: max |tabdl - H2O| = {diff:.3g} over {theirs.size} values")
    assert diff <= TOLERANCE
    if "predict" in theirs and pd.api.types.is_string_dtype(theirs["predict"]):
        assert (ours["predict"].astype(str).to_numpy() == theirs["predict"].to_numpy()).all()


def test_autoencoder_anomaly_and_deepfeatures_equal_h2o():
    model = tabdl.import_mojo(H2O / "A5_ae" / "model.zip")
    test = H2O / "test.csv"
    for ours, oracle in (
        (model.anomaly(test), "h2o_anom.csv"),
        (model.anomaly(test, per_feature=True), "h2o_anom_pf.csv"),
        (model.deepfeatures(test, 0), "h2o_df.csv"),
    ):
        diff = _max_abs_diff(ours, pd.read_csv(H2O / "A5_ae" / oracle))
        print(f"A5_ae {oracle}: max |tabdl - H2O| = {diff:.3g}")
        assert diff <= TOLERANCE


def _mojo_array(run: str, key: str) -> np.ndarray:
    with zipfile.ZipFile(H2O / run / "model.zip") as archive:
        for line in archive.read("model.ini").decode().splitlines():
            name, _, value = line.partition(" = ")
            if name == key:
                return np.array(value.strip("[]").split(","), dtype=np.float64)
    raise KeyError(key)


@pytest.mark.parametrize("run", ["A2_bin", "A3_mult", "A7_rdrop"])
def test_weights_and_biases_equal_the_mojo_arrays(run):
    model = tabdl.import_mojo(H2O / run / "model.zip")
    n_layers = len(model.actual_params["hidden"]) + 1
    for i in range(n_layers):
        w, b = model.weights(i), model.biases(i)
        raw = _mojo_array(run, f"weight_layer{i}")
        assert np.array_equal(w.to_numpy().ravel(), raw.astype(np.float32).astype(np.float64))
        assert np.array_equal(b["C1"].to_numpy(), _mojo_array(run, f"bias_layer{i}"))
    sizes = _mojo_array(run, "neural_network_sizes").astype(int)
    w0 = model.weights(0)
    assert w0.shape[1] == sizes[0]
    assert w0.columns[0].startswith("c1.") and w0.columns[-1] == "x3"


def test_weights_shape_is_units_of_next_layer_by_units_of_layer():
    model = tabdl.import_mojo(H2O / "A1_reg" / "model.zip")  # 15 -> 5 -> 3 -> 1
    assert model.weights(0).shape == (5, 15)
    assert model.weights(1).shape == (3, 5)
    assert list(model.weights(1).columns) == ["C1", "C2", "C3", "C4", "C5"]
    assert model.biases(2).shape == (1, 1)
    with pytest.raises(tabdl.DataError, match="weight layers 0 to 2"):
        model.weights(3)


def test_binomial_label_uses_the_max_f1_threshold():
    model = tabdl.import_mojo(H2O / "A2_bin" / "model.zip")
    ours = model.predict(H2O / "test.csv")
    threshold = model._fitted.default_threshold
    assert 0.2 < threshold < 0.4  # H2O's max-F1 threshold, not 0.5
    expected = np.where(ours["yes"] >= threshold, "yes", "no")
    assert (ours["predict"].astype(str).to_numpy() == expected).all()
    assert ((ours["yes"] > 0.5) != (ours["yes"] >= threshold)).any()


# -- bad MOJO files ------------------------------------------------------------------------------------


def test_a_file_that_is_not_a_zip(tmp_path):
    path = tmp_path / "model.zip"
    path.write_text("not a zip")
    with pytest.raises(MojoError, match="not a readable MOJO zip"):
        tabdl.import_mojo(path)


def test_a_truncated_mojo(tmp_path):
    data = (H2O / "A1_reg" / "model.zip").read_bytes()
    path = tmp_path / "model.zip"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(MojoError, match="not a readable MOJO zip"):
        tabdl.import_mojo(path)


def test_a_missing_file(tmp_path):
    with pytest.raises(MojoError, match="no such MOJO file"):
        tabdl.import_mojo(tmp_path / "absent.zip")


def _rewrite(tmp_path, edit) -> str:
    source = H2O / "A1_reg" / "model.zip"
    target = tmp_path / "model.zip"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "model.ini":
                data = edit(data.decode()).encode()
            dst.writestr(item, data)
    return target


def test_a_mojo_of_another_algorithm(tmp_path):
    path = _rewrite(
        tmp_path,
        lambda s: s.replace("algorithm = Deep Learning", "algorithm = Gradient Boosting Machine"),
    )
    with pytest.raises(
        MojoError,
        match="'Gradient Boosting Machine' model; tabdl imports H2O Deep Learning MOJOs only",
    ):
        tabdl.import_mojo(path)


def test_a_zip_without_model_ini(tmp_path):
    path = tmp_path / "model.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(MojoError, match="no model.ini"):
        tabdl.import_mojo(path)


def test_a_mojo_whose_weights_do_not_fit_its_layers(tmp_path):
    path = _rewrite(tmp_path, lambda s: s.replace("weight_layer1 = [", "weight_layer1 = [0.5, "))
    with pytest.raises(MojoError, match="weight_layer1 has 16 values"):
        tabdl.import_mojo(path)


def test_a_mojo_from_a_newer_format(tmp_path):
    path = _rewrite(tmp_path, lambda s: s.replace("mojo_version = 1.10", "mojo_version = 2.00"))
    with pytest.raises(MojoError, match="newer than"):
        tabdl.import_mojo(path)


def test_a_mojo_missing_a_required_key(tmp_path):
    path = _rewrite(
        tmp_path, lambda s: "\n".join(ln for ln in s.split("\n") if not ln.startswith("activation"))
    )
    with pytest.raises(MojoError, match="no 'activation' key"):
        tabdl.import_mojo(path)
