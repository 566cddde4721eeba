"""Grid search, as H2O's ``H2OGridSearch``: train a model per combination of hyper-parameters.

::

    grid = tabdl.GridSearch(tabdl.DeepLearningEstimator(epochs=5),
                            hyper_params={"hidden": [[32], [64, 64]], "l1": [0, 1e-4]},
                            search_criteria={"strategy": "RandomDiscrete", "max_models": 3, "seed": 1})
    grid.train(x=x, y="y", training_frame=train, validation_frame=valid)
    board = grid.get_grid(sort_by="logloss")
    best = board.models[0]

A model that fails (a value that does not validate, a diverging network) is reported in
``failed_params`` / ``failure_details`` and the search goes on. With ``export_checkpoints_dir``
(of the grid or of the model) each finished model is saved, and running the same grid again loads
the saved models instead of training them (:mod:`tabdl.grid.store`).
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pandas as pd

from tabdl.errors import ParameterError
from tabdl.frame import as_frame
from tabdl.grid.space import SearchCriteria, check_hyper_params, walk
from tabdl.grid.space import search_criteria as check_search_criteria
from tabdl.grid.store import GridFolder
from tabdl.training.stopping import stop_early, stopping_metric

__all__ = ["GridSearch"]

_grid_counter = itertools.count(1)


def _metric_readers() -> dict[str, tuple[Callable[[Any], float], bool]]:
    """Leaderboard metrics: how to read each from a metrics object, and whether more is better."""

    def mpce(m: Any) -> float:
        reader = getattr(m, "default_mean_per_class_error", None)
        return reader() if reader is not None else m.mean_per_class_error()

    return {
        "logloss": (lambda m: m.logloss(), False),
        "auc": (lambda m: m.auc(), True),
        "aucpr": (lambda m: m.aucpr(), True),
        "pr_auc": (lambda m: m.aucpr(), True),
        "lift_top_group": (lambda m: m.lift_top_group(), True),
        "mean_per_class_error": (mpce, False),
        "err": (lambda m: m.classification_error(), False),
        "mse": (lambda m: m.mse(), False),
        "rmse": (lambda m: m.rmse(), False),
        "mae": (lambda m: m.mae(), False),
        "rmsle": (lambda m: m.rmsle(), False),
        "r2": (lambda m: m.r2(), True),
        "mean_residual_deviance": (lambda m: m.mean_residual_deviance(), False),
        "residual_deviance": (lambda m: m.mean_residual_deviance(), False),
    }


METRICS = _metric_readers()
#: ``stopping_metric`` names and the leaderboard metric each watches.
_STOPPING_TO_METRIC = {"deviance": "mean_residual_deviance", "logloss": "logloss", "MSE": "mse",
                       "RMSE": "rmse", "MAE": "mae", "RMSLE": "rmsle", "AUC": "auc",
                       "AUCPR": "aucpr", "lift_top_group": "lift_top_group",
                       "misclassification": "err", "mean_per_class_error": "mean_per_class_error"}  # fmt: skip


def _scored_metrics(model: Any) -> Any:
    """Return the metrics a grid ranks a model by: validation, else cross-validation, else training."""
    result = model._result
    if result is not None and result.validation_metrics is not None:
        return result.validation_metrics
    cv = getattr(model, "_cv", None)
    if cv is not None:
        return cv.metrics
    return None if result is None else result.training_metrics


def _default_sort(model: Any) -> str:
    """Return the leaderboard's default metric: early stopping's AUTO metric for the problem."""
    return _STOPPING_TO_METRIC[stopping_metric("AUTO", model._fitted.category).name]


class GridSearch:
    """Grid search over Deep Learning hyper-parameters (H2O's ``H2OGridSearch``).

    Parameters
    ----------
    model : DeepLearningEstimator class or instance
        The model to vary; an instance's parameters are kept for every model of the grid.
    hyper_params : dict
        Parameter name -> list of values.
    grid_id : str, optional
        The grid's name; model ids are ``<grid_id>_model_<n>``. Default: generated, or, with
        ``export_checkpoints_dir``, derived from the grid's parameters so that the same grid run
        again finds its saved models.
    search_criteria : dict, optional
        ``strategy`` (``"Cartesian"``, default, or ``"RandomDiscrete"``), ``max_models``,
        ``max_runtime_secs``, ``seed``, and for RandomDiscrete ``stopping_rounds``,
        ``stopping_metric``, ``stopping_tolerance`` (over models).
    export_checkpoints_dir : str, optional
        Save each finished model here and resume from it (also read from the model's parameter).
    parallelism : int, default=1
        Models trained at once. Above 1 only with ``reproducible=True`` models (each trains on one
        thread); otherwise models train one after another, each on every core.

    """

    def __init__(
        self,
        model: Any,
        hyper_params: Mapping[str, Any],
        grid_id: str | None = None,
        search_criteria: Mapping[str, Any] | None = None,
        export_checkpoints_dir: str | None = None,
        parallelism: int = 1,
    ) -> None:
        from tabdl.estimator import DeepLearningEstimator

        if isinstance(model, type) and issubclass(model, DeepLearningEstimator):
            self._estimator, base = model, {}
        elif isinstance(model, DeepLearningEstimator):
            self._estimator, base = type(model), dict(model._input_params)
        else:
            raise ParameterError(
                f"GridSearch needs tabdl.DeepLearningEstimator (the class or an instance); got "
                f"{type(model).__name__}"
            )
        if not isinstance(parallelism, int) or parallelism < 1:
            raise ParameterError(f"parallelism must be an integer >= 1; got {parallelism!r}")
        self.hyper_params = check_hyper_params(hyper_params)
        self.search_criteria: SearchCriteria = check_search_criteria(search_criteria)
        self.grid_id = grid_id
        self.export_checkpoints_dir = export_checkpoints_dir
        self.parallelism = parallelism
        self._base = base
        self._models: list[Any] = []
        self._hyper_of: dict[str, dict[str, Any]] = {}
        self._sort: tuple[str, bool] | None = None
        self.failed_params: list[dict[str, Any]] = []
        self.failure_details: list[str] = []

    # -- training --------------------------------------------------------------------------------------
    def train(
        self,
        x: Any = None,
        y: Any = None,
        training_frame: Any = None,
        validation_frame: Any = None,
        categorical_columns: Any = None,
        **params: Any,
    ) -> GridSearch:
        """Train the grid's models (H2O's ``H2OGridSearch.train``); return ``self``.

        ``params`` are further model parameters for every model (``weights_column``, ``nfolds``,
        ``max_runtime_secs``, ...), as H2O's ``train`` takes them.
        """
        from tabdl.registry import register_grid

        if params.pop("model_id", None) is not None:
            raise ParameterError("a grid names its models itself: give grid_id, not model_id")
        params = {**self._base, **{k: v for k, v in params.items() if v is not None}}
        params.pop("model_id", None)
        if training_frame is None:
            training_frame = params.get("training_frame")
        if validation_frame is None:
            validation_frame = params.get("validation_frame")
        params.pop("training_frame", None)
        params.pop("validation_frame", None)
        frame = (
            as_frame(training_frame, categorical_columns) if training_frame is not None else None
        )
        valid = (
            as_frame(validation_frame, categorical_columns)
            if validation_frame is not None
            else None
        )
        folder_name = self.export_checkpoints_dir or params.get("export_checkpoints_dir")
        self.grid_id = self.grid_id or _grid_id(self, params, folder_name is not None)
        folder = GridFolder(folder_name, self.grid_id) if folder_name is not None else None
        criteria, started = self.search_criteria, time.monotonic()
        done = {m.model_id for m in self._models}

        def build(n: int, combination: dict[str, Any]) -> Any:
            model_id = f"{self.grid_id}_model_{n}"
            saved = folder.saved(combination) if folder is not None else None
            if saved is not None:
                from tabdl.io import load_model

                return load_model(saved)
            model_params = {**params, **combination, "model_id": model_id}
            if criteria.max_runtime_secs > 0:
                left = max(criteria.max_runtime_secs - (time.monotonic() - started), 1e-3)
                own = model_params.get("max_runtime_secs") or math.inf
                model_params["max_runtime_secs"] = min(own, left)
            try:
                model = self._estimator(**model_params)
                model.train(x=x, y=y, training_frame=frame, validation_frame=valid)
            except Exception as error:  # noqa: BLE001 - a failing model is reported, the grid goes on
                return error
            if folder is not None:
                folder.add(model, combination)
            return model

        workers = self.parallelism if params.get("reproducible") else 1
        pending = list(enumerate(walk(self.hyper_params, criteria), start=1))
        pending = [(n, c) for n, c in pending if f"{self.grid_id}_model_{n}" not in done]
        with ThreadPoolExecutor(max_workers=workers) as pool:
            while pending and not self._should_stop(started):
                size = workers
                if criteria.max_models:
                    size = max(1, min(workers, criteria.max_models - len(self._models)))
                batch, pending = pending[:size], pending[size:]
                for (_, combination), outcome in zip(
                    batch, pool.map(lambda item: build(*item), batch), strict=True
                ):
                    if isinstance(outcome, Exception):
                        self.failed_params.append(combination)
                        self.failure_details.append(f"{type(outcome).__name__}: {outcome}")
                    else:
                        self._models.append(outcome)
                        self._hyper_of[outcome.model_id] = combination
        register_grid(self)
        return self

    def _should_stop(self, started: float) -> bool:
        c = self.search_criteria
        if c.max_models and len(self._models) >= c.max_models:
            return True
        if c.max_runtime_secs and time.monotonic() - started >= c.max_runtime_secs:
            return True
        if c.strategy != "RandomDiscrete" or c.stopping_rounds == 0 or not self._models:
            return False
        category = self._models[0]._fitted.category
        watched = stopping_metric(c.stopping_metric, category)
        read = METRICS[_STOPPING_TO_METRIC[watched.name]][0]
        values = [read(_scored_metrics(m)) for m in self._models]
        return stop_early([math.nan, *values], c.stopping_rounds, watched, c.stopping_tolerance)

    # -- results ---------------------------------------------------------------------------------------
    @property
    def models(self) -> list[Any]:
        """The trained models, in leaderboard order after :meth:`get_grid`, else in build order."""
        return list(self._models)

    @property
    def model_ids(self) -> list[str]:
        """The models' ids, in the order of :attr:`models`."""
        return [m.model_id for m in self._models]

    def get_grid(self, sort_by: str | None = None, decreasing: bool | None = None) -> GridSearch:
        """Return the grid with its models sorted by a metric (H2O's ``get_grid``).

        Parameters
        ----------
        sort_by : str, optional
            ``logloss``, ``auc``, ``aucpr``, ``mean_per_class_error``, ``err``, ``lift_top_group``,
            ``mse``, ``rmse``, ``mae``, ``rmsle``, ``r2``, ``mean_residual_deviance``,
            ``residual_deviance``. Default: logloss for classifiers, mean residual deviance for
            regression, MSE for autoencoders. Each model's validation metrics are used if it has
            them, else its cross-validation metrics, else its training metrics.
        decreasing : bool, optional
            Default: True for metrics where more is better (auc, aucpr, r2, lift_top_group).

        """
        if not self._models:
            raise ParameterError("the grid has no trained models to sort; call train() first")
        name = (sort_by or _default_sort(self._models[0])).lower()
        if name not in METRICS:
            raise ParameterError(f"cannot sort by {sort_by!r}; use one of {', '.join(METRICS)}")
        read, more_is_better = METRICS[name]
        descending = more_is_better if decreasing is None else bool(decreasing)

        def key(model: Any) -> float:
            value = read(_scored_metrics(model))
            return math.inf if math.isnan(value) else (-value if descending else value)

        sorted_grid = copy.copy(self)
        sorted_grid._models = sorted(self._models, key=key)
        sorted_grid._sort = (name, descending)
        return sorted_grid

    def sorted_metric_table(self) -> pd.DataFrame:
        """Return the leaderboard: each model's hyper-parameters, id and sorting metric."""
        grid = self if self._sort is not None else self.get_grid()
        name, _ = grid._sort
        read = METRICS[name][0]
        rows = [
            {**{k: _shown(v) for k, v in grid._hyper_of.get(m.model_id, {}).items()},
             "model_ids": m.model_id, name: read(_scored_metrics(m))}
            for m in grid._models
        ]  # fmt: skip
        return pd.DataFrame(rows, columns=[*self.hyper_params, "model_ids", name])

    def summary(self) -> pd.DataFrame:
        """Return :meth:`sorted_metric_table` (h2o-py's ``summary``)."""
        return self.sorted_metric_table()

    def get_hyperparams(self, id: str | int, display: bool = True) -> list[Any]:  # noqa: A002
        """Return one model's hyper-parameter values (by id or position), in grid order."""
        combination = self.get_hyperparams_dict(id, display=False)
        if display:
            print(f"Hyperparameters: {list(combination)}")
        return list(combination.values())

    def get_hyperparams_dict(self, id: str | int, display: bool = True) -> dict[str, Any]:  # noqa: A002
        """Return one model's hyper-parameter values (by id or position), by name."""
        model_id = self.model_ids[id] if isinstance(id, int) else id
        if model_id not in self._hyper_of:
            raise ParameterError(f"no model {model_id!r} in grid {self.grid_id!r}")
        combination = dict(self._hyper_of[model_id])
        if display:
            print(f"Hyperparameters: {list(combination)}")
        return combination

    def __getattr__(self, name: str) -> Any:
        from tabdl.report.model_outputs import METRIC_NAMES

        if name in METRIC_NAMES:  # grid.auc(valid=True) -> {model_id: auc}, as h2o-py

            def per_model(*args: Any, **kwargs: Any) -> dict[str, Any]:
                return {m.model_id: getattr(m, name)(*args, **kwargs) for m in self._models}

            return per_model
        raise AttributeError(f"{type(self).__name__!r} has no attribute {name!r}")

    def __len__(self) -> int:
        return len(self._models)

    def __repr__(self) -> str:
        lines = [f"Grid {self.grid_id!r}: {len(self._models)} model(s)"]
        if self._models:
            table = self.sorted_metric_table()
            name = table.columns[-1]
            grid = self if self._sort is not None else self.get_grid()
            order = "decreasing" if grid._sort[1] else "increasing"
            lines += [f"Hyper-Parameter Search Summary: ordered by {order} {name}",
                      table.to_string()]  # fmt: skip
        if self.failed_params:
            lines += ["", f"Failed models ({len(self.failed_params)}):"]
            lines += [
                f"  {p}: {d}" for p, d in zip(self.failed_params, self.failure_details, strict=True)
            ]
        return "\n".join(lines)

    def show(self) -> None:
        """Print the leaderboard and the failures."""
        print(repr(self))


def _shown(value: Any) -> Any:
    return str(list(value)) if isinstance(value, (list, tuple)) else value


def _grid_id(grid: GridSearch, params: Mapping[str, Any], stable: bool) -> str:
    """Return a fresh grid id; with a folder to resume from, one fixed by the grid's definition."""
    if not stable:
        from tabdl.estimator import _SESSION

        return f"Grid_DeepLearning_{_SESSION}_{next(_grid_counter)}"
    c = grid.search_criteria  # the limits may change between runs of the same grid
    definition = json.dumps(
        [grid.hyper_params, c.strategy, c.seed,
         {k: v for k, v in params.items() if k != "export_checkpoints_dir"}],
        sort_keys=True, default=str,
    )  # fmt: skip
    return f"Grid_DeepLearning_{hashlib.sha256(definition.encode()).hexdigest()[:12]}"
