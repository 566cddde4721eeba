"""Grid search: strategies, limits, the leaderboard, failures, resuming, and continuing a winner."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import tabdl
from tabdl.errors import ParameterError, ParameterTypeError

DATA = pd.read_csv(Path(__file__).parent / "data" / "h2o_cv" / "prostate.csv")
TRAIN, VALID = DATA.iloc[:280], DATA.iloc[280:]
X = ["AGE", "RACE", "DPROS", "DCAPS", "PSA", "VOL", "GLEASON"]
BASE = dict(epochs=2, seed=11, reproducible=True, overwrite_with_best_model=False)
HYPER = {"hidden": [[4], [8]], "l1": [0.0, 1e-3], "activation": ["Tanh", "Rectifier"]}


def _grid(hyper=None, criteria=None, **kwargs):
    return tabdl.GridSearch(
        tabdl.DeepLearningEstimator(**BASE), hyper or HYPER, search_criteria=criteria, **kwargs
    )


def _train(grid, **params):
    return grid.train(
        x=X, y="CAPSULE", training_frame=TRAIN, validation_frame=VALID,
        categorical_columns=["CAPSULE"], **params,
    )  # fmt: skip


@pytest.fixture(scope="module")
def cartesian():
    return _train(_grid(grid_id="cart"))


def test_cartesian_trains_every_combination_in_order(cartesian):
    expected = [
        dict(zip(HYPER, values, strict=True)) for values in itertools.product(*HYPER.values())
    ]
    assert cartesian.model_ids == [f"cart_model_{n}" for n in range(1, 9)]
    for model, combination in zip(cartesian.models, expected, strict=True):
        assert cartesian.get_hyperparams_dict(model.model_id, display=False) == combination
        used = {k: model.actual_params[k] for k in HYPER}
        assert {k: list(v) if isinstance(v, tuple) else v for k, v in used.items()} == combination
        assert model.actual_params["epochs"] == 2  # the estimator's own parameters are kept
    assert tabdl.get_grid("cart") is cartesian


def test_the_leaderboard_sorts_by_validation_metrics(cartesian):
    board = cartesian.get_grid()  # default: logloss, increasing
    losses = [m.logloss(valid=True) for m in board.models]
    assert losses == sorted(losses)
    table = board.sorted_metric_table()
    assert list(table.columns) == ["hidden", "l1", "activation", "model_ids", "logloss"]
    assert list(table["model_ids"]) == board.model_ids and list(table["logloss"]) == losses
    by_auc = cartesian.get_grid(sort_by="auc")
    aucs = [m.auc(valid=True) for m in by_auc.models]
    assert aucs == sorted(aucs, reverse=True)
    ascending = cartesian.get_grid(sort_by="auc", decreasing=False)
    assert ascending.model_ids == by_auc.model_ids[::-1] or aucs != sorted(set(aucs), reverse=True)
    assert cartesian.auc(valid=True) == {m.model_id: m.auc(valid=True) for m in cartesian.models}
    assert "Hyper-Parameter Search Summary: ordered by decreasing auc" in repr(by_auc)
    with pytest.raises(ParameterError, match="cannot sort by 'bogus'"):
        cartesian.get_grid(sort_by="bogus")


def test_random_discrete_draws_from_the_seed_and_stops_at_max_models():
    criteria = {"strategy": "RandomDiscrete", "max_models": 3, "seed": 5}
    first = _train(_grid(criteria=criteria, grid_id="rnd_a"))
    again = _train(_grid(criteria=criteria, grid_id="rnd_b"))
    combos = [first.get_hyperparams_dict(i, display=False) for i in range(3)]
    assert len(first) == 3
    assert combos == [again.get_hyperparams_dict(i, display=False) for i in range(3)]
    cartesian_order = [dict(zip(HYPER, v, strict=True)) for v in itertools.product(*HYPER.values())]
    assert combos != cartesian_order[:3]
    for a, b in zip(first.models, again.models, strict=True):
        np.testing.assert_array_equal(a.weights(0), b.weights(0))


def test_random_discrete_stops_when_the_models_stop_improving():
    # k=1 with a tolerance of 100%: the second model can never improve enough, so the grid stops.
    criteria = {"strategy": "RandomDiscrete", "seed": 1, "stopping_rounds": 1,
                "stopping_tolerance": 1.0, "stopping_metric": "logloss"}  # fmt: skip
    grid = _train(_grid(criteria=criteria))
    assert len(grid) == 2


def test_max_runtime_secs_stops_the_grid():
    hyper = {"hidden": [[8]], "l2": [0.0, 1e-5, 1e-4, 1e-3, 1e-2, 0.1]}
    grid = _grid(hyper, {"max_runtime_secs": 0.05})
    _train(grid, epochs=30)
    assert 1 <= len(grid) < 6


def test_a_failing_model_is_reported_and_the_rest_go_on():
    hyper = {"hidden": [[4]], "activation": ["Tanh", "Bogus", "Rectifier"]}
    grid = _train(_grid(hyper))
    assert [grid.get_hyperparams_dict(i, display=False)["activation"] for i in range(2)] == [
        "Tanh",
        "Rectifier",
    ]
    assert grid.failed_params == [{"hidden": [4], "activation": "Bogus"}]
    assert "activation='Bogus' is not one of" in grid.failure_details[0]
    assert "Failed models (1)" in repr(grid)


def test_bad_grid_definitions_fail_at_once():
    with pytest.raises(ParameterTypeError, match="did you mean 'hidden'"):
        _grid({"hiden": [[4]]})
    with pytest.raises(ParameterError, match="is empty"):
        _grid({"hidden": []})
    with pytest.raises(ParameterError, match="strategy 'Greedy' is not one of"):
        _grid(criteria={"strategy": "Greedy"})
    with pytest.raises(ParameterError, match="unknown search_criteria key"):
        _grid(criteria={"max_model": 3})
    with pytest.raises(ParameterError, match="cannot be a hyper-parameter"):
        _grid({"model_id": ["a", "b"]})
    with pytest.raises(ParameterError, match="GridSearch needs tabdl.DeepLearningEstimator"):
        tabdl.GridSearch(object(), HYPER)


def test_the_same_grid_run_again_resumes_from_its_saved_models(tmp_path, monkeypatch):
    hyper = {"hidden": [[4], [6]], "l1": [0.0, 1e-3]}
    first = _train(_grid(hyper, {"max_models": 2}, export_checkpoints_dir=str(tmp_path)))
    assert len(list(tmp_path.glob("*.tabdl"))) == 2 and len(list(tmp_path.glob("*.grid.json"))) == 1

    trained = []
    original = tabdl.DeepLearningEstimator.train

    def counting(self, *args, **kwargs):
        trained.append(self.model_id)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(tabdl.DeepLearningEstimator, "train", counting)
    second = _train(_grid(hyper, export_checkpoints_dir=str(tmp_path)))
    assert second.grid_id == first.grid_id
    assert len(second) == 4 and len(trained) == 2  # two loaded, two trained
    assert set(trained) == set(second.model_ids) - set(first.model_ids)
    for saved, loaded in zip(first.models, second.models[:2], strict=True):
        np.testing.assert_array_equal(saved.weights(0), loaded.weights(0))


def test_models_can_be_cross_validated_and_ranked_by_their_cross_validation_metrics():
    grid = tabdl.GridSearch(tabdl.DeepLearningEstimator(**BASE), {"hidden": [[4], [6]]})
    grid.train(x=X, y="CAPSULE", training_frame=DATA, categorical_columns=["CAPSULE"], nfolds=2)
    board = grid.get_grid()
    assert [m.logloss(xval=True) for m in board.models] == sorted(
        m.logloss(xval=True) for m in board.models
    )


def test_the_winner_continues_by_checkpoint_as_if_trained_longer(cartesian):
    best = cartesian.get_grid(sort_by="logloss").models[0]
    # The recipe (docs/grid-search.md): the winner's own parameters, a checkpoint, more epochs.
    given = {k: v["input"] for k, v in best.params.items() if v["input"] is not None}
    given.pop("model_id")
    continued = tabdl.DeepLearningEstimator(**{**given, "checkpoint": best.model_id, "epochs": 4})
    continued.train(x=X, y="CAPSULE", training_frame=TRAIN, validation_frame=VALID,
                    categorical_columns=["CAPSULE"])  # fmt: skip
    hyper = cartesian.get_hyperparams_dict(best.model_id, display=False)
    straight = tabdl.DeepLearningEstimator(**{**BASE, **hyper, "epochs": 4})
    straight.train(x=X, y="CAPSULE", training_frame=TRAIN, validation_frame=VALID,
                   categorical_columns=["CAPSULE"])  # fmt: skip
    assert continued.epoch_counter == straight.epoch_counter == 4
    for layer in range(len(hyper["hidden"]) + 1):
        np.testing.assert_array_equal(continued.weights(layer), straight.weights(layer))
        np.testing.assert_array_equal(continued.biases(layer), straight.biases(layer))
