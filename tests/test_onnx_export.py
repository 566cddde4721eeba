"""ONNX export: onnxruntime, given raw columns, predicts as tabdl does (oracle: ``model.predict``).

Two comparisons per model and data set. The user's view: float32 inputs (as the graph takes them)
against tabdl on the original float64 frame, within ``|a - b| <= 1e-5 * max(1, |b|)``. The graph's
fidelity: the same float32 values given to tabdl too, so that only the graph's arithmetic differs,
within 1e-10. Imported H2O MOJOs (whose tabdl predictions equal H2O's, tests/test_mojo_import.py)
and models trained here, over every distribution family, activation and encoding option.
"""

from __future__ import annotations

import dataclasses
import os
import sys

import numpy as np
import pandas as pd
import pytest

import tabdl
from tabdl.io.onnx_export import DEFAULT_OPSET, OnnxExportError, to_onnx, write_onnx

from conftest import A_RUNS, H2O

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

USER_TOLERANCE = 1e-5  # float32 inputs against tabdl on float64 inputs (the target)
GRAPH_TOLERANCE = 1e-10  # the same inputs on both sides
PREDICTORS = ["x1", "x2", "x3", "c1", "c2", "c3"]
CATEGORICAL = ["c1", "c2", "c3"]
ACTIVATIONS = [
    "Tanh",
    "TanhWithDropout",
    "Rectifier",
    "RectifierWithDropout",
    "ExpRectifier",
    "ExpRectifierWithDropout",
    "Maxout",
    "MaxoutWithDropout",
]


def _read(name: str) -> pd.DataFrame:
    """A data set with extra columns: a positive response ``g`` and an offset ``off`` (one missing)."""
    frame = pd.read_csv(H2O / name, dtype={c: object for c in CATEGORICAL})
    frame["g"] = np.exp(frame["y"])
    frame["off"] = 0.1 * frame["x2"]
    frame.loc[3, "off"] = np.nan
    return frame


def _edge_rows() -> pd.DataFrame:
    """Rows that exercise the encoder: all missing, unseen levels everywhere, first levels."""
    nan = np.nan
    return pd.DataFrame(
        {
            "x1": [nan, 0.5, -3.0, 1e3],
            "x2": [nan, nan, 2.0, -1e3],
            "x3": [nan, 1.0, nan, 0.0],
            "c1": [nan, "unseen", "a", "d"],
            "c2": [nan, "P", "p", "q"],
            "c3": [nan, "", "u", "w"],
            "off": [nan, 1.0, -1.0, 0.0],
        }
    )


FRAMES = {"train": _read("train.csv"), "test": _read("test.csv"), "edge": _edge_rows()}


def _float32_rounded(frame: pd.DataFrame) -> pd.DataFrame:
    rounded = frame.copy()
    for name in rounded.columns:
        if pd.api.types.is_float_dtype(rounded[name]):
            rounded[name] = rounded[name].astype(np.float32).astype(np.float64)
    return rounded


def _feeds(session: ort.InferenceSession, frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """One [N, 1] array per graph input: strings ('' for missing) or float32 (NaN for missing)."""
    feeds = {}
    for node in session.get_inputs():
        column = frame[node.name]
        if node.type == "tensor(string)":
            values = np.array(["" if pd.isna(v) else str(v) for v in column], dtype=object)
        else:
            assert node.type == "tensor(float)"
            values = column.to_numpy(np.float32)
        feeds[node.name] = values.reshape(-1, 1)
    return feeds


def _export(fitted, tmp_path, name="model.onnx", **kwargs) -> ort.InferenceSession:
    path = write_onnx(fitted, tmp_path / name, **kwargs)
    assert path == tmp_path / name and sorted(os.listdir(tmp_path)) == [name]
    onnx.checker.check_model(str(path), full_check=True)
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def _assert_close(ours: np.ndarray, theirs: np.ndarray, tolerance: float, what: str) -> None:
    ours, theirs = np.asarray(ours, np.float64), np.asarray(theirs, np.float64)
    assert ours.shape == theirs.shape, what
    assert np.isfinite(ours).all() and np.isfinite(theirs).all(), what
    relative = np.abs(ours - theirs) / np.maximum(1.0, np.abs(theirs))
    assert relative.max() <= tolerance, f"{what}: max relative difference {relative.max():.3g}"


def _assert_same(session, model, frame: pd.DataFrame, tolerance: float, what: str) -> None:
    """onnxruntime on float32 columns of ``frame`` against tabdl's ``predict`` on ``frame``."""
    outputs = session.run(None, _feeds(session, _float32_rounded(frame)))
    reference = model.predict(frame)
    category = model._fitted.category
    if category == "AutoEncoder":
        _assert_close(outputs[0], reference.to_numpy(), tolerance, what)
    elif category == "Regression":
        _assert_close(outputs[0], reference["predict"].to_numpy(), tolerance, what)
    else:
        levels = list(model._fitted.datainfo.response_domain)
        probabilities = reference[levels].to_numpy()
        _assert_close(outputs[1], probabilities, tolerance, what)
        differ = outputs[0] != reference["predict"].astype(str).to_numpy()
        near = _near_a_tie(model._fitted, probabilities, tolerance)
        assert not (differ & ~near).any(), f"{what}: labels differ at rows {np.flatnonzero(differ)}"


def _near_a_tie(fitted, probabilities: np.ndarray, tolerance: float) -> np.ndarray:
    """Rows whose label rounding within ``tolerance`` could change (float32 inputs can flip them).

    H2O's binomial threshold is one of the training rows' own probabilities, so that row sits
    exactly on it, and its label from float32 inputs is either class.
    """
    if fitted.category == "Binomial":
        return np.abs(probabilities[:, 1] - fitted.default_threshold) <= tolerance
    top_two = np.sort(probabilities, axis=1)[:, -2:]
    return top_two[:, 1] - top_two[:, 0] <= 2 * tolerance


def _assert_exports(model, tmp_path, frames=FRAMES) -> ort.InferenceSession:
    session = _export(model._fitted, tmp_path)
    for name, frame in frames.items():
        _assert_same(session, model, frame, USER_TOLERANCE, f"{name}, user inputs")
        _assert_same(session, model, _float32_rounded(frame), GRAPH_TOLERANCE, f"{name}, graph")
    return session


def _train(y: str | None, x=PREDICTORS, categorical_columns=None, **params):
    estimator = tabdl.DeepLearningEstimator(epochs=2, seed=1, reproducible=True, **params)
    return estimator.train(
        x=x, y=y, training_frame=FRAMES["train"], categorical_columns=categorical_columns
    )


@pytest.mark.parametrize("run", A_RUNS)
def test_imported_h2o_mojos(run, tmp_path):
    _assert_exports(tabdl.import_mojo(H2O / run / "model.zip"), tmp_path)


@pytest.mark.parametrize(
    ("y", "distribution"),
    [
        ("y", "gaussian"),
        ("cnt", "poisson"),
        ("g", "gamma"),
        ("cnt", "tweedie"),
        ("y", "laplace"),
        ("y", "quantile"),
        ("y", "huber"),
    ],
)
def test_regression_distributions(y, distribution, tmp_path):
    model = _train(y, hidden=[5, 3], distribution=distribution)
    session = _assert_exports(model, tmp_path)
    assert [o.name for o in session.get_outputs()] == ["predict"]
    assert sorted(i.name for i in session.get_inputs()) == sorted(PREDICTORS)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("y", ["y", "yb", "cls"])
def test_every_activation(activation, y, tmp_path):
    dropout = [0.2, 0.4] if activation.endswith("WithDropout") else None
    trained = activation.replace("ExpRectifier", "Tanh")  # not an H2O training option
    model = _train(
        y, hidden=[6, 4], activation=trained, hidden_dropout_ratios=dropout,
        input_dropout_ratio=0.1,
    )  # fmt: skip
    # ExpRectifier: the same weights under it; tabdl's forward pass is the oracle.
    if trained != activation:
        spec = dataclasses.replace(model._fitted.spec, activation=activation)
        object.__setattr__(model, "_fitted", dataclasses.replace(model._fitted, spec=spec))
    session = _assert_exports(model, tmp_path)
    expected = ["predict"] if y == "y" else ["predict", "probabilities"]
    assert [o.name for o in session.get_outputs()] == expected


@pytest.mark.parametrize("y", ["y", "yb", "cls"])
def test_first_level_dropped(y, tmp_path):
    model = _train(y, hidden=[5], use_all_factor_levels=False)
    assert not model._fitted.datainfo.use_all_factor_levels
    _assert_exports(model, tmp_path)


@pytest.mark.parametrize(("y", "distribution"), [("y", "gaussian"), ("cnt", "poisson")])
def test_not_standardized(y, distribution, tmp_path):
    model = _train(y, hidden=[5], standardize=False, distribution=distribution)
    assert model._fitted.datainfo.norm_mul is None
    _assert_exports(model, tmp_path)


@pytest.mark.parametrize(("y", "distribution"), [("y", "gaussian"), ("cnt", "poisson")])
def test_offset_column_is_an_input(y, distribution, tmp_path):
    model = _train(y, hidden=[5], offset_column="off", distribution=distribution)
    session = _assert_exports(model, tmp_path)
    assert sorted(i.name for i in session.get_inputs()) == sorted([*PREDICTORS, "off"])


def test_numbers_declared_categorical_take_their_level_text(tmp_path):
    frames = {
        name: frame.assign(cnt=frame["cnt"].map(lambda v: v if pd.isna(v) else str(int(v))))
        for name, frame in FRAMES.items()
        if name != "edge"
    }
    model = _train("cls", x=[*PREDICTORS, "cnt"], categorical_columns=["cnt"], hidden=[5])
    assert "cnt" in model._fitted.datainfo.cat_names
    _assert_exports(model, tmp_path, frames)


def test_any_column_name_and_level_spelling(tmp_path):
    renamed = {"x1": "prix (€) ", "c1": "catégorie/1"}
    levels = {"catégorie/1": {"a": "ä à", "b": "b/β", "c": " c "}}
    frames = {name: frame.rename(columns=renamed).replace(levels) for name, frame in FRAMES.items()}
    x = [renamed.get(n, n) for n in PREDICTORS]
    model = tabdl.DeepLearningEstimator(hidden=[5], epochs=2, seed=1, reproducible=True).train(
        x=x, y="cls", training_frame=frames["train"]
    )
    assert "b/β" in model._fitted.datainfo.domains[0]
    session = _assert_exports(model, tmp_path, frames)
    assert sorted(i.name for i in session.get_inputs()) == sorted(x)


def test_binomial_threshold_is_the_models(tmp_path):
    model = _train("yb", hidden=[5])
    fitted = dataclasses.replace(model._fitted, default_threshold=0.3)
    object.__setattr__(model, "_fitted", fitted)
    session = _assert_exports(model, tmp_path)
    labels = session.run(["predict"], _feeds(session, FRAMES["train"]))[0]
    assert set(labels) == {"no", "yes"}


@pytest.mark.parametrize(("y", "expected"), [("yb", "yes"), ("cls", "A")])
def test_ties_break_as_tabdl(y, expected, tmp_path):
    # Zero output weights: every class equally likely. Binomial: 0.5 >= 0.5 gives the second class;
    # multinomial: the first of the tied classes.
    model = _train(y, hidden=[5])
    fitted = model._fitted
    weights = [*fitted.weights[:-1], np.zeros_like(fitted.weights[-1])]
    biases = [*fitted.biases[:-1], np.zeros_like(fitted.biases[-1])]
    fitted = dataclasses.replace(fitted, weights=weights, biases=biases, default_threshold=0.5)
    object.__setattr__(model, "_fitted", fitted)
    session = _assert_exports(model, tmp_path)
    labels = session.run(["predict"], _feeds(session, FRAMES["test"]))[0]
    assert set(labels) == {expected}
    assert set(model.predict(FRAMES["test"])["predict"].astype(str)) == {expected}


@pytest.mark.parametrize("y", ["yb", "cls"])
def test_class_distribution_correction(y, tmp_path):
    model = _train(y, hidden=[5])
    prior = model._fitted.prior_class_distrib
    balanced = np.full(len(prior), 1.0 / len(prior))
    fitted = dataclasses.replace(model._fitted, model_class_distrib=balanced)
    object.__setattr__(model, "_fitted", fitted)
    _assert_exports(model, tmp_path)


def test_trained_autoencoder(tmp_path):
    model = _train(None, hidden=[4], autoencoder=True)
    _assert_exports(model, tmp_path)


@pytest.mark.parametrize("activation", ["Rectifier", "ExpRectifierWithDropout", "Maxout"])
@pytest.mark.parametrize("normalized", [True, False])
def test_autoencoder_variants(activation, normalized, tmp_path):
    # The imported H2O autoencoder with another activation and without its normalisation: the
    # oracle is tabdl scoring the same FittedNetwork.
    model = tabdl.import_mojo(H2O / "A5_ae" / "model.zip")
    fitted = model._fitted
    spec = dataclasses.replace(
        fitted.spec, activation=activation, output=activation.removesuffix("WithDropout")
    )
    weights = list(fitted.weights)
    biases = list(fitted.biases)
    if spec.is_maxout:  # two channels per hidden unit: a second, perturbed copy of the weights
        w, b = weights[0], biases[0]
        weights[0] = np.stack([w, w * np.float32(0.7) + np.float32(0.05)], axis=-1).reshape(
            2 * w.shape[0], w.shape[1]
        )
        biases[0] = np.stack([b, -b], axis=-1).ravel()
    info = fitted.datainfo
    if not normalized:
        info = dataclasses.replace(info, norm_mul=None, norm_sub=None, transform="NONE")
    fitted = dataclasses.replace(fitted, spec=spec, weights=weights, biases=biases, datainfo=info)
    assert spec.check_shapes(weights, biases) is None
    object.__setattr__(model, "_fitted", fitted)
    _assert_exports(model, tmp_path)


@pytest.mark.parametrize("opset", [13, DEFAULT_OPSET, 21])
def test_opsets(opset, tmp_path):
    model = tabdl.import_mojo(H2O / "A3_mult" / "model.zip")
    session = _export(model._fitted, tmp_path, opset=opset)
    graph = onnx.load(str(tmp_path / "model.onnx"))
    assert {o.domain: o.version for o in graph.opset_import}[""] == opset
    _assert_same(session, model, FRAMES["test"], USER_TOLERANCE, f"opset {opset}")


def test_metadata_names_the_classes_and_columns():
    model = onnx.load_from_string(
        to_onnx(tabdl.import_mojo(H2O / "A2_bin" / "model.zip")._fitted).SerializeToString()
    )
    props = {p.key: p.value for p in model.metadata_props}
    assert props["category"] == "Binomial"
    assert props["classes"] == '["no", "yes"]'
    assert sorted(i.name for i in model.graph.input) == sorted(PREDICTORS)
    assert model.producer_name == "tabdl"


def test_overwrites_atomically_and_keeps_the_old_file_on_failure(tmp_path, monkeypatch):
    fitted = tabdl.import_mojo(H2O / "A1_reg" / "model.zip")._fitted
    target = tmp_path / "model.onnx"
    target.write_bytes(b"old")
    write_onnx(fitted, str(target))
    assert onnx.load(str(target)).graph.output[0].name == "predict"
    target.write_bytes(b"old")

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(tabdl.DataError, match="disk full"):
        write_onnx(fitted, target)
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["model.onnx"]


@pytest.mark.parametrize("opset", [12, 10_000, "17"])
def test_refuses_a_bad_opset(opset, tmp_path):
    fitted = tabdl.import_mojo(H2O / "A1_reg" / "model.zip")._fitted
    with pytest.raises(OnnxExportError, match="opset"):
        write_onnx(fitted, tmp_path / "model.onnx", opset=opset)
    assert os.listdir(tmp_path) == []


def _with_datainfo(fitted, **changes):
    return dataclasses.replace(fitted, datainfo=dataclasses.replace(fitted.datainfo, **changes))


def test_refuses_what_the_graph_cannot_express():
    fitted = tabdl.import_mojo(H2O / "A1_reg" / "model.zip")._fitted
    info = fitted.datainfo
    empty_level = (("", *info.domains[0][1:]), *info.domains[1:])
    with pytest.raises(OnnxExportError, match=f"column {info.cat_names[0]!r} .* empty string"):
        to_onnx(_with_datainfo(fitted, domains=empty_level))
    with pytest.raises(OnnxExportError, match=r"\['predict'\] cannot be.*rename the column"):
        to_onnx(_with_datainfo(fitted, num_names=("predict", *info.num_names[1:])))
    with pytest.raises(OnnxExportError, match="distribution 'bogus'"):
        to_onnx(dataclasses.replace(fitted, distribution="bogus"))
    spec = dataclasses.replace(fitted.spec, activation="Softplus")
    with pytest.raises(OnnxExportError, match="activation 'Softplus'"):
        to_onnx(dataclasses.replace(fitted, spec=spec))
    with pytest.raises(OnnxExportError, match="weight layer 0 has shape"):
        to_onnx(dataclasses.replace(fitted, weights=[w[:-1] for w in fitted.weights]))


def test_missing_onnx_package_says_how_to_install(monkeypatch):
    fitted = tabdl.import_mojo(H2O / "A1_reg" / "model.zip")._fitted
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ImportError, match=r"pip install 'tabdl\[onnx\]'"):
        to_onnx(fitted)
