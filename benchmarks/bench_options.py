"""Speed of the online engine beyond the training benchmark's defaults: Maxout, L1/L2, SGD.

``bench_training.py`` trains Rectifier with ADADELTA. Other options take other kernels; this
script times them on the same synthetic problem (100,000 x 50, ``hidden=[200, 200]``, seed 1) in
the three modes of the online engine: the default (all cores, float32 kernels), one thread with
``arithmetic="float32"``, and ``reproducible=True`` (H2O's arithmetic). Each line gives the best of
``--repeats`` runs (training wall time after a warm-up on 2,000 rows) and the test AUC.

``--src`` imports tabdl from another source tree, for a before/after comparison, e.g.::

    git archive d65ebe9 src | tar -x -C /tmp/before
    python benchmarks/bench_options.py --src /tmp/before/src
    python benchmarks/bench_options.py
    python benchmarks/bench_options.py --workloads maxout --modes default
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

WORKLOADS: dict[str, dict[str, Any]] = {
    "maxout": dict(activation="Maxout", epochs=0.5),
    "l1-l2": dict(activation="Rectifier", l1=1e-5, l2=1e-5, epochs=1),
    "sgd-momentum": dict(
        activation="Rectifier",
        adaptive_rate=False,
        rate=0.005,
        momentum_start=0.5,
        momentum_stable=0.9,
        momentum_ramp=1e5,
        epochs=1,
    ),  # fmt: skip
    "sgd-nesterov": dict(
        activation="Tanh",
        adaptive_rate=False,
        rate=0.005,
        momentum_start=0.9,
        momentum_stable=0.9,
        epochs=1,
    ),  # fmt: skip
}
MODES: dict[str, dict[str, Any]] = {
    "default": {},
    "float32": dict(reproducible=True, arithmetic="float32"),
    "exact": dict(reproducible=True),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--src", type=Path, help="a source tree holding tabdl/ (default: installed)"
    )
    parser.add_argument("--workloads", nargs="+", default=list(WORKLOADS), choices=list(WORKLOADS))
    parser.add_argument("--modes", nargs="+", default=list(MODES), choices=list(MODES))
    parser.add_argument("--repeats", type=int, default=2, help="runs of each; the best is shown")
    args = parser.parse_args(argv)
    if args.src is not None:
        sys.path.insert(0, str(args.src.resolve()))
    sys.path.insert(1, str(Path(__file__).resolve().parent))
    import bench_training as bt

    import tabdl

    print(f"tabdl from {Path(tabdl.__file__).parent}")
    ds = bt.load_dataset("synthetic", None, bt.FASHION_PATH)
    x = [c for c in ds.train.columns if c != ds.response]
    print("| workload | mode | samples/s (best) | runs | test AUC |\n|---|---|---:|---|---:|")
    for name in args.workloads:
        for mode in args.modes:
            params = dict(hidden=bt.HIDDEN, seed=bt.MODEL_SEED, quiet_mode=True,
                          **WORKLOADS[name], **MODES[mode])  # fmt: skip
            warm = tabdl.DeepLearningEstimator(**{**params, "epochs": 0.01})
            warm.train(x=x, y=ds.response, training_frame=ds.train.head(2000))
            speeds = []
            for _ in range(args.repeats):
                est = tabdl.DeepLearningEstimator(**params)
                start = time.perf_counter()
                est.train(x=x, y=ds.response, training_frame=ds.train)
                speeds.append(float(est.samples) / (time.perf_counter() - start))
            auc = bt.test_metrics(ds, est.predict(ds.test))["auc"]
            runs = ", ".join(f"{s:,.0f}" for s in speeds)
            print(f"| {name} | {mode} | {max(speeds):,.0f} | {runs} | {auc:.4f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
