"""``categorical_encoding`` in H2O's MOJO: ``_genmodel_encoding`` and the pre-encoding columns.

H2O writes ``_genmodel_encoding = AUTO`` for the one-hot schemes (AUTO, OneHotInternal, and
SortByResponse, whose reordered levels are simply the MOJO's domains), the scheme's name for
``Binary``, ``Eigen`` and ``LabelEncoder``, and ``null`` for ``EnumLimited``, which genmodel cannot
score. With a named scheme, ``[columns]`` lists the encoded (numeric) columns, and genmodel re-encodes
each row from the original columns: ``_orig_names``, their levels ``_orig_domain_values_<i>`` (files
at the zip's root, one entry per line) and, for Eigen, ``_orig_projection_array``, the value of each
level of each categorical column in order. Feature hashing (``max_categorical_features``) has no
place in the format.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tabdl.encoding.categorical import CategoricalEncoder
from tabdl.encoding.datainfo import DataInfo
from tabdl.errors import DataError, MojoError

if TYPE_CHECKING:
    from tabdl.io.mojo_reader import MojoIni

#: Schemes genmodel re-encodes from the original columns.
GENMODEL_SCHEMES = ("Binary", "Eigen", "LabelEncoder")


def genmodel_encoding(info: DataInfo) -> str:
    """Return the ``_genmodel_encoding`` value for a model, or a :class:`DataError` when H2O has none."""
    if info.hash_width is not None:
        raise DataError(
            f"cannot write a MOJO for a model that hashes categoricals (max_categorical_features="
            f"{info.hash_width}): genmodel's Deep Learning scorer has no hashing"
        )
    encoder = info.encoder
    if encoder is None or encoder.scheme == "SortByResponse":
        return "AUTO"
    if encoder.scheme not in GENMODEL_SCHEMES:
        raise DataError(
            f"cannot write a MOJO for categorical_encoding={encoder.scheme!r}: H2O's MOJO has no "
            "encoding for it (H2O writes _genmodel_encoding = null, which genmodel cannot score); "
            "use AUTO, SortByResponse, Binary, Eigen or LabelEncoder"
        )
    return encoder.scheme


def _orig_columns(info: DataInfo) -> tuple[list[str], list[tuple[str, ...] | None]]:
    encoder = info.encoder
    names = [*encoder.predictors]
    names += [c for c in (info.weights, info.offset, info.fold, info.response) if c is not None]
    levels = dict(zip(encoder.columns, encoder.domains, strict=True))
    if info.response_domain is not None:
        levels[info.response] = info.response_domain
    return names, [levels.get(n) for n in names]


def encoding_keys(info: DataInfo) -> list[tuple[str, str]]:
    """Return the ``_n_orig_*`` keys of ``model.ini`` for a Binary, Eigen or LabelEncoder model."""
    if genmodel_encoding(info) not in GENMODEL_SCHEMES:
        return []
    names, domains = _orig_columns(info)
    keys = [("_n_orig_names", str(len(names))), ("_n_orig_domain_values", str(len(domains)))]
    keys += [(f"_m_orig_domain_values_{i}", str(len(d or ()))) for i, d in enumerate(domains)]
    return keys


def projection_array(info: DataInfo) -> np.ndarray | None:
    """Return Eigen's ``_orig_projection_array`` (the response's levels, unused by genmodel, get 0)."""
    encoder = info.encoder
    if encoder is None or encoder.scheme != "Eigen":
        return None
    parts = [np.asarray(p, dtype=np.float64) for p in encoder.projections]
    if info.response_domain is not None:
        parts.append(np.zeros(len(info.response_domain)))
    return np.concatenate(parts)


def encoding_files(info: DataInfo) -> list[tuple[str, list[str]]]:
    """Return the ``_orig_names`` and ``_orig_domain_values_<i>`` files (name, lines)."""
    if genmodel_encoding(info) not in GENMODEL_SCHEMES:
        return []
    names, domains = _orig_columns(info)
    files = [("_orig_names", names)]
    files += [(f"_orig_domain_values_{i}", list(d)) for i, d in enumerate(domains) if d]
    return files


def encoder_from_mojo(ini: MojoIni) -> CategoricalEncoder | None:
    """Rebuild the frame encoding a MOJO declares (None for the one-hot schemes)."""
    scheme = ini.info.get("_genmodel_encoding", "AUTO")
    if scheme in ("AUTO", "OneHotInternal", "SortByResponse"):
        return None
    if scheme == "null":
        raise MojoError(
            "the MOJO's _genmodel_encoding is null: it was trained with "
            "categorical_encoding='EnumLimited' (or another encoding genmodel cannot score), so it "
            "cannot be scored outside H2O; retrain with AUTO, Binary, Eigen or LabelEncoder"
        )
    if scheme not in GENMODEL_SCHEMES:
        raise MojoError(f"the MOJO's _genmodel_encoding {scheme!r} is not one tabdl reads")
    if ini.orig_names is None or ini.orig_domains is None:
        raise MojoError(f"the MOJO uses the {scheme} encoding but lacks _orig_names")
    n_features, n_columns = ini.integer("n_features"), ini.integer("n_columns")
    supervised = ini.flag("supervised")
    special = set(ini.columns[n_features : n_columns - (1 if supervised else 0)])
    response = ini.orig_names[-1] if supervised else None
    predictors = [n for n in ini.orig_names if n != response and n not in special]
    domains = dict(zip(ini.orig_names, ini.orig_domains, strict=False))
    cats = [n for n in predictors if domains.get(n)]
    projections: list[tuple[float, ...]] = []
    if scheme == "Eigen":
        array = ini.array("_orig_projection_array")
        start = 0
        for name in ini.orig_names:
            size = len(domains.get(name) or ())
            if name in cats:
                projections.append(tuple(array[start : start + size].tolist()))
            start += size
    encoder = CategoricalEncoder(
        scheme, tuple(predictors), tuple(cats), tuple(tuple(domains[n]) for n in cats),
        tuple(projections),
    )  # fmt: skip
    if encoder.output_names() != ini.columns[:n_features]:
        raise MojoError(
            f"the MOJO's columns {ini.columns[:n_features]} are not the {scheme} encoding of its "
            f"original columns {predictors}"
        )
    return encoder
