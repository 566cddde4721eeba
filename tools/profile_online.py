"""Where a row's time goes in the online engine: cycle counts per phase, one thread.

Copies ``src/tabdl`` to a temporary directory, inserts cycle-counter probes
(``llvm.readcyclecounter``, the TSC on x86) around each phase of ``_train_row`` and
``_adadelta_layer`` in the copy's ``engines/online.py``, trains one model with the copy and prints
the cycles a row for each phase:

- ``input``: the input layer (one-hot slots, numerics, input dropout), ``forward``, the output
  error, and each layer's unit gradients;
- per layer (1 is the first hidden layer's weights, the last is the output layer's): its whole
  backward step, and inside it the error propagation to the layer below, the weight update (with
  the bias-rate sums) and the biases;
- ``clear``: resetting the row's scratch.

The figures in docs/benchmarks.md ("cycles a row") come from this tool. The probes add their counts
to the last 19 entries of the model's average-activation array, which only the sparsity penalty
reads, so the tool trains with ``sparsity_beta=0`` and needs at least 19 hidden units; the copy
compiles its own numba cache (about 40 s). The probes go in at fixed lines of ``online.py``
(``ANCHORS``); ``tests/test_profile_tool.py`` fails when one of them no longer matches, so that the
tool moves with the engine.

Usage (from the repository root)::

    python tools/profile_online.py synthetic                   # reproducible=True, H2O's arithmetic
    python tools/profile_online.py fashion_mnist --arithmetic float32
    python tools/profile_online.py synthetic --src /tmp/old/src   # another tree, e.g. a git archive
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

#: probe slots, counted from the end of the average-activation array (``avg_act[-slot]``)
PHASES = {
    1: "input",
    2: "forward",
    3: "output error",
    4: "unit gradients",
    9: "clear",
}
ROWS_SLOT = 10  # rows seen
LAYER_SLOTS = {"backward step": 5, "  propagation": 11, "  weight update": 14, "  biases": 17}
N_SLOTS = 19
MAX_LAYERS = 3  # layer slots: slot + layer for layer 0, 1, 2

RDTSC = """
from llvmlite import ir as _probe_ir
from numba import types as _probe_types
from numba.core import cgutils as _probe_cgutils
from numba.extending import intrinsic as _probe_intrinsic


@_probe_intrinsic
def _rdtsc(typingctx):
    def codegen(context, builder, signature, args):
        fnty = _probe_ir.FunctionType(_probe_ir.IntType(64), [])
        fn = _probe_cgutils.get_or_insert_function(builder.module, fnty, "llvm.readcyclecounter")
        return builder.call(fn, [])

    return _probe_types.int64(), codegen
"""


def _tick(slot: str, indent: str = "    ") -> str:
    return f"{indent}_t1 = _rdtsc(); avg_act[-({slot})] += _t1 - _t0; _t0 = _t1\n"


#: (text in online.py, text that replaces it); each text must occur exactly once
ANCHORS: list[tuple[str, str]] = [
    (
        "from tabdl.rng import (",
        RDTSC + "\n\nfrom tabdl.rng import (",
    ),
    (
        '    """Train on one row: input, forward pass, output error, backward pass with updates."""\n',
        '    """Train on one row: input, forward pass, output error, backward pass with updates."""\n'
        "    _t0 = _rdtsc()\n",
    ),
    ("    # -- forward ---", _tick("1") + "    # -- forward ---"),
    ("    # -- output error (", _tick("2") + "    # -- output error ("),
    ("    # -- backward: output", _tick("3") + "    # -- backward: output"),
    (
        "        if cfg_i[I_ADAPTIVE]:\n            # sparse",
        _tick("4", "        ") + "        if cfg_i[I_ADAPTIVE]:\n            # sparse",
    ),
    (
        "                            dense_start, work, avg_act, elastic)  # fmt: skip\n"
        "            continue\n",
        "                            dense_start, work, avg_act, elastic)  # fmt: skip\n"
        + _tick("5 + layer", "            ")
        + "            continue\n",
    ),
    (
        "    E[aoff[1] :] = 0.0  # the input layer has no error",
        "    _t0 = _rdtsc()\n    E[aoff[1] :] = 0.0  # the input layer has no error",
    ),
    (
        "        A[num_start : num_start + numeric.shape[1]] = 0.0\n",
        "        A[num_start : num_start + numeric.shape[1]] = 0.0\n"
        + _tick("9")
        + f"    avg_act[-{ROWS_SLOT}] += 1\n",
    ),
    (
        "    units, woff, boff, aoff, act, mult, drop = net\n    W, B, Wacc, Bacc, Wm, Bm = state\n"
        "    gw, gpa",
        "    _t0 = _rdtsc()\n"
        "    units, woff, boff, aoff, act, mult, drop = net\n    W, B, Wacc, Bacc, Wm, Bm = state\n"
        "    gw, gpa",
    ),
    (
        "    if not exact:\n        avg[:rows] = 0.0\n",
        _tick("11 + layer") + "    if not exact:\n        avg[:rows] = 0.0\n",
    ),
    (
        "    plain_biases = not cfg_i[I_RESCALE]",
        _tick("14 + layer") + "    plain_biases = not cfg_i[I_RESCALE]",
    ),
    (
        "                             channels, maxk, aoff[layer + 1] - aoff[1])  # fmt: skip\n"
        "        return\n",
        "                             channels, maxk, aoff[layer + 1] - aoff[1])  # fmt: skip\n"
        + _tick("17 + layer", "        ")
        + "        return\n",
    ),
]


def patch_source(text: str) -> str:
    """Return ``online.py``'s source with the probes in; raise ``ValueError`` naming a stale anchor."""
    for anchor, replacement in ANCHORS:
        count = text.count(anchor)
        if count != 1:
            raise ValueError(
                f"tools/profile_online.py: the anchor {anchor.strip()[:70]!r} occurs {count} times "
                "in engines/online.py (expected once); update ANCHORS to the engine's code"
            )
        text = text.replace(anchor, replacement)
    return text


def patched_copy(src: Path, into: Path) -> Path:
    """Copy the ``tabdl`` package under ``src`` into ``into`` with the probes; return ``into``."""
    shutil.copytree(src / "tabdl", into / "tabdl", ignore=shutil.ignore_patterns("__pycache__"))
    online = into / "tabdl" / "engines" / "online.py"
    online.write_text(patch_source(online.read_text()))
    return into


def load_data(name: str, rows: int) -> tuple:
    """Return the benchmark's training frame (``benchmarks/bench_training.py``) and its response."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_training import FASHION_PATH, load_dataset

    dataset = load_dataset(name, rows, FASHION_PATH)
    return dataset.train, dataset.response


def profile(name: str, rows: int, arithmetic: str, activation: str = "Rectifier") -> None:
    import tabdl
    from tabdl.training import loop

    print(f"profiling {tabdl.__file__}")
    frame, response = load_data(name, rows)
    params = dict(
        hidden=[200, 200], activation=activation, seed=1, epochs=1, stopping_rounds=0,
        reproducible=True, arithmetic=arithmetic, sparsity_beta=0.0, verbose=False,
    )  # fmt: skip
    states = {}
    run_chunk = loop._run_chunk

    def recording(state_arrays, state, *args, **kwargs):
        states[id(state)] = state
        return run_chunk(state_arrays, state, *args, **kwargs)

    loop._run_chunk = recording
    tabdl.DeepLearningEstimator(**{**params, "epochs": 0.01}).train(
        y=response, training_frame=frame
    )
    states.clear()
    start = time.perf_counter()
    tabdl.DeepLearningEstimator(**params).train(y=response, training_frame=frame)
    seconds = time.perf_counter() - start
    counts = np.zeros(N_SLOTS + 1)
    for state in states.values():
        counts[1:] += state.avg_activations[-N_SLOTS:][::-1]
    n = counts[ROWS_SLOT]
    total = sum(counts[slot] for slot in (*PHASES, *(5 + k for k in range(MAX_LAYERS))))
    print(f"{name}, {activation}, arithmetic={arithmetic}: {n:,.0f} rows in {seconds:.2f} s, "
          f"{total / n:,.0f} cycles a row (time-stamp counter)\n")  # fmt: skip
    print("| phase | cycles a row | share |\n|---|---:|---:|")
    rows_out = [(label, counts[slot]) for slot, label in PHASES.items()]
    for layer in range(MAX_LAYERS):
        for label, slot in LAYER_SLOTS.items():
            rows_out.append((f"{label} (layer {layer + 1})", counts[slot + layer]))
    for label, value in rows_out:
        print(f"| {label} | {value / n:,.0f} | {100 * value / total:.1f}% |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", choices=["synthetic", "fashion_mnist"])
    parser.add_argument("--rows", type=int, default=None, help="training rows (30,000 / 6,000)")
    parser.add_argument("--arithmetic", choices=["h2o", "float32"], default="h2o")
    parser.add_argument(
        "--activation", default="Rectifier",
        choices=["Rectifier", "RectifierWithDropout", "Tanh", "TanhWithDropout", "Maxout",
                 "MaxoutWithDropout", "ExpRectifier"],
    )  # fmt: skip
    parser.add_argument("--src", type=Path, default=ROOT / "src", help="tree holding tabdl/")
    args = parser.parse_args(argv)
    if "tabdl" in sys.modules:
        parser.error("run this as a script: tabdl is already imported")
    rows = args.rows or (30_000 if args.dataset == "synthetic" else 6_000)
    with tempfile.TemporaryDirectory(prefix="tabdl_profile_") as tmp:
        sys.path.insert(0, str(patched_copy(args.src, Path(tmp))))
        profile(args.dataset, rows, args.arithmetic, args.activation)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
