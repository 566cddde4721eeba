"""tabdl's Deep Learning inside scikit-learn: a grid search, cross-validation and anomaly scores.

The penguins data has categorical columns and missing values. tabdl takes the DataFrame as it is
(H2O one-hot encodes the categoricals with an NA bucket and imputes the missing numbers), so the
pipeline needs no imputer and no encoder.

    python examples/sklearn_pipeline.py [DATA_DIR]

DATA_DIR holds penguins.csv (default: ../shared/data next to the repository).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score, train_test_split

from tabdl.sklearn import DeepLearningAutoencoder, DeepLearningClassifier

DATA = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parents[2] / "shared" / "data"

penguins = pd.read_csv(DATA / "penguins.csv")
X, y = penguins.drop(columns="species"), penguins["species"]
print(f"{len(X)} penguins; missing values per column: {X.isna().sum().to_dict()}")
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)

# -- a grid search over H2O's parameters, by name -------------------------------------------------
folds = StratifiedKFold(3, shuffle=True, random_state=0)
search = GridSearchCV(
    DeepLearningClassifier(epochs=20, random_state=1, quiet_mode=True),
    {"hidden": [(8,), (32, 32)], "activation": ["Rectifier", "Tanh"]},
    cv=folds,
).fit(X_train, y_train)
print(pd.DataFrame(search.cv_results_)[["params", "mean_test_score"]].to_string(index=False))
best = search.best_estimator_
print(f"best {search.best_params_}: test accuracy {best.score(X_test, y_test):.3f}")
print(best.model_.varimp(use_pandas=True).head())  # what the H2O model reports is all there

scores = cross_val_score(best, X, y, cv=folds)
print(f"cross-validated accuracy {scores.mean():.3f} +/- {scores.std():.3f}")

# -- an autoencoder's anomaly scores: a penguin with an impossible body ----------------------------
numeric = X.select_dtypes("number").columns
odd = X_test.iloc[[0]].copy()
odd[numeric] = X[numeric].max().to_numpy() * 1.5
ae = DeepLearningAutoencoder(
    hidden=(16, 3, 16), activation="Tanh", epochs=50, random_state=1, quiet_mode=True
)
ae.fit(X_train)
scores = ae.score_samples(pd.concat([X_test, odd], ignore_index=True))  # higher = more normal
print(f"the odd penguin ranks {int(np.argsort(scores).tolist().index(len(X_test))) + 1} of "
      f"{len(scores)} by anomaly (1 = most anomalous)")  # fmt: skip
print(f"3-unit codes of the first test penguins:\n{ae.transform(X_test.head(3)).round(3)}")
