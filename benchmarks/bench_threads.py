"""How tabdl's threads should share the model, per workload: averaged copies or Hogwild.

Issue 3 asks to measure both ways of training on all cores and to choose per workload: sparse
rectifier updates (``fast_mode`` skips the weights of zero inputs, and units with a zero gradient
are skipped whole) against dense Tanh and Maxout updates, where every weight changes on every row.

- ``average`` (the default): each thread trains a private copy of the model on its share of the
  chunks; after every iteration the copies' weights and biases are averaged with block momentum
  (``tabdl.training.block_momentum``), their optimiser state plainly.
- ``mean``: the same copies, all arrays averaged plainly (H2O's averaging between nodes), which
  learns less per epoch than one model.
- ``hogwild``: the threads share one copy and update it without locks (H2O's threads within a
  node). Two cores writing the same cache lines make them wait on each other.
- ``one thread``: ``reproducible=True, arithmetic="float32"``, the same float32 kernels on one
  thread: the speed both strategies should double.

Every workload is ``hidden=[200, 200]``, ``seed=1``, H2O's defaults otherwise, on the data sets of
``bench_training.py`` (synthetic 100,000 x 50, 2 epochs; Fashion-MNIST 60,000 x 784, 1 epoch),
and, with ``--datasets letter``, on ``letter`` (16,000 x 16, 26 classes, 10 epochs), with the
activations ``Rectifier``, ``RectifierWithDropout``, ``Tanh`` and ``Maxout``. Each variant runs
``--repeats`` times for each model seed of ``--seeds``, in rounds; the table gives the median and
the range of the samples per second and the median and range of the test metric (AUC, or logloss
for the multiclass sets). The time is the wall clock of ``train()`` after a warm-up that compiles
or loads the Numba cache. The metric of one seed is the same in every repeat (the copies are
trained deterministically), so give several seeds to compare accuracy.

Usage::

    python benchmarks/bench_threads.py                                  # full size, 3 repeats
    python benchmarks/bench_threads.py --rows 5000 --repeats 1          # quick check
    python benchmarks/bench_threads.py --datasets synthetic --activations Tanh
    python benchmarks/bench_threads.py --datasets synthetic letter --activations Rectifier \
        --strategies average mean "one thread" --repeats 1 --seeds 1 2 3      # accuracy per epoch
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_training as bt  # noqa: E402

ACTIVATIONS = ["Rectifier", "RectifierWithDropout", "Tanh", "Maxout"]
STRATEGIES = ["average", "mean", "hogwild", "one thread"]


@dataclass
class Run:
    samples_per_s: float
    metric: float


def train_once(
    ds: bt.Dataset, activation: str, strategy: str, epochs: float, seed: int = bt.MODEL_SEED
) -> Run:
    """Train one model with ``strategy``; return its samples per second and test metric."""
    import tabdl
    from tabdl.training import loop

    one_thread = strategy == "one thread"
    loop.THREAD_STRATEGY = "average" if one_thread else strategy
    est = tabdl.DeepLearningEstimator(
        hidden=bt.HIDDEN, activation=activation, epochs=epochs, seed=seed,
        reproducible=one_thread, arithmetic="float32" if one_thread else "auto", quiet_mode=True,
    )  # fmt: skip
    x = [c for c in ds.train.columns if c != ds.response]
    bt.wait_until_quiet()
    start = time.perf_counter()
    est.train(x=x, y=ds.response, training_frame=ds.train)
    seconds = time.perf_counter() - start
    metrics = bt.test_metrics(ds, est.predict(ds.test))
    return Run(float(est.samples) / seconds, metrics.get("auc", metrics.get("logloss", 0.0)))


def warm_up(ds: bt.Dataset, strategies: list[str]) -> None:
    """Compile (or load) the kernels every variant uses, on a few rows."""
    small = bt.Dataset(ds.name, ds.train.head(500), ds.test.head(200), ds.response, ds.classes,
                       ds.positive, ds.full_rows)  # fmt: skip
    for activation in ACTIVATIONS:
        for strategy in strategies:
            train_once(small, activation, strategy, 0.1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=None, help="subsample the training rows")
    parser.add_argument("--repeats", type=int, default=3, help="runs of every variant")
    parser.add_argument(
        "--datasets", nargs="+", default=["synthetic", "fashion_mnist"],
        choices=bt.DATASETS,
    )  # fmt: skip
    parser.add_argument("--strategies", nargs="+", default=STRATEGIES, choices=STRATEGIES)
    parser.add_argument("--seeds", nargs="+", type=int, default=[bt.MODEL_SEED], help="model seeds")
    parser.add_argument("--activations", nargs="+", default=ACTIVATIONS, choices=ACTIVATIONS)
    parser.add_argument("--fashion-path", default=bt.FASHION_PATH, help="fashion_mnist.parquet")
    args = parser.parse_args(argv)

    print("## Machine\n")
    print("\n".join(bt.machine_lines()), flush=True)
    rows = [
        "| data | activation | strategy | samples/s (median) | range | test metric (median) "
        "| metric range |",
        "|---|---|---|---:|---|---:|---|",
    ]
    for name in args.datasets:
        ds = bt.load_dataset(name, args.rows, args.fashion_path)
        warm_up(ds, args.strategies)
        metric_name = "AUC" if ds.positive is not None else "logloss"
        runs: dict[tuple[str, str], list[Run]] = {}
        for _ in range(args.repeats):
            for activation in args.activations:
                for strategy, seed in itertools.product(args.strategies, args.seeds):
                    run = train_once(ds, activation, strategy, bt.DEFAULT_EPOCHS[name], seed)
                    runs.setdefault((activation, strategy), []).append(run)
                    print(
                        f"{name} {activation} {strategy} seed {seed}: "
                        f"{run.samples_per_s:,.0f} samples/s, {metric_name} {run.metric:.4f}",
                        flush=True,
                    )
        for (activation, strategy), done in runs.items():
            speeds, metrics = [r.samples_per_s for r in done], [r.metric for r in done]
            rows.append(
                f"| {name} | {activation} | {strategy} | {statistics.median(speeds):,.0f} "
                f"| {min(speeds):,.0f}-{max(speeds):,.0f} "
                f"| {metric_name} {statistics.median(metrics):.4f} "
                f"| {min(metrics):.4f}-{max(metrics):.4f} |"
            )
    print("\n" + "\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
