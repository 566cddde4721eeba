"""H2O-3 3.46.0.11 cross-validated models, as oracles for tabdl's cross-validation.

Trains small reproducible models with ``nfolds`` (Modulo, Random, Stratified), a ``fold_column``
and a ``weights_column`` on prostate and iris (H2O's Apache-2.0 copies, in ``tests/data/h2o_cv/``),
and writes under ``tests/data/h2o_cv/<run>/``: the main and fold models' MOJOs, the fold
assignment, the holdout predictions, the cross-validation metrics and summary table, the fold
models' final epoch counters, and the main model's epochs. Needs ``h2o==3.46.0.11`` and Java; run
from the repository root.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import h2o
from h2o.estimators import H2ODeepLearningEstimator

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "h2o_cv"
BASE = dict(
    hidden=[5],
    epochs=3,
    seed=1234,
    reproducible=True,
    keep_cross_validation_predictions=True,
    keep_cross_validation_fold_assignment=True,
)
PROSTATE_X = ["AGE", "RACE", "DPROS", "DCAPS", "PSA", "VOL", "GLEASON"]
RUNS = {
    "B1_modulo": (
        "prostate",
        "CAPSULE",
        PROSTATE_X,
        dict(BASE, nfolds=3, fold_assignment="Modulo"),
    ),
    "B2_random": (
        "prostate",
        "CAPSULE",
        PROSTATE_X,
        dict(BASE, nfolds=4, fold_assignment="Random"),
    ),
    "B3_strat": (
        "prostate",
        "CAPSULE",
        PROSTATE_X,
        dict(BASE, nfolds=3, fold_assignment="Stratified"),
    ),
    "B4_auto": ("prostate", "CAPSULE", PROSTATE_X, dict(BASE, nfolds=3)),
    "M1_foldcol": (
        "iris",
        "species",
        ["sepal_length", "sepal_width", "petal_length", "petal_width"],
        dict(BASE, fold_column="fold", stopping_rounds=0),
    ),
    "R1_weights": (
        "prostate",
        "PSA",
        ["AGE", "RACE", "DPROS", "GLEASON", "VOL"],
        dict(BASE, nfolds=3, fold_assignment="Modulo", weights_column="w"),
    ),
}


def _scalars(metrics) -> dict:
    return {
        k: v
        for k, v in metrics._metric_json.items()
        if isinstance(v, (int, float)) and not isinstance(v, bool)
    }


def _mojo(model, folder: Path, name: str) -> None:
    path = model.download_mojo(path=str(folder))
    shutil.move(path, folder / f"{name}.zip")


only = sys.argv[1:]
h2o.init(ip="127.0.0.1", port=54821, nthreads=1, max_mem_size="1G", verbose=False)
h2o.no_progress()
try:
    prostate = h2o.import_file(str(OUT / "prostate.csv"))
    prostate["CAPSULE"] = prostate["CAPSULE"].asfactor()
    prostate["w"] = (prostate["AGE"] > 65) + 1
    iris = h2o.import_file(str(OUT / "iris.csv"))
    frames = {"prostate": prostate, "iris": iris}
    for name, (data, y, x, params) in RUNS.items():
        if only and name not in only:
            continue
        frame = frames[data]
        if data == "iris" and "fold" not in frame.columns:
            n = frame.nrow
            frame["fold"] = h2o.H2OFrame([[i % 3 + 1] for i in range(n)])
            frames["iris"] = frame
        model = H2ODeepLearningEstimator(model_id=name, **params)
        model.train(x=x, y=y, training_frame=frame)
        folder = OUT / name
        folder.mkdir(parents=True, exist_ok=True)
        _mojo(model, folder, "main")
        cv_models = model.cross_validation_models()
        for i, cvm in enumerate(cv_models):
            _mojo(cvm, folder, f"cv_{i + 1}")
        model.cross_validation_holdout_predictions().as_data_frame().to_csv(
            folder / "holdout.csv", index=False
        )
        model.cross_validation_fold_assignment().as_data_frame().to_csv(
            folder / "fold_assignment.csv", index=False
        )
        model.cross_validation_metrics_summary().as_data_frame().to_csv(
            folder / "summary.csv", index=False
        )
        if name == "B1_modulo":
            for i, p in enumerate(model.cross_validation_predictions()):
                p.as_data_frame().to_csv(folder / f"cv_predictions_{i + 1}.csv", index=False)
        info = {
            "data": data,
            "y": y,
            "x": x,
            "params": params,
            "main_epochs": model.actual_params["epochs"],
            "main_params": {
                k: model.actual_params[k]
                for k in (
                    "epochs",
                    "stopping_rounds",
                    "overwrite_with_best_model",
                    "max_runtime_secs",
                    "seed",
                )
            },
            "main_epoch_counter": float(model.scoring_history()["epochs"].iloc[-1]),
            "cv_epoch_counters": [float(m.scoring_history()["epochs"].iloc[-1]) for m in cv_models],
            "cv_model_ids": [m.model_id for m in cv_models],
            "xval": _scalars(model.model_performance(xval=True)),
            "cv_valid": [_scalars(m.model_performance(valid=True)) for m in cv_models],
        }
        (folder / "info.json").write_text(json.dumps(info, indent=1) + "\n")
        print(name, info["main_epochs"], info["cv_epoch_counters"])
finally:
    h2o.cluster().shutdown()
