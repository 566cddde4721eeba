"""MOJO export: a tabdl model written as an H2O Deep Learning MOJO scores in H2O's genmodel as in tabdl.

Oracles: H2O-3 3.46.0.11's own MOJOs (``tests/data``: the layout, keys and values of ``model.ini``) and
its MOJO runtime, genmodel (``hex.genmodel.tools.PredictCsv`` from the h2o package's jar; those tests
skip without Java or the h2o package). Models are small (one epoch, a few units), so training all of
them takes a few seconds, and each genmodel run is one short JVM.
"""

from __future__ import annotations

import dataclasses
import os
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import tabdl
from tabdl.encoding.categorical import CategoricalEncoder
from tabdl.errors import DataError
from tabdl.frame import as_frame
from tabdl.io.mojo_reader import read_mojo
from tabdl.io.mojo_writer import ZIP_DATE, java_number, write_mojo

from conftest import A_RUNS, DATA, H2O

pytestmark = pytest.mark.slow

X = ["x1", "x2", "x3", "c1", "c2", "c3"]
TOLERANCE = 1e-9
BASE = {"epochs": 1, "seed": 5, "reproducible": True}
#: name -> (response, parameters, the H2O run whose MOJO it is compared with, or None). The A-runs
#: (tests/data/h2o/trainA.py) have the same data, network and encoding; K1_skip another data set.
CASES = {
    "A1_reg": ("y", {"hidden": [5, 3], "activation": "Rectifier"}, "A1_reg"),
    "A2_bin": (
        "yb",
        {
            "hidden": [4],
            "activation": "TanhWithDropout",
            "hidden_dropout_ratios": [0.3],
            "input_dropout_ratio": 0.1,
            "use_all_factor_levels": False,
        },
        "A2_bin",
    ),
    "A3_mult": ("cls", {"hidden": [3], "activation": "Maxout"}, "A3_mult"),
    "A4_pois": ("cnt", {"hidden": [4], "activation": "Tanh", "distribution": "poisson"}, "A4_pois"),
    "A6_nostd": ("y", {"hidden": [4], "activation": "Tanh", "standardize": False}, "A6_nostd"),
    "A7_rdrop": ("cls", {"hidden": [6, 4], "activation": "RectifierWithDropout"}, "A7_rdrop"),
    "A8_lap": ("y", {"hidden": [4], "activation": "Tanh", "distribution": "laplace"}, "A8_lap"),
    "quantile": (
        "y",
        {"hidden": [3], "activation": "Tanh", "distribution": "quantile", "quantile_alpha": 0.8},
        None,
    ),
    "huber": ("y", {"hidden": [3], "activation": "Rectifier", "distribution": "huber"}, None),
    "gamma": ("pos", {"hidden": [3], "activation": "Tanh", "distribution": "gamma"}, None),
    "tweedie": (
        "cnt",
        {"hidden": [3], "activation": "Tanh", "distribution": "tweedie", "tweedie_power": 1.3},
        None,
    ),
    "maxout_dropout": ("cls", {"hidden": [4, 3], "activation": "MaxoutWithDropout"}, None),
    "maxout_nostd": ("cls", {"hidden": [3], "activation": "Maxout", "standardize": False}, None),
    "weights": ("y", {"hidden": [3], "activation": "Tanh", "weights_column": "w"}, None),
    "skip": (
        "y",
        {"hidden": [3], "activation": "Tanh", "missing_values_handling": "Skip"},
        "K1_skip",
    ),
}
#: Models whose missing numerics tabdl fills with a non-zero value: the MOJO folds the fill into
#: norm_sub and the first biases, so they read back equal to rounding, not bit for bit.
FOLDED = ("A6_nostd", "maxout_nostd", "weights")
#: H2O's own MOJOs of every kind the fixtures hold, weights columns included.
H2O_MOJOS = [
    *(f"h2o/{run}" for run in A_RUNS),
    *(f"h2o_train/{run}" for run in ("C2_uafl", "E1_off_gauss", "E2_off_pois", "H1_nostd",
                                     "K1_skip", "K2_weights", "K3_zero_weights", "M1_maxout",
                                     "M2_maxout_dropout",
                                     "R1_rectifier_dropout", "S1_sgd_max_w2")),
    *(f"h2o_explain/{run}" for run in ("AE1_autoencoder", "D1_huber", "D3_quant", "D5_gamma",
                                       "D6_tweedie", "N0_no_hidden")),
    *(f"h2o_datainfo/{run}" for run in ("bool_col", "equal_card", "useall_false_bin")),
]  # fmt: skip


@pytest.fixture(scope="module")
def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    train, test = pd.read_csv(H2O / "train.csv"), pd.read_csv(H2O / "test.csv")
    train["w"] = np.random.default_rng(3).uniform(0.2, 3.0, len(train))
    for frame in (train, test):
        frame["pos"] = frame["cnt"] + 0.5  # gamma needs a positive response
        frame["off"] = np.linspace(-0.5, 0.5, len(frame))
    return train, test


@pytest.fixture(scope="module")
def trained(frames) -> dict[str, tabdl.DeepLearningEstimator]:
    train, _ = frames
    return {
        name: tabdl.DeepLearningEstimator(**BASE, **params).train(x=X, y=y, training_frame=train)
        for name, (y, params, _) in CASES.items()
    }


def _write(model, folder: Path, name: str) -> Path:
    return write_mojo(model._fitted, model._actual_params, folder / f"{name}.zip", model.model_id)


def _ini(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return archive.read("model.ini").decode("utf-8").split("\n")


def _info(path: Path) -> dict[str, str]:
    lines = _ini(path)
    end = lines.index("[columns]")
    return dict(line.split(" = ", 1) for line in lines[1:end] if line)


def _section(path: Path, name: str) -> list[str]:
    lines = _ini(path)
    start = lines.index(name) + 1
    return lines[start : lines.index("", start)]


def _doubles(text: str) -> np.ndarray:
    return np.array(text[1:-1].split(","), dtype=np.float64)


def _numeric(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if pd.api.types.is_float_dtype(frame[c])]


# ---- the file: H2O's layout, keys and values -------------------------------------------------------


@pytest.mark.parametrize("run", H2O_MOJOS)
def test_an_imported_h2o_mojo_is_written_back_as_h2o_wrote_it(run, tmp_path):
    original = DATA / run / "model.zip"
    model = tabdl.import_mojo(original)
    written = _write(model, tmp_path, "mojo")
    ours, theirs = _ini(written), _ini(original)
    assert len(ours) == len(theirs)
    differ = [(a, b) for a, b in zip(ours, theirs, strict=True) if a != b]
    # model.ini byte for byte, but for the two keys that H2O draws at random or from the clock
    assert [a.split(" = ")[0] for a, _ in differ] == ["uuid", "timestamp"]
    with zipfile.ZipFile(original) as h2o, zipfile.ZipFile(written) as mine:
        domains = [n for n in h2o.namelist() if n.startswith("domains/")]
        assert mine.namelist() == ["model.ini", *domains]
        assert all(mine.read(n) == h2o.read(n) for n in domains)
        assert all(item.date_time == ZIP_DATE for item in mine.infolist())


@pytest.mark.parametrize("name", [n for n, case in CASES.items() if case[2]])
def test_a_tabdl_model_has_the_keys_and_encoder_values_of_h2os_mojo(trained, name, tmp_path):
    run = CASES[name][2]
    original = next(DATA.glob(f"h2o*/{run}/model.zip"))
    ours, theirs = _info(_write(trained[name], tmp_path, name)), _info(original)
    assert list(ours) == list(theirs)  # the same keys in the same order
    same = ["mojo_version", "algorithm", "category", "supervised", "n_classes", "balance_classes",
            "model_class_distrib", "mini_batch_size", "use_all_factor_levels", "activation",
            "distribution", "mean_imputation", "hidden_dropout_ratios", "_genmodel_encoding",
            "_orig_projection_array"]  # fmt: skip
    statistics = []  # last-bit differences: H2O's CSV parser is not correctly rounded
    if run.startswith("A"):  # trained on the same data as tabdl's model
        same += ["n_features", "n_columns", "n_domains", "nums", "cats", "cat_offsets",
                 "neural_network_sizes", "prior_class_distrib", "cat_modes"]  # fmt: skip
        statistics += ["norm_resp_mul", "norm_resp_sub"]
        if name not in FOLDED:
            statistics += ["norm_mul", "norm_sub"]
    for key in statistics:
        if theirs[key] != "null":
            np.testing.assert_allclose(_doubles(ours[key]), _doubles(theirs[key]), rtol=1e-12)
        assert (ours[key] == "null") == (theirs[key] == "null")
    assert {k: ours[k] for k in same if k in theirs} == {k: theirs[k] for k in same if k in theirs}
    if run.startswith("A"):
        assert _section(_write(trained[name], tmp_path, name), "[columns]") == _section(
            original, "[columns]"
        )


def test_a_weights_column_is_listed_after_the_predictors_as_h2o_lists_it(trained, tmp_path):
    ours = _section(_write(trained["weights"], tmp_path, "w"), "[columns]")
    theirs = _section(DATA / "h2o_train/K2_weights/model.zip", "[columns]")  # c1, x1, x2, wt, y
    assert theirs[-2:] == ["wt", "y"]
    assert ours == ["c1", "c3", "c2", "x1", "x2", "x3", "w", "y"]
    assert _info(_write(trained["weights"], tmp_path, "w"))["n_features"] == "6"


def test_numbers_are_spelled_as_java_prints_them():
    # Java's Double.toString (its documentation's rules): d.ddd in [1e-3, 1e7), d.dddE<n> outside
    cases = {
        "0.001": "0.001", "1e-04": "1.0E-4", "0.00012345": "1.2345E-4", "1e+07": "1.0E7",
        "9999999.0": "9999999.0", "123.0": "123.0", "1.0": "1.0", "-0.0": "-0.0", "0.0": "0.0",
        "1.5e+300": "1.5E300", "-2.5e-08": "-2.5E-8", "3.4028235e+38": "3.4028235E38",
        "nan": "NaN", "inf": "Infinity", "-inf": "-Infinity", "0.28081308492391405":
        "0.28081308492391405", "12345678.0": "1.2345678E7",
    }  # fmt: skip
    assert {k: java_number(k) for k in cases} == cases
    for value in np.random.default_rng(1).standard_normal(200) * 10.0 ** np.linspace(-10, 10, 200):
        assert float(java_number(repr(float(value)))) == value


def test_float32_weights_read_back_bit_for_bit(trained, tmp_path):
    model = trained["A1_reg"]._fitted
    rng = np.random.default_rng(2)
    exponents = rng.uniform(-44, 38, size=model.weights[0].shape)
    weights = (rng.choice([-1.0, 1.0], size=exponents.shape) * 10.0**exponents).astype(np.float32)
    weights.flat[:4] = [np.finfo(np.float32).max, np.finfo(np.float32).smallest_subnormal, -0.0, 1]
    crafted = dataclasses.replace(model, weights=[weights, *model.weights[1:]])
    back = read_mojo(write_mojo(crafted, {}, tmp_path / "w.zip", "w"))
    assert np.array_equal(back.weights[0].view(np.uint32), weights.view(np.uint32))


# ---- round trips -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(CASES))
def test_a_written_model_reads_back_to_the_same_predictions(trained, frames, name, tmp_path):
    model = trained[name]
    back = tabdl.import_mojo(_write(model, tmp_path, name))
    test = frames[1]
    ours, theirs = model.predict(test), back.predict(test)
    assert list(ours.columns) == list(theirs.columns)
    for layer, w in enumerate(model._fitted.weights):
        assert np.array_equal(back._fitted.weights[layer].view(np.uint32), w.view(np.uint32))
    numeric = _numeric(ours)
    if name in FOLDED:  # the fill is folded into the first layer: equal to rounding
        scale = np.maximum(1.0, np.abs(ours[numeric].to_numpy()))
        assert np.max(np.abs(ours[numeric].to_numpy() - theirs[numeric].to_numpy()) / scale) < 1e-13
    else:
        assert ours[numeric].equals(theirs[numeric])
        assert all(
            np.array_equal(a, b)
            for a, b in zip(model._fitted.biases, back._fitted.biases, strict=True)
        )
    if "predict" not in numeric:
        assert ours["predict"].astype(str).tolist() == theirs["predict"].astype(str).tolist()


@pytest.mark.parametrize("run", A_RUNS)
def test_import_export_import_export_gives_the_same_file(run, tmp_path):
    first = _write(tabdl.import_mojo(H2O / run / "model.zip"), tmp_path, "first")
    second = _write(tabdl.import_mojo(first), tmp_path, "second")
    assert first.read_bytes() == second.read_bytes()


def test_writing_a_model_twice_gives_the_same_bytes(trained, tmp_path):
    one = _write(trained["A2_bin"], tmp_path, "one")
    two = write_mojo(trained["A2_bin"]._fitted, trained["A2_bin"]._actual_params, tmp_path / "two",
                     "another_id")  # fmt: skip
    assert one.read_bytes() == two.read_bytes()


def test_missing_numerics_are_folded_into_the_first_layer(trained, frames, tmp_path):
    model = trained["A6_nostd"]
    info = _info(_write(model, tmp_path, "nostd"))
    train = frames[0]
    means = np.array([train[c].mean() for c in ("x1", "x2", "x3")])
    assert info["norm_mul"] == "[1.0, 1.0, 1.0]"  # a double array, not an int array
    np.testing.assert_allclose(_doubles(info["norm_sub"]), means, rtol=1e-12)


def test_levels_with_line_breaks_and_backslashes_read_back(trained, tmp_path):
    fitted = trained["A3_mult"]._fitted
    levels = ("line\nbreak", "a\\b", "cr\rlf\r\n", "\u00e9\u20ac", "")
    domains = (levels[:4], *fitted.datainfo.domains[1:])
    odd = dataclasses.replace(
        fitted, datainfo=dataclasses.replace(fitted.datainfo, domains=domains,
                                             response_domain=("x\ny", "B", levels[4]))
    )  # fmt: skip
    back = read_mojo(write_mojo(odd, {}, tmp_path / "odd.zip", "odd")).datainfo
    assert back.domains == domains
    assert back.response_domain == ("x\ny", "B", "")


def test_the_module_writes_no_model_details(trained, tmp_path):
    with zipfile.ZipFile(_write(trained["A2_bin"], tmp_path, "m")) as archive:
        assert not any(n.startswith("experimental/") for n in archive.namelist())
    assert os.listdir(tmp_path) == ["m.zip"]


# ---- refused features and bad paths -------------------------------------------------------------------


def test_an_offset_model_is_refused(frames, tmp_path):
    params = {**BASE, "hidden": [3], "offset_column": "off"}
    model = tabdl.DeepLearningEstimator(**params).train(x=X, y="y", training_frame=frames[0])
    with pytest.raises(DataError, match="offset column .*'off'.*ignores offsets"):
        _write(model, tmp_path, "offset")
    assert list(tmp_path.iterdir()) == []


def test_an_imported_offset_mojo_is_written_with_its_offset_column(tmp_path):
    model = tabdl.import_mojo(DATA / "h2o_train/E1_off_gauss/model.zip")  # scores without offsets
    info = _info(_write(model, tmp_path, "e1"))
    assert info["offset_column"] == "off"


@pytest.fixture(scope="module")
def autoencoder():
    return tabdl.import_mojo(H2O / "A5_ae" / "model.zip")


def _renamed(fitted, column: str):
    info = fitted.datainfo
    names = (column, *info.num_names[1:])
    return dataclasses.replace(fitted, datainfo=dataclasses.replace(info, num_names=names))


def _nan_weights(fitted):
    weights = [w.copy() for w in fitted.weights]
    weights[1][0, 0] = np.nan
    return dataclasses.replace(fitted, weights=weights)


def _filled(ae):
    info = dataclasses.replace(ae.datainfo, num_na_fill=np.array([0.0, 0.1, 0.0]))
    return dataclasses.replace(ae, datainfo=info)


def _maxout(ae):
    return dataclasses.replace(ae, spec=dataclasses.replace(ae.spec, activation="Maxout",
                                                            output="Maxout"))  # fmt: skip


_ENUM_LIMITED = CategoricalEncoder("EnumLimited", ("c1",), ("c1",), (("a", "other"),), (), (True,))


def _encoded(fitted, **changes):
    """The network with a frame encoding or feature hashing (tests/test_encodings.py trains them)."""
    return dataclasses.replace(fitted, datainfo=dataclasses.replace(fitted.datainfo, **changes))


#: case -> (the network to write, from a trained regression and an imported autoencoder;
#: the parameters; what the error says)
REFUSALS = {
    "encoding": (lambda reg, ae: _encoded(reg, encoder=_ENUM_LIMITED), {}, "'EnumLimited'"),
    "hashing": (lambda reg, ae: _encoded(reg, hash_width=4), {}, "hashes categoricals"),
    "nan weights": (lambda reg, ae: _nan_weights(reg), {}, "NaN"),
    "ae fill": (lambda reg, ae: _filled(ae), {}, "autoencoder.*missing numeric"),
    "maxout ae": (lambda reg, ae: _maxout(ae), {}, "Maxout autoencoder"),
    "space": (lambda reg, ae: _renamed(reg, " x1"), {}, "white space"),
    "comment": (lambda reg, ae: _renamed(reg, "#x1"), {}, "comment"),
    "section": (lambda reg, ae: _renamed(reg, "[info]"), {}, "section header"),
    "newline": (lambda reg, ae: _renamed(reg, "x\n1"), {}, "line break"),
    "surrogate": (lambda reg, ae: _renamed(reg, "x\ud800"), {}, "not valid Unicode"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_what_the_format_cannot_carry_is_refused(trained, autoencoder, case, tmp_path):
    network, params, message = REFUSALS[case]
    fitted = network(trained["A1_reg"]._fitted, autoencoder._fitted)
    with pytest.raises(DataError, match=message):
        write_mojo(fitted, params, tmp_path / "x.zip", "x")
    assert list(tmp_path.iterdir()) == []


def test_a_missing_folder_is_refused(trained, tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        _write(trained["A1_reg"], tmp_path / "nowhere", "m")


def test_a_folder_gets_the_file_named_after_the_model(trained, tmp_path):
    model = trained["A1_reg"]
    path = write_mojo(model._fitted, model._actual_params, tmp_path, "my_model")
    assert path == tmp_path / "my_model.zip" and path.is_file()
    with pytest.raises(DataError, match="model id"):
        write_mojo(model._fitted, model._actual_params, tmp_path, "../up")


def test_a_failed_write_leaves_the_old_file_and_no_debris(trained, tmp_path, monkeypatch):
    target = tmp_path / "model.zip"
    target.write_bytes(b"the previous file")
    real = zipfile.ZipFile.writestr

    def failing(self, info, data, *args, **kwargs):
        if str(getattr(info, "filename", info)).startswith("domains/"):
            raise OSError(28, "No space left on device")
        return real(self, info, data, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", failing)
    with pytest.raises(DataError, match="No space left"):
        write_mojo(trained["A1_reg"]._fitted, {}, target, "m")
    assert target.read_bytes() == b"the previous file"
    assert [p.name for p in tmp_path.iterdir()] == ["model.zip"]


# ---- genmodel: H2O's MOJO runtime scores the file as tabdl predicts ------------------------------------
# (the genmodel fixture is in conftest.py)


def _assert_same_predictions(ours: pd.DataFrame, theirs: pd.DataFrame) -> None:
    assert list(ours.columns) == list(theirs.columns)
    numeric = _numeric(ours)
    a, b = ours[numeric].to_numpy(float), theirs[numeric].to_numpy(float)
    diff = np.max(np.abs(a - b) / np.maximum(1.0, np.abs(b)))
    print(f"max |tabdl - genmodel| (relative above 1) = {diff:.3g} over {b.size} values")
    assert diff <= TOLERANCE
    if "predict" in theirs and "predict" not in numeric:
        assert ours["predict"].astype(str).tolist() == theirs["predict"].tolist()


def _exp_rectifier(model, dropout: bool):
    spec = model._fitted.spec
    activation = "ExpRectifierWithDropout" if dropout else "ExpRectifier"
    spec = dataclasses.replace(spec, activation=activation, hidden_dropout_ratios=(0.4, 0.2))
    return dataclasses.replace(model._fitted, spec=spec)


@pytest.mark.h2o
@pytest.mark.parametrize("name", list(CASES))
def test_genmodel_scores_a_tabdl_model_as_tabdl_predicts(trained, frames, genmodel, name, tmp_path):
    model = trained[name]
    test = frames[1]  # missing numerics and levels, and a level unseen in training
    _assert_same_predictions(model.predict(test), genmodel(_write(model, tmp_path, name), test))


@pytest.mark.h2o
@pytest.mark.parametrize("dropout", [False, True])
def test_genmodel_scores_exp_rectifier_as_tabdl(trained, frames, genmodel, dropout, tmp_path):
    fitted = _exp_rectifier(trained["A1_reg"], dropout)  # H2O's Python API cannot train these
    mojo = write_mojo(fitted, {}, tmp_path / f"exp_{dropout}.zip", "exp")
    test = frames[1]
    _assert_same_predictions(fitted.predict(as_frame(test)), genmodel(mojo, test))


@pytest.mark.h2o
def test_genmodel_uses_the_folded_mean_not_zero(trained, frames, genmodel, tmp_path):
    model = trained["A6_nostd"]
    test = frames[1]
    theirs = genmodel(_write(model, tmp_path, "nostd"), test)
    fitted = model._fitted
    zero_fill = dataclasses.replace(
        fitted, datainfo=dataclasses.replace(fitted.datainfo, num_na_fill=np.zeros(3))
    )
    as_h2o = zero_fill.predict(as_frame(test))["predict"]  # H2O's own rule: 0 for a missing value
    missing = test[["x1", "x2", "x3"]].isna().any(axis=1).to_numpy()
    assert missing.any()
    assert np.all(np.abs(as_h2o[missing] - theirs["predict"].astype(float)[missing]) > 1e-6)
    _assert_same_predictions(model.predict(test), theirs)


@pytest.mark.h2o
@pytest.mark.parametrize("name", ["A2_bin", "A3_mult"])
def test_genmodel_corrects_balanced_class_probabilities_as_tabdl(
    trained, frames, genmodel, name, tmp_path
):
    fitted = trained[name]._fitted
    k = len(fitted.datainfo.response_domain)
    balanced = dataclasses.replace(fitted, model_class_distrib=np.full(k, 1.0 / k))
    mojo = write_mojo(balanced, {}, tmp_path / "balanced.zip", "b")
    assert _info(mojo)["balance_classes"] == "true"
    test = frames[1]
    _assert_same_predictions(balanced.predict(as_frame(test)), genmodel(mojo, test))


#: H2O MOJOs re-written and scored by genmodel: run -> the frame it scores
WRITTEN_H2O = {
    "h2o/A5_ae": H2O / "test.csv",  # autoencoders: tabdl cannot train them yet
    "h2o_explain/AE1_autoencoder": DATA / "h2o_train" / "trainC.csv",
    "h2o/A7_rdrop": H2O / "test.csv",
}


@pytest.mark.h2o
@pytest.mark.parametrize("run", list(WRITTEN_H2O))
def test_genmodel_scores_a_rewritten_h2o_mojo_as_h2o_did(run, genmodel, tmp_path):
    model = tabdl.import_mojo(DATA / run / "model.zip")
    test = pd.read_csv(WRITTEN_H2O[run])
    theirs = genmodel(_write(model, tmp_path, "rewritten"), test)
    _assert_same_predictions(model.predict(test), theirs)
    if (DATA / run / "h2o_pred.csv").exists():  # and as H2O itself predicted
        _assert_same_predictions(pd.read_csv(DATA / run / "h2o_pred.csv"), theirs)


@pytest.mark.h2o
def test_escaped_levels_reach_genmodel_intact(frames, genmodel, tmp_path):
    train, test = (f.copy() for f in frames)
    for frame in (train, test):  # a backslash, and a character outside ASCII
        frame["c1"] = frame["c1"].replace({"a": "a\\b", "b": "b\u00e9"})
    params = {**BASE, "hidden": [3], "activation": "Tanh"}
    model = tabdl.DeepLearningEstimator(**params).train(x=X, y="y", training_frame=train)
    mojo = _write(model, tmp_path, "escaped")
    assert read_mojo(mojo).datainfo.domains == model._fitted.datainfo.domains
    _assert_same_predictions(model.predict(test), genmodel(mojo, test))
