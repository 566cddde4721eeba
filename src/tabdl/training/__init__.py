"""Training: from parameters and frames to a trained network.

:func:`prepare` does what happens when training starts, in H2O's order: check the parameters, read the
frame, resolve the columns and the problem type, check the rules that need the problem, resolve AUTO
values, and fit the encoder and network spec.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tabdl.encoding import Columns, DataInfo, category_of, fit_datainfo, select_columns
from tabdl.encoding.categorical import fit_encoder, sort_response
from tabdl.encoding.datainfo import finite_values, kept_predictors
from tabdl.errors import DataError, ParameterError
from tabdl.frame import Frame, as_frame
from tabdl.nn import NetworkSpec, base_activation
from tabdl.params import Problem, check_problem_rules, resolve, validate_parameters

__all__ = ["Setup", "draw_seed", "network_spec", "prepare"]


@dataclass(frozen=True)
class Setup:
    """Everything training needs before the first update."""

    frame: Frame
    columns: Columns
    problem: Problem
    checked: dict[str, Any]  # validated, as the user gave them
    params: dict[str, Any]  # resolved, as the model uses them
    datainfo: DataInfo
    spec: NetworkSpec
    validation: Frame | None = None


def network_spec(info: DataInfo, resolved: Mapping[str, Any], category: str) -> NetworkSpec:
    """Build the network a model with these parameters needs for this encoder (H2O's ``units``)."""
    if category == "AutoEncoder":
        outputs, output = info.full_n, base_activation(resolved["activation"])
    elif category == "Regression":
        outputs, output = 1, "Linear"
    else:
        outputs, output = len(info.response_domain), "Softmax"
    units = (info.full_n, *resolved["hidden"], outputs)
    return NetworkSpec(
        units, resolved["activation"], tuple(resolved["hidden_dropout_ratios"]), output
    )


def prepare(
    params: Mapping[str, Any],
    x: Any,
    y: Any,
    training_frame: Any,
    validation_frame: Any = None,
    categorical_columns: Any = None,
) -> Setup:
    """Check everything and fit the encoder, as H2O does when a model build starts.

    Parameters
    ----------
    params : mapping
        Parameters by H2O Python name, as the user gave them.
    x, y : column references
        Predictors and response (see :func:`tabdl.encoding.select_columns`).
    training_frame, validation_frame : frames
        Any supported input (see :mod:`tabdl.frame`).
    categorical_columns : list of str, optional
        Numeric columns to treat as categorical.

    Returns
    -------
    Setup
        The checked frame, columns, problem, resolved parameters, encoder and network spec.

    """
    checked = validate_parameters(params)
    if training_frame is None:
        raise DataError("training_frame is required: give the data to train on")
    frame = as_frame(training_frame, categorical_columns)
    columns = select_columns(frame, x, y, checked)
    category, classes = category_of(frame, columns, checked["autoencoder"])
    problem = Problem(category, len(classes) if classes else 1)
    check_problem_rules(checked, problem)
    resolved = resolve(checked, problem)
    validation = None
    if validation_frame is not None:
        validation = as_frame(validation_frame, categorical_columns)
        missing = [n for n in columns.predictors if n not in validation.kinds]
        if missing:
            raise DataError(f"the validation frame lacks column(s) {missing} of the training frame")
    info = _fit_inputs(frame, columns, resolved, classes)
    spec = network_spec(info, resolved, category)
    return Setup(frame, columns, problem, checked, resolved, info, spec, validation)


def _fit_inputs(
    frame: Frame, columns: Columns, resolved: dict[str, Any], classes: list[str] | None
) -> DataInfo:
    """Fit the frame encoding (``categorical_encoding``), the DataInfo, and feature hashing."""
    predictors = kept_predictors(frame, columns, resolved)
    response = None
    if columns.response is not None and resolved["categorical_encoding"] == "SortByResponse":
        response = sort_response(frame, columns, classes)
    weights = (
        finite_values(frame, columns.weights, "the weights column") if columns.weights else None
    )
    encoder = fit_encoder(frame, columns, predictors, resolved, response, weights)
    if encoder is None:
        info = fit_datainfo(frame, columns, resolved, classes, predictors=predictors)
    else:
        # As H2O: constant columns go before the encoding, whose outputs are all kept.
        encoded = dataclasses.replace(columns, predictors=tuple(encoder.output_names()))
        info = fit_datainfo(
            encoder.apply(frame), encoded, {**resolved, "ignore_const_cols": False}, classes,
            encoder.output_domains(),
        )  # fmt: skip
        info = dataclasses.replace(info, encoder=encoder)
    width = resolved["max_categorical_features"]
    if width < info.num_start:  # H2O hashes only when the one-hot inputs are wider than the limit
        if resolved["autoencoder"]:
            raise ParameterError(
                f"max_categorical_features={width} would hash the {info.num_start} one-hot inputs "
                "of an autoencoder, which tabdl does not support; raise it to at least "
                f"{info.num_start} or use categorical_encoding='Binary' or 'Eigen'"
            )
        if resolved["seed"] == -1:
            resolved["seed"] = draw_seed()  # the hash needs the seed now
        info = dataclasses.replace(info, hash_width=int(width), hash_seed=int(resolved["seed"]))
    return info


def draw_seed() -> int:
    """Draw a seed for ``seed=-1``, as H2O does; the model reports the seed it used."""
    import secrets

    return secrets.randbits(63)
