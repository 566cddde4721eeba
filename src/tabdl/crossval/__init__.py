"""Cross-validation: ``nfolds`` / ``fold_column``, as H2O's ``ModelBuilder.computeCrossValidation``.

H2O's steps, reproduced in order:

1. assign each row to a fold (:mod:`tabdl.crossval.folds`);
2. for fold ``i``, give every row a weight: the training part keeps the row's weight and the holdout
   part weighs 0, and the reverse for the holdout frame (H2O's ``__internal_cv_weights__``);
3. train one model per fold on the whole frame with the training weights, scored on the whole frame
   with the holdout weights (its validation metrics are the fold's holdout metrics);
4. set the main model's parameters from the fold models (DL's ``cv_computeAndSetOptimalParameters``:
   ``overwrite_with_best_model`` off and, unless early stopping and the time limit were already off,
   ``epochs`` = the mean final epoch counter of the fold models, ``stopping_rounds`` and
   ``max_runtime_secs`` 0);
5. train the main model on all rows;
6. score every row with the model that did not train on it (the holdout predictions), compute the
   cross-validation metrics from them, and the summary table of the fold models' metrics.

Fold models train in parallel threads when ``reproducible=True`` (each then runs on one thread);
otherwise one after the other, each using every core.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from tabdl.crossval.folds import assign_folds, fold_column_folds
from tabdl.crossval.summary import cross_validation_summary
from tabdl.encoding import encode_labelled
from tabdl.errors import DataError, TabdlError
from tabdl.frame import Frame, as_frame, like_input, numeric_values
from tabdl.metrics.tables import H2OTable
from tabdl.params import DEFAULTS, check_available, validate_parameters
from tabdl.training import Setup, draw_seed, prepare

__all__ = ["CV_WEIGHTS", "CrossValidation", "cross_validate", "is_cross_validated"]

#: The fold models' weights column, named as H2O names it.
CV_WEIGHTS = "__internal_cv_weights__"


@dataclass(frozen=True)
class CrossValidation:
    """What cross-validation leaves on the main model (H2O's ``_cross_validation_*`` outputs).

    ``models``, ``holdout_predictions``, ``predictions`` and ``fold_assignment`` are ``None`` unless
    the matching ``keep_cross_validation_*`` parameter asked to keep them (the holdout predictions
    follow ``keep_cross_validation_predictions``, as in H2O).
    """

    metrics: Any
    summary: H2OTable
    model_ids: list[str]
    models: list[Any] | None = None
    holdout_predictions: Any = None
    predictions: list[Any] | None = None
    fold_assignment: Any = None


def is_cross_validated(params: Mapping[str, Any]) -> bool:
    """Whether these parameters (as given) ask for cross-validation."""
    nfolds = params.get("nfolds", 0)
    return (isinstance(nfolds, int) and nfolds > 1) or params.get("fold_column") is not None


def _folds(
    setup: Setup, frame: Frame, seed: int, actual: np.ndarray | None
) -> tuple[np.ndarray, int]:
    """Each row's fold and the number of folds, from ``fold_column`` or ``fold_assignment``."""
    p = setup.checked
    if p["fold_column"] is not None:
        folds, names = fold_column_folds(frame, p["fold_column"])
        return folds, len(names)
    nfolds = p["nfolds"]
    if nfolds > frame.nrows:
        raise DataError(
            f"nfolds={nfolds} is larger than the number of rows ({frame.nrows}); use fewer folds"
        )
    classes = None
    if p["fold_assignment"] == "Stratified":
        classes = _strata(setup, frame, actual)
    return assign_folds(p["fold_assignment"], frame.nrows, nfolds, seed, classes), nfolds


def _strata(setup: Setup, frame: Frame, actual: np.ndarray | None) -> np.ndarray:
    """Class index per row (-1 where the response is missing), for stratified folds."""
    response = setup.columns.response
    if setup.datainfo.response_domain is not None:
        return np.where(np.isnan(actual), -1, np.nan_to_num(actual)).astype(np.int64)
    values = numeric_values(frame, response)
    present = values[~np.isnan(values)]
    if not np.all(present == np.round(present)):
        raise DataError(
            f"fold_assignment='Stratified' needs a categorical or integer response; {response!r} "
            "holds fractions: use 'Random' or 'Modulo'"
        )
    levels = np.unique(present)
    codes = np.searchsorted(levels, np.nan_to_num(values))
    return np.where(np.isnan(values), -1, codes).astype(np.int64)


def _fold_frames(
    frame: Frame, folds: np.ndarray, nfolds: int, weights_column: str | None, drop: list[str]
) -> list[tuple[Frame, Frame]]:
    """Return each fold's training and holdout frames: all rows, with the fold's weights."""
    if CV_WEIGHTS in frame.kinds:
        raise DataError(f"the training frame cannot contain a column named {CV_WEIGHTS!r}")
    weights = (
        np.ones(frame.nrows) if weights_column is None else numeric_values(frame, weights_column)
    )
    base = frame.drop([c for c in drop if c in frame.kinds])
    pairs = []
    for fold in range(nfolds):
        holdout = folds == fold
        train_w, valid_w = np.where(holdout, 0.0, weights), np.where(holdout, weights, 0.0)
        if np.all(train_w == train_w[0]) or np.all(valid_w == valid_w[0]):
            raise DataError(
                f"not enough data to create {nfolds} cross-validation splits: fold {fold + 1} "
                "leaves no rows (or no weight) on one side. Use fewer folds or more rows"
            )
        pairs.append(tuple(base.add_column(CV_WEIGHTS, w) for w in (train_w, valid_w)))
    return pairs


def _warn_missing_classes(
    domain: tuple[str, ...] | None, actual: np.ndarray | None, folds: np.ndarray, nfolds: int
) -> None:
    if domain is None:
        return
    for fold in range(nfolds):
        seen = set(np.unique(actual[(folds != fold) & ~np.isnan(actual)]).astype(int).tolist())
        missing = [domain[k] for k in range(len(domain)) if k not in seen]
        if missing:
            warnings.warn(
                f"cross-validation fold {fold + 1}: its training part has no rows of class(es) "
                f"{missing}, so its model never learns them; use fold_assignment='Stratified' or "
                "fewer folds",
                UserWarning,
                stacklevel=4,
            )


def _fold_params(params: Mapping[str, Any], model_id: str, fold: int) -> dict[str, Any]:
    return {
        **params,
        "nfolds": 0,
        "fold_column": None,
        "fold_assignment": "AUTO",
        "weights_column": CV_WEIGHTS,
        "model_id": f"{model_id}_cv_{fold + 1}",
    }


def _workers(setup: Setup, nfolds: int) -> int:
    """Fold models at once: all cores for one-thread (reproducible) models, else one at a time."""
    p = setup.params
    if not p["reproducible"] or p["max_runtime_secs"] != 0:
        return 1
    return max(1, min(nfolds, os.cpu_count() or 1))


def _train_folds(
    model: Any, params: dict[str, Any], x: Any, y: Any, pairs: list, workers: int
) -> list[Any]:
    def train(fold: int) -> Any:
        fold_params = _fold_params(params, params["model_id"], fold)
        fold_model = type(model)(**fold_params)
        train_frame, holdout_frame = pairs[fold]
        try:
            fold_model._train_once(
                fold_params, x, y, train_frame, holdout_frame, show_progress=False
            )
        except TabdlError as error:
            raise type(error)(
                f"cross-validation model {fold + 1} of {len(pairs)} failed: {error}"
            ) from None
        return fold_model

    if workers == 1:
        return [train(fold) for fold in range(len(pairs))]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(train, range(len(pairs))))


def main_model_params(params: Mapping[str, Any], fold_models: list[Any]) -> dict[str, Any]:
    """Return the main model's parameters (DL's ``cv_computeAndSetOptimalParameters``)."""
    main = {**params, "overwrite_with_best_model": False}
    given = {**DEFAULTS, **params}
    if given["stopping_rounds"] == 0 and given["max_runtime_secs"] == 0:
        return main
    main["stopping_rounds"] = 0
    main["max_runtime_secs"] = 0.0
    main["epochs"] = float(np.mean([m.epoch_counter for m in fold_models]))
    return main


def _holdout(
    fold_models: list[Any], frame: Frame, folds: np.ndarray
) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Every row predicted by the model that did not train on it, and each fold's predictions.

    Each fold's frame has H2O's layout: the fold model's predictions on its holdout rows and 0
    elsewhere (the first class label for ``predict``), so that the frames add up to the holdout one.
    """
    per_fold, combined = [], None
    for fold, fold_model in enumerate(fold_models):
        predicted = fold_model._fitted.predict(frame)
        outside = folds != fold
        zeroed = predicted.copy()
        for name in zeroed.columns:
            column = zeroed[name]
            if isinstance(column.dtype, pd.CategoricalDtype):
                codes = np.where(outside, 0, column.cat.codes.to_numpy())
                zeroed[name] = pd.Categorical.from_codes(codes, categories=column.cat.categories)
            else:
                zeroed[name] = np.where(outside, 0.0, column.to_numpy(dtype=np.float64))
        per_fold.append(zeroed)
        if combined is None:
            combined = predicted.copy()
        combined.loc[~outside] = predicted.loc[~outside]
    return combined, per_fold


def cross_validate(
    model: Any,
    params: dict[str, Any],
    x: Any,
    y: Any,
    training_frame: Any,
    validation_frame: Any,
    categorical_columns: Any,
) -> None:
    """Cross-validate, then train the main model into ``model`` (H2O's steps, module docstring).

    Parameters
    ----------
    model : DeepLearningEstimator
        Receives the main model and its :class:`CrossValidation`.
    params : dict
        The parameters as the user gave them (``nfolds`` or ``fold_column`` set).
    x, y, training_frame, validation_frame, categorical_columns
        As :meth:`DeepLearningEstimator.train` takes them.

    """
    from tabdl.estimator import next_model_id
    from tabdl.registry import remove

    if training_frame is None:
        raise DataError("training_frame is required: give the data to train on")
    frame = as_frame(training_frame, categorical_columns)
    params = dict(params)
    if params.get("seed", -1) == -1:
        params["seed"] = draw_seed()  # the folds and every model share it, as in H2O
    setup = prepare(params, x, y, frame, validation_frame)  # every check, before any training
    check_available(setup.checked)
    params["model_id"] = setup.params["model_id"] or next_model_id()
    try:  # H2O checks every fold model's parameters before it trains any
        validate_parameters(_fold_params(params, params["model_id"], 0))
    except TabdlError as error:
        raise type(error)(f"the cross-validation models cannot be trained: {error}") from None
    # the response, weights and offset of every row: for the folds, and the metrics at the end
    # (the main model's encoder is this one: the same frame, columns and encoding parameters)
    rows = encode_labelled(setup.datainfo, frame)
    folds, nfolds = _folds(setup, frame, params["seed"], rows.actual)
    _warn_missing_classes(setup.datainfo.response_domain, rows.actual, folds, nfolds)
    special = [setup.checked["weights_column"], setup.checked["fold_column"]]
    pairs = _fold_frames(
        frame, folds, nfolds, setup.checked["weights_column"], [c for c in special if c]
    )
    fold_models = _train_folds(model, params, x, y, pairs, _workers(setup, nfolds))

    main_params = main_model_params(params, fold_models)
    model._train_once(main_params, x, y, frame, validation_frame)

    p = model._actual_params
    holdout, per_fold = _holdout(fold_models, frame, folds)
    fitted = model._fitted
    if fitted.category == "Regression":
        predicted = holdout["predict"].to_numpy(dtype=np.float64)
    else:
        predicted = holdout.iloc[:, 1:].to_numpy(dtype=np.float64)  # the class probabilities
    metrics = fitted.metrics_of(
        rows, predicted, p, custom_metric=p.get("custom_metric_func"),
        description="cross-validation",
    )  # fmt: skip
    summary = cross_validation_summary(
        [m._result.validation_metrics for m in fold_models], fitted.category
    )
    keep_models = p["keep_cross_validation_models"]
    keep_predictions = p["keep_cross_validation_predictions"]
    if not keep_models:
        for fold_model in fold_models:
            remove(fold_model.model_id)
    fold_column = setup.checked["fold_column"]
    shown = folds if fold_column is None else frame.table.column(fold_column).to_numpy()
    assignment = pd.DataFrame({"fold_assignment": shown})  # H2O shows a fold column as it is
    object.__setattr__(
        model,
        "_cv",
        CrossValidation(
            metrics=metrics,
            summary=summary,
            model_ids=[m.model_id for m in fold_models],
            models=fold_models if keep_models else None,
            holdout_predictions=like_input(holdout, frame.source) if keep_predictions else None,
            predictions=[like_input(f, frame.source) for f in per_fold]
            if keep_predictions
            else None,
            fold_assignment=like_input(assignment, frame.source)
            if p["keep_cross_validation_fold_assignment"]
            else None,
        ),
    )
