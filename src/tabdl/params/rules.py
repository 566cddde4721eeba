"""Cross-parameter rules and the resolution of AUTO values, as H2O's ``DeepLearningModel`` does them.

Rules come in two sets: those that need only the parameters (checked when training starts), and
those that need to know the problem (regression, binomial, multinomial or autoencoder), checked once
the response has been read. Each rule is a small function returning an error message or ``None``;
the first violation raises a :class:`~tabdl.errors.ParameterError` with that message.
Combinations that H2O accepts but that have no effect raise a ``UserWarning`` instead.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tabdl.errors import ParameterError

DROPOUT_ACTIVATIONS = ("TanhWithDropout", "RectifierWithDropout", "MaxoutWithDropout")
CLASSIFICATION_METRICS = (
    "logloss",
    "AUC",
    "AUCPR",
    "lift_top_group",
    "misclassification",
    "mean_per_class_error",
)
LOSS_OF_DISTRIBUTION = {
    "gaussian": "Quadratic",
    "laplace": "Absolute",
    "quantile": "Quantile",
    "huber": "Huber",
    "bernoulli": "CrossEntropy",
    "multinomial": "CrossEntropy",
}
DISTRIBUTION_OF_LOSS = {
    "Automatic": "gaussian",
    "Quadratic": "gaussian",
    "Absolute": "laplace",
    "Quantile": "quantile",
    "Huber": "huber",
}


@dataclass(frozen=True)
class Problem:
    """What the model predicts: H2O's model category and the number of classes."""

    category: str  # "Regression", "Binomial", "Multinomial" or "AutoEncoder"
    n_classes: int = 1

    @property
    def is_classifier(self) -> bool:
        """True for binomial and multinomial problems."""
        return self.category in ("Binomial", "Multinomial")


Rule = Callable[[Mapping[str, Any]], "str | None"]


def _dropout_ratios_need_dropout_activation(p: Mapping[str, Any]) -> str | None:
    if p["hidden_dropout_ratios"] is not None and p["activation"] not in DROPOUT_ACTIVATIONS:
        return (
            f"hidden_dropout_ratios needs a dropout activation, but activation={p['activation']!r}; "
            f"use {p['activation']}WithDropout or leave hidden_dropout_ratios unset"
        )
    return None


def _dropout_ratios_one_per_layer(p: Mapping[str, Any]) -> str | None:
    ratios = p["hidden_dropout_ratios"]
    if ratios is not None and len(ratios) != len(p["hidden"]):
        return (
            f"hidden_dropout_ratios has {len(ratios)} value(s) but hidden has {len(p['hidden'])} "
            "layer(s); give one ratio per hidden layer"
        )
    return None


def _momentum_needs_sgd(p: Mapping[str, Any]) -> str | None:
    if p["optimizer"] == "adam":
        return None  # the Adam rule says what to do
    if p["adaptive_rate"] and (p["momentum_start"] != 0 or p["momentum_stable"] != 0):
        return (
            "momentum_start/momentum_stable cannot be used with the adaptive rate (ADADELTA); "
            "set adaptive_rate=False to train with momentum"
        )
    return None


def _autoencoder_activation(p: Mapping[str, Any]) -> str | None:
    if p["autoencoder"] and p["activation"] in ("Maxout", "MaxoutWithDropout"):
        return (
            f"activation={p['activation']!r} is not supported for an autoencoder; "
            "use Tanh or Rectifier (with or without dropout)"
        )
    return None


def _autoencoder_without_cv(p: Mapping[str, Any]) -> str | None:
    if p["autoencoder"] and (p["nfolds"] > 1 or p["fold_column"] is not None):
        return (
            "cross-validation (nfolds > 1 or fold_column) is not supported for an autoencoder; "
            "set nfolds=0 and fold_column=None"
        )
    return None


def _autoencoder_without_custom_metric(p: Mapping[str, Any]) -> str | None:
    if p["autoencoder"] and p["custom_metric_func"] is not None:
        return "custom_metric_func is not supported for an autoencoder"
    return None


def _autoencoder_loss(p: Mapping[str, Any]) -> str | None:
    if p["autoencoder"] and p["loss"] == "CrossEntropy":
        return "loss='CrossEntropy' is not supported for an autoencoder; use Quadratic, Absolute or Huber"
    return None


def _autoencoder_stopping_metric(p: Mapping[str, Any]) -> str | None:
    if p["autoencoder"] and p["stopping_metric"] not in ("AUTO", "MSE"):
        return (
            f"stopping_metric={p['stopping_metric']!r} cannot be used for an autoencoder; "
            "use AUTO or MSE"
        )
    return None


def _sparsity_average_activation(p: Mapping[str, Any]) -> str | None:
    if not (p["autoencoder"] and p["sparsity_beta"] > 0):
        return None
    a = p["average_activation"]
    if p["activation"].startswith("Tanh") and abs(a) >= 1:
        return f"average_activation must be in (-1, 1) for Tanh with sparsity_beta > 0; got {a}"
    if p["activation"].startswith("Rectifier") and a <= 0:
        return f"average_activation must be > 0 for Rectifier with sparsity_beta > 0; got {a}"
    return None


def _pretrained_autoencoder_for_supervised(p: Mapping[str, Any]) -> str | None:
    if p["pretrained_autoencoder"] is not None and p["autoencoder"]:
        return (
            "pretrained_autoencoder initialises a supervised model from an autoencoder; "
            "it cannot be used with autoencoder=True"
        )
    return None


def _distribution_supported(p: Mapping[str, Any]) -> str | None:
    if p["distribution"] in ("quasibinomial", "ordinal", "modified_huber", "custom"):
        return (
            f"distribution={p['distribution']!r} is not supported by Deep Learning; use one of AUTO, "
            "bernoulli, multinomial, gaussian, poisson, gamma, tweedie, laplace, quantile, huber"
        )
    return None


def _encoding_supported(p: Mapping[str, Any]) -> str | None:
    if p["categorical_encoding"] in ("Enum", "OneHotExplicit"):
        return (
            f"categorical_encoding={p['categorical_encoding']!r} is not supported by Deep Learning "
            "(as in H2O); use AUTO (one-hot inside the network), Binary, Eigen, LabelEncoder, "
            "SortByResponse or EnumLimited"
        )
    return None


def _nfolds_value(p: Mapping[str, Any]) -> str | None:
    if p["nfolds"] == 1:
        return "nfolds must be 0 (no cross-validation) or at least 2; got 1"
    return None


def _nfolds_or_fold_column(p: Mapping[str, Any]) -> str | None:
    if p["nfolds"] > 0 and p["fold_column"] is not None:
        return (
            "nfolds and fold_column cannot both be given; the fold column already defines the folds"
        )
    return None


def _fold_assignment_needs_nfolds(p: Mapping[str, Any]) -> str | None:
    if p["fold_assignment"] != "AUTO" and p["nfolds"] == 0:
        return (
            f"fold_assignment={p['fold_assignment']!r} applies only with cross-validation; "
            "set nfolds >= 2 or leave fold_assignment at AUTO"
        )
    return None


def _class_sampling_needs_balance(p: Mapping[str, Any]) -> str | None:
    if p["class_sampling_factors"] is not None and not p["balance_classes"]:
        return "class_sampling_factors needs balance_classes=True (H2O refuses it too)"
    return None


def _balance_without_weights(p: Mapping[str, Any]) -> str | None:
    if p["balance_classes"] and p["weights_column"] is not None:
        return (
            "balance_classes=True cannot be combined with weights_column (H2O: 'not currently "
            "supported together'); drop one, or give the classes weights instead of balancing"
        )
    return None


def _checkpoint_without_initial_weights(p: Mapping[str, Any]) -> str | None:
    if p["checkpoint"] is not None and (
        p["initial_weights"] is not None or p["initial_biases"] is not None
    ):
        return "initial_weights/initial_biases cannot be used with a checkpoint"
    return None


def _checkpoint_without_cv(p: Mapping[str, Any]) -> str | None:
    if p["checkpoint"] is not None and (p["nfolds"] > 1 or p["fold_column"] is not None):
        return (
            "cross-validation (nfolds > 1 or fold_column) is not supported for checkpoint restarts; "
            "continue the model without nfolds/fold_column, or cross-validate a new model"
        )
    return None


def _initial_arrays_one_per_layer(p: Mapping[str, Any]) -> str | None:
    layers = len(p["hidden"]) + 1
    for name in ("initial_weights", "initial_biases"):
        if p[name] is not None and len(p[name]) != layers:
            return (
                f"{name} has {len(p[name])} entries but the network has {layers} weight layers "
                f"(len(hidden) + 1); give one per layer, None to keep a layer random"
            )
    return None


def _sparse_without_elastic_averaging(p: Mapping[str, Any]) -> str | None:
    if p["sparse"] and p["elastic_averaging"]:
        return "sparse=True cannot be combined with elastic_averaging=True"
    return None


def _batch_engine_without_elastic_averaging(p: Mapping[str, Any]) -> str | None:
    if p["mini_batch_size"] > 1 and p["elastic_averaging"]:
        return (
            "elastic_averaging is not available with the batch engine (mini_batch_size > 1) yet; "
            "use plain model averaging (elastic_averaging=False) or mini_batch_size=1"
        )
    return None


def _adam_needs_the_batch_engine(p: Mapping[str, Any]) -> str | None:
    if p["optimizer"] != "adam":
        return None
    if p["mini_batch_size"] <= 1:
        return (
            "optimizer='adam' trains with the batch engine: set mini_batch_size above 1 "
            "(e.g. 32), or use optimizer='auto' for H2O's per-row ADADELTA or SGD"
        )
    if p["momentum_start"] != 0 or p["momentum_stable"] != 0:
        return (
            "optimizer='adam' keeps its own momentum (beta1 = 0.9): leave momentum_start and "
            "momentum_stable at 0"
        )
    return None


def _custom_stopping_needs_function(p: Mapping[str, Any]) -> str | None:
    if p["stopping_metric"] in ("custom", "custom_increasing") and p["custom_metric_func"] is None:
        return f"stopping_metric={p['stopping_metric']!r} needs custom_metric_func"
    return None


def _special_columns_distinct(p: Mapping[str, Any]) -> str | None:
    named = [
        (name, p[name])
        for name in ("response_column", "weights_column", "offset_column", "fold_column")
        if p[name] is not None
    ]
    for i, (name_a, col_a) in enumerate(named):
        for name_b, col_b in named[i + 1 :]:
            if col_a == col_b:
                return f"{name_a} and {name_b} are the same column {col_a!r}; use different columns"
    return None


PARAMETER_RULES: tuple[Rule, ...] = (
    _dropout_ratios_need_dropout_activation,
    _dropout_ratios_one_per_layer,
    _momentum_needs_sgd,
    _autoencoder_activation,
    _autoencoder_without_cv,
    _autoencoder_without_custom_metric,
    _autoencoder_loss,
    _autoencoder_stopping_metric,
    _sparsity_average_activation,
    _pretrained_autoencoder_for_supervised,
    _distribution_supported,
    _encoding_supported,
    _nfolds_value,
    _nfolds_or_fold_column,
    _fold_assignment_needs_nfolds,
    _class_sampling_needs_balance,
    _balance_without_weights,
    _checkpoint_without_initial_weights,
    _checkpoint_without_cv,
    _initial_arrays_one_per_layer,
    _sparse_without_elastic_averaging,
    _batch_engine_without_elastic_averaging,
    _adam_needs_the_batch_engine,
    _custom_stopping_needs_function,
    _special_columns_distinct,
)

# Parameters that do nothing unless another parameter enables them: (parameter, condition, why).
_NO_EFFECT: tuple[tuple[str, Callable[[Mapping[str, Any]], bool], str], ...] = (
    *(
        (
            name,
            lambda p: p["adaptive_rate"] and p["optimizer"] != "adam",
            "adaptive_rate=True (ADADELTA sets its own rates)",
        )
        for name in ("rate", "rate_annealing", "rate_decay")
    ),
    (
        "momentum_ramp",
        lambda p: p["adaptive_rate"] or p["optimizer"] == "adam",
        "an adaptive rate (ADADELTA or Adam)",
    ),
    ("rho", lambda p: not p["adaptive_rate"], "adaptive_rate=False"),
    ("rho", lambda p: p["optimizer"] == "adam", "optimizer='adam' (ADADELTA's decay)"),
    (
        "epsilon",
        lambda p: not p["adaptive_rate"] and p["optimizer"] != "adam",
        "adaptive_rate=False",
    ),
    (
        "initial_weight_scale",
        lambda p: p["initial_weight_distribution"] == "UniformAdaptive",
        "initial_weight_distribution='UniformAdaptive'",
    ),
    ("sparsity_beta", lambda p: not p["autoencoder"], "autoencoder=False"),
    ("max_after_balance_size", lambda p: not p["balance_classes"], "balance_classes=False"),
    (
        "score_validation_sampling",
        lambda p: not p["balance_classes"],
        "balance_classes=False (H2O stratifies the validation sample only when balancing)",
    ),
    *(
        (name, lambda p: not p["elastic_averaging"], "elastic_averaging=False")
        for name in ("elastic_averaging_moving_rate", "elastic_averaging_regularization")
    ),
)


def check_parameter_rules(p: Mapping[str, Any], defaults: Mapping[str, Any]) -> None:
    """Raise on the first violated cross-parameter rule; warn about settings that have no effect."""
    for rule in PARAMETER_RULES:
        message = rule(p)
        if message:
            raise ParameterError(message)
    for name, idle, why in _NO_EFFECT:
        if p[name] != defaults[name] and idle(p):
            warnings.warn(f"{name}={p[name]!r} has no effect with {why}", UserWarning, stacklevel=4)
    if p["col_major"]:
        warnings.warn(
            "col_major=True has no effect: tabdl keeps one weight layout, and the results are the "
            "same either way (H2O 3.46 rejects col_major=True as deprecated)",
            UserWarning,
            stacklevel=4,
        )


def _distribution_fits_problem(p: Mapping[str, Any], problem: Problem) -> str | None:
    dist = p["distribution"]
    if problem.is_classifier:
        if dist not in ("AUTO", "bernoulli", "multinomial"):
            return (
                f"distribution={dist!r} needs a numeric response, but the response is categorical "
                f"with {problem.n_classes} classes; use AUTO, bernoulli or multinomial"
            )
        if dist == "bernoulli" and problem.n_classes != 2:
            return (
                f"distribution='bernoulli' needs a 2-class response; this one has "
                f"{problem.n_classes} classes: use multinomial"
            )
    elif problem.category == "Regression" and dist in ("bernoulli", "multinomial"):
        return (
            f"distribution={dist!r} needs a categorical response, but the response is numeric; "
            "declare it categorical (a pandas 'category' column, or categorical_columns=[y])"
        )
    return None


def _loss_fits_problem(p: Mapping[str, Any], problem: Problem) -> str | None:
    loss, dist = p["loss"], p["distribution"]
    if problem.is_classifier:
        if loss not in ("Automatic", "CrossEntropy", "Quadratic"):
            return (
                f"loss={loss!r} is not for classification; use Automatic, CrossEntropy or Quadratic"
            )
        return None
    if loss == "CrossEntropy":
        return "loss='CrossEntropy' is for classification only; use Automatic or Quadratic"
    allowed = {
        "gaussian": ("Automatic", "Quadratic"),
        "laplace": ("Automatic", "Absolute"),
        "quantile": ("Automatic", "Quantile"),
        "huber": ("Automatic", "Huber"),
        "poisson": ("Automatic",),
        "gamma": ("Automatic",),
        "tweedie": ("Automatic",),
    }.get(dist)
    if allowed is not None and loss not in allowed:
        return f"distribution={dist!r} needs loss in {allowed}; got loss={loss!r}"
    return None


def _offset_for_regression(p: Mapping[str, Any], problem: Problem) -> str | None:
    if p["offset_column"] is not None and problem.category != "Regression":
        return f"offset_column is for regression only; this is a {problem.category} problem"
    return None


def _balance_for_classification(p: Mapping[str, Any], problem: Problem) -> str | None:
    if p["balance_classes"] and not problem.is_classifier:
        return (
            f"balance_classes=True is for classification only (H2O: 'balance_classes requires "
            f"classification'); this is a {problem.category} problem"
        )
    factors = p["class_sampling_factors"]
    if factors is not None and len(factors) != problem.n_classes:
        return (
            f"class_sampling_factors has {len(factors)} values but the response has "
            f"{problem.n_classes} classes; give one per class, in the order of the class levels"
        )
    return None


def _stopping_metric_fits_problem(p: Mapping[str, Any], problem: Problem) -> str | None:
    metric = p["stopping_metric"]
    if metric in CLASSIFICATION_METRICS and not problem.is_classifier:
        return f"stopping_metric={metric!r} is for classification; use deviance, MSE, RMSE, MAE or RMSLE"
    if metric == "lift_top_group" and problem.category != "Binomial":
        return "stopping_metric='lift_top_group' is for binomial classification only"
    if metric in ("deviance", "MAE", "RMSLE") and problem.is_classifier:
        # H2O accepts these for classifiers, where they are NaN and so never stop training
        return (
            f"stopping_metric={metric!r} is for regression; for classification use logloss (the "
            "AUTO choice), MSE, RMSE, AUC, AUCPR, misclassification or mean_per_class_error"
        )
    return None


PROBLEM_RULES = (
    _distribution_fits_problem,
    _loss_fits_problem,
    _offset_for_regression,
    _balance_for_classification,
    _stopping_metric_fits_problem,
)


def check_problem_rules(p: Mapping[str, Any], problem: Problem) -> None:
    """Raise on the first rule that the parameters break for this problem."""
    for rule in PROBLEM_RULES:
        message = rule(p, problem)
        if message:
            raise ParameterError(message)


def resolve(p: Mapping[str, Any], problem: Problem) -> dict[str, Any]:
    """Return the parameters as the model uses them (H2O's ``Sanity.modifyParms``).

    Resolves ``distribution`` and ``loss`` from each other and the problem, the default hidden dropout
    ratio of 0.5, ``use_all_factor_levels`` for an autoencoder, and ``stopping_metric=AUTO``.
    """
    r = dict(p)
    if r["distribution"] == "AUTO":
        if problem.category == "Binomial":
            r["distribution"] = "bernoulli"
        elif problem.category == "Multinomial":
            r["distribution"] = "multinomial"
        else:
            r["distribution"] = DISTRIBUTION_OF_LOSS[r["loss"]]
    if r["loss"] == "Automatic":
        r["loss"] = LOSS_OF_DISTRIBUTION.get(r["distribution"], "Automatic")
    if r["activation"] in DROPOUT_ACTIVATIONS and r["hidden_dropout_ratios"] is None:
        r["hidden_dropout_ratios"] = tuple(0.5 for _ in r["hidden"])
    if r["hidden_dropout_ratios"] is None:
        r["hidden_dropout_ratios"] = tuple(0.0 for _ in r["hidden"])
    if r["autoencoder"]:
        r["use_all_factor_levels"] = True
    if r["stopping_metric"] == "AUTO":
        r["stopping_metric"] = (
            "logloss"
            if problem.is_classifier
            else "MSE"
            if problem.category == "AutoEncoder"
            else "deviance"
        )
    if r["categorical_encoding"] == "AUTO":
        r["categorical_encoding"] = "OneHotInternal"
    return r
