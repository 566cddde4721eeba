"""Training: from parameters and frames to a trained network.

:func:`prepare` does what happens when training starts, in H2O's order: check the parameters, read the
frame, resolve the columns and the problem type, check the rules that need the problem, resolve AUTO
values, and fit the encoder and network spec.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tabdl.encoding import Columns, DataInfo, category_of, fit_datainfo, select_columns
from tabdl.errors import DataError
from tabdl.frame import Frame, as_frame
from tabdl.nn import NetworkSpec, base_activation
from tabdl.params import Problem, check_problem_rules, resolve, validate_parameters

__all__ = ["Setup", "TrainingResult", "fit", "network_spec", "prepare"]


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
    info = fit_datainfo(frame, columns, resolved, classes)
    spec = network_spec(info, resolved, category)
    return Setup(frame, columns, problem, checked, resolved, info, spec, validation)


def draw_seed() -> int:
    """Draw a seed for ``seed=-1``, as H2O does; the model reports the seed it used."""
    import secrets

    return secrets.randbits(63)


@dataclass
class TrainingResult:
    """A trained network with what training reported: scoring history and final metrics."""

    fitted: Any  # FittedNetwork
    state: Any  # NetworkState
    history: list  # ScoringEvent, oldest first
    training_metrics: Any
    validation_metrics: Any
    stopped_early: bool
    unseen_na: Any  # bool per expanded input: NA buckets without a training row


def _scoring_rows(info: DataInfo, frame: Frame, target: int, seed: int) -> Any:
    from tabdl.encoding import encode_labelled
    from tabdl.training.scoring import sample_rows

    rows = encode_labelled(info, frame)
    kept = sample_rows(rows.nrows, target, seed)
    return rows if kept is None else rows.take(kept)


def fit(setup: Setup, console: Any = None) -> TrainingResult:
    """Initialise and train a network, scoring it as H2O does; return the result.

    Parameters
    ----------
    setup : Setup
        The result of :func:`prepare`.
    console : TrainingConsole, optional
        Told of every iteration and scoring event (:mod:`tabdl.report.console`).

    Returns
    -------
    TrainingResult
        The network for scoring (its weights are views into the state), the state with its
        counters (``processed`` samples, ``iterations``), the scoring history and final metrics.

    """
    import dataclasses

    import numpy as np

    from tabdl.encoding import encode_training
    from tabdl.explain import unseen_na_buckets
    from tabdl.model import FittedNetwork
    from tabdl.nn.init import apply_user_arrays, initial_biases, random_weights
    from tabdl.training.loop import engine_config, has_momentum, train
    from tabdl.training.network_state import NetworkState
    from tabdl.training.scoring import Scorer

    p = setup.params
    if p["seed"] == -1:
        p["seed"] = draw_seed()
    info, spec = setup.datainfo, setup.spec
    rows = encode_training(info, setup.frame)
    weights = random_weights(
        spec,
        p["seed"],
        p["initial_weight_distribution"],
        p["initial_weight_scale"],
        setup.problem.is_classifier,
    )
    biases = initial_biases(spec)
    apply_user_arrays(weights, biases, p["initial_weights"], p["initial_biases"])
    state = NetworkState.create(spec, weights, biases, p["adaptive_rate"], has_momentum(p))
    response_transform = (info.resp_sub or 0.0, info.resp_mul or 1.0, info.offset is not None)
    config = engine_config(spec, p, p["seed"], setup.problem.category, response_transform)
    prior = None
    if info.response_domain is not None:
        counts = np.bincount(
            rows.response[rows.usable].astype(np.int64), minlength=len(info.response_domain)
        )
        prior = counts / counts.sum()
    fitted = FittedNetwork(
        datainfo=info,
        spec=spec,
        weights=state.weights,
        biases=state.biases,
        category=setup.problem.category,
        distribution=p["distribution"],
        prior_class_distrib=prior,
    )
    custom = p["custom_metric_func"]
    valid_rows = None
    if setup.validation is not None:
        valid_rows = _scoring_rows(
            info, setup.validation, p["score_validation_samples"], p["seed"] + 1
        )
    scorer = Scorer(
        evaluate=lambda r, description: fitted.evaluate(
            r, p, custom_metric=custom, description=description
        ),
        params=p,
        category=setup.problem.category,
        train_rows=_scoring_rows(info, setup.frame, p["score_training_samples"], p["seed"]),
        valid_rows=valid_rows,
        train_total=setup.frame.nrows,
        valid_total=setup.validation.nrows if setup.validation is not None else 0,
        on_event=console.on_event if console is not None else None,
    )

    def after_iteration(trained: NetworkState) -> bool:
        if console is not None:
            console.on_iteration(trained.processed / trained.training_rows)
        return scorer(trained)

    scorer.start(state)
    try:
        train(state, rows, p, config, on_iteration=after_iteration)
    finally:
        if console is not None:
            console.close()
    scorer.finish(state)
    last = scorer.history[-1]
    final = last.valid if last.valid is not None else last.train
    if setup.problem.category == "Binomial" and final is not None:
        fitted = dataclasses.replace(fitted, default_threshold=float(final.default_threshold()))
    return TrainingResult(
        fitted=fitted,
        state=state,
        history=scorer.history,
        training_metrics=last.train,
        validation_metrics=last.valid,
        stopped_early=scorer.stopped_early,
        unseen_na=unseen_na_buckets(info, setup.frame, na_trains_bucket=True),
    )
