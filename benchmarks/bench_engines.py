"""The engine benchmark: every tabdl engine beside H2O-3 and scikit-learn, same data, same network.

One command runs, for each data set, H2O-3 3.46.0.11's Deep Learning (its defaults, every core),
tabdl's online engine (defaults), tabdl's batch engine at ``mini_batch_size`` 32, 256 and 1024
(ADADELTA, H2O's defaults) and at 256 with ``optimizer="adam"`` (tabdl's default ``rate``,
0.005, with H2O's ``rate_annealing``), and scikit-learn's ``MLPClassifier``/``MLPRegressor``
(adam, batch 200), all with two hidden Rectifier layers of 200 units and the same epochs, and
prints one table:

* samples per second of training, and that as a share of this machine's matrix-multiply limit,
  measured by the same worker right after its runs (fp32 GEMM rate / (6 FLOP per weight per
  sample)): the machine's speed drifts by a third over a run, and each share is read against the
  limit of its own moment;
* wall time of training (each system's default scoring schedule included), and wall time until
  the test metric first reached H2O's final test metric (a second tabdl run, and scikit-learn, are
  scored on the test set after every epoch for this; scoring time is excluded for scikit-learn and
  included for tabdl, whose history records it);
* the final test metric (logloss and accuracy for classification, RMSE for regression);
* peak memory above a baseline taken after import, data load and the warm-up, against the
  float32 size of the encoded training data plus the model. For tabdl the peak is that of the
  timed ``train()`` alone (the kernel's high-water mark is reset before it); for the others, of
  the whole worker.

Each engine runs in a fresh process (so memory peaks are its own), and first trains once on 1,000
rows (``warm_up``: what a process pays once, such as loading compiled kernels or the JVM's
compilation, is reported in its own column and kept out of the timed run). Then scoring: rows per
second of ``predict`` on 1,000,000 rows with a 50-200-200-2 network, and the latency of
predicting one row, in float64 (H2O's arithmetic) and float32 (``predict(precision="float32")``);
``--scoring-only`` prints only these.

Data (``--data-dir``, default ``../shared/data``): a 100,000 x 50 synthetic binary problem (the
generator of ``bench_training.py``, 20,000 test rows), ``fashion_mnist.parquet`` (the official
60k/10k split), ``letter.csv`` (26 classes), ``california_housing.csv`` and ``diamonds.csv``
(regression; diamonds has categoricals), the last three split 80/20 with a fixed seed.

Usage::

    python benchmarks/bench_engines.py                      # everything (about 15 minutes)
    python benchmarks/bench_engines.py --datasets synthetic --engines tabdl-batch-256,sklearn
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
HIDDEN = [200, 200]
ENGINES = (
    "h2o",
    "tabdl-online",
    "tabdl-batch-32",
    "tabdl-batch-256",
    "tabdl-batch-1024",
    "tabdl-adam-256",
    "sklearn",
)
#: Epochs per data set: H2O's default (10) where H2O trains it in a few minutes at most.
EPOCHS = {"synthetic": 10, "fashion_mnist": 2, "letter": 10, "california": 10, "diamonds": 5}
DATASETS = tuple(EPOCHS)
H2O_PORT = 54870


# -- data ----------------------------------------------------------------------------------------------
def load(name: str, data_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame, str, str]:
    """Return (train, test, response, task) with task "binary", "multiclass" or "regression"."""
    if name == "synthetic":
        sys.path.insert(0, str(HERE))
        from bench_training import make_synthetic

        frame = make_synthetic(120_000)
        frame["y"] = frame["y"].astype(str)
        return frame.iloc[:100_000], frame.iloc[100_000:], "y", "binary"
    if name == "fashion_mnist":
        frame = pd.read_parquet(data_dir / "fashion_mnist.parquet")
        frame["label"] = frame["label"].astype(str)
        return frame.iloc[:60_000], frame.iloc[60_000:], "label", "multiclass"
    file, y, task = {"letter": ("letter.csv", "lettr", "multiclass"),
                     "california": ("california_housing.csv", "MedHouseVal", "regression"),
                     "diamonds": ("diamonds.csv", "price", "regression")}[name]  # fmt: skip
    frame = pd.read_csv(data_dir / file)
    if task != "regression":
        frame[y] = frame[y].astype(str)
    test = frame.sample(frac=0.2, random_state=7)
    return frame.drop(test.index), test, y, task


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _peak_mb() -> float:
    """The process's peak RSS since the last ``_reset_peak`` (Linux: VmHWM), else since its start."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> None:
    """Start the peak RSS afresh (Linux: writing 5 to clear_refs resets VmHWM to the current RSS)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _training_peak(train: callable) -> float:
    """Run ``train()`` and return the peak RSS (MB) while it ran.

    Training alone: not the scoring of the test set, nor the second run that follows it.
    """
    _reset_peak()
    train()
    return _peak_mb()


# -- metrics -------------------------------------------------------------------------------------------
def _metrics(task: str, actual: pd.Series, predicted: pd.DataFrame | np.ndarray, classes) -> dict:
    from sklearn.metrics import accuracy_score, log_loss, mean_squared_error

    if task == "regression":
        values = predicted["predict"] if isinstance(predicted, pd.DataFrame) else predicted
        return {"rmse": float(np.sqrt(mean_squared_error(actual, np.asarray(values, float))))}
    probs = np.asarray(predicted, dtype=float)
    probs = np.clip(probs, 1e-15, 1)
    probs = probs / probs.sum(axis=1, keepdims=True)
    labels = np.asarray(classes)[probs.argmax(axis=1)]
    return {"logloss": float(log_loss(actual, probs, labels=list(classes))),
            "accuracy": float(accuracy_score(actual, labels))}  # fmt: skip


def _target_name(task: str) -> str:
    return "rmse" if task == "regression" else "logloss"


# -- one engine on one data set (runs in its own process) ----------------------------------------------
def _tabdl_params(engine: str, epochs: float) -> dict:
    params = dict(hidden=HIDDEN, activation="Rectifier", epochs=epochs, seed=1, stopping_rounds=0,
                  quiet_mode=True)  # fmt: skip
    if engine.startswith(("tabdl-batch", "tabdl-adam")):
        params["mini_batch_size"] = int(engine.rsplit("-", 1)[1])
    if engine.startswith("tabdl-adam"):
        params["optimizer"] = "adam"
    return params


def warm_up(engine: str, train: pd.DataFrame, y: str) -> float:
    """Train the engine once on the first 1,000 rows and return the seconds that took.

    A process pays some costs once, at its first training: numba's compiled kernels load from
    their cache and torch starts its thread pools (tabdl; about half a second), the JVM compiles
    H2O's code. The timed run comes after, in the same process, for every engine alike (scikit-
    learn's MLP needs none: numpy only), and the memory baseline is taken after it.
    """
    small = train.iloc[:1000]
    started = time.perf_counter()
    if engine.startswith("tabdl"):
        import tabdl

        tabdl.DeepLearningEstimator(**_tabdl_params(engine, 1)).train(y=y, training_frame=small)
    return time.perf_counter() - started


def run_tabdl(engine, train, test, y, task, epochs) -> dict:
    """Two runs: one timed with tabdl's default scoring, one scored on the test set every epoch."""
    import tabdl

    params = _tabdl_params(engine, epochs)
    model = tabdl.DeepLearningEstimator(**params)
    started = time.perf_counter()
    peak = _training_peak(lambda: model.train(y=y, training_frame=train))
    seconds = time.perf_counter() - started
    classes = None if task == "regression" else list(model._fitted.datainfo.response_domain)
    predicted = model.predict(test)
    probs = predicted if task == "regression" else predicted.iloc[:, 1:].to_numpy()
    curve_model = tabdl.DeepLearningEstimator(
        **params, score_each_iteration=True, train_samples_per_iteration=len(train)
    )
    curve_model.train(y=y, training_frame=train, validation_frame=test)
    history = curve_model.scoring_history()
    column = "validation_rmse" if task == "regression" else "validation_logloss"
    durations = pd.to_timedelta(history["duration"]).dt.total_seconds()
    curve = [(float(d), float(v)) for d, v in zip(durations, history[column], strict=True)]
    return {"seconds": seconds, "samples": model.samples, "curve": curve,
            "metrics": _metrics(task, test[y], probs, classes),
            "size_mb": _encoded_mb(model, len(train)), "peak": peak}  # fmt: skip


def _encoded_mb(model, rows: int) -> float:
    spec = model._fitted.spec
    weights = sum(spec.rows(i) * spec.units[i] for i in range(len(spec.units) - 1))
    return (rows * spec.units[0] + weights) * 4 / 2**20


def run_sklearn(train, test, y, task, epochs) -> dict:
    import warnings

    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    x_cols = [c for c in train.columns if c != y]
    cats = [c for c in x_cols if not pd.api.types.is_numeric_dtype(train[c])]
    nums = [c for c in x_cols if c not in cats]
    scaler = StandardScaler().fit(train[nums])
    onehot = (
        OneHotEncoder(handle_unknown="ignore", sparse_output=False).fit(train[cats])
        if cats
        else None
    )

    def encode(frame):
        parts = [scaler.transform(frame[nums])]
        if onehot is not None:
            parts.append(onehot.transform(frame[cats]))
        return np.hstack(parts).astype(np.float32)

    xtr, xte = encode(train), encode(test)
    kind = MLPRegressor if task == "regression" else MLPClassifier
    model = kind(hidden_layer_sizes=tuple(HIDDEN), batch_size=200, random_state=1)
    classes = None if task == "regression" else np.unique(train[y])
    target = train[y].to_numpy()
    curve, seconds = [], 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(int(epochs)):
            started = time.perf_counter()
            if classes is None:
                model.partial_fit(xtr, target)
            else:
                model.partial_fit(xtr, target, classes=classes)
            seconds += time.perf_counter() - started
            predicted = model.predict(xte) if classes is None else model.predict_proba(xte)
            curve.append((seconds, _metrics(task, test[y], predicted, classes)[_target_name(task)]))
    predicted = model.predict(xte) if classes is None else model.predict_proba(xte)
    size = (xtr.size + sum(w.size for w in model.coefs_)) * 4 / 2**20
    return {"seconds": seconds, "samples": int(epochs) * len(train), "curve": curve,
            "metrics": _metrics(task, test[y], predicted, classes), "size_mb": size}  # fmt: skip


def run_h2o(train, test, y, task, epochs) -> dict:
    import h2o
    from h2o.estimators import H2ODeepLearningEstimator

    h2o.init(ip="127.0.0.1", port=H2O_PORT, nthreads=-1, max_mem_size="8G", verbose=False)
    h2o.no_progress()
    try:
        factors = [] if task == "regression" else [y]
        types = {c: "enum" for c in factors}
        types.update(
            {c: "enum" for c in train.columns if not pd.api.types.is_numeric_dtype(train[c])}
        )
        htrain = h2o.H2OFrame(train, column_types=types)
        htest = h2o.H2OFrame(test, column_types=types)
        warm = time.perf_counter()  # the warm-up (see warm_up): one epoch on 1,000 rows
        H2ODeepLearningEstimator(hidden=HIDDEN, activation="Rectifier", epochs=1, seed=1,
                                 stopping_rounds=0).train(y=y, training_frame=htrain[:1000, :])  # fmt: skip
        warm = time.perf_counter() - warm
        model = H2ODeepLearningEstimator(hidden=HIDDEN, activation="Rectifier", epochs=epochs,
                                         seed=1, stopping_rounds=0)  # fmt: skip
        started = time.perf_counter()
        model.train(y=y, training_frame=htrain)
        seconds = time.perf_counter() - started
        samples = int(model.scoring_history()["samples"].iloc[-1])
        predicted = model.predict(htest).as_data_frame()
        classes = None if task == "regression" else [str(c) for c in predicted.columns[1:]]
        probs = predicted if task == "regression" else predicted.iloc[:, 1:].to_numpy()
        if classes is not None:
            domain = htrain[y].levels()[0]
            classes = [str(c) for c in domain]
        return {"seconds": seconds, "samples": samples, "curve": [], "warm_up": warm,
                "metrics": _metrics(task, test[y].astype(str) if classes else test[y], probs,
                                    classes), "size_mb": float("nan")}  # fmt: skip
    finally:
        h2o.cluster().shutdown()


def worker(engine: str, dataset: str, data_dir: Path, epochs: float) -> dict:
    train, test, y, task = load(dataset, data_dir)
    if engine.startswith("tabdl"):
        import torch  # noqa: F401

        import tabdl  # noqa: F401 - imported before the baseline, as the issue asks
    warm = warm_up(engine, train, y)
    baseline = _rss_mb()
    if engine == "h2o":
        result = run_h2o(train, test, y, task, epochs)
    elif engine == "sklearn":
        result = run_sklearn(train, test, y, task, epochs)
    else:
        result = run_tabdl(engine, train, test, y, task, epochs)
    peak = result.pop("peak", None)  # tabdl: training alone; the others: the whole worker
    result.update(task=task, peak_mb=(peak or _peak_mb()) - baseline, rows=len(train))
    result.setdefault("warm_up", warm)
    result["gflops"] = gemm_gflops()  # this worker's own limit, right after its runs
    return result


# -- the machine's limit and scoring -------------------------------------------------------------------
def gemm_gflops(size: int = 2048, repeats: int = 10) -> float:
    """The fp32 matrix-multiply rate of this machine's cores now (torch, every thread), GFLOP/s."""
    import torch

    a = torch.randn(size, size)
    torch.mm(a, a)
    started = time.perf_counter()
    for _ in range(repeats):
        torch.mm(a, a)
    return repeats * 2 * size**3 / (time.perf_counter() - started) / 1e9


def scoring_speed(precision: str = "float64") -> tuple[float, float]:
    """Rows per second of ``predict`` on 1M rows, and the median latency of one row."""
    import tabdl

    sys.path.insert(0, str(HERE))
    from bench_training import make_synthetic

    frame = make_synthetic(1_000_000)
    model = tabdl.DeepLearningEstimator(hidden=HIDDEN, epochs=0.01, seed=1, quiet_mode=True)
    model.train(y="y", training_frame=frame.iloc[:20_000].assign(y=lambda d: d["y"].astype(str)))
    features = frame.drop(columns="y")
    model.predict(features.iloc[:1000], precision=precision)
    started = time.perf_counter()
    model.predict(features, precision=precision)
    rows_per_s = len(features) / (time.perf_counter() - started)
    one = features.iloc[:1]
    times = []
    for _ in range(200):
        started = time.perf_counter()
        model.predict(one, precision=precision)
        times.append(time.perf_counter() - started)
    return rows_per_s, float(np.median(times))


def print_scoring() -> None:
    for precision in ("float64", "float32"):
        rows_per_s, latency = scoring_speed(precision)
        print(f"\nScoring, 50-200-200-2, precision={precision}: {rows_per_s:,.0f} rows/s on "
              f"1,000,000 rows; one row: {latency * 1e3:.2f} ms (median of 200)")  # fmt: skip


# -- the table -----------------------------------------------------------------------------------------
def _time_to(curve: list, target: float, task: str) -> float | None:
    for seconds, value in curve:
        if value <= target * (1 + 1e-9):
            return seconds
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--data-dir", default=str(HERE.parent.parent / "shared" / "data"))
    parser.add_argument("--worker", nargs=3, metavar=("ENGINE", "DATASET", "EPOCHS"))
    parser.add_argument("--scoring-only", action="store_true", help="only the scoring figures")
    args = parser.parse_args(argv)
    data_dir = Path(args.data_dir)
    if args.scoring_only:
        print_scoring()
        return 0
    if args.worker:
        engine, dataset, epochs = args.worker
        print(json.dumps(worker(engine, dataset, data_dir, float(epochs))))
        return 0
    print(f"fp32 GEMM: {gemm_gflops():.0f} GFLOP/s ({os.cpu_count()} cores)", file=sys.stderr)
    measured = []
    lines = [
        "| data | engine | epochs | samples/s | share of GEMM limit | train s | s to H2O's metric "
        "| test metric | accuracy | peak MB above baseline | data+model MB | warm-up s |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for dataset in args.datasets.split(","):
        epochs = EPOCHS[dataset]
        results = {}
        for engine in args.engines.split(","):
            print(f"{dataset}: {engine} ...", file=sys.stderr)
            done = subprocess.run([sys.executable, __file__, "--data-dir", str(data_dir),
                                   "--worker", engine, dataset, str(epochs)],
                                  capture_output=True, text=True)  # fmt: skip
            if done.returncode != 0:
                print(done.stderr[-2000:], file=sys.stderr)
                continue
            results[engine] = json.loads(done.stdout.strip().splitlines()[-1])
        target_engine = results.get("h2o")
        for engine, r in results.items():
            name = _target_name(r["task"])
            value = r["metrics"][name]
            weights = _weights(r, dataset)
            sps = r["samples"] / r["seconds"]
            measured.append(r["gflops"])
            share = sps / (r["gflops"] * 1e9 / 6 / weights)
            reach = "-"
            if target_engine is not None and engine != "h2o":
                hit = _time_to(r["curve"], target_engine["metrics"][name], r["task"])
                reach = "not reached" if hit is None else f"{hit:.1f}"
            elif engine == "h2o":
                reach = f"{r['seconds']:.1f}"
            acc = r["metrics"].get("accuracy")
            lines.append(
                f"| {dataset} | {engine} | {epochs} | {sps:,.0f} | {share:.1%} | {r['seconds']:.1f} "
                f"| {reach} | {name} {value:.4f} | {'-' if acc is None else f'{acc:.4f}'} "
                f"| {r['peak_mb']:.0f} | {r['size_mb']:.0f} | {r['warm_up']:.1f} |"
            )
    print("\n".join(lines))
    print_scoring()
    if measured:
        print(f"fp32 GEMM limit measured by the workers: {min(measured):.0f} to "
              f"{max(measured):.0f} GFLOP/s")  # fmt: skip
    return 0


_INPUTS = {"synthetic": 50, "fashion_mnist": 784, "letter": 16, "california": 8}


def _weights(result: dict, dataset: str) -> int:
    """Weights of the 200-200 network on this data (diamonds: its expanded inputs)."""
    inputs = _INPUTS.get(dataset, 26)
    outputs = {"synthetic": 2, "fashion_mnist": 10, "letter": 26}.get(dataset, 1)
    return inputs * 200 + 200 * 200 + 200 * outputs


if __name__ == "__main__":
    sys.exit(main())
