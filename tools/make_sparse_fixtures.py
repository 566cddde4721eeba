"""H2O-3 3.46.0.11 Deep Learning models with ``sparse=True`` (DESCALE) on a frame of mostly zeros.

Writes ``tests/data/h2o_sparse/``:

* ``train.csv`` / ``test.csv``: six numeric columns ``C1``..``C6``, about three quarters zeros, with a
  few missing values; ``C7`` a 0/1 class (categorical in H2O), ``C8`` a categorical coded 0/1/2 and
  ``C9`` a numeric response. Named as tabdl names the columns of a scipy.sparse matrix, so the tests
  can train on the CSR matrix of the whole file.
* one folder per run: ``model.zip`` (the MOJO: trained weights and H2O's ``norm_mul``/``norm_sub``),
  ``info.json`` (the response and parameters, or the error H2O raised) and ``pred.csv`` (in-H2O
  predictions on ``test.csv``).

tabdl trains each run on the CSR matrix and must give the same weights bit for bit
(``tests/test_sparse.py``).

Requires h2o==3.46.0.11 and Java. Run from the repository root:
``/work/venv/bin/python tools/make_sparse_fixtures.py``
"""

from __future__ import annotations

import json
import re
import shutil
import warnings
from pathlib import Path

import h2o
import numpy as np
import pandas as pd
from h2o.estimators import H2ODeepLearningEstimator

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "h2o_sparse"
PORT = 54921
X = ["C1", "C2", "C3", "C4", "C5", "C6", "C8"]
COL_TYPES = {"C7": "enum", "C8": "enum"}
BASE = dict(
    hidden=[4], epochs=2.0, seed=2718, activation="Tanh", reproducible=True, sparse=True,
    overwrite_with_best_model=False,
)  # fmt: skip
#: H2O's validation errors, as its Python client prints them in the exception's text.
ERRORS = re.compile(r"'message_type': 'ERRR', 'field_name': '(\w+)', 'message': '([^']*)'")
RUNS = {
    "SP1_bin": ("C7", BASE),
    "SP2_reg": ("C9", dict(BASE, activation="Rectifier", hidden=[5], epochs=3.0)),
    "SP3_nofast_l2": ("C7", dict(BASE, fast_mode=False, l1=1e-4, l2=1e-3)),
    "SP4_col_major": ("C7", dict(BASE, col_major=True)),
    "SP5_nostd": ("C7", dict(BASE, standardize=False)),
    "SP6_skip": ("C9", dict(BASE, missing_values_handling="Skip")),
    "SP7_sgd_dropout": (
        "C7",
        dict(
            BASE,
            adaptive_rate=False,
            rate=0.01,
            momentum_start=0.5,
            momentum_stable=0.5,
            input_dropout_ratio=0.2,
        ),  # a constant momentum: H2O does not ramp it (difference 1)
    ),
    "SP8_dense_ref": ("C7", dict(BASE, sparse=False)),
    "SP9_col_major_dense": ("C7", dict(BASE, sparse=False, col_major=True)),
}


def make_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The training and test frames (deterministic)."""
    rng = np.random.default_rng(20260914)
    n = 120
    x = np.round(rng.normal(size=(n, 6)) * 2.0, 3) * (rng.random((n, 6)) < 0.25)
    x[rng.choice(n, 3, replace=False), 1] = np.nan
    x[rng.choice(n, 2, replace=False), 4] = np.nan
    c8 = rng.choice([0, 1, 2], size=n, p=[0.7, 0.2, 0.1])
    signal = np.nan_to_num(x[:, 0]) - 0.7 * np.nan_to_num(x[:, 1]) + 0.5 * (c8 == 2)
    c9 = np.round(signal + rng.normal(scale=0.3, size=n), 3)
    c7 = (signal + rng.normal(scale=0.5, size=n) > 0).astype(int)
    train = pd.DataFrame({f"C{j + 1}": x[:, j] for j in range(6)})
    train["C7"], train["C8"], train["C9"] = c7, c8, c9
    test = train.iloc[:30].copy().reset_index(drop=True)
    test.loc[[0, 3], "C1"] = np.nan
    test["C8"] = test["C8"].astype("Int64")  # written as 0, 1, 2 (not 0.0) with a missing value
    test.loc[[4], "C8"] = pd.NA
    return train, test


def main() -> None:
    warnings.simplefilter("ignore")
    OUT.mkdir(parents=True, exist_ok=True)
    train, test = make_frames()
    train.to_csv(OUT / "train.csv", index=False)
    test.to_csv(OUT / "test.csv", index=False)
    h2o.init(ip="127.0.0.1", port=PORT, nthreads=1, max_mem_size="1G", verbose=False)
    h2o.no_progress()
    try:
        tr = h2o.import_file(str(OUT / "train.csv"), col_types=COL_TYPES)
        te = h2o.import_file(str(OUT / "test.csv"), col_types=COL_TYPES)
        for name, (y, params) in RUNS.items():
            folder = OUT / name
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir()
            info = {"y": y, "params": params}
            try:
                model = H2ODeepLearningEstimator(**params)
                model.train(x=X, y=y, training_frame=tr)
            except Exception as err:  # noqa: BLE001 - record what H2O refuses
                found = ERRORS.findall(str(err))
                info["error"] = sorted({f"{field}: {message}" for field, message in found})
                (folder / "info.json").write_text(json.dumps(info, indent=1) + "\n")
                print(name, "H2O error:", info["error"])
                continue
            path = model.download_mojo(path=str(folder))
            shutil.move(path, folder / "model.zip")
            (folder / "info.json").write_text(json.dumps(info, indent=1) + "\n")
            pred = model.predict(te).as_data_frame(use_pandas=True)
            pred.to_csv(folder / "pred.csv", index=False, float_format="%.17g")
            print(name, "trained")
    finally:
        h2o.cluster().shutdown()


if __name__ == "__main__":
    main()
