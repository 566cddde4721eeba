"""What a model reports, with H2O's method names: metrics, scoring history, importances, summary.

:class:`ModelOutputs` is mixed into :class:`tabdl.DeepLearningEstimator`; it reads the training result
(``_result``), the fitted network (``_fitted``) and the parameters (``_actual_params``) and computes
nothing of its own beyond choosing which metrics a call means (H2O's ``train``/``valid``/``xval``).
"""

from __future__ import annotations

import os
import warnings
from typing import Any

import pandas as pd

from tabdl.errors import DataError
from tabdl.frame import as_frame

#: Metric accessors a model offers directly, as H2O's ``model.auc(train=, valid=, xval=)``.
METRIC_NAMES = (
    "mse",
    "rmse",
    "mae",
    "rmsle",
    "r2",
    "mean_residual_deviance",
    "logloss",
    "auc",
    "aucpr",
    "pr_auc",
    "gini",
    "mean_per_class_error",
    "classification_error",
    "confusion_matrix",
    "hit_ratio_table",
    "gains_lift",
    "F1",
    "accuracy",
    "precision",
    "recall",
    "specificity",
    "find_threshold_by_max_metric",
)


class ModelOutputs:
    """H2O's model-output methods; mixed into the estimator."""

    _result: Any
    _fitted: Any
    _actual_params: Any

    # -- metrics ---------------------------------------------------------------------------------------
    def model_performance(
        self,
        test_data: Any = None,
        train: bool = False,
        valid: bool = False,
        xval: bool = False,
        auc_type: str | None = None,
    ) -> Any:
        """Return metrics on ``test_data``, or those recorded in training (H2O's ``model_performance``).

        Parameters
        ----------
        test_data : frame, optional
            Data to score (any supported input). When given, the flags are ignored.
        train, valid, xval : bool
            Return the training, validation or cross-validation metrics of the last scoring event,
            the first flag set in that order (h2o-py's rule). Without any flag: the training metrics.
        auc_type : str, optional
            Multinomial AUC of ``test_data``: ``MACRO_OVR``, ``WEIGHTED_OVR``, ``MACRO_OVO``,
            ``WEIGHTED_OVO`` or ``NONE``; default: the model's ``auc_type``.

        Returns
        -------
        ModelMetrics
            Regression, binomial, multinomial or autoencoder metrics (:mod:`tabdl.metrics`), or
            ``None`` (with a warning) for metrics the model does not have, as H2O.

        """
        fitted = self._require_fitted()
        if test_data is not None:
            from tabdl.encoding import encode_labelled

            params = dict(self._actual_params)
            if auc_type is not None:
                params["auc_type"] = auc_type
            rows = encode_labelled(fitted.datainfo, as_frame(test_data))
            return fitted.evaluate(
                rows, params, custom_metric=params.get("custom_metric_func"), description="test"
            )
        if not train and valid:
            if self._require_result().validation_metrics is None:
                _warn("this model has no validation metrics (train it with a validation_frame)")
            return self._result.validation_metrics
        if not train and xval:
            return self._cross_validation("metrics")
        return self._require_result().training_metrics

    # -- cross-validation (nfolds / fold_column) -------------------------------------------------------
    def _cross_validation(self, part: str, kept_by: str | None = None) -> Any:
        cv = getattr(self, "_cv", None)
        if cv is None:
            _warn("this model was not cross-validated (train it with nfolds > 1 or a fold_column)")
            return None
        value = getattr(cv, part)
        if value is None and kept_by is not None:
            _warn(f"this model did not keep them: train it with {kept_by}=True")
        return value

    def cross_validation_metrics_summary(self) -> Any:
        """Mean and sd of each metric over the fold models, with each fold's value (H2O's table)."""
        return self._cross_validation("summary")

    def cross_validation_models(self) -> list[Any] | None:
        """Return the fold models, in fold order (``keep_cross_validation_models=True``)."""
        return self._cross_validation("models", "keep_cross_validation_models")

    def cross_validation_predictions(self) -> list[Any] | None:
        """Each fold model's predictions: its holdout rows, 0 elsewhere (as H2O's frames)."""
        return self._cross_validation("predictions", "keep_cross_validation_predictions")

    def cross_validation_holdout_predictions(self) -> Any:
        """Every training row predicted by the fold model that did not train on it."""
        return self._cross_validation("holdout_predictions", "keep_cross_validation_predictions")

    def cross_validation_fold_assignment(self) -> Any:
        """Each training row's fold (kept with ``keep_cross_validation_fold_assignment=True``)."""
        return self._cross_validation("fold_assignment", "keep_cross_validation_fold_assignment")

    def _metric(self, name: str, flags: dict[str, bool], *args: Any, **kwargs: Any) -> Any:
        """H2O's rule: one flag gives its value; several give a dict; none gives training's."""
        chosen = [k for k, v in flags.items() if v] or ["train"]
        values = {}
        for key in chosen:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                metrics = self.model_performance(**{key: True})
            values[key] = None if metrics is None else getattr(metrics, name)(*args, **kwargs)
        return values[chosen[0]] if len(chosen) == 1 else values

    # -- training outputs ------------------------------------------------------------------------------
    def scoring_history(self) -> pd.DataFrame:
        """Return the scoring history with H2O's columns (behaviour reference, section 6.1)."""
        from tabdl.training.history import history_frame

        if self._result is None and self._imported_table("scoring_history") is not None:
            return self._imported_table("scoring_history")
        result = self._require_result()
        custom = any(
            e.train is not None and e.train.custom_metric_name() is not None for e in result.history
        )
        return history_frame(result.history, self._fitted.category, result.has_validation, custom)

    def _varimp_table(self) -> pd.DataFrame | None:
        from tabdl.explain import variable_importances

        fitted = self._require_fitted()
        if not self._actual_params.get("variable_importances", True):
            return None
        if self._result is None and self._imported_table("variable_importances") is not None:
            return self._imported_table("variable_importances")
        zero = self._result.unseen_na if self._result is not None else None
        return variable_importances(
            fitted.weights, fitted.spec, fitted.datainfo.coef_names(), zero_inputs=zero
        )

    def varimp(self, use_pandas: bool = False) -> Any:
        """Gedeon variable importances: H2O's list of tuples, or a DataFrame with ``use_pandas``.

        Columns: ``variable``, ``relative_importance``, ``scaled_importance``, ``percentage``.
        ``None`` (with a warning) when trained with ``variable_importances=False``, as H2O.
        """
        table = self._varimp_table()
        if table is None:
            warnings.warn(
                "variable importances were not computed (variable_importances=False)",
                UserWarning,
                stacklevel=2,
            )
            return None
        if use_pandas:
            return table
        return [tuple(row) for row in table.itertuples(index=False)]

    def summary(self) -> pd.DataFrame:
        """H2O's model summary: the "Status of Neuron Layers" table."""
        from tabdl.explain import neuron_layer_status
        from tabdl.explain.layers import ada_by_layer

        if self._result is None and self._imported_table("model_summary") is not None:
            return self._imported_table("model_summary")
        fitted = self._require_fitted()
        state, processed = self._training_state()
        ada = ada_by_layer(state) if state is not None and state.ada_weights.size else None
        params = self._actual_params
        return neuron_layer_status(
            fitted.spec, fitted.weights, fitted.biases, params, processed, ada
        )

    def summary_header(self) -> str:
        """Return the title line of :meth:`summary`, as H2O prints it."""
        from tabdl.explain.layers import header_text

        imported = getattr(self, "_imported", None)
        if self._result is None and imported is not None and imported.summary_header:
            return imported.summary_header
        fitted = self._require_fitted()
        _, processed = self._training_state()
        return header_text(
            fitted.spec, fitted.weights, fitted.biases, self._actual_params, processed,
            fitted.datainfo.response,
        )  # fmt: skip

    def _training_state(self) -> tuple[Any, int]:
        state = self._result.state if self._result is not None else None
        return state, state.processed if state is not None else 0

    def plot(self, timestep: str = "AUTO", metric: str = "AUTO", save_plot_path: str | None = None):
        """Plot the scoring history (training and validation metric against ``timestep``).

        Parameters
        ----------
        timestep : str
            ``"epochs"`` (``"AUTO"``), ``"samples"``, ``"iterations"`` or ``"duration"``.
        metric : str
            A history metric without prefix (``"logloss"``, ``"rmse"``, ``"auc"``, ...); ``"AUTO"``
            plots logloss for classifiers and deviance for regression, as H2O.
        save_plot_path : str, optional
            Also save the figure there.

        Returns
        -------
        matplotlib.figure.Figure

        """
        from tabdl.report.plots import plot_scoring_history

        return plot_scoring_history(
            self.scoring_history(), self._fitted.category, timestep, metric, save_plot_path
        )

    def varimp_plot(
        self,
        num_of_features: int | None = None,
        server: bool = False,
        save_plot_path: str | None = None,
    ):
        """Plot the scaled variable importances as bars, the most important on top (h2o-py's).

        Parameters
        ----------
        num_of_features : int, optional
            How many variables to show (default: 10, or all when fewer).
        server : bool
            Accepted for h2o-py's signature and ignored: tabdl never opens a window.
        save_plot_path : str, optional
            Also save the figure there.

        Returns
        -------
        matplotlib.figure.Figure

        """
        from tabdl.report.plots import plot_varimp

        table = self._varimp_table()
        if table is None:
            raise DataError(
                "this model has no variable importances: train it with variable_importances=True"
            )
        return plot_varimp(table, num_of_features, save_plot_path)

    def report(self, path: str | os.PathLike, data: Any = None, title: str | None = None) -> str:
        """Write the model's report: one self-contained HTML page that opens offline.

        The counterpart of H2O Flow's model view: parameters, the layer table, the scoring history,
        variable importances, metrics on each frame (ROC and precision-recall curves, confusion
        matrices, gains/lift, hit ratios) and the cross-validation summary. Charts are images
        inside the page; it loads no script, style or font from anywhere.

        Parameters
        ----------
        path : str or os.PathLike
            The HTML file to write (its folder must exist).
        data : frame, optional
            Data to score as well (any supported input): its metrics join the others, and it
            gives the residuals of a regression and the reconstruction errors of an autoencoder.
        title : str, optional
            The page's title (default: the model id).

        Returns
        -------
        str
            The path written.

        """
        from tabdl.report.html import write_report

        return write_report(self, path, data=data, title=title)

    def _imported_table(self, name: str) -> pd.DataFrame | None:
        """Return a copy of a table H2O stored in an imported MOJO, or None."""
        imported = getattr(self, "_imported", None)
        table = None if imported is None else imported.tables.get(name)
        return None if table is None else table.copy()

    def _require_result(self) -> Any:
        if self._result is None:
            raise DataError(
                "this model was imported from a MOJO: it has no training metrics of its own (H2O's "
                "scoring history, summary and importances are shown where the MOJO has them); "
                "pass test_data to model_performance to score data"
            )
        return self._result

    def _require_fitted(self) -> Any:  # pragma: no cover - overridden by the estimator
        raise NotImplementedError


def _warn(message: str) -> None:
    warnings.warn(message, UserWarning, stacklevel=3)


def _make_metric_method(name: str):
    def method(
        self: ModelOutputs,
        *args: Any,
        train: bool = False,
        valid: bool = False,
        xval: bool = False,
        **kwargs: Any,
    ) -> Any:
        return self._metric(name, {"train": train, "valid": valid, "xval": xval}, *args, **kwargs)

    method.__name__ = name
    method.__doc__ = (
        f"``{name}`` of the training metrics (default), or of the validation (``valid=True``) or "
        "cross-validation (``xval=True``) metrics; several flags give a dict, as H2O."
    )
    return method


for _name in METRIC_NAMES:
    setattr(ModelOutputs, _name, _make_metric_method(_name))
