"""H2O's documentation example (Scala tab) in Python: prostate, 5-fold cross-validation, importances.

The Sparkling Water example of H2O's Deep Learning page, in tabdl: 100 epochs on the prostate data
(ships with tabdl, from H2O's package), ``CAPSULE`` the response (a factor here, as H2O users make
it with ``asfactor``, so the model is a classifier), variable importances, 5-fold cross-validation,
seed 1111, and the holdout predictions kept.

    python examples/prostate_cross_validation.py [--epochs 100] [--nfolds 5]

Checks: the cross-validation AUC is the AUC of the holdout predictions (scikit-learn's
``roc_auc_score``; H2O computes its cross-validation metrics from them), and the summary's mean
AUC is the mean of the fold models' AUCs.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

import tabdl
from tabdl import datasets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=float, default=100, help="H2O's example: 100")
    parser.add_argument("--nfolds", type=int, default=5, help="H2O's example: 5")
    args = parser.parse_args()

    prostate = pd.read_csv(datasets.path("prostate.csv"))
    dl = tabdl.DeepLearningEstimator(
        epochs=args.epochs, variable_importances=True, nfolds=args.nfolds, seed=1111,
        keep_cross_validation_predictions=True, model_id="dlProstateModel.hex", quiet_mode=True,
    )  # fmt: skip
    dl.train(y="CAPSULE", training_frame=prostate, ignored_columns=["ID"],
             categorical_columns=["CAPSULE"])  # fmt: skip

    summary = dl.cross_validation_metrics_summary()
    print(summary)
    print("\nVariable importances:")
    print(dl.varimp(use_pandas=True).to_string(index=False))

    holdout = dl.cross_validation_holdout_predictions()["p1"].to_numpy()
    ours = dl.auc(xval=True)
    theirs = roc_auc_score(prostate["CAPSULE"], holdout)
    print(
        f"\ncross-validation AUC {ours:.10f}; scikit-learn on the holdout predictions {theirs:.10f}"
    )
    assert np.isclose(ours, theirs, rtol=1e-12)

    folds = summary.as_data_frame().set_index("")
    fold_aucs = folds.loc["auc", [f"cv_{i + 1}_valid" for i in range(args.nfolds)]].astype(float)
    assert np.isclose(float(folds.loc["auc", "mean"]), fold_aucs.mean(), rtol=1e-6)
    print(f"mean AUC over {args.nfolds} folds {fold_aucs.mean():.6f} "
          f"(sd {fold_aucs.std(ddof=1):.6f}); the fold models: "
          f"{[m.model_id for m in dl.cross_validation_models()]}")  # fmt: skip


if __name__ == "__main__":
    main()
