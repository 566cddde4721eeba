"""Read an H2O-3 Deep Learning MOJO (format 1.10) into a :class:`~tabdl.model.FittedNetwork`.

The MOJO is a zip holding ``model.ini`` (``[info]`` keys, ``[columns]``, ``[domains]``) and one text
file per categorical domain. The imported network scores exactly as H2O's genmodel runtime does:
missing numerics become 0 after the transform, missing and unseen levels go to the NA bucket, and
the offset column is ignored.
"""

from __future__ import annotations

import dataclasses
import os
import re
import zipfile
from dataclasses import dataclass

import numpy as np

from tabdl.distributions import LINKS
from tabdl.encoding.datainfo import DataInfo
from tabdl.errors import MojoError
from tabdl.io.mojo_encoding import encoder_from_mojo
from tabdl.model import FittedNetwork
from tabdl.nn import NetworkSpec, base_activation

SUPPORTED_MOJO_VERSION = 1.10
_KEY_VALUE = re.compile(r"\s*=\s*")


@dataclass(frozen=True)
class MojoIni:
    """The parsed ``model.ini``: info keys, column names, and domains by column index."""

    info: dict[str, str]
    columns: list[str]
    domains: dict[int, list[str]]
    orig_names: list[str] | None = None  # the frame's columns before a Binary/Eigen/LabelEncoder
    orig_domains: list[list[str] | None] | None = None  # their levels (None for a numeric)

    def text(self, key: str) -> str:
        """Return a required key's raw value."""
        if key not in self.info:
            raise MojoError(
                f"the MOJO's model.ini has no {key!r} key; the file is incomplete or not a Deep Learning MOJO"
            )
        return self.info[key]

    def integer(self, key: str) -> int:
        """Return a required integer key."""
        try:
            return int(self.text(key))
        except ValueError:
            raise MojoError(
                f"the MOJO key {key!r} should be an integer; got {self.text(key)!r}"
            ) from None

    def flag(self, key: str) -> bool:
        """Return a required boolean key."""
        value = self.text(key)
        if value not in ("true", "false"):
            raise MojoError(f"the MOJO key {key!r} should be true or false; got {value!r}")
        return value == "true"

    def array(self, key: str, required: bool = True) -> np.ndarray | None:
        """Return an array key (``[a, b, ...]``) as float64, ``None`` for ``null`` or an absent key."""
        if key not in self.info and not required:
            return None
        value = self.text(key)
        if value == "null":
            return None
        if not (value.startswith("[") and value.endswith("]")):
            raise MojoError(
                f"the MOJO key {key!r} should be an array like [1.0, 2.0]; got {value[:40]!r}"
            )
        body = value[1:-1].strip()
        if not body:
            return np.zeros(0)
        try:
            return np.array(body.split(","), dtype=np.float64)
        except ValueError:
            raise MojoError(f"the MOJO key {key!r} holds a value that is not a number") from None


def _unescape(level: str) -> str:
    out, i = [], 0
    while i < len(level):
        ch = level[i]
        if ch == "\\" and i + 1 < len(level):
            nxt = level[i + 1]
            out.append({"n": "\n", "r": "\r", "\\": "\\"}.get(nxt, nxt))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _read_domain(archive: zipfile.ZipFile, name: str, size: int, escaped: bool) -> list[str]:
    try:
        text = archive.read(name).decode("utf-8")
    except KeyError:
        raise MojoError(f"the MOJO lists the file {name} but does not contain it") from None
    levels = text.split("\n")
    if levels and levels[-1] == "":
        levels.pop()
    if len(levels) != size:
        raise MojoError(f"{name} has {len(levels)} lines; model.ini says {size}")
    return [_unescape(v) for v in levels] if escaped else levels


def _read_orig_columns(archive: zipfile.ZipFile, info: dict[str, str]) -> tuple:
    """Read the pre-encoding columns and levels an encoded MOJO lists (``_orig_names``, ...)."""
    if "_n_orig_names" not in info:
        return None, None
    try:
        names = _read_domain(archive, "_orig_names", int(info["_n_orig_names"]), False)
        domains = []
        for i in range(int(info.get("_n_orig_domain_values", "0"))):
            size = int(info.get(f"_m_orig_domain_values_{i}", "0"))
            domains.append(
                _read_domain(archive, f"_orig_domain_values_{i}", size, False) if size else None
            )
    except ValueError:
        raise MojoError("the MOJO's _n_orig_* keys should be integers") from None
    return names, domains


def parse_model_ini(archive: zipfile.ZipFile) -> MojoIni:
    """Parse ``model.ini`` and the domain files of an open MOJO archive."""
    try:
        text = archive.read("model.ini").decode("utf-8")
    except KeyError:
        raise MojoError("the zip has no model.ini: it is not an H2O MOJO") from None
    info: dict[str, str] = {}
    columns: list[str] = []
    domain_lines: list[str] = []
    section = None
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped[1:-1]
            continue
        if section == "info" and stripped and not stripped.startswith("#"):
            parts = _KEY_VALUE.split(stripped, maxsplit=1)
            if len(parts) == 2:
                info[parts[0]] = parts[1]
        elif section == "columns" and line != "":
            columns.append(line)
        elif section == "domains" and stripped:
            domain_lines.append(stripped)
    escaped = info.get("escape_domain_values", "false") == "true"
    domains = {}
    for entry in domain_lines:
        match = re.fullmatch(r"(\d+):\s*(\d+)\s+(\S+)", entry)
        if not match:
            raise MojoError(f"cannot read the domain line {entry!r} of model.ini")
        index, size, name = int(match[1]), int(match[2]), match[3]
        domains[index] = _read_domain(archive, f"domains/{name}", size, escaped)
    return MojoIni(info, columns, domains, *_read_orig_columns(archive, info))


def _check_algorithm(ini: MojoIni) -> None:
    algorithm = ini.info.get("algorithm") or ini.info.get("algo") or "unknown"
    if algorithm not in ("Deep Learning", "deeplearning"):
        raise MojoError(
            f"this MOJO holds a {algorithm!r} model; tabdl imports H2O Deep Learning MOJOs only"
        )
    version = ini.info.get("mojo_version", "")
    try:
        too_new = float(version) > SUPPORTED_MOJO_VERSION
    except ValueError:
        raise MojoError(f"the MOJO's mojo_version {version!r} is not a number") from None
    if too_new:
        raise MojoError(
            f"MOJO format {version} is newer than the {SUPPORTED_MOJO_VERSION:.2f} tabdl reads"
        )


def _datainfo(ini: MojoIni, category: str) -> DataInfo:
    n_cats, n_nums = ini.integer("cats"), ini.integer("nums")
    n_features = ini.integer("n_features")
    if n_cats + n_nums != n_features or len(ini.columns) < n_features:
        raise MojoError(
            f"the MOJO's column counts disagree: cats={n_cats}, nums={n_nums}, n_features={n_features}, "
            f"{len(ini.columns)} columns listed"
        )
    missing = [i for i in range(n_cats) if i not in ini.domains]
    if missing:
        raise MojoError(f"the MOJO has no domain for categorical column(s) {missing}")
    norm_mul, norm_sub = ini.array("norm_mul", False), ini.array("norm_sub", False)
    if norm_mul is not None and norm_mul.size == 0:
        norm_mul = norm_sub = None
    resp_mul, resp_sub = ini.array("norm_resp_mul", False), ini.array("norm_resp_sub", False)
    supervised = ini.flag("supervised")
    n_columns = ini.integer("n_columns")
    response = ini.columns[n_columns - 1] if supervised else None
    offset = ini.info.get("offset_column")
    # between the features and the response, H2O lists the weights and offset columns
    special = ini.columns[n_features : n_columns - (1 if supervised else 0)]
    weights = next((c for c in special if c != offset), None)
    response_domain = None
    if category in ("Binomial", "Multinomial"):
        response_domain = tuple(ini.domains.get(ini.integer("n_columns") - 1, ()))
    return DataInfo(
        cat_names=tuple(ini.columns[:n_cats]),
        domains=tuple(tuple(ini.domains[i]) for i in range(n_cats)),
        num_names=tuple(ini.columns[n_cats:n_features]),
        use_all_factor_levels=ini.flag("use_all_factor_levels"),
        transform="NONE"
        if norm_mul is None
        else ("NORMALIZE" if category == "AutoEncoder" else "STANDARDIZE"),
        norm_mul=norm_mul,
        norm_sub=norm_sub,
        num_na_fill=np.zeros(n_nums),  # genmodel: a missing numeric is 0 after the transform
        response=response,
        response_domain=response_domain,
        resp_mul=None if resp_mul is None else float(resp_mul[0]),
        resp_sub=None if resp_sub is None else float(resp_sub[0]),
        weights=weights,
        offset=offset,
        skip_missing=ini.info.get("mean_imputation") == "false",  # missing_values_handling Skip
    )


def _network(ini: MojoIni, category: str) -> tuple[NetworkSpec, list[np.ndarray], list[np.ndarray]]:
    sizes = ini.array("neural_network_sizes")
    units = tuple(int(u) for u in sizes)
    activation = ini.text("activation")
    if base_activation(activation) not in ("Tanh", "Rectifier", "Maxout", "ExpRectifier"):
        raise MojoError(f"the MOJO's activation {activation!r} is not one tabdl knows")
    n_layers = len(units) - 1
    ratios = ini.array("hidden_dropout_ratios", False)
    hidden_ratios = (
        tuple(float(r) for r in ratios[: n_layers - 1])
        if ratios is not None
        else (0.0,) * (n_layers - 1)
    )
    output = {"Binomial": "Softmax", "Multinomial": "Softmax", "Regression": "Linear"}.get(
        category, base_activation(activation)
    )
    spec = NetworkSpec(units, activation, hidden_ratios, output)
    weights, biases = [], []
    for layer in range(n_layers):
        w = ini.array(f"weight_layer{layer}")
        b = ini.array(f"bias_layer{layer}")
        rows = spec.rows(layer)
        if w.size != rows * units[layer]:
            raise MojoError(
                f"weight_layer{layer} has {w.size} values; the layer sizes {list(units)} need {rows * units[layer]}"
            )
        weights.append(w.astype(np.float32).reshape(rows, units[layer]))
        biases.append(b)
    problem = spec.check_shapes(weights, biases)
    if problem:
        raise MojoError(f"the MOJO's network is inconsistent: {problem}")
    return spec, weights, biases


def _threshold(ini: MojoIni) -> float:
    text = ini.info.get("default_threshold", "0.5")
    try:
        return float(text)
    except ValueError:
        raise MojoError(f"the MOJO's default_threshold {text!r} is not a number") from None


def _model_class_distrib(ini: MojoIni) -> np.ndarray | None:
    """Return the balanced class distribution where genmodel corrects with it (``balance_classes``)."""
    balanced = "balance_classes" in ini.info and ini.flag("balance_classes")
    return ini.array("model_class_distrib", False) if balanced else None


def read_mojo(path: str | os.PathLike) -> FittedNetwork:
    """Read an H2O Deep Learning MOJO file.

    Parameters
    ----------
    path : str or PathLike
        The MOJO zip (as written by H2O's ``download_mojo``/``save_mojo``).

    Returns
    -------
    FittedNetwork
        The network, scoring as H2O's MOJO runtime does.

    Raises
    ------
    MojoError
        When the file is missing, not a zip, truncated, not a Deep Learning MOJO, or inconsistent.

    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise MojoError(f"no such MOJO file: {path!r}")
    try:
        with zipfile.ZipFile(path) as archive:
            ini = parse_model_ini(archive)
    except zipfile.BadZipFile as err:
        raise MojoError(
            f"{path!r} is not a readable MOJO zip ({err}); is the file complete?"
        ) from None
    except (OSError, EOFError, zipfile.LargeZipFile) as err:
        raise MojoError(f"cannot read the MOJO {path!r}: {err}") from None
    _check_algorithm(ini)
    category = ini.text("category")
    if ini.text("distribution") not in LINKS:
        raise MojoError(
            f"the MOJO's distribution {ini.text('distribution')!r} is not one Deep Learning uses"
        )
    if category not in ("Regression", "Binomial", "Multinomial", "AutoEncoder"):
        raise MojoError(f"the MOJO's category {category!r} is not one a Deep Learning model has")
    spec, weights, biases = _network(ini, category)
    info = _datainfo(ini, category)
    if info.full_n != spec.units[0] and info.cat_names and spec.units[0] < info.full_n:
        raise MojoError(
            f"the MOJO's network takes {spec.units[0]} inputs for {info.full_n} one-hot inputs: it "
            "was trained with max_categorical_features (feature hashing), which H2O's MOJO cannot "
            "score (it stores neither the hash width nor the seed); retrain without it"
        )
    info = dataclasses.replace(info, encoder=encoder_from_mojo(ini))
    if info.full_n != spec.units[0]:
        raise MojoError(
            f"the MOJO's inputs disagree: its columns expand to {info.full_n} inputs, its network takes {spec.units[0]}"
        )
    return FittedNetwork(
        datainfo=info,
        spec=spec,
        weights=weights,
        biases=biases,
        category=category,
        distribution=ini.text("distribution"),
        default_threshold=_threshold(ini),
        prior_class_distrib=ini.array("prior_class_distrib", False),
        model_class_distrib=_model_class_distrib(ini),
        apply_offset=False,
    )
