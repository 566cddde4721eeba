"""Training benchmark: H2O-3 Deep Learning vs tabdl, same data, same parameters.

Trains ``hidden=[200, 200]``, ``activation="Rectifier"``, ``seed=1`` (every other parameter at H2O's
default; H2O also gets ``stopping_rounds=0`` so that it trains all the epochs asked for) on:

* ``synthetic``: a deterministic numpy binary problem, 100,000 x 50 numeric predictors (linear score
  plus nonlinear terms plus noise, thresholded at its median), and a 20,000-row test set from the same
  generator;
* ``fashion_mnist``: ``fashion_mnist.parquet`` (784 pixel columns, response ``label`` as 10 classes);
  rows 0-59,999 train, rows 60,000-69,999 test (the official split);
* ``letter``: ``letter.csv`` (16 integer features, response ``lettr`` as 26 classes); a seeded 80/20
  split of its 20,000 rows.

For each data set it times four variants: H2O default (``nthreads=-1``: every core, Hogwild), H2O
``reproducible=True`` (one thread), tabdl default (threads: per-thread model copies averaged after
each iteration with block momentum; plain means with ``TABDL_THREADS=mean``; Hogwild with
``TABDL_THREADS=hogwild``) and tabdl ``reproducible=True``.
The time is the wall clock of ``train()`` only, after the data is loaded into each system (an
``H2OFrame`` already in the cluster; a pandas frame for tabdl). Samples per second is the training
samples processed (H2O: the last row of the scoring history's ``samples``; tabdl: ``model.samples``)
divided by those seconds. The test metrics (AUC for ``synthetic``; accuracy and logloss for
``fashion_mnist``) are computed here, the same way, from each system's predictions on the test set.

H2O scores the model while it trains (``score_interval=5``, ``score_duty_cycle=0.1``, on
``score_training_samples=10000`` rows, plus a first and a last scoring; every iteration with
``reproducible=True``); that is part of its ``train()`` time, and tabdl scores on the same
schedule. H2O's own ``run_time`` is listed in the notes beside the client-side wall clock (the
difference is the Python client's job polling).
``reproducible=True`` trains whole epochs (one iteration = one pass over the rows, and training stops
at the first iteration end with epochs >= ``--epochs``), so ``--epochs 0.5`` trains 1 epoch there.

With ``--repeats N`` every variant runs N times, in rounds (each round runs every variant once),
and the table shows each variant's median run by wall time; the samples per second of all runs
follow the table, and the ratios of the issue's speed targets are computed from the medians. H2O's
own speed varies by a quarter from run to run on this two-core machine, so one run of each is a
noisy ratio.

Before timing, tabdl trains two tiny models per mode (compiling or loading its Numba cache) and H2O
trains one tiny model (JVM warm-up). Before each timed run the script waits (up to 30 s) until the
machine's CPUs are idle: H2O's JVM, which stays up between runs, keeps working for a while after a
job, and a run that starts then shares the two cores.

Usage::

    python benchmarks/bench_training.py                                # full size (long)
    python benchmarks/bench_training.py --rows 3000 --epochs 0.5      # quick end-to-end check
    python benchmarks/bench_training.py --datasets synthetic --skip-h2o
    python benchmarks/bench_training.py --repeats 3                    # medians of three runs
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

SEED = 20240601
H2O_PORT = 54800
HIDDEN = [200, 200]
MODEL_SEED = 1
DEFAULT_EPOCHS = {"synthetic": 2.0, "fashion_mnist": 1.0, "letter": 10.0}
DATASETS = list(DEFAULT_EPOCHS)
FASHION_PATH = "/work/shared/data/fashion_mnist.parquet"
LETTER_PATH = "/work/shared/data/letter.csv"
THREAD_LABELS = {"average": "averaged", "mean": "plain mean of copies", "hogwild": "Hogwild"}
FASHION_TRAIN_ROWS = 60_000  # rows 0-59999 = official train, 60000-69999 = official test
SYNTH_TRAIN, SYNTH_TEST, SYNTH_COLS = 100_000, 20_000, 50


# -- data -----------------------------------------------------------------------------------------------
@dataclass
class Dataset:
    name: str
    train: pd.DataFrame
    test: pd.DataFrame
    response: str
    classes: list[str]  # response levels, in H2O's (sorted) order
    positive: str | None  # the positive class of a binary problem
    full_rows: int  # training rows before --rows


def make_synthetic(n_rows: int, n_cols: int = SYNTH_COLS, seed: int = SEED) -> pd.DataFrame:
    """Binary ``y`` ("no"/"yes") from a random linear score, nonlinear terms and noise."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n_rows, n_cols))
    x[:, ::4] = x[:, ::4] * 3.0 + 1.0  # some columns on other scales, so standardization matters
    w = rng.normal(0.0, 1.0, n_cols) * (rng.random(n_cols) < 0.6)  # about 40% of columns are noise
    z = (x - x.mean(axis=0)) / x.std(axis=0)
    score = (
        z @ w / np.sqrt(max(1.0, float(np.count_nonzero(w))))
        + 1.0 * np.sin(2.0 * z[:, 1] * z[:, 2])
        + 0.7 * (z[:, 3] ** 2 - 1.0)
        + 0.7 * np.tanh(z[:, 4] * z[:, 5])
        + 0.5 * np.abs(z[:, 6]) * np.sign(z[:, 7])
        + rng.normal(0.0, 0.5, n_rows)
    )
    y = np.where(score > np.median(score), "yes", "no").astype(object)
    df = pd.DataFrame(x, columns=[f"x{j + 1}" for j in range(n_cols)])
    df["y"] = y
    return df


def subsample(df: pd.DataFrame, rows: int | None, seed: int = SEED) -> pd.DataFrame:
    """``rows`` rows of ``df`` drawn without replacement (seeded), kept in their order."""
    if rows is None or rows >= len(df):
        return df
    idx = np.sort(np.random.default_rng(seed).choice(len(df), size=rows, replace=False))
    return df.iloc[idx].reset_index(drop=True)


def load_dataset(name: str, rows: int | None, fashion_path: str) -> Dataset:
    if name == "synthetic":
        full = make_synthetic(SYNTH_TRAIN + SYNTH_TEST)
        train, test = full.iloc[:SYNTH_TRAIN].reset_index(drop=True), full.iloc[SYNTH_TRAIN:]
        return Dataset(
            name, subsample(train, rows), test.reset_index(drop=True), "y", ["no", "yes"], "yes",
            len(train),
        )  # fmt: skip
    if name == "fashion_mnist":
        full = pd.read_parquet(fashion_path)
        full["label"] = full["label"].astype(str)  # 10 categorical levels "0".."9"
        train = full.iloc[:FASHION_TRAIN_ROWS].reset_index(drop=True)
        test = full.iloc[FASHION_TRAIN_ROWS:].reset_index(drop=True)
        classes = sorted(full["label"].unique(), key=int)
        return Dataset(name, subsample(train, rows), test, "label", classes, None, len(train))
    if name == "letter":
        full = pd.read_csv(LETTER_PATH)
        order = np.random.default_rng(SEED).permutation(len(full))
        cut = int(0.8 * len(full))
        train = full.iloc[np.sort(order[:cut])].reset_index(drop=True)
        test = full.iloc[np.sort(order[cut:])].reset_index(drop=True)
        classes = sorted(full["lettr"].unique())
        return Dataset(name, subsample(train, rows), test, "lettr", classes, None, len(train))
    raise ValueError(f"unknown dataset {name!r}")


# -- metrics --------------------------------------------------------------------------------------------
def probability_matrix(pred: pd.DataFrame, classes: list[str]) -> np.ndarray:
    """The class-probability columns of a prediction frame, in ``classes`` order.

    H2O names a probability column by its class, or ``p<class>`` when the class looks numeric.
    """
    cols = []
    for c in classes:
        for name in (c, f"p{c}"):
            if name in pred.columns:
                cols.append(name)
                break
        else:
            raise KeyError(f"no probability column for class {c!r} in {list(pred.columns)}")
    return pred[cols].to_numpy(dtype=np.float64)


def test_metrics(ds: Dataset, pred: pd.DataFrame) -> dict[str, float]:
    from sklearn.metrics import roc_auc_score

    y = ds.test[ds.response].astype(str).to_numpy()
    probs = probability_matrix(pred, ds.classes)
    if ds.positive is not None:
        pos = ds.classes.index(ds.positive)
        return {"auc": float(roc_auc_score(y == ds.positive, probs[:, pos]))}
    label = pred["predict"].astype(str).to_numpy()
    truth = np.array([ds.classes.index(v) for v in y])
    p_true = np.clip(probs[np.arange(len(y)), truth], 1e-15, 1.0)  # H2O clips at 1e-15 too
    return {"accuracy": float(np.mean(label == y)), "logloss": float(-np.mean(np.log(p_true)))}


# -- results --------------------------------------------------------------------------------------------
@dataclass
class Result:
    dataset: str
    system: str
    mode: str
    threads: str
    rows: int
    seconds: float
    samples: float
    epochs: float
    iterations: int
    metrics: dict[str, float]
    notes: list[str] = field(default_factory=list)

    @property
    def samples_per_s(self) -> float:
        return self.samples / self.seconds if self.seconds > 0 else float("nan")


def busy_share(interval: float = 0.5) -> float:
    """Share of the machine's CPU time that was busy over ``interval`` seconds (0 without /proc)."""

    def snapshot() -> tuple[int, int]:
        with open("/proc/stat") as stat:
            ticks = [int(v) for v in stat.readline().split()[1:]]
        return sum(ticks), ticks[3] + ticks[4]  # all, idle + iowait

    try:
        total0, idle0 = snapshot()
        time.sleep(interval)
        total1, idle1 = snapshot()
    except OSError:
        return 0.0
    return 1.0 - (idle1 - idle0) / max(1, total1 - total0)


def wait_until_quiet(limit: float = 0.1, timeout: float = 30.0) -> float:
    """Wait until the machine is idle (H2O's JVM finishes its work after a job); return seconds."""
    start = time.monotonic()
    while time.monotonic() - start < timeout and busy_share() > limit:
        pass
    return time.monotonic() - start


def timed(fn: Callable[[], Any]) -> tuple[float, Any, list[str]]:
    """Wall seconds of ``fn()``, its result, and the warnings it raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - start
    return seconds, result, [f"{w.category.__name__}: {str(w.message).strip()}" for w in caught]


# -- H2O ------------------------------------------------------------------------------------------------
def h2o_frame(df: pd.DataFrame, response: str) -> Any:
    import h2o

    types = {c: ("enum" if c == response else "real") for c in df.columns}
    return h2o.H2OFrame(df, column_types=types)


def h2o_train(ds: Dataset, epochs: float, reproducible: bool, hf: Any, test_hf: Any) -> Result:
    import h2o
    from h2o.estimators import H2ODeepLearningEstimator

    model = H2ODeepLearningEstimator(
        hidden=HIDDEN, activation="Rectifier", epochs=epochs, seed=MODEL_SEED,
        stopping_rounds=0, reproducible=reproducible,
    )  # fmt: skip
    x = [c for c in ds.train.columns if c != ds.response]
    seconds, _, notes = timed(lambda: model.train(x=x, y=ds.response, training_frame=hf))
    hist = model.scoring_history()
    last = hist.iloc[-1]
    out = model._model_json["output"]
    run_ms = out.get("run_time")
    if run_ms is not None:
        notes.append(f"H2O-reported run_time {run_ms / 1000:.2f} s")
    for col in ("duration", "training_speed"):  # H2O's own clock and samples/s (last row)
        if col in hist.columns:
            notes.append(f"scoring-history {col} {str(last[col]).strip()}")
    notes.append(f"{len(hist)} scoring-history rows")
    pred_hf = model.predict(test_hf)
    with warnings.catch_warnings():  # "single-thread conversion" advice (polars not installed)
        warnings.simplefilter("ignore")
        pred = pred_hf.as_data_frame()
    metrics = test_metrics(ds, pred)
    nthreads = h2o_nthreads() if not reproducible else 1
    for key in (pred_hf, model):
        h2o.remove(key)
    return Result(
        ds.name, "H2O-3", "reproducible" if reproducible else "default",
        str(nthreads), len(ds.train), seconds, float(last["samples"]), float(last["epochs"]),
        int(last["iterations"]), metrics, notes,
    )  # fmt: skip


def h2o_nthreads() -> str:
    """Threads of the local H2O node (F/J pool size), as its cloud status reports them."""
    import h2o

    try:
        node = h2o.cluster().nodes[0]
        return str(node.get("nthreads") or node.get("num_cpus"))
    except Exception:  # noqa: BLE001 - best effort only
        return "?"


def h2o_warmup() -> float:
    """One tiny H2O model, so the first timed model does not pay for the JVM's warm-up."""
    import h2o
    from h2o.estimators import H2ODeepLearningEstimator

    df = make_synthetic(2000, 20, seed=SEED + 1)
    hf = h2o_frame(df, "y")
    start = time.perf_counter()
    for reproducible in (False, True):
        m = H2ODeepLearningEstimator(
            hidden=HIDDEN, epochs=1, seed=MODEL_SEED, stopping_rounds=0, reproducible=reproducible
        )
        m.train(y="y", training_frame=hf)
        h2o.remove(m)
    seconds = time.perf_counter() - start
    h2o.remove(hf)
    return seconds


# -- tabdl ----------------------------------------------------------------------------------------------
#: parameters tabdl also gets, dropped (with a note) when tabdl does not accept them yet
TABDL_OPTIONAL = {"stopping_rounds": 0}


def tabdl_params(epochs: float, reproducible: bool, optional: dict[str, Any]) -> dict[str, Any]:
    return {
        "hidden": HIDDEN, "activation": "Rectifier", "epochs": epochs, "seed": MODEL_SEED,
        "reproducible": reproducible, "quiet_mode": True, **optional,
    }  # fmt: skip


def tabdl_warmup() -> tuple[float, dict[str, Any], list[str]]:
    """Tiny binary and multiclass models in both modes (Numba compile / cache load).

    Returns the seconds, the optional parameters tabdl accepts, and notes on those it refused.
    """
    import tabdl

    optional, notes = dict(TABDL_OPTIONAL), []
    binary = make_synthetic(1000, 10, seed=SEED + 2)
    multi = binary.assign(y=np.random.default_rng(SEED).integers(0, 3, len(binary)).astype(str))
    start = time.perf_counter()
    for df in (binary, multi):
        for reproducible in (False, True):
            while True:
                try:
                    est = tabdl.DeepLearningEstimator(**tabdl_params(1, reproducible, optional))
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        est.train(y="y", training_frame=df)
                    break
                except tabdl.NotYetAvailableError as err:
                    refused = [k for k in optional if k in str(err)]
                    if not refused:
                        raise
                    for k in refused:
                        notes.append(
                            f"tabdl does not accept `{k}={optional.pop(k)}` yet "
                            f"(NotYetAvailableError); it trains with its default"
                        )
            est.predict(df.head(10))
    return time.perf_counter() - start, optional, notes


def tabdl_train(
    ds: Dataset,
    epochs: float,
    reproducible: bool,
    optional: dict[str, Any],
    arithmetic: str = "auto",
) -> Result:
    import tabdl

    params = tabdl_params(epochs, reproducible, optional)
    est = tabdl.DeepLearningEstimator(**params, arithmetic=arithmetic)
    x = [c for c in ds.train.columns if c != ds.response]
    seconds, _, notes = timed(lambda: est.train(x=x, y=ds.response, training_frame=ds.train))
    pred = est.predict(ds.test)
    strategy = os.environ.get("TABDL_THREADS", "average")
    threads = "1" if reproducible else f"{os.cpu_count()} ({THREAD_LABELS.get(strategy, strategy)})"
    mode = "reproducible" if reproducible else "default"
    if arithmetic != "auto":
        mode += f", arithmetic={arithmetic}"
    return Result(
        ds.name, "tabdl", mode, threads, len(ds.train),
        seconds, float(est.samples), float(est.epoch_counter), int(est.iterations),
        test_metrics(ds, pred), notes,
    )  # fmt: skip


# -- machine --------------------------------------------------------------------------------------------
def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def java_version() -> str:
    try:
        out = subprocess.run(["java", "-version"], capture_output=True, text=True, check=False)
        return out.stderr.splitlines()[0].strip()
    except (OSError, IndexError):
        return "unknown"


def machine_lines() -> list[str]:
    import numba
    import sklearn

    import tabdl

    try:
        import h2o

        h2o_version = h2o.__version__
    except ImportError:
        h2o_version = "not installed"
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    mem = "?"
    try:
        with open("/proc/meminfo") as f:
            mem = f"{int(f.readline().split()[1]) / 2**20:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    load = "/".join(f"{v:.2f}" for v in os.getloadavg())
    return [
        f"- CPU: {cpu_model()}; nproc {nproc} (os.cpu_count {os.cpu_count()}); memory {mem}",
        f"- Load average (1/5/15 min) at start: {load}",
        f"- Python {platform.python_version()}, numpy {np.__version__}, numba {numba.__version__}, "
        f"pandas {pd.__version__}, scikit-learn {sklearn.__version__}, h2o {h2o_version}, "
        f"tabdl {tabdl.__version__}",
        f"- Java: {java_version()}",
        f"- Platform: {platform.platform()}",
    ]


# -- output ---------------------------------------------------------------------------------------------
def print_table(results: list[Result], args: argparse.Namespace, epochs: dict[str, float]) -> None:
    print(
        "| dataset | system | mode | threads | train rows | epochs asked | epochs trained "
        "| iterations | samples | seconds | samples/s | test AUC | test accuracy | test logloss |"
    )
    print("|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")

    def metric(r: Result, key: str) -> str:
        return f"{r.metrics[key]:.4f}" if key in r.metrics else "-"

    for r in results:
        print(
            f"| {r.dataset} | {r.system} | {r.mode} | {r.threads} | {r.rows:,} "
            f"| {epochs[r.dataset]:g} | {r.epochs:.3f} | {r.iterations} | {r.samples:,.0f} "
            f"| {r.seconds:.2f} | {r.samples_per_s:,.0f} | {metric(r, 'auc')} "
            f"| {metric(r, 'accuracy')} | {metric(r, 'logloss')} |"
        )


def median_runs(runs: dict[str, list[Result]]) -> list[Result]:
    """Each variant's median run by wall time (the lower of the two middle runs for an even count)."""
    chosen = []
    for label_runs in runs.values():
        middle = statistics.median_low([r.seconds for r in label_runs])
        chosen.append(next(r for r in label_runs if r.seconds == middle))
    return chosen


#: the speed targets of issue 3: (tabdl mode, H2O mode, factor)
TARGETS = (
    ("default", "default", 10.0),
    ("reproducible, arithmetic=float32", "default", 5.0),
    ("reproducible", "default", 5.0),
)


def print_runs_and_targets(runs: dict[str, list[Result]], medians: list[Result]) -> None:
    """Every run's samples/s per variant, then tabdl's median against H2O's for each target."""
    print("\nSamples/s of every run (the table shows the median run):\n")
    for label_runs in runs.values():
        first = label_runs[0]
        speeds = ", ".join(f"{r.samples_per_s:,.0f}" for r in label_runs)
        print(f"- {first.dataset} / {first.system} {first.mode}: {speeds}")
    by_key = {(r.dataset, r.system, r.mode): r for r in medians}
    lines = []
    for dataset in dict.fromkeys(r.dataset for r in medians):
        for tabdl_mode, h2o_mode, factor in TARGETS:
            ours = by_key.get((dataset, "tabdl", tabdl_mode))
            theirs = by_key.get((dataset, "H2O-3", h2o_mode))
            if ours is None or theirs is None:
                continue
            ratio = ours.samples_per_s / theirs.samples_per_s
            lines.append(
                f"- {dataset}: tabdl {tabdl_mode} / H2O-3 {h2o_mode} = {ratio:.1f}x "
                f"({ours.samples_per_s:,.0f} / {theirs.samples_per_s:,.0f} samples/s; "
                f"target {factor:g}x: {'met' if ratio >= factor else 'not met'})"
            )
    if lines:
        print("\nSpeed targets (issue 3), from the median runs:\n")
        print("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=None, help="subsample the training rows")
    parser.add_argument(
        "--epochs", type=float, default=None,
        help="epochs for every dataset (default: synthetic 2, fashion_mnist 1, letter 10)",
    )  # fmt: skip
    parser.add_argument(
        "--datasets", nargs="+", default=["synthetic", "fashion_mnist"],
        choices=DATASETS,
    )  # fmt: skip
    parser.add_argument("--skip-h2o", action="store_true", help="train tabdl only")
    parser.add_argument("--fashion-path", default=FASHION_PATH, help="fashion_mnist.parquet")
    parser.add_argument("--port", type=int, default=H2O_PORT, help="port of the local H2O to start")
    parser.add_argument("--max-mem", default="6G", help="H2O's max_mem_size")
    parser.add_argument(
        "--repeats", type=int, default=1, help="runs of every variant; the table shows the median"
    )
    args = parser.parse_args(argv)
    epochs = {
        d: args.epochs if args.epochs is not None else DEFAULT_EPOCHS[d] for d in args.datasets
    }

    t_start = time.perf_counter()
    print("## Machine\n")
    print("\n".join(machine_lines()), flush=True)
    notes: list[str] = []

    print("\n(tabdl warm-up ...)", flush=True)
    warm_s, optional, more = tabdl_warmup()
    notes += more
    notes.append(f"tabdl warm-up (Numba compile or cache load, 4 tiny models): {warm_s:.1f} s")

    h2o = None
    if not args.skip_h2o:
        import h2o

        h2o.init(
            port=args.port, bind_to_localhost=True, nthreads=-1, max_mem_size=args.max_mem,
            name=f"tabdl_bench_training_{os.getpid()}", verbose=False,
        )  # fmt: skip
        h2o.no_progress()
        notes.append(
            f"H2O cluster: {h2o_nthreads()} threads, version {h2o.cluster().version}, "
            f"max_mem_size {args.max_mem}"
        )
        print("(H2O warm-up ...)", flush=True)
        notes.append(f"H2O warm-up (2 tiny models): {h2o_warmup():.1f} s")

    if args.repeats < 1:
        parser.error(f"--repeats must be at least 1, got {args.repeats}")
    runs: dict[str, list[Result]] = {}  # every run, by "dataset / variant", in the order run
    try:
        for name in args.datasets:
            t0 = time.perf_counter()
            ds = load_dataset(name, args.rows, args.fashion_path)
            print(
                f"\n== {name}: {len(ds.train):,} training rows (of {ds.full_rows:,}), "
                f"{len(ds.test):,} test rows, {ds.train.shape[1] - 1} predictors, "
                f"{len(ds.classes)} classes, epochs {epochs[name]:g} "
                f"(loaded in {time.perf_counter() - t0:.1f} s)",
                flush=True,
            )
            variants: list[tuple[str, Callable[[], Result]]] = []
            hf = test_hf = None
            if h2o is not None:
                t0 = time.perf_counter()
                hf, test_hf = h2o_frame(ds.train, ds.response), h2o_frame(ds.test, ds.response)
                print(f"   H2O frames uploaded in {time.perf_counter() - t0:.1f} s", flush=True)
                for rep in (False, True):
                    run = partial(h2o_train, ds, epochs[name], rep, hf, test_hf)
                    variants.append((f"H2O-3 reproducible={rep}", run))
            for rep in (False, True):
                run = partial(tabdl_train, ds, epochs[name], rep, optional)
                variants.append((f"tabdl reproducible={rep}", run))
            run = partial(tabdl_train, ds, epochs[name], True, optional, "float32")
            variants.append(("tabdl reproducible=True arithmetic=float32", run))
            rounds = [(i, label, run) for i in range(args.repeats) for label, run in variants]
            for i, label, run in rounds:
                if args.repeats > 1:
                    label = f"{label} (run {i + 1} of {args.repeats})"
                waited = wait_until_quiet()
                if waited > 1.0:
                    notes.append(f"{name} / {label}: waited {waited:.1f} s for an idle machine")
                try:
                    r = run()
                except Exception as err:  # noqa: BLE001 - report it, go on with the others
                    notes.append(f"{name} / {label} failed: {type(err).__name__}: {err}")
                    print(f"   {label}: FAILED ({notes[-1]})", flush=True)
                    continue
                runs.setdefault(f"{name} / {r.system} {r.mode}", []).append(r)
                print(
                    f"   {label}: {r.seconds:.2f} s, {r.samples:,.0f} samples, "
                    f"{r.samples_per_s:,.0f} samples/s, epochs {r.epochs:.3f}, "
                    f"iterations {r.iterations}, {r.metrics}",
                    flush=True,
                )
                for n in r.notes:
                    notes.append(f"{name} / {label}: {n}")
            if h2o is not None:
                for key in (hf, test_hf):
                    h2o.remove(key)
    finally:
        if h2o is not None:
            h2o.cluster().shutdown()

    hidden = ", ".join(str(h) for h in HIDDEN)
    print(
        f"\n## Training: hidden=[{hidden}], Rectifier, seed={MODEL_SEED}, other parameters at "
        f"H2O's defaults (H2O: stopping_rounds=0)\n"
    )
    medians = median_runs(runs)
    print_table(medians, args, epochs)
    print_runs_and_targets(runs, medians)
    load = "/".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"\nLoad average (1/5/15 min) at end: {load}")
    print("\nNotes:\n")
    for n in notes:
        print(f"- {n}")
    print(f"\nTotal run time: {time.perf_counter() - t_start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
