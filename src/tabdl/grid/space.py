"""The hyper-parameter space of a grid search and the order in which it is walked.

``Cartesian`` trains every combination, the last hyper-parameter changing fastest; ``RandomDiscrete``
draws combinations without replacement, in an order fixed by ``search_criteria["seed"]``. Both stop
at ``max_models`` and ``max_runtime_secs``; ``RandomDiscrete`` also stops when the models' metric
stops improving (``stopping_rounds``, ``stopping_metric``, ``stopping_tolerance``), by H2O's
moving-average rule over the models in the order they were built.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from tabdl.errors import ParameterError
from tabdl.params import check_names

__all__ = ["SearchCriteria", "combinations", "search_criteria", "walk"]

#: Parameters a grid cannot vary: they name data or the model, not the network.
NOT_HYPER = ("model_id", "training_frame", "validation_frame", "response_column", "checkpoint")

_STRATEGIES = ("Cartesian", "RandomDiscrete")
_CRITERIA = ("strategy", "max_models", "max_runtime_secs", "seed", "stopping_rounds",
             "stopping_metric", "stopping_tolerance")  # fmt: skip


@dataclass(frozen=True)
class SearchCriteria:
    """``search_criteria`` with H2O's defaults."""

    strategy: str = "Cartesian"
    max_models: int = 0  # 0: no limit
    max_runtime_secs: float = 0.0  # 0: no limit
    seed: int = -1
    stopping_rounds: int = 0
    stopping_metric: str = "AUTO"
    stopping_tolerance: float = 0.001


def search_criteria(given: Mapping[str, Any] | None) -> SearchCriteria:
    """Check ``search_criteria`` and fill in H2O's defaults.

    Raises
    ------
    tabdl.errors.ParameterError
        For an unknown key, an unknown strategy or a negative limit.

    """
    given = dict(given or {})
    unknown = [k for k in given if k not in _CRITERIA]
    if unknown:
        raise ParameterError(
            f"unknown search_criteria key(s) {unknown}; use {', '.join(_CRITERIA)}"
        )
    criteria = SearchCriteria(**given)
    if criteria.strategy not in _STRATEGIES:
        raise ParameterError(
            f"search_criteria strategy {criteria.strategy!r} is not one of {', '.join(_STRATEGIES)}"
        )
    for name in ("max_models", "max_runtime_secs", "stopping_rounds", "stopping_tolerance"):
        if getattr(criteria, name) < 0:
            raise ParameterError(
                f"search_criteria {name} must be >= 0; got {getattr(criteria, name)}"
            )
    return criteria


def check_hyper_params(hyper_params: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Check the names and value lists of ``hyper_params``; return them as lists.

    Raises
    ------
    tabdl.errors.ParameterTypeError
        For a name that is not a parameter (with the closest valid name).
    tabdl.errors.ParameterError
        For an empty value list or a parameter a grid cannot vary.

    """
    if not isinstance(hyper_params, Mapping) or not hyper_params:
        raise ParameterError(
            "hyper_params must be a non-empty dict of parameter name -> list of values"
        )
    check_names(list(hyper_params))
    out = {}
    for name, values in hyper_params.items():
        if name in NOT_HYPER:
            raise ParameterError(f"{name} cannot be a hyper-parameter; give it to train()")
        if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
            values = [values]
        values = list(values)
        if not values:
            raise ParameterError(f"hyper_params[{name!r}] is empty; give at least one value")
        out[name] = values
    return out


def combinations(hyper: Mapping[str, list[Any]]) -> list[dict[str, Any]]:
    """Every combination of the values, in Cartesian order (the last name changes fastest)."""
    names = list(hyper)
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*hyper.values())]


def walk(hyper: Mapping[str, list[Any]], criteria: SearchCriteria) -> Iterator[dict[str, Any]]:
    """Yield the combinations in the order the strategy trains them."""
    every = combinations(hyper)
    if criteria.strategy == "RandomDiscrete":
        seed = None if criteria.seed == -1 else criteria.seed
        order = np.random.default_rng(seed).permutation(len(every))
        every = [every[i] for i in order]
    yield from every
