"""Block momentum for the threads' averaged model copies, against BMUF's recurrence written out."""

from __future__ import annotations

import numpy as np
import pytest

import tabdl
from tabdl.training import loop
from tabdl.training.block_momentum import BlockMomentum

from conftest import H2O


def _bmuf_reference(start: np.ndarray, averages_from, n_copies: int, iterations: int) -> list:
    """Chen and Huo's recurrence with the filtered model kept explicitly (Nesterov look-ahead)."""
    eta = 1.0 - 1.0 / n_copies
    model, velocity, starts = start.copy(), np.zeros_like(start), [start.copy()]
    for _ in range(iterations):
        velocity = eta * velocity + (averages_from(starts[-1]) - starts[-1])
        model = model + velocity
        starts.append(model + eta * velocity)
    return starts


@pytest.mark.parametrize("n_copies", [2, 3, 4])
def test_the_starts_follow_bmuf_with_the_filtered_model_recovered_from_the_start(n_copies):
    rng = np.random.default_rng(n_copies)
    shift = rng.normal(size=7)

    def averages_from(start):  # the copies' average: any function of where they started
        return 0.9 * start + shift

    expected = _bmuf_reference(rng.normal(size=7), averages_from, n_copies, 6)
    block, start = BlockMomentum(), expected[0]
    for want in expected[1:]:
        start = block.combine(0, start, averages_from(start), n_copies)
        np.testing.assert_allclose(start, want, rtol=1e-12, atol=1e-12)


def test_a_steady_change_becomes_n_times_the_averaged_change():
    # Copies that always move by d from their start: one model training all the rows moves n * d.
    block, start, d = BlockMomentum(), np.zeros(3), np.array([1.0, -2.0, 0.5])
    for _ in range(60):
        previous = start
        start = block.combine(0, start, start + d, n_copies=2)
    np.testing.assert_allclose(start - previous, 2 * d, rtol=1e-9)


def test_one_copy_is_returned_unchanged_and_arrays_keep_their_own_velocity():
    block = BlockMomentum()
    assert np.array_equal(block.combine(0, np.zeros(2), np.array([1.0, 2.0]), 1), [1.0, 2.0])
    first = block.combine(1, np.zeros(2), np.ones(2), 2)
    np.testing.assert_allclose(first, 1.5)  # array 1's first step: (1 + eta) * change
    # array 0 kept its velocity (1, 2): now (1, 1) + 0.5 * (1, 2), from the filtered -0.5 * (1, 2)
    second = block.combine(0, np.zeros(2), np.ones(2), 2)
    np.testing.assert_allclose(second, -0.5 * np.array([1.0, 2.0]) + 1.5 * np.array([1.5, 2.0]))


def test_the_threads_combine_weights_and_biases_with_block_momentum_only(monkeypatch):
    calls = []
    original = BlockMomentum.combine

    def recording(self, key, start, average, n_copies):
        calls.append((key, start.dtype, n_copies))
        return original(self, key, start, average, n_copies)

    monkeypatch.setattr(loop, "THREAD_STRATEGY", "average")
    monkeypatch.setattr(BlockMomentum, "combine", recording)
    monkeypatch.setattr(loop, "local_cores", lambda: 2)
    model = tabdl.DeepLearningEstimator(
        hidden=[5], epochs=2, seed=3, train_samples_per_iteration=200, quiet_mode=True
    ).train(x=["x1", "x2", "x3"], y="yb", training_frame=H2O / "train.csv")
    assert {key for key, _, _ in calls} == set(loop.BLOCK_MOMENTUM_ARRAYS) == {0, 1}
    assert {dtype for _, dtype, _ in calls} == {np.dtype(np.float32), np.dtype(np.float64)}
    assert {n for _, _, n in calls} == {2} and len(calls) == 2 * model.iterations
