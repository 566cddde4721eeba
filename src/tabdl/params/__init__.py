"""Every parameter of H2O-3's Deep Learning: names, defaults, constraints and cross-parameter rules.

Validation happens when training starts (:func:`validate_parameters`), never in the estimator's
constructor, which only stores what it is given.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from tabdl.errors import NotYetAvailableError, ParameterTypeError
from tabdl.params.rules import Problem, check_parameter_rules, check_problem_rules, resolve
from tabdl.params.table import DEFAULTS, PARAMETERS, PARAMETERS_BY_NAME, Feature, Param

__all__ = [
    "DEFAULTS",
    "PARAMETERS",
    "PARAMETERS_BY_NAME",
    "Feature",
    "Param",
    "Problem",
    "check_available",
    "check_names",
    "check_problem_rules",
    "resolve",
    "validate_parameters",
]


def check_names(names: Any) -> None:
    """Raise for a name that is not a parameter, suggesting the closest valid one."""
    for name in names:
        if name in PARAMETERS_BY_NAME:
            continue
        close = difflib.get_close_matches(name, list(PARAMETERS_BY_NAME), n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else "; see docs/parameters.md for the list"
        raise ParameterTypeError(f"unknown parameter {name!r}{hint}")


def validate_parameters(values: Mapping[str, Any]) -> dict[str, Any]:
    """Check every value and every cross-parameter rule that needs no data.

    Parameters
    ----------
    values : mapping
        Parameter values by H2O Python name; missing names take their defaults.

    Returns
    -------
    dict
        Every parameter, in canonical form (enums in H2O's Java spelling, lists as tuples).

    Raises
    ------
    ParameterTypeError
        For an unknown name or a value of the wrong type.
    ParameterError
        For a value out of range or a broken cross-parameter rule.

    """
    check_names(values)
    checked = dict(DEFAULTS)
    for name, value in values.items():
        param = PARAMETERS_BY_NAME[name]
        if value is None and param.default is None:
            checked[name] = None
            continue
        if value is None:
            raise ParameterTypeError(f"{name} cannot be None; its default is {param.default!r}")
        checked[name] = param.constraint.check(name, value)
    check_parameter_rules(checked, DEFAULTS)
    return checked


def _is_default(param: Param, value: Any) -> bool:
    if value is None or param.default is None:
        return value is param.default
    try:
        return bool(value == param.default)
    except (TypeError, ValueError):
        return False


def check_available(checked: Mapping[str, Any]) -> None:
    """Raise :class:`NotYetAvailableError` for set parameters whose feature has not landed.

    A parameter left at its default never raises; one that would change what tabdl computes, and
    whose feature is not in this release, is named instead of being silently ignored.
    """
    waiting = [
        p
        for p in PARAMETERS
        if not p.feature.available
        and not _is_default(p, checked[p.name])
        and checked[p.name] not in p.off
    ]
    if waiting:
        listing = "; ".join(f"{p.name} ({p.feature.status()})" for p in waiting)
        raise NotYetAvailableError(
            f"not yet available in this release of tabdl: {listing}. Leave these at their defaults, "
            "or see docs/parameters.md for each parameter's status"
        )
