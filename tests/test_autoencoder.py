"""Autoencoder training, anomaly scores, deep features, and supervised models from an autoencoder."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import tabdl
from tabdl.io import read_mojo

from conftest import DATA, read_h2o_parsed

X = ["x1", "x2", "c1"]
#: H2O 3.46.0.11 trained this autoencoder reproducibly (tests/data/h2o_explain/README.md).
AE1 = dict(epochs=1.0, activation="Tanh", reproducible=True, overwrite_with_best_model=False,
           hidden=[2], seed=1234, autoencoder=True, quiet_mode=True)  # fmt: skip


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return read_h2o_parsed(DATA / "h2o_train" / "trainC_h2o_parsed.csv", {"c1": str, "yc": str})


@pytest.fixture(scope="module")
def ae1(frame) -> tabdl.DeepLearningEstimator:
    return tabdl.DeepLearningEstimator(**AE1).train(x=X, training_frame=frame)


def test_autoencoder_training_equals_h2os_bit_for_bit(ae1):
    h2o = read_mojo(DATA / "h2o_explain" / "AE1_autoencoder" / "model.zip")
    for ours, theirs in zip(
        ae1._fitted.weights + ae1._fitted.biases, h2o.weights + h2o.biases, strict=True
    ):
        assert np.array_equal(ours, theirs)


def test_the_null_model_is_scored_before_training_and_mse_is_watched(ae1, frame):
    history = ae1.scoring_history()
    assert list(history.columns[-2:]) == ["training_rmse", "training_mse"]
    assert history["iterations"].tolist() == [0, 1]
    assert not np.isnan(history["training_mse"].iloc[0])  # the initial network, scored
    mse = ae1.anomaly(frame)["Reconstruction.MSE"].mean()
    assert history["training_mse"].iloc[-1] == pytest.approx(mse, rel=1e-12)
    assert ae1.model_performance(frame).mse() == pytest.approx(mse, rel=1e-12)
    with pytest.raises(tabdl.ParameterError, match="autoencoder"):
        tabdl.DeepLearningEstimator(**{**AE1, "stopping_metric": "logloss"}).train(
            x=X, training_frame=frame
        )


def test_anomaly_deep_features_and_reconstruction_of_a_trained_autoencoder(ae1, frame):
    h2o = tabdl.import_mojo(DATA / "h2o_explain" / "AE1_autoencoder" / "model.zip")
    pd.testing.assert_frame_equal(ae1.anomaly(frame), h2o.anomaly(frame))
    per_feature = ae1.anomaly(frame, per_feature=True)
    assert list(per_feature.columns) == [
        f"reconstr_{n}.SE" for n in ae1._fitted.datainfo.coef_names()
    ]
    np.testing.assert_allclose(per_feature.mean(axis=1), ae1.anomaly(frame)["Reconstruction.MSE"])
    pd.testing.assert_frame_equal(ae1.deepfeatures(frame, 0), h2o.deepfeatures(frame, 0))
    pd.testing.assert_frame_equal(ae1.predict(frame), h2o.predict(frame))


def test_input_dropout_trains_towards_the_clean_input(frame):
    noisy = tabdl.DeepLearningEstimator(**{**AE1, "input_dropout_ratio": 0.3, "epochs": 20})
    noisy.train(x=X, training_frame=frame)
    history = noisy.scoring_history()["training_mse"]
    assert history.iloc[-1] < history.iloc[0]  # it learns to reconstruct the undropped rows


def test_a_supervised_model_starts_from_the_autoencoders_hidden_layers(ae1, frame):
    model = tabdl.DeepLearningEstimator(
        hidden=[2], activation="Tanh", epochs=0, seed=9, pretrained_autoencoder=ae1.model_id
    ).train(x=X, y="y", training_frame=frame)
    assert np.array_equal(model._fitted.weights[0], ae1._fitted.weights[0])
    assert np.array_equal(model._fitted.biases[0], ae1._fitted.biases[0])
    assert (model._fitted.biases[1] == 0).all()
    with pytest.raises(tabdl.DataError, match="must match"):
        tabdl.DeepLearningEstimator(
            hidden=[3], activation="Tanh", pretrained_autoencoder=ae1
        ).train(x=X, y="y", training_frame=frame)
    supervised = tabdl.DeepLearningEstimator(hidden=[2], activation="Tanh", epochs=1)
    supervised.train(x=X, y="y", training_frame=frame)
    with pytest.raises(tabdl.DataError, match="must be a trained autoencoder"):
        tabdl.DeepLearningEstimator(
            hidden=[2], activation="Tanh", pretrained_autoencoder=supervised
        ).train(x=X, y="y", training_frame=frame)


@pytest.mark.parametrize("run", ["S1_tanh_e1", "S2_tanh_e3", "S3_rect_e2"])
def test_the_sparsity_penalty_trains_as_h2o_bit_for_bit(frame, run):
    # H2O's scoring passes update the running average activations too (made by
    # tools/make_sparsity_fixtures.py): without that, these runs differ from the second iteration
    folder = DATA / "h2o_sparsity" / run
    params = json.loads((folder / "info.json").read_text())["params"]
    model = tabdl.DeepLearningEstimator(**params, quiet_mode=True).train(x=X, training_frame=frame)
    h2o = read_mojo(folder / "model.zip")
    ours = model._fitted.weights + model._fitted.biases
    for a, b in zip(ours, h2o.weights + h2o.biases, strict=True):
        assert np.array_equal(a, b)


def test_a_sparse_autoencoder_restarts_with_its_average_activations(frame, tmp_path):
    params = json.loads((DATA / "h2o_sparsity" / "S2_tanh_e3" / "info.json").read_text())["params"]
    params = {**params, "quiet_mode": True}
    straight = tabdl.DeepLearningEstimator(**params).train(x=X, training_frame=frame)
    first = tabdl.DeepLearningEstimator(**{**params, "epochs": 1}).train(x=X, training_frame=frame)
    path = first.save(tmp_path / "sparse.tabdl")
    resumed = tabdl.DeepLearningEstimator(**params, checkpoint=path).train(
        x=X, training_frame=frame
    )
    ours = resumed._fitted.weights + resumed._fitted.biases
    for a, b in zip(ours, straight._fitted.weights + straight._fitted.biases, strict=True):
        assert np.array_equal(a, b)
