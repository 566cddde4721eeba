"""Small data sets that ship with tabdl, for examples and the command-line demo.

``synthetic_train.csv`` (400 rows) and ``synthetic_test.csv`` (120 rows) are a synthetic frame with
numeric and categorical predictors, missing values and a level unseen in training; responses ``y``
(numeric), ``yb`` (2 classes), ``cls`` (3 classes) and ``cnt`` (counts). ``regression_mojo.zip``,
``multinomial_mojo.zip`` and ``autoencoder_mojo.zip`` are H2O-3 3.46.0.11 Deep Learning MOJOs
trained on it, and
``*_h2o_pred.csv`` are H2O's own predictions on the test frame.

``prostate.csv`` (380 rows; binary response ``CAPSULE``, an ``ID`` column) and ``iris.csv`` (150
rows; response ``species``, 3 classes) are the copies that H2O-3's Python package ships (Apache-2.0),
used by H2O's own examples.
"""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).parent


def path(name: str) -> str:
    """Return the path of the bundled file ``name``."""
    target = _HERE / name
    if not target.is_file():
        available = sorted(p.name for p in _HERE.iterdir() if p.suffix in (".csv", ".zip"))
        raise FileNotFoundError(f"tabdl ships no data set {name!r}; it has {available}")
    return str(target)
