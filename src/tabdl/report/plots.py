"""Plots of what a model reports, with matplotlib (never opening a window by itself).

Every function builds a :class:`matplotlib.figure.Figure` directly (not through ``pyplot``), so no
window opens and no global figure is left behind; it returns the figure and, with
``save_plot_path``, also writes it there. Curves of several frames (training, validation, ...) share
one chart: ``curves`` maps a frame's name to its metrics object.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from tabdl.errors import DataError

#: The history metric ``metric="AUTO"`` plots, per problem type (H2O's choice).
AUTO_METRIC = {
    "Binomial": "logloss",
    "Multinomial": "logloss",
    "Regression": "deviance",
    "AutoEncoder": "mse",
}
TIMESTEPS = {"AUTO": "epochs", "epochs": "epochs", "samples": "samples", "iterations": "iterations"}


def _seconds(duration: str) -> float:
    """Parse H2O's duration text (`` 1 min  2.500 sec``, `` 0.118 sec``, ``1:02:03.004``)."""
    text = duration.strip()
    if "min" in text:
        minutes, rest = text.split("min")
        return 60 * float(minutes) + float(rest.replace("sec", ""))
    if ":" in text:
        h, m, sec = text.split(":")
        return 3600 * float(h) + 60 * float(m) + float(sec)
    return float(text.replace("sec", ""))


def plot_scoring_history(
    history: pd.DataFrame,
    category: str,
    timestep: str = "AUTO",
    metric: str = "AUTO",
    save_plot_path: str | None = None,
):
    """Plot training (and validation) ``metric`` of a scoring history against ``timestep``.

    Returns the matplotlib Figure; with ``save_plot_path`` it is also written there.
    """
    name = AUTO_METRIC[category] if metric == "AUTO" else metric.lower()
    column = f"training_{name}"
    if column not in history.columns:
        options = sorted(c.removeprefix("training_") for c in history if c.startswith("training_"))
        raise DataError(f"metric {metric!r} is not in the scoring history; choose from {options}")
    if timestep == "duration":
        x = history["duration"].map(_seconds)
        xlabel = "duration (s)"
    elif timestep in TIMESTEPS:
        x = history[TIMESTEPS[timestep]]
        xlabel = TIMESTEPS[timestep]
    else:
        raise DataError(
            f"timestep must be one of {sorted([*TIMESTEPS, 'duration'])}; got {timestep!r}"
        )
    figure, axes = _figure()
    axes.plot(x, history[column], marker="o", label="training")
    if f"validation_{name}" in history:
        axes.plot(x, history[f"validation_{name}"], marker="o", label="validation")
    axes.set_xlabel(xlabel)
    axes.set_ylabel(name)
    axes.set_title(f"Scoring history: {name}")
    axes.grid(alpha=0.3)
    axes.legend()
    return _finish(figure, save_plot_path)


def _figure(width: float = 7, height: float = 4.5, ncols: int = 1) -> tuple[Any, Any]:
    """Return a new Figure (not registered with pyplot) and its axes."""
    import matplotlib.figure

    figure = matplotlib.figure.Figure(figsize=(width, height))
    return figure, figure.subplots(1, ncols)


def _finish(figure: Any, save_plot_path: str | None) -> Any:
    figure.tight_layout()
    if save_plot_path is not None:
        figure.savefig(save_plot_path)
    return figure


def plot_varimp(
    table: pd.DataFrame, num_of_features: int | None = None, save_plot_path: str | None = None
):
    """Bar chart of the scaled importances, the most important on top (h2o-py's ``varimp_plot``).

    ``table`` is :meth:`varimp` 's DataFrame; ``num_of_features`` bars are shown (default: 10, or
    all when fewer).
    """
    count = min(len(table), 10 if num_of_features is None else int(num_of_features))
    if count < 1:
        raise DataError(f"num_of_features must be at least 1; got {num_of_features!r}")
    top = table.head(count).iloc[::-1]
    figure, axes = _figure(7, max(2.5, 0.3 * count + 1.2))
    axes.barh(top["variable"].astype(str), top["scaled_importance"], color="#1f77b4")
    axes.set_xlabel("scaled importance")
    axes.set_xlim(0, 1.05)
    axes.set_title("Variable importance: Deep Learning")
    axes.grid(axis="x", alpha=0.3)
    return _finish(figure, save_plot_path)


def roc_points(metrics: Any) -> tuple[np.ndarray, np.ndarray]:
    """ROC curve of binomial metrics, from (0, 0) through every threshold to (1, 1)."""
    fprs, tprs = np.asarray(metrics.fprs, float), np.asarray(metrics.tprs, float)
    return np.concatenate([[0.0], fprs, [1.0]]), np.concatenate([[0.0], tprs, [1.0]])


def pr_points(metrics: Any) -> tuple[np.ndarray, np.ndarray]:
    """Precision-recall points of binomial metrics at every threshold (h2o-py's ``_plot_pr``)."""
    recalls = np.asarray(metrics.tprs, float)
    precisions = np.asarray([v for _, v in metrics.precision(thresholds="all")], float)
    return recalls, precisions


def plot_roc(curves: Mapping[str, Any], save_plot_path: str | None = None):
    """ROC curves (false against true positive rate) of binomial metrics, one line per frame."""
    figure, axes = _figure(5.5, 5)
    for name, metrics in curves.items():
        fpr, tpr = roc_points(metrics)
        axes.plot(fpr, tpr, label=f"{name} (AUC = {metrics.auc():.4f})")
    axes.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1)
    _unit_square(axes, "False Positive Rate (FPR)", "True Positive Rate (TPR)")
    axes.set_title("Receiver Operating Characteristic Curve")
    axes.legend(loc="lower right")
    return _finish(figure, save_plot_path)


def plot_precision_recall(curves: Mapping[str, Any], save_plot_path: str | None = None):
    """Precision-recall curves of binomial metrics, one line per frame."""
    figure, axes = _figure(5.5, 5)
    for name, metrics in curves.items():
        recall, precision = pr_points(metrics)
        axes.plot(recall, precision, label=f"{name} (AUCPR = {metrics.aucpr():.4f})")
    _unit_square(axes, "Recall (TP/(TP+FN))", "Precision (TP/(TP+FP))")
    axes.set_title("Precision Recall Curve")
    axes.legend(loc="lower left")
    return _finish(figure, save_plot_path)


def _unit_square(axes: Any, xlabel: str, ylabel: str) -> None:
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1.02)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.grid(alpha=0.3)


def plot_gains_lift(curves: Mapping[str, Any], save_plot_path: str | None = None):
    """Cumulative capture rate (gains) and cumulative lift against the fraction of rows."""
    figure, (gains, lift) = _figure(10, 4.2, ncols=2)
    for name, metrics in curves.items():
        table = metrics.gains_lift()
        if table is None:
            continue
        x = np.concatenate([[0.0], table["cumulative_data_fraction"].to_numpy(float)])
        gains.plot(x, np.concatenate([[0.0], table["cumulative_capture_rate"]]), label=name)
        lift.plot(x[1:], table["cumulative_lift"], marker=".", label=name)
    gains.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1)
    _unit_square(gains, "cumulative data fraction", "cumulative capture rate")
    gains.set_title("Gains")
    lift.axhline(1.0, color="grey", linestyle=":", linewidth=1)
    lift.set_xlabel("cumulative data fraction")
    lift.set_ylabel("cumulative lift")
    lift.set_title("Lift")
    lift.grid(alpha=0.3)
    for axes in (gains, lift):
        axes.legend()
    return _finish(figure, save_plot_path)


def plot_residuals(actual: Any, predicted: Any, save_plot_path: str | None = None):
    """Residuals (actual - predicted) against the prediction, and their histogram."""
    actual, predicted = np.asarray(actual, float), np.asarray(predicted, float)
    keep = ~(np.isnan(actual) | np.isnan(predicted))
    residuals = actual[keep] - predicted[keep]
    figure, (scatter, histogram) = _figure(10, 4.2, ncols=2)
    scatter.scatter(predicted[keep], residuals, s=12, alpha=0.6)
    scatter.axhline(0.0, color="grey", linestyle=":", linewidth=1)
    scatter.set_xlabel("predicted")
    scatter.set_ylabel("residual (actual - predicted)")
    scatter.set_title("Residuals against predictions")
    histogram.hist(residuals, bins=min(50, max(10, keep.sum() // 10)), color="#1f77b4")
    histogram.set_xlabel("residual (actual - predicted)")
    histogram.set_ylabel("rows")
    histogram.set_title("Distribution of residuals")
    for axes in (scatter, histogram):
        axes.grid(alpha=0.3)
    return _finish(figure, save_plot_path)


def plot_reconstruction_error(
    errors: Any, quantiles: tuple[float, ...] = (0.95, 0.99), save_plot_path: str | None = None
):
    """Histogram of per-row reconstruction errors (``Reconstruction.MSE``), with quantile lines."""
    errors = np.asarray(errors, float)
    errors = errors[~np.isnan(errors)]
    figure, axes = _figure()
    axes.hist(errors, bins=min(60, max(10, errors.size // 10)), color="#1f77b4")
    for q, style in zip(quantiles, ("--", ":", "-."), strict=False):
        value = float(np.quantile(errors, q))
        axes.axvline(value, color="#d62728", linestyle=style, label=f"{q:.0%} quantile {value:.4g}")
    axes.set_xlabel("reconstruction MSE per row")
    axes.set_ylabel("rows")
    axes.set_title("Reconstruction error distribution")
    axes.grid(alpha=0.3)
    if quantiles:
        axes.legend()
    return _finish(figure, save_plot_path)


#: ``perf.plot(type=...)``: the chart and what ``plot=False`` returns instead.
METRICS_PLOTS = {
    "roc": (plot_roc, lambda m: (m.fprs, m.tprs)),
    "pr": (plot_precision_recall, lambda m: tuple(list(v) for v in pr_points(m))),
    "gains_lift": (plot_gains_lift, lambda m: m.gains_lift()),
}


def metrics_plot(metrics: Any, type: str = "roc", save_plot_path: str | None = None, plot=True):  # noqa: A002
    """h2o-py's binomial ``perf.plot``: a Figure, or the curve's values with ``plot=False``."""
    if type not in METRICS_PLOTS:
        raise DataError(f"type must be one of {sorted(METRICS_PLOTS)}; got {type!r}")
    chart, values = METRICS_PLOTS[type]
    if not plot:
        return values(metrics)
    if type == "gains_lift" and metrics.gains_lift() is None:
        raise DataError("these metrics have no Gains/Lift table (computed with gainslift_bins=0)")
    return chart({metrics.description or "data": metrics}, save_plot_path)
