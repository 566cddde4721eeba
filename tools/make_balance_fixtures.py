"""H2O-3 3.46.0.11 models trained with class balancing, as oracles for tabdl's (tests/data/h2o_balance/).

Writes three small imbalanced data sets (made here with a fixed numpy seed): ``bin.csv`` (80 rows,
10 of class "yes"), ``mult.csv`` (90 rows, classes A/B/C = 62/13/13 and 2 missing labels) and
``mult_valid.csv`` (60 rows, a validation frame), each also as H2O parses it (``*_h2o_parsed.csv``,
17 significant digits: bit-for-bit training needs H2O's input bits, see tools/export_h2o_parsed.py).

Then trains the runs of ``RUNS`` with ``reproducible=True`` and writes, per run folder: ``model.zip``
(the MOJO: weights, ``prior_class_distrib``, ``model_class_distrib``), ``h2o_pred.csv`` (in-H2O
predictions on the training frame, corrected as H2O corrects them) and ``info.json`` (parameters,
scoring history, the metrics' row counts, the default threshold).

Requires h2o==3.46.0.11 and Java. Run from the repository root:
``/work/venv/bin/python tools/make_balance_fixtures.py``
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import h2o
import numpy as np
import pandas as pd
from h2o.estimators import H2ODeepLearningEstimator

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "h2o_balance"
PORT = 54721
X = ["x1", "x2", "c1"]
COL_TYPES = {"c1": "enum", "y": "enum"}
BASE = dict(hidden=[3], activation="Tanh", reproducible=True, overwrite_with_best_model=False)

# run -> (training data, validation data or None, parameters)
RUNS = {
    # the balancing ratios (10 "yes" rows repeated 7x), well under the default 5x size cap
    "B1_bin": ("bin", None, dict(BASE, epochs=2.0, seed=2024, balance_classes=True)),
    "U1_bin": ("bin", None, dict(BASE, epochs=2.0, seed=2024)),
    # three classes, fractional ratios (62/13 = 4.77), missing labels dropped
    "B2_mult": ("mult", None, dict(BASE, epochs=1.0, seed=31, balance_classes=True)),
    "U2_mult": ("mult", None, dict(BASE, epochs=1.0, seed=31)),
    # user factors, expected size capped below the original (max_after_balance_size < 1)
    "B3_mult_factors_cap": (
        "mult",
        None,
        dict(
            BASE,
            epochs=2.0,
            seed=32,
            balance_classes=True,
            class_sampling_factors=[0.5, 1.5, 4.0],
            max_after_balance_size=0.6,
        ),
    ),
    # the balancing ratios capped above the original size (1 < max_after_balance_size < 1.75)
    "B4_bin_cap": (
        "bin",
        None,
        dict(BASE, epochs=1.0, seed=33, balance_classes=True, max_after_balance_size=1.2),
    ),
    # user factors under the cap: fractional over- and under-sampling
    "B5_bin_factors": (
        "bin",
        None,
        dict(BASE, epochs=1.0, seed=34, balance_classes=True, class_sampling_factors=[0.8, 3.3]),
    ),
    # a zero factor drops class B: H2O redraws 10 times with seed + 1, then trains without it
    "B6_mult_zero_factor": (
        "mult",
        None,
        dict(
            BASE,
            epochs=1.0,
            seed=35,
            balance_classes=True,
            class_sampling_factors=[1.0, 0.0, 2.0],
        ),
    ),
    # the stratified validation sample (30 of 60 rows, every class at the same rate)
    "B7_mult_valid_stratified": (
        "mult",
        "mult_valid",
        dict(
            BASE,
            epochs=2.0,
            seed=36,
            balance_classes=True,
            score_validation_sampling="Stratified",
            score_validation_samples=30,
        ),
    ),
}


def _frame(n: int, probs: list[float], levels: list[str], seed: int) -> pd.DataFrame:
    """Two numerics and a categorical; the label follows them, tilted towards ``probs``."""
    r = np.random.default_rng(seed)
    x1, x2 = np.round(r.normal(size=n), 4), np.round(r.normal(size=n), 4)
    c1 = r.choice(["a", "b", "c"], size=n)
    y = []
    for i in range(n):
        score = np.array(
            [x1[i] * k - x2[i] * (k - 1) + (c1[i] == "b") * 0.5 * k for k in range(len(levels))]
        )
        logit = np.log(probs) + score - score.max()
        p = np.exp(logit) / np.exp(logit).sum()
        y.append(levels[min(int(np.searchsorted(np.cumsum(p), r.random())), len(levels) - 1)])
    return pd.DataFrame({"x1": x1, "x2": x2, "c1": c1, "y": y})


def write_data() -> None:
    """Write the three CSV files."""
    OUT.mkdir(parents=True, exist_ok=True)
    mult = _frame(90, [0.8, 0.15, 0.05], ["A", "B", "C"], 2)
    mult.loc[[5, 40], "y"] = np.nan
    _frame(80, [0.93, 0.07], ["no", "yes"], 1).to_csv(OUT / "bin.csv", index=False)
    mult.to_csv(OUT / "mult.csv", index=False)
    _frame(60, [0.8, 0.15, 0.05], ["A", "B", "C"], 3).to_csv(OUT / "mult_valid.csv", index=False)


def _history(model: H2ODeepLearningEstimator) -> dict:
    sh = model.scoring_history()
    keep = [c for c in sh.columns if c not in ("", "timestamp", "duration", "training_speed")]
    numbers = sh[keep].apply(pd.to_numeric, errors="coerce")
    return {c: [None if pd.isna(v) else float(v) for v in numbers[c]] for c in keep}


def train_run(name: str, frames: dict, data: str, valid: str | None, params: dict) -> None:
    """Train one run and write its folder."""
    model = H2ODeepLearningEstimator(**params)
    model.train(
        x=X,
        y="y",
        training_frame=frames[data],
        validation_frame=frames[valid] if valid else None,
    )
    folder = OUT / name
    folder.mkdir(parents=True, exist_ok=True)
    shutil.move(model.download_mojo(path=str(folder)), folder / "model.zip")
    pred = model.predict(frames[data]).as_data_frame(use_multi_thread=False)
    pred.to_csv(folder / "h2o_pred.csv", index=False, float_format="%.17g")
    out = model._model_json["output"]
    info = {
        "data": data,
        "valid": valid,
        "params": params,
        "default_threshold": out.get("default_threshold"),
        "training_nobs": out["training_metrics"]["nobs"],
        "training_logloss": out["training_metrics"]["logloss"],
        "validation_nobs": out["validation_metrics"]["nobs"] if valid else None,
        "validation_logloss": out["validation_metrics"]["logloss"] if valid else None,
        "history": _history(model),
    }
    (folder / "info.json").write_text(json.dumps(info, indent=1) + "\n")
    print(name, "samples", info["history"]["samples"], "train nobs", info["training_nobs"])


def main() -> None:
    """Write the data, start H2O, train every run, shut H2O down."""
    write_data()
    h2o.init(ip="127.0.0.1", port=PORT, nthreads=1, max_mem_size="1G", verbose=False)
    h2o.no_progress()
    try:
        frames = {}
        for name in ("bin", "mult", "mult_valid"):
            frames[name] = h2o.import_file(str(OUT / f"{name}.csv"), col_types=COL_TYPES)
            parsed = frames[name].as_data_frame(use_multi_thread=False)
            parsed.to_csv(OUT / f"{name}_h2o_parsed.csv", index=False, float_format="%.17g")
        for name, (data, valid, params) in RUNS.items():
            train_run(name, frames, data, valid, params)
    finally:
        h2o.cluster().shutdown()


if __name__ == "__main__":
    main()
