"""H2O's documentation example in Python: insurance claims, a Tweedie model with an offset.

The example of H2O's Deep Learning page (R and Python tabs), in tabdl: MASS's ``Insurance`` table
(64 groups of policy holders, the claims each made), ``District``, ``Group`` and ``Age`` as factors,
a one-neuron Tanh network with the Tweedie distribution (power 1.5), and ``log(Holders)`` as the
offset, so that the model predicts claims per holder and scales them by the number of holders.

    python examples/insurance_tweedie.py [--data insurance.csv] [--epochs 1000]

The table is not shipped with tabdl (MASS's data comes under the GPL); ``--data`` gives its path
(default: ../shared/data/insurance.csv next to the repository; H2O's own copy,
``smalldata/glm_test/insurance.csv``, has the same columns).

Checks: the mean residual deviance equals scikit-learn's ``mean_tweedie_deviance``, and with the
offset, doubling every group's ``Holders`` doubles its predicted claims.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import mean_tweedie_deviance

import tabdl

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "insurance.csv"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT, help="insurance.csv")
    parser.add_argument("--epochs", type=float, default=1000, help="H2O's example: 1000")
    args = parser.parse_args()
    if not args.data.is_file():
        print(
            f"{args.data} is missing: pass --data PATH to MASS's Insurance table", file=sys.stderr
        )
        return 3

    # H2O: insurance = h2o.import_file(...); insurance["offset"] = insurance["Holders"].log()
    insurance = pd.read_csv(args.data)
    insurance["offset"] = np.log(insurance["Holders"])
    # H2O: insurance["Group"] = insurance["Group"].asfactor(), and Age, District
    factors = ["District", "Group", "Age"]

    dl = tabdl.H2ODeepLearningEstimator(
        distribution="tweedie", hidden=[1], epochs=args.epochs, train_samples_per_iteration=-1,
        reproducible=True, activation="Tanh", single_node_mode=False, balance_classes=False,
        force_load_balance=False, seed=23123, tweedie_power=1.5, score_training_samples=0,
        score_validation_samples=0, stopping_rounds=0, quiet_mode=True,
    )  # fmt: skip
    dl.train(x=list(range(3)), y="Claims", training_frame=insurance, offset_column="offset",
             categorical_columns=factors)  # fmt: skip
    print(dl)

    perf = dl.model_performance()  # the training metrics, as H2O's model_performance()
    pred = dl.predict(insurance)["predict"].to_numpy()
    print(pd.DataFrame({"Claims": insurance["Claims"], "predicted": pred}).head(8).to_string())

    theirs = mean_tweedie_deviance(insurance["Claims"], pred, power=1.5)
    print(f"\nmean residual deviance: tabdl {perf.mean_residual_deviance():.10f}, "
          f"scikit-learn {theirs:.10f}")  # fmt: skip
    assert np.isclose(perf.mean_residual_deviance(), theirs, rtol=1e-9)

    doubled = insurance.assign(Holders=2 * insurance["Holders"])
    doubled["offset"] = np.log(doubled["Holders"])
    ratio = dl.predict(doubled)["predict"].to_numpy() / pred
    print(f"twice the holders: predictions x {ratio.min():.12f} .. {ratio.max():.12f}")
    assert np.allclose(ratio, 2.0, rtol=1e-12)
    return 0


if __name__ == "__main__":
    sys.exit(main())
