"""The command line: demo, train, predict, evaluate, export, summary and grid, and its errors."""

from __future__ import annotations

import io
import subprocess
import sys
import types

import numpy as np
import pandas as pd
import pytest

import tabdl
from tabdl import datasets
from tabdl.cli import main

from conftest import H2O

#: The tests load the same model files more than once in one process; tabdl says so, rightly.
pytestmark = pytest.mark.filterwarnings("ignore:model id .* now names the loaded model")

TRAIN, TEST = datasets.path("synthetic_train.csv"), datasets.path("synthetic_test.csv")
#: A small reproducible model, in Python and as command-line options.
PARAMS = dict(
    hidden=[5, 3], epochs=2.0, seed=7, reproducible=True, activation="Tanh", standardize=False
)
OPTIONS = ["--hidden", "5,3", "--epochs=2", "--seed", "7", "--reproducible", "--activation", "tanh",
           "--standardize", "false"]  # fmt: skip
X = "x1,x2,x3,c1,c2"


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_demo_trains_a_model_and_matches_h2o_on_the_bundled_mojos(capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "Model Key: demo" in out and "Scoring History" in out and "test RMSE" in out
    assert out.count("max |tabdl - H2O-3| = ") == 2
    for line in out.splitlines():
        if line.startswith("max |tabdl - H2O-3| = "):
            assert float(line.split("= ")[1].split(",")[0]) < 1e-9


def test_predict_with_an_h2o_mojo_writes_h2os_predictions(tmp_path, capsys):
    target = tmp_path / "pred.csv"
    status, out, err = _run(capsys, "predict", H2O / "A2_bin" / "model.zip", TEST, "-o", target)
    assert status == 0 and out == "" and "wrote 120 predictions" in err
    ours, h2o = pd.read_csv(target), pd.read_csv(H2O / "A2_bin" / "h2o_pred.csv")
    assert list(ours.columns) == ["predict", "no", "yes"]
    np.testing.assert_allclose(ours[["no", "yes"]], h2o[["no", "yes"]], rtol=0, atol=1e-12)


def test_predict_in_float32_stays_within_float32_of_h2o(tmp_path, capsys):
    target = tmp_path / "pred32.csv"
    run = ("predict", H2O / "A2_bin" / "model.zip", TEST, "-o", target, "--precision", "float32")
    status, _, _ = _run(capsys, *run)
    assert status == 0
    ours, h2o = pd.read_csv(target), pd.read_csv(H2O / "A2_bin" / "h2o_pred.csv")
    np.testing.assert_allclose(ours[["no", "yes"]], h2o[["no", "yes"]], rtol=0, atol=1e-5)
    assert not np.allclose(ours[["no", "yes"]], h2o[["no", "yes"]], rtol=0, atol=1e-12)


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple:
    """A model trained by ``tabdl train``, and the same model trained in Python."""
    path = tmp_path_factory.mktemp("cli") / "m.tabdl"
    assert main(["train", TRAIN, "--y", "cls", "--x", X, "--out", str(path), *OPTIONS]) == 0
    model = tabdl.DeepLearningEstimator(**PARAMS)
    model.train(x=X.split(","), y="cls", training_frame=TRAIN)
    return path, model


def test_train_parses_each_parameter_by_its_type_and_saves_the_model(trained):
    path, python = trained
    model = tabdl.load_model(path)
    for name, value in PARAMS.items():
        actual = model.actual_params[name]
        assert (list(actual) if name == "hidden" else actual) == value, name
    pd.testing.assert_frame_equal(model.predict(TEST), python.predict(TEST))


def test_predict_evaluate_and_summary_of_a_tabdl_model(trained, capsys):
    path, python = trained
    status, out, _ = _run(capsys, "predict", path, TEST)
    assert status == 0
    ours, theirs = pd.read_csv(io.StringIO(out)), python.predict(TEST)
    assert (ours["predict"] == theirs["predict"].astype(str)).all()
    np.testing.assert_array_equal(ours.iloc[:, 1:], theirs.iloc[:, 1:])  # CSV keeps 17 digits
    status, out, _ = _run(capsys, "evaluate", path, TEST)
    assert status == 0 and out == f"{python.model_performance(TEST)}\n"
    assert "ModelMetricsMultinomial" in out and "Reported on test data" in out
    status, out, _ = _run(capsys, "summary", path)
    assert status == 0 and "Status of Neuron Layers" in out and python.model_id not in out


def test_export_writes_a_mojo_that_predicts_as_the_model(trained, tmp_path, capsys):
    path, python = trained
    status, out, _ = _run(capsys, "export", path, "--mojo", tmp_path / "m.zip")
    assert status == 0 and out.strip() == str(tmp_path / "m.zip")
    status, out, _ = _run(capsys, "predict", tmp_path / "m.zip", TEST)
    ours = pd.read_csv(io.StringIO(out))
    np.testing.assert_allclose(ours.iloc[:, 1:], python.predict(TEST).iloc[:, 1:], atol=1e-6)


def test_export_writes_an_onnx_graph(trained, tmp_path, capsys):
    pytest.importorskip("onnx")
    status, out, _ = _run(capsys, "export", trained[0], "--onnx", tmp_path / "m.onnx")
    assert status == 0 and (tmp_path / "m.onnx").stat().st_size > 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "nope.csv", "--y", "y"], "no such file: 'nope.csv'"),
        (
            ["train", TRAIN, "--y", "y", "--hiden", "3"],
            "unknown parameter --hiden; did you mean --hidden?",
        ),
        (["train", TRAIN, "--y", "y", "--stopping-metrc", "AUC"], "did you mean --stopping-metric"),
        (["train", TRAIN, "--y", "y", "--epochs", "ten"], "--epochs takes a number; got 'ten'"),
        (["train", TRAIN, "--y", "y", "--epochs", "-1"], "epochs must be a number >= 0"),
        (["train", TRAIN, "--y", "y", "--reproducible=maybe"], "takes true or false"),
        (["train", TRAIN, "--y", "why", "--epochs", "1"], "'why' is not in the frame"),
        (["train", TRAIN, "--y", "y", "--x", "x1,nope"], "'nope' is not in the frame"),
        (["train", TRAIN, "--y", "y", "--training-frame", "a.csv"], "set by DATA"),
        (["train", TRAIN, "--y", "y", "--custom-metric-func", "f"], "use the Python API"),
        (["train", TRAIN, "--y", "y", "--categorical", "nope"], "--categorical names nope"),
        (["train", TRAIN, "--epochs", "1"], "required: --y"),
        (["train", TRAIN, "--y", "y", "--out", "/no/such/folder/m.tabdl"], "does not exist"),
        (["predict", "nope.tabdl", TEST], "no such model file"),
        (["predict", TEST, TEST], "neither a tabdl model file"),
        (["export", H2O / "A2_bin" / "model.zip"], "one of the arguments --mojo --onnx"),
        (["grid", TRAIN, "--y", "y", "--hyper", "hidden"], "NAME=V1;V2"),
        (["grid", TRAIN, "--y", "y", "--hyper", "hiden=3;4"], "did you mean --hidden?"),
    ],
)
def test_bad_input_is_one_line_and_status_2(argv, message, capsys):
    status, out, err = _run(capsys, *argv)
    assert status == 2 and out == ""
    last = err.strip().splitlines()[-1]
    assert last.startswith("tabdl: error: ") and message in last
    assert "Traceback" not in err


def test_numeric_columns_given_as_categorical_make_a_classifier(tmp_path, capsys):
    path = tmp_path / "m.tabdl"
    status, _, _ = _run(capsys, "train", TRAIN, "--y", "cnt", "--x", "x1,x2", "--categorical",
                        "cnt", "--epochs", "1", "--hidden", "3", "--out", path)  # fmt: skip
    assert status == 0
    model = tabdl.load_model(path)
    levels = sorted(pd.read_csv(TRAIN)["cnt"].dropna().unique())
    assert list(model.predict(TEST).columns[1:]) == [f"p{v}" for v in levels]  # as H2O names them


def test_python_dash_m_tabdl_runs_the_command_line():
    done = subprocess.run(
        [sys.executable, "-m", "tabdl", "train", "nope.csv", "--y", "y"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == "tabdl: error: no such file: 'nope.csv'\n"
    helped = subprocess.run([sys.executable, "-m", "tabdl", "train", "--help"],
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert helped.returncode == 0 and "--hidden 200,200" in helped.stdout


# -- grid --------------------------------------------------------------------------------------------


class _Board:
    def __init__(self, models):
        self.models = models

    def __str__(self):
        return "\n".join(m.model_id for m in self.models)


class _StubSearch:
    """Stands in for tabdl.grid.GridSearch: records what the command asks of it."""

    calls: list = []

    def __init__(self, model, hyper_params, search_criteria):
        _StubSearch.calls.append((model.params, hyper_params, search_criteria))

    def train(self, **frames):
        _StubSearch.calls.append(frames)

    def get_grid(self, sort_by=None, decreasing=None):
        models = [types.SimpleNamespace(model_id=f"m{i}") for i in range(2)]
        for m in models:
            m.save = lambda path, m=m: open(path, "w").write(m.model_id)  # noqa: SIM115
        return _Board(models)


def test_grid_passes_parsed_hyper_parameters_and_saves_the_leaderboards_models(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.setitem(sys.modules, "tabdl.grid", types.SimpleNamespace(GridSearch=_StubSearch))
    _StubSearch.calls = []
    status, out, _ = _run(
        capsys, "grid", TRAIN, "--y", "y", "--hyper", "hidden=10,10;20", "--hyper",
        "activation=Tanh;Rectifier", "--hyper", "l1=0;1e-4", "--strategy", "RandomDiscrete",
        "--max-models", "3", "--search-seed", "5", "--epochs", "2", "--out", tmp_path / "g",
    )  # fmt: skip
    assert status == 0 and out == "m0\nm1\n"
    (params, hyper, criteria), frames = _StubSearch.calls
    assert params["epochs"]["input"] == 2
    assert hyper == {
        "hidden": [[10, 10], [20]],
        "activation": ["Tanh", "Rectifier"],
        "l1": [0, 1e-4],
    }
    assert criteria == {"strategy": "RandomDiscrete", "max_models": 3, "seed": 5}
    assert frames["y"] == "y" and frames["training_frame"] == TRAIN
    assert sorted(p.name for p in (tmp_path / "g").iterdir()) == ["m0.tabdl", "m1.tabdl"]


def test_grid_trains_and_saves_every_model(tmp_path, capsys):
    status, out, _ = _run(
        capsys, "grid", TRAIN, "--y", "y", "--x", X, "--hyper", "hidden=3;5", "--hyper",
        "epochs=1;2", "--seed", "1", "--reproducible", "--out", tmp_path,
    )  # fmt: skip
    assert status == 0
    saved = sorted(tmp_path.glob("*.tabdl"))
    assert len(saved) == 4
    for path in saved:
        model = tabdl.load_model(path)
        assert model.model_id in out
