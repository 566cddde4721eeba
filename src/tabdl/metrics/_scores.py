"""The per-row scores shared by binomial and multinomial metrics (``MetricBuilder*.perRow``).

With ``p`` the predicted probability of the actual class and ``err = 1 - p``, a row adds ``w err^2``
to the squared error and ``w min(-log(1 - err), -log(1e-15))`` to the log loss (H2O's
``MathUtils.logloss``); R2 treats the class codes as the actual values.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tabdl.metrics._chunks import h2o_sum
from tabdl.metrics.base import r2_from, weighted_sigma

#: ``MathUtils.logloss`` cap: ``-log(1e-15)``.
MAX_LOGLOSS = -math.log(1e-15)


def probability_scores(
    probs: np.ndarray, codes: np.ndarray, w: np.ndarray, bounds: np.ndarray
) -> dict[str, Any]:
    """Return ``nobs``, ``MSE``, ``r2`` and ``logloss`` of class probabilities."""
    err = 1 - probs[np.arange(len(codes)), codes]
    with np.errstate(divide="ignore"):
        logloss = np.minimum(MAX_LOGLOSS, -np.log(1 - err))
    wcount = h2o_sum(w, bounds)
    mse = h2o_sum(w * err * err, bounds) / wcount
    wy, wyy = h2o_sum(w * codes, bounds), h2o_sum(w * codes * codes, bounds)
    return {
        "nobs": int(len(codes)),
        "MSE": mse,
        "r2": r2_from(mse, weighted_sigma(len(codes), wcount, wy, wyy)),
        "logloss": h2o_sum(w * logloss, bounds) / wcount,
    }
