"""The models and grids of this process by id, as H2O's cluster keeps them.

``get_model``, ``ls``, ``remove`` and ``get_grid``.

Training, importing and loading a model registers it under its ``model_id`` (a later model with the
same id replaces the earlier one, as in H2O), so ``checkpoint=`` and ``pretrained_autoencoder=`` can
name a model by id.
"""

from __future__ import annotations

import warnings
from typing import Any

import pandas as pd

from tabdl.errors import DataError

_MODELS: dict[str, Any] = {}
_GRIDS: dict[str, Any] = {}


def register(model: Any, warn: bool = False) -> None:
    """Keep ``model`` under its ``model_id``; with ``warn``, say so when it replaces another model."""
    earlier = _MODELS.get(model.model_id)
    if warn and earlier is not None and earlier is not model:
        warnings.warn(
            f"model id {model.model_id!r} now names the loaded model; the model that had it is no "
            "longer reachable by id (tabdl.get_model)",
            UserWarning,
            stacklevel=3,
        )
    _MODELS[model.model_id] = model


def get_model(model_id: str) -> Any:
    """Return the model of this process with this id (H2O's ``h2o.get_model``)."""
    try:
        return _MODELS[model_id]
    except KeyError:
        known = ", ".join(sorted(_MODELS)) or "none"
        raise DataError(f"no model with id {model_id!r} in this process (known: {known})") from None


def ls() -> pd.DataFrame:
    """List the models of this process (H2O's ``h2o.ls``): one row per id, column ``key``."""
    return pd.DataFrame({"key": sorted(_MODELS)})


def remove(model_id: str) -> None:
    """Forget the model with this id (H2O's ``h2o.remove``)."""
    get_model(model_id)
    del _MODELS[model_id]


def register_grid(grid: Any) -> None:
    """Keep a grid search under its ``grid_id`` (a later grid with the same id replaces it)."""
    _GRIDS[grid.grid_id] = grid


def get_grid(grid_id: str) -> Any:
    """Return the grid search of this process with this id (H2O's ``h2o.get_grid``)."""
    try:
        return _GRIDS[grid_id]
    except KeyError:
        known = ", ".join(sorted(_GRIDS)) or "none"
        raise DataError(f"no grid with id {grid_id!r} in this process (known: {known})") from None
