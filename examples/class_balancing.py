"""Class balancing: train on balanced classes, predict probabilities of the original distribution.

Data: scikit-learn's ``make_classification``, 3 classes in proportions 90/8/2 (6,000 rows; 4,000 to
train, 2,000 to test). Three models with the same network and seed:

* unbalanced: trained on the data as it is;
* balanced: ``balance_classes=True``, H2O's stratified oversampling of the minority classes
  (here to equal class counts); its probabilities are corrected back to the original class
  distribution, ``p_c * prior_c / model_c`` renormalised, as H2O corrects them;
* the same balanced network without the correction (its raw softmax), to show what the correction does.

    python examples/class_balancing.py
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.datasets import make_classification
from sklearn.metrics import log_loss, recall_score, roc_auc_score

import tabdl
from tabdl.encoding import encode
from tabdl.frame import as_frame

COMMON = dict(hidden=[16], epochs=10, activation="Tanh", seed=7, reproducible=True, quiet_mode=True)
CLASSES = ["common", "rare", "very_rare"]


def data() -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """An imbalanced 3-class problem, split into training and test frames."""
    x, y = make_classification(
        n_samples=6000, n_features=8, n_informative=5, n_classes=3, n_clusters_per_class=1,
        weights=[0.90, 0.08, 0.02], class_sep=1.0, flip_y=0.01, random_state=3,
    )  # fmt: skip
    names = [f"x{i}" for i in range(x.shape[1])]
    frame = pd.DataFrame(x, columns=names)
    frame["y"] = pd.Categorical.from_codes(y, CLASSES)
    return frame.iloc[:4000], frame.iloc[4000:], names


def report(name: str, probs: np.ndarray, labels: np.ndarray, test: pd.DataFrame) -> None:
    """One line: mean probability per class, log loss, macro AUC and per-class recall."""
    actual = test["y"].cat.codes.to_numpy()
    recall = recall_score(actual, labels, average=None, labels=[0, 1, 2])
    auc = roc_auc_score(actual, probs, multi_class="ovr", average="macro")
    mean = " ".join(f"{p:6.4f}" for p in probs.mean(axis=0))
    print(
        f"{name:<22} mean p = [{mean}]  logloss {log_loss(actual, probs):.4f}  "
        f"AUC {auc:.4f}  recall {np.round(recall, 3).tolist()}"
    )


def main() -> None:
    """Train both models and compare their test-set probabilities."""
    train, test, x = data()
    unbalanced = tabdl.DeepLearningEstimator(**COMMON).train(x=x, y="y", training_frame=train)
    balanced = tabdl.DeepLearningEstimator(balance_classes=True, **COMMON).train(
        x=x, y="y", training_frame=train
    )
    fitted = balanced._fitted
    print(f"training rows {len(train)}; after balancing {balanced._result.state.training_rows}")
    print(f"prior (training) class distribution     {np.round(fitted.prior_class_distrib, 4)}")
    print(f"model (balanced) class distribution     {np.round(fitted.model_class_distrib, 4)}")
    frequencies = test["y"].value_counts(normalize=True, sort=False).to_numpy()
    print(f"test class frequencies                  {np.round(frequencies, 4)}")
    print()
    for name, model in (("unbalanced", unbalanced), ("balanced, corrected", balanced)):
        pred = model.predict(test)
        report(name, pred[CLASSES].to_numpy(), pred["predict"].cat.codes.to_numpy(), test)
    raw = fitted.outputs(encode(fitted.datainfo, as_frame(test)))
    report("balanced, uncorrected", raw, raw.argmax(axis=1), test)


if __name__ == "__main__":
    main()
