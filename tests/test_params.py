"""Parameters: every parameter of the H2O document, its constraint, the cross-parameter rules, resolution."""

from __future__ import annotations

import inspect
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

import tabdl
from tabdl.errors import NotYetAvailableError, ParameterError, ParameterTypeError
from tabdl.params import (
    DEFAULTS,
    PARAMETERS,
    PARAMETERS_BY_NAME,
    Problem,
    resolve,
    validate_parameters,
)
from tabdl.params.docs import render_markdown
from tabdl.params.rules import PARAMETER_RULES, PROBLEM_RULES
from tabdl.params.table import TRAIN_ARGUMENTS

from conftest import DATA, H2O

ROOT = Path(__file__).resolve().parent.parent


def _document_parameter_names() -> list[str]:
    text = (DATA / "h2o_deeplearning_doc.rst").read_text(encoding="utf-8")
    return re.findall(r"^\s*-\s+(?:\*\*(\w+)\*\*|`(\w+) <)", text, flags=re.M) and [
        a or b for a, b in re.findall(r"^\s*-\s+(?:\*\*(\w+)\*\*|`(\w+) <)", text, flags=re.M)
    ]


def test_every_parameter_of_the_h2o_document_is_known():
    names = _document_parameter_names()
    assert len(names) > 90
    missing = [n for n in names if n not in PARAMETERS_BY_NAME and n not in TRAIN_ARGUMENTS]
    assert missing == []


def test_docs_parameters_md_is_generated_from_the_table_and_lists_the_document():
    text = (ROOT / "docs" / "parameters.md").read_text()
    assert text == render_markdown(), "run: python tools/gen_parameters_doc.py"
    for name in _document_parameter_names():
        assert f"| `{name}` |" in text, name


def test_every_default_satisfies_its_own_constraint():
    for p in PARAMETERS:
        if p.default is not None:
            assert p.constraint.check(p.name, p.default) == p.default, p.name


def test_h2o_defaults():
    assert DEFAULTS["activation"] == "Rectifier" and DEFAULTS["hidden"] == (200, 200)
    assert DEFAULTS["epochs"] == 10.0 and DEFAULTS["rho"] == 0.99 and DEFAULTS["epsilon"] == 1e-8
    assert DEFAULTS["max_w2"] == 3.4028235e38 and DEFAULTS["max_categorical_features"] == 2147483647
    assert DEFAULTS["train_samples_per_iteration"] == -2 and DEFAULTS["stopping_rounds"] == 5
    assert DEFAULTS["regression_stop"] == 1e-6 and DEFAULTS["score_training_samples"] == 10000


def test_the_constructor_signature_lists_every_parameter():
    signature = inspect.signature(tabdl.DeepLearningEstimator.__init__)
    assert [n for n in signature.parameters if n != "self"] == [p.name for p in PARAMETERS]
    assert signature.parameters["epochs"].default == 10.0


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("RectifierWithDropout", "RectifierWithDropout"),
        ("rectifier_with_dropout", "RectifierWithDropout"),
        ("RECTIFIER_WITH_DROPOUT", "RectifierWithDropout"),
        ("tanh", "Tanh"),
        ("maxout_with_dropout", "MaxoutWithDropout"),
    ],
)
def test_enum_values_accept_h2o_spellings(given, canonical):
    assert validate_parameters({"activation": given})["activation"] == canonical


def test_other_enums_are_canonicalised():
    p = validate_parameters(
        {
            "loss": "cross_entropy",
            "missing_values_handling": "skip",
            "stopping_metric": "mse",
            "initial_weight_distribution": "uniform_adaptive",
            "categorical_encoding": "one_hot_internal",
            "auc_type": "macro_ovr",
            "score_validation_sampling": "stratified",
            "balance_classes": True,
            "fold_assignment": "modulo",
            "nfolds": 3,
        }
    )
    assert (p["loss"], p["missing_values_handling"], p["stopping_metric"]) == (
        "CrossEntropy",
        "Skip",
        "MSE",
    )
    assert p["initial_weight_distribution"] == "UniformAdaptive"
    assert (p["categorical_encoding"], p["auc_type"]) == ("OneHotInternal", "MACRO_OVR")
    assert (p["score_validation_sampling"], p["fold_assignment"]) == ("Stratified", "Modulo")


def test_an_unknown_parameter_suggests_the_closest_name():
    with pytest.raises(
        ParameterTypeError,
        match="unknown parameter 'hidden_dropout_ratio'; did you mean 'hidden_dropout_ratios'",
    ):
        tabdl.DeepLearningEstimator(hidden_dropout_ratio=[0.5])
    with pytest.raises(ParameterTypeError, match="did you mean 'epochs'"):
        tabdl.DeepLearningEstimator(epoch=5)
    with pytest.raises(ParameterTypeError, match="unknown parameter 'zzz'; see docs/parameters.md"):
        tabdl.DeepLearningEstimator(zzz=1)


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        ({"epochs": "ten"}, ParameterTypeError, "epochs must be a number; got 'ten'"),
        ({"epochs": -1}, ParameterError, r"epochs must be a number >= 0; got -1"),
        ({"hidden": [10, 0]}, ParameterError, r"hidden\[1\] must be an integer >= 1; got 0"),
        ({"hidden": 10}, ParameterTypeError, "hidden must be a list of numbers"),
        ({"hidden": [2.5]}, ParameterTypeError, r"hidden\[0\] must be an integer"),
        ({"activation": "relu"}, ParameterError, "activation='relu' is not one of 'Rectifier'"),
        ({"activation": 3}, ParameterTypeError, "activation must be a string"),
        ({"rho": 1.0}, ParameterError, "rho must be a number >= 0 and < 1"),
        (
            {"input_dropout_ratio": 1},
            ParameterError,
            "input_dropout_ratio must be a number >= 0 and < 1",
        ),
        ({"tweedie_power": 2.0}, ParameterError, "tweedie_power must be a number > 1 and < 2"),
        ({"seed": 1.5}, ParameterTypeError, "seed must be an integer"),
        ({"seed": 2**64}, ParameterError, "seed must fit in a signed 64-bit integer"),
        ({"standardize": "yes"}, ParameterTypeError, "standardize must be True or False"),
        ({"standardize": None}, ParameterTypeError, "standardize cannot be None"),
        ({"l1": float("nan")}, ParameterError, "l1 must be a finite number; got nan"),
        ({"epochs": float("inf")}, ParameterError, "epochs must be a finite number; got inf"),
        ({"mini_batch_size": 0}, ParameterError, "mini_batch_size must be an integer >= 1"),
        (
            {"train_samples_per_iteration": -3},
            ParameterError,
            "train_samples_per_iteration must be an integer >= -2",
        ),
        (
            {"weights_column": -1},
            ParameterTypeError,
            "weights_column must be a column name or a 0-based column index",
        ),
        ({"custom_metric_func": 3}, ParameterTypeError, "custom_metric_func must be a callable"),
        (
            {"class_sampling_factors": [1, -0.5]},
            ParameterError,
            r"class_sampling_factors\[1\] must be a number >= 0",
        ),
    ],
)
def test_a_bad_value_names_the_parameter(params, error, match):
    with pytest.raises(error, match=match):
        validate_parameters(params)


def _f(actual, predicted, weights):
    return 0.0


RULE_CASES = [
    ({"activation": "Tanh", "hidden_dropout_ratios": [0.1, 0.1]}, "needs a dropout activation"),
    (
        {"activation": "TanhWithDropout", "hidden": [5], "hidden_dropout_ratios": [0.1, 0.2]},
        "one ratio per hidden layer",
    ),
    ({"momentum_start": 0.5}, "cannot be used with the adaptive rate"),
    ({"autoencoder": True, "activation": "Maxout"}, "not supported for an autoencoder"),
    ({"autoencoder": True, "nfolds": 3}, "cross-validation .* not supported for an autoencoder"),
    (
        {"autoencoder": True, "custom_metric_func": _f},
        "custom_metric_func is not supported for an autoencoder",
    ),
    (
        {"autoencoder": True, "loss": "CrossEntropy"},
        "'CrossEntropy' is not supported for an autoencoder",
    ),
    ({"autoencoder": True, "stopping_metric": "AUC"}, "cannot be used for an autoencoder"),
    (
        {
            "autoencoder": True,
            "sparsity_beta": 0.1,
            "activation": "Tanh",
            "average_activation": 1.5,
        },
        r"must be in \(-1, 1\) for Tanh",
    ),
    (
        {"autoencoder": True, "pretrained_autoencoder": "ae", "hidden": [3]},
        "cannot be used with autoencoder=True",
    ),
    ({"distribution": "quasibinomial"}, "not supported by Deep Learning"),
    (
        {"categorical_encoding": "one_hot_explicit"},
        "'OneHotExplicit' is not supported by Deep Learning",
    ),
    ({"nfolds": 1}, "nfolds must be 0 .* or at least 2"),
    ({"nfolds": 3, "fold_column": "f"}, "nfolds and fold_column cannot both be given"),
    ({"fold_assignment": "Modulo"}, "applies only with cross-validation"),
    ({"checkpoint": "m", "nfolds": 3}, "not supported for checkpoint restarts"),
    ({"mini_batch_size": 8, "elastic_averaging": True}, "not available with the batch engine"),
    ({"optimizer": "adam"}, "optimizer='adam' trains with the batch engine"),
    ({"class_sampling_factors": [1.0, 2.0]}, "needs balance_classes=True"),
    (
        {"balance_classes": True, "weights_column": "w"},
        "balance_classes=True cannot be combined with weights_column",
    ),
    (
        {"checkpoint": "m", "initial_weights": [None, None, None]},
        "cannot be used with a checkpoint",
    ),
    (
        {"hidden": [3], "initial_weights": [np.zeros((3, 2))]},
        "has 1 entries but the network has 2 weight layers",
    ),
    (
        {"sparse": True, "elastic_averaging": True},
        "sparse=True cannot be combined with elastic_averaging",
    ),
    ({"stopping_metric": "custom"}, "needs custom_metric_func"),
    (
        {"weights_column": "w", "offset_column": "w"},
        "weights_column and offset_column are the same column",
    ),
]


@pytest.mark.parametrize(("params", "match"), RULE_CASES)
def test_each_cross_parameter_rule_has_its_own_error(params, match):
    with pytest.raises(ParameterError, match=match):
        validate_parameters(params)


def test_every_rule_is_tested():
    messages = {m for _, m in RULE_CASES}
    assert len(messages) == len(PARAMETER_RULES)  # plus the Rectifier sparsity case below
    assert len(PROBLEM_CASES) >= len(PROBLEM_RULES)


def test_rectifier_sparsity_needs_a_positive_average_activation():
    with pytest.raises(ParameterError, match="must be > 0 for Rectifier"):
        validate_parameters({"autoencoder": True, "sparsity_beta": 0.1, "average_activation": 0.0})


PROBLEM_CASES = [
    (
        {"distribution": "gaussian"},
        "yb",
        "needs a numeric response, but the response is categorical",
    ),
    ({"distribution": "bernoulli"}, "cls", "needs a 2-class response; this one has 3 classes"),
    (
        {"distribution": "multinomial"},
        "y",
        "needs a categorical response, but the response is numeric",
    ),
    ({"loss": "Huber"}, "yb", "loss='Huber' is not for classification"),
    ({"loss": "CrossEntropy"}, "y", "for classification only"),
    (
        {"distribution": "poisson", "loss": "Quadratic"},
        "cnt",
        "distribution='poisson' needs loss in",
    ),
    ({"distribution": "laplace", "loss": "Quadratic"}, "y", "distribution='laplace' needs loss in"),
    ({"offset_column": "x3"}, "yb", "offset_column is for regression only"),
    ({"balance_classes": True}, "y", "balance_classes=True is for classification only"),
    (
        {"balance_classes": True, "class_sampling_factors": [1.0, 2.0]},
        "cls",
        "has 2 values but the response has 3 classes",
    ),
    ({"stopping_metric": "AUC"}, "y", "stopping_metric='AUC' is for classification"),
    ({"stopping_metric": "lift_top_group"}, "cls", "for binomial classification only"),
    ({"stopping_metric": "deviance"}, "yb", "stopping_metric='deviance' is for regression"),
    ({"stopping_metric": "RMSLE"}, "cls", "stopping_metric='RMSLE' is for regression"),
]


@pytest.mark.parametrize(("params", "y", "match"), PROBLEM_CASES)
def test_rules_that_need_the_response(params, y, match):
    model = tabdl.DeepLearningEstimator(**params)
    with pytest.raises(ParameterError, match=match):
        model.train(x=["x1", "x2", "c1"], y=y, training_frame=H2O / "train.csv")


@pytest.mark.parametrize(
    ("params", "problem", "distribution", "loss"),
    [
        ({}, Problem("Binomial", 2), "bernoulli", "CrossEntropy"),
        ({}, Problem("Multinomial", 3), "multinomial", "CrossEntropy"),
        ({}, Problem("Regression"), "gaussian", "Quadratic"),
        ({"loss": "Absolute"}, Problem("Regression"), "laplace", "Absolute"),
        ({"loss": "Huber"}, Problem("Regression"), "huber", "Huber"),
        ({"distribution": "poisson"}, Problem("Regression"), "poisson", "Automatic"),
        ({"distribution": "quantile"}, Problem("Regression"), "quantile", "Quantile"),
        ({"autoencoder": True}, Problem("AutoEncoder", 1), "gaussian", "Quadratic"),
    ],
)
def test_distribution_and_loss_resolve_as_h2o(params, problem, distribution, loss):
    r = resolve(validate_parameters(params), problem)
    assert (r["distribution"], r["loss"]) == (distribution, loss)


def test_resolution_of_dropout_stopping_metric_and_encoding():
    r = resolve(
        validate_parameters({"activation": "RectifierWithDropout", "hidden": [4, 3]}),
        Problem("Binomial", 2),
    )
    assert r["hidden_dropout_ratios"] == (0.5, 0.5)
    assert r["stopping_metric"] == "logloss" and r["categorical_encoding"] == "OneHotInternal"
    assert resolve(validate_parameters({}), Problem("Regression"))["stopping_metric"] == "deviance"
    r = resolve(
        validate_parameters({"autoencoder": True, "use_all_factor_levels": False}),
        Problem("AutoEncoder"),
    )
    assert r["use_all_factor_levels"] is True and r["stopping_metric"] == "MSE"


def test_settings_without_effect_warn():
    with pytest.warns(UserWarning, match="rate=0.01 has no effect with adaptive_rate=True"):
        validate_parameters({"rate": 0.01})
    with pytest.warns(UserWarning, match="rho=0.9 has no effect with adaptive_rate=False"):
        validate_parameters({"adaptive_rate": False, "rho": 0.9})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        validate_parameters({"adaptive_rate": False, "rate": 0.01})


def test_a_feature_not_yet_available_is_named_not_ignored(monkeypatch):
    from dataclasses import replace

    import tabdl.params as params_module
    from tabdl.params.table import Feature

    pending = Feature("a feature still being built", False, 99)
    patched = [replace(p, feature=pending) if p.name in ("elastic_averaging", "col_major") else p
               for p in params_module.PARAMETERS]  # fmt: skip
    monkeypatch.setattr(params_module, "PARAMETERS", patched)
    model = tabdl.DeepLearningEstimator(col_major=True, elastic_averaging=True, hidden=[3])
    with pytest.raises(
        NotYetAvailableError,
        match=r"col_major \(validated; needs a feature still being built \(issue 99\)\); "
        r"elastic_averaging \(",
    ):
        model.train(x=["x1", "c1"], y="yb", training_frame=H2O / "train.csv")
    tabdl.DeepLearningEstimator(
        col_major=False, hidden=[3], epochs=0
    ).train(  # defaults never raise
        x=["x1", "c1"], y="yb", training_frame=H2O / "train.csv"
    )


def test_h2o_style_attribute_access():
    model = tabdl.DeepLearningEstimator(hidden=[3])
    model.epochs = 5
    assert model.epochs == 5 and model.hidden == [3] and model.rho == 0.99
    assert model.params["epochs"] == {"default": 10.0, "input": 5, "actual": 5}
    with pytest.raises(ParameterTypeError, match="did you mean 'epochs'"):
        model.epoch = 3


def test_train_rejects_unknown_keywords_with_a_hint():
    with pytest.raises(TypeError, match="parameters go to the constructor"):
        tabdl.DeepLearningEstimator().train(y="y", training_frame=H2O / "train.csv", epochs=3)


def test_every_feature_of_the_document_is_available():
    from tabdl.params import PARAMETERS, check_available

    check_available(validate_parameters({"stopping_rounds": 3, "score_each_iteration": True}))
    check_available(validate_parameters({"balance_classes": True}))
    check_available(validate_parameters({"sparse": True, "col_major": True}))
    check_available(validate_parameters({"elastic_averaging": True, "mini_batch_size": 1}))
    assert [p.name for p in PARAMETERS if not p.feature.available] == []
