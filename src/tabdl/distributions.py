"""Distributions: their link functions and inverse links, as H2O defines them."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

#: The clamp H2O applies to every exponential of a link inverse.
EXP_CLAMP = 1e19


def _identity(f: np.ndarray) -> np.ndarray:
    return f


def _log_inverse(f: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return np.minimum(EXP_CLAMP, np.exp(f))


def _logit_inverse(f: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.minimum(EXP_CLAMP, np.exp(-f)))


#: Link of each distribution H2O's Deep Learning supports.
LINKS: dict[str, str] = {
    "gaussian": "identity",
    "laplace": "identity",
    "quantile": "identity",
    "huber": "identity",
    "poisson": "log",
    "gamma": "log",
    "tweedie": "log",
    "bernoulli": "logit",
    "multinomial": "logit",
}

#: Link name -> inverse link (maps the network's output to the response scale).
LINK_INVERSES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "identity": _identity,
    "log": _log_inverse,
    "logit": _logit_inverse,
}


def link_inverse(distribution: str) -> Callable[[np.ndarray], np.ndarray]:
    """Return the inverse link of ``distribution`` (H2O's ``linkInv``)."""
    return LINK_INVERSES[LINKS[distribution]]
