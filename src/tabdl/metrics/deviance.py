"""Per-row deviance of each regression distribution, as H2O's ``Distribution.deviance(w, y, f)``.

``y`` is the actual value, ``f`` the prediction in original units, ``w`` the observation weight. The
sanitised log and exp are H2O's ``LogExpUtil``: ``log(x) = max(-19, log(max(0, x)))`` (``-19`` at 0)
and ``exp(x) = min(1e19, exp(x))``. The formulas are the unit deviances (the saturated-model terms
included), so the Poisson, Gamma and Tweedie ones equal scikit-learn's ``mean_*_deviance``.

=========  =====================================================================
gaussian   ``w (y - f)^2``
poisson    ``2 w (y log(y / f) - y + f)``
gamma      ``2 w (log(f / y) + y / f - 1)`` (``y / f`` taken as 1 when both are 0)
tweedie    ``2 w (y^(2-p) / ((1-p)(2-p)) - y e^((1-p) log f) / (1-p) + e^((2-p) log f) / (2-p))``
laplace    ``w |y - f|``
quantile   ``w a (y - f)`` if ``y > f``, else ``w (1 - a) (f - y)``
huber      ``w (y - f)^2`` if ``|y - f| <= d``, else ``w (2 |y - f| - d) d``
=========  =====================================================================
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

MIN_LOG = -19.0
MAX_EXP = 1e19


def safe_log(x: np.ndarray) -> np.ndarray:
    """H2O's ``LogExpUtil.log``: ``-19`` at 0 and below, never less than ``-19``."""
    x = np.maximum(0.0, x)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.maximum(MIN_LOG, np.log(x))
    return np.where(x == 0, MIN_LOG, out)


def safe_exp(x: np.ndarray) -> np.ndarray:
    """H2O's ``LogExpUtil.exp``: ``exp`` capped at ``1e19``."""
    with np.errstate(over="ignore"):
        return np.minimum(MAX_EXP, np.exp(x))


def _gaussian(w, y, f, **_):
    return w * (y - f) * (y - f)


def _poisson(w, y, f, **_):
    with np.errstate(divide="ignore", invalid="ignore"):
        return 2 * w * (y * safe_log(y / f) - y + f)


def _gamma(w, y, f, **_):
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where((y == 0) & (f == 0), 1.0, y / f)
        return 2 * w * (safe_log(f / y) + ratio - 1)


def _tweedie(w, y, f, *, tweedie_power, **_):
    p = tweedie_power
    lf = safe_log(f)
    with np.errstate(invalid="ignore"):
        first = np.power(y, 2 - p) / ((1 - p) * (2 - p))
    return 2 * w * (first - y * safe_exp(lf * (1 - p)) / (1 - p) + safe_exp(lf * (2 - p)) / (2 - p))


def _laplace(w, y, f, **_):
    return w * np.abs(y - f)


def _quantile(w, y, f, *, quantile_alpha, **_):
    a = quantile_alpha
    return np.where(y > f, w * a * (y - f), w * (1 - a) * (f - y))


def _huber(w, y, f, *, huber_delta, **_):
    d = huber_delta
    r = np.abs(y - f)
    return np.where(r <= d, w * (y - f) * (y - f), w * (2 * r - d) * d)


#: Distribution name -> per-row weighted deviance ``fn(w, y, f, **params)``.
DEVIANCES: dict[str, Callable[..., np.ndarray]] = {
    "gaussian": _gaussian,
    "poisson": _poisson,
    "gamma": _gamma,
    "tweedie": _tweedie,
    "laplace": _laplace,
    "quantile": _quantile,
    "huber": _huber,
}
