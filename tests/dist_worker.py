"""One process of a multi-process training run, for tests/test_distributed.py.

Run as ``python tests/dist_worker.py SCENARIO OUT`` with torchrun's environment (``RANK``,
``WORLD_SIZE``, ``MASTER_ADDR``, ``MASTER_PORT``) set by the test, or under torchrun itself. It
trains a model on the bundled prostate data, records what the test checks (the local models before
each averaging, the averaged ones, this process's rows), and writes them to ``OUT/rank<R>.npz`` and
``OUT/rank<R>.json``.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

import numpy as np

import tabdl
from tabdl import datasets
from tabdl.distributed import averaging, run

X = ["AGE", "RACE", "DPROS", "DCAPS", "PSA", "VOL", "GLEASON"]
BASE = {"hidden": [10, 10], "seed": 7, "epochs": 4, "train_samples_per_iteration": 190}
SCENARIOS = {
    "average": {},
    "batch": {"mini_batch_size": 16},
    "elastic": {"elastic_averaging": True, "elastic_averaging_moving_rate": 0.7},
    "sharded": {"replicate_training_data": False},
    "metric": {"epochs": 30, "hidden": [20, 20], "train_samples_per_iteration": 0},
    "auto": {"train_samples_per_iteration": -2},
    "kill": {"epochs": 1000, "train_samples_per_iteration": 50},
    "resume": {"epochs": 30, "train_samples_per_iteration": 95, "score_each_iteration": True},
}


class Recorder:
    """Wraps the iteration boundary to record local and averaged models."""

    def __init__(self, kill_after: int | None = None) -> None:
        self.local: list[np.ndarray] = []  # weights before averaging (the local model)
        self.averaged: list[np.ndarray] = []  # weights after averaging
        self.restored: list[np.ndarray] = []  # weights when an iteration starts (elastic)
        self.kill_after = kill_after
        start, finish = (
            averaging.IterationSync.start_iteration,
            averaging.IterationSync.finish_iteration,
        )
        recorder = self

        def start_iteration(sync, arrays):
            start(sync, arrays)
            recorder.restored.append(arrays[0].copy())

        def finish_iteration(sync, arrays, samples):
            recorder.local.append(arrays[0].copy())
            if recorder.kill_after is not None and len(recorder.local) > recorder.kill_after:
                os.kill(os.getpid(), signal.SIGKILL)  # a process that dies mid-training
            total = finish(sync, arrays, samples)
            recorder.averaged.append(arrays[0].copy())
            return total

        averaging.IterationSync.start_iteration = start_iteration
        averaging.IterationSync.finish_iteration = finish_iteration


def main(scenario: str, out: Path) -> None:
    rank = int(os.environ.get("RANK", "0"))
    restart = int(os.environ.get("TORCHELASTIC_RESTART_COUNT", "0") or 0)
    kill = 3 if scenario == "kill" and rank == 1 else None
    if scenario == "resume" and rank == 1 and restart == 0:
        kill = 12  # the first attempt dies; torchrun restarts both processes
    recorder = Recorder(kill)
    shards: list[int] = []
    scale_out = run.scale_out

    def recording_scale_out(*args, **kwargs):
        result = scale_out(*args, **kwargs)
        shards.append(result.rows.inputs.nrows if result is not None else -1)
        return result

    run.scale_out = recording_scale_out
    import tabdl.training.loop as loop

    loop.scale_out = recording_scale_out
    params = {**BASE, **SCENARIOS[scenario]}
    if scenario == "resume":
        params["export_checkpoints_dir"] = str(out / "checkpoints")
        params["model_id"] = "resumed"
    model = tabdl.DeepLearningEstimator(**params)
    frame = os.environ.get("TABDL_TEST_FRAME", datasets.path("prostate.csv"))
    model.train(x=X, y="CAPSULE", training_frame=frame, categorical_columns=["CAPSULE"])
    state = model._result.state
    np.savez(
        out / f"rank{rank}.npz",
        local=np.array(recorder.local),
        averaged=np.array(recorder.averaged),
        restored=np.array(recorder.restored),
        final=state.flat_weights,
    )
    summary = {
        "rank": rank,
        "restart": restart,
        "iterations": state.iterations,
        "samples": state.processed,
        "auc": model.auc(),
        "history": len(model.scoring_history()),
        "shard_rows": shards,
    }
    (out / f"rank{rank}.json").write_text(json.dumps(summary))


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
