"""Train, evaluate, predict, save and load: the plainest use of tabdl, on iris.

H2O's ``dl.train(...)``, ``dl.model_performance(test)`` and ``dl.predict(test)``, with a pandas
frame in and a pandas frame out. The model is written to a file, read back, and scores the same;
its report is written next to it.

    python examples/train_predict.py [--epochs 10] [--out FOLDER]
"""

from __future__ import annotations

import argparse
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import tabdl
from tabdl import datasets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=float, default=10)
    parser.add_argument("--out", type=Path, default=Path(tempfile.mkdtemp(prefix="tabdl_")))
    args = parser.parse_args()

    iris = pd.read_csv(datasets.path("iris.csv"))
    train = iris.sample(frac=0.8, random_state=1)
    test = iris.drop(train.index)

    dl = tabdl.DeepLearningEstimator(hidden=[10, 10], epochs=args.epochs, seed=1, quiet_mode=True)
    dl.train(y="species", training_frame=train, validation_frame=test)

    perf = dl.model_performance(test)
    print(perf)
    predictions = dl.predict(test)
    print(predictions.head().to_string())
    accuracy = (predictions["predict"].to_numpy() == test["species"].to_numpy()).mean()
    print(f"test accuracy {accuracy:.3f}; classification error {perf.classification_error():.3f}")
    assert np.isclose(accuracy, 1 - perf.classification_error())

    path = dl.save(args.out / "iris.tabdl")
    with warnings.catch_warnings():  # the loaded model takes over the id, as in h2o.load_model
        warnings.simplefilter("ignore")
        again = tabdl.load_model(path)
    assert again.predict(test).equals(predictions)
    print(f"saved to {path}; loaded back, the predictions are the same")
    print(f"report: {dl.report(args.out / 'iris_report.html', data=test)}")


if __name__ == "__main__":
    main()
