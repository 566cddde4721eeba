"""Training on several processes (tabdl.distributed): two processes on 127.0.0.1 with short timeouts.

The multi-process tests start ``tests/dist_worker.py`` twice with torchrun's environment (or under
torchrun itself) and check what the workers recorded: the averaged model is the mean of the local
models after every iteration; elastic averaging's consensus follows its recurrence and the local
models persist; training reaches the single-process metric; replicated and sharded data both work;
a process that dies ends the run with a clear error within a bounded time; torchrun's restart
resumes from ``export_checkpoints_dir``; ``torchrun -m tabdl train`` prints and saves one model.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import tabdl
from tabdl import datasets
from tabdl.distributed import IterationSync, shard_bounds
from tabdl.distributed.tuning import retuned, samples_per_iteration
from tabdl.errors import DistributedError

dist = pytest.importorskip("torch.distributed")
if not (dist.is_available() and dist.is_gloo_available()):
    pytest.skip("torch.distributed with gloo is not available", allow_module_level=True)

ROOT = Path(__file__).parent.parent
WORKER = Path(__file__).parent / "dist_worker.py"
TIMEOUT = "15"  # seconds a collective waits (TABDL_DIST_TIMEOUT)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "TABDL_DIST_TIMEOUT": TIMEOUT}
    env.update(extra)
    return env


def _launch(scenario: str, out: Path, world: int = 2, **extra: str) -> list[subprocess.Popen]:
    """Start ``world`` workers as torchrun would (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT)."""
    port = str(_free_port())
    procs = []
    for rank in range(world):
        env = _env(RANK=str(rank), WORLD_SIZE=str(world), LOCAL_WORLD_SIZE=str(world),
                   LOCAL_RANK=str(rank), MASTER_ADDR="127.0.0.1", MASTER_PORT=port, **extra)  # fmt: skip
        procs.append(
            subprocess.Popen(
                [sys.executable, str(WORKER), scenario, str(out)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    return procs


def _run(scenario: str, out: Path, **extra: str) -> list[dict]:
    procs = _launch(scenario, out, **extra)
    for proc in procs:
        _, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err[-3000:]
    return [json.loads((out / f"rank{r}.json").read_text()) for r in range(len(procs))]


def _arrays(out: Path, rank: int) -> dict[str, np.ndarray]:
    with np.load(out / f"rank{rank}.npz") as data:
        return dict(data)


# -- without processes ---------------------------------------------------------------------------------
def test_shards_are_row_ranges_or_whole_files():
    assert [shard_bounds(10, r, 2) for r in range(2)] == [(0, 5), (5, 10)]
    assert [shard_bounds(10, r, 3) for r in range(3)] == [(0, 3), (3, 6), (6, 10)]
    parts = (4, 1, 3, 2)  # 4 files: two per process
    assert [shard_bounds(10, r, 2, parts) for r in range(2)] == [(0, 5), (5, 10)]
    assert [shard_bounds(10, r, 3, parts) for r in range(3)] == [(0, 5), (5, 8), (8, 10)]
    assert shard_bounds(10, 1, 2, (10,)) == (5, 10)  # one file: row ranges


def test_samples_per_iteration_counts_all_processes():
    p = {"train_samples_per_iteration": -1, "epochs": 10, "target_ratio_comm_to_comp": 0.05}
    spec = None  # the network's size enters only the automatic value (-2)
    assert samples_per_iteration(p, spec, 100, 2, replicated=True) == 200
    assert samples_per_iteration(p, spec, 100, 2, replicated=False) == 100
    assert samples_per_iteration({**p, "train_samples_per_iteration": 0}, spec, 100, 2, True) == 100
    assert samples_per_iteration(
        {**p, "train_samples_per_iteration": 5000}, spec, 100, 2, True
    ) == (1000)


def test_auto_tuning_follows_h2o_runtime_correction():
    # communication 4x the target share of computation: the iteration doubles (c clamped at 0.5)
    assert retuned(1000, 0.05, t_comm=0.2, t_comp=1.0) == 2000
    assert retuned(1000, 0.05, t_comm=0.001, t_comp=1.0) == 500  # cheap communication: halve
    assert retuned(1000, 0.05, t_comm=0.05, t_comp=1.0) == 1000  # on target: unchanged
    assert retuned(1000, 0.05, t_comm=0.045, t_comp=1.0) == 1000  # within 20%: unchanged


class _FakeCluster:
    """A cluster of one whose 'other process' contributes fixed arrays to the mean."""

    rank, world_size, is_root = 0, 2, True

    def __init__(self, other: list[np.ndarray]) -> None:
        self.other = other

    def average_(self, arrays, weight=1.0):
        for a, b in zip(arrays, self.other, strict=True):
            a[...] = ((a.astype(np.float64) + b) / 2).astype(a.dtype)
        return 2.0

    def sum(self, values, what=""):
        return np.asarray(values, dtype=np.float64) * 2


def test_elastic_consensus_recurrence_and_local_models_persist():
    params = {"elastic_averaging": True, "elastic_averaging_moving_rate": 0.7,
              "single_node_mode": False}  # fmt: skip
    rng = np.random.default_rng(0)
    other = [rng.normal(size=5), rng.normal(size=3)]
    sync = IterationSync(_FakeCluster(other), params)
    model = [np.zeros(5), np.ones(3)]
    previous = None
    for _ in range(3):
        sync.start_iteration(model)
        model[0] += 1.0  # "training"
        local = [a.copy() for a in model]
        sync.finish_iteration(model, 10)
        mean = [(a + b) / 2 for a, b in zip(local, other, strict=True)]
        expected = (
            mean
            if previous is None
            else [0.7 * m + 0.3 * c for m, c in zip(mean, previous, strict=True)]
        )
        for got, want in zip(model, expected, strict=True):
            np.testing.assert_allclose(got, want)
        previous = expected
        sync.start_iteration(model)  # the local model comes back, not the consensus
        np.testing.assert_array_equal(model[0], local[0])
    assert sync.consensus_weights()[0].dtype == np.float32


def test_one_process_has_no_cluster(monkeypatch):
    from tabdl.distributed import current_cluster

    monkeypatch.delenv("WORLD_SIZE", raising=False)
    assert current_cluster() is None


def test_missing_launcher_variables_are_named(monkeypatch):
    from tabdl.distributed import Cluster

    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.delenv("MASTER_ADDR", raising=False)
    with pytest.raises(DistributedError, match="MASTER_ADDR is not set.*torchrun"):
        Cluster.from_environment()


# -- two processes -------------------------------------------------------------------------------------
@pytest.mark.slow
def test_model_is_the_mean_of_the_local_models_after_every_iteration(tmp_path):
    results = _run("average", tmp_path)
    r0, r1 = _arrays(tmp_path, 0), _arrays(tmp_path, 1)
    assert len(r0["local"]) == results[0]["iterations"] >= 3
    np.testing.assert_array_equal(r0["averaged"], r1["averaged"])  # every process: the same model
    mean = (r0["local"].astype(np.float64) + r1["local"]) / 2
    np.testing.assert_allclose(r0["averaged"], mean.astype(np.float32), rtol=0, atol=1e-7)
    assert not np.allclose(r0["local"], r1["local"])  # the processes trained different samples
    np.testing.assert_array_equal(r0["final"], r1["final"])
    # train_samples_per_iteration counts both processes: 190 per iteration, about 95 each
    assert results[0]["samples"] == results[1]["samples"]
    assert abs(results[0]["samples"] / results[0]["iterations"] - 190) < 40


@pytest.mark.slow
def test_the_batch_engine_averages_the_local_models_after_every_iteration(tmp_path):
    results = _run("batch", tmp_path)
    r0, r1 = _arrays(tmp_path, 0), _arrays(tmp_path, 1)
    assert len(r0["local"]) == results[0]["iterations"] >= 3
    mean = (r0["local"].astype(np.float64) + r1["local"]) / 2
    np.testing.assert_allclose(r0["averaged"], mean.astype(np.float32), rtol=0, atol=1e-7)
    assert not np.allclose(r0["local"], r1["local"])
    np.testing.assert_array_equal(r0["final"], r1["final"])
    assert abs(results[0]["samples"] / results[0]["iterations"] - 190) < 40
    assert results[0]["auc"] == results[1]["auc"] > 0.6


@pytest.mark.slow
def test_elastic_averaging_consensus_and_persistent_local_models(tmp_path):
    _run("elastic", tmp_path)
    r0, r1 = _arrays(tmp_path, 0), _arrays(tmp_path, 1)
    mean = (r0["local"].astype(np.float64) + r1["local"]) / 2
    consensus = mean[0]
    np.testing.assert_allclose(r0["averaged"][0], consensus, atol=1e-6)
    for k in range(1, len(mean)):
        consensus = 0.7 * mean[k] + 0.3 * consensus
        np.testing.assert_allclose(r0["averaged"][k], consensus, atol=1e-6)
        consensus = r0["averaged"][k].astype(np.float64)
        # each process starts the next iteration from its own local model, not the consensus
        np.testing.assert_array_equal(r0["restored"][k], r0["local"][k - 1])
        np.testing.assert_array_equal(r1["restored"][k], r1["local"][k - 1])
    np.testing.assert_array_equal(r0["final"], r0["averaged"][-1])  # the consensus is the model


@pytest.mark.slow
def test_two_processes_reach_the_single_process_metric(tmp_path):
    params = {"hidden": [20, 20], "seed": 7, "epochs": 30, "train_samples_per_iteration": 0}
    single = tabdl.DeepLearningEstimator(**params)
    single.train(x=["AGE", "RACE", "DPROS", "DCAPS", "PSA", "VOL", "GLEASON"], y="CAPSULE",
                 training_frame=datasets.path("prostate.csv"), categorical_columns=["CAPSULE"])  # fmt: skip
    results = _run("metric", tmp_path)
    assert results[0]["auc"] == results[1]["auc"]
    assert abs(results[0]["auc"] - single.auc()) < 0.03, (results[0]["auc"], single.auc())


@pytest.mark.slow
def test_sharded_parquet_folder_gives_each_process_its_files(tmp_path):
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    table = pacsv.read_csv(datasets.path("prostate.csv"))
    folder = tmp_path / "prostate"
    folder.mkdir()
    for i, (a, b) in enumerate([(0, 100), (100, 150), (150, 300), (300, 380)]):
        pq.write_table(table.slice(a, b - a), folder / f"part-{i}.parquet")
    out = tmp_path / "out"
    out.mkdir()
    results = _run("sharded", out, TABDL_TEST_FRAME=str(folder))
    assert [r["shard_rows"] for r in results] == [[150], [230]]  # files 0-1 and 2-3
    assert results[0]["auc"] == results[1]["auc"] > 0.7


@pytest.mark.slow
def test_replicated_and_auto_tuned(tmp_path):
    results = _run("auto", tmp_path)
    assert [r["shard_rows"] for r in results] == [[380], [380]]  # every process holds all rows
    assert results[0]["samples"] >= 4 * 380 and results[0]["auc"] > 0.7


@pytest.mark.slow
def test_a_dead_process_stops_the_others_with_a_clear_error(tmp_path):
    started = time.monotonic()
    procs = _launch("kill", tmp_path)
    _, err = procs[0].communicate(timeout=120)
    procs[1].communicate(timeout=30)
    elapsed = time.monotonic() - started
    assert procs[1].returncode == -9
    assert procs[0].returncode != 0
    assert "DistributedError: process 0 of 2" in err and "resume it" in err, err[-2000:]
    assert elapsed < 60 + float(TIMEOUT)


def _torchrun(*args: str, out: Path, restarts: int = 0) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node=2",
               f"--max-restarts={restarts}", f"--master-port={_free_port()}", *args]  # fmt: skip
    return subprocess.run(
        command, env=_env(), cwd=out, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.slow
def test_torchrun_restart_resumes_from_the_checkpoints(tmp_path):
    done = _torchrun(str(WORKER), "resume", str(tmp_path), out=tmp_path, restarts=1)
    assert done.returncode == 0, done.stderr[-3000:]
    results = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in range(2)]
    assert [r["restart"] for r in results] == [1, 1]  # the first attempt died, torchrun restarted
    r0 = _arrays(tmp_path, 0)
    # the second attempt trained only the iterations the checkpoint lacked; the history is whole
    assert 0 < len(r0["local"]) < results[0]["iterations"]
    assert results[0]["history"] > len(r0["local"]) + 1  # the checkpoint's events came along
    assert results[0]["samples"] > 12 * 95  # beyond the first attempt (early stopping may end it)


@pytest.mark.slow
def test_torchrun_cli_prints_and_saves_one_model(tmp_path):
    done = _torchrun("-m", "tabdl", "train", datasets.path("prostate.csv"), "--y", "CAPSULE",
                     "--categorical", "CAPSULE", "--hidden", "10", "--epochs", "5", "--seed", "1",
                     "--out", "prostate.tabdl", out=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("Model Details") == 1
    assert done.stderr.count("saved the model") == 1
    model = tabdl.load_model(tmp_path / "prostate.tabdl")
    assert model.epoch_counter >= 5 and model.auc() > 0.7
