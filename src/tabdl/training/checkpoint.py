"""Checkpoint restart: continue training a model, with H2O's rules (behaviour reference, 5.7).

A restart keeps the weights, the optimiser state, the counters (so the learning-rate annealing and
every random stream continue), the scoring history and the best loss. Parameters fall in three
groups: those that may change (the schedule, regularisation, dropout, stopping, ...), those that may
not (the architecture, the optimiser, the data transforms), and those that must match the
checkpoint (the layers, the columns and levels of the data, the presence of a validation frame).
A parameter that may not change and is not given is taken from the checkpoint; one given with a
different value is refused, naming it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from tabdl.errors import DataError, ParameterError

#: Parameters a restart may not change (DeepLearningModelInfo.Sanity.checkIfParameterChangeAllowed),
#: with those that must equal the checkpoint's.
FIXED = (
    "activation",
    "adaptive_rate",
    "optimizer",
    "autoencoder",
    "col_major",
    "distribution",
    "epsilon",
    "hidden",
    "huber_alpha",
    "ignore_const_cols",
    "ignored_columns",
    "max_categorical_features",
    "momentum_ramp",
    "momentum_stable",
    "momentum_start",
    "nesterov_accelerated_gradient",
    "quantile_alpha",
    "rate",
    "rate_annealing",
    "rate_decay",
    "rho",
    "sparse",
    "sparsity_beta",
    "standardize",
    "tweedie_power",
    "use_all_factor_levels",
    # H2O's restart does not copy these from the new parameters, so it keeps balancing (or not) as
    # the checkpoint did whatever is given; tabdl takes them from the checkpoint and refuses a change
    "balance_classes",
    "class_sampling_factors",
    "max_after_balance_size",
)


def _comparable(value: Any) -> Any:
    """Return the value with lists as tuples (a model file stores tuples as lists)."""
    return tuple(value) if isinstance(value, (list, tuple)) else value


def resolve_model(reference: Any, what: str) -> Any:
    """Return the model a ``checkpoint=`` (or ``pretrained_autoencoder=``) value names.

    A model object is itself; a path to a file is loaded (``tabdl.load_model``); any other string is
    a ``model_id`` of this process (``tabdl.get_model``).
    """
    from tabdl.io.native import load_model  # read the file without registering its model
    from tabdl.registry import get_model

    if hasattr(reference, "predict"):
        return reference
    if isinstance(reference, os.PathLike) or os.path.isfile(str(reference)):
        return load_model(reference)
    try:
        return get_model(str(reference))
    except DataError as error:
        raise DataError(
            f"{what}={reference!r}: {error}; give a model, a model file or a model id"
        ) from None


def inherit_fixed(params: Mapping[str, Any], checkpoint: Any) -> dict[str, Any]:
    """Fill the parameters a restart may not change, and ``params`` lacks, from the checkpoint."""
    if checkpoint._result is None:
        why = (
            "was imported from a MOJO and has no optimiser state or counters"
            if getattr(checkpoint, "_fitted", None) is not None
            else "has not been trained"
        )
        raise DataError(
            f"a checkpoint must be a model trained by tabdl (or loaded from its file): this one {why}"
        )
    inherited = {
        name: checkpoint._actual_params[name]
        for name in FIXED
        if name not in params and name in checkpoint._actual_params
    }
    return {**params, **inherited}


def check_restart(setup: Any, checkpoint: Any) -> None:
    """Refuse a restart that changes what may not change, as H2O does; each error names the cause."""
    result = checkpoint._result
    before, now = checkpoint._actual_params, setup.params
    for name in FIXED:
        if name in before and _comparable(now[name]) != _comparable(before[name]):
            raise ParameterError(
                f"cannot change {name} on a checkpoint restart: {before[name]!r} -> {now[name]!r}; "
                "leave it out to keep the checkpoint's value"
            )
    epochs_done = result.state.processed / result.state.training_rows
    if now["epochs"] <= epochs_done:
        raise ParameterError(
            f"epochs={now['epochs']!r} must exceed the epochs the checkpoint has trained "
            f"({epochs_done:g}): epochs counts the total, as in H2O"
        )
    if (setup.validation is not None) != result.has_validation:
        state = "with" if result.has_validation else "without"
        raise DataError(
            f"the checkpoint was trained {state} a validation frame; restart it {state}"
        )
    old, new = checkpoint._fitted.datainfo, setup.datainfo
    for role in ("weights", "offset", "fold"):  # H2O compares every column, these included
        if getattr(old, role) != getattr(new, role):
            raise DataError(
                f"the checkpoint was trained with {role} column {getattr(old, role)!r}, this "
                f"restart has {getattr(new, role)!r}; a restart needs the same columns"
            )
    if old.coef_names() != new.coef_names() or old.response != new.response:
        raise DataError(
            "the training frame's columns or categorical levels differ from the checkpoint's "
            f"(inputs {old.coef_names()} -> {new.coef_names()}); a restart needs the same columns"
        )
    if old.response_domain != new.response_domain:
        raise DataError(
            f"the response's classes differ from the checkpoint's: {old.response_domain} -> "
            f"{new.response_domain}"
        )


def resumed_state(checkpoint: Any, spec: Any) -> Any:
    """Return a copy of the checkpoint's training state (arrays, counters) for the network ``spec``.

    The spec is the restart's: its layers are the checkpoint's, its dropout ratios may be new.
    """
    import dataclasses

    state = checkpoint._result.state
    copies = {
        f.name: getattr(state, f.name).copy()
        for f in dataclasses.fields(state)
        if hasattr(getattr(state, f.name), "copy") and f.name != "spec"
    }
    return dataclasses.replace(state, spec=spec, **copies)
