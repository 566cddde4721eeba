"""tabdl: deep learning for tabular data, re-creating H2O-3's Deep Learning in Python.

The public names::

    from tabdl import DeepLearningEstimator   # also exported as H2ODeepLearningEstimator
    model = tabdl.import_mojo("model.zip")     # an H2O Deep Learning MOJO
    model.predict(frame)                       # pandas in, pandas out; polars in, polars out
    model.weights(0), model.biases(0)          # as H2O shapes them
    model.save("model.tabdl"); tabdl.load_model("model.tabdl")
    grid = tabdl.GridSearch(DeepLearningEstimator, {"hidden": [[10], [20]]}).train(...)
"""

from tabdl import datasets
from tabdl.errors import (
    DataError,
    MojoError,
    NotYetAvailableError,
    ParameterError,
    ParameterTypeError,
    TabdlError,
)
from tabdl.estimator import DeepLearningEstimator
from tabdl.grid import GridSearch
from tabdl.io import import_mojo, load_model
from tabdl.registry import get_grid, get_model, ls, remove

H2ODeepLearningEstimator = DeepLearningEstimator
H2OGridSearch = GridSearch

__version__ = "0.1.0"

__all__ = [
    "DataError",
    "DeepLearningEstimator",
    "GridSearch",
    "H2OGridSearch",
    "H2ODeepLearningEstimator",
    "MojoError",
    "NotYetAvailableError",
    "ParameterError",
    "ParameterTypeError",
    "TabdlError",
    "__version__",
    "datasets",
    "get_grid",
    "get_model",
    "import_mojo",
    "load_model",
    "ls",
    "remove",
]
