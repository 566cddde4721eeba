"""What a trained model reports: stopping, best model, metrics on new data, importances, printing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

import tabdl
from tabdl.training.stopping import stop_early, stopping_metric

from conftest import DATA, read_h2o_parsed

TRAIN = DATA / "h2o_train"
X = ["x1", "x2", "c1"]


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return read_h2o_parsed(TRAIN / "trainC_h2o_parsed.csv", {"c1": str, "yc": str})


def _model(**params) -> tabdl.DeepLearningEstimator:
    base = dict(hidden=[3], seed=1234, activation="Tanh", reproducible=True, quiet_mode=True)
    return tabdl.DeepLearningEstimator(**{**base, **params})


def test_early_stopping_stops_where_the_moving_average_rule_first_says_so(frame):
    model = _model(
        epochs=500, score_each_iteration=True, stopping_rounds=2, stopping_tolerance=0.05
    )
    model.train(x=X, y="y", training_frame=frame)
    history = model.scoring_history()
    values = history["training_deviance"].tolist()
    metric = stopping_metric("AUTO", "Regression")
    assert model.epoch_counter < 500
    # the rule holds at the last event and at no earlier one
    assert stop_early(values, 2, metric, 0.05)
    assert not any(stop_early(values[:n], 2, metric, 0.05) for n in range(1, len(values)))


def test_overwrite_with_best_model_restores_the_best_scored_weights(frame):
    params = dict(epochs=30, score_each_iteration=True, stopping_rounds=0, adaptive_rate=False,
                  rate=0.3, momentum_start=0.9, momentum_stable=0.9)  # fmt: skip
    kept = _model(**params, overwrite_with_best_model=False).train(x=X, y="y", training_frame=frame)
    best = _model(**params).train(x=X, y="y", training_frame=frame)
    trained = kept.scoring_history()["training_deviance"]
    assert trained.iloc[1:].idxmin() != len(trained) - 1, "the run must end on a worse model"
    final = best.scoring_history()
    assert len(final) == len(trained) + 1  # the restored model is scored once more
    assert final["training_deviance"].iloc[-1] == trained.iloc[1:].min()
    assert best.model_performance().mean_residual_deviance() == trained.iloc[1:].min()
    assert final["samples"].iloc[-1] == final["samples"].iloc[-2]  # counters stay the final ones


def test_classification_and_regression_stop_end_training_at_the_first_scoring(frame):
    cls = _model(epochs=100, score_each_iteration=True, classification_stop=0.99)
    cls.train(x=X, y="yc", training_frame=frame)
    assert cls.iterations == 1
    reg = _model(epochs=100, score_each_iteration=True, regression_stop=1e6)
    reg.train(x=X, y="y", training_frame=frame)
    assert reg.iterations == 1
    off = _model(epochs=3, score_each_iteration=True, regression_stop=-1, stopping_rounds=0)
    assert off.train(x=X, y="y", training_frame=frame).iterations == 3


def test_the_last_iteration_is_scored_when_time_runs_out(frame):
    # not reproducible: scoring then follows score_interval, so only the time rule scores the last
    model = _model(epochs=1e6, max_runtime_secs=0.3, stopping_rounds=0, reproducible=False)
    model.train(x=X, y="y", training_frame=frame)
    history = model.scoring_history()
    assert model.epoch_counter < 1e6
    assert history["iterations"].iloc[-1] == model.iterations


def test_epochs_zero_scores_the_initial_model_once(frame):
    model = _model(epochs=0).train(x=X, y="y", training_frame=frame)
    history = model.scoring_history()
    assert history["iterations"].tolist() == [0, 1]
    assert history["samples"].tolist() == [0.0, 0.0]


def test_custom_metric_is_scored_and_can_stop_training(frame):
    def mean_abs(actual, predicted, weights):
        return float(np.average(np.abs(actual - predicted), weights=weights))

    model = _model(epochs=40, score_each_iteration=True, custom_metric_func=mean_abs,
                   stopping_metric="custom", stopping_rounds=2)  # fmt: skip
    model.train(x=X, y="y", training_frame=frame)
    history = model.scoring_history()
    assert "training_custom" in history
    np.testing.assert_allclose(
        history["training_custom"].iloc[1:], history["training_mae"].iloc[1:]
    )
    perf = model.model_performance(frame)
    assert perf.custom_metric_value() == pytest.approx(perf.mae())


def test_model_performance_on_new_data_matches_scikit_learn(frame):
    weights = np.linspace(0.5, 2.0, len(frame))
    data = frame.assign(w=weights)
    reg = _model(epochs=5).train(x=X, y="y", training_frame=data, weights_column="w")
    perf = reg.model_performance(data)
    pred = reg.predict(data)["predict"].to_numpy()
    y = data["y"].to_numpy()
    assert perf.mse() == pytest.approx(skm.mean_squared_error(y, pred, sample_weight=weights))
    assert perf.mae() == pytest.approx(skm.mean_absolute_error(y, pred, sample_weight=weights))
    assert perf.r2() == pytest.approx(skm.r2_score(y, pred, sample_weight=weights))
    cls = _model(epochs=5).train(x=X, y="yc", training_frame=frame)
    perf = cls.model_performance(frame)
    probs = cls.predict(frame).iloc[:, 1:].to_numpy()
    codes = pd.Categorical(frame["yc"], categories=cls.predict(frame).columns[1:]).codes
    assert perf.logloss() == pytest.approx(skm.log_loss(codes, probs))
    assert cls.logloss(train=True) == cls.model_performance(train=True).logloss()
    both = cls.logloss(train=True, valid=True)
    assert set(both) == {"train", "valid"} and both["valid"] is None


def test_binomial_labels_use_the_max_f1_threshold(frame):
    data = frame.assign(yb=(frame["y"] > frame["y"].median()).astype(str))
    model = _model(epochs=5).train(x=X, y="yb", training_frame=data)
    threshold = model.model_performance(train=True).find_threshold_by_max_metric("f1")
    pred = model.predict(data)
    expected = np.where(pred["True"] >= threshold, "True", "False")
    assert (pred["predict"].astype(str) == expected).all()


def test_varimp_summary_and_printing(frame):
    model = _model(epochs=2).train(x=X, y="y", training_frame=frame)
    table = model.varimp(use_pandas=True)
    assert list(table.columns) == [
        "variable", "relative_importance", "scaled_importance", "percentage",
    ]  # fmt: skip
    assert table["scaled_importance"].max() == 1.0
    assert table["percentage"].sum() == pytest.approx(1.0)
    assert model.varimp()[0] == tuple(table.iloc[0])
    summary = model.summary()
    assert summary["type"].tolist() == ["Input", "Tanh", "Linear"]
    text = repr(model)
    for part in ("Status of Neuron Layers", "ModelMetricsRegression", "Scoring History",
                 "Variable Importances"):  # fmt: skip
        assert part in text


def test_quiet_and_verbose_console(frame, capsys):
    _model(epochs=2).train(x=X, y="y", training_frame=frame)
    assert capsys.readouterr() == ("", "")
    _model(epochs=2, quiet_mode=False, verbose=True, score_each_iteration=True).train(
        x=X, y="y", training_frame=frame
    )
    out = capsys.readouterr().out.splitlines()
    assert "training_rmse" in out[0] and len(out) == 4  # header, then rows 0, 1 and 2


def test_plot_draws_the_history(frame, tmp_path):
    model = _model(epochs=3, score_each_iteration=True).train(x=X, y="y", training_frame=frame)
    figure = model.plot(save_plot_path=str(tmp_path / "history.png"))
    line = figure.axes[0].lines[0]
    np.testing.assert_array_equal(line.get_ydata(), model.scoring_history()["training_deviance"])
    assert (tmp_path / "history.png").stat().st_size > 0
    with pytest.raises(tabdl.DataError, match="not in the scoring history"):
        model.plot(metric="auc")


@pytest.mark.parametrize("run", ["A1_reg", "A2_bin", "A3_mult", "A7_rdrop"])
def test_imported_models_report_what_h2o_stored(run):
    import json

    model = tabdl.import_mojo(DATA / "h2o" / run / "model.zip")
    info = json.loads((DATA / "h2o" / run / "info.json").read_text())
    history = model.scoring_history()
    np.testing.assert_allclose(history["samples"], info["sh"]["samples"])
    np.testing.assert_allclose(history["training_rmse"], pd.to_numeric(info["sh"]["training_rmse"]))
    assert [tuple(row) for row in model.varimp()] == [tuple(row) for row in info["varimp"]]
    summary = model.summary()
    np.testing.assert_allclose(
        pd.to_numeric(summary["mean_weight"], errors="coerce"),
        pd.to_numeric(pd.Series(info["summary"]["mean_weight"]), errors="coerce"),
    )
    assert "training samples" in repr(model)
    with pytest.raises(tabdl.DataError, match="pass test_data"):
        model.model_performance()
    perf = model.model_performance(DATA / "h2o" / "test.csv")
    assert perf.rmse() > 0


def test_an_imported_model_keeps_h2os_distribution_parameters():
    model = tabdl.import_mojo(DATA / "h2o_explain" / "D6_tweedie" / "model.zip")
    assert model.actual_params["tweedie_power"] == pytest.approx(1.3)


def test_scoring_schedule_interval_duty_cycle_and_samples(frame):
    common = dict(epochs=5, reproducible=False, stopping_rounds=0, train_samples_per_iteration=30)
    # the first and the last iterations only: H2O's 5 s interval is never reached
    default = _model(**common).train(x=X, y="y", training_frame=frame)
    assert default.iterations > 3
    assert default.scoring_history()["iterations"].tolist() == [0, 1, default.iterations]
    # no interval and a full duty cycle: every iteration
    every = _model(**common, score_interval=0, score_duty_cycle=1).train(
        x=X, y="y", training_frame=frame
    )
    assert every.scoring_history()["iterations"].tolist() == list(range(every.iterations + 1))
    # a zero duty cycle allows no scoring but the last (H2O's test is `share < duty cycle`)
    never = _model(**common, score_interval=0, score_duty_cycle=0).train(
        x=X, y="y", training_frame=frame
    )
    assert never.scoring_history()["iterations"].tolist() == [0, never.iterations]
    sampled = _model(epochs=1, score_training_samples=20, score_validation_samples=15).train(
        x=X, y="y", training_frame=frame, validation_frame=frame
    )
    train, valid = sampled.model_performance(train=True), sampled.model_performance(valid=True)
    assert 0 < train.nobs() < 60 and train.description.startswith("train (a sample of")
    assert 0 < valid.nobs() < 60 and valid.nobs() != train.nobs()


def test_a_sample_with_nothing_to_score_records_nan_and_training_goes_on(frame):
    data = frame.assign(y=np.where(np.arange(len(frame)) % 2 == 0, np.nan, frame["y"]))
    model = _model(epochs=2, score_training_samples=1, stopping_rounds=0)
    model.train(x=X, y="y", training_frame=data, validation_frame=data.assign(y=np.nan))
    history = model.scoring_history()
    assert model.epoch_counter >= 2 and history["iterations"].iloc[-1] == model.iterations
    assert history["validation_rmse"].isna().all()
    assert model.model_performance(valid=True) is None


def test_custom_metric_in_h2os_class_form(frame):
    class WeightedAbsoluteError:
        def map(self, predicted, actual, weight, offset, model):
            return [weight * abs(actual[0] - predicted[0]), weight]

        def reduce(self, left, right):
            return [left[0] + right[0], left[1] + right[1]]

        def metric(self, state):
            return state[0] / state[1]

    model = _model(epochs=2, custom_metric_func=WeightedAbsoluteError())
    model.train(x=X, y="y", training_frame=frame)
    history = model.scoring_history()
    np.testing.assert_allclose(
        history["training_custom"].iloc[1:], history["training_mae"].iloc[1:]
    )


def test_test_frames_without_weights_or_offset(frame):
    data = frame.assign(w=np.linspace(0.5, 2.0, len(frame)), off=0.1)
    weighted = _model(epochs=1).train(x=X, y="y", training_frame=data, weights_column="w")
    with pytest.warns(UserWarning, match="no weights column 'w'"):
        perf = weighted.model_performance(frame)
    assert perf.mse() == pytest.approx(
        skm.mean_squared_error(frame["y"], weighted.predict(frame)["predict"])
    )
    offset = _model(epochs=1).train(x=X, y="y", training_frame=data, offset_column="off")
    with pytest.raises(tabdl.DataError, match="lacks the offset column 'off'"):
        offset.model_performance(frame)


def test_model_metric_methods_take_h2o_keywords_and_flags(frame):
    model = _model(epochs=3).train(x=X, y="yc", training_frame=frame, validation_frame=frame)
    assert model.model_performance(train=True, valid=True).description == "train"
    assert (
        model.mean_per_class_error(valid=True)
        == model.model_performance(valid=True).mean_per_class_error()
    )
    assert np.isnan(model.auc())  # multinomial AUC is off by default (auc_type AUTO), as H2O
    macro = model.model_performance(frame, auc_type="MACRO_OVR").auc()
    probs = model.predict(frame).iloc[:, 1:].to_numpy()
    codes = pd.Categorical(frame["yc"], categories=model.predict(frame).columns[1:]).codes
    assert macro == pytest.approx(skm.roc_auc_score(codes, probs, multi_class="ovr"), rel=1e-9)
    binary = frame.assign(yb=(frame["y"] > frame["y"].median()).astype(str))
    model = _model(epochs=3).train(x=X, y="yb", training_frame=binary)
    assert model.F1(thresholds=[0.5])[0][0] == 0.5
    table = model.confusion_matrix(thresholds=0.5).table.as_data_frame()
    assert table.shape == (3, 5)


def test_progress_bar_counts_epochs(monkeypatch):
    import io

    from tabdl.report import console

    monkeypatch.setattr(console, "PROGRESS_DELAY", 0)
    stream = io.StringIO()
    params = {"quiet_mode": False, "verbose": False, "epochs": 2.0}
    bar = console.TrainingConsole(params, "Regression", False, stream=stream)
    bar.on_iteration(1.0)
    assert bar._bar.n == 1.0
    bar.on_iteration(2.5)  # overshoot (H2O's whole iterations) stops at the total
    assert bar._bar.n == 2.0
    bar.close()
    assert "/2.00 epochs" in stream.getvalue()
    quiet = console.TrainingConsole(
        {**params, "quiet_mode": True}, "Regression", False, stream=stream
    )
    assert quiet._bar is None
