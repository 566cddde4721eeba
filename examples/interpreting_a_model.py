"""What a trained model reports, for a binomial, a multinomial and a regression problem.

Trains three models on real data, prints each as H2O prints a model (layers, metrics, scoring
history, variable importances), and checks tabdl's test metrics against scikit-learn's.

    python examples/interpreting_a_model.py [DATA_DIR]

DATA_DIR holds prostate.csv, wine.csv and diabetes.csv (default: ../shared/data next to the
repository).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn import metrics as skm
from sklearn.model_selection import train_test_split

import tabdl

DATA = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parents[2] / "shared" / "data"
PARAMS = dict(hidden=[32, 32], epochs=20, seed=1, reproducible=True, quiet_mode=True)


def split(name: str, target: str, drop=(), stratify=True) -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = pd.read_csv(DATA / name).drop(columns=list(drop))
    return train_test_split(
        frame, test_size=0.25, random_state=0, stratify=frame[target] if stratify else None
    )


def compare(rows: list[tuple[str, float, float]]) -> None:
    print(f"{'metric':<24}{'tabdl':>14}{'scikit-learn':>14}")
    for name, ours, theirs in rows:
        print(f"{name:<24}{ours:>14.6f}{theirs:>14.6f}")
        assert np.isclose(ours, theirs, rtol=1e-9), name


def binomial() -> None:
    train, test = split("prostate.csv", "CAPSULE", drop=["ID"])
    model = tabdl.DeepLearningEstimator(**PARAMS, variable_importances=True)
    model.train(y="CAPSULE", training_frame=train, validation_frame=test,
                categorical_columns=["CAPSULE", "RACE", "DPROS", "DCAPS", "GLEASON"])  # fmt: skip
    print(model)
    perf = model.model_performance(test)
    p1 = model.predict(test)["p1"].to_numpy()
    y = test["CAPSULE"].to_numpy()
    compare([
        ("logloss", perf.logloss(), skm.log_loss(y, p1)),
        ("AUC", perf.auc(), skm.roc_auc_score(y, p1)),
        ("MSE", perf.mse(), skm.mean_squared_error(y, p1)),
    ])  # fmt: skip


def multinomial() -> None:
    train, test = split("wine.csv", "cultivar")
    model = tabdl.DeepLearningEstimator(**PARAMS)
    model.train(y="cultivar", training_frame=train, validation_frame=test,
                categorical_columns=["cultivar"])  # fmt: skip
    print(model)
    perf = model.model_performance(test)
    pred = model.predict(test)
    probs = pred[["p0", "p1", "p2"]].to_numpy()
    y = test["cultivar"].to_numpy()
    compare([
        ("logloss", perf.logloss(), skm.log_loss(y, probs, labels=[0, 1, 2])),
        ("classification error", perf.classification_error(),
         1 - skm.accuracy_score(y, probs.argmax(axis=1))),
    ])  # fmt: skip


def regression() -> None:
    train, test = split("diabetes.csv", "disease_progression", stratify=False)
    model = tabdl.DeepLearningEstimator(**PARAMS)
    model.train(y="disease_progression", training_frame=train, validation_frame=test)
    print(model)
    perf = model.model_performance(test)
    y, pred = test["disease_progression"].to_numpy(), model.predict(test)["predict"].to_numpy()
    compare([
        ("MSE", perf.mse(), skm.mean_squared_error(y, pred)),
        ("MAE", perf.mae(), skm.mean_absolute_error(y, pred)),
        ("R2", perf.r2(), skm.r2_score(y, pred)),
        ("mean residual deviance", perf.mean_residual_deviance(), skm.mean_squared_error(y, pred)),
    ])  # fmt: skip


if __name__ == "__main__":
    for run in (binomial, multinomial, regression):
        print(f"\n######## {run.__name__} ########\n")
        run()
