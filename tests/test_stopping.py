"""Early stopping (H2O's moving-average rule), scoring samples and the history's formatting."""

from __future__ import annotations

import math

import numpy as np

from tabdl.training.history import format_duration
from tabdl.training.scoring import sample_rows
from tabdl.training.stopping import stop_early, stopping_metric

NAN = math.nan
LOGLOSS = stopping_metric("logloss", "Binomial")
AUC = stopping_metric("AUC", "Binomial")
DEVIANCE = stopping_metric("AUTO", "Regression")


def test_auto_metric_per_problem():
    assert stopping_metric("AUTO", "Binomial").name == "logloss"
    assert stopping_metric("AUTO", "Multinomial").name == "logloss"
    assert stopping_metric("AUTO", "Regression").name == "deviance"
    assert stopping_metric("AUTO", "AutoEncoder").name == "MSE"


def test_needs_two_k_events_after_the_first():
    flat = [NAN, 1.0, 1.0, 1.0, 1.0]  # 4 events after the empty first one
    assert not stop_early(flat[:4], 2, LOGLOSS, 0.0)  # 3 < 2k
    assert stop_early(flat, 2, LOGLOSS, 0.0)  # 4 >= 2k, and no improvement
    assert not stop_early(flat, 0, LOGLOSS, 0.0)  # 0 disables


def test_less_is_better_stops_unless_the_best_recent_average_improves():
    # k=2, last 4 events 1.0 0.9 0.8 0.7: MAs 0.95 (reference), 0.85, 0.75 -> 0.75/0.95 < 1 -> go on
    improving = [NAN, 1.0, 0.9, 0.8, 0.7]
    assert not stop_early(improving, 2, LOGLOSS, 0.0)
    # with tolerance 0.3 the improvement (21%) is not enough: 0.789 >= 0.7 -> stop
    assert stop_early(improving, 2, LOGLOSS, 0.3)
    worsening = [NAN, 0.7, 0.8, 0.9, 1.0]
    assert stop_early(worsening, 2, LOGLOSS, 0.0)


def test_more_is_better_metric():
    rising = [NAN, 0.6, 0.7, 0.8, 0.9]  # MAs 0.65, 0.75, 0.85
    assert not stop_early(rising, 2, AUC, 0.0)
    assert stop_early(rising, 2, AUC, 0.5)  # 0.85/0.65 = 1.31 <= 1.5
    falling = [NAN, 0.9, 0.8, 0.7, 0.6]
    assert stop_early(falling, 2, AUC, 0.0)


def test_the_window_is_the_last_two_k_events():
    # an old improvement outside the last 2k events does not matter
    history = [NAN, 5.0, 1.0, 1.0, 1.0, 1.0]
    assert stop_early(history, 2, LOGLOSS, 0.0)
    assert not stop_early(history, 3, DEVIANCE, 0.0)  # 5 events < 2k = 6


def test_nan_average_continues_and_zero_lower_bound_stops():
    assert not stop_early([NAN, NAN, 1.0, 1.0, 1.0], 2, LOGLOSS, 0.0)
    assert stop_early([NAN, 0.0, 0.0, 0.5, 0.5], 2, LOGLOSS, 0.0)  # reference 0: converged
    # deviance is not bounded by zero: a zero reference never stops (Java's 0/0)
    assert not stop_early([NAN, 0.0, 0.0, 0.0, 0.0], 2, DEVIANCE, 0.0)


def test_sign_change_continues():
    # moving averages of different signs (e.g. an R2-like metric crossing 0): keep training
    assert not stop_early([NAN, -1.0, 1.0], 1, DEVIANCE, 0.0)
    assert not stop_early([NAN, -0.5, -0.5, 0.5, 0.5], 2, DEVIANCE, 0.0)


def test_sample_rows_keeps_about_the_target_deterministically():
    kept = sample_rows(100_000, 10_000, seed=42)
    assert 9_500 < len(kept) < 10_500
    assert np.array_equal(kept, sample_rows(100_000, 10_000, seed=42))
    assert not np.array_equal(kept, sample_rows(100_000, 10_000, seed=43))
    assert sample_rows(5_000, 10_000, seed=1) is None  # the whole frame
    assert sample_rows(5_000, 0, seed=1) is None
    assert len(sample_rows(10, 1, seed=7)) >= 1  # never empty: the last row is kept if none was


def test_duration_is_formatted_as_h2o():
    assert format_duration(0.118) == " 0.118 sec"
    assert format_duration(12.5) == "12.500 sec"
    assert format_duration(70.353) == " 1 min 10.353 sec"
    assert format_duration(3723.004) == " 1:02:03.004"
