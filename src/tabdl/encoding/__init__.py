"""From frames to network inputs: column selection and H2O's DataInfo."""

from tabdl.encoding.columns import Columns, category_of, select_columns
from tabdl.encoding.datainfo import (
    DataInfo,
    EncodedRows,
    LabelledRows,
    TrainingRows,
    encode,
    encode_labelled,
    encode_training,
    exchange_sort_by_cardinality,
    fit_datainfo,
)

__all__ = [
    "Columns",
    "DataInfo",
    "EncodedRows",
    "LabelledRows",
    "TrainingRows",
    "category_of",
    "encode",
    "encode_labelled",
    "encode_training",
    "exchange_sort_by_cardinality",
    "fit_datainfo",
    "select_columns",
]
