"""What the three estimators share: the parameters, the frames and one call to tabdl's training."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from tabdl.estimator import DeepLearningEstimator
from tabdl.registry import remove
from tabdl.sklearn._data import add_weights, categorical_names, feature_frame
from tabdl.sklearn._params import h2o_parameters


class DeepLearningBase(BaseEstimator):
    """The scikit-learn front of :class:`tabdl.DeepLearningEstimator`; subclasses set ``_autoencoder``."""

    _autoencoder = False

    def __sklearn_tags__(self):  # noqa: D105
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # H2O imputes missing values (missing_values_handling)
        tags.input_tags.categorical = True  # DataFrame columns of text, category or bool
        return tags

    def _train(
        self,
        frame: pd.DataFrame,
        response: str | None,
        sample_weight: Any,
        validation: pd.DataFrame | None,
    ) -> None:
        """Train ``model_`` on ``frame`` (features, then the response column if any)."""
        features = list(frame.columns[: self.n_features_in_])
        weights = add_weights(frame, sample_weight)
        params = {**h2o_parameters(self), "autoencoder": self._autoencoder}
        model = DeepLearningEstimator(**params)
        model.train(
            y=response,
            training_frame=frame,
            validation_frame=validation,
            categorical_columns=categorical_names(features, self.categorical_columns),
            weights_column=weights,
        )
        if self.model_id is None:  # a model nobody named: do not keep it in the process's registry
            remove(model.model_id)
        self.model_ = model

    def _frame(self, X: Any) -> pd.DataFrame:
        """``X`` to score, checked against the fitted features."""
        check_is_fitted(self, "model_")
        return feature_frame(self, X, reset=False)
