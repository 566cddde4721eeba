"""scikit-learn estimators: H2O-3's Deep Learning in ``Pipeline``, ``GridSearchCV`` and friends.

::

    from tabdl.sklearn import DeepLearningClassifier, DeepLearningRegressor, DeepLearningAutoencoder

    clf = DeepLearningClassifier(hidden=(64, 64), epochs=20, random_state=1).fit(X, y)
    clf.predict_proba(X_test)

Each estimator is a thin front of :class:`tabdl.DeepLearningEstimator`: it takes H2O's parameters by
name, builds a frame from ``X`` (and ``y``, ``sample_weight``), trains, and keeps the trained model as
``model_``. Needs scikit-learn (``pip install tabdl[sklearn]``). See ``docs/sklearn.md``.
"""

from tabdl.sklearn._autoencoder import DeepLearningAutoencoder
from tabdl.sklearn._supervised import DeepLearningClassifier, DeepLearningRegressor

__all__ = ["DeepLearningAutoencoder", "DeepLearningClassifier", "DeepLearningRegressor"]
