"""tabdl's model file, checkpoint restarts, export_checkpoints_dir and the model registry."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pandas as pd
import pytest

import tabdl
from tabdl.io import native

from conftest import DATA, read_h2o_parsed

X = ["x1", "x2", "c1"]
#: The conditions under which a restart equals a straight run (issue 5).
EXACT = dict(
    hidden=[4],
    seed=5,
    reproducible=True,
    quiet_mode=True,
    overwrite_with_best_model=False,
    stopping_rounds=0,
    classification_stop=-1,
    regression_stop=-1,
)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return read_h2o_parsed(DATA / "h2o_train" / "trainC_h2o_parsed.csv", {"c1": str, "yc": str})


def _train(frame, y="y", **params) -> tabdl.DeepLearningEstimator:
    return tabdl.DeepLearningEstimator(**{**EXACT, **params}).train(x=X, y=y, training_frame=frame)


def _assert_same_network(a, b) -> None:
    ours, theirs = a._fitted, b._fitted
    for one, two in zip(ours.weights + ours.biases, theirs.weights + theirs.biases, strict=True):
        assert np.array_equal(one, two)


def test_save_and_load_give_the_same_model(frame, tmp_path):
    def always_one(actual, predicted, weights):
        return 1.0

    model = tabdl.DeepLearningEstimator(
        hidden=[3], epochs=3, seed=1, reproducible=True, quiet_mode=True,
        custom_metric_func=always_one,
    ).train(x=X, y="yc", training_frame=frame, validation_frame=frame)  # fmt: skip
    path = model.save(tmp_path / "model.tabdl")
    loaded = tabdl.load_model(path)
    _assert_same_network(model, loaded)
    pd.testing.assert_frame_equal(model.predict(frame), loaded.predict(frame))
    pd.testing.assert_frame_equal(model.scoring_history(), loaded.scoring_history())
    assert (
        loaded.model_performance(valid=True).logloss()
        == model.model_performance(valid=True).logloss()
    )
    assert loaded.varimp() == model.varimp()
    pd.testing.assert_frame_equal(model.summary(), loaded.summary())
    assert loaded.actual_params["hidden"] == [3] and loaded.actual_params["seed"] == 1
    assert loaded.actual_params["custom_metric_func"] is None
    assert "could not store: custom_metric_func" in repr(loaded)
    assert (loaded.iterations, loaded.samples) == (model.iterations, model.samples)


def test_an_imported_mojo_saves_and_loads(tmp_path):
    model = tabdl.import_mojo(DATA / "h2o" / "A3_mult" / "model.zip")
    loaded = tabdl.load_model(model.save(tmp_path / "mojo.tabdl"))
    test = DATA / "h2o" / "test.csv"
    pd.testing.assert_frame_equal(model.predict(test), loaded.predict(test))
    assert loaded.varimp() == model.varimp()
    pd.testing.assert_frame_equal(model.scoring_history(), loaded.scoring_history())


def test_bad_files_give_clear_errors(frame, tmp_path):
    good = _train(frame, epochs=1).save(tmp_path / "good.tabdl")
    truncated = tmp_path / "truncated.tabdl"
    truncated.write_bytes((tmp_path / "good.tabdl").read_bytes()[:300])
    with pytest.raises(
        tabdl.DataError, match="not a readable tabdl model file .truncated or corrupted"
    ):
        tabdl.load_model(truncated)
    with pytest.raises(tabdl.DataError, match="for an H2O MOJO use tabdl.import_mojo"):
        tabdl.load_model(DATA / "h2o" / "A1_reg" / "model.zip")
    with pytest.raises(tabdl.DataError, match="no model file"):
        tabdl.load_model(tmp_path / "missing.tabdl")
    future = tmp_path / "future.tabdl"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(future, "w") as target:
        doc = json.loads(source.read(native.JSON_ENTRY))
        target.writestr(native.JSON_ENTRY, json.dumps({**doc, "version": native.VERSION + 1}))
        target.writestr(native.ARRAYS_ENTRY, source.read(native.ARRAYS_ENTRY))
    with pytest.raises(tabdl.DataError, match="written by a newer tabdl"):
        tabdl.load_model(future)
    corrupted = tmp_path / "corrupted.tabdl"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(corrupted, "w") as target:
        target.writestr(native.JSON_ENTRY, source.read(native.JSON_ENTRY))
        target.writestr(native.ARRAYS_ENTRY, b"\x00" * 40)
    with pytest.raises(tabdl.DataError, match="arrays of the model file are corrupted"):
        tabdl.load_model(corrupted)


def test_a_failed_write_keeps_the_old_file(frame, tmp_path, monkeypatch):
    model = _train(frame, epochs=1)
    path = tmp_path / "model.tabdl"
    model.save(path)
    before = path.read_bytes()

    def fail(arrays):
        raise OSError("disk full")

    monkeypatch.setattr(native, "save_tensors", fail)
    with pytest.raises(tabdl.DataError, match="disk full"):
        model.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.tabdl"]  # no temporary file left
    with pytest.raises(tabdl.DataError, match="does not exist"):
        model.save(tmp_path / "no" / "such" / "folder.tabdl")


@pytest.mark.parametrize("form", ["model", "path", "model_id"])
def test_four_epochs_then_a_restart_to_eight_equals_eight_epochs_bit_for_bit(frame, tmp_path, form):
    straight = _train(frame, epochs=8)
    first = _train(frame, epochs=4)
    reference = {"model": first, "path": first.save(tmp_path / "first.tabdl"),
                 "model_id": first.model_id}[form]  # fmt: skip
    resumed = _train(frame, epochs=8, checkpoint=reference)
    _assert_same_network(straight, resumed)
    assert (resumed.iterations, resumed.samples) == (straight.iterations, straight.samples)
    ours, theirs = resumed.scoring_history(), straight.scoring_history()
    columns = ["epochs", "iterations", "samples", "training_rmse", "training_deviance"]
    pd.testing.assert_frame_equal(ours[columns], theirs[columns])
    _assert_same_network(first, _train(frame, epochs=4))  # the checkpoint itself is unchanged


def test_restarts_keep_h2os_rules(frame, tmp_path):
    first = _train(frame, epochs=2)
    with pytest.raises(
        tabdl.ParameterError, match="cannot change activation .*'Rectifier' -> 'Tanh'"
    ):
        _train(frame, epochs=4, checkpoint=first, activation="Tanh")
    with pytest.raises(
        tabdl.ParameterError, match="must exceed the epochs the checkpoint has trained"
    ):
        _train(frame, epochs=2, checkpoint=first)
    with pytest.raises(tabdl.DataError, match="trained without a validation frame"):
        tabdl.DeepLearningEstimator(**{**EXACT, "epochs": 4, "checkpoint": first}).train(
            x=X, y="y", training_frame=frame, validation_frame=frame
        )
    with pytest.raises(tabdl.DataError, match="columns or categorical levels differ"):
        _train(frame.assign(c1=frame["c1"].fillna("new")), epochs=4, checkpoint=first)
    mojo = tabdl.import_mojo(DATA / "h2o" / "A1_reg" / "model.zip")
    with pytest.raises(tabdl.DataError, match="must be a model trained by tabdl"):
        _train(frame, epochs=4, checkpoint=mojo)
    with pytest.raises(tabdl.DataError, match="no model with id 'nope'"):
        _train(frame, epochs=4, checkpoint="nope")
    # what may change does: a new l2 and stopping rule are taken
    resumed = _train(frame, epochs=4, checkpoint=first, l2=1e-3, hidden=[4])
    assert resumed.actual_params["l2"] == 1e-3 and resumed.epoch_counter == 4


def test_export_checkpoints_dir_writes_a_model_at_every_scoring(frame, tmp_path):
    folder = tmp_path / "checkpoints"
    model = _train(frame, epochs=3, export_checkpoints_dir=str(folder), model_id="exported")
    written = tabdl.load_model(folder / "exported.tabdl")
    _assert_same_network(model, written)
    pd.testing.assert_frame_equal(model.scoring_history(), written.scoring_history())
    resumed = _train(frame, epochs=5, checkpoint=folder / "exported.tabdl")
    assert resumed.epoch_counter == 5


def test_the_registry_finds_lists_and_removes_models(frame):
    model = _train(frame, epochs=1, model_id="registered_model")
    assert tabdl.get_model("registered_model") is model
    assert "registered_model" in tabdl.ls()["key"].tolist()
    tabdl.remove("registered_model")
    with pytest.raises(tabdl.DataError, match="no model with id"):
        tabdl.get_model("registered_model")


def test_save_onnx_serves_the_model_with_onnxruntime(frame, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    model = _train(frame, y="yc", epochs=2)
    session = ort.InferenceSession(model.save_onnx(tmp_path / "model.onnx"))
    feeds = {
        "x1": frame[["x1"]].to_numpy(np.float32),
        "x2": frame[["x2"]].to_numpy(np.float32),
        "c1": frame[["c1"]].fillna("").to_numpy(object),
    }
    labels, probabilities = session.run(["predict", "probabilities"], feeds)
    expected = model.predict(frame)
    np.testing.assert_allclose(probabilities, expected.iloc[:, 1:].to_numpy(), rtol=1e-5, atol=1e-5)
    assert (labels == expected["predict"].astype(str).to_numpy()).mean() > 0.95


def test_save_mojo_writes_a_mojo_that_imports_back(frame, tmp_path):
    model = _train(frame, y="yc", epochs=2, model_id="to_mojo")
    path = model.save_mojo(tmp_path)
    assert path.endswith("to_mojo.zip")
    back = tabdl.import_mojo(path)
    pd.testing.assert_frame_equal(back.predict(frame), model.predict(frame))
    with pytest.raises(tabdl.DataError, match="exists; pass force=True"):
        model.save_mojo(tmp_path)
    assert model.save_mojo(tmp_path, force=True) == path
    offset = _train(frame.assign(off=0.5), epochs=1, offset_column="off")
    with pytest.raises(tabdl.DataError, match="offset"):
        offset.download_mojo(tmp_path / "offset.zip")


def _rewrite(source, target, change_doc=None, change_arrays=None):
    """Copy a model file, changing its JSON document and/or arrays (a hand-edited file)."""
    from safetensors.numpy import load, save

    with zipfile.ZipFile(source) as z:
        doc, arrays = json.loads(z.read(native.JSON_ENTRY)), load(z.read(native.ARRAYS_ENTRY))
    doc = change_doc(doc) if change_doc else doc
    arrays = change_arrays(arrays) if change_arrays else arrays
    with zipfile.ZipFile(target, "w") as z:
        z.writestr(native.JSON_ENTRY, json.dumps(doc))
        z.writestr(native.ARRAYS_ENTRY, save(arrays))
    return target


@pytest.mark.parametrize(
    ("name", "change_doc", "change_arrays", "message"),
    [
        ("list", lambda d: [d], None, "not a tabdl model file"),
        ("datainfo", lambda d: {**d, "datainfo": []}, None, "inconsistent"),
        ("norm_mul", lambda d: {**d, "datainfo": {**d["datainfo"], "norm_mul": [1.0]}}, None,
         "norm_mul has 1 values for 2 numeric columns"),
        ("activation", lambda d: {**d, "spec": {**d["spec"], "activation": "Foo"}}, None,
         "unknown activation 'Foo'"),
        ("category", lambda d: {**d, "category": "Binomial"}, None, "cannot have 1 outputs"),
        ("version", lambda d: {**d, "version": True}, None, "newer tabdl"),
        ("ada", None, lambda a: {**a, "ada_weights": a["ada_weights"][:3]}, "ada_weights has"),
        ("offsets", None, lambda a: {**a, "weight_offsets": a["weight_offsets"] + 1},
         "weight_offsets do not fit"),
        ("counters", lambda d: {**d, "result": {**d["result"], "training_rows": 0}}, None,
         "training counters are impossible"),
    ],
)  # fmt: skip
def test_edited_files_are_refused_with_a_clear_error(
    frame, tmp_path, name, change_doc, change_arrays, message
):
    good = _train(frame, epochs=1).save(tmp_path / "good.tabdl")
    edited = _rewrite(good, tmp_path / f"{name}.tabdl", change_doc, change_arrays)
    with pytest.raises(tabdl.DataError, match=message):
        tabdl.load_model(edited)


def test_exported_checkpoints_carry_the_label_threshold_and_resume_from_the_first(frame, tmp_path):
    data = frame.assign(yb=(frame["y"] > frame["y"].median()).astype(str))
    folder = tmp_path / "checkpoints"
    params = {**EXACT, "epochs": 3, "export_checkpoints_dir": str(folder)}
    model = tabdl.DeepLearningEstimator(**params).train(
        x=X, y="yb", training_frame=data, model_id="labels"
    )
    written = tabdl.load_model(folder / "labels.tabdl")
    assert written._fitted.default_threshold == model._fitted.default_threshold != 0.5
    pd.testing.assert_frame_equal(written.predict(data), model.predict(data))
    seen = []
    first = tabdl.DeepLearningEstimator(**{**params, "epochs": 1}).train(
        x=X, y="y", training_frame=frame, model_id="early"
    )
    seen.append(tabdl.load_model(folder / "early.tabdl").iterations)
    assert seen == [first.iterations] == [1]
    assert _train(frame, epochs=2, checkpoint=folder / "early.tabdl").epoch_counter == 2


def test_model_ids_rename_on_retrain_and_loading_warns_before_replacing(frame, tmp_path):
    model = tabdl.DeepLearningEstimator(**{**EXACT, "epochs": 1, "model_id": "first_name"})
    model.train(x=X, y="y", training_frame=frame)
    model.model_id = "second_name"
    model.train(x=X, y="y", training_frame=frame)
    assert model.model_id == "second_name" and tabdl.get_model("second_name") is model
    auto = _train(frame, epochs=1)
    assert auto.model_id.startswith("DeepLearning_model_") and auto.model_id.count("_") == 3
    path = model.save(tmp_path / "copy.tabdl")
    other = _train(frame, epochs=1, model_id="second_name")
    with pytest.warns(UserWarning, match="now names the loaded model"):
        loaded = tabdl.load_model(path)
    assert tabdl.get_model("second_name") is loaded is not other
    assert loaded.params["epochs"]["input"] == 1 and loaded.params["rho"]["input"] is None


def test_restarts_refuse_new_special_columns_and_changed_train_keywords(frame):
    first = _train(frame, epochs=1)
    with pytest.raises(tabdl.DataError, match="offset column None, this restart has 'off'"):
        _train(frame.assign(off=0.1), epochs=2, checkpoint=first, offset_column="off")
    with pytest.raises((tabdl.DataError, tabdl.ParameterError), match="ignored_columns|columns"):
        tabdl.DeepLearningEstimator(**{**EXACT, "epochs": 2, "checkpoint": first}).train(
            x=None, y="y", training_frame=frame[X + ["y"]], ignored_columns=["x2"]
        )
    untrained = tabdl.DeepLearningEstimator()
    with pytest.raises(tabdl.DataError, match="has not been trained"):
        _train(frame, epochs=2, checkpoint=untrained)


def test_a_restart_reports_the_speed_of_its_own_samples(frame):
    first = _train(frame, epochs=4)
    resumed = _train(frame, epochs=5, checkpoint=first)
    speeds = resumed.scoring_history()["training_speed"].dropna()
    ours = float(speeds.iloc[-1].split()[0])
    assert ours < 20 * float(speeds.iloc[-2].split()[0])


def test_a_mojo_with_unreadable_h2o_details_still_imports(tmp_path):
    source = DATA / "h2o" / "A1_reg" / "model.zip"
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(source) as z, zipfile.ZipFile(broken, "w") as out:
        for name in z.namelist():
            data = b"[1, 2]" if name == "experimental/modelDetails.json" else z.read(name)
            out.writestr(name, data)
    with pytest.warns(UserWarning, match="cannot be read"):
        model = tabdl.import_mojo(broken)
    test = DATA / "h2o" / "test.csv"
    pd.testing.assert_frame_equal(model.predict(test), tabdl.import_mojo(source).predict(test))
