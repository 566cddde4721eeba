"""Multi-process training benchmark: samples per second with 1, 2, ... processes under torchrun.

Trains ``hidden=[64, 64]`` (Rectifier, ADADELTA, ``seed=1``) on a deterministic synthetic binary
problem (``--rows`` x 20 numeric predictors) for ``--epochs`` epochs with
``train_samples_per_iteration=0`` (one epoch per iteration, counted over all processes, so every
run does the same work and the same number of averagings), once per process count with
``torchrun --nproc-per-node=N`` on this machine. Each process uses ``cores / N`` threads. Samples
per second is ``model.samples`` divided by the wall clock of ``train()`` on rank 0 (after a small
warm-up model, which loads the Numba cache). The training AUC shows the model is as good.

Usage::

    python benchmarks/bench_distributed.py                  # 1 and 2 processes
    python benchmarks/bench_distributed.py --procs 1 2 4 --rows 50000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent


def make_data(rows: int, path: Path) -> None:
    """Write the synthetic problem: a linear score plus nonlinear terms plus noise, thresholded."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(rows, 20))
    score = x[:, :10] @ rng.normal(size=10) + np.sin(x[:, 10]) * x[:, 11] + rng.normal(size=rows)
    frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(20)])
    frame["y"] = np.where(score > np.median(score), "yes", "no")
    frame.to_csv(path, index=False)


def worker(data: str, epochs: float, out: str) -> None:
    """Train under torchrun; rank 0 writes the timing."""
    import tabdl

    params = {"hidden": [64, 64], "seed": 1, "train_samples_per_iteration": 0}
    tabdl.DeepLearningEstimator(**params, epochs=0.01).train(y="y", training_frame=data)  # warm-up
    model = tabdl.DeepLearningEstimator(**params, epochs=epochs)
    started = time.perf_counter()
    model.train(y="y", training_frame=data)
    seconds = time.perf_counter() - started
    if os.environ.get("RANK", "0") == "0":
        result = {"seconds": seconds, "samples": model.samples, "auc": model.auc()}
        Path(out).write_text(json.dumps(result))


def run(procs: int, data: Path, epochs: float, folder: Path) -> dict:
    out = folder / f"result_{procs}.json"
    command = [sys.executable, "-m", "torch.distributed.run", f"--nproc-per-node={procs}",
               "--master-port=29731", __file__, "--worker", str(data), str(epochs), str(out)]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "OMP_NUM_THREADS": "1"}
    subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    return json.loads(out.read_text())


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(*sys.argv[2:3], float(sys.argv[3]), sys.argv[4])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--procs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--epochs", type=float, default=4)
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, {args.rows} rows x 20, hidden [64, 64], {args.epochs} epochs")
    print("| processes | threads each | samples | seconds | samples/s | training AUC |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data = folder / "synthetic.csv"
        make_data(args.rows, data)
        for procs in args.procs:
            r = run(procs, data, args.epochs, folder)
            threads = max(1, (os.cpu_count() or 1) // procs)
            print(f"| {procs} | {threads} | {r['samples']} | {r['seconds']:.2f} | "
                  f"{r['samples'] / r['seconds']:,.0f} | {r['auc']:.4f} |")  # fmt: skip


if __name__ == "__main__":
    main()
