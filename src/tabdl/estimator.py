"""The H2O-style front: ``DeepLearningEstimator(...).train(x=, y=, training_frame=)`` and the model methods.

As in H2O's Python client, the estimator *is* the model once trained (or imported from a MOJO):
``predict``, ``weights``, ``biases``, ``anomaly`` and ``deepfeatures`` are its methods. The class holds
no algorithm of its own; it translates arguments and calls the core packages.
"""

from __future__ import annotations

import inspect
import itertools
import os
import time
from typing import Any

import numpy as np
import pandas as pd

from tabdl.crossval import cross_validate, is_cross_validated
from tabdl.distributed import is_root, restart_checkpoint
from tabdl.errors import DataError, ParameterError
from tabdl.frame import as_frame, like_input
from tabdl.model import SCORING_PRECISIONS, FittedNetwork
from tabdl.params import DEFAULTS, PARAMETERS, PARAMETERS_BY_NAME, check_available, check_names
from tabdl.registry import register
from tabdl.report.console import TrainingConsole
from tabdl.report.model_outputs import ModelOutputs
from tabdl.training import prepare
from tabdl.training.checkpoint import check_restart, inherit_fixed, resolve_model
from tabdl.training.fit import fit
from tabdl.training.network_state import NetworkState

_model_counter = itertools.count(1)
#: Part of every generated model id, so ids from different processes do not collide (as h2o-py's
#: ``DeepLearning_model_python_<session>_<n>``).
_SESSION = f"{int(time.time() * 1000)}"

#: ``train`` keywords that set the parameter of the same name, as in H2O's ``train``.
_TRAIN_PARAMETERS = (
    "offset_column",
    "fold_column",
    "weights_column",
    "max_runtime_secs",
    "ignored_columns",
    "model_id",
    "verbose",
)


class DeepLearningEstimator(ModelOutputs):
    """H2O-3's Deep Learning: a feedforward network trained by back-propagation.

    Takes every parameter of H2O's ``H2ODeepLearningEstimator`` with the same name and default; see
    ``docs/parameters.md`` for each parameter, its constraint and its status in this release. The
    constructor only stores the parameters (an unknown name fails at once, with the closest valid
    name); values and cross-parameter rules are checked when :meth:`train` starts.

    Examples
    --------
    >>> import tabdl
    >>> model = tabdl.import_mojo(tabdl.datasets.path("regression_mojo.zip"))
    >>> model.predict(tabdl.datasets.path("synthetic_test.csv")).shape
    (120, 1)

    """

    algo = "deeplearning"

    def __init__(self, **params: Any) -> None:
        check_names(params)
        object.__setattr__(self, "_input_params", dict(params))
        object.__setattr__(self, "_actual_params", None)
        object.__setattr__(self, "_fitted", None)
        object.__setattr__(self, "_result", None)
        object.__setattr__(self, "_imported", None)  # ModelDetails of an imported MOJO
        object.__setattr__(self, "_cv", None)  # CrossValidation of a cross-validated model
        object.__setattr__(self, "_not_stored", ())  # parameters a loaded model file lacks
        object.__setattr__(self, "_model_id", params.get("model_id"))

    # -- parameters, H2O style: ``dl.epochs``, ``dl.epochs = 5`` ---------------------------------------
    def __getattr__(self, name: str) -> Any:
        if name in PARAMETERS_BY_NAME:
            return self._input_params.get(name, DEFAULTS[name])
        raise AttributeError(f"{type(self).__name__!r} has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        if name in PARAMETERS_BY_NAME:
            self._input_params[name] = value
        elif name.startswith("_"):
            object.__setattr__(self, name, value)
        else:
            check_names([name])

    @property
    def params(self) -> dict[str, dict[str, Any]]:
        """Each parameter's ``default``, ``input`` (as given) and ``actual`` (as used) value, as H2O's."""
        actual = self._actual_params or {}
        return {
            p.name: {
                "default": p.default,
                "input": self._input_params.get(p.name),
                "actual": actual.get(p.name, self._input_params.get(p.name, p.default)),
            }
            for p in PARAMETERS
        }

    @property
    def actual_params(self) -> dict[str, Any]:
        """The parameters as the model uses them (after resolving AUTO values)."""
        return {name: entry["actual"] for name, entry in self.params.items()}

    @property
    def model_id(self) -> str | None:
        """The model's name."""
        return self._model_id

    # -- training --------------------------------------------------------------------------------------
    def train(
        self,
        x: Any = None,
        y: Any = None,
        training_frame: Any = None,
        validation_frame: Any = None,
        categorical_columns: Any = None,
        **more: Any,
    ) -> DeepLearningEstimator:
        """Train the model (H2O's ``train``).

        Parameters
        ----------
        x : list of str or int, optional
            Predictor columns; default: every column except ``y`` and the special columns.
        y : str or int, optional
            The response column; omit for an autoencoder.
        training_frame : DataFrame, Table, ndarray, scipy.sparse matrix or path
            Training data (pandas, polars, pyarrow, numpy, scipy.sparse, or a CSV/Parquet path). A
            sparse matrix's columns are ``C1``, ``C2``, ...; it stays sparse (see ``sparse``).
        validation_frame : same kinds, optional
            Data scored while training.
        categorical_columns : list of str, optional
            Numeric columns to treat as categorical (H2O's ``asfactor``).
        **more
            ``offset_column``, ``fold_column``, ``weights_column``, ``max_runtime_secs``,
            ``ignored_columns``, ``model_id``, ``verbose``, as in H2O's ``train``.

        Returns
        -------
        DeepLearningEstimator
            ``self``, trained.

        """
        unknown = [k for k in more if k not in _TRAIN_PARAMETERS]
        if unknown:
            raise TypeError(
                f"train() got unexpected keyword argument(s) {unknown}; parameters go to the "
                f"constructor, and train() takes x, y, training_frame, validation_frame, "
                f"categorical_columns and {', '.join(_TRAIN_PARAMETERS)}"
            )
        params = {**self._input_params, **{k: v for k, v in more.items() if v is not None}}
        if training_frame is None:
            training_frame = self._input_params.get("training_frame")
        if validation_frame is None:
            validation_frame = self._input_params.get("validation_frame")
        params.pop("training_frame", None)
        params.pop("validation_frame", None)
        if is_cross_validated(params):
            cross_validate(
                self, params, x, y, training_frame, validation_frame, categorical_columns
            )
        else:
            self._train_once(params, x, y, training_frame, validation_frame, categorical_columns)
        return self

    def _train_once(
        self,
        params: dict[str, Any],
        x: Any,
        y: Any,
        training_frame: Any,
        validation_frame: Any,
        categorical_columns: Any = None,
        show_progress: bool = True,
    ) -> None:
        """Train one model on ``training_frame`` (no cross-validation); keep it in ``self``."""
        checkpoint = None
        restart = restart_checkpoint(params, params.get("model_id"))
        if restart is not None:  # torchrun restarted the processes: go on from the last checkpoint
            params = {**params, "checkpoint": str(restart)}
        if params.get("checkpoint") is not None:
            checkpoint = resolve_model(params["checkpoint"], "checkpoint")
            params = inherit_fixed(params, checkpoint)
        setup = prepare(params, x, y, training_frame, validation_frame, categorical_columns)
        check_available(setup.checked)
        if checkpoint is not None:
            check_restart(setup, checkpoint)
        console = TrainingConsole(
            setup.params,
            setup.problem.category,
            setup.validation is not None,
            show_progress and is_root(),  # on several processes, rank 0 shows the progress
        )
        model_id = setup.params["model_id"] or next_model_id()
        export = _checkpoint_writer(params, setup.params, model_id)
        pretrained = setup.params["pretrained_autoencoder"]
        if pretrained is not None:
            pretrained = resolve_model(pretrained, "pretrained_autoencoder")
        result = fit(setup, console, checkpoint, export, pretrained)
        object.__setattr__(self, "_model_id", model_id)
        object.__setattr__(self, "_actual_params", setup.params)
        object.__setattr__(self, "_fitted", result.fitted)
        object.__setattr__(self, "_result", result)
        object.__setattr__(self, "_imported", None)
        object.__setattr__(self, "_cv", None)
        register(self)

    def save(self, path: str | os.PathLike) -> str:
        """Write the model to ``path`` in tabdl's format (one file; read it with ``tabdl.load_model``).

        The file holds the parameters, encoder, network, weights, optimiser state, counters, scoring
        history and metrics, so the model can also be a ``checkpoint=`` to continue training. It is
        written atomically. ``custom_metric_func`` and ``initial_weights``/``initial_biases`` are code
        or data and are not stored (the history keeps the custom metric's values).
        """
        from tabdl.io.native import save_model

        self._require_fitted()
        return str(save_model(self, path))

    def download_mojo(
        self, path: str | os.PathLike = ".", get_genmodel_jar: bool = False, genmodel_name: str = ""
    ) -> str:
        """Write the model as an H2O Deep Learning MOJO (H2O's ``download_mojo``); return its path.

        ``path`` is a folder (the file is ``<model_id>.zip``) or a file name. H2O's own runtime
        (genmodel) scores the file as ``predict`` does. Features the MOJO format cannot carry (an
        offset column, other categorical encodings, hashing) are refused with a ``DataError``.
        """
        from tabdl.io.mojo_writer import write_mojo

        if get_genmodel_jar:
            raise DataError(
                "tabdl does not ship H2O's genmodel jar: take h2o-genmodel.jar from an H2O "
                "installation (pip install h2o==3.46.0.11 has it inside h2o.jar)"
            )
        fitted = self._require_fitted()
        return str(write_mojo(fitted, self.actual_params, path, self.model_id))

    def save_mojo(
        self, path: str | os.PathLike = "", force: bool = False, filename: str | None = None
    ) -> str:
        """Write the MOJO into folder ``path`` as ``filename`` (default ``<model_id>.zip``).

        As H2O's ``save_mojo``: an existing file is replaced only with ``force=True``.
        """
        from pathlib import Path

        target = Path(path or ".") / (filename or f"{self.model_id}.zip")
        if target.exists() and not force:
            raise DataError(f"{target} exists; pass force=True to replace it")
        return self.download_mojo(target)

    def save_onnx(self, path: str | os.PathLike, opset: int | None = None) -> str:
        """Write the model as one ONNX graph, from raw columns to predictions (needs ``tabdl[onnx]``).

        One input per predictor column, named as the column, shaped ``[N, 1]``: float32 for numeric
        columns (NaN for missing), string for categorical ones. Outputs ``predict`` and, for
        classifiers, ``probabilities``. The graph imputes, standardises, looks up levels, runs the
        network and transforms the output as ``predict`` does; serve it with onnxruntime alone.
        """
        from tabdl.io.onnx_export import write_onnx

        return str(write_onnx(self._require_fitted(), path, opset=opset))

    @property
    def epoch_counter(self) -> float:
        """Epochs trained (samples / training rows), as H2O reports them."""
        state = self._require_state()
        return state.processed / state.training_rows

    @property
    def iterations(self) -> int:
        """Training iterations run (H2O's MapReduce iterations)."""
        return self._require_state().iterations

    @property
    def samples(self) -> int:
        """Training samples processed."""
        return self._require_state().processed

    @property
    def _state(self) -> NetworkState | None:
        """The training state (weights, optimiser state, counters); None for an imported model."""
        return None if self._result is None else self._result.state

    def _require_state(self) -> NetworkState:
        state = self._state
        if state is None:
            raise DataError("this model was not trained by tabdl: it has no training counters")
        return state

    # -- the fitted model ------------------------------------------------------------------------------
    def _require_fitted(self) -> FittedNetwork:
        if self._fitted is None:
            raise DataError(
                "this model has not been trained: call train() first, or use tabdl.import_mojo"
            )
        return self._fitted

    def predict(self, test_data: Any, precision: str = "float64") -> Any:
        """Predict, in H2O's layout and in the same kind of frame as ``test_data``.

        Classification gives ``predict`` (the label) and one probability column per class level;
        regression gives ``predict``; an autoencoder gives the reconstruction ``reconstr_<input>``.

        ``precision`` (tabdl's addition) is the scoring arithmetic: ``"float64"``, as H2O and its
        MOJO score (equal to them to about 1e-15), or ``"float32"``, two to three times as fast
        with outputs within about 1e-6 of float64's.
        """
        if precision not in SCORING_PRECISIONS:
            raise ParameterError(
                f"precision={precision!r} is not one of {', '.join(map(repr, SCORING_PRECISIONS))}"
            )
        fitted = self._require_fitted()
        frame = as_frame(test_data)
        return like_input(fitted.predict(frame, precision), frame.source)

    def anomaly(self, test_data: Any, per_feature: bool = False) -> Any:
        """Autoencoder reconstruction error per row (``Reconstruction.MSE``), or per input if ``per_feature``."""
        fitted = self._require_fitted()
        frame = as_frame(test_data)
        return like_input(fitted.anomaly(frame, per_feature=per_feature), frame.source)

    def deepfeatures(self, test_data: Any, layer: int) -> Any:
        """Activations of hidden layer ``layer`` (0-based), named ``DF.L{layer+1}.C{j}``."""
        fitted = self._require_fitted()
        frame = as_frame(test_data)
        return like_input(fitted.deepfeatures(frame, layer), frame.source)

    def _layer_index(self, matrix: int) -> int:
        fitted = self._require_fitted()
        count = len(fitted.weights)
        if not isinstance(matrix, (int, np.integer)) or not 0 <= matrix < count:
            raise DataError(f"the network has weight layers 0 to {count - 1}; got {matrix!r}")
        return int(matrix)

    def weights(self, matrix_id: int = 0) -> pd.DataFrame:
        """Weights into layer ``matrix_id + 1``: rows are its units, columns the units of layer ``matrix_id``.

        Layer 0's columns are named after the expanded inputs (``col.level``, ``col.missing(NA)``,
        numerics); the others ``C1``, ``C2``, ... as H2O names them. A Maxout layer has two rows per
        unit, in H2O's interleaved layout.
        """
        layer = self._layer_index(matrix_id)
        w = self._fitted.weights[layer]
        names = (
            self._fitted.datainfo.coef_names()
            if layer == 0
            else [f"C{j + 1}" for j in range(w.shape[1])]
        )
        return pd.DataFrame(w.astype(np.float64), columns=names)

    def biases(self, vector_id: int = 0) -> pd.DataFrame:
        """Biases of layer ``vector_id + 1``, one row per unit, in a column ``C1``."""
        layer = self._layer_index(vector_id)
        return pd.DataFrame({"C1": self._fitted.biases[layer]})

    def normmul(self) -> list[float] | None:
        """Multipliers of the numeric input transform (H2O's ``normmul``)."""
        mul = self._require_fitted().datainfo.norm_mul
        return None if mul is None else mul.tolist()

    def normsub(self) -> list[float] | None:
        """Offsets of the numeric input transform (H2O's ``normsub``)."""
        sub = self._require_fitted().datainfo.norm_sub
        return None if sub is None else sub.tolist()

    def respmul(self) -> float | None:
        """Multiplier of the response standardisation (H2O's ``respmul``)."""
        return self._require_fitted().datainfo.resp_mul

    def respsub(self) -> float | None:
        """Offset of the response standardisation (H2O's ``respsub``)."""
        return self._require_fitted().datainfo.resp_sub

    def catoffsets(self) -> list[int]:
        """Start of each categorical block in the expanded input (H2O's ``catoffsets``)."""
        return self._require_fitted().datainfo.cat_offsets.tolist()

    def __repr__(self) -> str:
        if self._fitted is None:
            given = ", ".join(f"{k}={v!r}" for k, v in self._input_params.items())
            return f"{type(self).__name__}({given})"
        from tabdl.report.summary import model_text

        return model_text(self)

    def show(self) -> None:
        """Print the model as H2O does: details, layers, metrics, scoring history, importances."""
        print(repr(self))

    @classmethod
    def _from_fitted(
        cls, fitted: FittedNetwork, model_id: str, params: dict[str, Any]
    ) -> DeepLearningEstimator:
        model = cls(**{k: v for k, v in params.items() if k in PARAMETERS_BY_NAME})
        object.__setattr__(model, "_fitted", fitted)
        object.__setattr__(model, "_model_id", model_id)
        object.__setattr__(model, "_actual_params", {**DEFAULTS, **params})
        return model


def _signature() -> inspect.Signature:
    kw = inspect.Parameter.KEYWORD_ONLY
    params = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    params += [inspect.Parameter(p.name, kw, default=p.default) for p in PARAMETERS]
    return inspect.Signature(params)


DeepLearningEstimator.__init__.__signature__ = _signature()  # type: ignore[attr-defined]


def _checkpoint_writer(given: dict[str, Any], params: dict[str, Any], model_id: str) -> Any:
    """With ``export_checkpoints_dir``, a callable writing ``<dir>/<model_id>.tabdl`` at each scoring."""
    folder = params["export_checkpoints_dir"]
    if folder is None:
        return None
    from pathlib import Path

    from tabdl.io.native import ModelSnapshot, save_model

    target = Path(folder)
    if Path(model_id).name != model_id or model_id in (".", ".."):
        raise DataError(
            f"model_id={model_id!r} cannot name a file in export_checkpoints_dir; use a plain name"
        )
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DataError(f"export_checkpoints_dir={folder!r} cannot be created: {error}") from None
    return lambda result: save_model(
        ModelSnapshot(model_id, given, params, result.fitted, result), target / f"{model_id}.tabdl"
    )


def next_model_id() -> str:
    """Return a fresh model id, as H2O names models it has not been given a name for."""
    return f"DeepLearning_model_{_SESSION}_{next(_model_counter)}"
