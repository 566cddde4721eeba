"""Generate H2O-3 training-replication fixtures (tests/data/h2o_train/).

Re-runs, on a local H2O-3 3.46.0.11 (port 54600, nthreads=1), four shared reference runs on data that
avoids H2O quirks tabdl deliberately does not copy:

* ``trainC_complete.csv``: trainC.csv without the rows that miss x1, x2, c1, y or yc
  (H2O treats missing values differently in training and scoring) -> runs ``C2_uafl_complete``,
  ``H1_nostd_complete``.
* ``trainD_posoff.csv``: trainD.csv with ``off`` = round(abs(off) + 0.05, 6) (H2O ignores offsets <= 0)
  -> runs ``E1_off_gauss_pos``, ``E2_off_pois_pos``.

It also trains runs that are not in the shared fixtures: more activations and update rules (M1, M2,
R1, S1), rows that cannot train (K1_skip: a missing predictor with ``Skip``) and observation weights
(K2_weights; K3_zero_weights on ``trainD_w0.csv``, trainD.csv with five weights set to 0).

It also re-runs the original C2_uafl, H1_nostd, E1_off_gauss and E2_off_pois on the original data and
checks that their MOJO ``weight_layer*``/``bias_layer*`` lines equal the shared fixtures' (proof that the
local H2O reproduces the fixtures), and copies the shared fixtures the tests need.

Each run folder holds model.zip (MOJO), info.json (scoring history, model summary) and h2o_pred.csv
(in-H2O predictions on the training frame; with the offset for the offset runs).

Requires h2o==3.46.0.11 and Java. Run: /work/venv/bin/python tools/make_training_fixtures.py
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import sys
import time
import warnings
import zipfile

import h2o
from h2o.estimators import H2ODeepLearningEstimator

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "data", "h2o_train")
SHARED = "/work/shared/reference/h2o-fixtures"
PORT = 54600
X = ["x1", "x2", "c1"]
COLTYPES_C = {"c1": "enum", "yc": "enum"}  # trainC.py, trainH.py
COLTYPES_D = {"c1": "enum"}  # trainD.py

# Parameters copied verbatim from trainC.py (C2_uafl), trainH.py (H1_nostd), trainD.py (E1, E2).
KW_C2_UAFL = dict(
    hidden=[3],
    epochs=1.0,
    seed=1234,
    activation="Tanh",
    reproducible=True,
    overwrite_with_best_model=False,
    use_all_factor_levels=False,
)
KW_H1_NOSTD = dict(
    hidden=[3],
    epochs=1.0,
    seed=8,
    activation="Tanh",
    reproducible=True,
    overwrite_with_best_model=False,
    standardize=False,
)
BASE_D = dict(
    hidden=[3],
    epochs=1.0,
    seed=4321,
    activation="Tanh",
    reproducible=True,
    overwrite_with_best_model=False,
)
KW_E1 = dict(BASE_D, offset_column="off")
KW_E2 = dict(BASE_D, distribution="poisson", offset_column="off")

# More activations and update rules, reproducible, for bit-exact parity (not in the shared fixtures)
BASE_M = dict(epochs=1.0, reproducible=True, overwrite_with_best_model=False)
KW_M1 = dict(BASE_M, hidden=[3], seed=11, activation="Maxout")
KW_M2 = dict(BASE_M, hidden=[4, 3], seed=12, epochs=2.0, activation="MaxoutWithDropout",
             hidden_dropout_ratios=[0.3, 0.2], input_dropout_ratio=0.1)  # fmt: skip
KW_R1 = dict(
    BASE_M, hidden=[5], seed=13, activation="RectifierWithDropout", hidden_dropout_ratios=[0.25]
)
KW_S1 = dict(BASE_M, hidden=[4], seed=14, activation="Tanh", adaptive_rate=False, rate=0.05,
             l2=1e-3, max_w2=0.5)  # fmt: skip
# Rows that cannot train (a missing predictor with Skip) and observation weights (importance sampling)
KW_K1 = dict(hidden=[3], epochs=3.0, seed=1234, activation="Tanh", reproducible=True,
             overwrite_with_best_model=False, missing_values_handling="Skip")  # fmt: skip
KW_K2 = dict(BASE_D, weights_column="wt")
ZERO_WEIGHT_ROWS = (0, 1, 5, 9, 20)  # trainD_w0.csv: zero-weight rows leave the statistics (K3)

# name -> (data file, y, col_types, params, shared run to compare weights with)
RUNS = {
    "C2_uafl": ("trainC.csv", "y", COLTYPES_C, KW_C2_UAFL, "C2_uafl"),
    "H1_nostd": ("trainC.csv", "y", COLTYPES_C, KW_H1_NOSTD, "H1_nostd"),
    "E1_off_gauss": ("trainD.csv", "y", COLTYPES_D, KW_E1, "E1_off_gauss"),
    "E2_off_pois": ("trainD.csv", "cnt", COLTYPES_D, KW_E2, "E2_off_pois"),
    "C2_uafl_complete": ("trainC_complete.csv", "y", COLTYPES_C, KW_C2_UAFL, None),
    "H1_nostd_complete": ("trainC_complete.csv", "y", COLTYPES_C, KW_H1_NOSTD, None),
    "E1_off_gauss_pos": ("trainD_posoff.csv", "y", COLTYPES_D, KW_E1, None),
    "E2_off_pois_pos": ("trainD_posoff.csv", "cnt", COLTYPES_D, KW_E2, None),
    "M1_maxout": ("trainC.csv", "yc", COLTYPES_C, KW_M1, None),
    "M2_maxout_dropout": ("trainC.csv", "y", COLTYPES_C, KW_M2, None),
    "R1_rectifier_dropout": ("trainD.csv", "y", COLTYPES_D, KW_R1, None),
    "S1_sgd_max_w2": ("trainD.csv", "y", COLTYPES_D, KW_S1, None),
    "K1_skip": ("trainC.csv", "y", COLTYPES_C, KW_K1, None),
    "K2_weights": ("trainD.csv", "y", COLTYPES_D, KW_K2, None),
    "K3_zero_weights": ("trainD_w0.csv", "y", COLTYPES_D, KW_K2, None),
}

SHARED_RUNS = [
    "C0_init",
    "C0c_init",
    "C1_ada",
    "C2_uafl",
    "C3_sgd",
    "C4_cls",
    "C5_nonest",
    "D1_huber",
    "D2_laplace",
    "D3_quant",
    "D4_pois",
    "D5_gamma",
    "D6_tweedie",
    "E1_off_gauss",
    "E2_off_pois",
    "F1_epochs",
    "F2_auto",
    "F3_tspi",
    "G1_rdrop05",
    "G2_tdrop05",
    "H1_nostd",
]
SHARED_SCRIPTS = ["trainC.py", "trainD.py", "trainG.py", "trainH.py"]


# ---------------------------------------------------------------- data
def _read(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def _write(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def make_trainc_complete():
    """Drop rows with a missing x1, x2, c1, y or yc; other cells are copied as text, unchanged."""
    header, rows = _read(os.path.join(OUT, "trainC.csv"))
    idx = [header.index(c) for c in ("x1", "x2", "c1", "y", "yc")]
    keep = [r for r in rows if all(r[i].strip() != "" for i in idx)]
    how = "dropped rows with missing values"
    if len(keep) < 40:
        how = "filled missing numerics with 0.5 and missing c1 with its first level"
        levels = sorted({r[header.index("c1")] for r in rows if r[header.index("c1")] != ""})
        keep = []
        for r in rows:
            r = list(r)
            for i in idx:
                if r[i].strip() == "":
                    r[i] = levels[0] if header[i] == "c1" else "0.5"
            keep.append(r)
    _write(os.path.join(OUT, "trainC_complete.csv"), header, keep)
    return len(rows), len(keep), how


def make_traind_posoff():
    """off -> round(abs(off) + 0.05, 6); other cells copied as text, unchanged."""
    header, rows = _read(os.path.join(OUT, "trainD.csv"))
    j = header.index("off")
    out = []
    for r in rows:
        r = list(r)
        r[j] = repr(round(abs(float(r[j])) + 0.05, 6))
        out.append(r)
    _write(os.path.join(OUT, "trainD_posoff.csv"), header, out)
    return len(out)


def make_traind_zero_weights():
    """wt -> 0 on rows 0, 1, 5, 9 and 20; other cells copied as text, unchanged."""
    header, rows = _read(os.path.join(OUT, "trainD.csv"))
    j = header.index("wt")
    out = [list(r) for r in rows]
    for i in ZERO_WEIGHT_ROWS:
        out[i][j] = "0"
    _write(os.path.join(OUT, "trainD_w0.csv"), header, out)
    return len(out)


# ---------------------------------------------------------------- MOJO weights
def mojo_weight_lines(zpath):
    with zipfile.ZipFile(zpath) as z:
        ini = z.read("model.ini").decode("utf-8")
    return [ln for ln in ini.splitlines() if ln.startswith(("weight_layer", "bias_layer"))]


# ---------------------------------------------------------------- training
def train_run(name, frames):
    fname, y, col_types, kw, _ = RUNS[name]
    tr = frames[fname]
    m = H2ODeepLearningEstimator(**kw)
    m.train(x=X, y=y, training_frame=tr)
    d = os.path.join(OUT, name)
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(d)
    p = m.download_mojo(path=d + "/")
    os.replace(p, os.path.join(d, "model.zip"))
    m.predict(tr).as_data_frame().to_csv(os.path.join(d, "h2o_pred.csv"), index=False)
    sh = m.scoring_history()
    info = {
        "data": fname,
        "x": X,
        "y": y,
        "col_types": col_types,
        "params": kw,
        "sh": sh.to_dict(orient="list") if sh is not None else None,
        "summary": m._model_json["output"]["model_summary"].as_data_frame().to_dict(orient="list"),
    }
    with open(os.path.join(d, "info.json"), "w") as f:
        json.dump(info, f, default=str)
    return m


def copy_shared():
    os.makedirs(os.path.join(OUT, "shared"), exist_ok=True)
    for fn in ("trainC.csv", "trainD.csv"):
        shutil.copyfile(os.path.join(SHARED, fn), os.path.join(OUT, fn))
    for fn in SHARED_SCRIPTS:
        shutil.copyfile(os.path.join(SHARED, fn), os.path.join(OUT, "shared", fn))
    for run in SHARED_RUNS:
        dst = os.path.join(OUT, "shared", run)
        if os.path.isdir(dst):
            shutil.rmtree(dst)
        shutil.copytree(os.path.join(SHARED, run), dst, copy_function=shutil.copyfile)
        os.chmod(dst, 0o755)
    # top-level copies of the shared runs the tests need (C2_uafl at top level is the local re-run)
    for run in ("C0_init", "C0c_init", "C1_ada"):
        dst = os.path.join(OUT, run)
        if os.path.isdir(dst):
            shutil.rmtree(dst)
        shutil.copytree(os.path.join(SHARED, run), dst, copy_function=shutil.copyfile)
        os.chmod(dst, 0o755)


def main():
    t0 = time.time()
    os.makedirs(OUT, exist_ok=True)
    copy_shared()
    n_c, n_cc, how = make_trainc_complete()
    n_d = make_traind_posoff()
    make_traind_zero_weights()
    print(f"trainC_complete.csv: {n_cc} of {n_c} rows ({how})")
    print(f"trainD_posoff.csv: {n_d} rows")

    warnings.filterwarnings("ignore", message="Converting H2O frame to pandas")
    h2o.init(ip="127.0.0.1", port=PORT, nthreads=1, max_mem_size="1G", verbose=False)
    ok = True
    try:
        h2o.no_progress()
        frames = {}
        for fname, ct in (
            ("trainC.csv", COLTYPES_C),
            ("trainC_complete.csv", COLTYPES_C),
            ("trainD.csv", COLTYPES_D),
            ("trainD_posoff.csv", COLTYPES_D),
            ("trainD_w0.csv", COLTYPES_D),
        ):
            frames[fname] = h2o.import_file(os.path.join(OUT, fname), col_types=ct)
        for name in RUNS:
            m = train_run(name, frames)
            sh = m.scoring_history()
            ep = None if sh is None else [round(e, 4) for e in sh["epochs"]]
            msg = f"{name}: ok, epochs {ep}"
            ref = RUNS[name][4]
            if ref is not None:
                mine = mojo_weight_lines(os.path.join(OUT, name, "model.zip"))
                theirs = mojo_weight_lines(os.path.join(SHARED, ref, "model.zip"))
                same = mine == theirs and len(mine) > 0
                ok &= same
                msg += f"; weights/biases vs shared {ref}: {'IDENTICAL' if same else 'DIFFERENT'}"
                if not same:
                    for a, b in zip(mine, theirs, strict=False):
                        if a != b:
                            msg += f"\n    local:  {a[:160]}\n    shared: {b[:160]}"
            print(msg, flush=True)
    finally:
        h2o.cluster().shutdown()
    size = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(OUT) for f in fs)
    print(f"total size of {OUT}: {size} bytes; took {time.time() - t0:.1f} s")
    print("re-runs reproduce shared weights:", "YES" if ok else "NO")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
