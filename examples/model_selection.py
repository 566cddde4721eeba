"""Model selection: 5-fold cross-validation, a random grid search, and continuing the winner.

The seed document recommends "grid search and successive continuation of winning models via
checkpoint restart". This example does all three on one data set:

1. a 5-fold cross-validated model: its cross-validation metrics and H2O's summary table (mean and
   sd of each metric over the folds);
2. a random grid over the network's size, activation and regularisation, ranked on a validation
   frame (a leaderboard);
3. the winner continued by ``checkpoint=`` for more epochs.

    python examples/model_selection.py                       # prostate (ships with tabdl)
    python examples/model_selection.py DATA.csv --y COLUMN   # any CSV or Parquet file
"""

from __future__ import annotations

import argparse

import pandas as pd

import tabdl

COMMON = dict(
    epochs=10, seed=1234, reproducible=True, overwrite_with_best_model=False, quiet_mode=True
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", default=tabdl.datasets.path("prostate.csv"))
    parser.add_argument("--y", default="CAPSULE", help="the response column (categorical)")
    parser.add_argument("--ignore", nargs="*", default=["ID"], help="columns to leave out")
    args = parser.parse_args(argv)

    data = tabdl.frame.as_frame(args.data).table.to_pandas()
    data[args.y] = data[args.y].astype(str)  # a classification, as H2O's asfactor()
    x = [c for c in data.columns if c != args.y and c not in args.ignore]
    print(f"{args.data}: {len(data)} rows, {len(x)} predictors, response {args.y!r}\n")

    # 1. Cross-validation
    cv = tabdl.DeepLearningEstimator(hidden=[20, 20], nfolds=5, fold_assignment="Stratified",
                                     model_id="cv_model", **COMMON)  # fmt: skip
    cv.train(x=x, y=args.y, training_frame=data)
    xval = cv.model_performance(xval=True)
    print(f"5-fold cross-validation: AUC {xval.auc():.4f}, logloss {xval.logloss():.4f}")
    print(cv.cross_validation_metrics_summary().as_data_frame().to_string(index=False))
    print(f"main model trained for {cv.actual_params['epochs']:.4g} epochs (the folds' mean)\n")

    # 2. A random grid, ranked on a validation frame
    train = data.sample(frac=0.75, random_state=1)
    valid = data.drop(train.index)
    grid = tabdl.GridSearch(
        tabdl.DeepLearningEstimator(**COMMON),
        hyper_params={"hidden": [[10], [32], [32, 32], [64, 64]],
                      "activation": ["Tanh", "Rectifier", "RectifierWithDropout"],
                      "l1": [0.0, 1e-5, 1e-3], "input_dropout_ratio": [0.0, 0.1]},
        grid_id="selection_grid",
        search_criteria={"strategy": "RandomDiscrete", "max_models": 6, "seed": 42},
    )  # fmt: skip
    grid.train(x=x, y=args.y, training_frame=train, validation_frame=valid)
    board = grid.get_grid(sort_by="logloss")
    print(board, "\n")

    # 3. The winner continued by checkpoint
    best = board.models[0]
    given = {k: v["input"] for k, v in best.params.items() if v["input"] is not None}
    given.pop("model_id")
    longer = tabdl.DeepLearningEstimator(**{**given, "checkpoint": best.model_id, "epochs": 30})
    longer.train(x=x, y=args.y, training_frame=train, validation_frame=valid)
    print(pd.DataFrame({
        "model": [best.model_id, "continued"],
        "epochs": [best.epoch_counter, longer.epoch_counter],
        "valid_logloss": [best.logloss(valid=True), longer.logloss(valid=True)],
        "valid_auc": [best.auc(valid=True), longer.auc(valid=True)],
    }).to_string(index=False))  # fmt: skip


if __name__ == "__main__":
    main()
