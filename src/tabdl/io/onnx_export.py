"""ONNX export: one graph from raw columns to predictions, served by onnxruntime alone.

The graph takes one input per predictor column the model uses, named as the column and shaped
``[N, 1]``: float32 for a numeric column (NaN for a missing value), string for a categorical one (the
empty string, or any level the model does not know, for a missing or unseen value). A model trained
with an offset column takes it as one more float32 input, named as the column. Inside, the graph
does what :func:`tabdl.encoding.datainfo.encode` and :class:`tabdl.model.FittedNetwork` do:

1. numerics: ``(x - norm_sub) * norm_mul``, then the training mean (``num_na_fill``) where missing;
2. categoricals: a ``LabelEncoder`` maps each level to its index in the domain, anything else to
   the NA bucket; the index picks a row of the first layer's weights for that column (the
   embedding-bag sum tabdl scores with; the first level adds nothing when
   ``use_all_factor_levels=False``);
3. the network, in float64 as tabdl scores: Maxout takes the larger of its two channels, a
   ``*WithDropout`` layer is scaled by ``1 - ratio``;
4. the output transform: softmax and the class-distribution correction, the label (the binomial
   threshold on the second class, else the most probable class); or the offset, the response
   de-standardisation and the inverse link; or, for an autoencoder, the reconstruction with its
   numeric inputs brought back to their own units.

Outputs: ``predict`` (shape ``[N]``: float64 values for regression, the label string for
classification; ``[N, full_n]`` float64 reconstruction for an autoencoder, in the order of
``reconstr_<input>`` of ``predict``) and, for a classifier, ``probabilities`` (``[N, K]`` float64,
in the order of the class levels). Weights are stored as float32, as tabdl holds them, and cast to
float64 in the graph (onnxruntime folds the casts when it loads the model).
"""

from __future__ import annotations

import json
import os
import pathlib
from typing import TYPE_CHECKING, Any

import numpy as np

from tabdl.distributions import EXP_CLAMP, LINKS
from tabdl.errors import TabdlError
from tabdl.io.atomic import write_atomically
from tabdl.model import FittedNetwork
from tabdl.nn import MAXOUT_CHANNELS, base_activation

if TYPE_CHECKING:
    import onnx

#: Opset of the default ``ai.onnx`` domain when none is asked for (onnxruntime 1.12 and later).
DEFAULT_OPSET = 17
#: Oldest opset the graph can be written in (``ReduceSum`` takes its axes as an input from 13).
MIN_OPSET = 13
#: Opset of the ``ai.onnx.ml`` domain (``LabelEncoder`` with string keys).
ML_OPSET = 2
#: Names of the graph's outputs.
PREDICT, PROBABILITIES = "predict", "probabilities"
#: Hidden activations the graph expresses (each also ``*WithDropout``).
HIDDEN_ACTIVATIONS = ("Tanh", "Rectifier", "ExpRectifier", "Maxout")
#: protobuf cannot serialise a message of 2 GiB or more; leave room for the graph around the weights.
MAX_WEIGHT_BYTES = 1_900_000_000


class OnnxExportError(TabdlError, ValueError):
    """A model holds something the ONNX graph cannot express."""


def write_onnx(
    fitted: FittedNetwork, path: str | os.PathLike, *, opset: int | None = None
) -> pathlib.Path:
    """Write a fitted network as one ONNX graph from raw columns to predictions.

    Parameters
    ----------
    fitted : FittedNetwork
        A trained or imported model's network and encoder (``model._fitted``).
    path : str or PathLike
        Where to write the ``.onnx`` file. Written atomically: a temporary file in the same folder,
        then renamed over ``path``, so a crash never leaves half a file in its place.
    opset : int, optional
        Opset of the ``ai.onnx`` domain, from 13 to the newest the installed ``onnx`` knows;
        default 17.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    OnnxExportError
        If the model holds something the graph cannot express (a level spelled as the empty string,
        a column named ``predict`` or ``probabilities``, an unknown distribution, weights of 2 GB).
    ImportError
        If the ``onnx`` package is not installed.

    Examples
    --------
    >>> import numpy as np, onnxruntime as ort, tabdl
    >>> from tabdl.datasets import path
    >>> from tabdl.io.onnx_export import write_onnx
    >>> model = tabdl.import_mojo(path("multinomial_mojo.zip"))
    >>> onnx_path = write_onnx(model._fitted, "model.onnx")
    >>> session = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    >>> feeds = {"x1": np.array([[0.5]], np.float32), "x2": np.array([[np.nan]], np.float32),
    ...          "x3": np.array([[1.0]], np.float32), "c1": np.array([["a"]], object),
    ...          "c2": np.array([[""]], object), "c3": np.array([["unseen"]], object)}
    >>> label, probabilities = session.run(["predict", "probabilities"], feeds)
    >>> probabilities.shape
    (1, 3)

    """
    data = to_onnx(fitted, opset=opset).SerializeToString()
    return write_atomically(path, lambda handle: handle.write(data), "the ONNX model")


def to_onnx(fitted: FittedNetwork, *, opset: int | None = None) -> onnx.ModelProto:
    """Build the ONNX model of :func:`write_onnx` in memory (same parameters), checked by ``onnx``."""
    onnx = _import_onnx()
    opset = _resolve_opset(onnx, opset)
    _check_exportable(fitted)
    graph = _GraphBuilder(onnx, _input_names(fitted))
    inputs = _add_inputs(graph, fitted)
    out = _network(graph, fitted, inputs)
    outputs = _output_head(graph, fitted, out, inputs)
    model = graph.model(fitted, outputs, opset)
    onnx.checker.check_model(model)
    return model


def _import_onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise ImportError(
            "ONNX export needs the onnx package: pip install 'tabdl[onnx]' (or pip install onnx)"
        ) from None
    return onnx


def _resolve_opset(onnx: Any, opset: int | None) -> int:
    if opset is None:
        return DEFAULT_OPSET
    newest = onnx.defs.onnx_opset_version()
    if isinstance(opset, bool) or not isinstance(opset, (int, np.integer)):
        raise OnnxExportError(f"opset must be an integer; got {opset!r}")
    if not MIN_OPSET <= opset <= newest:
        raise OnnxExportError(
            f"opset must be from {MIN_OPSET} to {newest} (the newest the installed onnx knows); "
            f"got {opset}"
        )
    return int(opset)


def _input_names(fitted: FittedNetwork) -> list[str]:
    info = fitted.datainfo
    offset = [info.offset] if _uses_offset(fitted) else []
    return list(info.predictors) + offset


def _uses_offset(fitted: FittedNetwork) -> bool:
    info = fitted.datainfo
    return fitted.category == "Regression" and fitted.apply_offset and info.offset is not None


def _check_encoding(fitted: FittedNetwork) -> None:
    """Refuse the options whose input encoding the graph does not build (it builds one-hot)."""
    info = fitted.datainfo
    if info.hash_width is not None:
        raise OnnxExportError(
            f"cannot export to ONNX a model that hashes categoricals (max_categorical_features="
            f"{info.hash_width}): the graph encodes categoricals one-hot; save it with save_model instead"
        )
    scheme = info.encoder.scheme if info.encoder is not None else "OneHotInternal"
    if scheme not in ("OneHotInternal", "SortByResponse"):
        raise OnnxExportError(
            f"cannot export to ONNX a model with categorical_encoding={scheme!r}: the graph encodes "
            "categoricals one-hot (AUTO, OneHotInternal, SortByResponse); save it with save_model, "
            "or as a MOJO (Binary, Eigen, LabelEncoder)"
        )


def _check_exportable(fitted: FittedNetwork) -> None:
    """Raise an :class:`OnnxExportError` for the first thing the graph cannot express."""
    _check_encoding(fitted)
    _check_network(fitted)
    _check_names(fitted)


def _check_network(fitted: FittedNetwork) -> None:
    info, spec = fitted.datainfo, fitted.spec
    if fitted.category not in ("Regression", "Binomial", "Multinomial", "AutoEncoder"):
        raise OnnxExportError(f"cannot export a model of category {fitted.category!r}")
    if fitted.category == "Regression" and fitted.distribution not in LINKS:
        raise OnnxExportError(
            f"cannot export the distribution {fitted.distribution!r}: its inverse link is unknown"
        )
    if fitted.category in ("Binomial", "Multinomial") and not info.response_domain:
        raise OnnxExportError("a classifier without class levels cannot be exported")
    if base_activation(spec.activation) not in HIDDEN_ACTIVATIONS:
        raise OnnxExportError(f"cannot export the activation {spec.activation!r}")
    problem = spec.check_shapes(fitted.weights, fitted.biases)
    if problem:
        raise OnnxExportError(f"the network's weights do not fit its layers: {problem}")
    size = sum(w.size * 4 for w in fitted.weights)
    if size > MAX_WEIGHT_BYTES:
        raise OnnxExportError(
            f"the weights take {size / 1e9:.1f} GB, more than one ONNX file can hold (2 GB)"
        )


def _check_names(fitted: FittedNetwork) -> None:
    clash = [n for n in _input_names(fitted) if n in (PREDICT, PROBABILITIES) or not n]
    if clash:
        raise OnnxExportError(
            f"the graph's inputs are named as the columns, and {clash} cannot be: "
            f"the outputs are {PREDICT!r} and {PROBABILITIES!r}, and a name must not be empty; "
            "rename the column and train again"
        )
    info = fitted.datainfo
    for name, domain in zip(info.cat_names, info.domains, strict=True):
        if "" in domain:
            raise OnnxExportError(
                f"column {name!r} has a level spelled as the empty string, which the graph reads "
                "as a missing value; rename the level and train again"
            )


class _GraphBuilder:
    """Nodes and constants of a graph under construction, with names that never clash."""

    def __init__(self, onnx: Any, reserved: list[str]) -> None:
        self.onnx = onnx
        self.helper = onnx.helper
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self.inputs: list[Any] = []
        self.used = set(reserved) | {PREDICT, PROBABILITIES}
        self.count = 0
        self.small: dict[tuple, str] = {}  # small constants, shared by every node that uses them

    def fresh(self, hint: str) -> str:
        """Return a new value name built from ``hint``."""
        while True:
            self.count += 1
            name = f"tabdl/{hint}_{self.count}"
            if name not in self.used:
                self.used.add(name)
                return name

    def input(self, name: str, elem_type: int) -> str:
        """Declare a graph input of shape ``[N, 1]``."""
        self.inputs.append(self.helper.make_tensor_value_info(name, elem_type, ["N", 1]))
        return name

    def const(self, value: Any, hint: str, dtype: Any = np.float64) -> str:
        """Add a constant tensor (an initializer) and return its name; small ones are shared."""
        array = np.asarray(value, dtype=dtype)
        small = array.size <= 4
        key = (hint, array.dtype.str, array.shape, repr(array.tolist())) if small else None
        if key in self.small:
            return self.small[key]
        name = self.fresh(hint)
        self.initializers.append(self.onnx.numpy_helper.from_array(array, name))
        if key is not None:
            self.small[key] = name
        return name

    def op(self, op_type: str, *inputs: str, hint: str | None = None, **attrs: Any) -> str:
        """Add a node with one output and return the output's name."""
        output = self.fresh(hint or op_type.lower())
        domain = "ai.onnx.ml" if op_type == "LabelEncoder" else ""
        self.nodes.append(
            self.helper.make_node(op_type, list(inputs), [output], domain=domain, **attrs)
        )
        return output

    def rename(self, value: str, name: str) -> str:
        """Expose ``value`` under the output name ``name``."""
        self.nodes.append(self.helper.make_node("Identity", [value], [name]))
        return name

    def model(self, fitted: FittedNetwork, outputs: list[Any], opset: int) -> onnx.ModelProto:
        """Assemble the model: graph, opsets, IR version and metadata."""
        helper = self.helper
        graph = helper.make_graph(
            self.nodes, "tabdl_deeplearning", self.inputs, outputs, self.initializers
        )
        opsets = [helper.make_opsetid("", opset), helper.make_opsetid("ai.onnx.ml", ML_OPSET)]
        model = helper.make_model(graph, opset_imports=opsets, producer_name="tabdl")
        model.ir_version = helper.find_min_ir_version_for(opsets, ignore_unknown=True)
        model.doc_string = (
            f"tabdl Deep Learning {fitted.category} model: raw columns to predictions"
        )
        helper.set_model_props(model, _metadata(fitted))
        return model


def _metadata(fitted: FittedNetwork) -> dict[str, str]:
    from tabdl import __version__

    info = fitted.datainfo
    props = {
        "tabdl_version": __version__,
        "category": fitted.category,
        "distribution": fitted.distribution,
        "categorical_columns": json.dumps(list(info.cat_names)),
        "numeric_columns": json.dumps(list(info.num_names)),
    }
    if info.response is not None:
        props["response_column"] = info.response
    if info.response_domain is not None:
        props["classes"] = json.dumps(list(info.response_domain))
    if fitted.category == "Binomial":
        props["default_threshold"] = repr(float(fitted.default_threshold))
    if _uses_offset(fitted):
        props["offset_column"] = info.offset
    if fitted.category == "AutoEncoder":
        props["reconstruction_columns"] = json.dumps([f"reconstr_{n}" for n in info.coef_names()])
    return props


def _add_inputs(graph: _GraphBuilder, fitted: FittedNetwork) -> dict[str, str]:
    tensor = graph.onnx.TensorProto
    info = fitted.datainfo
    names = {n: graph.input(n, tensor.STRING) for n in info.cat_names}
    names.update({n: graph.input(n, tensor.FLOAT) for n in info.num_names})
    if _uses_offset(fitted):
        names[info.offset] = graph.input(info.offset, tensor.FLOAT)
    return names


def _double_and_missing(graph: _GraphBuilder, value: str) -> tuple[str, str]:
    """Cast a float32 value to float64; return it and its NaN mask."""
    raw = graph.op("Cast", value, to=graph.onnx.TensorProto.DOUBLE)
    return raw, graph.op("IsNaN", raw)


def _numeric_block(graph: _GraphBuilder, fitted: FittedNetwork, inputs: dict[str, str]) -> str:
    """Return the transformed numerics ``[N, n_numeric]`` in float64, missing values filled."""
    info = fitted.datainfo
    columns = [inputs[n] for n in info.num_names]
    stacked = graph.op("Concat", *columns, axis=1) if len(columns) > 1 else columns[0]
    raw, missing = _double_and_missing(graph, stacked)
    values = raw
    if info.norm_mul is not None:
        centred = graph.op("Sub", raw, graph.const(info.norm_sub, "norm_sub"))
        values = graph.op("Mul", centred, graph.const(info.norm_mul, "norm_mul"))
    return graph.op("Where", missing, graph.const(info.num_na_fill, "num_na_fill"), values)


def _wide(fitted: FittedNetwork, layer: int) -> np.ndarray:
    """Weight layer ``layer`` as ``(inputs, units * channels)``, column ``r * channels + k``.

    H2O's layout holds unit ``r``, input ``c``, channel ``k`` at flat position
    ``(r * inputs + c) * channels + k``, so this is a transpose of the reshaped matrix; the biases
    are already in the order ``r * channels + k``.
    """
    spec = fitted.spec
    units, cols = spec.units[layer + 1], spec.units[layer]
    channels = spec.rows(layer) // units
    w = np.asarray(fitted.weights[layer], dtype=np.float32).reshape(units, cols, channels)
    return np.ascontiguousarray(w.transpose(1, 0, 2).reshape(cols, units * channels))


def _category_table(fitted: FittedNetwork, wide: np.ndarray, i: int) -> np.ndarray:
    """First-layer weight rows of categorical column ``i``, by level index, then the NA bucket."""
    info = fitted.datainfo
    start, bucket = int(info.cat_offsets[i]), int(info.cat_offsets[i + 1]) - 1
    shift = 0 if info.use_all_factor_levels else 1
    table = np.zeros((len(info.domains[i]) + 1, wide.shape[1]), dtype=np.float32)
    for code in range(shift, len(info.domains[i])):
        table[code] = wide[start + code - shift]  # level 0 adds nothing when it was dropped
    table[-1] = wide[bucket]
    return table


def _weights(graph: _GraphBuilder, array: np.ndarray, hint: str) -> str:
    """Add a float32 weight constant, cast to float64 in the graph."""
    return graph.op("Cast", graph.const(array, hint, np.float32), to=graph.onnx.TensorProto.DOUBLE)


def _first_layer(graph: _GraphBuilder, fitted: FittedNetwork, inputs: dict[str, str]) -> str:
    """Pre-activation of weight layer 0: numerics times weights, plus one weight row per category."""
    info = fitted.datainfo
    wide = _wide(fitted, 0)
    z = None
    if info.num_names:
        numeric = _numeric_block(graph, fitted, inputs)
        z = graph.op("MatMul", numeric, _weights(graph, wide[info.num_start :], "w0_numeric"))
    flat = graph.const([-1], "flat", np.int64)
    for i, (name, domain) in enumerate(zip(info.cat_names, info.domains, strict=True)):
        codes = graph.op(
            "LabelEncoder",
            inputs[name],
            keys_strings=list(domain),
            values_int64s=list(range(len(domain))),
            default_int64=len(domain),
            hint="level_index",
        )
        table = _weights(graph, _category_table(fitted, wide, i), "w0_levels")
        rows = graph.op("Gather", table, graph.op("Reshape", codes, flat), axis=0)
        z = rows if z is None else graph.op("Add", z, rows)
    return graph.op("Add", z, graph.const(fitted.biases[0], "b0"))


def _channel_max(graph: _GraphBuilder, fitted: FittedNetwork, layer: int, z: str) -> str:
    """For a Maxout layer, the larger of each unit's two channels; else ``z`` itself."""
    units = fitted.spec.units[layer + 1]
    if fitted.spec.rows(layer) == units:
        return z
    by_channel = graph.op(
        "Reshape", z, graph.const([-1, units, MAXOUT_CHANNELS], "shape", np.int64)
    )
    channels = [
        graph.op("Gather", by_channel, graph.const(k, "channel", np.int64), axis=2)
        for k in range(MAXOUT_CHANNELS)
    ]
    return graph.op("Max", *channels)


def _activation(graph: _GraphBuilder, name: str, z: str) -> str:
    """Apply activation ``name`` with tabdl's formulas (:data:`tabdl.nn.ACTIVATIONS`)."""
    if name == "Tanh":  # 1 - 2 / (1 + exp(2z)): saturates to +-1 without NaN
        one = graph.const(1.0, "one")
        e = graph.op("Exp", graph.op("Mul", z, graph.const(2.0, "two")))
        ratio = graph.op("Div", graph.const(2.0, "two"), graph.op("Add", one, e))
        return graph.op("Sub", one, ratio, hint="tanh")
    if name == "Rectifier":
        return graph.op("Max", z, graph.const(0.0, "zero"), hint="rectifier")
    if name == "ExpRectifier":
        zero, one = graph.const(0.0, "zero"), graph.const(1.0, "one")
        negative = graph.op("Sub", graph.op("Exp", graph.op("Min", z, zero)), one)
        return graph.op("Where", graph.op("GreaterOrEqual", z, zero), z, negative, hint="elu")
    if name == "Softmax":
        return graph.op("Softmax", z, axis=1)
    if name in ("Linear", "Maxout"):  # Maxout's max over channels comes before the activation
        return z
    raise OnnxExportError(f"cannot export the activation {name!r}")


def _network(graph: _GraphBuilder, fitted: FittedNetwork, inputs: dict[str, str]) -> str:
    """Return the output layer's activations in float64, as :func:`tabdl.nn.forward` does."""
    spec = fitted.spec
    a = None
    for layer in range(len(fitted.weights)):
        if layer == 0:
            z = _first_layer(graph, fitted, inputs)
        else:
            w = _weights(graph, _wide(fitted, layer), f"w{layer}")
            z = graph.op("MatMul", a, w)
            z = graph.op("Add", z, graph.const(fitted.biases[layer], f"b{layer}"))
        a = _activation(graph, spec.layer_activation(layer), _channel_max(graph, fitted, layer, z))
        scale = spec.test_scale(layer)
        if scale != 1.0:
            a = graph.op("Mul", a, graph.const(scale, "dropout_scale"), hint="test_scaled")
    return a


def _output_head(
    graph: _GraphBuilder, fitted: FittedNetwork, out: str, inputs: dict[str, str]
) -> list[Any]:
    """Add the output transform and return the graph's output declarations."""
    helper, tensor = graph.helper, graph.onnx.TensorProto
    if fitted.category == "AutoEncoder":
        graph.rename(_reconstruction(graph, fitted, out), PREDICT)
        n = fitted.datainfo.full_n
        return [helper.make_tensor_value_info(PREDICT, tensor.DOUBLE, ["N", n])]
    if fitted.category == "Regression":
        graph.rename(_regression(graph, fitted, out, inputs), PREDICT)
        return [helper.make_tensor_value_info(PREDICT, tensor.DOUBLE, ["N"])]
    probs = _probabilities(graph, fitted, out)
    graph.rename(_label(graph, fitted, probs), PREDICT)
    graph.rename(probs, PROBABILITIES)
    k = len(fitted.datainfo.response_domain)
    return [
        helper.make_tensor_value_info(PREDICT, tensor.STRING, ["N"]),
        helper.make_tensor_value_info(PROBABILITIES, tensor.DOUBLE, ["N", k]),
    ]


def _regression(
    graph: _GraphBuilder, fitted: FittedNetwork, out: str, inputs: dict[str, str]
) -> str:
    """Offset, response de-standardisation and inverse link (``FittedNetwork._regression_output``)."""
    info = fitted.datainfo
    f = graph.op("Reshape", out, graph.const([-1], "flat", np.int64))
    if _uses_offset(fitted):
        raw, missing = _double_and_missing(graph, inputs[info.offset])
        offset = graph.op("Where", missing, graph.const(0.0, "zero"), raw)
        centred = graph.op("Sub", offset, graph.const(info.resp_sub or 0.0, "resp_sub"))
        scaled = graph.op("Mul", centred, graph.const(info.resp_mul or 1.0, "resp_mul"))
        f = graph.op("Add", graph.op("Reshape", scaled, graph.const([-1], "flat", np.int64)), f)
    if info.resp_mul is not None:
        f = graph.op("Div", f, graph.const(info.resp_mul, "resp_mul"))
        f = graph.op("Add", f, graph.const(info.resp_sub, "resp_sub"))
    link = LINKS[fitted.distribution]
    if link == "log":
        return graph.op("Min", graph.op("Exp", f), graph.const(EXP_CLAMP, "exp_clamp"))
    if link != "identity":
        raise OnnxExportError(f"cannot export a regression with the {link} link")
    return f


def _probabilities(graph: _GraphBuilder, fitted: FittedNetwork, out: str) -> str:
    """Softmax output corrected for class balancing (``FittedNetwork.probabilities``)."""
    prior, model = fitted.prior_class_distrib, fitted.model_class_distrib
    if prior is None or model is None:
        return out
    prior, model = np.asarray(prior, np.float64), np.asarray(model, np.float64)
    ratio = np.where((prior != 0) & (model != 0), prior / np.where(model == 0, 1, model), 1.0)
    probs = graph.op("Mul", out, graph.const(ratio, "class_ratio"))
    total = graph.op("ReduceSum", probs, graph.const([1], "axis", np.int64), keepdims=1)
    positive = graph.op("Greater", total, graph.const(0.0, "zero"))
    divisor = graph.op("Where", positive, total, graph.const(1.0, "one"))
    return graph.op("Where", positive, graph.op("Div", probs, divisor), probs)


def _label(graph: _GraphBuilder, fitted: FittedNetwork, probs: str) -> str:
    """Return the class label: threshold on the second class (binomial), else the arg-max."""
    levels = graph.const(list(fitted.datainfo.response_domain), "classes", object)
    if fitted.category == "Binomial":
        second = graph.op("Gather", probs, graph.const(1, "class", np.int64), axis=1)
        threshold = graph.const(float(fitted.default_threshold), "threshold")
        above = graph.op("GreaterOrEqual", second, threshold)
        index = graph.op("Cast", above, to=graph.onnx.TensorProto.INT64)
    else:
        index = graph.op("ArgMax", probs, axis=1, keepdims=0)
    return graph.op("Gather", levels, index, axis=0, hint="label")


def _reconstruction(graph: _GraphBuilder, fitted: FittedNetwork, out: str) -> str:
    """Return the reconstruction with numeric inputs back in their own units."""
    info = fitted.datainfo
    if info.norm_mul is None:
        return out
    divisor = np.concatenate([np.ones(info.num_start), info.norm_mul])
    shift = np.concatenate([np.zeros(info.num_start), info.norm_sub])
    scaled = graph.op("Div", out, graph.const(divisor, "norm_mul"))
    return graph.op("Add", scaled, graph.const(shift, "norm_sub"))
