"""Live oracle: train fresh models in a real H2O-3 3.46.0.11, then check tabdl against them.

Needs the ``h2o`` package (test extras) and Java; skips cleanly without them. Starts one local H2O
(loopback only) for the module and shuts it down at the end.
"""

from __future__ import annotations

import shutil
import socket

import numpy as np
import pandas as pd
import pytest

import tabdl
from tabdl.io import read_mojo
from tabdl.training import prepare

from conftest import H2O

h2o = pytest.importorskip("h2o")
if shutil.which("java") is None:
    pytest.skip("Java is not installed: the live H2O oracle cannot run", allow_module_level=True)

pytestmark = [pytest.mark.slow, pytest.mark.h2o]

COL_TYPES = {"c1": "enum", "c2": "enum", "c3": "enum", "cls": "enum", "yb": "enum"}
X = ["x1", "x2", "x3", "c1", "c2", "c3"]
CASES = {
    "maxout_dropout_bin": (
        "yb",
        {
            "activation": "MaxoutWithDropout",
            "hidden": [5, 4],
            "input_dropout_ratio": 0.1,
            "use_all_factor_levels": False,
        },
    ),
    "tweedie_weights": (
        "cnt",
        {
            "activation": "Tanh",
            "hidden": [4],
            "distribution": "tweedie",
            "tweedie_power": 1.3,
            "weights_column": "w",
        },
    ),
    "rectifier_autoencoder": (
        None,
        {"activation": "Rectifier", "hidden": [6, 3], "autoencoder": True},
    ),
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def frames(tmp_path_factory):
    train = pd.read_csv(H2O / "train.csv")
    train["w"] = np.linspace(0.5, 2.5, len(train))
    # Upload through a file: H2OFrame(pandas) would turn missing strings into a level "nan".
    train_csv = tmp_path_factory.mktemp("data") / "train_w.csv"
    train.to_csv(train_csv, index=False)
    h2o.init(ip="127.0.0.1", port=_free_port(), nthreads=1, max_mem_size="1G", verbose=False)
    h2o.no_progress()
    try:
        types = {**COL_TYPES, "w": "numeric"}
        yield (
            train,
            h2o.import_file(str(train_csv), col_types=types),
            h2o.import_file(str(H2O / "test.csv"), col_types=COL_TYPES),
        )
    finally:
        h2o.cluster().shutdown()


@pytest.fixture(scope="module")
def trained(frames, tmp_path_factory):
    from h2o.estimators import H2ODeepLearningEstimator

    _, train_h2o, test_h2o = frames
    out = {}
    for name, (y, params) in CASES.items():
        model = H2ODeepLearningEstimator(epochs=2, seed=3, reproducible=True, **params)
        model.train(x=X, y=y, training_frame=train_h2o)
        folder = tmp_path_factory.mktemp(name)
        mojo = model.download_mojo(path=str(folder))
        out[name] = (mojo, model.predict(test_h2o).as_data_frame(use_multi_thread=False))
    return out


@pytest.mark.parametrize("name", list(CASES))
def test_tabdl_scores_a_fresh_h2o_mojo_as_h2o_does(trained, name):
    mojo, theirs = trained[name]
    ours = tabdl.import_mojo(mojo).predict(H2O / "test.csv")
    numeric = [c for c in theirs.columns if not pd.api.types.is_string_dtype(theirs[c])]
    assert list(ours.columns) == list(theirs.columns)
    assert np.max(np.abs(ours[numeric].to_numpy(float) - theirs[numeric].to_numpy(float))) < 1e-9
    if "predict" in theirs and pd.api.types.is_string_dtype(theirs["predict"]):
        assert ours["predict"].astype(str).tolist() == theirs["predict"].tolist()


@pytest.mark.parametrize("name", list(CASES))
def test_tabdl_fits_the_encoder_h2o_fitted(frames, trained, name):
    train, _, _ = frames
    y, params = CASES[name]
    encoding = {
        k: v for k, v in params.items() if k not in ("input_dropout_ratio", "tweedie_power")
    }
    ours = prepare(encoding, X, y, train).datainfo
    theirs = read_mojo(trained[name][0]).datainfo
    assert ours.coef_names() == theirs.coef_names()
    np.testing.assert_allclose(ours.norm_mul, theirs.norm_mul, rtol=1e-12)
    np.testing.assert_allclose(ours.norm_sub, theirs.norm_sub, rtol=1e-12)


#: Models trained by H2O and by tabdl with the same parameters, on the values H2O parsed: every number
#: H2O reports about them (scoring history with validation, importances, layer status, metrics on
#: new data) must be tabdl's.
REPORTED = {
    "binomial": ("yb", {"activation": "Tanh", "hidden": [5]}),
    "multinomial": ("cls", {"activation": "RectifierWithDropout", "hidden": [6, 4]}),
    "regression": ("y", {"activation": "Tanh", "hidden": [4], "distribution": "huber"}),
}


@pytest.fixture(scope="module")
def reported(frames):
    from h2o.estimators import H2ODeepLearningEstimator

    _, train_h2o, test_h2o = frames
    train = train_h2o.as_data_frame(use_multi_thread=False)  # the exact values H2O trains on
    test = test_h2o.as_data_frame(use_multi_thread=False)
    out = {}
    for name, (y, params) in REPORTED.items():
        common = dict(epochs=3, seed=21, reproducible=True, **params)
        theirs = H2ODeepLearningEstimator(**common)
        theirs.train(x=X, y=y, training_frame=train_h2o, validation_frame=test_h2o)
        ours = tabdl.DeepLearningEstimator(**common, quiet_mode=True)
        ours.train(x=X, y=y, training_frame=train, validation_frame=test)
        out[name] = (ours, theirs, ours.model_performance(test), theirs.model_performance(test_h2o))
    return out


def _numeric(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.drop(
        columns=[c for c in ("", "timestamp", "duration", "training_speed") if c in frame]
    )
    return frame.apply(pd.to_numeric, errors="coerce")


@pytest.mark.parametrize("name", list(REPORTED))
def test_what_a_trained_model_reports_equals_h2os(reported, name):
    ours, theirs, _, _ = reported[name]
    history, h2o_history = _numeric(ours.scoring_history()), _numeric(theirs.scoring_history())
    assert list(history.columns) == list(h2o_history.columns)
    np.testing.assert_allclose(history.to_numpy(float), h2o_history.to_numpy(float), rtol=1e-9)
    varimp, h2o_varimp = ours.varimp(use_pandas=True), theirs.varimp(use_pandas=True)
    assert varimp["variable"].tolist() == h2o_varimp["variable"].tolist()
    np.testing.assert_allclose(
        varimp.iloc[:, 1:].to_numpy(float), h2o_varimp.iloc[:, 1:].to_numpy(float), atol=1e-6
    )
    summary = _numeric(ours.summary()).iloc[:, 3:]
    h2o_summary = _numeric(theirs._model_json["output"]["model_summary"].as_data_frame())
    np.testing.assert_allclose(
        summary.to_numpy(float), h2o_summary.iloc[:, 3:].to_numpy(float), rtol=1e-9
    )


@pytest.mark.parametrize("name", list(REPORTED))
def test_metrics_on_new_data_equal_h2os(reported, name):
    _, _, ours, theirs = reported[name]
    accessors = {
        "binomial": ("mse", "rmse", "logloss", "auc", "aucpr", "mean_per_class_error"),
        "multinomial": ("mse", "rmse", "logloss", "mean_per_class_error"),
        "regression": ("mse", "rmse", "mae", "rmsle", "r2", "mean_residual_deviance"),
    }[name]
    for accessor in accessors:
        value, expected = getattr(ours, accessor)(), getattr(theirs, accessor)()
        if (
            accessor == "mean_per_class_error" and name == "binomial"
        ):  # h2o-py: [[threshold, error]]
            value, expected = value[0], expected[0]
        np.testing.assert_allclose(
            np.asarray(value, float), np.asarray(expected, float), rtol=1e-9, err_msg=accessor
        )
    if name == "binomial":
        ours_cm = ours.confusion_matrix().table.as_data_frame()
        theirs_cm = theirs.confusion_matrix().table.as_data_frame()
        np.testing.assert_allclose(
            _numeric(ours_cm).to_numpy(float), _numeric(theirs_cm).to_numpy(float)
        )


def test_autoencoders_and_models_pretrained_from_them_train_as_h2o_trains(frames, tmp_path):
    from h2o.estimators import H2ODeepLearningEstimator

    _, train_h2o, _ = frames
    train = train_h2o.as_data_frame(use_multi_thread=False)
    common = dict(epochs=2, seed=31, reproducible=True, hidden=[5], activation="Tanh")
    ae_params = dict(common, autoencoder=True, input_dropout_ratio=0.2)
    theirs_ae = H2ODeepLearningEstimator(**ae_params)
    theirs_ae.train(x=X, training_frame=train_h2o)
    ours_ae = tabdl.DeepLearningEstimator(**ae_params, quiet_mode=True).train(
        x=X, training_frame=train
    )
    theirs_sup = H2ODeepLearningEstimator(**common, pretrained_autoencoder=theirs_ae.model_id)
    theirs_sup.train(x=X, y="y", training_frame=train_h2o)
    ours_sup = tabdl.DeepLearningEstimator(
        **common, pretrained_autoencoder=ours_ae, quiet_mode=True
    )
    ours_sup.train(x=X, y="y", training_frame=train)
    for ours, theirs in ((ours_ae, theirs_ae), (ours_sup, theirs_sup)):
        mojo = read_mojo(theirs.download_mojo(path=str(tmp_path / f"{ours.model_id}.zip")))
        for a, b in zip(ours._fitted.weights, mojo.weights, strict=True):
            assert np.array_equal(a, b)
        # the float64 biases agree to the last bit or two: the normalisation statistics of this
        # frame (NORMALIZE, with missing values) can differ from H2O's in the last bit
        for a, b in zip(ours._fitted.biases, mojo.biases, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
