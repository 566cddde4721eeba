"""Anomaly detection with H2O's Deep Learning autoencoder, and a classifier stacked on it.

Data: scikit-learn's breast cancer data (569 tumours, 30 measurements; BSD licence), with the
malignant tumours as the rare class. The autoencoder learns what benign tumours look like from a
training set of benign tumours with a few malignant ones mixed in (as real, unlabelled data would
be); its reconstruction error then ranks new tumours, and the malignant ones should come first.

Then the stacking the H2O documentation recommends: a supervised classifier whose hidden layer
starts from the autoencoder's (``pretrained_autoencoder=``), against one that starts at random.

    python examples/anomaly_detection.py [--plot anomaly.png]
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer
from sklearn.metrics import roc_auc_score

import tabdl

COMMON = dict(hidden=[8], activation="Tanh", seed=42, reproducible=True, quiet_mode=True)


def data() -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Split the tumours: training (benign and 10 malignant) and test (the rest, held out)."""
    cancer = load_breast_cancer(as_frame=True)
    frame = cancer.frame.rename(columns=lambda c: c.replace(" ", "_"))
    frame["diagnosis"] = np.where(frame["target"] == 0, "malignant", "benign")
    frame = frame.drop(columns="target")
    rng = np.random.default_rng(0)
    benign = rng.permutation(frame.index[frame["diagnosis"] == "benign"].to_numpy())
    malignant = rng.permutation(frame.index[frame["diagnosis"] == "malignant"].to_numpy())
    train = frame.loc[np.concatenate([benign[:250], malignant[:10]])]
    test = frame.loc[np.concatenate([benign[250:], malignant[10:]])]
    return train, test, [c for c in frame.columns if c != "diagnosis"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plot", help="write the reconstruction-error histogram to this PNG file")
    args = parser.parse_args()
    train, test, x = data()

    autoencoder = tabdl.DeepLearningEstimator(**COMMON, autoencoder=True, epochs=50)
    autoencoder.train(x=x, training_frame=train)
    score = autoencoder.anomaly(test)["Reconstruction.MSE"].to_numpy()
    is_malignant = (test["diagnosis"] == "malignant").to_numpy()
    print(f"training rows: {len(train)} ({(train['diagnosis'] == 'malignant').sum()} malignant)")
    print(f"test rows: {len(test)} ({is_malignant.sum()} malignant)")
    print(f"anomaly score AUC for malignant tumours: {roc_auc_score(is_malignant, score):.4f}")
    threshold = np.quantile(autoencoder.anomaly(train)["Reconstruction.MSE"], 0.95)
    flagged = score > threshold
    print(
        f"flagged above the training set's 95th percentile ({threshold:.4f}): {flagged.sum()} rows, "
        f"{is_malignant[flagged].mean():.1%} of them malignant, "
        f"{flagged[is_malignant].mean():.1%} of the malignant found"
    )
    worst = test.assign(score=score).nlargest(5, "score")[["diagnosis", "score"]]
    print("the five most anomalous test tumours:\n" + worst.to_string())
    if args.plot:
        import matplotlib.figure

        figure = matplotlib.figure.Figure(figsize=(7, 4))
        axes = figure.subplots()
        bins = np.histogram_bin_edges(np.log10(score), 30)
        for label, mask in (("benign", ~is_malignant), ("malignant", is_malignant)):
            axes.hist(np.log10(score[mask]), bins=bins, alpha=0.6, label=label)
        axes.axvline(np.log10(threshold), color="k", linestyle="--", label="95th pct. of training")
        axes.set_xlabel("log10 reconstruction MSE")
        axes.set_ylabel("tumours")
        axes.legend()
        figure.tight_layout()
        figure.savefig(args.plot)
        print(f"histogram written to {args.plot}")

    # Stacking: a classifier from the autoencoder's hidden layer, on few labelled rows
    labelled = pd.concat([train.iloc[:40], train.iloc[-10:]])  # 40 benign, 10 malignant
    y = "diagnosis"
    for name, start in (("from the autoencoder", autoencoder), ("from random weights", None)):
        model = tabdl.DeepLearningEstimator(**COMMON, epochs=20, pretrained_autoencoder=start)
        model.train(x=x, y=y, training_frame=labelled)
        probability = model.predict(test)["malignant"].to_numpy()
        print(f"classifier {name}: test AUC {roc_auc_score(is_malignant, probability):.4f}")


if __name__ == "__main__":
    main()
