"""A fitted network and everything it computes from a frame: predictions, anomaly scores, deep features.

:class:`FittedNetwork` is plain data (encoder, network spec, weights) plus the scoring functions; the
estimator front holds one after training or MOJO import and delegates to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from tabdl.distributions import link_inverse
from tabdl.encoding.datainfo import DataInfo, EncodedRows, LabelledRows, encode, finite_values
from tabdl.errors import DataError
from tabdl.frame import Frame
from tabdl.nn import NetworkSpec, forward, prepare_weights

#: The arithmetic ``predict`` can score in: H2O's float64 (equal to H2O's MOJO to about 1e-15), or
#: float32 (two to three times as fast; probabilities within about 1e-6 of float64's).
SCORING_PRECISIONS = {"float64": np.float64, "float32": np.float32}
#: Rows scored at a time: bounds the memory of the categorical gather in the first layer.
SCORING_CHUNK_ROWS = 1024  # with the reused buffers, a little faster than 2,048 or 4,096 here


def probability_column(level: str) -> str:
    """Name of a class's probability column, as H2O names it: ``p0`` for an integer level ``0``."""
    digits = level[1:] if level[:1] in ("+", "-") else level
    if digits.isascii() and digits.isdigit() and -(2**31) <= int(level) < 2**31:
        return f"p{level}"
    return level


@dataclass(frozen=True)
class FittedNetwork:
    """A network with its weights and the encoder of its inputs.

    Attributes
    ----------
    datainfo : DataInfo
        How frames become inputs.
    spec : NetworkSpec
        Layer sizes and activations.
    weights : list of ndarray
        float32, one per weight layer, in H2O's layout (see :mod:`tabdl.nn`).
    biases : list of ndarray
        float64, one per weight layer.
    category : str
        ``"Regression"``, ``"Binomial"``, ``"Multinomial"`` or ``"AutoEncoder"``.
    distribution : str
        The resolved distribution (``"gaussian"``, ``"bernoulli"``, ...).
    default_threshold : float
        Binomial label threshold on the probability of the second class.
    prior_class_distrib, model_class_distrib : ndarray or None
        Class frequencies of the original and of the (balanced) training data; when both are given,
        probabilities are corrected back to the original distribution.
    apply_offset : bool
        Add the offset column to the output (tabdl models). H2O's MOJO runtime ignores offsets, so an
        imported MOJO scores without them.

    """

    datainfo: DataInfo
    spec: NetworkSpec
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    category: str
    distribution: str
    default_threshold: float = 0.5
    prior_class_distrib: np.ndarray | None = None
    model_class_distrib: np.ndarray | None = None
    apply_offset: bool = True

    def outputs(
        self, rows: EncodedRows, layer: int | None = None, precision: str = "float64"
    ) -> np.ndarray:
        """Activations of weight layer ``layer`` (default: the output layer) for encoded rows.

        ``precision`` is the arithmetic: ``"float64"`` as H2O scores, or ``"float32"``.
        """
        stop = len(self.weights) - 1 if layer is None else layer
        out = np.empty((rows.nrows, self.spec.units[stop + 1]), dtype=np.float64)
        num_start = self.datainfo.num_start
        dtype = SCORING_PRECISIONS[precision]
        # once, for every block
        prepared = prepare_weights(self.spec, self.weights, num_start, dtype)
        chunk = max(1, min(SCORING_CHUNK_ROWS, rows.nrows))
        buffers = [np.empty((chunk, self.spec.units[i + 1]), dtype) for i in range(stop + 1)]
        for start in range(0, rows.nrows, SCORING_CHUNK_ROWS):
            block = rows.rows(start, start + SCORING_CHUNK_ROWS)
            acts = forward(
                self.spec, self.weights, self.biases, block, num_start, stop, prepared, buffers
            )
            out[start : start + block.nrows] = acts[-1]
        return out

    def _layer_outputs(
        self, frame: Frame, layer: int | None = None, precision: str = "float64"
    ) -> tuple[EncodedRows, np.ndarray]:
        """Encode ``frame`` and return the activations of weight layer ``layer`` (default: output)."""
        rows = encode(self.datainfo, frame, order="F", dtype=SCORING_PRECISIONS[precision])
        return rows, self.outputs(rows, layer, precision)

    def predict(self, frame: Frame, precision: str = "float64") -> pd.DataFrame:
        """Predict in H2O's layout: ``predict`` then one probability column per class level."""
        rows, out = self._layer_outputs(frame, precision=precision)
        if self.category == "AutoEncoder":
            return self._reconstruction(out)
        if self.category == "Regression":
            return pd.DataFrame(
                {"predict": self._regression_output(out[:, 0], self._offset(frame))}
            )
        return self._classification_output(self.probabilities(out))

    def _offset(self, frame: Frame) -> np.ndarray | None:
        info = self.datainfo
        if not self.apply_offset or info.offset is None:
            return None
        if info.offset not in frame.kinds:
            raise DataError(f"the frame lacks the offset column {info.offset!r} the model needs")
        return np.nan_to_num(finite_values(frame, info.offset, "the offset column"), nan=0.0)

    def _regression_output(self, f: np.ndarray, offset: np.ndarray | None) -> np.ndarray:
        info = self.datainfo
        if self.apply_offset and offset is not None:
            f = f + (offset - (info.resp_sub or 0.0)) * (info.resp_mul or 1.0)  # as in training
        if info.resp_mul is not None:
            f = f / info.resp_mul + info.resp_sub
        return link_inverse(self.distribution)(f)

    def probabilities(self, out: np.ndarray) -> np.ndarray:
        """Class probabilities from the softmax output, corrected for class balancing.

        H2O's ``GenModel.correctProbabilities``: ``p_c * prior_c / model_c`` (left alone where
        either is 0), then divided by their sum, added in class order as Java does.
        """
        if self.prior_class_distrib is None or self.model_class_distrib is None:
            return out
        prior, model = self.prior_class_distrib, self.model_class_distrib
        ratio = np.where((prior != 0) & (model != 0), prior / np.where(model == 0, 1, model), 1.0)
        probs = out * ratio
        total = probs[:, 0].copy()
        for c in range(1, probs.shape[1]):
            total += probs[:, c]
        total = total[:, None]
        return np.where(total > 0, probs / np.where(total > 0, total, 1), probs)

    def _classification_output(self, probs: np.ndarray) -> pd.DataFrame:
        levels = list(self.datainfo.response_domain)
        if self.category == "Binomial":
            label = (probs[:, 1] >= self.default_threshold).astype(np.int64)
        else:
            label = probs.argmax(axis=1)
        result = {"predict": pd.Categorical.from_codes(label, categories=levels)}
        result.update({probability_column(level): probs[:, k] for k, level in enumerate(levels)})
        return pd.DataFrame(result)

    def reconstruction_errors(self, rows: EncodedRows, out: np.ndarray) -> np.ndarray:
        """Squared reconstruction error per row and input, in the expanded, transformed space."""
        info = self.datainfo
        return (out - rows.dense(info.full_n, info.num_start)) ** 2

    def evaluate(
        self,
        rows: LabelledRows,
        params: Mapping[str, Any],
        *,
        custom_metric: Any = None,
        description: str | None = None,
    ) -> Any:
        """Score labelled rows and return H2O's metrics for this model's problem type.

        Parameters
        ----------
        rows : LabelledRows
            The rows, their actual response, weights and offset (:func:`encode_labelled`).
        params : mapping
            The model's resolved parameters (distribution options, ``auc_type``, ...).
        custom_metric : callable, optional
            ``custom_metric_func``.
        description : str, optional
            What the metrics are reported on.

        Returns
        -------
        ModelMetrics
            One of :mod:`tabdl.metrics`' metrics classes.

        """
        from tabdl import metrics

        if self.category != "AutoEncoder":
            self._require_actual(rows)
        out = self.outputs(rows.inputs)
        if self.category == "AutoEncoder":
            row_mse = self.reconstruction_errors(rows.inputs, out).mean(axis=1)
            return metrics.autoencoder_metrics(
                row_mse, None, custom_metric=custom_metric, description=description
            )  # unweighted, as H2O
        if self.category == "Regression":
            predicted = self._regression_output(out[:, 0], rows.offset)
        else:
            predicted = self.probabilities(out)
        return self.metrics_of(
            rows, predicted, params, custom_metric=custom_metric, description=description
        )

    def metrics_of(
        self,
        rows: LabelledRows,
        predicted: np.ndarray,
        params: Mapping[str, Any],
        *,
        custom_metric: Any = None,
        description: str | None = None,
    ) -> Any:
        """H2O's metrics of supervised predictions: regression values, or class probabilities.

        The arguments are those of :meth:`evaluate`, with ``predicted`` as :meth:`predict` gives
        it: one value per row (regression) or one probability per row and class.
        """
        from tabdl import metrics

        common = {"custom_metric": custom_metric, "description": description}
        weights = rows.weights
        self._require_actual(rows)
        if self.category == "Regression":
            return metrics.regression_metrics(
                rows.actual, predicted, weights, distribution=self.distribution,
                quantile_alpha=params.get("quantile_alpha", 0.5),
                tweedie_power=params.get("tweedie_power", 1.5),
                huber_alpha=params.get("huber_alpha", 0.9), **common,
            )  # fmt: skip
        probs = predicted
        domain = list(self.datainfo.response_domain)
        if self.category == "Binomial":
            return metrics.binomial_metrics(
                rows.actual, probs, weights, domain=domain,
                gainslift_bins=params.get("gainslift_bins", -1), **common,
            )  # fmt: skip
        return metrics.multinomial_metrics(
            rows.actual, probs, weights, domain=domain, auc_type=params.get("auc_type", "AUTO"),
            max_confusion_matrix_size=params.get("max_confusion_matrix_size", 20), **common,
        )  # fmt: skip

    def _require_actual(self, rows: LabelledRows) -> None:
        if rows.actual is None:
            raise DataError(f"the frame lacks the response column {self.datainfo.response!r}")

    def _reconstruction(self, out: np.ndarray) -> pd.DataFrame:
        info = self.datainfo
        values = out.copy()
        if info.norm_mul is not None:
            values[:, info.num_start :] = (
                values[:, info.num_start :] / info.norm_mul + info.norm_sub
            )
        names = [f"reconstr_{n}" for n in info.coef_names()]
        return pd.DataFrame(values, columns=names)

    def anomaly(self, frame: Frame, per_feature: bool = False) -> pd.DataFrame:
        """Reconstruction error of an autoencoder in the expanded, transformed input space."""
        self._require_autoencoder("anomaly")
        rows, out = self._layer_outputs(frame)
        squared = self.reconstruction_errors(rows, out)
        if per_feature:
            names = [f"reconstr_{n}.SE" for n in self.datainfo.coef_names()]
            return pd.DataFrame(squared, columns=names)
        return pd.DataFrame({"Reconstruction.MSE": squared.mean(axis=1)})

    def deepfeatures(self, frame: Frame, layer: int) -> pd.DataFrame:
        """Activations of hidden layer ``layer`` (0-based) in test mode, named ``DF.L{layer+1}.C{j}``."""
        if self.spec.n_hidden == 0:
            raise DataError("this network has no hidden layer, so it has no deep features")
        if not isinstance(layer, (int, np.integer)) or not 0 <= layer < self.spec.n_hidden:
            raise DataError(
                f"layer must be a hidden layer index from 0 to {self.spec.n_hidden - 1}; got {layer!r}"
            )
        _, out = self._layer_outputs(frame, int(layer))
        return pd.DataFrame(out, columns=[f"DF.L{layer + 1}.C{j + 1}" for j in range(out.shape[1])])

    def _require_autoencoder(self, what: str) -> None:
        if self.category != "AutoEncoder":
            raise DataError(f"{what} needs an autoencoder model; this is a {self.category} model")
