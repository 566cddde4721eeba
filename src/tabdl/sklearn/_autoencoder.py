"""``DeepLearningAutoencoder``: deep features as a transformer, reconstruction error as anomaly score."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from sklearn.base import TransformerMixin
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted

from tabdl.params import validate_parameters
from tabdl.sklearn._base import DeepLearningBase
from tabdl.sklearn._data import feature_frame
from tabdl.sklearn._params import h2o_parameters, make_init


class DeepLearningAutoencoder(TransformerMixin, DeepLearningBase):
    """H2O-3's Deep Learning autoencoder as a scikit-learn transformer.

    ``fit`` trains with ``autoencoder=True`` (``y`` is ignored); ``transform`` gives the activations
    of one hidden layer (H2O's ``deepfeatures``); ``reconstruction_error`` gives H2O's ``anomaly``,
    the reconstruction MSE of each row.

    ``score_samples`` follows scikit-learn's outlier detectors (``IsolationForest``,
    ``LocalOutlierFactor``), where a *higher* score means *more normal*: it is the **negated**
    reconstruction MSE. Rank anomalies with ``reconstruction_error`` (high = anomalous) or with
    ``-score_samples``.

    Parameters
    ----------
    **h2o_parameters
        Every parameter of :class:`tabdl.DeepLearningEstimator` (H2O's names and defaults, see
        ``docs/parameters.md``) except ``training_frame``, ``response_column``, ``weights_column``
        and ``autoencoder``, which ``fit(X, sample_weight=)`` and the class decide. For example
        ``hidden=(200, 200)``, ``epochs=10.0``, ``activation="Rectifier"``, ``sparsity_beta=0.0``.
    validation_frame : array-like or DataFrame, default=None
        Features scored while training (``X_val``).
    random_state : int, RandomState, Generator or None, default=None
        ``None``: use ``seed`` and ``reproducible`` as given. Otherwise the seed (a ``RandomState``
        draws one), and training runs with ``reproducible=True``, so equal seeds give equal models.
    categorical_columns : list of str or int, default=None
        Numeric features to treat as categorical (names, or 0-based positions in ``X``).
    feature_layer : int or None, default=None
        The hidden layer ``transform`` returns (0-based; negative counts from the last). ``None``:
        the narrowest hidden layer (the first of equals), the code of a bottleneck network.

    Attributes
    ----------
    model_ : tabdl.DeepLearningEstimator
        The trained autoencoder, with all H2O reports (``print(model_)``, ``model_.anomaly``, ...).
    feature_layer_ : int
        The hidden layer ``transform`` returns, 0-based.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of str
        Names of the features seen in ``fit``, when ``X`` was a DataFrame with string column names.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from tabdl.sklearn import DeepLearningAutoencoder
    >>> X, _ = load_iris(return_X_y=True)
    >>> ae = DeepLearningAutoencoder(hidden=(6, 2, 6), epochs=5, random_state=1).fit(X)
    >>> ae.transform(X).shape, ae.feature_layer_
    ((150, 2), 1)
    >>> bool((ae.score_samples(X) == -ae.reconstruction_error(X)).all())
    True

    """

    _autoencoder = True

    __init__ = make_init({"feature_layer": None})

    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> DeepLearningAutoencoder:
        """Train the autoencoder on ``X``, rows weighted by ``sample_weight``; ``y`` is ignored.

        Returns
        -------
        self
            The fitted estimator.

        """
        hidden = validate_parameters(h2o_parameters(self))["hidden"]
        layer = _resolve_layer(self.feature_layer, hidden)
        frame = feature_frame(self, X, reset=True)
        validation = None
        if self.validation_frame is not None:
            validation = feature_frame(self, self.validation_frame, reset=False)
        self._train(frame, None, sample_weight, validation)
        self.feature_layer_ = layer
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Activations of hidden layer ``feature_layer_`` (H2O's ``deepfeatures``)."""
        frame = self._frame(X)
        return self.model_.deepfeatures(frame, self.feature_layer_).to_numpy(np.float64)

    def reconstruction_error(self, X: Any) -> np.ndarray:
        """Reconstruction MSE of each row (H2O's ``anomaly``): high means anomalous."""
        frame = self._frame(X)
        return self.model_.anomaly(frame).iloc[:, 0].to_numpy(np.float64)

    def score_samples(self, X: Any) -> np.ndarray:
        """Negated reconstruction MSE of each row: as scikit-learn's detectors, low means anomalous."""
        return -self.reconstruction_error(X)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of ``transform``'s columns, as H2O names deep features: ``DF.L{layer}.C{unit}``."""
        check_is_fitted(self, "model_")
        _check_feature_names_in(self, input_features, generate_names=False)
        units = self.model_.actual_params["hidden"][self.feature_layer_]
        layer = self.feature_layer_ + 1
        return np.asarray([f"DF.L{layer}.C{j + 1}" for j in range(units)], dtype=object)


def _resolve_layer(layer: Any, hidden: tuple[int, ...]) -> int:
    """Return the 0-based hidden layer ``feature_layer`` names; ``None`` names the narrowest."""
    if layer is None:
        return int(np.argmin(hidden))
    if isinstance(layer, bool) or not isinstance(layer, numbers.Integral):
        raise ValueError(f"feature_layer must be an integer or None; got {layer!r}")
    if not -len(hidden) <= layer < len(hidden):
        raise ValueError(
            f"feature_layer={layer} is not a hidden layer: hidden={list(hidden)} has layers 0 to "
            f"{len(hidden) - 1} (or -1 to -{len(hidden)} from the last)"
        )
    return int(layer) % len(hidden)
