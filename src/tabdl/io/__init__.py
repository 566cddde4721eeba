"""Models on disk: tabdl's own format (``save``/``load_model``) and H2O MOJO import."""

from __future__ import annotations

import os
import zipfile
from typing import Any

from tabdl.estimator import DeepLearningEstimator, next_model_id
from tabdl.io.model_details import read_model_details
from tabdl.io.mojo_reader import read_mojo
from tabdl.io.native import save_model
from tabdl.registry import register

__all__ = ["import_mojo", "load_model", "read_mojo", "save_model"]


def load_model(path: str | os.PathLike) -> DeepLearningEstimator:
    """Load a model saved with ``model.save(path)``; it is registered under its ``model_id``."""
    from tabdl.io.native import load_model as read_model

    model = read_model(path)
    register(model, warn=True)
    return model


def import_mojo(path: str | os.PathLike, model_id: str | None = None) -> DeepLearningEstimator:
    """Import an H2O-3 Deep Learning MOJO as a tabdl model.

    The model predicts on any supported frame exactly as H2O's MOJO runtime scores it: missing
    numerics are 0 after standardisation, missing and unseen levels use the NA bucket, and an offset
    column is ignored (genmodel ignores it too).

    Parameters
    ----------
    path : str or PathLike
        The MOJO zip file, as written by H2O's ``download_mojo`` or ``save_mojo``.
    model_id : str, optional
        A name for the model; default: ``DeepLearning_model_<session>_<n>``.

    Returns
    -------
    DeepLearningEstimator
        The imported model, with ``predict``, ``weights``, ``biases``, ``anomaly``, ``deepfeatures``,
        ``model_performance(test_data)``; and, from the MOJO's ``experimental/modelDetails.json``
        where H2O wrote it, H2O's parameters (``actual_params``), ``scoring_history()``,
        ``varimp()`` and ``summary()`` as H2O reported them.

    Raises
    ------
    tabdl.errors.MojoError
        If the file is missing, not a zip, truncated, or not a Deep Learning MOJO.

    """
    fitted = read_mojo(path)
    with zipfile.ZipFile(path) as archive:
        details = read_model_details(archive)
    spec, info = fitted.spec, fitted.datainfo
    params: dict[str, Any] = {
        **details.params,
        "activation": spec.activation,
        "hidden": spec.units[1:-1],
        "distribution": fitted.distribution,
        "autoencoder": fitted.category == "AutoEncoder",
        "use_all_factor_levels": info.use_all_factor_levels,
        "standardize": info.norm_mul is not None,
        "response_column": info.response,
    }
    if spec.activation.endswith("WithDropout"):
        params["hidden_dropout_ratios"] = spec.hidden_dropout_ratios
    model = DeepLearningEstimator._from_fitted(fitted, model_id or next_model_id(), params)
    object.__setattr__(model, "_imported", details)
    register(model)
    return model
