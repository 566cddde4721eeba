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
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd
from safetensors.numpy import load as load_tensors
from safetensors.numpy import save as save_tensors

from tabdl.encoding.categorical import CategoricalEncoder
from tabdl.encoding.datainfo import DataInfo
from tabdl.errors import DataError
from tabdl.io.atomic import write_atomically
from tabdl.io.model_details import ModelDetails
from tabdl.metrics import metrics_from_dict
from tabdl.metrics.tables import H2OTable
from tabdl.model import FittedNetwork
from tabdl.nn import NetworkSpec
from tabdl.training.network_state import NetworkState, layer_offsets
from tabdl.training.scoring import ScoringEvent

FORMAT = "tabdl-model"
VERSION = 1
JSON_ENTRY, ARRAYS_ENTRY = "model.json", "arrays.safetensors"
_STATE_ARRAYS = ("flat_weights", "flat_biases", "ada_weights", "ada_biases", "momentum_weights",
                 "momentum_biases", "weight_offsets", "bias_offsets",
                 "avg_activations")  # fmt: skip


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
    if info.encoder is not None:
        out["encoder"] = info.encoder.to_json()
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
    if values.get("encoder") is not None:
        values["encoder"] = CategoricalEncoder.from_json(values["encoder"])
    return DataInfo(**values)


def event_json(event: ScoringEvent) -> dict[str, Any]:
    """Return a scoring event as JSON data (its metrics as dicts)."""
    d = dataclasses.asdict(dataclasses.replace(event, train=None, valid=None))
    d["train"] = None if event.train is None else event.train.to_dict()
    d["valid"] = None if event.valid is None else event.valid.to_dict()
    return d


def event_from_json(d: Mapping[str, Any]) -> ScoringEvent:
    """Return the scoring event :func:`event_json` wrote."""
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
        "input_params": _params_json(getattr(model, "_input_params", {}) or {})[0],
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
            "history": [event_json(e) for e in result.history],
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
    cv = getattr(model, "_cv", None)
    if cv is not None:  # the metrics and summary; the fold models are models of their own (as H2O)
        doc["cross_validation"] = {
            "metrics": cv.metrics.to_dict(),
            "summary": cv.summary.to_dict(),
            "model_ids": list(cv.model_ids),
        }
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
    _input_params: Mapping[str, Any]
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
    doc, arrays = _model_json(model)
    text = json.dumps(doc, allow_nan=True)  # metrics keep NaN values (Python's JSON reads them)

    def write(handle: BinaryIO) -> None:
        with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(JSON_ENTRY, text)
            z.writestr(ARRAYS_ENTRY, save_tensors(arrays))

    return write_atomically(path, write, "the model")


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
        found = doc.get("format") if isinstance(doc, dict) else type(doc).__name__
        raise DataError(f"{path} is not a tabdl model file (format {found!r})")
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version > VERSION:
        raise DataError(
            f"{path} was written by a newer tabdl (format version {version}; this tabdl reads up "
            f"to {VERSION}): upgrade tabdl to load it"
        )
    try:
        arrays = load_tensors(raw)
    except Exception as error:  # safetensors raises its own error types on bad bytes
        raise DataError(f"{path}: the arrays of the model file are corrupted ({error})") from None
    return doc, arrays


class _InconsistentFileError(DataError):
    """A model file whose parts do not fit together."""


def _spec_from(d: Mapping[str, Any]) -> NetworkSpec:
    from tabdl.nn import ACTIVATIONS, base_activation

    spec = NetworkSpec(
        tuple(int(u) for u in d["units"]), str(d["activation"]),
        tuple(float(r) for r in d["hidden_dropout_ratios"]), str(d["output"]),
    )  # fmt: skip
    for name in (base_activation(spec.activation), spec.output):
        if name not in ACTIVATIONS:
            raise _InconsistentFileError(f"unknown activation {name!r}")
    return spec


def _expected_state_arrays(spec: NetworkSpec, arrays: Mapping[str, np.ndarray]) -> dict:
    """Shapes and dtypes the state arrays must have for this network (empty: optimiser unused)."""
    n_layers = len(spec.units) - 1
    weights = [spec.rows(i) * spec.units[i] for i in range(n_layers)]
    biases = [spec.rows(i) for i in range(n_layers)]
    n_w, n_b = sum(weights), sum(biases)
    offsets = (layer_offsets(weights), layer_offsets(biases))
    expected = {
        "flat_weights": ((n_w,), np.float32), "flat_biases": ((n_b,), np.float64),
        "ada_weights": ((2 * n_w,), np.float32), "ada_biases": ((2 * n_b,), np.float64),
        "momentum_weights": ((n_w,), np.float32), "momentum_biases": ((n_b,), np.float64),
        "avg_activations": ((sum(spec.units[1:-1]),), np.float64),
    }  # fmt: skip
    for name, (shape, dtype) in expected.items():
        array = arrays[name]
        optional = name.startswith(("ada", "momentum", "avg")) and array.size == 0
        if array.dtype != dtype or not (optional or array.shape == shape):
            raise _InconsistentFileError(
                f"{name} has {array.dtype} {array.shape}, expected {dtype} {shape}"
            )
    for name, offsets_of in zip(("weight_offsets", "bias_offsets"), offsets, strict=True):
        if not np.array_equal(arrays[name], offsets_of):
            raise _InconsistentFileError(f"{name} do not fit the network's layers")
    return {name: arrays[name].copy() for name in _STATE_ARRAYS}


def _state_from(d: Mapping[str, Any], arrays: Mapping[str, np.ndarray], spec: NetworkSpec):
    state = NetworkState(spec, **_expected_state_arrays(spec, arrays))
    state.processed, state.training_rows = int(d["processed"]), int(d["training_rows"])
    state.iterations = int(d["iterations"])
    if state.training_rows <= 0 or state.processed < 0 or state.iterations < 0:
        raise _InconsistentFileError("its training counters are impossible")
    return state


def _check_encoder(info: DataInfo, spec: NetworkSpec, category: str) -> None:
    """Check that the encoder makes the network's inputs and the output fits the problem."""
    n_num = len(info.num_names)
    for name in ("norm_mul", "norm_sub"):
        value = getattr(info, name)
        if value is not None and len(value) != n_num:
            raise _InconsistentFileError(
                f"{name} has {len(value)} values for {n_num} numeric columns"
            )
    if len(info.num_na_fill) != n_num or info.full_n != spec.units[0]:
        raise _InconsistentFileError(
            f"the encoder makes {info.full_n} inputs, the network takes {spec.units[0]}"
        )
    outputs = {"Regression": 1, "AutoEncoder": info.full_n}.get(
        category, len(info.response_domain or ()) if category in ("Binomial", "Multinomial") else -1
    )
    if outputs != spec.units[-1] or (category in ("Binomial", "Multinomial") and outputs < 2):
        raise _InconsistentFileError(f"a {category!r} model cannot have {spec.units[-1]} outputs")


def _model_from(doc: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> Any:
    from tabdl.estimator import DeepLearningEstimator
    from tabdl.training.fit import TrainingResult

    spec = _spec_from(doc["spec"])
    info = _datainfo_from_json(doc["datainfo"])
    _check_encoder(info, spec, str(doc["category"]))
    result_d = doc["result"]
    state = None if result_d is None else _state_from(result_d, arrays, spec)
    if state is not None:
        weights, biases = state.weights, state.biases
    else:
        n = len(spec.units) - 1
        weights = [arrays[f"weights.{i}"].copy() for i in range(n)]
        biases = [arrays[f"biases.{i}"].copy() for i in range(n)]
    problem = spec.check_shapes(weights, biases)
    if problem:
        raise _InconsistentFileError(problem)
    prior, model_dist = (
        None if doc[k] is None else np.asarray(doc[k], dtype=np.float64)
        for k in ("prior_class_distrib", "model_class_distrib")
    )
    fitted = FittedNetwork(
        info, spec, weights, biases, str(doc["category"]), str(doc["distribution"]),
        float(doc["default_threshold"]), prior, model_dist, bool(doc["apply_offset"]),
    )  # fmt: skip
    model = DeepLearningEstimator._from_fitted(fitted, str(doc["model_id"]), dict(doc["params"]))
    object.__setattr__(model, "_input_params", dict(doc.get("input_params", doc["params"])))
    if result_d is not None:
        history = [event_from_json(e) for e in result_d["history"]]
        result = TrainingResult(
            fitted, state, history, history[-1].train, history[-1].valid,
            bool(result_d["has_validation"]), bool(result_d["stopped_early"]),
            arrays["unseen_na"].astype(bool), np.float32(result_d["best_loss"]),
        )  # fmt: skip
        object.__setattr__(model, "_result", result)
    imported = doc.get("imported")
    if imported is not None:
        tables = {str(k): pd.DataFrame(dict(v)) for k, v in dict(imported["tables"]).items()}
        details = ModelDetails(dict(doc["params"]), tables, imported["summary_header"])
        object.__setattr__(model, "_imported", details)
    cv = doc.get("cross_validation")
    if cv is not None:
        from tabdl.crossval import CrossValidation

        cross_validation = CrossValidation(
            metrics_from_dict(cv["metrics"]),
            H2OTable.from_dict(cv["summary"]),
            [str(i) for i in cv["model_ids"]],
        )
        object.__setattr__(model, "_cv", cross_validation)
    object.__setattr__(model, "_not_stored", tuple(str(n) for n in doc.get("not_stored", ())))
    return model


def load_model(path: str | os.PathLike) -> Any:
    """Load a model written by ``model.save(path)``; nothing in the file is executed.

    Raises
    ------
    tabdl.errors.DataError
        If the file is missing, truncated, corrupted, not a tabdl model, from a newer tabdl, or its
        parts do not fit together (an edited file).

    """
    doc, arrays = _read(Path(path))
    try:
        return _model_from(doc, arrays)
    except _InconsistentFileError as error:
        raise DataError(
            f"{path}: the model file is inconsistent: {error}; was it edited?"
        ) from None
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as error:
        if isinstance(error, DataError):
            raise
        raise DataError(
            f"{path}: the model file is inconsistent ({error!r}); was it edited?"
        ) from None
