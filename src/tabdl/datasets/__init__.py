"""Small data sets that ship with tabdl, for examples and the command-line demo.

``regression_mojo.zip`` and ``multinomial_mojo.zip`` are H2O-3 3.46.0.11 Deep Learning MOJOs trained on a
synthetic 400-row frame; ``mojo_test.csv`` is the matching 120-row test frame (with missing values
and an unseen level), and ``*_h2o_pred.csv`` are H2O's own predictions on it.
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
