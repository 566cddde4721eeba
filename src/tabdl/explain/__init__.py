"""What a trained network reports about itself: variable importances and the layer status table.

Both are pure functions of the network's arrays (and, for the rates, of its optimiser state), as H2O's
``DeepLearningModelInfo`` computes them; the model object calls them for ``varimp()`` and
``summary()``.
"""

from tabdl.explain.layers import (
    ada_by_layer,
    header_text,
    is_unstable,
    layer_types,
    neuron_layer_status,
)
from tabdl.explain.varimp import (
    unseen_na_buckets,
    unseen_na_buckets_of,
    variable_importances,
    varimp_table,
)

__all__ = [
    "ada_by_layer",
    "header_text",
    "is_unstable",
    "layer_types",
    "neuron_layer_status",
    "unseen_na_buckets",
    "unseen_na_buckets_of",
    "variable_importances",
    "varimp_table",
]
