"""The model report: one self-contained HTML page per model, H2O Flow's model view offline.

:func:`report_html` assembles the page from sections, one function each, in Flow's order: the
overview, the parameters, the status of neuron layers, the scoring history, the variable
importances, the metrics of each frame (training, validation, cross-validation, and data given to
the report) with ROC, precision-recall and gains/lift charts and H2O's tables, the residuals of a
regression or the reconstruction errors of an autoencoder on the given data, and the
cross-validation summary. A section the model has nothing for is left out, or says what it needs.

The page is static: its style is inline, its charts are matplotlib figures embedded as PNG data
URIs, and it has no script, so it opens offline in any browser and prints as it shows.
"""

from __future__ import annotations

import math
import os
import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from tabdl.errors import DataError
from tabdl.frame import as_frame, numeric_values
from tabdl.report import html_parts as parts
from tabdl.report import plots
from tabdl.report.html_parts import Section

#: The history metric charted besides ``metric="AUTO"``'s, per problem type.
SECOND_HISTORY_METRIC = {
    "Binomial": "classification_error",
    "Multinomial": "classification_error",
    "Regression": "rmse",
}
#: Parameters whose values are too long to show whole.
_LONG_VALUE = 120


def write_report(
    model: Any, path: str | os.PathLike, data: Any = None, title: str | None = None
) -> str:
    """Write ``model``'s report to ``path`` (see :meth:`DeepLearningEstimator.report`)."""
    target = Path(path)
    if not target.parent.is_dir():
        raise DataError(
            f"cannot write the report to {target}: the folder {target.parent} does not exist"
        )
    page = report_html(model, data=data, title=title)
    temporary = target.with_name(target.name + ".partial")
    temporary.write_text(page, encoding="utf-8")
    temporary.replace(target)
    return str(target)


def report_html(model: Any, data: Any = None, title: str | None = None) -> str:
    """Return the report of ``model`` as one HTML page (``data``: a frame to score as well)."""
    model._require_fitted()
    source = None if data is None else _data_name(data)
    table = None if data is None else as_frame(data).table
    frames = frame_metrics(model, table, source)
    sections = [
        overview(model, source),
        parameters(model),
        neuron_layers(model),
        scoring_history(model),
        variable_importances(model),
        metrics_summary(frames),
        classifier_curves(frames),
        gains_lift(frames),
        metrics_tables(frames),
        residuals(model, table, source),
        reconstruction_errors(model, table, source),
        cross_validation(model),
    ]
    heading = title or f"Deep Learning model {model.model_id}"
    return parts.page(heading, [s for s in sections if s is not None])


# -- what the sections read ----------------------------------------------------------------------------


def _data_name(data: Any) -> str:
    """Name the given data in the report: a path's file name, else ``"data"``."""
    return Path(data).name if isinstance(data, (str, os.PathLike)) else "data"


def _quietly(read: Callable[[], Any]) -> Any:
    """Return ``read()``, or None where the model lacks it (a MOJO without history, ...)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return read()
        except DataError:
            return None


def frame_metrics(model: Any, table: Any, source: str | None) -> dict[str, Any]:
    """Return the model's metrics by frame: training, validation, cross-validation, and the given data."""
    found: dict[str, Any] = {}
    result = model._result
    if result is not None:
        found["training"] = result.training_metrics
        found["validation"] = result.validation_metrics
    cv = getattr(model, "_cv", None)
    found["cross-validation"] = None if cv is None else cv.metrics
    if table is not None:
        found[source or "data"] = model.model_performance(table)
    return {name: metrics for name, metrics in found.items() if metrics is not None}


def _category(model: Any) -> str:
    return model._fitted.category


# -- sections ------------------------------------------------------------------------------------------


def overview(model: Any, source: str | None) -> Section:
    """Describe the model: id, problem, response, training counters, origin."""
    fitted = model._fitted
    response = fitted.datainfo.response
    items = [
        ("model id", model.model_id),
        ("model category", _category(model)),
        ("response column", response if response is not None else "(none: autoencoder)"),
        ("predictor columns", len(fitted.datainfo.source_predictors)),
        ("expanded inputs", len(fitted.datainfo.coef_names())),
    ]
    if model._result is not None:
        items += [
            ("epochs", f"{model.epoch_counter:g}"),
            ("iterations", model.iterations),
            ("training samples", model.samples),
        ]
    else:
        items.append(("origin", "imported or loaded model without its training result"))
    if source is not None:
        items.append(("data scored for this report", source))
    return Section("overview", "Overview", parts.definitions(items))


def parameters(model: Any) -> Section:
    """List every parameter with its value and default: those that differ first, the rest folded."""
    changed, same = [], []
    for name, entry in model.params.items():
        actual, default = _shown(entry.get("actual")), _shown(entry.get("default"))
        (changed if actual != default else same).append((name, actual, default))
    columns = ["parameter", "value", "default"]
    body = parts.table(columns, changed, table_id="parameters-table")
    folded = parts.table(columns, same, table_id="default-parameters-table")
    note = parts.note(
        "The parameters that differ from H2O's defaults; the others are folded below."
    )
    return Section("parameters", "Parameters", note + body + parts.details(
        f"The other {len(same)} parameters, at their defaults", folded
    ))  # fmt: skip


def _shown(value: Any) -> str:
    text = "None" if value is None else str(value)
    return text if len(text) <= _LONG_VALUE else text[: _LONG_VALUE - 3] + "..."


def neuron_layers(model: Any) -> Section | None:
    """Show H2O's "Status of Neuron Layers" table, with its title line."""
    layers = _quietly(model.summary)
    if layers is None:
        return None
    header = _quietly(model.summary_header) or ""
    body = parts.paragraph(header) + parts.frame_table(layers, "neuron-layers-table")
    return Section("layers", "Status of Neuron Layers", body)


def scoring_history(model: Any) -> Section | None:
    """Chart training (and validation) metrics against epochs; fold the table."""
    history = _quietly(model.scoring_history)
    if history is None:
        return None
    category = _category(model)
    charts = [plots.plot_scoring_history(history, category)]
    second = SECOND_HISTORY_METRIC.get(category)
    if second is not None and f"training_{second}" in history:
        charts.append(plots.plot_scoring_history(history, category, metric=second))
    images = parts.charts(
        *(parts.image(f, f"scoring history {i + 1}") for i, f in enumerate(charts))
    )
    table = parts.details("Scoring history table", parts.frame_table(history, "history-table"))
    return Section("history", "Scoring History", images + table)


def variable_importances(model: Any) -> Section | None:
    """Chart the top 20 Gedeon variable importances; fold the whole table."""
    table = _quietly(lambda: model.varimp(use_pandas=True))
    if table is None:
        return None
    chart = plots.plot_varimp(table, num_of_features=min(len(table), 20))
    rows = parts.details("Variable importance table", parts.frame_table(table, "varimp-table"))
    return Section(
        "varimp", "Variable Importances", parts.image(chart, "variable importances") + rows
    )


def metrics_summary(frames: dict[str, Any]) -> Section | None:
    """Tabulate the scalar metrics H2O prints (MSE, logloss, AUC, ...), a column per frame."""
    if not frames:
        return None
    values = {name: dict(_scalars(m)) for name, m in frames.items()}
    names = list(dict.fromkeys(key for scalars in values.values() for key in scalars))
    rows = [[key, *(values[frame].get(key, "") for frame in frames)] for key in names]
    table = parts.table(["metric", *frames], rows, table_id="metrics-table")
    kinds = {type(m).__name__ for m in frames.values()}
    return Section("metrics", "Metrics", parts.note(", ".join(sorted(kinds))) + table)


def _scalars(metrics: Any) -> list[tuple[str, Any]]:
    """Split the ``name: value`` lines H2O prints for ``metrics``; values as numbers."""
    pairs = [line.split(": ", 1) for line in metrics._scalar_lines() if ": " in line]
    if metrics.custom_metric_name() is not None:
        pairs.append([metrics.custom_metric_name(), metrics.custom_metric_value()])
    return [("nobs", metrics.nobs()), *((name, _number(value)) for name, value in pairs)]


def _number(text: Any) -> Any:
    """Return ``text`` as a float where it is a number (``NaN`` stays text, as H2O prints it)."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        return text
    return text if math.isnan(value) else value


def _binomial(frames: dict[str, Any]) -> dict[str, Any]:
    """Keep the frames whose metrics have a ROC curve (binomial, with at least one bin)."""
    return {n: m for n, m in frames.items() if hasattr(m, "fprs") and len(m.fprs) > 0}


def classifier_curves(frames: dict[str, Any]) -> Section | None:
    """Chart a binomial model's ROC and precision-recall curves, one line per frame."""
    curves = _binomial(frames)
    if not curves:
        return None
    body = parts.charts(
        parts.image(plots.plot_roc(curves), "ROC curves"),
        parts.image(plots.plot_precision_recall(curves), "precision-recall curves"),
    )
    return Section("curves", "ROC and Precision-Recall Curves", body)


def gains_lift(frames: dict[str, Any]) -> Section | None:
    """Chart a binomial model's cumulative gains and lift, one line per frame."""
    curves = {n: m for n, m in _binomial(frames).items() if m.gains_lift() is not None}
    if not curves:
        return None
    return Section(
        "gainslift", "Gains and Lift", parts.image(plots.plot_gains_lift(curves), "gains")
    )


def metrics_tables(frames: dict[str, Any]) -> Section | None:
    """Show H2O's tables of each frame: confusion matrix, maximum metrics, gains/lift, hit ratios."""
    blocks = []
    for name, metrics in frames.items():
        tables = [t for t in metrics._table_items() if hasattr(t, "as_data_frame")]
        if not tables:
            continue
        body = "".join(parts.h2o_table(t, _table_id(name, t.header)) for t in tables)
        blocks.append(parts.subsection(f"On {name} data", body))
    if not blocks:
        return None
    return Section("tables", "Confusion Matrices and Metric Tables", "".join(blocks))


def _table_id(frame: str, header: str) -> str:
    """Name a metric table by frame and kind, without the threshold H2O puts in its header."""
    kind = re.split(r" for |:| @|\(", header, maxsplit=1)[0]
    return parts.slug(f"{frame} {kind}")


def residuals(model: Any, table: Any, source: str | None) -> Section | None:
    """Chart a regression's residuals on the given data, against the predictions and binned."""
    if _category(model) != "Regression":
        return None
    if table is None:
        return Section("residuals", "Residuals", parts.note(_NEEDS_DATA % "residuals"))
    response = model._fitted.datainfo.response
    actual = numeric_values(as_frame(table), response)
    predicted = _column(model.predict(table), "predict")
    chart = plots.plot_residuals(actual, predicted)
    text = parts.note(f"On {source}: {np.isfinite(actual - predicted).sum()} rows.")
    return Section("residuals", "Residuals", text + parts.image(chart, "residuals"))


def reconstruction_errors(model: Any, table: Any, source: str | None) -> Section | None:
    """Chart an autoencoder's per-row reconstruction error on the data; list the largest."""
    if _category(model) != "AutoEncoder":
        return None
    if table is None:
        return Section("reconstruction", "Reconstruction Error", parts.note(_NEEDS_DATA % "errors"))
    errors = _column(model.anomaly(table), "Reconstruction.MSE")
    chart = plots.plot_reconstruction_error(errors)
    order = np.argsort(-np.nan_to_num(errors, nan=-np.inf), kind="stable")[:10]
    rows = [[int(i), float(errors[i])] for i in order]
    largest = parts.table(["row", "Reconstruction.MSE"], rows, table_id="largest-errors-table")
    text = parts.note(f"On {source}: the rows with the largest errors are the likeliest anomalies.")
    body = text + parts.image(chart, "reconstruction errors") + largest
    return Section("reconstruction", "Reconstruction Error", body)


_NEEDS_DATA = "The %s need data: model.report(path, data=frame), or tabdl report MODEL --data DATA."


def _column(result: Any, name: str) -> np.ndarray:
    """Return one column of a prediction result (pandas, polars or Arrow) as floats."""
    column = result[name] if not hasattr(result, "column") else result.column(name)
    return np.asarray(column, dtype=float)


def cross_validation(model: Any) -> Section | None:
    """Show H2O's cross-validation summary: mean, sd and each fold's value of every metric."""
    cv = getattr(model, "_cv", None)
    if cv is None or cv.summary is None:
        return None
    body = parts.h2o_table(cv.summary, "cross-validation-summary")
    return Section("cv", "Cross-Validation Metrics Summary", body)
