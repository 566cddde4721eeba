"""H2O-3's model metrics, computed from predictions, with h2o-py's accessors.

::

    from tabdl.metrics import binomial_metrics
    m = binomial_metrics(y_codes, probs, weights, domain=["no", "yes"], description="train")
    m.auc(), m.logloss(), m.F1(), m.gains_lift(), m.confusion_matrix()
    print(m)                       # as h2o-py prints a ModelMetrics object
    m2 = type(m).from_dict(m.to_dict())

The builders reproduce H2O 3.46.0.11's arithmetic, including its quirks (float actual values for
regression, the 400-bin ROC histogram, whole-number Gains/Lift counts, unweighted multinomial
confusion matrix); each module's docstring says what H2O does. The optional ``chunk_rows`` argument
replays H2O's split of the rows into chunks, which its sums and its ROC histogram depend on.
"""

from tabdl.metrics.autoencoder import ModelMetricsAutoEncoder, autoencoder_metrics
from tabdl.metrics.base import ModelMetricsBase
from tabdl.metrics.binomial import ModelMetricsBinomial, binomial_metrics
from tabdl.metrics.confusion import ConfusionMatrix
from tabdl.metrics.multinomial import ModelMetricsMultinomial, multinomial_metrics
from tabdl.metrics.regression import ModelMetricsRegression, regression_metrics
from tabdl.metrics.tables import H2OTable, H2OTableFrame
from tabdl.metrics.thresholds import MetricList

_CLASSES = {
    cls.schema: cls
    for cls in (
        ModelMetricsRegression,
        ModelMetricsBinomial,
        ModelMetricsMultinomial,
        ModelMetricsAutoEncoder,
    )
}


def metrics_from_dict(d: dict) -> ModelMetricsBase:
    """Rebuild any metrics object from its ``to_dict()`` form (the class is read from the dict)."""
    from tabdl.errors import DataError

    cls = _CLASSES.get(d.get("model_category"))
    if cls is None:
        raise DataError(f"unknown metrics kind {d.get('model_category')!r}")
    return cls.from_dict(d)


__all__ = [
    "ConfusionMatrix",
    "H2OTable",
    "H2OTableFrame",
    "MetricList",
    "ModelMetricsAutoEncoder",
    "ModelMetricsBase",
    "ModelMetricsBinomial",
    "ModelMetricsMultinomial",
    "ModelMetricsRegression",
    "autoencoder_metrics",
    "metrics_from_dict",
    "binomial_metrics",
    "multinomial_metrics",
    "regression_metrics",
]
