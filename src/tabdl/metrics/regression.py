"""Regression metrics (H2O's ``ModelMetricsRegression``).

As H2O's ``MetricBuilderRegression`` does, the actual values are rounded to float32 before use (H2O
passes them as ``float``), the predictions are used as they are, and every sum is weighted:

* MSE ``= sum w (y - f)^2 / sum w``, MAE ``= sum w |y - f| / sum w``;
* RMSLE ``= sqrt(sum w (log1p(f) - log1p(y))^2 / sum w)``: NaN when any actual or prediction is
  below -1, as in H2O;
* mean residual deviance ``= sum deviance / sum w`` with the distribution's deviance
  (:mod:`tabdl.metrics.deviance`). For ``huber`` H2O uses the unrounded actual values and a delta
  equal to the weighted ``huber_alpha`` quantile of ``|y - f|`` (H2O's model scoring), unless
  ``huber_delta`` is given;
* R2 ``= 1 - MSE / sigma^2`` with H2O's weighted sigma of the actual values.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tabdl.errors import DataError
from tabdl.metrics import _inputs, custom
from tabdl.metrics._chunks import h2o_sum, kept_bounds
from tabdl.metrics.base import ModelMetricsBase, as_float, fmt, r2_from, weighted_sigma
from tabdl.metrics.deviance import DEVIANCES
from tabdl.metrics.quantile import h2o_quantiles

DISTRIBUTIONS = ("gaussian", "poisson", "gamma", "tweedie", "laplace", "quantile", "huber")


class ModelMetricsRegression(ModelMetricsBase):
    """Regression metrics, with h2o-py's accessors (see :func:`regression_metrics`)."""

    schema = "ModelMetricsRegression"

    def mae(self) -> float:
        """Mean absolute error."""
        return as_float(self._values["mae"])

    def rmsle(self) -> float:
        """Root mean squared log error (NaN when a value is below -1)."""
        return as_float(self._values["rmsle"])

    def mean_residual_deviance(self) -> float:
        """Mean residual deviance of the distribution (MSE for gaussian)."""
        return as_float(self._values["mean_residual_deviance"])

    def residual_deviance(self) -> float:
        """Return :meth:`mean_residual_deviance` (H2O's name outside GLM)."""
        return self.mean_residual_deviance()

    @property
    def distribution(self) -> str:
        """The distribution whose deviance was computed."""
        return self._values["distribution"]

    def huber_delta(self) -> float | None:
        """Return the Huber delta used for the deviance (None unless the distribution is huber)."""
        d = self._values.get("huber_delta")
        return None if d is None else float(d)

    def _scalar_lines(self) -> list[str]:
        return super()._scalar_lines() + [
            f"MAE: {fmt(self.mae())}",
            f"RMSLE: {fmt(self.rmsle())}",
            f"Mean Residual Deviance: {fmt(self.mean_residual_deviance())}",
        ]


def _check_parameters(distribution: str, quantile_alpha, tweedie_power, huber_delta, huber_alpha):
    if distribution == "tweedie" and not 1 < tweedie_power < 2:
        raise DataError(f"tweedie_power must lie strictly between 1 and 2, got {tweedie_power!r}")
    if distribution == "quantile" and not 0 <= quantile_alpha <= 1:
        raise DataError(f"quantile_alpha must lie in [0, 1], got {quantile_alpha!r}")
    if distribution == "huber":
        if huber_delta is not None and not huber_delta > 0:
            raise DataError(f"huber_delta must be positive, got {huber_delta!r}")
        if not 0 <= huber_alpha <= 1:
            raise DataError(f"huber_alpha must lie in [0, 1], got {huber_alpha!r}")


def regression_metrics(
    actual: Any,
    predicted: Any,
    weights: Any = None,
    *,
    distribution: str = "gaussian",
    quantile_alpha: float = 0.5,
    tweedie_power: float = 1.5,
    huber_delta: float | None = None,
    huber_alpha: float = 0.9,
    custom_metric: Callable | object | None = None,
    description: str | None = None,
    chunk_rows: Sequence[int] | None = None,
) -> ModelMetricsRegression:
    """Compute H2O's regression metrics from predictions.

    Parameters
    ----------
    actual : array-like of float
        Actual values in original units; rows where it is NaN are left out.
    predicted : array-like of float
        Predictions in original units; rows where it is NaN are left out.
    weights : array-like of float, optional
        Observation weights (all 1 when None); rows of weight 0 are left out.
    distribution : str, default="gaussian"
        One of gaussian, poisson, gamma, tweedie, laplace, quantile, huber ("AUTO" means gaussian).
        Chooses the deviance.
    quantile_alpha : float, default=0.5
        Quantile for the quantile deviance.
    tweedie_power : float, default=1.5
        Tweedie power, strictly between 1 and 2.
    huber_delta : float, optional
        Huber delta in original units. None (the default) computes it as H2O's model scoring does:
        the weighted ``huber_alpha`` quantile of ``|actual - predicted|``.
    huber_alpha : float, default=0.9
        Quantile for the computed Huber delta (tabdl addition; H2O takes it from the model).
    custom_metric : callable or object, optional
        See :mod:`tabdl.metrics.custom`.
    description : str, optional
        What the metrics are reported on (``"train"``, ``"validation"``...), for the printed form.
    chunk_rows : sequence of int, optional
        Sizes of the chunks H2O would split the rows into (tabdl addition). H2O adds up row by row
        within a chunk and then chunk by chunk; giving the sizes reproduces its sums to the last
        bit. None: one chunk.

    Returns
    -------
    ModelMetricsRegression

    Examples
    --------
    >>> m = regression_metrics([1.0, 2.0, 4.0], [1.5, 2.0, 3.0])
    >>> round(m.mse(), 6), round(m.mae(), 6)
    (0.416667, 0.5)

    """
    y = _inputs.vector("actual", actual)
    f = _inputs.vector("predicted", predicted)
    _inputs.same_length(len(y), predicted=f)
    w = _inputs.weight_vector(weights, len(y))
    dist = _inputs.choice("distribution", distribution, (*DISTRIBUTIONS, "AUTO"))
    dist = "gaussian" if dist == "AUTO" else dist
    _check_parameters(dist, quantile_alpha, tweedie_power, huber_delta, huber_alpha)
    keep = _inputs.kept_rows(y, w, f)
    bounds = kept_bounds(keep, chunk_rows)
    y, f, w = y[keep], f[keep], w[keep]
    yf = y.astype(np.float32).astype(np.float64)  # H2O's float actuals
    wcount = h2o_sum(w, bounds)
    err = yf - f
    with np.errstate(invalid="ignore", divide="ignore"):
        msle = h2o_sum(w * (np.log1p(f) - np.log1p(yf)) ** 2, bounds) / wcount
    values: dict[str, Any] = {
        "nobs": int(len(y)),
        "MSE": h2o_sum(w * err * err, bounds) / wcount,
        "mae": h2o_sum(w * np.abs(err), bounds) / wcount,
        "rmsle": math.sqrt(msle) if not math.isnan(msle) else math.nan,
        "distribution": dist,
        "huber_delta": None,
    }
    if dist == "huber":
        delta = huber_delta
        if delta is None:
            delta = float(h2o_quantiles(np.abs(y - f), [huber_alpha], w)[0])
        values["huber_delta"] = float(delta)
        deviance = DEVIANCES["huber"](w, y, f, huber_delta=delta)  # H2O: unrounded actuals here
    else:
        params = {"quantile_alpha": quantile_alpha, "tweedie_power": tweedie_power}
        deviance = DEVIANCES[dist](w, yf, f, **params)
    values["mean_residual_deviance"] = h2o_sum(deviance, bounds) / wcount
    wy, wyy = h2o_sum(w * yf, bounds), h2o_sum(w * yf * yf, bounds)
    values["r2"] = r2_from(values["MSE"], weighted_sigma(len(y), wcount, wy, wyy))
    result = custom.evaluate(custom_metric, y, f, w, pred_rows=f[:, None], act_rows=yf[:, None])
    return ModelMetricsRegression(values, description=description, custom_metric=result)
