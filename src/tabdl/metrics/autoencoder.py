"""Autoencoder metrics (H2O's ``ModelMetricsAutoEncoder``): the mean per-row reconstruction MSE.

H2O's Deep Learning scores an autoencoder by its per-row reconstruction error (``model.anomaly``)
and reports their plain mean (``Vec.mean()``: rows with a missing error are ignored, weights are
not used) as MSE, with RMSE its square root. Passing ``weights`` gives the weighted mean instead, a
tabdl extension: leave it None to reproduce H2O.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from tabdl.errors import NothingToScoreError
from tabdl.metrics import _inputs, custom
from tabdl.metrics._chunks import h2o_sum
from tabdl.metrics.base import ModelMetricsBase


class ModelMetricsAutoEncoder(ModelMetricsBase):
    """Autoencoder metrics: MSE and RMSE of the reconstruction (see :func:`autoencoder_metrics`)."""

    schema = "ModelMetricsAutoEncoder"


def autoencoder_metrics(
    row_mse: Any,
    weights: Any = None,
    *,
    custom_metric: Callable | object | None = None,
    description: str | None = None,
) -> ModelMetricsAutoEncoder:
    """Compute H2O's autoencoder metrics from per-row reconstruction errors.

    Parameters
    ----------
    row_mse : array-like of float
        Per-row reconstruction MSE (H2O's ``Reconstruction.MSE``, tabdl's ``model.anomaly``).
    weights : array-like of float, optional
        None (the default) averages as H2O does, unweighted. Weights give a weighted mean (rows of
        weight 0 left out); H2O's Deep Learning does not weight this metric.
    custom_metric : callable or object, optional
        See :mod:`tabdl.metrics.custom`; both ``actual`` and ``predicted`` are the per-row errors
        (H2O itself refuses custom metrics for autoencoders).
    description : str, optional
        What the metrics are reported on, for the printed form.

    Returns
    -------
    ModelMetricsAutoEncoder

    Examples
    --------
    >>> autoencoder_metrics([0.1, 0.3]).mse()
    0.2

    """
    e = _inputs.vector("row_mse", row_mse)
    if weights is None:
        present = ~np.isnan(e)
        if not present.any():
            raise NothingToScoreError(
                f"no rows left to score among {len(e)}: every row_mse is missing"
            )
        w = np.ones(int(present.sum()))
        e_used = e[present]
        mse = h2o_sum(e_used, np.array([0, len(e_used)])) / len(e_used)
        nobs = len(e)  # H2O reports the frame's row count
    else:
        w_all = _inputs.weight_vector(weights, len(e))
        keep = _inputs.kept_rows(e, w_all, e)
        e_used, w = e[keep], w_all[keep]
        bounds = np.array([0, len(e_used)])
        mse = h2o_sum(w * e_used, bounds) / h2o_sum(w, bounds)
        nobs = len(e_used)
    result = custom.evaluate(
        custom_metric, e_used, e_used, w, pred_rows=e_used[:, None], act_rows=e_used[:, None]
    )
    values = {"nobs": int(nobs), "MSE": float(mse), "r2": math.nan}
    return ModelMetricsAutoEncoder(values, description=description, custom_metric=result)
