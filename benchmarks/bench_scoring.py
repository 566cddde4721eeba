"""Scoring benchmark: tabdl vs H2O on an H2O Deep Learning model.

Builds a synthetic binary-classification frame (deterministic, numpy seed), trains one
``H2ODeepLearningEstimator(hidden=[200, 200], epochs=0.1, seed=1, activation="Rectifier")`` per
variant on a local H2O (port 54500, bound to localhost), downloads its MOJO, and times scoring of the
frame by:

* ``h2o-predict``: H2O in-cluster ``model.predict(h2o_frame)`` (frame already uploaded);
* ``h2o-as_data_frame``: downloading those predictions with ``.as_data_frame()``;
* ``mojo_predict_pandas``: H2O's MOJO runtime through ``h2o.mojo_predict_pandas`` (writes a CSV, starts
  a JVM running ``hex.genmodel.tools.PredictCsv``, reads the predictions CSV back);
* ``PredictCsv (java only)``: just that JVM subprocess, on a CSV written beforehand;
* ``tabdl (pandas)`` / ``tabdl (pyarrow)``: ``tabdl.import_mojo(mojo).predict(frame)``.

Each timing is the median of 3 runs after 1 warm-up. The maximum absolute difference of every method's
class probabilities from H2O's in-cluster probabilities is printed, so the methods are known to do the
same work. Next to each timing, "other processes' load" is the average number of cores that processes
outside this benchmark kept busy meanwhile (read from /proc): on a shared machine, a value well above 0
means the timing was disturbed. Finally, tabdl's time is split into its stages (frame conversion,
encoding, forward pass, output frame).

Usage::

    python benchmarks/bench_scoring.py            # 100,000 rows (takes a few minutes)
    python benchmarks/bench_scoring.py --rows 5000  # quick check
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

SEED = 20240601
H2O_PORT = 54500
CAT_LEVELS = (10, 10, 50, 100, 1000)
MISSING_RATE = 0.01
RESPONSE_LEVELS = ("no", "yes")


# -- data -----------------------------------------------------------------------------------------------
def make_frame(
    n_rows: int, n_numeric: int, cat_levels: tuple[int, ...], seed: int = SEED
) -> pd.DataFrame:
    """Synthetic binary-classification frame: numerics ``x1..``, categoricals ``c1..``, response ``y``.

    About ``MISSING_RATE`` of every predictor's values are missing (NaN / None).
    """
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n_rows, n_numeric))
    x[:, ::3] = x[:, ::3] * 3.0 + 1.0  # some columns on other scales, so standardization matters
    logit = x[:, :10] @ rng.normal(0, 0.5, 10) + 0.3 * np.sin(x[:, 10] * x[:, 11])
    columns: dict[str, Any] = {}
    for j in range(n_numeric):
        col = x[:, j].copy()
        col[rng.random(n_rows) < MISSING_RATE] = np.nan
        columns[f"x{j + 1}"] = col
    for i, levels in enumerate(cat_levels):
        codes = rng.integers(0, levels, n_rows)
        logit += rng.normal(0, 0.7, levels)[codes]
        names = np.array([f"c{i + 1}_L{k:04d}" for k in range(levels)], dtype=object)
        col = names[codes]
        col[rng.random(n_rows) < MISSING_RATE] = None
        columns[f"c{i + 1}"] = col
    prob = 1.0 / (1.0 + np.exp(-(logit - np.median(logit))))
    y = np.where(rng.random(n_rows) < prob, RESPONSE_LEVELS[1], RESPONSE_LEVELS[0])
    columns["y"] = y.astype(object)
    return pd.DataFrame(columns)


VARIANTS = {
    "numeric (50 num)": (50, ()),
    "categorical (45 num + 5 cat)": (45, CAT_LEVELS),
}


# -- timing ---------------------------------------------------------------------------------------------
_CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _system_busy_ticks() -> int:
    """CPU ticks spent busy by the whole machine (``/proc/stat``: all but idle and iowait)."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    return sum(fields) - fields[3] - fields[4] - sum(fields[8:])  # guest time is counted in user


def _own_ticks() -> dict[int, int]:
    """CPU ticks of this process and its live descendants (the H2O JVM), by pid."""
    parent: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        rest = stat[stat.rindex(")") + 2 :].split()
        parent[int(entry)] = int(rest[1])
        ticks[int(entry)] = int(rest[11]) + int(rest[12])
    mine = {os.getpid()}
    grew = True
    while grew:
        kids = {pid for pid, ppid in parent.items() if ppid in mine} - mine
        mine |= kids
        grew = bool(kids)
    return {pid: ticks[pid] for pid in mine if pid in ticks}


def _reaped_ticks() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (usage.ru_utime + usage.ru_stime) * _CLK_TCK


class OtherLoad:
    """Average number of cores kept busy by processes outside this benchmark during a block.

    A shared machine makes timings slower; this says by how much others competed. Linux only
    (``/proc``); elsewhere it reports NaN.
    """

    def __enter__(self) -> OtherLoad:
        self.cores = float("nan")
        try:
            self._start = (time.perf_counter(), _system_busy_ticks(), _own_ticks(), _reaped_ticks())
        except OSError:
            self._start = None
        return self

    def __exit__(self, *exc: object) -> None:
        if self._start is None:
            return
        try:
            wall0, busy0, own0, reaped0 = self._start
            wall, busy, own, reaped = (
                time.perf_counter(), _system_busy_ticks(), _own_ticks(), _reaped_ticks()
            )  # fmt: skip
        except OSError:
            return
        own_delta = sum(t - own0[pid] for pid, t in own.items() if pid in own0) + reaped - reaped0
        self.cores = max(0.0, (busy - busy0 - own_delta) / _CLK_TCK / (wall - wall0))


@dataclass
class Timing:
    median: float
    best: float
    other_load: float  # cores busy with other processes meanwhile
    result: Any


def timed(fn: Callable[[], Any], repeats: int = 3, warmup: int = 1) -> Timing:
    """Median and best wall time of ``repeats`` calls after ``warmup`` calls, and the last result."""
    result = None
    times = []
    with OtherLoad() as load:
        for _ in range(warmup):
            result = fn()
        for _ in range(repeats):
            start = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - start)
    return Timing(statistics.median(times), min(times), load.cores, result)


def max_abs_diff(probs: pd.DataFrame, reference: np.ndarray) -> float:
    got = probs[list(RESPONSE_LEVELS)].to_numpy(dtype=np.float64)
    return float(np.max(np.abs(got - reference)))


# -- machine --------------------------------------------------------------------------------------------
def cpu_model() -> str:
    fields: dict[str, str] = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if ":" in line:
                    key, value = (s.strip() for s in line.split(":", 1))
                    fields.setdefault(key, value)
                if not line.strip() and fields:
                    break
    except OSError:
        return platform.processor() or "unknown"
    model = fields.get("model name", "unknown")
    extra = [
        f"family {fields[k]}" if k == "cpu family" else f"model {fields[k]}"
        for k in ("cpu family", "model")
        if k in fields
    ]
    return f"{model} ({', '.join(extra)})" if extra else model


def blas_info() -> str:
    try:
        import threadpoolctl
    except ImportError:
        threadpoolctl = None
    if threadpoolctl is not None:
        infos = [i for i in threadpoolctl.threadpool_info() if i.get("user_api") == "blas"]
        if infos:
            return "; ".join(
                f"{i.get('internal_api')} {i.get('version')} kernel={i.get('architecture')} "
                f"threads={i.get('num_threads')} ({os.path.basename(i.get('filepath', ''))})"
                for i in infos
            )
    try:
        cfg = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{cfg.get('name')} {cfg.get('version')} (numpy.show_config; runtime kernel unknown)"
    except Exception:  # noqa: BLE001 - best effort only
        return "unknown"


def machine_lines(java_version: str) -> list[str]:
    import h2o

    import tabdl

    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
        mem = f"{kb / 2**20:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    env = ", ".join(
        f"{k}={os.environ[k]}" if k in os.environ else f"{k} unset"
        for k in (
            "OPENBLAS_CORETYPE",
            "OPENBLAS_L2_SIZE",
            "OPENBLAS_NUM_THREADS",
            "OMP_NUM_THREADS",
        )
    )
    return [
        f"- CPU: {cpu_model()}, nproc {affinity}, memory {mem}",
        f"- BLAS (numpy): {blas_info()}",
        f"- BLAS environment: {env}",
        f"- Python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
        f"pyarrow {pa.__version__}, h2o {h2o.__version__}, tabdl {tabdl.__version__}",
        f"- Java: {java_version}",
    ]


def java_version() -> str:
    try:
        out = subprocess.run(["java", "-version"], capture_output=True, text=True, check=False)
        return out.stderr.splitlines()[0].strip()
    except (OSError, IndexError):
        return "unknown"


# -- tabdl stage split ----------------------------------------------------------------------------------
def tabdl_stages(model: Any, frame_input: Any, repeats: int = 3) -> dict[str, float]:
    """Median seconds of each stage of ``model.predict``, timed separately (same code path)."""
    from tabdl.encoding import encode
    from tabdl.frame import as_frame, like_input
    from tabdl.model import SCORING_CHUNK_ROWS
    from tabdl.nn import forward, prepare_weights

    fitted = model._fitted
    runs: dict[str, list[float]] = {"as_frame": [], "encode": [], "forward": [], "output frame": []}
    with OtherLoad() as load:
        for rep in range(repeats + 1):
            t0 = time.perf_counter()
            frame = as_frame(frame_input)
            t1 = time.perf_counter()
            rows = encode(fitted.datainfo, frame)
            t2 = time.perf_counter()
            stop = len(fitted.weights) - 1
            out = np.empty((rows.nrows, fitted.spec.units[-1]), dtype=np.float64)
            num_start = fitted.datainfo.num_start
            prepared = prepare_weights(fitted.spec, fitted.weights, num_start)
            for start in range(0, rows.nrows, SCORING_CHUNK_ROWS):
                block = rows.rows(start, start + SCORING_CHUNK_ROWS)
                acts = forward(
                    fitted.spec, fitted.weights, fitted.biases, block, num_start, stop, prepared
                )
                out[start : start + block.nrows] = acts[-1]
            t3 = time.perf_counter()
            like_input(fitted._classification_output(out), frame.source)
            t4 = time.perf_counter()
            if rep == 0:
                continue  # warm-up
            for key, dt in zip(runs, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
                runs[key].append(dt)
    stages = {k: statistics.median(v) for k, v in runs.items()}
    stages["other processes' load (cores)"] = load.cores
    return stages


# -- one variant ----------------------------------------------------------------------------------------
Row = tuple[str, str, Timing, str]  # variant, method, timing, max abs diff vs H2O


def bench_variant(
    variant: str, df: pd.DataFrame, workdir: str, genmodel_jar: str | None, args: argparse.Namespace
) -> tuple[list[Row], dict[str, float], str | None, list[str]]:
    """Train on ``df`` with H2O, time every scoring method; return rows, tabdl stages, jar, notes."""
    import h2o
    from h2o.estimators import H2ODeepLearningEstimator

    import tabdl

    rows: list[Row] = []
    notes: list[str] = []
    col_types = {c: ("enum" if c.startswith("c") or c == "y" else "real") for c in df.columns}
    # H2OFrame(pandas) writes a missing string as the level "nan": declare it missing, or H2O
    # scores those rows with a trained "nan" level while the MOJO uses the NA bucket.
    hf = h2o.H2OFrame(df, column_types=col_types, na_strings=["nan"])
    h2o_na, pd_na = int(sum(hf[c].isna().sum() for c in df.columns)), int(df.isna().sum().sum())
    if h2o_na != pd_na:
        raise RuntimeError(f"H2O sees {h2o_na} missing values, pandas {pd_na}")
    dl = H2ODeepLearningEstimator(hidden=[200, 200], epochs=0.1, seed=1, activation="Rectifier")
    t0 = time.perf_counter()
    dl.train(x=[c for c in df.columns if c != "y"], y="y", training_frame=hf)
    print(f"H2O training: {time.perf_counter() - t0:.1f} s", flush=True)
    mojo_dir = tempfile.mkdtemp(dir=workdir)
    mojo = dl.download_mojo(path=mojo_dir, get_genmodel_jar=genmodel_jar is None)
    if genmodel_jar is None:
        candidate = os.path.join(mojo_dir, "h2o-genmodel.jar")
        if os.path.isfile(candidate):
            genmodel_jar = shutil.copy(candidate, os.path.join(workdir, "h2o-genmodel.jar"))

    # (a) H2O in cluster: predict, then download the predictions
    t_pred = timed(lambda: dl.predict(hf), args.repeats)
    pred_hf = t_pred.result
    t_dl = timed(lambda: pred_hf.as_data_frame(), args.repeats)
    h2o_pred = t_dl.result
    reference = h2o_pred[list(RESPONSE_LEVELS)].to_numpy(dtype=np.float64)
    rows.append((variant, "H2O in-cluster `predict`", t_pred, "reference"))
    rows.append((variant, "H2O `.as_data_frame()` of the predictions", t_dl, "-"))
    both = Timing(
        t_pred.median + t_dl.median,
        t_pred.best + t_dl.best,
        max(t_pred.other_load, t_dl.other_load),
        None,
    )
    rows.append((variant, "H2O predict + as_data_frame", both, "-"))

    # (b) H2O's MOJO runtime
    if args.no_mojo_runtime:
        pass
    elif genmodel_jar is None:
        notes.append("h2o-genmodel.jar could not be downloaded; MOJO runtime skipped")
    else:
        try:
            t_mojo = timed(
                lambda: h2o.mojo_predict_pandas(df, mojo, genmodel_jar_path=genmodel_jar),
                args.repeats,
            )
            diff = max_abs_diff(t_mojo.result, reference)
            rows.append((variant, "H2O MOJO `mojo_predict_pandas`", t_mojo, f"{diff:.2e}"))
            # the JVM subprocess alone, on a CSV written beforehand (same command as mojo_predict_csv)
            csv_in = os.path.join(mojo_dir, "input.csv")
            df.to_csv(csv_in)
            cmd = [
                "java", "-Xmx4g", "-XX:ReservedCodeCacheSize=256m", "-cp", genmodel_jar,
                "hex.genmodel.tools.PredictCsv", "--mojo", mojo, "--input", csv_in,
                "--output", os.path.join(mojo_dir, "prediction.csv"), "--decimal",
            ]  # fmt: skip
            t_java = timed(
                lambda: subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL), args.repeats
            )
            rows.append((variant, "H2O MOJO: PredictCsv JVM only (CSV in/out)", t_java, "-"))
        except Exception as err:  # noqa: BLE001 - report it, go on
            notes.append(f"mojo_predict_pandas failed ({variant}): {type(err).__name__}: {err}")
            print(notes[-1], flush=True)

    # (c) tabdl, pandas input; (d) tabdl, pyarrow input
    model = tabdl.import_mojo(mojo)
    t_tab = timed(lambda: model.predict(df), args.repeats)
    tab_pred = t_tab.result
    diff_pd = max_abs_diff(tab_pred, reference)
    rows.append((variant, "tabdl `predict(pandas)`", t_tab, f"{diff_pd:.2e}"))
    table = pa.Table.from_pandas(df, preserve_index=False)
    t_arrow = timed(lambda: model.predict(table), args.repeats)
    arrow_pred = t_arrow.result
    diff_pa = max_abs_diff(arrow_pred.to_pandas(), reference)
    rows.append((variant, "tabdl `predict(pyarrow.Table)`", t_arrow, f"{diff_pa:.2e}"))
    same_label = tab_pred["predict"].astype(str).to_numpy() == h2o_pred["predict"].astype(str)
    print(
        f"max |p_tabdl - p_h2o| = {max(diff_pd, diff_pa):.3e}; "
        f"labels agree on {float(np.mean(same_label)):.4%} of rows",
        flush=True,
    )
    stages = tabdl_stages(model, df, args.repeats)
    for key in (pred_hf, hf, dl):
        h2o.remove(key)
    return rows, stages, genmodel_jar, notes


# -- main -----------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows to train on and score")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per method (median)")
    parser.add_argument("--port", type=int, default=H2O_PORT, help="port of the local H2O to start")
    parser.add_argument("--no-mojo-runtime", action="store_true", help="skip mojo_predict_pandas")
    args = parser.parse_args(argv)

    import h2o

    workdir = tempfile.mkdtemp(prefix="tabdl_bench_")
    results: list[Row] = []
    stages: dict[str, dict[str, float]] = {}
    notes: list[str] = []
    jv = java_version()
    t_start = time.perf_counter()
    load_start = os.getloadavg()
    h2o.init(
        port=args.port,
        bind_to_localhost=True,
        nthreads=-1,
        max_mem_size="4G",
        name=f"tabdl_bench_{os.getpid()}",
        verbose=False,
    )
    h2o.no_progress()
    try:
        genmodel_jar = None
        for variant, (n_num, levels) in VARIANTS.items():
            print(f"\n== {variant}: {args.rows} rows", flush=True)
            df = make_frame(args.rows, n_num, levels)
            rows, stages[variant], genmodel_jar, more = bench_variant(
                variant, df, workdir, genmodel_jar, args
            )
            results += rows
            notes += more
    finally:
        h2o.cluster().shutdown()
        shutil.rmtree(workdir, ignore_errors=True)

    print("\n## Machine\n")
    print("\n".join(machine_lines(jv)))
    load_end = os.getloadavg()
    print(
        f"- Load average (1/5/15 min) at start {'/'.join(f'{x:.2f}' for x in load_start)}, "
        f"at end {'/'.join(f'{x:.2f}' for x in load_end)}"
    )
    print(f"\n## Scoring {args.rows:,} rows (median of {args.repeats} runs after 1 warm-up)\n")
    print(
        "| variant | method | rows/s | seconds (median) | seconds (best) "
        "| other processes' load (cores) | max abs diff vs H2O |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    for variant, method, t, diff in results:
        print(
            f"| {variant} | {method} | {args.rows / t.median:,.0f} | {t.median:.3f} | {t.best:.3f} "
            f"| {t.other_load:.2f} | {diff} |"
        )
    print("\n## tabdl stages (pandas input; median seconds)\n")
    names = list(next(iter(stages.values())))
    print("| variant | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    for variant, st in stages.items():
        print(
            f"| {variant} | "
            + " | ".join(f"{v:.3f}" if "load" not in k else f"{v:.2f}" for k, v in st.items())
            + " |"
        )
    for note in notes:
        print(f"\nNOTE: {note}")
    print(f"\nTotal run time: {time.perf_counter() - t_start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
