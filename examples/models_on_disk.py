"""Models on disk: tabdl's file, checkpoint restarts, H2O MOJO export and ONNX export, checked.

For a regression, a binomial, a multinomial and an imported H2O autoencoder:

* ``model.save`` / ``tabdl.load_model`` give the same predictions;
* ``model.download_mojo`` is scored by H2O's own runtime (genmodel's ``PredictCsv``, from the jar of
  ``pip install h2o==3.46.0.11``; skipped without Java) as ``model.predict`` scores;
* ``model.save_onnx`` is scored by onnxruntime as ``model.predict`` scores;

then 4 epochs and a restart to 8 are compared with a straight run of 8 epochs, and a damaged file is
loaded to show its error.

    python examples/models_on_disk.py
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

import tabdl
from tabdl import datasets

TRAIN, TEST = datasets.path("synthetic_train.csv"), datasets.path("synthetic_test.csv")
X = ["x1", "x2", "x3", "c1", "c2", "c3"]
FOLDER = Path(tempfile.mkdtemp(prefix="tabdl_models_"))


def relative_gap(ours: np.ndarray, theirs: np.ndarray) -> float:
    return float(np.max(np.abs(ours - theirs) / np.maximum(1.0, np.abs(theirs))))


def numeric(frame: pd.DataFrame) -> np.ndarray:
    return frame.select_dtypes("number").to_numpy(float)


def genmodel(mojo: str, frame: pd.DataFrame) -> pd.DataFrame | None:
    java = shutil.which("java")
    try:
        import h2o
    except ImportError:
        return None
    jar = Path(h2o.__file__).parent / "backend" / "bin" / "h2o.jar"
    if java is None or not jar.is_file():
        return None
    source, output = FOLDER / "in.csv", FOLDER / "out.csv"
    frame.to_csv(source, index=False)
    command = [java, "-cp", str(jar), "hex.genmodel.tools.PredictCsv", "--mojo", mojo,
               "--input", str(source), "--output", str(output), "--decimal"]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True)
    return pd.read_csv(output)


def onnx_predictions(path: str, model: tabdl.DeepLearningEstimator, frame: pd.DataFrame):
    import onnxruntime

    session = onnxruntime.InferenceSession(path)
    feeds = {}
    for given in session.get_inputs():
        column = frame[given.name]
        if given.type == "tensor(string)":
            feeds[given.name] = column.fillna("").astype(str).to_numpy(object).reshape(-1, 1)
        else:
            feeds[given.name] = column.to_numpy(np.float32).reshape(-1, 1)
    outputs = {
        o.name: v for o, v in zip(session.get_outputs(), session.run(None, feeds), strict=True)
    }
    return outputs.get("probabilities", outputs["predict"])


def check(name: str, model: tabdl.DeepLearningEstimator, frame: pd.DataFrame) -> None:
    ours = model.predict(frame)
    loaded = tabdl.load_model(model.save(FOLDER / f"{name}.tabdl"))
    same = loaded.predict(frame).equals(ours)
    mojo = model.download_mojo(FOLDER / f"{name}.zip")
    theirs = genmodel(mojo, frame)
    java = (
        "skipped (no Java)"
        if theirs is None
        else f"{relative_gap(numeric(ours), numeric(theirs)):.2e}"
    )
    onnx = onnx_predictions(model.save_onnx(FOLDER / f"{name}.onnx"), model, frame)
    classifier = model._fitted.category in ("Binomial", "Multinomial")
    reference = ours.drop(columns=["predict"]) if classifier else ours
    gap = relative_gap(np.asarray(onnx, float).reshape(len(frame), -1), numeric(reference))
    print(f"{name:<14} load equal: {same}   genmodel gap: {java:<18} onnxruntime gap: {gap:.2e}")


def main() -> None:
    test = pd.read_csv(TEST)
    common = dict(hidden=[16, 8], epochs=5, seed=1, reproducible=True, quiet_mode=True)
    for name, y in (("regression", "y"), ("binomial", "yb"), ("multinomial", "cls")):
        model = tabdl.DeepLearningEstimator(**common)
        model.train(x=X, y=y, training_frame=TRAIN, categorical_columns=[y] if y != "y" else None)
        check(name, model, test)
    check("autoencoder", tabdl.import_mojo(datasets.path("autoencoder_mojo.zip")), test)

    exact = dict(common, overwrite_with_best_model=False, stopping_rounds=0,
                 classification_stop=-1, regression_stop=-1)  # fmt: skip
    straight = tabdl.DeepLearningEstimator(**{**exact, "epochs": 8}).train(
        x=X, y="y", training_frame=TRAIN
    )
    first = tabdl.DeepLearningEstimator(**{**exact, "epochs": 4}).train(
        x=X, y="y", training_frame=TRAIN
    )
    path = first.save(FOLDER / "four_epochs.tabdl")
    resumed = tabdl.DeepLearningEstimator(**{**exact, "epochs": 8, "checkpoint": path}).train(
        x=X, y="y", training_frame=TRAIN
    )
    equal = all(
        np.array_equal(a, b)
        for a, b in zip(straight._fitted.weights + straight._fitted.biases,
                        resumed._fitted.weights + resumed._fitted.biases, strict=True)
    )  # fmt: skip
    print(f"\n4 epochs + restart to 8 equals 8 epochs bit for bit: {equal} "
          f"({resumed.iterations} iterations, {resumed.samples} samples)")  # fmt: skip

    damaged = FOLDER / "damaged.tabdl"
    damaged.write_bytes(Path(path).read_bytes()[:1000])
    try:
        tabdl.load_model(damaged)
    except tabdl.DataError as error:
        print(f"a damaged file: DataError: {error}")


if __name__ == "__main__":
    main()
