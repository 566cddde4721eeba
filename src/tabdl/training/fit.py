"""Training a network from a :class:`~tabdl.training.Setup`: initialise, train, score, report.

:func:`fit` reads like H2O's ``DeepLearning.trainModel``: initial weights, the scoring samples, the
iteration loop with a scoring event after each iteration, the best model put back, and the binomial
label threshold taken from the final metrics.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from tabdl.distributed import share_outcome
from tabdl.encoding import (
    DataInfo,
    EncodedRows,
    LabelledRows,
    TrainingRows,
    encode_labelled,
    encode_training,
)
from tabdl.engines import batch as batch_engine
from tabdl.engines.online import running_average
from tabdl.errors import DataError
from tabdl.explain import unseen_na_buckets_of
from tabdl.frame import Frame
from tabdl.model import FittedNetwork
from tabdl.nn.init import apply_user_arrays, initial_biases, random_weights
from tabdl.training import Setup, draw_seed
from tabdl.training.balance import (
    balance_training_rows,
    class_distribution,
    stratified_validation_rows,
)
from tabdl.training.checkpoint import resumed_state
from tabdl.training.loop import (
    engine_config,
    has_momentum,
    keeps_accumulators,
    train,
    uses_batch_engine,
)
from tabdl.training.network_state import NetworkState
from tabdl.training.scoring import Scorer, ScoringEvent, sample_rows


@dataclass
class TrainingResult:
    """A trained network with what training reported: scoring history and final metrics."""

    fitted: FittedNetwork
    state: NetworkState
    history: list[ScoringEvent]
    training_metrics: Any
    validation_metrics: Any
    has_validation: bool  # a validation frame was given (its metrics may still be missing)
    stopped_early: bool
    unseen_na: np.ndarray  # bool per expanded input: NA buckets without a training row
    best_loss: np.float32 = np.float32(np.inf)  # H2O's best-model loss, carried by checkpoints


def _copy_pretrained(setup: Setup, weights: list, biases: list, pretrained: Any) -> None:
    """Start from an autoencoder's hidden layers (H2O's ``initializeFromPretrainedModel``)."""
    fitted = getattr(pretrained, "_fitted", None)
    if fitted is None or fitted.category != "AutoEncoder":
        raise DataError("pretrained_autoencoder must be a trained autoencoder (autoencoder=True)")
    ours, theirs = setup.datainfo.coef_names(), fitted.datainfo.coef_names()
    if ours != theirs:
        raise DataError(
            f"pretrained_autoencoder takes inputs {theirs}, this model {ours}: train both on the "
            "same predictor columns and levels"
        )
    hidden = setup.spec.n_hidden
    if fitted.spec.units[: hidden + 1] != setup.spec.units[: hidden + 1] or (
        fitted.spec.activation != setup.spec.activation
    ):
        raise DataError(
            f"pretrained_autoencoder has layers {fitted.spec.units[:-1]} ({fitted.spec.activation}), "
            f"this model {setup.spec.units[:-1]} ({setup.spec.activation}); they must match"
        )
    for layer in range(hidden):  # every layer but the output one; the output biases stay 0
        weights[layer][...] = fitted.weights[layer]
        biases[layer][...] = fitted.biases[layer]


def _initial_state(setup: Setup, pretrained: Any = None) -> NetworkState:
    """Return the initial weights and biases (random, or the user's) with zeroed optimiser state."""
    p, spec = setup.params, setup.spec
    weights = random_weights(
        spec,
        p["seed"],
        p["initial_weight_distribution"],
        p["initial_weight_scale"],
        setup.problem.is_classifier,
    )
    biases = initial_biases(spec, mini_batch=uses_batch_engine(p))
    apply_user_arrays(weights, biases, p["initial_weights"], p["initial_biases"])
    if pretrained is not None:
        _copy_pretrained(setup, weights, biases, pretrained)
    return NetworkState.create(spec, weights, biases, keeps_accumulators(p), has_momentum(p))


def _fitted_network(
    setup: Setup, state: NetworkState, rows: TrainingRows, model_dist: np.ndarray | None
) -> FittedNetwork:
    """Return the scoring view of the state (weights as views) with the class distributions.

    The prior is H2O's ``_priorClassDist``: the (weighted) frequencies of every non-missing label of
    the training frame; ``model_dist`` is the balanced frame's (``None`` without balancing).
    """
    info = setup.datainfo
    prior = None
    if info.response_domain is not None:
        weights = rows.weights if info.weights is not None else None
        prior = class_distribution(rows.response, len(info.response_domain), weights)
    return FittedNetwork(
        datainfo=info,
        spec=setup.spec,
        weights=state.weights,
        biases=state.biases,
        category=setup.problem.category,
        distribution=setup.params["distribution"],
        prior_class_distrib=prior,
        model_class_distrib=model_dist,
    )


def _balanced(setup: Setup, rows: TrainingRows) -> tuple[Frame, np.ndarray | None]:
    """Return the frame training iterates over: the training frame, or its balanced version (5.6)."""
    p, info = setup.params, setup.datainfo
    if not (p["balance_classes"] and setup.problem.is_classifier):
        return setup.frame, None
    balanced = balance_training_rows(
        rows.response,
        len(info.response_domain),
        p["class_sampling_factors"],
        p["max_after_balance_size"],
        p["seed"],
    )
    return setup.frame.take(balanced.index), balanced.model_class_distrib


def _scoring_rows(
    info: DataInfo, frame: Frame, target: int, seed: int, inputs: EncodedRows | None = None
) -> LabelledRows:
    """Return the rows scored at each event: H2O's fixed sample of ``target`` rows (0: all)."""
    rows = encode_labelled(info, frame, inputs)
    kept = sample_rows(rows.nrows, target, seed)
    return rows if kept is None else rows.take(kept)


def _validation_rows(setup: Setup) -> LabelledRows | None:
    """Return the validation rows scored at each event: uniform, or stratified (with balancing)."""
    p, info, valid = setup.params, setup.datainfo, setup.validation
    if valid is None:
        return None
    target, seed = p["score_validation_samples"], p["seed"] + 1
    stratified = (
        p["score_validation_sampling"] == "Stratified"
        and p["balance_classes"]
        and setup.problem.is_classifier
    )
    if not stratified:
        return _scoring_rows(info, valid, target, seed)
    rows = encode_labelled(info, valid)
    return rows.take(
        stratified_validation_rows(rows.actual, len(info.response_domain), target, seed)
    )


def _scorer(
    setup: Setup,
    train_frame: Frame,
    fitted: FittedNetwork,
    state: NetworkState,
    train_inputs: EncodedRows,
    on_event: Callable[[ScoringEvent], None],
    checkpoint: Any,
) -> Scorer:
    p, info, valid = setup.params, setup.datainfo, setup.validation
    custom = p["custom_metric_func"]

    sparse = setup.problem.category == "AutoEncoder" and p["sparsity_beta"] > 0

    def evaluate(rows: LabelledRows, description: str) -> Any:
        metrics = fitted.evaluate(rows, p, custom_metric=custom, description=description)
        if sparse:  # H2O's scoring passes update the running average activations too
            for layer, start in enumerate(np.cumsum((0, *setup.spec.units[1:-2]))):
                running_average(
                    state.avg_activations, int(start), fitted.outputs(rows.inputs, layer)
                )
        return metrics

    scorer = Scorer(
        evaluate=evaluate,
        params=p,
        category=setup.problem.category,
        train_rows=_scoring_rows(
            info, train_frame, p["score_training_samples"], p["seed"], train_inputs
        ),
        valid_rows=_validation_rows(setup),
        train_total=train_frame.nrows,
        valid_total=0 if valid is None else valid.nrows,
        on_event=on_event,
    )
    if checkpoint is not None:  # H2O: the history, the best loss, and the checkpoint as best model
        earlier = checkpoint._result
        scorer.history = list(earlier.history)
        scorer.time_offset = earlier.history[-1].duration
        scorer.best_loss = earlier.best_loss
        if p["overwrite_with_best_model"]:
            scorer.best = tuple(a.copy() for a in earlier.state.arrays)
    return scorer


def fit(
    setup: Setup,
    console: Any = None,
    checkpoint: Any = None,
    on_scoring: Callable[[TrainingResult], None] | None = None,
    pretrained: Any = None,
) -> TrainingResult:
    """Initialise and train a network, scoring it as H2O does; return the result.

    Parameters
    ----------
    setup : Setup
        The result of :func:`tabdl.training.prepare`.
    console : TrainingConsole, optional
        Told of every iteration and scoring event (:mod:`tabdl.report.console`).
    checkpoint : DeepLearningEstimator, optional
        A trained model to continue (checked by :mod:`tabdl.training.checkpoint`): its weights,
        optimiser state, counters, history and best loss carry over.
    on_scoring : callable, optional
        Called after every scoring event with the model so far (``export_checkpoints_dir``).
    pretrained : DeepLearningEstimator, optional
        An autoencoder whose hidden layers start this model (``pretrained_autoencoder``).

    Returns
    -------
    TrainingResult
        The network for scoring (its weights are views into the state), the state with its
        counters (``processed`` samples, ``iterations``), the scoring history and final metrics.

    """
    p, info = setup.params, setup.datainfo
    if p["seed"] == -1:
        p["seed"] = draw_seed()
    # the batch engine trains in float32: its inputs are encoded so, and shared with torch
    dtype = np.float32 if uses_batch_engine(p) else np.float64
    rows = encode_training(info, setup.frame, dtype)
    train_frame, model_dist = _balanced(setup, rows)
    fitted_rows = rows
    if train_frame is not setup.frame:
        rows = encode_training(info, train_frame, dtype)
    resumed = checkpoint is not None
    state = resumed_state(checkpoint, setup.spec) if resumed else _initial_state(setup, pretrained)
    response_transform = (info.resp_sub or 0.0, info.resp_mul or 1.0, info.offset is not None)
    config = engine_config(setup.spec, p, p["seed"], setup.problem.category, response_transform)
    fitted = _fitted_network(setup, state, fitted_rows, model_dist)
    unseen_na = unseen_na_buckets_of(info, rows, na_trains_bucket=True)

    def result_so_far(event: ScoringEvent) -> TrainingResult:
        watched = event.valid if setup.validation is not None else event.train
        scored = fitted
        if setup.problem.category == "Binomial" and watched is not None:  # H2O's max-F1 labels
            scored = dataclasses.replace(
                fitted, default_threshold=float(watched.default_threshold())
            )
        return TrainingResult(
            fitted=scored,
            state=state,
            history=list(scorer.history),
            training_metrics=event.train,
            validation_metrics=event.valid,
            has_validation=setup.validation is not None,
            stopped_early=scorer.stopped_early,
            unseen_na=unseen_na,
            best_loss=scorer.best_loss,
        )

    def on_event(event: ScoringEvent) -> None:
        if console is not None:
            console.on_event(event)
        if on_scoring is not None and state.training_rows > 0:  # a model that has begun to train
            on_scoring(result_so_far(event))

    scorer = _scorer(setup, train_frame, fitted, state, rows.inputs, on_event, checkpoint)

    def after_iteration(trained: NetworkState) -> bool:
        if console is not None:
            console.on_iteration(trained.processed / trained.training_rows)
        return scorer(trained)

    scorer.start(state)
    engine = batch_engine.train if uses_batch_engine(p) else train
    try:
        engine(state, rows, p, config, on_iteration=after_iteration, parts=train_frame.parts)
    finally:
        if console is not None:
            console.close()
    scorer.finish(state)
    share_outcome(scorer, state)  # on several processes, each ends with rank 0's model and history
    return result_so_far(scorer.history[-1])
