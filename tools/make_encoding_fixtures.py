"""H2O-3 3.46.0.11 Deep Learning models with each ``categorical_encoding`` and with feature hashing.

Writes ``tests/data/h2o_encodings/``:

* ``train.csv`` / ``test.csv``: a small frame with three categoricals of 13, 5 and 2 levels (the first
  two with missing values), two numerics, a numeric response ``y`` and a binary response ``yc``;
  the test frame adds levels never seen in training (``zz``) and missing values.
* one folder per run, holding ``model.zip`` (the MOJO), ``info.json`` (the parameters, the model's
  adapted column names and domains as H2O reports them) and ``pred.csv`` (in-H2O predictions on
  ``test.csv``); ``mojo_pred.csv`` where H2O can score the MOJO back (``h2o.import_mojo``).

tabdl trains each run on ``train.csv`` and must expand the same columns, and where H2O's training is
reproducible, give the same weights bit for bit (``tests/test_encodings.py``).

Requires h2o==3.46.0.11 and Java. Run from the repository root:
``/work/venv/bin/python tools/make_encoding_fixtures.py``
"""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import h2o
import numpy as np
import pandas as pd
from h2o.estimators import H2ODeepLearningEstimator

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "h2o_encodings"
PORT = 54621
X = ["x1", "hi", "mid", "x2", "lo"]
COL_TYPES = {"hi": "enum", "mid": "enum", "lo": "enum", "yc": "enum"}
BASE = dict(
    hidden=[3], epochs=1.0, seed=4321, activation="Tanh", reproducible=True,
    overwrite_with_best_model=False,
)  # fmt: skip
RUNS = {
    "R_binary": ("y", dict(BASE, categorical_encoding="Binary")),
    "R_label": ("y", dict(BASE, categorical_encoding="LabelEncoder")),
    "R_eigen": ("y", dict(BASE, categorical_encoding="Eigen")),
    "R_sort": ("y", dict(BASE, categorical_encoding="SortByResponse")),
    "B_sort": ("yc", dict(BASE, categorical_encoding="SortByResponse")),
    # Deep Learning has no max_categorical_levels: EnumLimited keeps H2O's default of 10 levels.
    "R_limited": ("y", dict(BASE, categorical_encoding="EnumLimited")),
    "R_hash": ("y", dict(BASE, max_categorical_features=6, variable_importances=False)),
    "R_hash_noop": ("y", dict(BASE, max_categorical_features=30, variable_importances=False)),
    "B_binary_nouafl": (
        "yc",
        dict(BASE, categorical_encoding="Binary", use_all_factor_levels=False),
    ),
}


def make_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The training and test frames (deterministic)."""
    rng = np.random.default_rng(20240611)
    n = 90
    hi_levels = [f"h{k:02d}" for k in range(13)]
    # Unequal frequencies, so EnumLimited has a clear top-k and SortByResponse distinct means.
    hi_p = np.linspace(3.0, 1.0, 13)
    hi = rng.choice(hi_levels, size=n, p=hi_p / hi_p.sum()).astype(object)
    mid = rng.choice(["a", "b", "c", "d", "e"], size=n).astype(object)
    lo = rng.choice(["no", "yes"], size=n).astype(object)
    hi[rng.choice(n, 6, replace=False)] = None
    mid[rng.choice(n, 5, replace=False)] = None
    x1 = np.round(rng.normal(size=n), 3)
    x2 = np.round(rng.uniform(-2, 2, size=n), 3)
    effect = {lv: 0.3 * k - 1.5 for k, lv in enumerate(hi_levels)}
    y = np.round(
        x1 - 0.5 * x2 + np.array([effect.get(v, 0.0) for v in hi])
        + np.where(lo == "yes", 0.7, 0.0) + rng.normal(scale=0.3, size=n),
        3,
    )  # fmt: skip
    yc = np.where(y > np.median(y), "P", "N")
    train = pd.DataFrame(dict(x1=x1, hi=hi, mid=mid, x2=x2, lo=lo, y=y, yc=yc))
    test = train.iloc[:24].copy().reset_index(drop=True)
    test.loc[[0, 5], "hi"] = "zz"
    test.loc[[1, 5], "mid"] = "zz"
    test.loc[[2], "hi"] = None
    test.loc[[3], "mid"] = None
    test.loc[[4], "x1"] = np.nan
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
            model = H2ODeepLearningEstimator(**params)
            model.train(x=X, y=y, training_frame=tr)
            out = model._model_json["output"]
            path = model.download_mojo(path=str(folder))
            shutil.move(path, folder / "model.zip")
            info = {
                "y": y,
                "params": params,
                "names": out["names"],
                "domains": out["domains"],
                "summary_units": model._model_json["output"]["model_summary"]["units"],
            }
            (folder / "info.json").write_text(json.dumps(info, indent=1) + "\n")
            pred = model.predict(te).as_data_frame(use_pandas=True)
            pred.to_csv(folder / "pred.csv", index=False, float_format="%.17g")
            try:
                generic = h2o.import_mojo(str(folder / "model.zip"))
                mojo_pred = generic.predict(te).as_data_frame(use_pandas=True)
                mojo_pred.to_csv(folder / "mojo_pred.csv", index=False, float_format="%.17g")
                scored = "yes"
            except Exception as err:  # noqa: BLE001 - record what H2O refuses
                scored = f"no: {str(err).splitlines()[0][:200]}"
            print(name, out["names"][:8], "mojo scored:", scored)
    finally:
        h2o.cluster().shutdown()


if __name__ == "__main__":
    main()
