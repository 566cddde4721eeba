"""tabdl's own model file: a zip of ``model.json`` and ``arrays.safetensors``, with a format version.

The JSON part holds the parameters, the encoder, the network spec, the counters, the scoring history
with its metrics, and what an imported MOJO reported; the safetensors part holds the arrays (weights,
biases, optimiser state). Nothing in the file is ever executed: loading reads JSON and raw tensors.
Parameters that are code or data (``custom_metric_func``, ``initial_weights``) are not stored; the
file lists them, and a loaded model says so.

Writing is atomic: the zip is written to a temporary file beside the target and moved over it, so a
crash mid-write leaves the old file (or none), never half a file.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from safetensors.numpy import load as load_tensors
from safetensors.numpy import save as save_tensors

from tabdl.encoding.datainfo import DataInfo
from tabdl.errors import DataError
from tabdl.io.model_details import ModelDetails
from tabdl.metrics import metrics_from_dict
from tabdl.model import FittedNetwork
from tabdl.nn import NetworkSpec
from tabdl.training.network_state import NetworkState
from tabdl.training.scoring import ScoringEvent

FORMAT = "tabdl-model"
VERSION = 1
JSON_ENTRY, ARRAYS_ENTRY = "model.json", "arrays.safetensors"
_STATE_ARRAYS = ("flat_weights", "flat_biases", "ada_weights", "ada_biases", "momentum_weights",
                 "momentum_biases", "weight_offsets", "bias_offsets")  # fmt: skip


def _json_param(value: Any) -> tuple[bool, Any]:
    """Return (stored, value): a parameter as JSON data, or (False, None) for code and frames."""
    if value is None or isinstance(value, (bool, str)):
        return True, value
    if isinstance(value, (int, float, np.integer, np.floating)):
        return True, value.item() if isinstance(value, np.generic) else value
    scalars = (bool, int, float, str, np.integer, np.floating)
    if isinstance(value, (list, tuple)) and all(isinstance(v, scalars) for v in value):
        return True, [_json_param(v)[1] for v in value]
    if isinstance(value, os.PathLike):
        return True, os.fspath(value)
    return False, None


def _params_json(params: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    stored, skipped = {}, []
    for name, value in params.items():
        ok, plain = _json_param(value)
        if ok:
            stored[name] = plain
        else:
            stored[name] = None
            skipped.append(name)
    return stored, skipped


def _datainfo_json(info: DataInfo) -> dict[str, Any]:
    out = {}
    for f in dataclasses.fields(info):
        value = getattr(info, f.name)
        out[f.name] = value.tolist() if isinstance(value, np.ndarray) else value
    return out


def _datainfo_from_json(d: Mapping[str, Any]) -> DataInfo:
    arrays = ("norm_mul", "norm_sub", "num_na_fill")
    values = {k: (np.asarray(v, dtype=np.float64) if k in arrays and v is not None else v)
              for k, v in d.items()}  # fmt: skip
    values["cat_names"] = tuple(values["cat_names"])
    values["num_names"] = tuple(values["num_names"])
    values["domains"] = tuple(tuple(dom) for dom in values["domains"])
    if values.get("response_domain") is not None:
        values["response_domain"] = tuple(values["response_domain"])
    return DataInfo(**values)


def _event_json(event: ScoringEvent) -> dict[str, Any]:
    d = dataclasses.asdict(dataclasses.replace(event, train=None, valid=None))
    d["train"] = None if event.train is None else event.train.to_dict()
    d["valid"] = None if event.valid is None else event.valid.to_dict()
    return d


def _event_from_json(d: Mapping[str, Any]) -> ScoringEvent:
    values = dict(d)
    for key in ("train", "valid"):
        values[key] = None if d[key] is None else metrics_from_dict(d[key])
    return ScoringEvent(**values)


def _model_json(model: Any) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Split a model into its JSON document and its arrays."""
    fitted: FittedNetwork = model._fitted
    params, skipped = _params_json(model._actual_params or {})
    doc: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "model_id": model.model_id,
        "params": params,
        "not_stored": skipped,
        "datainfo": _datainfo_json(fitted.datainfo),
        "spec": dataclasses.asdict(fitted.spec),
        "category": fitted.category,
        "distribution": fitted.distribution,
        "default_threshold": fitted.default_threshold,
        "apply_offset": fitted.apply_offset,
        "result": None,
        "imported": None,
    }
    arrays: dict[str, np.ndarray] = {}
    for key in ("prior_class_distrib", "model_class_distrib"):
        value = getattr(fitted, key)
        doc[key] = None if value is None else np.asarray(value, dtype=np.float64).tolist()
    result = model._result
    if result is not None:
        state: NetworkState = result.state
        doc["result"] = {
            "processed": state.processed,
            "training_rows": state.training_rows,
            "iterations": state.iterations,
            "history": [_event_json(e) for e in result.history],
            "has_validation": result.has_validation,
            "stopped_early": result.stopped_early,
            "best_loss": float(result.best_loss),
        }
        arrays.update({name: np.ascontiguousarray(getattr(state, name)) for name in _STATE_ARRAYS})
        arrays["unseen_na"] = np.asarray(result.unseen_na, dtype=np.uint8)
    else:
        for i, (w, b) in enumerate(zip(fitted.weights, fitted.biases, strict=True)):
            arrays[f"weights.{i}"] = np.ascontiguousarray(w)
            arrays[f"biases.{i}"] = np.ascontiguousarray(b)
    imported: ModelDetails | None = getattr(model, "_imported", None)
    if imported is not None:
        doc["imported"] = {
            "summary_header": imported.summary_header,
            "tables": {k: v.to_dict(orient="list") for k, v in imported.tables.items()},
        }
    return doc, arrays


@dataclasses.dataclass(frozen=True)
class ModelSnapshot:
    """A model in training, as :func:`save_model` reads it (for ``export_checkpoints_dir``)."""

    model_id: str
    _actual_params: Mapping[str, Any]
    _fitted: FittedNetwork
    _result: Any
    _imported: None = None


def save_model(model: Any, path: str | os.PathLike) -> Path:
    """Write ``model`` to ``path`` in tabdl's format, atomically; return the path.

    Parameters
    ----------
    model : DeepLearningEstimator
        A trained or imported model.
    path : str or PathLike
        The file to write (conventionally ``*.tabdl``); its folder must exist.

    Returns
    -------
    Path
        The written file.

    """
    target = Path(path)
    if not target.parent.is_dir():
        raise DataError(
            f"cannot save the model to {target}: the folder {target.parent} does not exist"
        )
    doc, arrays = _model_json(model)
    text = json.dumps(doc, allow_nan=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle, zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(JSON_ENTRY, text)
            z.writestr(ARRAYS_ENTRY, save_tensors(arrays))
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def _read(path: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    if not path.is_file():
        raise DataError(f"no model file at {path}")
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            if JSON_ENTRY not in names or ARRAYS_ENTRY not in names:
                raise DataError(
                    f"{path} is not a tabdl model file (it lacks {JSON_ENTRY} or {ARRAYS_ENTRY}); "
                    "for an H2O MOJO use tabdl.import_mojo"
                )
            doc = json.loads(z.read(JSON_ENTRY))
            raw = z.read(ARRAYS_ENTRY)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, zipfile.LargeZipFile) as error:
        if isinstance(error, DataError):
            raise
        raise DataError(
            f"{path} is not a readable tabdl model file (truncated or corrupted?): {error}"
        ) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise DataError(f"{path} is not a tabdl model file (format {doc.get('format')!r})")
    version = doc.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise DataError(
            f"{path} was written by a newer tabdl (format version {version}; this tabdl reads up "
            f"to {VERSION}): upgrade tabdl to load it"
        )
    try:
        arrays = load_tensors(raw)
    except Exception as error:  # safetensors raises its own error types on bad bytes
        raise DataError(f"{path}: the arrays of the model file are corrupted ({error})") from None
    return doc, arrays


def load_model(path: str | os.PathLike) -> Any:
    """Load a model written by ``model.save(path)``.

    Raises
    ------
    tabdl.errors.DataError
        If the file is missing, truncated, corrupted, not a tabdl model, or from a newer tabdl.

    """
    from tabdl.estimator import DeepLearningEstimator
    from tabdl.training.fit import TrainingResult

    doc, arrays = _read(Path(path))
    try:
        spec_d = doc["spec"]
        spec = NetworkSpec(
            tuple(spec_d["units"]), spec_d["activation"],
            tuple(spec_d["hidden_dropout_ratios"]), spec_d["output"],
        )  # fmt: skip
        info = _datainfo_from_json(doc["datainfo"])
        result_d = doc["result"]
        state = None
        if result_d is not None:
            state = NetworkState(spec, **{name: arrays[name].copy() for name in _STATE_ARRAYS})
            state.processed = int(result_d["processed"])
            state.training_rows = int(result_d["training_rows"])
            state.iterations = int(result_d["iterations"])
            weights, biases = state.weights, state.biases
        else:
            n = len(spec.units) - 1
            weights = [arrays[f"weights.{i}"].copy() for i in range(n)]
            biases = [arrays[f"biases.{i}"].copy() for i in range(n)]
        problem = spec.check_shapes(weights, biases)
        if problem:
            raise DataError(f"{path}: the model file is inconsistent: {problem}")
        prior, model_dist = (
            None if doc[k] is None else np.asarray(doc[k], dtype=np.float64)
            for k in ("prior_class_distrib", "model_class_distrib")
        )
        fitted = FittedNetwork(
            info, spec, weights, biases, doc["category"], doc["distribution"],
            float(doc["default_threshold"]), prior, model_dist, bool(doc["apply_offset"]),
        )  # fmt: skip
        model = DeepLearningEstimator._from_fitted(fitted, doc["model_id"], doc["params"])
        if result_d is not None:
            history = [_event_from_json(e) for e in result_d["history"]]
            result = TrainingResult(
                fitted, state, history, history[-1].train, history[-1].valid,
                bool(result_d["has_validation"]), bool(result_d["stopped_early"]),
                arrays["unseen_na"].astype(bool), np.float32(result_d["best_loss"]),
            )  # fmt: skip
            object.__setattr__(model, "_result", result)
            object.__setattr__(model, "_state", state)
        imported = doc.get("imported")
        if imported is not None:
            tables = {k: pd.DataFrame(v) for k, v in imported["tables"].items()}
            details = ModelDetails(dict(doc["params"]), tables, imported["summary_header"])
            object.__setattr__(model, "_imported", details)
        object.__setattr__(model, "_not_stored", tuple(doc.get("not_stored", ())))
    except (KeyError, TypeError, ValueError, IndexError) as error:
        if isinstance(error, DataError):
            raise
        raise DataError(
            f"{path}: the model file is inconsistent ({error!r}); was it edited?"
        ) from None
    return model
