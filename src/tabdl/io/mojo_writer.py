"""Write a tabdl model as an H2O-3 Deep Learning MOJO (format 1.10) that genmodel scores like tabdl.

The zip holds ``model.ini`` (the ``[info]`` keys H2O 3.46.0.11 writes, in its order, then
``[columns]`` and ``[domains]``) and one ``domains/dNNN.txt`` per categorical column (the response's
last). Numbers are written as Java prints them (``1.0E-4``, ``NaN``, ``Infinity``): every double
array has a ``.`` or an exponent in each element, since genmodel parses arrays as ``int[]`` first.
Weights are the shortest decimal of each float32 that parses back (as a double, then cast to float,
as genmodel and tabdl's reader do) to the same float32. The file is deterministic: fixed entry order
and timestamps, and a ``uuid`` derived from the content, so writing a model twice gives the same
bytes. ``experimental/modelDetails.json`` is not written: genmodel does not need it to score.

Two things genmodel does differently from tabdl's ``predict`` are handled here:

* **Missing numerics.** genmodel sets a missing numeric to 0 *after* the transform. tabdl imputes
  the training mean (``DataInfo.num_na_fill``), which is not 0 in transformed units with
  ``standardize=False``, ``sparse=True`` or a weights column. For a supervised model the MOJO
  centres such a column on its fill value (``norm_sub`` shifted by ``fill/norm_mul``) and the first
  layer's biases absorb the shift (``b + W·fill``), so genmodel's 0 is tabdl's mean; predictions
  then agree to rounding (~1e-15 relative), not bit for bit. An autoencoder cannot be folded (its
  reconstruction is de-normalised with the same statistics, after a non-linear output layer) and is
  refused.
* **Offsets.** genmodel ignores the offset column, so a model that applies one is refused. A model
  imported from a MOJO already ignores it, and is written with its ``offset_column`` as it came.

Everything else the format cannot express is refused with a :class:`~tabdl.errors.DataError`:
non-one-hot categorical encodings, categorical hashing, a Maxout autoencoder, non-finite weights,
and column names that ``model.ini`` cannot hold.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tabdl.encoding.datainfo import DataInfo
from tabdl.errors import DataError
from tabdl.io.atomic import write_atomically
from tabdl.io.mojo_encoding import (
    encoding_files,
    encoding_keys,
    genmodel_encoding,
    projection_array,
)
from tabdl.model import FittedNetwork
from tabdl.nn import base_activation

MOJO_VERSION = "1.10"
H2O_VERSION = "3.46.0.11"  # the H2O release whose MOJO layout this writer follows
#: Fixed date of every zip entry and of the ``timestamp`` key, so that the file is reproducible.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
TIMESTAMP = "1980-01-01T00:00:00.000Z"
ACTIVATIONS = ("Tanh", "Rectifier", "ExpRectifier", "Maxout")
CATEGORIES = ("Regression", "Binomial", "Multinomial", "AutoEncoder")
DISTRIBUTIONS = ("gaussian", "bernoulli", "multinomial", "poisson", "gamma", "tweedie", "laplace",
                 "quantile", "huber")  # fmt: skip


# ---- numbers as Java prints them --------------------------------------------------------------


def java_number(text: str) -> str:
    """Respell a shortest decimal (Python's ``repr``/numpy's ``str``) as Java's ``Double.toString``.

    Java prints ``d.ddd`` between 1e-3 and 1e7 and ``d.dddE<n>`` elsewhere, always with a digit
    after the point; NaN and infinities are ``NaN``, ``Infinity`` and ``-Infinity``.
    """
    sign = "-" if text.startswith("-") else ""
    body = text.lstrip("+-").lower()
    if body == "nan":
        return "NaN"
    if body in ("inf", "infinity"):
        return f"{sign}Infinity"
    mantissa, _, exponent = body.partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = whole + fraction
    point = len(whole) + (int(exponent) if exponent else 0)  # value = 0.digits x 10^point
    stripped = digits.lstrip("0")
    point -= len(digits) - len(stripped)
    digits = stripped.rstrip("0")
    if not digits:
        return f"{sign}0.0"
    power = point - 1
    if -3 <= power < 7:
        if point <= 0:
            return f"{sign}0.{'0' * -point}{digits}"
        if point >= len(digits):
            return f"{sign}{digits}{'0' * (point - len(digits))}.0"
        return f"{sign}{digits[:point]}.{digits[point:]}"
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{power}"


def _array(items: Sequence[str]) -> str:
    return "[" + ", ".join(items) + "]"


def _doubles(values: np.ndarray | Sequence[float] | None) -> str:
    """Spell a double array as Java's ``Arrays.toString`` does, or ``null``."""
    if values is None:
        return "null"
    return _array([java_number(repr(float(v))) for v in np.asarray(values, dtype=np.float64)])


def _ints(values: Sequence[int] | np.ndarray) -> str:
    return _array([str(int(v)) for v in values])


def _floats(values: np.ndarray) -> str:
    """Spell a float32 array: each value's shortest decimal, if it parses back exactly.

    genmodel parses a weight as a double and casts it to float. The shortest float32 decimal
    nearly always survives that double rounding; where it does not, the float's exact value, as a
    double, is written instead.
    """
    flat = np.ascontiguousarray(values, dtype=np.float32).ravel()
    texts = flat.astype(str)
    parsed = texts.astype(np.float64).astype(np.float32)
    exact = parsed.view(np.uint32) == flat.view(np.uint32)
    exact |= np.isnan(flat) & np.isnan(parsed)
    out = [
        java_number(t if ok else repr(float(v)))
        for t, ok, v in zip(texts.tolist(), exact.tolist(), flat.tolist(), strict=True)
    ]
    return _array(out)


def _flag(value: bool) -> str:
    return "true" if value else "false"


# ---- what the format cannot carry ---------------------------------------------------------------


def _check_name(name: str) -> None:
    """Refuse a column name that a ``model.ini`` line cannot hold as it is."""
    problem = None
    if name == "" or name[0] <= " " or name[-1] <= " ":  # Java's String.trim() rule
        problem = "it is empty or starts or ends with white space, which the MOJO reader trims"
    elif "\n" in name or "\r" in name:
        problem = "it contains a line break, and model.ini has one column name per line"
    elif name.startswith("#"):
        problem = "it starts with '#', which marks a comment line in model.ini"
    elif name.startswith("[") and name.endswith("]"):
        problem = "it looks like a model.ini section header"
    if problem:
        raise DataError(
            f"cannot write a MOJO: the column name {name!r} cannot be stored: {problem}; "
            "rename the column and train again"
        )


def _check_model(fitted: FittedNetwork, params: Mapping[str, Any]) -> None:
    """Raise a :class:`DataError` for every feature of ``fitted`` the MOJO format cannot carry."""
    info, spec = fitted.datainfo, fitted.spec
    if info.offset is not None and fitted.apply_offset:
        raise DataError(
            f"cannot write a MOJO for a model with an offset column ({info.offset!r}): H2O's MOJO "
            "scorer (genmodel) ignores offsets, so the MOJO would predict without it"
        )
    genmodel_encoding(info)  # raises for EnumLimited and feature hashing
    if fitted.category not in CATEGORIES:
        raise DataError(f"cannot write a MOJO for a {fitted.category!r} model")
    if fitted.distribution not in DISTRIBUTIONS:
        raise DataError(
            f"cannot write a MOJO for distribution {fitted.distribution!r}: genmodel's Deep "
            f"Learning scorer knows {', '.join(DISTRIBUTIONS)}"
        )
    if base_activation(spec.activation) not in ACTIVATIONS:
        raise DataError(f"cannot write a MOJO for activation {spec.activation!r}")
    _check_network(fitted)
    for name in _columns(info):
        _check_name(name)


def _check_network(fitted: FittedNetwork) -> None:
    info, spec = fitted.datainfo, fitted.spec
    output = {"Binomial": "Softmax", "Multinomial": "Softmax", "Regression": "Linear"}.get(
        fitted.category, base_activation(spec.activation)
    )
    if fitted.category == "AutoEncoder" and spec.is_maxout:
        raise DataError(
            "cannot write a MOJO for a Maxout autoencoder: genmodel scores its output layer as a "
            "two-channel Maxout layer, which the network does not have"
        )
    if spec.output != output:
        raise DataError(
            f"cannot write a MOJO: the output layer is {spec.output}, but genmodel gives a "
            f"{fitted.category} network a {output} output layer"
        )
    problem = spec.check_shapes(fitted.weights, fitted.biases)
    if problem is None and spec.units[0] != info.full_n:
        problem = f"the network takes {spec.units[0]} inputs, the columns expand to {info.full_n}"
    if problem:
        raise DataError(f"cannot write a MOJO: the network is inconsistent: {problem}")
    for layer, (w, b) in enumerate(zip(fitted.weights, fitted.biases, strict=True)):
        if not (np.isfinite(w).all() and np.isfinite(b).all()):
            raise DataError(
                f"cannot write a MOJO: weight layer {layer} holds NaN or infinite values (training "
                "diverged); genmodel refuses to return NaN predictions"
            )


# ---- missing numerics: tabdl's training mean as genmodel's 0 -------------------------------------


def _fold_imputation(
    fitted: FittedNetwork,
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray]:
    """Return ``norm_mul``, ``norm_sub`` and the first layer's biases as the MOJO stores them.

    Where tabdl fills a missing numeric with a non-zero value ``d`` (transformed units), the column
    is centred on it: ``norm_sub + d/norm_mul``, so genmodel's 0 stands for ``d``; the first layer
    sees every value of that column shifted by ``-d``, which ``b + W·d`` gives back.
    """
    info, spec = fitted.datainfo, fitted.spec
    mul, sub, bias = info.norm_mul, info.norm_sub, fitted.biases[0]
    fill = np.asarray(info.num_na_fill, dtype=np.float64)
    if not np.isfinite(fill).all():
        bad = [n for n, d in zip(info.num_names, fill, strict=True) if not np.isfinite(d)]
        raise DataError(
            f"cannot write a MOJO: the numeric column(s) {bad} have no training mean to impute "
            "(every value was missing); drop them and train again"
        )
    if not fill.any():
        return mul, sub, bias
    if fitted.category == "AutoEncoder":
        raise DataError(
            "cannot write a MOJO for this autoencoder: tabdl fills a missing numeric with its "
            "training mean, but genmodel sets it to 0 after the transform (standardize=False, or "
            "statistics weighted by a weights column), and an autoencoder's reconstruction cannot "
            "absorb the difference"
        )
    n = len(info.num_names)
    mul = np.ones(n) if mul is None else np.asarray(mul, dtype=np.float64)
    sub = np.zeros(n) if sub is None else np.asarray(sub, dtype=np.float64)
    channels = spec.rows(0) // spec.units[1]
    w = fitted.weights[0].astype(np.float64).reshape(spec.units[1], spec.units[0], channels)
    shift = np.einsum("rck,c->rk", w[:, info.num_start :, :], fill).ravel()
    return mul, sub + fill / mul, np.asarray(bias, dtype=np.float64) + shift


# ---- model.ini ------------------------------------------------------------------------------------


def _columns(info: DataInfo) -> list[str]:
    """Predictors in the model's order, then weights, offset and fold, then the response."""
    special = [info.weights, info.offset, info.fold, info.response]
    return [*info.predictors, *(name for name in special if name is not None)]


def _domains(info: DataInfo) -> list[tuple[int, tuple[str, ...]]]:
    """``(column index, levels)`` of each categorical column of ``[columns]``."""
    domains = list(enumerate(info.domains))
    if info.response_domain is not None:
        domains.append((len(_columns(info)) - 1, tuple(info.response_domain)))
    return domains


def _common_keys(fitted: FittedNetwork) -> list[tuple[str, str]]:
    info = fitted.datainfo
    classifier = fitted.category in ("Binomial", "Multinomial")
    prior, model = fitted.prior_class_distrib, fitted.model_class_distrib
    keys = [
        ("h2o_version", H2O_VERSION),
        ("mojo_version", MOJO_VERSION),
        ("license", "Apache License Version 2.0"),
        ("algo", "deeplearning"),
        ("algorithm", "Deep Learning"),
        ("endianness", "LITTLE_ENDIAN"),
        ("category", fitted.category),
        ("uuid", "0"),  # set by _mojo_entries to a hash of the content
        ("supervised", _flag(fitted.category != "AutoEncoder")),
        ("n_features", str(len(info.predictors))),
        ("n_classes", str(len(info.response_domain) if classifier else 1)),
        ("n_columns", str(len(_columns(info)))),
        ("n_domains", str(len(_domains(info)))),
    ]
    if info.offset is not None:
        keys.append(("offset_column", info.offset))
    if info.fold is not None:
        keys.append(("fold_column", info.fold))
    return [
        *keys,
        ("balance_classes", _flag(prior is not None and model is not None)),
        ("default_threshold", java_number(repr(float(fitted.default_threshold)))),
        ("prior_class_distrib", _doubles(prior)),
        ("model_class_distrib", _doubles(model)),
        ("timestamp", TIMESTAMP),
        ("escape_domain_values", "true"),
    ]


def _network_keys(fitted: FittedNetwork, params: Mapping[str, Any]) -> list[tuple[str, str]]:
    info, spec = fitted.datainfo, fitted.spec
    mul, sub, first_bias = _fold_imputation(fitted)
    resp = info.resp_mul is not None
    imputes = not (info.skip_missing or params.get("missing_values_handling") == "Skip")
    keys = [
        ("mini_batch_size", str(int(params.get("mini_batch_size") or 1))),
        ("nums", str(len(info.num_names))),
        ("cats", str(len(info.cat_names))),
        ("cat_offsets", _ints(info.cat_offsets)),
        ("norm_mul", _doubles(mul)),
        ("norm_sub", _doubles(sub)),
        ("norm_resp_mul", _doubles([info.resp_mul]) if resp else "null"),
        ("norm_resp_sub", _doubles([info.resp_sub]) if resp else "null"),
        ("use_all_factor_levels", _flag(info.use_all_factor_levels)),
        ("activation", spec.activation),
        ("distribution", fitted.distribution),
        ("mean_imputation", _flag(imputes)),
    ]
    if imputes and info.cat_names:
        keys.append(("cat_modes", _ints(info.cat_modes)))
    keys.append(("neural_network_sizes", _ints(spec.units)))
    for layer, (w, b) in enumerate(zip(fitted.weights, fitted.biases, strict=True)):
        keys.append((f"weight_layer{layer}", _floats(w)))
        keys.append((f"bias_layer{layer}", _doubles(first_bias if layer == 0 else b)))
    ratios = [*spec.hidden_dropout_ratios[: spec.n_hidden], 0.0]  # the output layer's is 0
    return [
        *keys,
        ("hidden_dropout_ratios", _doubles(ratios)),
        ("_genmodel_encoding", genmodel_encoding(info)),
        *encoding_keys(info),
        ("_orig_projection_array", _doubles(projection_array(info))),
    ]


def _escape(level: str) -> str:
    return level.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")


def _model_ini(keys: list[tuple[str, str]], info: DataInfo) -> str:
    domain_lines = [
        f"{index}: {len(levels)} d{k:03d}.txt" for k, (index, levels) in enumerate(_domains(info))
    ]
    lines = ["[info]", *(f"{key} = {value}" for key, value in keys), ""]
    lines += ["[columns]", *_columns(info), "", "[domains]", *domain_lines]
    return "\n".join(lines) + "\n"


def _encode(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as error:
        around = error.object[max(0, error.start - 10) : error.end + 10]
        raise DataError(
            f"cannot write a MOJO: a column name or level is not valid Unicode text "
            f"({error.reason} in {around!r})"
        ) from None


def _mojo_entries(fitted: FittedNetwork, params: Mapping[str, Any]) -> list[tuple[str, bytes]]:
    """Return the MOJO's zip entries, in order: ``model.ini``, then ``domains/dNNN.txt``.

    The ``uuid`` key is a signed 64-bit hash of everything else, so equal models share it.

    Raises
    ------
    DataError
        When the model has a feature the MOJO format cannot carry (see the module docstring).

    """
    _check_model(fitted, params)
    info = fitted.datainfo
    domains = [
        (f"domains/d{k:03d}.txt", _encode("".join(f"{_escape(v)}\n" for v in levels)))
        for k, (_, levels) in enumerate(_domains(info))
    ]
    keys = _common_keys(fitted) + _network_keys(fitted, params)
    digest = hashlib.sha256(_encode(_model_ini(keys, info)))
    for _, data in domains:
        digest.update(data)
    uuid = str(int.from_bytes(digest.digest()[:8], "big", signed=True))
    keys = [(k, uuid if k == "uuid" else v) for k, v in keys]
    originals = [(name, _encode("".join(f"{v}\n" for v in lines)))
                 for name, lines in encoding_files(info)]  # fmt: skip
    return [("model.ini", _encode(_model_ini(keys, info))), *originals, *domains]


# ---- the file -------------------------------------------------------------------------------------


def _target(path: str | os.PathLike, model_id: str) -> Path:
    """Return the file to write: ``path``, or ``<path>/<model_id>.zip`` if ``path`` is a folder."""
    target = Path(path)
    if target.is_dir():
        if not model_id or model_id in (".", "..") or any(c in model_id for c in "/\\\0"):
            raise DataError(
                f"cannot name the MOJO after the model id {model_id!r} in the folder {target}; "
                "give a file path instead"
            )
        return target / f"{model_id}.zip"
    if not target.parent.is_dir():
        raise DataError(
            f"cannot write the MOJO to {target}: the folder {target.parent} does not exist"
        )
    return target


def _zip_into(handle: Any, entries: list[tuple[str, bytes]]) -> None:
    with zipfile.ZipFile(handle, "w") as archive:
        for name, data in entries:
            item = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            item.compress_type = zipfile.ZIP_DEFLATED
            item.create_system = 0  # MS-DOS, as Java writes it, whatever the platform
            item.external_attr = 0
            archive.writestr(item, data, compresslevel=6)


def write_mojo(
    fitted: FittedNetwork, params: Mapping[str, Any], path: str | os.PathLike, model_id: str
) -> Path:
    """Write a model as an H2O Deep Learning MOJO that H2O's genmodel scores like tabdl.

    Parameters
    ----------
    fitted : FittedNetwork
        The network: trained by tabdl or imported from a MOJO.
    params : mapping
        The model's resolved parameters, in H2O's names (``model._actual_params``); read for
        ``categorical_encoding``, ``max_categorical_features``, ``missing_values_handling`` and
        ``mini_batch_size``.
    path : str or PathLike
        The zip file to write (its folder must exist; an existing file is replaced), or an
        existing folder, in which the file is named ``<model_id>.zip`` as H2O's ``download_mojo``
        names it.
    model_id : str
        The model's id, used to name the file in a folder.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    DataError
        When the model has a feature the MOJO cannot carry (an applied offset column, a
        non-one-hot categorical encoding, hashing, a Maxout autoencoder, an autoencoder that
        imputes non-zero means, non-finite weights, a column name ``model.ini`` cannot hold), or
        the file cannot be written. Nothing is left behind: the zip is written to a temporary file
        beside the target and moved over it.

    Notes
    -----
    Missing numerics that tabdl fills with a non-zero value (``standardize=False``, a weights
    column) are folded into ``norm_sub`` and the first layer's biases, so genmodel's predictions
    equal tabdl's to rounding rather than bit for bit; every other model reads back
    (:func:`tabdl.io.read_mojo`) to the same predictions exactly.

    """
    entries = _mojo_entries(fitted, params)
    target = _target(path, model_id)
    write_atomically(target, lambda handle: _zip_into(handle, entries), "the MOJO")
    return target
