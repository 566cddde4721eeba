"""The ``tabdl`` command line.

``tabdl demo`` trains a model on the data that ships with tabdl and prints it, then imports the bundled
H2O Deep Learning MOJOs and compares their predictions with H2O's own. ``tabdl predict MODEL DATA``
scores a file with an H2O MOJO.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import pandas as pd

from tabdl import datasets
from tabdl.errors import TabdlError
from tabdl.estimator import DeepLearningEstimator
from tabdl.io import import_mojo

DEMOS = (
    ("regression", "regression_mojo.zip", "regression_h2o_pred.csv"),
    ("multinomial", "multinomial_mojo.zip", "multinomial_h2o_pred.csv"),
)


def _train_demo() -> None:
    train, test = datasets.path("synthetic_train.csv"), datasets.path("synthetic_test.csv")
    model = DeepLearningEstimator(
        hidden=[16, 8], epochs=20, seed=1, reproducible=True, model_id="demo"
    )
    x = ["x1", "x2", "x3", "c1", "c2", "c3"]
    model.train(x=x, y="y", training_frame=train, validation_frame=test)
    print(model)
    print(
        f"  trained {model.epoch_counter:g} epochs, {model.iterations} iterations, "
        f"{model.samples} samples"
    )
    print(f"  test RMSE {model.model_performance(test).rmse():.4f}\n")


def _demo(_: argparse.Namespace) -> int:
    _train_demo()
    test = datasets.path("synthetic_test.csv")
    for name, mojo, oracle in DEMOS:
        model = import_mojo(datasets.path(mojo), model_id=f"h2o_{name}")
        predictions = model.predict(test)
        h2o = pd.read_csv(datasets.path(oracle))
        numeric = [c for c in h2o.columns if not pd.api.types.is_string_dtype(h2o[c])]
        diff = float(
            np.max(np.abs(predictions[numeric].to_numpy(float) - h2o[numeric].to_numpy(float)))
        )
        print(model)
        print(f"\nPredictions on {len(predictions)} test rows (first 5):")
        print(predictions.head().to_string())
        labels = ""
        if name != "regression":
            same = (
                predictions["predict"].astype(str).to_numpy()
                == h2o["predict"].astype(str).to_numpy()
            ).mean()
            labels = f", labels agree on {same:.0%} of rows"
        print(f"max |tabdl - H2O-3| = {diff:.3g}{labels}\n")
    return 0


def _predict(args: argparse.Namespace) -> int:
    model = import_mojo(args.mojo)
    predictions = model.predict(args.data)
    if args.output:
        predictions.to_csv(args.output, index=False)
        print(f"wrote {len(predictions)} predictions to {args.output}")
    else:
        print(predictions.to_csv(index=False), end="")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of the ``tabdl`` command."""
    parser = argparse.ArgumentParser(prog="tabdl", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="train on bundled data; score the bundled H2O MOJOs")
    demo.set_defaults(run=_demo)
    predict = commands.add_parser("predict", help="score a CSV or Parquet file with an H2O MOJO")
    predict.add_argument("mojo", help="the H2O Deep Learning MOJO (zip)")
    predict.add_argument("data", help="a CSV or Parquet file")
    predict.add_argument("-o", "--output", help="write the predictions to this CSV file")
    predict.set_defaults(run=_predict)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except TabdlError as err:
        print(f"tabdl: error: {err}", file=sys.stderr)
        return 2
