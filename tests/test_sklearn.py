"""The scikit-learn estimators: sklearn's own check battery, H2O parity, and sklearn's tools."""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("sklearn")

from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import tabdl
from tabdl.params import PARAMETERS
from tabdl.sklearn import DeepLearningAutoencoder, DeepLearningClassifier, DeepLearningRegressor
from tabdl.sklearn._params import SET_BY_FIT

from conftest import DATA, read_h2o_parsed

TRAIN = DATA / "h2o_train"
X = ["x1", "x2", "c1"]
#: A network small enough for the whole check battery to run in seconds.
SMALL = dict(hidden=(8,), epochs=20)

#: Checks tabdl does not pass, and why.
EXPECTED_FAILED = {
    "check_sample_weight_equivalence_on_dense_data": (
        "H2O's Deep Learning is per-row SGD: a row's weight scales its gradient step, which is not "
        "the same as visiting the row twice (nor is weight 0 the same as leaving the row out of the "
        "epoch's row count and sampling)"
    ),
}


def _expected_failed(estimator) -> dict[str, str]:
    return EXPECTED_FAILED


@parametrize_with_checks(
    [
        DeepLearningClassifier(**SMALL),
        DeepLearningRegressor(**SMALL),
        DeepLearningAutoencoder(**SMALL),
    ],
    expected_failed_checks=_expected_failed,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


# -- parity with H2O: the wrapper trains exactly what H2O trains ---------------------------------------


def _frame(name: str) -> pd.DataFrame:
    return read_h2o_parsed(TRAIN / f"{name}_h2o_parsed.csv", {"c1": str, "yc": str})


def test_regressor_with_sample_weight_predicts_as_h2o():
    """tests/data/h2o_train/K2_weights: H2O trained with weights_column='wt', seed 4321, reproducible."""
    data = _frame("trainD")
    model = DeepLearningRegressor(
        hidden=(3,), epochs=1, activation="Tanh", overwrite_with_best_model=False, random_state=4321
    ).fit(data[X], data["y"], sample_weight=data["wt"])
    h2o = pd.read_csv(TRAIN / "K2_weights" / "h2o_pred.csv")["predict"]
    np.testing.assert_allclose(model.predict(data[X]), h2o, rtol=0, atol=1e-14)
    assert model.model_.actual_params["weights_column"] == "sample_weight"


def test_classifier_probabilities_equal_h2os():
    """tests/data/h2o_train/M1_maxout: a 3-class Maxout network on data with missing values."""
    data = _frame("trainC")
    model = DeepLearningClassifier(
        hidden=(3,), epochs=1, activation="Maxout", overwrite_with_best_model=False, random_state=11
    ).fit(data[X], data["yc"])
    h2o = pd.read_csv(TRAIN / "M1_maxout" / "h2o_pred.csv")
    assert model.classes_.tolist() == ["M", "N", "P"]
    np.testing.assert_allclose(model.predict_proba(data[X]), h2o[["M", "N", "P"]], atol=1e-14)
    assert (model.predict(data[X]) == h2o["predict"]).all()
    assert list(model.feature_names_in_) == X and model.n_features_in_ == 3


def test_autoencoder_features_and_scores_equal_h2os():
    """tests/data/h2o_explain/AE1_autoencoder: H2O's MOJO of the same reproducible run."""
    data = _frame("trainC")
    model = DeepLearningAutoencoder(
        hidden=(2,), epochs=1, activation="Tanh", overwrite_with_best_model=False, random_state=1234
    ).fit(data[X])
    h2o = tabdl.import_mojo(DATA / "h2o_explain" / "AE1_autoencoder" / "model.zip")
    np.testing.assert_array_equal(model.transform(data[X]), h2o.deepfeatures(data, 0))
    mse = h2o.anomaly(data)["Reconstruction.MSE"].to_numpy()
    np.testing.assert_array_equal(model.reconstruction_error(data[X]), mse)
    np.testing.assert_array_equal(model.score_samples(data[X]), -mse)  # higher = more normal
    assert model.get_feature_names_out().tolist() == ["DF.L1.C1", "DF.L1.C2"]


# -- parameters ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cls", [DeepLearningClassifier, DeepLearningRegressor, DeepLearningAutoencoder]
)
def test_every_h2o_parameter_is_an_explicit_keyword_with_h2os_default(cls):
    signature = inspect.signature(cls.__init__).parameters
    for p in PARAMETERS:
        if p.name in SET_BY_FIT:
            assert p.name not in signature
        else:
            assert signature[p.name].kind is inspect.Parameter.KEYWORD_ONLY
            assert signature[p.name].default == p.default, p.name
    extra = {"random_state", "categorical_columns"}
    extra |= {"feature_layer"} if cls is DeepLearningAutoencoder else set()
    assert set(signature) - {"self"} - {p.name for p in PARAMETERS} == extra
    model = cls(hidden=(5, 3), l1=1e-4)
    assert model.get_params()["hidden"] == (5, 3) and model.get_params()["l1"] == 1e-4
    assert clone(model).set_params(epochs=3).get_params()["epochs"] == 3


def test_random_state_sets_the_seed_and_reproducible_training():
    X_, y_ = load_iris(return_X_y=True)
    first = DeepLearningClassifier(**SMALL, random_state=7).fit(X_, y_)
    again = DeepLearningClassifier(**SMALL, random_state=7).fit(X_, y_)
    other = DeepLearningClassifier(**SMALL, random_state=8).fit(X_, y_)
    assert first.model_.actual_params["seed"] == 7 and first.model_.actual_params["reproducible"]
    np.testing.assert_array_equal(first.predict_proba(X_), again.predict_proba(X_))
    assert not np.array_equal(first.predict_proba(X_), other.predict_proba(X_))
    drawn = DeepLearningClassifier(**SMALL, random_state=np.random.RandomState(0)).fit(X_, y_)
    assert drawn.model_.actual_params["seed"] == np.random.RandomState(0).randint(2**31 - 1)


def test_probability_columns_follow_classes_not_h2os_text_order():
    """H2O sorts the levels "10" < "2" as text; classes_ sorts the labels 2 < 10 as numbers."""
    rng = np.random.default_rng(0)
    X_ = rng.normal(size=(80, 2))
    y_ = np.where(X_[:, 0] > 0, 10, 2)
    model = DeepLearningClassifier(**SMALL, random_state=1).fit(X_, y_)
    assert model.classes_.tolist() == [2, 10]
    h2o = model.model_.predict(pd.DataFrame(X_, columns=["C1", "C2"]))
    assert list(h2o.columns) == ["predict", "p10", "p2"]
    np.testing.assert_array_equal(model.predict_proba(X_), h2o[["p2", "p10"]].to_numpy())
    assert (model.predict(X_) == y_).mean() > 0.9


# -- sklearn's tools -----------------------------------------------------------------------------------


def test_pipeline_grid_search_and_cross_val_score_agree():
    X_, y_ = load_iris(return_X_y=True)
    folds = KFold(3, shuffle=True, random_state=0)
    pipe = make_pipeline(StandardScaler(), DeepLearningClassifier(epochs=10, random_state=3))
    grid = GridSearchCV(pipe, {"deeplearningclassifier__hidden": [(2,), (16,)]}, cv=folds)
    grid.fit(X_, y_)
    assert grid.best_params_ == {"deeplearningclassifier__hidden": (16,)}
    scores = cross_val_score(pipe.set_params(**grid.best_params_), X_, y_, cv=folds)
    assert grid.best_score_ == pytest.approx(scores.mean(), abs=1e-15)  # same folds, same seeds
    assert scores.mean() > 0.85


def test_dataframes_keep_categorical_columns_and_missing_values():
    data = _frame("trainC")
    assert data["c1"].isna().any() and data["x1"].isna().any()
    model = DeepLearningRegressor(**SMALL, random_state=1).fit(data[X], data["y"])
    assert tuple(model.model_._fitted.datainfo.cat_names) == (
        "c1",
    )  # a categorical column, not a number
    assert np.isfinite(model.predict(data[X])).all()
    codes = data[X].assign(c1=data["c1"].astype("category"))
    np.testing.assert_array_equal(model.predict(codes), model.predict(data[X]))


def test_validation_frame_is_scored_while_training():
    X_, y_ = load_iris(return_X_y=True)
    model = DeepLearningClassifier(**SMALL, random_state=1, validation_frame=(X_[::2], y_[::2]))
    history = model.fit(X_, y_).model_.scoring_history()
    assert "validation_logloss" in history.columns
    assert model.model_.model_performance(valid=True).nobs() == 75


def test_the_autoencoder_scores_outliers_low():
    X_, _ = load_iris(return_X_y=True)
    model = DeepLearningAutoencoder(hidden=(6, 2, 6), epochs=50, random_state=1).fit(X_)
    assert model.feature_layer_ == 1 and model.transform(X_).shape == (150, 2)
    outlier = X_.mean(axis=0) + 8 * X_.std(axis=0)
    scores = model.score_samples(np.vstack([X_, outlier]))
    assert scores.argmin() == 150
    assert DeepLearningAutoencoder(**SMALL, feature_layer=-1, random_state=1).fit(X_).transform(
        X_
    ).shape == (150, 8)


@pytest.mark.parametrize(
    ("estimator", "error", "match"),
    [
        (DeepLearningAutoencoder(hidden=(4,), feature_layer=1), ValueError, "feature_layer=1"),
        (DeepLearningClassifier(hidden=(4,), validation_frame="x"), ValueError, "pair"),
        (DeepLearningClassifier(hidden=(4,), activation="Sigmoid"), ValueError, "activation"),
        (DeepLearningClassifier(hidden=(4,), categorical_columns=[9]), ValueError, "position 9"),
        (DeepLearningClassifier(hidden=(4,), distribution="gaussian"), ValueError, "gaussian"),
        (
            DeepLearningRegressor(hidden=(4,), mini_batch_size=8, elastic_averaging=True),
            ValueError,
            "elastic_averaging is not available with the batch engine",
        ),
    ],
)
def test_bad_parameters_fail_when_fit_starts(estimator, error, match):
    X_, y_ = load_iris(return_X_y=True)
    with pytest.raises(error, match=match):
        estimator.fit(X_, y_)


def test_bad_input_errors_are_sklearns():
    X_, y_ = load_iris(return_X_y=True)
    with pytest.raises(NotFittedError):
        DeepLearningClassifier().predict(X_)
    bad = X_.copy()
    bad[0, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        DeepLearningClassifier(**SMALL).fit(bad, y_)
    model = DeepLearningClassifier(**SMALL).fit(X_, y_)
    with pytest.raises(ValueError, match="X has 3 features"):
        model.predict(X_[:, :3])
    with pytest.raises(ValueError, match="2 classes"):
        DeepLearningClassifier(**SMALL).fit(X_, np.zeros(150))
