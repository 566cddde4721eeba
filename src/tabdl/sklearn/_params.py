"""The scikit-learn estimators' parameters: H2O's, less those that ``fit`` and the class decide.

Each estimator's ``__init__`` is made here from :data:`tabdl.params.PARAMETERS`, so it takes every
parameter by name, with H2O's default, as an explicit keyword (``inspect.signature``, ``help()``,
``get_params``, ``set_params`` and ``clone`` all see them) and stays in step with the table.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from tabdl.params import PARAMETERS

#: Parameters that ``fit``'s arguments or the class decide; the estimators do not take them.
SET_BY_FIT: Mapping[str, str] = {
    "training_frame": "X, given to fit",
    "response_column": "y, given to fit",
    "weights_column": "sample_weight, given to fit",
    "autoencoder": "the class (DeepLearningAutoencoder is the autoencoder)",
}

#: H2O's parameters the estimators take, in the table's order.
H2O_NAMES: tuple[str, ...] = tuple(p.name for p in PARAMETERS if p.name not in SET_BY_FIT)

_DEFAULTS = {p.name: p.default for p in PARAMETERS}

#: Parameters of scikit-learn's making that every estimator takes, with their defaults.
SKLEARN_PARAMETERS: Mapping[str, Any] = {"random_state": None, "categorical_columns": None}


def make_init(extra: Mapping[str, Any] | None = None) -> Callable[..., None]:
    """Make an ``__init__`` taking H2O's parameters, ``random_state``, ``categorical_columns``, ``extra``.

    Every parameter is keyword-only and stored unchanged under its own name, as scikit-learn asks.
    """
    defaults = {**{n: _DEFAULTS[n] for n in H2O_NAMES}, **SKLEARN_PARAMETERS, **(extra or {})}
    arguments = ", ".join(f"{name}=_defaults[{name!r}]" for name in defaults)
    body = "".join(f"\n    self.{name} = {name}" for name in defaults)
    namespace: dict[str, Any] = {"_defaults": defaults}
    exec(f"def __init__(self, *, {arguments}) -> None:{body}\n", namespace)  # noqa: S102
    init = namespace["__init__"]
    init.__doc__ = "Store the parameters; they are checked when ``fit`` starts."
    return init


def h2o_parameters(estimator: Any) -> dict[str, Any]:
    """Return the parameters for :class:`tabdl.DeepLearningEstimator` set away from H2O's defaults.

    ``validation_frame`` is left out (``fit`` turns it into a frame). A ``random_state`` other than
    ``None`` becomes ``seed``, with ``reproducible=True`` so that the same seed gives the same model.
    """
    params = {
        name: getattr(estimator, name)
        for name in H2O_NAMES
        if name != "validation_frame" and getattr(estimator, name) is not _DEFAULTS[name]
    }
    if estimator.random_state is not None:
        params["seed"] = seed_of(estimator.random_state)
        params["reproducible"] = True
    return params


def seed_of(random_state: Any) -> int:
    """Return the seed: an integer ``random_state`` itself; a ``RandomState``/``Generator`` draws one."""
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        return int(random_state)
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(np.iinfo(np.int32).max))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(np.iinfo(np.int32).max))
    raise ValueError(
        f"random_state must be None, an integer, a numpy RandomState or Generator; "
        f"got {random_state!r}"
    )
