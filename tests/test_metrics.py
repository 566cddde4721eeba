"""tabdl.metrics: values against scikit-learn and closed forms, the accessors, the dict and printed forms.

H2O's own numbers are checked in tests/test_metrics_h2o.py. Here the oracles are scikit-learn (with
sample weights) where it computes the same quantity, and closed forms where it does not. Actual
values are drawn as float32 numbers, because H2O (and tabdl) round regression actuals to float32.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import integrate
from sklearn import metrics as skm

from tabdl.errors import DataError
from tabdl.metrics import (
    H2OTable,
    ModelMetricsAutoEncoder,
    ModelMetricsBinomial,
    ModelMetricsMultinomial,
    ModelMetricsRegression,
    autoencoder_metrics,
    binomial_metrics,
    multinomial_metrics,
    regression_metrics,
)

TOL = 1e-12


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def _f32(x: np.ndarray) -> np.ndarray:
    return np.asarray(x, dtype=np.float32).astype(np.float64)


def _binary_case(rng, n=600, levels=40, weighted=True):
    """Few distinct probabilities (so H2O's histogram is exact), labels drawn from them."""
    palette = np.round(rng.uniform(0.02, 0.98, levels), 3)
    p1 = rng.choice(palette, n)
    y = (rng.random(n) < p1).astype(int)
    w = rng.choice([0.5, 1.0, 2.0, 3.0], n) if weighted else None
    return y, np.column_stack([1 - p1, p1]), w


def _multi_case(rng, n=700, k=4, levels=30, weighted=True):
    logits = rng.normal(0, 1.3, (levels, k))
    palette = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    probs = palette[rng.integers(0, levels, n)]
    y = np.array([rng.choice(k, p=p) for p in probs])
    w = rng.choice([0.5, 1.0, 2.0], n) if weighted else None
    return y, probs, w


# -- regression against scikit-learn ------------------------------------------------------------------


def test_regression_mse_mae_r2_equal_sklearn_with_weights(rng):
    y = _f32(rng.normal(3, 2, 500))
    f = y + rng.normal(0, 0.7, 500)
    w = rng.uniform(0.1, 3, 500)
    m = regression_metrics(y, f, w)
    assert m.mse() == pytest.approx(skm.mean_squared_error(y, f, sample_weight=w), rel=TOL)
    assert m.rmse() == pytest.approx(math.sqrt(m.mse()), rel=TOL)
    assert m.mae() == pytest.approx(skm.mean_absolute_error(y, f, sample_weight=w), rel=TOL)
    assert m.r2() == pytest.approx(skm.r2_score(y, f, sample_weight=w), rel=1e-10)
    assert m.mean_residual_deviance() == m.mse()  # gaussian deviance is the MSE


def test_regression_rmsle_equals_sklearn_and_is_nan_below_minus_one(rng):
    y = _f32(rng.uniform(0, 5, 300))
    f = rng.uniform(0, 5, 300)
    w = rng.uniform(0.5, 2, 300)
    m = regression_metrics(y, f, w)
    expected = skm.root_mean_squared_log_error(y, f, sample_weight=w)
    assert m.rmsle() == pytest.approx(expected, rel=TOL)
    f[3] = -1.5
    assert math.isnan(regression_metrics(y, f, w).rmsle())


@pytest.mark.parametrize(
    ("distribution", "kw", "oracle"),
    [
        ("poisson", {}, lambda y, f, w: skm.mean_poisson_deviance(y, f, sample_weight=w)),
        ("gamma", {}, lambda y, f, w: skm.mean_gamma_deviance(y, f, sample_weight=w)),
        (
            "tweedie",
            {"tweedie_power": 1.3},
            lambda y, f, w: skm.mean_tweedie_deviance(y, f, sample_weight=w, power=1.3),
        ),
        ("laplace", {}, lambda y, f, w: skm.mean_absolute_error(y, f, sample_weight=w)),
        (
            "quantile",
            {"quantile_alpha": 0.8},
            lambda y, f, w: skm.mean_pinball_loss(y, f, sample_weight=w, alpha=0.8),
        ),
    ],
)
def test_deviances_equal_sklearn_unit_deviances(rng, distribution, kw, oracle):
    """H2O 3.46's deviances are the full unit deviances (saturated terms included)."""
    n = 400
    f = np.exp(rng.normal(0.3, 0.5, n))
    y = _f32(rng.gamma(2.0, f / 2.0)) if distribution != "poisson" else rng.poisson(f).astype(float)
    w = rng.uniform(0.2, 2.5, n)
    m = regression_metrics(y, f, w, distribution=distribution, **kw)
    assert m.mean_residual_deviance() == pytest.approx(oracle(y, f, w), rel=1e-10)


def test_huber_deviance_closed_form_and_default_delta(rng):
    y = _f32(rng.standard_t(3, 300))
    f = rng.normal(0, 0.5, 300)
    w = rng.choice([1.0, 2.0], 300)
    m = regression_metrics(y, f, w, distribution="huber", huber_delta=0.7)
    r = np.abs(y - f)
    expected = np.where(r <= 0.7, w * r**2, w * (2 * r - 0.7) * 0.7).sum() / w.sum()
    assert m.mean_residual_deviance() == pytest.approx(expected, rel=TOL)
    assert m.huber_delta() == 0.7
    # without huber_delta: H2O's weighted quantile of |y - f| at huber_alpha; with integer weights it
    # is the interpolated order statistic of the sample repeated by weight
    auto = regression_metrics(y, f, w, distribution="huber", huber_alpha=0.9)
    repeated = np.repeat(np.abs(y - f), w.astype(int))
    assert auto.huber_delta() == pytest.approx(np.quantile(repeated, 0.9), rel=TOL)


def test_rows_with_missing_actual_prediction_or_zero_weight_are_left_out(rng):
    y = _f32(rng.normal(size=50))
    f = rng.normal(size=50)
    w = rng.uniform(0.5, 2, 50)
    y_holes, f_holes, w_holes = y.copy(), f.copy(), w.copy()
    y_holes[[1, 7]] = np.nan
    f_holes[3] = np.nan
    w_holes[[10, 11]] = 0.0
    keep = np.ones(50, bool)
    keep[[1, 7, 3, 10, 11]] = False
    holes = regression_metrics(y_holes, f_holes, w_holes)
    clean = regression_metrics(y[keep], f[keep], w[keep])
    assert holes.nobs() == 45
    assert holes.to_dict() == clean.to_dict()


def test_actuals_are_rounded_to_float32_as_h2o_does():
    y = np.array([0.1, 0.2, 0.3])  # not float32 numbers
    m = regression_metrics(y, np.zeros(3))
    assert m.mse() == pytest.approx(np.mean(_f32(y) ** 2), rel=TOL)
    assert m.mse() != pytest.approx(np.mean(y**2), rel=1e-12)


# -- binomial against scikit-learn --------------------------------------------------------------------


def test_binomial_logloss_auc_mse_equal_sklearn(rng):
    y, probs, w = _binary_case(rng)
    m = binomial_metrics(y, probs, w, domain=["no", "yes"])
    assert m.logloss() == pytest.approx(skm.log_loss(y, probs[:, 1], sample_weight=w), rel=TOL)
    assert m.auc() == pytest.approx(skm.roc_auc_score(y, probs[:, 1], sample_weight=w), rel=TOL)
    assert m.gini() == pytest.approx(2 * m.auc() - 1, rel=TOL)
    assert m.mse() == pytest.approx(skm.brier_score_loss(y, probs[:, 1], sample_weight=w), rel=TOL)


def _interpolated_pr_area(tps: np.ndarray, fps: np.ndarray) -> float:
    """Area under precision(recall) when TP and FP grow linearly between thresholds (quadrature)."""
    p = tps[-1]
    area, tp0, fp0 = 0.0, 0.0, 0.0
    for tp1, fp1 in zip(tps, fps, strict=True):
        if tp1 > tp0:

            def precision(r, tp0=tp0, fp0=fp0, tp1=tp1, fp1=fp1):
                t = (r * p - tp0) / (tp1 - tp0)
                tp, fp = tp0 + t * (tp1 - tp0), fp0 + t * (fp1 - fp0)
                return tp / (tp + fp)

            area += integrate.quad(precision, tp0 / p, tp1 / p, epsabs=1e-14, epsrel=1e-13)[0]
        tp0, fp0 = tp1, fp1
    return area


def test_aucpr_is_h2o_interpolated_area_not_the_trapezoid_rule(rng):
    y, probs, w = _binary_case(rng)
    m = binomial_metrics(y, probs, w, domain=["no", "yes"])
    table = m.thresholds_and_metric_scores()
    # weighted TP and FP at or above each distinct probability, highest first
    thresholds = np.unique(probs[:, 1])[::-1]
    above = probs[:, 1][None, :] >= thresholds[:, None]
    tps, fps = (above * (w * y)).sum(axis=1), (above * (w * (1 - y))).sum(axis=1)
    np.testing.assert_array_equal(thresholds, table["threshold"])
    assert m.aucpr() == pytest.approx(_interpolated_pr_area(tps, fps), rel=1e-10)
    precision, recall, _ = skm.precision_recall_curve(y, probs[:, 1], sample_weight=w)
    trapezoid = skm.auc(recall, precision)
    assert abs(m.aucpr() - trapezoid) > 1e-6  # H2O 3.46 does not use the trapezoid rule
    assert m.aucpr() == pytest.approx(trapezoid, abs=0.02)


def test_default_threshold_confusion_matrix_and_errors_equal_sklearn(rng):
    y, probs, w = _binary_case(rng)
    m = binomial_metrics(y, probs, w, domain=["no", "yes"])
    t = m.default_threshold()
    predicted = (probs[:, 1] >= t).astype(int)
    cm = skm.confusion_matrix(y, predicted, sample_weight=w)
    np.testing.assert_allclose(m._default_cm(), cm, rtol=TOL)
    assert m.classification_error() == pytest.approx(
        1 - skm.accuracy_score(y, predicted, sample_weight=w), rel=TOL
    )
    assert m.default_mean_per_class_error() == pytest.approx(
        1 - skm.balanced_accuracy_score(y, predicted, sample_weight=w), rel=TOL
    )
    assert m.F1().value == pytest.approx(skm.f1_score(y, predicted, sample_weight=w), rel=TOL)
    # max F1: no threshold of the table does better
    assert m.F1().value == max(m.metric("f1", thresholds="all").value)


def test_threshold_accessors_follow_h2o_py(rng):
    y, probs, w = _binary_case(rng, weighted=False)
    m = binomial_metrics(y, probs, domain=["no", "yes"])
    t = m.find_threshold_by_max_metric("f1")
    assert t == m.default_threshold()
    assert m.find_idx_by_threshold(t) == m.max_metrics_table().rows[0][3]
    other = m.thresholds_and_metric_scores()["threshold"].iloc[5]
    at = m.metric("accuracy", thresholds=[other, t])
    assert [row[0] for row in at] == [other, t]
    assert at.value == [row[1] for row in at]
    predicted = (probs[:, 1] >= t).astype(int)
    assert m.accuracy(thresholds=t).value == pytest.approx(
        skm.accuracy_score(y, predicted), rel=TOL
    )
    assert m.recall(t).value == pytest.approx(skm.recall_score(y, predicted), rel=TOL)
    assert m.precision(t).value == pytest.approx(skm.precision_score(y, predicted), rel=TOL)
    tn, fp, fn, tp = skm.confusion_matrix(y, predicted).ravel()
    assert m.specificity(t).value == pytest.approx(tn / (tn + fp), rel=TOL)
    recall_0 = tn / (tn + fp)
    assert m.max_per_class_error(t).value == pytest.approx(
        1 - min(recall_0, tp / (tp + fn)), rel=TOL
    )
    assert m.mean_per_class_error(thresholds=t)[0][0] == t
    with pytest.warns(UserWarning, match="closest threshold"):
        m.find_idx_by_threshold(0.123456789)
    fprs, tprs = m.roc()
    assert len(fprs) == len(tprs) == len(m.thresholds_and_metric_scores())


def test_binomial_confusion_matrix_object_as_h2o_py(rng):
    y, probs, _ = _binary_case(rng, weighted=False)
    m = binomial_metrics(y, probs, domain=["no", "yes"])
    cm = m.confusion_matrix()
    frame = cm.table.as_data_frame()
    assert list(frame.columns) == ["", "no", "yes", "Error", "Rate"]
    assert frame[""].tolist() == ["no", "yes", "Total"]
    predicted = (probs[:, 1] >= m.default_threshold()).astype(int)
    assert cm.to_list() == skm.confusion_matrix(y, predicted).tolist()
    assert "Confusion Matrix (Act/Pred) for max f1 @ threshold" in str(cm)
    both = m.confusion_matrix(metrics=["f1", "accuracy"])
    assert len(both) == 2 and "max accuracy" in both[1].table.header


def test_gains_lift_groups(rng):
    y, probs, w = _binary_case(rng, n=2000, levels=300)
    m = binomial_metrics(y, probs, domain=["no", "yes"], gainslift_bins=10)
    gl = m.gains_lift()
    assert len(gl) == 10 and gl["cumulative_data_fraction"].iloc[-1] == 1.0
    top = probs[:, 1] >= gl["lower_threshold"].iloc[0]
    assert gl["response_rate"].iloc[0] == pytest.approx(y[top].mean(), rel=TOL)
    assert m.lift_top_group() == pytest.approx(y[top].mean() / y.mean(), rel=TOL)
    assert gl.as_data_frame().equals(gl)  # h2o-py code calls .as_data_frame() on it
    none = binomial_metrics(y, probs, domain=["no", "yes"], gainslift_bins=0)
    assert none.gains_lift() is None and math.isnan(none.lift_top_group())


def test_many_distinct_probabilities_are_binned_to_400_thresholds(rng):
    n = 5000
    p1 = rng.uniform(size=n)
    y = (rng.random(n) < p1).astype(int)
    m = binomial_metrics(y, np.column_stack([1 - p1, p1]), domain=["a", "b"])
    assert len(m.thresholds_and_metric_scores()) == 400
    assert m.auc() == pytest.approx(skm.roc_auc_score(y, p1), abs=1e-3)


# -- multinomial against scikit-learn -----------------------------------------------------------------


def test_multinomial_logloss_confusion_matrix_errors_equal_sklearn(rng):
    y, probs, w = _multi_case(rng)
    m = multinomial_metrics(y, probs, w, domain=["a", "b", "c", "d"])
    assert m.logloss() == pytest.approx(skm.log_loss(y, probs, sample_weight=w), rel=TOL)
    predicted = probs.argmax(axis=1)
    # H2O counts the confusion matrix, its error and mean per-class error unweighted
    cm = skm.confusion_matrix(y, predicted)
    assert m.confusion_matrix().to_list() == cm.tolist()
    assert m.classification_error() == pytest.approx(1 - skm.accuracy_score(y, predicted), rel=TOL)
    assert m.mean_per_class_error() == pytest.approx(
        1 - skm.balanced_accuracy_score(y, predicted), rel=TOL
    )
    sq = (1 - probs[np.arange(len(y)), y]) ** 2
    assert m.mse() == pytest.approx(np.average(sq, weights=w), rel=TOL)


def test_hit_ratios_equal_top_k_accuracy(rng):
    y, probs, _ = _multi_case(rng, weighted=False)
    m = multinomial_metrics(y, probs, domain=list("abcd"))
    expected = [skm.top_k_accuracy_score(y, probs, k=k, labels=range(4)) for k in (1, 2, 3)]
    np.testing.assert_allclose(m.hit_ratios(), [*expected, 1.0], rtol=1e-6)  # H2O keeps float32
    table = m.hit_ratio_table()
    assert table.header == "Top-4 Hit Ratios" and table["k"] == ["1", "2", "3", "4"]


def test_weighted_hit_ratios_count_the_first_rank_unweighted_as_h2o(rng):
    y, probs, w = _multi_case(rng)
    m = multinomial_metrics(y, probs, w, domain=list("abcd"))
    rank = (probs > probs[np.arange(len(y)), y][:, None]).sum(axis=1)
    hits = [np.sum(rank == 0)] + [np.sum(w[rank == r]) for r in (1, 2, 3)]
    expected = np.cumsum(np.array(hits) / w.sum())
    np.testing.assert_allclose(m.hit_ratios(), expected, rtol=1e-6)


@pytest.mark.parametrize(
    ("auc_type", "multi_class", "average", "weighted"),
    [
        ("MACRO_OVR", "ovr", "macro", True),
        ("WEIGHTED_OVR", "ovr", "weighted", True),
        ("MACRO_OVO", "ovo", "macro", False),  # scikit-learn's OVO takes no sample weights
        ("WEIGHTED_OVO", "ovo", "weighted", False),
    ],
)
def test_multinomial_auc_equals_sklearn(rng, auc_type, multi_class, average, weighted):
    y, probs, w = _multi_case(rng, weighted=weighted)
    m = multinomial_metrics(y, probs, w, domain=list("abcd"), auc_type=auc_type)
    expected = skm.roc_auc_score(
        y, probs, multi_class=multi_class, average=average, sample_weight=w
    )
    assert m.auc() == pytest.approx(expected, rel=TOL)


def test_multinomial_auc_tables_per_class_and_pair(rng):
    y, probs, w = _multi_case(rng)
    m = multinomial_metrics(y, probs, w, domain=list("abcd"), auc_type="MACRO_OVR")
    table = m.multinomial_auc_table().as_data_frame()
    assert table["type"].tolist()[:6] == [
        "a vs Rest",
        "b vs Rest",
        "c vs Rest",
        "d vs Rest",
        "Macro OVR",
        "Weighted OVR",
    ]
    for i, d in enumerate("abcd"):
        expected = skm.roc_auc_score(y == i, probs[:, i], sample_weight=w)
        assert table["auc"].iloc[i] == pytest.approx(expected, rel=TOL), d
    pair = table[table["type"] == "Class a vs. c"].iloc[0]
    rows = (y == 0) | (y == 2)
    both = (
        skm.roc_auc_score(y[rows] == 2, probs[rows, 2], sample_weight=w[rows])
        + skm.roc_auc_score(y[rows] == 0, probs[rows, 0], sample_weight=w[rows])
    ) / 2
    assert pair["auc"] == pytest.approx(both, rel=TOL)
    assert m.multinomial_aucpr_table().columns[-1] == "auc_pr"


@pytest.mark.parametrize("auc_type", ["AUTO", "NONE"])
def test_multinomial_auc_is_nan_for_auto_and_none(rng, auc_type):
    y, probs, _ = _multi_case(rng, weighted=False)
    m = multinomial_metrics(y, probs, domain=list("abcd"), auc_type=auc_type)
    assert math.isnan(m.auc()) and math.isnan(m.aucpr())
    assert m.multinomial_auc_table() is None
    assert "AUC table was not computed" in str(m)


def test_large_confusion_matrix_is_left_out_of_the_printed_form(rng):
    k = 25
    probs = rng.dirichlet(np.ones(k), 300)
    y = rng.integers(0, k, 300)
    domain = [f"c{i}" for i in range(k)]
    m = multinomial_metrics(y, probs, domain=domain)
    assert "too large to print (25 classes > max_confusion_matrix_size = 20)" in str(m)
    assert m.confusion_matrix().matrix.shape == (k, k)
    shown = multinomial_metrics(y, probs, domain=domain, max_confusion_matrix_size=30)
    assert "Row labels: Actual class" in str(shown)
    assert len(m.hit_ratios()) == 10


# -- autoencoder --------------------------------------------------------------------------------------


def test_autoencoder_mse_is_the_mean_row_error(rng):
    e = rng.gamma(2, 0.1, 200)
    e[5] = np.nan
    m = autoencoder_metrics(e)
    assert m.mse() == pytest.approx(np.nanmean(e), rel=TOL)
    assert m.rmse() == pytest.approx(math.sqrt(np.nanmean(e)), rel=TOL)
    assert m.nobs() == 200
    w = rng.uniform(0.5, 2, 200)
    weighted = autoencoder_metrics(e, w)
    keep = ~np.isnan(e)
    assert weighted.mse() == pytest.approx(np.average(e[keep], weights=w[keep]), rel=TOL)
    assert str(m).startswith("ModelMetricsAutoEncoder: deeplearning")


# -- custom metrics -----------------------------------------------------------------------------------


class CustomRmse:
    """H2O's documented custom-metric form."""

    def map(self, pred, act, w, o, model):
        idx = int(act[0])
        err = 1 - pred[idx + 1] if idx + 1 < len(pred) else 1
        return [w * err * err, w]

    def reduce(self, left, right):
        return [left[0] + right[0], left[1] + right[1]]

    def metric(self, state):
        return math.sqrt(state[0] / state[1])


class CustomMae:
    def map(self, pred, act, w, o, model):
        return [w * abs(act[0] - pred[0]), w]

    def reduce(self, left, right):
        return [left[0] + right[0], left[1] + right[1]]

    def metric(self, state):
        return state[0] / state[1]


def test_custom_metric_in_h2o_form(rng):
    y, probs, w = _multi_case(rng, n=200)
    m = multinomial_metrics(y, probs, w, domain=list("abcd"), custom_metric=CustomRmse)
    assert m.custom_metric_name() == "CustomRmse"
    assert m.custom_metric_value() == pytest.approx(m.rmse(), rel=TOL)
    yb, pb, wb = _binary_case(rng, n=200)
    mb = binomial_metrics(yb, pb, wb, domain=["n", "y"], custom_metric=CustomRmse())
    assert mb.custom_metric_value() == pytest.approx(mb.rmse(), rel=TOL)
    yr = _f32(rng.normal(size=100))
    fr = rng.normal(size=100)
    mr = regression_metrics(yr, fr, custom_metric=CustomMae)
    assert mr.custom_metric_value() == pytest.approx(mr.mae(), rel=TOL)


def test_custom_metric_as_a_function(rng):
    y = _f32(rng.normal(size=100))
    f = rng.normal(size=100)

    def max_error(actual, predicted, weights):
        return float(np.max(np.abs(actual - predicted)))

    m = regression_metrics(y, f, custom_metric=max_error, description="train")
    assert m.custom_metric_name() == "max_error"
    assert m.custom_metric_value() == pytest.approx(skm.max_error(y, f), rel=TOL)
    assert "max_error: " in str(m).split("\n")[3]
    with pytest.raises(DataError, match="custom_metric must be"):
        regression_metrics(y, f, custom_metric=42)


# -- dict and printed forms -------------------------------------------------------------------------


def _all_kinds(rng):
    y, probs, w = _binary_case(rng, n=300)
    ym, pm, wm = _multi_case(rng, n=300)
    yr = _f32(rng.normal(size=300))
    return [
        regression_metrics(yr, yr + 0.5, distribution="huber", custom_metric=CustomMae),
        binomial_metrics(y, probs, w, domain=["no", "yes"], description="validation"),
        multinomial_metrics(ym, pm, wm, domain=list("abcd"), auc_type="WEIGHTED_OVO"),
        autoencoder_metrics(rng.gamma(2, 0.1, 50)),
    ]


def test_to_dict_is_json_and_from_dict_rebuilds_an_equal_object(rng):
    for m in _all_kinds(rng):
        text = json.dumps(m.to_dict())
        back = type(m).from_dict(json.loads(text))
        assert back == m
        assert str(back) == str(m)
        assert back.custom_metric_value() == m.custom_metric_value()
        assert back.mse() == m.mse() and back.nobs() == m.nobs()
    with pytest.raises(DataError, match="ModelMetricsBinomial"):
        ModelMetricsBinomial.from_dict(_all_kinds(rng)[0].to_dict())


def test_printed_form_follows_h2o_py(rng):
    reg, binom, multi, ae = _all_kinds(rng)
    lines = str(binom).split("\n")
    assert lines[:4] == [
        "ModelMetricsBinomial: deeplearning",
        "** Reported on validation data. **",
        "",
        lines[3],
    ]
    assert lines[3].startswith("MSE: ")
    assert [ln.split(":")[0] for ln in lines[3:10]] == [
        "MSE",
        "RMSE",
        "LogLoss",
        "Mean Per-Class Error",
        "AUC",
        "AUCPR",
        "Gini",
    ]
    assert "Maximum Metrics: Maximum metrics at their respective thresholds" in lines
    reg_lines = str(reg).split("\n")
    assert reg_lines[1] == "** Reported on test data. **" and reg_lines[3].startswith("CustomMae: ")
    assert not any(ln.startswith("R^2") for ln in reg_lines)  # h2o-py shows R^2 for GLM only
    assert isinstance(multi, ModelMetricsMultinomial) and "AUC: " in str(multi)
    assert isinstance(reg, ModelMetricsRegression) and isinstance(ae, ModelMetricsAutoEncoder)
    assert repr(binom) == str(binom)


def test_h2o_table():
    t = H2OTable("Top-2 Hit Ratios", ["k", "hit_ratio"], [["1", 0.5], ["2", 1.0]], description="")
    assert t.as_data_frame()["hit_ratio"].tolist() == [0.5, 1.0]
    assert str(t).split("\n") == [
        "Top-2 Hit Ratios: ",
        "k    hit_ratio",
        "---  -----------",
        "1    0.5",
        "2    1",
    ]
    assert H2OTable.from_dict(t.to_dict()).rows == t.rows
    long = H2OTable("T", ["x"], [[i] for i in range(30)])
    assert "---" in str(long).split("\n")[13] and "[30 rows x 1 columns]" in str(long)


# -- errors -------------------------------------------------------------------------------------------


def test_errors_name_the_problem():
    y = np.array([0.0, 1.0, 1.0])
    probs = np.array([[0.3, 0.7], [0.6, 0.4], [0.2, 0.8]])
    with pytest.raises(DataError, match="actual has 3 rows but predicted has 2"):
        regression_metrics(y, [1.0, 2.0])
    with pytest.raises(DataError, match=r"shape \(n, 2\) for binomial"):
        binomial_metrics(y, probs[:, 1], domain=["a", "b"])
    with pytest.raises(DataError, match=r"shape \(n, 3\) for multinomial"):
        multinomial_metrics(y, probs, domain=["a", "b", "c"])
    with pytest.raises(DataError, match="no rows left to score"):
        regression_metrics([np.nan, 1.0], [1.0, 2.0], [1.0, 0.0])
    with pytest.raises(DataError, match="unknown distribution 'bernoulli'"):
        regression_metrics(y, y, distribution="bernoulli")
    with pytest.raises(DataError, match="unknown auc_type 'MICRO'"):
        multinomial_metrics(y, np.c_[probs, np.zeros(3)], domain=list("abc"), auc_type="MICRO")
    with pytest.raises(DataError, match="class codes 0..1"):
        binomial_metrics([0, 2, 1], probs, domain=["a", "b"])
    with pytest.raises(DataError, match=r"lie in \[0, 1\]"):
        binomial_metrics(y, probs * 2, domain=["a", "b"])
    with pytest.raises(DataError, match="weights must be finite and non-negative"):
        regression_metrics(y, y, [1.0, -1.0, 1.0])
    with pytest.raises(DataError, match="tweedie_power"):
        regression_metrics(y + 1, y + 1, distribution="tweedie", tweedie_power=2.5)
    with pytest.raises(DataError, match="2 class labels in domain"):
        binomial_metrics(y, probs, domain=["a", "b", "c"])
    with pytest.raises(DataError, match="chunk_rows"):
        regression_metrics(y, y, chunk_rows=[1, 1])
