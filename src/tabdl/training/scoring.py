"""Scoring while training: when to score, on which rows, and what each scoring event records.

H2O scores after an iteration when training ends, when ``score_each_iteration`` is set, or when
``score_interval`` seconds have passed since the last scoring and scoring has taken less than
``score_duty_cycle`` of the time since (behaviour reference, section 5.3). A ``reproducible=True``
run scores after every iteration: H2O 3.46.0.11 does so (checked on a live H2O; the reference does
not say it). Each event scores a fixed
sample of the training rows (``score_training_samples``) and of the validation rows
(``score_validation_samples``), then tracks the best model and checks the stopping rules (5.4, 5.5).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numba as nb
import numpy as np

from tabdl.encoding.datainfo import LabelledRows
from tabdl.errors import NothingToScoreError
from tabdl.rng import next_float, set_seed, wrap_int64
from tabdl.training.network_state import NetworkState
from tabdl.training.stopping import stop_early, stopping_metric

#: Accessor of each stopping metric on a metrics object.
METRIC_ACCESSORS = {
    "deviance": "mean_residual_deviance",
    "logloss": "logloss",
    "MSE": "mse",
    "RMSE": "rmse",
    "MAE": "mae",
    "RMSLE": "rmsle",
    "AUC": "auc",
    "AUCPR": "aucpr",
    "lift_top_group": "lift_top_group",
    "misclassification": "classification_error",
    "mean_per_class_error": "default_mean_per_class_error",
    "custom": "custom_metric_value",
    "custom_increasing": "custom_metric_value",
}


@nb.njit(cache=True)
def _bernoulli_rows(n_rows: int, fraction: float, seed: int) -> np.ndarray:
    g = np.zeros(2, dtype=np.uint64)
    keep = np.zeros(n_rows, dtype=np.bool_)
    count = 0
    for r in range(n_rows):
        set_seed(g, seed + r)  # H2O re-seeds per row, so the sample does not depend on the chunks
        if np.float64(next_float(g)) < fraction or (count == 0 and r == n_rows - 1):
            keep[r] = True
            count += 1
    return keep


def sample_rows(n_rows: int, target: int, seed: int) -> np.ndarray | None:
    """Rows of a scoring sample, as H2O 3.46's ``MRUtils.sampleFrame`` draws them.

    Row ``r`` is kept when a uniform float32, from the generator seeded ``seed + r``, is below the
    double ``target / n_rows`` (the last row is kept if no other was). Returns the kept row
    positions, or ``None`` when the sample is the whole frame (``target`` 0, or at least ``n_rows``).
    """
    fraction = target / n_rows if target > 0 else 1.0
    if fraction >= 1.0:
        return None
    return np.flatnonzero(_bernoulli_rows(n_rows, fraction, wrap_int64(seed)))


@dataclass(frozen=True)
class ScoringEvent:
    """One row of the scoring history."""

    timestamp: float  # seconds since the epoch
    duration: float  # seconds of training (with scoring) so far
    training_speed: float  # samples per second of training, scoring excluded; NaN at row 0
    epochs: float
    iterations: int
    samples: int
    train: Any = None  # metrics on the training sample
    valid: Any = None  # metrics on the validation sample


def metric_value(metrics: Any, accessor: str) -> float:
    """Return ``metrics.<accessor>()`` as a float: NaN where the metrics or the value are missing."""
    if metrics is None:
        return math.nan
    value = getattr(metrics, accessor)()
    return math.nan if value is None else float(value)


#: H2O's ``Model.loss()``, which picks the best model: the stopping metric where it has a case for
#: it, else the problem's default; more-is-better metrics negated (H2O: ``1 - AUC``).
LOSS_FALLBACK = ("RMSE", "custom", "custom_increasing")


@dataclass
class Scorer:
    """Scores the model after iterations, keeps the history, the best model, and decides to stop.

    Call it after every iteration (it is the training loop's ``on_iteration``); call
    :meth:`finish` when the loop ends.
    """

    evaluate: Callable[..., Any]  # (rows, description) -> metrics
    params: Mapping[str, Any]
    category: str
    train_rows: LabelledRows
    valid_rows: LabelledRows | None
    train_total: int  # rows of the training frame (for the metrics description)
    valid_total: int = 0
    on_event: Callable[[ScoringEvent], None] | None = None
    started: float = field(default_factory=time.monotonic)
    #: seconds of earlier training: a checkpoint restart continues the checkpoint's clock
    time_offset: float = 0.0
    history: list[ScoringEvent] = field(default_factory=list)
    best: tuple | None = None  # copies of the state arrays of the best model so far
    best_loss: np.float32 = np.float32(np.inf)
    stopped_early: bool = False
    _last_start: float | None = None
    _last_end: float = 0.0
    _scoring_seconds: float = 0.0
    _start_samples: int = 0

    def __post_init__(self) -> None:
        self.metric = stopping_metric(self.params["stopping_metric"], self.category)

    def start(self, state: NetworkState) -> None:
        """Begin the history: H2O's empty row 0 (supervised) or the null model's scores (autoencoder).

        A restart from a checkpoint continues the checkpoint's history instead.
        """
        self.started = time.monotonic()
        self._start_samples = state.processed  # the speed counts this run's samples
        if self.history:
            return
        if self.category == "AutoEncoder":  # scored as any event: best model and stopping too
            event = self._score(state)
            self._track_best(state, event)
            self._check_stop(event)
        else:
            self._append(ScoringEvent(time.time(), 0.0, float("nan"), 0.0, 0, 0))

    def __call__(self, state: NetworkState) -> bool:
        """After an iteration: score if due; return True to stop training."""
        p = self.params
        now = time.monotonic()
        timed_out = 0 < p["max_runtime_secs"] < now - self.started
        keep_running = state.processed / state.training_rows < p["epochs"] and not timed_out
        since = now - self._last_start if self._last_start is not None else float("inf")
        due = (
            not keep_running
            or p["score_each_iteration"]
            or p["reproducible"]  # H2O scores every iteration of a reproducible run (checked live)
            or (
                since > p["score_interval"]
                and (self._last_end - (self._last_start or 0.0)) / since < p["score_duty_cycle"]
            )
        )
        if due:
            event = self._score(state)
            self._track_best(state, event)
            self._check_stop(event)
        return not keep_running or self.stopped_early

    def finish(self, state: NetworkState) -> None:
        """Restore the best model when it beats the final one (H2O's ``overwrite_with_best_model``)."""
        if self.best is None or not self.history:
            return
        if self.best_loss < self._loss(self.history[-1]):
            for target, saved in zip(state.arrays, self.best, strict=True):
                target[:] = saved
            self._score(state)

    # -- internals ---------------------------------------------------------------------------------
    def _score(self, state: NetworkState) -> ScoringEvent:
        self._last_start = time.monotonic()
        train = self._evaluate(self.train_rows, self.train_total, "train")
        valid = None
        if self.valid_rows is not None:
            valid = self._evaluate(self.valid_rows, self.valid_total, "validation")
        self._last_end = time.monotonic()
        self._scoring_seconds += self._last_end - self._last_start
        trained = self._last_end - self.started - self._scoring_seconds
        duration = self._last_end - self.started + self.time_offset
        speed = (state.processed - self._start_samples) / trained if trained > 0 else 0.0
        event = ScoringEvent(
            time.time(),
            duration,
            speed,
            state.processed / state.training_rows if state.training_rows else 0.0,
            state.iterations,
            state.processed,
            train,
            valid,
        )
        self._append(event)
        return event

    def _evaluate(self, rows: LabelledRows, total: int, kind: str) -> Any:
        """Score one frame; ``kind`` ("train" or "validation") is what the metrics print.

        A sample with no row to score (every response missing, or every weight 0) gives no
        metrics (NaN in the history) instead of stopping training, as H2O reports NaN there.
        """
        description = kind if rows.nrows == total else f"{kind} (a sample of {rows.nrows} rows)"
        try:
            return self.evaluate(rows, description)
        except NothingToScoreError:
            return None

    def _append(self, event: ScoringEvent) -> None:
        self.history.append(event)
        if self.on_event is not None:
            self.on_event(event)

    def _watched(self, event: ScoringEvent) -> Any:
        """Return the metrics stopping and the best model watch: validation's, if there is a frame."""
        return event.valid if self.valid_rows is not None else event.train

    def _loss(self, event: ScoringEvent) -> np.float32:
        """H2O's ``loss()`` of the model at ``event``, a float32 as H2O compares it."""
        metric = self.metric
        if metric.name in LOSS_FALLBACK:
            metric = stopping_metric("AUTO", self.category)
        value = metric_value(self._watched(event), METRIC_ACCESSORS[metric.name])
        if metric.name in ("AUC", "AUCPR"):
            value = 1.0 - value
        elif (
            metric.more_is_better
        ):  # lift_top_group: H2O keeps +lift, the lowest; tabdl the highest
            value = -value
        return np.float32(value)

    def _track_best(self, state: NetworkState, event: ScoringEvent) -> None:
        if not self.params["overwrite_with_best_model"]:
            return
        loss = self._loss(event)
        if loss < self.best_loss:
            self.best_loss = loss
            self.best = tuple(a.copy() for a in state.arrays)

    def _check_stop(self, event: ScoringEvent) -> None:
        p = self.params
        train = event.train
        if self.category in ("Binomial", "Multinomial"):
            if metric_value(train, "classification_error") <= p["classification_stop"]:
                self.stopped_early = True
        elif metric_value(train, "mse") <= p["regression_stop"]:  # regression and autoencoder
            self.stopped_early = True
        accessor = METRIC_ACCESSORS[self.metric.name]
        values = [metric_value(self._watched(e), accessor) for e in self.history]
        if stop_early(values, p["stopping_rounds"], self.metric, p["stopping_tolerance"]):
            self.stopped_early = True
