"""What an H2O MOJO says about its training: ``experimental/modelDetails.json``.

H2O writes the model's parameters (as given and as used) and its output tables (the scoring
history, the "Status of Neuron Layers" summary, the variable importances) beside the weights. An
imported model reports them as H2O did; a MOJO without the file (older writers) reports none.
"""

from __future__ import annotations

import json
import math
import warnings
import zipfile
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from tabdl.params import PARAMETERS_BY_NAME

DETAILS = "experimental/modelDetails.json"
#: Parameters whose H2O value is a reference to an H2O object, meaningless outside the cluster.
_REFERENCES = ("Key<", "VecSpecifier")


@dataclass(frozen=True)
class ModelDetails:
    """The parameters and output tables H2O stored in a MOJO."""

    params: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    summary_header: str | None = None  # H2O's title line of the layer table


def _cell(value: Any) -> Any:
    if value == "NaN":
        return math.nan
    return value


def table_frame(table: dict[str, Any]) -> pd.DataFrame:
    """Turn an H2O ``TwoDimTableV3`` (column-major ``data``) into a DataFrame, as h2o-py does.

    H2O's unnamed first column (row headers, empty for these tables) is left out.
    """
    names = [c["name"] for c in table["columns"]]
    columns = {
        name: [_cell(v) for v in values]
        for name, values in zip(names, table["data"], strict=True)
        if name
    }
    return pd.DataFrame(columns)


def read_model_details(archive: zipfile.ZipFile) -> ModelDetails:
    """Read ``experimental/modelDetails.json`` of an open MOJO; empty details if it is absent.

    The file is not needed for scoring: one that cannot be read gives a warning and no details.
    """
    if DETAILS not in archive.namelist():
        return ModelDetails()
    try:
        return _details(json.loads(archive.read(DETAILS)))
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        warnings.warn(
            f"the MOJO's {DETAILS} cannot be read ({error!r}); the model scores as usual, but "
            "shows none of H2O's training tables",
            UserWarning,
            stacklevel=3,
        )
        return ModelDetails()


def _details(details: dict[str, Any]) -> ModelDetails:
    params = {
        p["name"]: p["actual_value"]
        for p in details.get("parameters", [])
        if p["name"] in PARAMETERS_BY_NAME and not str(p.get("type", "")).startswith(_REFERENCES)
    }
    output = details.get("output", {})
    tables = {
        name: table_frame(output[name])
        for name in ("model_summary", "scoring_history", "variable_importances")
        if isinstance(output.get(name), dict) and output[name].get("data")
    }
    summary = output.get("model_summary")
    header = summary.get("description") if isinstance(summary, dict) else None
    return ModelDetails(params, tables, f"{summary['name']}: {header}" if header else None)
