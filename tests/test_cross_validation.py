"""Cross-validation against H2O-3 3.46.0.11 (fixtures: tools/make_cv_fixtures.py, tests/data/h2o_cv).

Six reproducible H2O runs (Modulo, Random, Stratified and AUTO folds on prostate, a fold column on
iris, a weights column on a regression): the fold assignment, every fold model's and the main
model's weights, the main model's epochs, the holdout predictions, the cross-validation metrics and
the summary table must equal H2O's.
"""

from __future__ import annotations

import json
import warnings
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import tabdl
from tabdl.crossval.folds import assign_folds
from tabdl.errors import DataError, ParameterError
from tabdl.io import import_mojo

CV = Path(__file__).parent / "data" / "h2o_cv"
RUNS = ("B1_modulo", "B2_random", "B3_strat", "B4_auto", "M1_foldcol", "R1_weights")


def _data(name: str) -> pd.DataFrame:
    data = pd.read_csv(CV / f"{name}.csv")
    if name == "prostate":
        data["w"] = (data["AGE"] > 65).astype(int) + 1
    else:
        data["fold"] = np.arange(len(data)) % 3 + 1
    return data


def _info(run: str) -> dict:
    return json.loads((CV / run / "info.json").read_text())


@cache
def _trained(run: str) -> tabdl.DeepLearningEstimator:
    info = _info(run)
    categorical = ["CAPSULE"] if info["y"] == "CAPSULE" else []
    model = tabdl.DeepLearningEstimator(model_id=f"cv_{run}", **info["params"])
    model.train(
        x=info["x"], y=info["y"], training_frame=_data(info["data"]),
        categorical_columns=categorical,
    )  # fmt: skip
    return model


@pytest.mark.parametrize(
    "run, scheme, nfolds",
    [("B1_modulo", "Modulo", 3), ("B2_random", "Random", 4), ("B3_strat", "Stratified", 3),
     ("B4_auto", "AUTO", 3)],
)  # fmt: skip
def test_fold_assignment_equals_h2o(run, scheme, nfolds):
    expected = pd.read_csv(CV / run / "fold_assignment.csv")["fold_assignment"].to_numpy()
    capsule = _data("prostate")["CAPSULE"].to_numpy()
    got = assign_folds(scheme, len(expected), nfolds, 1234, capsule)
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("run", RUNS)
def test_fold_and_main_models_equal_h2o_bit_for_bit(run):
    info, model = _info(run), _trained(run)
    folds = model.cross_validation_models()
    assert [m.model_id for m in folds] == [f"cv_{run}_cv_{i + 1}" for i in range(len(folds))]
    assert [m.epoch_counter for m in folds] == info["cv_epoch_counters"]
    assert model.actual_params["epochs"] == info["main_epochs"]
    assert model.actual_params["overwrite_with_best_model"] is False
    assert model.epoch_counter == info["main_epoch_counter"]
    for name, ours in [("main", model), *((f"cv_{i + 1}", m) for i, m in enumerate(folds))]:
        theirs = import_mojo(CV / run / f"{name}.zip")
        for layer in (1, 2):
            np.testing.assert_array_equal(ours.weights(layer - 1), theirs.weights(layer - 1))
            np.testing.assert_allclose(
                ours.biases(layer - 1), theirs.biases(layer - 1), rtol=1e-15, atol=1e-17
            )


@pytest.mark.parametrize("run", RUNS)
def test_holdout_predictions_metrics_and_summary_equal_h2o(run):
    info, model = _info(run), _trained(run)
    h2o = pd.read_csv(CV / run / "holdout.csv")
    ours = model.cross_validation_holdout_predictions()
    assert list(ours.columns) == list(h2o.columns)
    numeric = [c for c in h2o.columns if c != "predict" or info["y"] == "PSA"]
    np.testing.assert_allclose(ours[numeric].to_numpy(float), h2o[numeric], atol=1e-8)
    if info["y"] != "PSA":
        assert (ours["predict"].astype(str).to_numpy() == h2o["predict"].astype(str)).all()

    xval = model.model_performance(xval=True)
    expected = info["xval"]
    assert xval.nobs() == expected["nobs"]
    assert xval.mse() == pytest.approx(expected["MSE"], rel=1e-12)
    assert xval.r2() == pytest.approx(expected["r2"], rel=1e-12)
    if "logloss" in expected:
        assert xval.logloss() == pytest.approx(expected["logloss"], rel=1e-12)
        assert xval.default_mean_per_class_error() == pytest.approx(
            expected["mean_per_class_error"], rel=1e-12
        )
    if "AUC" in expected:
        assert xval.auc() == pytest.approx(expected["AUC"], rel=1e-12)
        assert xval.pr_auc() == pytest.approx(expected["pr_auc"], rel=1e-12)
    assert model.mse(xval=True) == xval.mse()

    summary = model.cross_validation_metrics_summary().as_data_frame()
    h2o_summary = pd.read_csv(CV / run / "summary.csv").rename(columns={"Unnamed: 0": ""})
    assert list(summary.columns) == list(h2o_summary.columns)
    assert list(summary[""]) == list(h2o_summary[""])
    values = h2o_summary.columns[1:]
    np.testing.assert_allclose(
        summary[values].to_numpy(float), h2o_summary[values].to_numpy(float), rtol=2e-6, atol=1e-8
    )  # H2O's table holds float32 values


def test_each_fold_prediction_frame_holds_zeros_outside_its_holdout_rows():
    model = _trained("B1_modulo")
    for i, frame in enumerate(model.cross_validation_predictions()):
        h2o = pd.read_csv(CV / "B1_modulo" / f"cv_predictions_{i + 1}.csv")
        np.testing.assert_allclose(frame[["p0", "p1"]], h2o[["p0", "p1"]], atol=1e-15)
        assert (frame["predict"].astype(str).to_numpy() == h2o["predict"].astype(str)).all()


def test_fold_column_assignment_is_shown_as_given():
    assignment = _trained("M1_foldcol").cross_validation_fold_assignment()
    h2o = pd.read_csv(CV / "M1_foldcol" / "fold_assignment.csv")
    np.testing.assert_array_equal(assignment["fold_assignment"], h2o["fold_assignment"])


def test_printed_model_shows_the_cross_validation_metrics_and_summary():
    text = repr(_trained("B1_modulo"))
    assert "** Reported on cross-validation data. **" in text
    assert "Cross-Validation Metrics Summary" in text and "cv_3_valid" in text


def test_the_file_keeps_the_cross_validation_metrics_and_summary(tmp_path):
    model = _trained("B2_random")
    loaded = tabdl.load_model(model.save(tmp_path / "m.tabdl"))
    assert loaded.model_performance(xval=True).auc() == model.model_performance(xval=True).auc()
    pd.testing.assert_frame_equal(
        loaded.cross_validation_metrics_summary().as_data_frame(),
        model.cross_validation_metrics_summary().as_data_frame(),
    )
    with pytest.warns(UserWarning, match="keep_cross_validation_models"):
        assert loaded.cross_validation_models() is None


SMALL = dict(hidden=[3], epochs=1, seed=7, reproducible=True)
X = ["AGE", "RACE", "DPROS", "PSA", "VOL", "GLEASON"]
X_PSA = ["AGE", "RACE", "DPROS", "VOL", "GLEASON"]


def test_outputs_not_kept_are_absent_and_the_fold_models_not_registered():
    model = tabdl.DeepLearningEstimator(
        nfolds=2, keep_cross_validation_models=False, keep_cross_validation_predictions=False,
        model_id="cv_unkept", **SMALL,
    )  # fmt: skip
    model.train(x=X, y="CAPSULE", training_frame=_data("prostate"), categorical_columns=["CAPSULE"])
    with pytest.warns(UserWarning, match="keep_cross_validation_predictions"):
        assert model.cross_validation_holdout_predictions() is None
    with pytest.warns(UserWarning, match="keep_cross_validation_fold_assignment"):
        assert model.cross_validation_fold_assignment() is None
    assert "cv_unkept_cv_1" not in set(tabdl.ls()["key"])
    assert model.model_performance(xval=True).nobs() == 380


def test_without_reproducible_the_folds_train_one_after_the_other():
    model = tabdl.DeepLearningEstimator(nfolds=2, hidden=[3], epochs=1, seed=3)
    model.train(x=X_PSA, y="PSA", training_frame=_data("prostate"))
    assert len(model.cross_validation_models()) == 2
    assert np.isfinite(model.model_performance(xval=True).rmse())


def test_a_model_that_is_not_cross_validated_says_so():
    model = tabdl.DeepLearningEstimator(**SMALL)
    model.train(x=X_PSA, y="PSA", training_frame=_data("prostate"))
    with pytest.warns(UserWarning, match="not cross-validated"):
        assert model.model_performance(xval=True) is None
    with pytest.warns(UserWarning, match="not cross-validated"):
        assert model.cross_validation_metrics_summary() is None


# -- bad input -----------------------------------------------------------------------------------------
def _train(data=None, **params):
    model = tabdl.DeepLearningEstimator(**{**SMALL, **params})
    return model.train(x=X, y="CAPSULE", training_frame=_data("prostate") if data is None else data,
                       categorical_columns=["CAPSULE"])  # fmt: skip


def test_a_fold_column_with_a_single_value_is_refused():
    data = _data("prostate").assign(f=1)
    with pytest.raises(DataError, match="fold_column 'f' holds a single fold"):
        _train(data, fold_column="f")


def test_a_fold_column_with_missing_values_is_refused():
    data = _data("prostate").assign(f=np.where(np.arange(380) % 7 == 0, np.nan, np.arange(380) % 2))
    with pytest.raises(DataError, match="fold_column 'f' has missing values"):
        _train(data, fold_column="f")


def test_a_fold_column_of_fractions_or_gaps_is_refused():
    with pytest.raises(DataError, match="must hold integers"):
        _train(_data("prostate").assign(f=np.arange(380) % 2 + 0.5), fold_column="f")
    with pytest.raises(DataError, match="contiguous integers"):
        _train(_data("prostate").assign(f=np.arange(380) % 2 * 5), fold_column="f")


def test_a_categorical_fold_column_gives_one_fold_per_level():
    data = _data("prostate").assign(f=np.where(np.arange(380) % 2 == 0, "even", "odd"))
    model = _train(data, fold_column="f")
    assert len(model.cross_validation_models()) == 2


def test_nfolds_1_and_more_folds_than_rows_are_refused():
    with pytest.raises(ParameterError, match="nfolds must be 0"):
        _train(nfolds=1)
    with pytest.raises(DataError, match="larger than the number of rows"):
        tabdl.DeepLearningEstimator(nfolds=6, **SMALL).train(
            x=X_PSA, y="PSA", training_frame=_data("prostate").head(5)
        )


def test_a_fold_whose_training_part_lacks_a_class_warns():
    data = _data("prostate").sort_values("CAPSULE").reset_index(drop=True)
    data["f"] = (data["CAPSULE"] == 1).astype(int)  # fold 1 holds every positive row
    with pytest.warns(
        UserWarning, match=r"fold 2: its training part has no rows of class\(es\) \['1'\]"
    ):
        _train(data, fold_column="f")


def test_autoencoders_and_checkpoint_restarts_cannot_be_cross_validated():
    with pytest.raises(ParameterError, match="not supported for an autoencoder"):
        tabdl.DeepLearningEstimator(autoencoder=True, nfolds=3, **SMALL).train(
            x=X, training_frame=_data("prostate")
        )
    base = _train()
    with pytest.raises(ParameterError, match="not supported for checkpoint restarts"):
        _train(checkpoint=base, nfolds=3, epochs=2)


def test_a_column_named_like_the_fold_weights_is_refused():
    data = _data("prostate").assign(__internal_cv_weights__=1.0)
    with pytest.raises(DataError, match="__internal_cv_weights__"):
        _train(data, nfolds=2)


def test_a_failing_fold_names_its_fold():
    data = _data("prostate")
    data.loc[data.index % 2 == 0, "PSA"] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(DataError, match=r"cross-validation model \d of 2 failed"):
            tabdl.DeepLearningEstimator(
                nfolds=2, fold_assignment="Modulo", missing_values_handling="Skip", **SMALL
            ).train(x=["PSA"], y="CAPSULE", training_frame=data, categorical_columns=["CAPSULE"])


def test_fold_model_parameters_are_checked_before_any_training():
    with pytest.raises(ParameterError, match="cross-validation models cannot be trained: balance"):
        _train(nfolds=2, balance_classes=True)
