"""Plots of what a model reports, with matplotlib (never opening a window by itself)."""

from __future__ import annotations

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
    import matplotlib.figure

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
    figure = matplotlib.figure.Figure(figsize=(7, 4.5))
    axes = figure.subplots()
    axes.plot(x, history[column], marker="o", label="training")
    if f"validation_{name}" in history:
        axes.plot(x, history[f"validation_{name}"], marker="o", label="validation")
    axes.set_xlabel(xlabel)
    axes.set_ylabel(name)
    axes.set_title(f"Scoring history: {name}")
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    if save_plot_path is not None:
        figure.savefig(save_plot_path)
    return figure
