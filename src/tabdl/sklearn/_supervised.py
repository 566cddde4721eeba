"""``DeepLearningClassifier`` and ``DeepLearningRegressor``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_y, check_consistent_length

from tabdl.sklearn._base import DeepLearningBase
from tabdl.sklearn._data import feature_frame, fresh_name
from tabdl.sklearn._params import make_init

_DOC_PARAMETERS = """
    Parameters
    ----------
    **h2o_parameters
        Every parameter of :class:`tabdl.DeepLearningEstimator` (H2O's names and defaults, see
        ``docs/parameters.md``) except ``training_frame``, ``response_column``, ``weights_column``
        and ``autoencoder``, which ``fit(X, y, sample_weight)`` and the class decide. For example
        ``hidden=(200, 200)``, ``epochs=10.0``, ``activation="Rectifier"``, ``l1=0.0``, ``seed=-1``.
    validation_frame : tuple (X_val, y_val), default=None
        Data scored while training (early stopping uses it, as H2O's ``validation_frame``).
    random_state : int, RandomState, Generator or None, default=None
        ``None``: use ``seed`` and ``reproducible`` as given. Otherwise the seed (a ``RandomState``
        draws one), and training runs with ``reproducible=True``, so equal seeds give equal models.
    categorical_columns : list of str or int, default=None
        Numeric features to treat as categorical (names, or 0-based positions in ``X``). Text,
        ``category`` and ``bool`` columns of a pandas DataFrame are categorical already.
"""

_DOC_ATTRIBUTES = """
    Attributes
    ----------
    model_ : tabdl.DeepLearningEstimator
        The trained model, with all H2O reports: ``print(model_)``, ``model_.scoring_history()``,
        ``model_.varimp()``, ``model_.save(path)``, ``model_.download_mojo(path)``.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of str
        Names of the features seen in ``fit``, when ``X`` was a DataFrame with string column names.
"""


class _Supervised(DeepLearningBase):
    def _target(self, y: Any) -> tuple[pd.Series, str]:
        raise NotImplementedError

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> _Supervised:
        """Train on features ``X`` and target ``y``, rows weighted by ``sample_weight``.

        Returns
        -------
        self
            The fitted estimator.

        """
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None"
            )
        frame = feature_frame(self, X, reset=True)
        target, name = self._target(y)
        check_consistent_length(frame, target)
        frame[fresh_name(name, frame.columns)] = target
        response = frame.columns[-1]
        validation = None
        if self.validation_frame is not None:
            validation = self._validation(response)
        self._train(frame, response, sample_weight, validation)
        return self

    def _validation(self, response: str) -> pd.DataFrame:
        pair = self.validation_frame
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise ValueError(
                f"validation_frame must be a pair (X_val, y_val); got {type(pair).__name__}"
            )
        frame = feature_frame(self, pair[0], reset=False)
        target, _ = self._target(pair[1], validation=True)
        check_consistent_length(frame, target)
        frame[response] = target
        return frame


def _target_name(y: Any, default: str) -> str:
    name = getattr(y, "name", None)
    return name if isinstance(name, str) and name else default


class DeepLearningClassifier(ClassifierMixin, _Supervised):
    __doc__ = (
        """H2O-3's Deep Learning classifier with scikit-learn's interface.

    A thin front of :class:`tabdl.DeepLearningEstimator`: ``fit`` builds a frame from ``X`` and
    ``y`` and trains; ``predict_proba`` gives H2O's class probabilities, in the order of
    ``classes_``. ``predict`` takes the most probable class (scikit-learn's rule), where H2O's own
    binomial label uses the threshold that maximises F1 (``model_.predict`` gives that).
"""
        + _DOC_PARAMETERS
        + _DOC_ATTRIBUTES
        + """    classes_ : ndarray
        The class labels, sorted.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from tabdl.sklearn import DeepLearningClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = DeepLearningClassifier(hidden=(10,), epochs=20, random_state=1).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 3)
    >>> float(clf.score(X, y)) > 0.8
    True

    """
    )

    __init__ = make_init()

    def _target(self, y: Any, validation: bool = False) -> tuple[pd.Series, str]:
        name = _target_name(y, "y")
        y = _check_y(y, estimator=self)
        check_classification_targets(y)
        if not validation:
            self.classes_ = np.unique(y)
            if len(self.classes_) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs at least 2 classes in y; got 1 class "
                    f"({self.classes_[0]!r})"
                )
            self._levels = [str(c) for c in self.classes_]
            if len(set(self._levels)) != len(self._levels):
                raise ValueError(f"the class labels {self.classes_!r} are not distinct as text")
        levels = np.array([str(v) for v in y], dtype=object)
        return pd.Series(levels), name

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, one column per class of ``classes_``."""
        frame = self._frame(X)
        predictions = self.model_.predict(frame)
        domain = list(self.model_._fitted.datainfo.response_domain)  # the columns' class order
        order = [domain.index(level) for level in self._levels]
        return predictions.iloc[:, 1:].to_numpy(np.float64)[:, order]

    def predict(self, X: Any) -> np.ndarray:
        """Predict the most probable class of each row."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


class DeepLearningRegressor(RegressorMixin, _Supervised):
    __doc__ = (
        """H2O-3's Deep Learning regressor with scikit-learn's interface.

    A thin front of :class:`tabdl.DeepLearningEstimator`: ``fit`` builds a frame from ``X`` and a
    numeric ``y`` and trains (``distribution`` picks the loss, as in H2O); ``predict`` gives H2O's
    prediction.
"""
        + _DOC_PARAMETERS
        + _DOC_ATTRIBUTES
        + """
    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from tabdl.sklearn import DeepLearningRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = DeepLearningRegressor(hidden=(10,), epochs=5, random_state=1).fit(X, y)
    >>> reg.predict(X[:3]).shape
    (3,)

    """
    )

    __init__ = make_init()

    def _target(self, y: Any, validation: bool = False) -> tuple[pd.Series, str]:
        name = _target_name(y, "y")
        return pd.Series(_check_y(y, y_numeric=True, estimator=self)), name

    def predict(self, X: Any) -> np.ndarray:
        """Predict the value of each row."""
        frame = self._frame(X)
        return self.model_.predict(frame)["predict"].to_numpy(np.float64)
