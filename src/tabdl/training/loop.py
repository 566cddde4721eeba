"""The iteration loop: H2O's epochs, iterations and ``train_samples_per_iteration`` (section 5.1).

Each iteration trains ``train_samples_per_iteration`` samples, spread over the chunks of the
training rows, then updates the counters. There is no partial last iteration: training stops once
the epoch counter reaches ``epochs``, so it may overshoot (``epochs=2.5`` with one epoch per
iteration trains 3). ``reproducible=True`` trains one chunk on one thread, in H2O's row order.
Otherwise the chunks are trained by all cores at once: each thread trains a private copy of the
model and the copies are averaged after every iteration, weights and biases with block momentum
(:mod:`tabdl.training.block_momentum`) so that the average keeps one model's progress per epoch
(``THREAD_STRATEGY``; H2O's threads share one model without locks, Hogwild, which
``TABDL_THREADS=hogwild`` selects).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from tabdl.distributed import ScaleOut, local_cores, scale_out
from tabdl.encoding.datainfo import TrainingRows
from tabdl.engines import online
from tabdl.errors import DataError
from tabdl.nn import NetworkSpec, base_activation
from tabdl.rng import wrap_int64
from tabdl.training.block_momentum import BlockMomentum
from tabdl.training.network_state import NetworkState

CHUNK_SEED_BASE = 0x8734093502429734
CHUNK_SEED_ITERATION = 0x9823423497823423
HIDDEN_DROPOUT_SEEDS = {  # int literals of Neurons.*Dropout, sign-extended to long
    "Tanh": wrap_int64(0xDA7A6000 - (1 << 32)),
    "ExpRectifier": wrap_int64(0xDA7A6000 - (1 << 32)),
    "Rectifier": 0x3C71F1ED,
    "Maxout": 0x51C8D00D,
}
FLOAT_MAX = float(np.finfo(np.float32).max)
ACTIVATION_CODES = {
    "Tanh": online.TANH,
    "Rectifier": online.RECTIFIER,
    "Maxout": online.MAXOUT,
    "ExpRectifier": online.EXP_RECTIFIER,
    "Linear": online.LINEAR,
    "Softmax": online.SOFTMAX,
}
DISTRIBUTION_CODES = {
    "gaussian": online.GAUSSIAN,
    "laplace": online.LAPLACE,
    "quantile": online.QUANTILE,
    "huber": online.HUBER,
    "poisson": online.POISSON,
    "gamma": online.GAMMA,
    "tweedie": online.TWEEDIE,
}
LOSS_CODES = {
    "CrossEntropy": online.LOSS_CROSS_ENTROPY,
    "Automatic": online.LOSS_CROSS_ENTROPY,
    "Quadratic": online.LOSS_QUADRATIC,
    "Absolute": online.LOSS_ABSOLUTE,
    "Huber": online.LOSS_HUBER,
}
#: Iterations in a row that may train no row (tiny sampling fractions) before training gives up.
MAX_EMPTY_ITERATIONS = 100
#: No elastic-averaging consensus (the engine's empty arrays).
NO_CONSENSUS_W, NO_CONSENSUS_B = np.zeros(0, dtype=np.float32), np.zeros(0)
#: H2O's instability limits (DeepLearningModelInfo.computeStats).
WEIGHT_LIMIT = 1e10
BIAS_LIMIT = 1e5


def float32(value: float) -> float:
    """Round to float32, as H2O stores rates and regularisation strengths."""
    return float(np.float32(value))


def exact_arithmetic(p: Mapping[str, Any]) -> bool:
    """Whether the online engine follows H2O's arithmetic bit for bit (parameter ``arithmetic``)."""
    if p["arithmetic"] == "auto":
        return bool(p["reproducible"])
    return p["arithmetic"] == "h2o"


def uses_batch_engine(p: Mapping[str, Any]) -> bool:
    """Whether the batch engine trains (``mini_batch_size > 1``); else the online engine."""
    return int(p["mini_batch_size"]) > 1


def uses_adadelta(p: Mapping[str, Any]) -> bool:
    """Whether the update rule is ADADELTA (``adaptive_rate``, unless ``optimizer="adam"``)."""
    return bool(p["adaptive_rate"]) and p.get("optimizer") != "adam"


def keeps_accumulators(p: Mapping[str, Any]) -> bool:
    """Whether the model keeps two accumulators per weight: ADADELTA's, or Adam's moments."""
    return bool(p["adaptive_rate"]) or p.get("optimizer") == "adam"


def has_momentum(p: Mapping[str, Any]) -> bool:
    """Whether SGD uses momentum (H2O's ``has_momenta``)."""
    return not p["adaptive_rate"] and (p["momentum_start"] != 0 or p["momentum_stable"] != 0)


def momentum_at(p: Mapping[str, Any], samples: float) -> float:
    """Return the documented momentum ramp at ``samples`` processed (H2O trains with a constant)."""
    m = p["momentum_start"]
    if p["momentum_ramp"] > 0:
        if samples >= p["momentum_ramp"]:
            m = p["momentum_stable"]
        else:
            m += (p["momentum_stable"] - p["momentum_start"]) * samples / p["momentum_ramp"]
    return float32(m)


def rate_at(p: Mapping[str, Any], layer: int, samples: float) -> float:
    """Return the SGD rate of weight layer ``layer`` after ``samples`` (annealing, decay)."""
    base = p["rate"] * math.pow(p["rate_decay"], layer)
    return float32(base / (1 + p["rate_annealing"] * samples))


def sgd_schedule(
    p: Mapping[str, Any], samples: float, n_layers: int
) -> tuple[np.ndarray, np.float32]:
    """Return each layer's SGD step and the momentum after ``samples`` (zeros with ADADELTA).

    The step is H2O's rate (annealing, decay) times ``1 - momentum``, in float32, as H2O stores
    them; both engines take their steps from here.
    """
    if uses_adadelta(p):
        return np.zeros(n_layers, dtype=np.float32), np.float32(0.0)
    momentum = np.float32(momentum_at(p, samples))
    rates = np.array([rate_at(p, i, samples) for i in range(n_layers)], dtype=np.float32)
    return rates * (np.float32(1.0) - momentum), momentum


def resolve_samples_per_iteration(p: Mapping[str, Any], spec: NetworkSpec, n_rows: int) -> int:
    """H2O's ``computeTrainSamplesPerIteration`` on one node."""
    tspi = p["train_samples_per_iteration"]
    if p["reproducible"] and tspi == -2:
        tspi = -1
    if tspi in (0, -1):
        return n_rows
    if tspi >= 1:
        return int(max(1, min(tspi, p["epochs"] * n_rows)))
    # -2: auto-tuning, single node: 1% communication against a computation estimate
    model_size = sum(spec.rows(i) * (spec.units[i] + 1) for i in range(len(spec.units) - 1))
    factor = 50 * (
        8 if base_activation(spec.activation) == "Maxout" else 5 if "Tanh" in spec.activation else 1
    )
    gflops, cores = 10.0, max(1, os.cpu_count() or 1)
    t_row = (factor * model_size + 10000 * spec.units[0]) / (gflops * 1e9) / cores * 1e6  # µs
    t_comm, fraction = 1e4, 1e-3
    tspi = (t_comm / fraction - t_comm) / t_row
    tspi = min(tspi, 10 * n_rows)
    if tspi > n_rows and abs(tspi % n_rows) / n_rows < 0.2:
        tspi -= tspi % n_rows
    tspi = min(tspi, p["epochs"] * n_rows / 10)
    tspi = min(tspi, 10 * 1e6 / t_row)
    return int(min(max(1, tspi), 100000))


@dataclass(frozen=True)
class EngineConfig:
    """Everything the online engine reads besides the data and the state."""

    units: np.ndarray
    activations: np.ndarray
    multipliers: np.ndarray
    dropout: np.ndarray
    aoffsets: np.ndarray
    cfg_i: np.ndarray
    cfg_f: np.ndarray


def engine_config(
    spec: NetworkSpec, p: Mapping[str, Any], seed: int, category: str, resp: tuple
) -> EngineConfig:
    """Translate the resolved parameters into the engine's arrays."""
    n_layers = len(spec.units) - 1
    units = np.asarray(spec.units, dtype=np.int64)
    acts = np.array(
        [ACTIVATION_CODES[spec.layer_activation(i)] for i in range(n_layers)], dtype=np.int64
    )
    mult = np.array([spec.rows(i) // spec.units[i + 1] for i in range(n_layers)], dtype=np.int64)
    training_dropout = spec.activation.endswith("WithDropout")
    drop = np.array(
        [
            spec.hidden_dropout_ratios[i] if training_dropout and i < spec.n_hidden else -1.0
            for i in range(n_layers)
        ]
    )
    aoff = np.concatenate([[0], np.cumsum(units)]).astype(np.int64)
    adaptive = bool(p["adaptive_rate"])
    out = {"AutoEncoder": online.OUT_AUTOENCODER, "Regression": online.OUT_LINEAR}.get(
        category, online.OUT_SOFTMAX
    )
    cfg_i = np.zeros(online.N_CFG_I, dtype=np.int64)
    cfg_i[online.I_ADAPTIVE] = adaptive
    cfg_i[online.I_NESTEROV] = p["nesterov_accelerated_gradient"]
    cfg_i[online.I_MOMENTA] = has_momentum(p)
    cfg_i[online.I_FAST] = p["fast_mode"]
    cfg_i[online.I_SHORTCUT] = p["fast_mode"] or (
        not adaptive and not has_momentum(p) and p["l1"] == 0 and p["l2"] == 0
    )
    cfg_i[online.I_OUT] = out
    cfg_i[online.I_LOSS] = LOSS_CODES.get(p["loss"], online.LOSS_CROSS_ENTROPY)
    cfg_i[online.I_DIST] = DISTRIBUTION_CODES.get(p["distribution"], online.GAUSSIAN)
    cfg_i[online.I_REPRODUCIBLE] = p["reproducible"]
    cfg_i[online.I_EXACT] = exact_arithmetic(p)
    cfg_i[online.I_HIDDEN_DROP_C] = HIDDEN_DROPOUT_SEEDS[base_activation(spec.activation)]
    cfg_i[online.I_SEED] = seed
    cfg_i[online.I_HAS_OFFSET] = resp[2]
    # H2O evaluates the max_w2 rescale even at its default (Float.MAX_VALUE), where it never fires.
    cfg_i[online.I_RESCALE] = float32(p["max_w2"]) < FLOAT_MAX
    cfg_i[online.I_SPARSITY] = category == "AutoEncoder" and p["sparsity_beta"] > 0
    cfg_f = np.zeros(online.N_CFG_F)
    cfg_f[online.F_RHO] = float32(p["rho"])
    cfg_f[online.F_EPS] = float32(p["epsilon"])
    cfg_f[online.F_L1] = float32(p["l1"])
    cfg_f[online.F_L2] = float32(p["l2"])
    cfg_f[online.F_MAX_W2] = float32(p["max_w2"])
    cfg_f[online.F_INPUT_DROP] = p["input_dropout_ratio"]
    cfg_f[online.F_QUANTILE] = p["quantile_alpha"]
    cfg_f[online.F_TWEEDIE] = p["tweedie_power"]
    cfg_f[online.F_RESP_SUB] = resp[0]
    cfg_f[online.F_RESP_MUL] = resp[1]
    cfg_f[online.F_SPARSITY_BETA] = p["sparsity_beta"]
    cfg_f[online.F_AVERAGE_ACTIVATION] = p["average_activation"]
    if p["elastic_averaging"]:  # the pull towards the consensus, once there is one
        cfg_f[online.F_ELASTIC] = p["elastic_averaging_regularization"]
    return EngineConfig(units, acts, mult, drop, aoff, cfg_i, cfg_f)


def _chunk_bounds(n_rows: int, p: Mapping[str, Any]) -> list[tuple[int, int]]:
    if p["reproducible"]:
        return [(0, n_rows)]
    cores = local_cores()  # the machine's, shared by the processes on it (torchrun)
    n_chunks = min(4 * cores, n_rows) if p["force_load_balance"] else cores
    edges = np.linspace(0, n_rows, n_chunks + 1).astype(np.int64)
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True) if b > a]


def observation_weights(rows: TrainingRows) -> tuple[np.ndarray, float]:
    """Return the weights to sample rows by and H2O's global weight sum (-1.0: they do not sample).

    As H2O: a constant weight column, or one of 0s and 1s, selects rows but does not weight them.
    The sum is H2O's ``Math.round(mean(w) * rows)``, rounded half up.
    """
    w = rows.weights
    if np.all(w == w[0]) or np.all((w == 0) | (w == 1)):
        return w, -1.0
    return w, math.floor(float(w.mean()) * len(w) + 0.5)


def engine_numerics(numeric: Any) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Return the numeric block as the online engine takes it: a dense array, and a CSR triple.

    Dense numerics: the array, and empty CSR arrays. A CSR matrix (sparse input): an empty
    ``(0, n_numeric)`` array, and its row pointers, column indices (int64) and values.
    """
    if isinstance(numeric, np.ndarray):
        empty = np.zeros(0, dtype=np.int64)
        return numeric, (empty, empty, np.zeros(0))
    return np.zeros((0, numeric.shape[1])), (
        numeric.indptr.astype(np.int64),
        numeric.indices.astype(np.int64),
        np.asarray(numeric.data, dtype=np.float64),
    )


def epoch_rows(rows: TrainingRows) -> int:
    """Rows in one epoch: all rows, or ``round(n * mean(w))`` for 0/1 weights (H2O's rule)."""
    w = rows.weights
    if np.all((w == 0) | (w == 1)) and not np.all(w == 1):
        return max(1, int(round(len(w) * w.mean())))
    return len(w)


def check_finite(state: NetworkState) -> None:
    """Raise a :class:`DataError` if the network diverged (H2O's instability limits, section 6.2)."""
    for layer, (w, b) in enumerate(zip(state.weights, state.biases, strict=True)):
        w64 = w.astype(np.float64)
        bad = (
            not np.all(np.isfinite(w64))
            or not np.all(np.isfinite(b))
            or abs(w64.mean()) > WEIGHT_LIMIT
            or w64.std() > WEIGHT_LIMIT
            or abs(b.mean()) > BIAS_LIMIT
            or b.std() > BIAS_LIMIT
        )
        if bad:
            raise DataError(
                f"training diverged: the weights or biases of layer {layer + 1} became non-finite or "
                f"exceeded H2O's stability limits after {state.processed} samples. Usual fixes: a lower "
                "rate (or adaptive_rate=True), a max_w2 limit (e.g. 10), l1/l2 regularisation, or "
                "standardize=True"
            )


#: How threads share the model when training is not reproducible: "average" gives each thread a
#: private copy and combines them after every iteration, the weights and biases with block momentum
#: (:mod:`tabdl.training.block_momentum`), so the model learns as much per epoch as one model;
#: "mean" averages the copies plainly (H2O's model averaging between nodes: less progress per
#: epoch); "hogwild" shares one copy without locks (H2O's threads within a node). ``average`` is the
#: choice for every workload: ``benchmarks/bench_threads.py`` measured it 1.6x (sparse rectifier
#: updates) to 10x (dense Tanh and Maxout updates) as fast as Hogwild on this project's 2-core
#: machine, where Hogwild was slower than one thread on all eight workloads (docs/benchmarks.md):
#: the cores write the same cache lines.
THREAD_STRATEGIES = ("average", "mean", "hogwild")
THREAD_STRATEGY = os.environ.get("TABDL_THREADS", "average").lower()
if THREAD_STRATEGY not in THREAD_STRATEGIES:
    raise ValueError(
        f"TABDL_THREADS={THREAD_STRATEGY!r}: use 'average' (the default), 'mean' or 'hogwild'"
    )


#: The arrays of :attr:`NetworkState.arrays` combined with block momentum (weights, biases); the
#: optimiser's state (ADADELTA's averages, momenta) is averaged plainly, as H2O averages it.
BLOCK_MOMENTUM_ARRAYS = (0, 1)


class Iteration(NamedTuple):
    """What one iteration trains with: its share of the rows, row order, and SGD schedules."""

    use_fraction: np.float32
    shuffle: bool
    rates: np.ndarray
    moms: np.ndarray
    row_offset: int = 0  # this process's first row among all processes' (chunk seeds differ)
    consensus: tuple | None = None  # elastic averaging: the consensus weights and biases


class _Pool(ThreadPoolExecutor):
    """A training run's threads: their number, and the block momentum of their averaged copies."""

    def __init__(self, n_threads: int) -> None:
        super().__init__(max_workers=n_threads)
        self.n_threads = n_threads
        self.block_momentum = BlockMomentum()


def _chunk_seed(config: EngineConfig, state: NetworkState, start: int) -> int:
    seed = int(config.cfg_i[online.I_SEED])
    return wrap_int64(
        wrap_int64(CHUNK_SEED_BASE + seed + state.processed + start)
        * wrap_int64(state.iterations + CHUNK_SEED_ITERATION)
    )


def _run_chunk(
    state_arrays: tuple,
    state: NetworkState,
    config: EngineConfig,
    data: tuple,
    chunk: tuple[int, int],
    plan: Iteration,
    dry_run: bool = False,
) -> int:
    """Train one chunk on the given state arrays (or only count its samples); return samples."""
    net = (config.units, state.weight_offsets, state.bias_offsets, config.aoffsets,
           config.activations, config.multipliers, config.dropout)  # fmt: skip
    ea_w, ea_b = plan.consensus or (NO_CONSENSUS_W, NO_CONSENSUS_B)
    hyper = (plan.rates, plan.moms, config.cfg_i, config.cfg_f, state.avg_activations, ea_w, ea_b)
    start, stop = chunk
    seed = _chunk_seed(config, state, start + plan.row_offset)
    return online.train_chunk(
        start, stop, seed, plan.use_fraction, plan.shuffle, state.processed, data, net,
        state_arrays, hyper, dry_run,
    )  # fmt: skip


def _train_chunks(
    state_arrays: tuple,
    state: NetworkState,
    config: EngineConfig,
    data: tuple,
    chunks: list[tuple[int, int]],
    plan: Iteration,
) -> int:
    """Train ``chunks`` in order on the given state arrays; return the samples processed."""
    return sum(_run_chunk(state_arrays, state, config, data, chunk, plan) for chunk in chunks)


def _select_chunks(
    state: NetworkState, config: EngineConfig, data: tuple, chunks: list, plan: Iteration
) -> list:
    """H2O's chunk cut-off, made deterministic: chunks in order, while the node is short of its share.

    H2O starts a chunk only while the samples processed so far in the iteration are below
    ``fraction * rows``, which depends on thread timing. Each chunk's sample count is known in
    advance (a dry run replays its row sampling), so the same rule is applied in chunk order.
    """
    limit = float(plan.use_fraction) * data[0].shape[0]
    selected, planned = [], 0
    for chunk in chunks:
        if planned >= limit:
            break
        selected.append(chunk)
        planned += _run_chunk(state.arrays, state, config, data, chunk, plan, dry_run=True)
    return selected


def _run_iteration(
    state: NetworkState,
    config: EngineConfig,
    data: tuple,
    chunks: list[tuple[int, int]],
    plan: Iteration,
    pool: ThreadPoolExecutor | None,
    out: ScaleOut | None = None,
) -> int:
    """Train one iteration on one or several threads (and processes); return the samples."""
    if out is None:
        return _run_local_iteration(state, config, data, chunks, plan, pool)
    done = _run_local_iteration(state, config, data, chunks, plan, pool) if out.sync.trains else 0
    return out.finish_iteration(averaged_arrays(state), done)


def averaged_arrays(state: NetworkState) -> list[np.ndarray]:
    """Return the arrays averaged across processes: model, optimiser state, average activations."""
    return [*state.arrays, state.avg_activations]


def _run_local_iteration(
    state: NetworkState,
    config: EngineConfig,
    data: tuple,
    chunks: list[tuple[int, int]],
    plan: Iteration,
    pool: ThreadPoolExecutor | None,
) -> int:
    """Train one iteration over the chunks, on one or several threads; return samples."""
    shared = state.arrays
    args = (state, config, data)
    if pool is None:
        return _train_chunks(shared, *args, chunks, plan)
    chunks = _select_chunks(state, config, data, chunks, plan)
    shares = [
        share for share in (chunks[i :: pool.n_threads] for i in range(pool.n_threads)) if share
    ]
    if THREAD_STRATEGY == "hogwild":
        return sum(pool.map(lambda share: _train_chunks(shared, *args, share, plan), shares))
    copies = [tuple(a.copy() for a in shared) for _ in shares]
    done = list(
        pool.map(
            lambda pair: _train_chunks(pair[0], *args, pair[1], plan),
            zip(copies, shares, strict=True),
        )
    )
    trained = [copy for copy, n in zip(copies, done, strict=True) if n > 0]
    for i, target in enumerate(shared):  # average the models (H2O's DeepLearningModelInfo.add/div)
        if target.size and trained:
            average = np.mean([copy[i] for copy in trained], axis=0, dtype=np.float64)
            if THREAD_STRATEGY == "average" and i in BLOCK_MOMENTUM_ARRAYS:
                average = pool.block_momentum.combine(i, target, average, len(trained))
            target[:] = average.astype(target.dtype)
    return sum(done)


def trained_size(state: NetworkState) -> int:
    """Values in the arrays that training updates (what model averaging sends)."""
    return sum(a.size for a in state.arrays)


def should_stop(
    state: NetworkState,
    p: Mapping[str, Any],
    on_iteration: Callable[[NetworkState], bool] | None,
    started: float,
    out: ScaleOut | None,
) -> bool:
    """After an iteration: score and decide to stop (on rank 0 only, for every process)."""
    stop = False
    if out is None or out.cluster.is_root:
        if on_iteration is not None:  # it also keeps the time budget, after scoring
            stop = bool(on_iteration(state))
        else:
            stop = 0 < p["max_runtime_secs"] < time.monotonic() - started
    return stop if out is None else out.sync.agree(stop)


def engine_data(rows: TrainingRows) -> tuple:
    """Return the online engine's view of the rows (:func:`tabdl.engines.online.train_chunk`)."""
    n_rows = rows.inputs.nrows
    response = rows.response if rows.response is not None else np.zeros(n_rows)
    offset = rows.offset if rows.offset is not None else np.zeros(n_rows)
    weights, weight_sum = observation_weights(rows)
    numeric, sparse_numeric = engine_numerics(rows.inputs.numeric)
    return (
        rows.inputs.cat_slots, numeric, response, offset, rows.usable, weights, weight_sum,
        *sparse_numeric,
    )  # fmt: skip


def train(
    state: NetworkState,
    rows: TrainingRows,
    p: Mapping[str, Any],
    config: EngineConfig,
    on_iteration: Callable[[NetworkState], bool] | None = None,
    parts: tuple[int, ...] = (),
) -> NetworkState:
    """Run iterations until the epoch target, the time budget, or ``on_iteration`` says stop.

    Under ``torchrun`` (several processes), each process trains its own rows and the model is
    averaged after every iteration (:mod:`tabdl.distributed`); only rank 0 calls ``on_iteration``,
    and its decision to stop holds for every process.

    Parameters
    ----------
    state : NetworkState
        Trained in place.
    rows : TrainingRows
        Encoded training rows.
    p : mapping
        Resolved parameters.
    config : EngineConfig
        The engine's view of the network and parameters.
    on_iteration : callable, optional
        Called after every iteration with the state; return True to stop (scoring, early stopping,
        the time budget). Without it, the loop keeps ``max_runtime_secs`` itself.
    parts : tuple of int, optional
        Row counts of the files the rows were read from (shards follow them on several processes).

    """
    n_rows = rows.inputs.nrows
    state.training_rows = epoch_rows(rows)
    # As H2O: the iteration size counts the rows of an epoch (without 0-weight rows), and the
    # fraction of rows sampled is that over all rows.
    tspi = resolve_samples_per_iteration(p, state.spec, state.training_rows)
    use_fraction = np.float32(np.float32(tspi) / np.float32(n_rows))
    shuffle = bool(p["shuffle_training_data"]) or (
        tspi == state.training_rows and p["reproducible"]
    )
    row_offset, out = (
        0,
        scale_out(p, state.spec, rows, state.training_rows, trained_size(state), parts),
    )
    if out is not None:  # several processes: this process's rows and share of each iteration
        rows, use_fraction, shuffle, row_offset = (
            out.rows,
            out.use_fraction,
            out.shuffle,
            out.row_offset,
        )
        n_rows = rows.inputs.nrows
    chunks = _chunk_bounds(n_rows, p)
    n_layers = len(state.spec.units) - 1
    data = engine_data(rows)
    started = time.monotonic()
    workers = min(len(chunks), local_cores())
    pool = _Pool(workers) if len(chunks) > 1 else None
    empty = 0  # iterations in a row that trained no row
    try:
        if p["epochs"] == 0:  # H2O runs one iteration that trains nothing, and scores it
            state.iterations += 1
            if on_iteration is not None:
                on_iteration(state)
        while state.processed / state.training_rows < p["epochs"]:
            state.iterations += 1
            samples = float(state.processed)
            rates, momentum = sgd_schedule(p, samples, n_layers)
            moms = np.full(n_layers, momentum, dtype=np.float32)

            if out is not None:
                use_fraction = out.plan_iteration(p["epochs"] * state.training_rows - samples)
                out.sync.start_iteration(averaged_arrays(state))
            consensus = None if out is None else out.sync.consensus_weights()
            plan = Iteration(use_fraction, shuffle, rates, moms, row_offset, consensus)
            done = _run_iteration(state, config, data, chunks, plan, pool, out)  # over processes
            empty = empty + 1 if done == 0 else 0
            if empty == MAX_EMPTY_ITERATIONS:
                raise DataError(
                    f"{empty} iterations in a row trained no rows: check the weights column "
                    "(extreme or all-zero weights) and train_samples_per_iteration"
                )
            if done == 0:  # a tiny sampling fraction can draw no row: sample again, as H2O does
                continue
            state.processed += int(done)
            check_finite(state)
            if should_stop(state, p, on_iteration, started, out):
                break
    finally:
        if pool:
            pool.shutdown()
    return state
