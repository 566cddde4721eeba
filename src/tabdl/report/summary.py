"""The printed form of a model, as H2O's Python client shows it.

Model details, the "Status of Neuron Layers" table, the metrics on each frame, the scoring history
and the variable importances, each when the model has it.
"""

from __future__ import annotations

import warnings
from typing import Any

import pandas as pd


def _table(frame: pd.DataFrame, max_rows: int = 20) -> str:
    with pd.option_context("display.width", 200, "display.max_columns", 50):
        shown = frame.astype(object).where(frame.notna(), "")
        if len(frame) > max_rows:
            half = max_rows // 2
            lines = shown.to_string(index=False).splitlines()
            skipped = f"... {len(frame) - 2 * half} more rows ..."
            return "\n".join([*lines[: half + 1], skipped, *lines[-half:]])
        return shown.to_string(index=False)


def model_text(model: Any) -> str:
    """Return the text H2O prints for a Deep Learning model (``print(model)``)."""
    lines = [
        "Model Details",
        "=============",
        f"{type(model).__name__} : Deep Learning",
        f"Model Key: {model.model_id}",
        "",
    ]
    not_stored = getattr(model, "_not_stored", ())
    if not_stored:
        lines += [f"Loaded from a file that could not store: {', '.join(not_stored)}", ""]
    lines += [model.summary_header(), _table(model.summary()), ""]
    result = model._result
    if result is not None:
        for metrics in (result.training_metrics, result.validation_metrics):
            if metrics is not None:
                lines += [repr(metrics), ""]
    cv = getattr(model, "_cv", None)
    if cv is not None:
        lines += [repr(cv.metrics), "", "Cross-Validation Metrics Summary: ", str(cv.summary), ""]
    if result is not None or model._imported_table("scoring_history") is not None:
        lines += ["Scoring History: ", _table(model.scoring_history()), ""]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        varimp = model.varimp(use_pandas=True)
    if varimp is not None:
        lines += ["Variable Importances: ", _table(varimp), ""]
    return "\n".join(lines)
