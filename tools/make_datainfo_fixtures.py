"""Generate H2O-3 DataInfo oracle fixtures (tests/data/h2o_datainfo/<case>/).

Each case: a small deterministic CSV training frame, an H2O Deep Learning model trained on it
(hidden=[3], epochs=1, seed=1, reproducible=True plus case parameters), the exported MOJO
(model.zip), H2O's in-H2O predictions on the training frame (h2o_pred.csv) and case.json
(parameters, x, y, col_types, H2O's column types, used columns, messages).

Requires h2o==3.46.0.11 and Java. Run: /work/venv/bin/python tools/make_datainfo_fixtures.py
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import time
import traceback
import warnings
import zipfile

import h2o
import numpy as np
import pandas as pd
from h2o.estimators import H2ODeepLearningEstimator

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "data", "h2o_datainfo")
BASE = dict(hidden=[3], epochs=1, seed=1, reproducible=True)


def _nan_at(rng, a, k):
    a = np.asarray(a, dtype=object).copy()
    a[rng.choice(len(a), size=k, replace=False)] = None
    return a


# ---------------------------------------------------------------- data generators
def data_weights(seed=11, n=150, offset=False):
    rng = np.random.default_rng(seed)
    x1 = np.round(rng.normal(3.0, 2.0, n), 4)
    x2 = np.round(rng.uniform(-10, 50, n), 4)
    c1 = rng.choice(["A", "B", "C"], n, p=[0.5, 0.3, 0.2])
    y = np.round(1.5 * x1 + 0.1 * x2 + (c1 == "B") * 2.0 + rng.normal(0, 1, n) + 10, 4)
    w = np.round(rng.uniform(0.5, 3.0, n), 3)
    df = pd.DataFrame(
        {
            "x1": _nan_at(rng, x1, 6),
            "x2": _nan_at(rng, x2, 5),
            "c1": _nan_at(rng, c1, 7),
            "y": y,
            "w": w,
        }
    )
    if offset:
        df["off"] = np.round(rng.normal(0.0, 0.3, n), 4)
    return df


def data_const(seed=12, n=100):
    rng = np.random.default_rng(seed)
    x1 = np.round(rng.normal(0, 1, n), 4)
    c1 = rng.choice(["p", "q", "r"], n)
    y = np.round(2 * x1 + (c1 == "q") + rng.normal(0, 0.5, n), 4)
    return pd.DataFrame(
        {
            "k_const": np.full(n, 5.0),
            "k_const_na": _nan_at(rng, np.full(n, 2.0), 10),
            "k_allna": np.full(n, None, dtype=object),
            "c_one": np.full(n, "a"),
            "c_one_na": _nan_at(rng, np.full(n, "b"), 12),
            "x1": x1,
            "c1": c1,
            "y": y,
        }
    )


def data_na_response(seed=13, n=150, pred_na=False):
    rng = np.random.default_rng(seed)
    x1 = np.round(rng.normal(5, 3, n), 4)
    x2 = np.round(rng.exponential(2.0, n), 4)
    c1 = rng.choice(["u", "v", "w"], n)
    y = np.round(x1 - 0.5 * x2 + (c1 == "w") * 3 + rng.normal(0, 1, n), 4)
    df = pd.DataFrame({"x1": x1, "x2": x2, "c1": c1, "y": _nan_at(rng, y, int(round(0.15 * n)))})
    if pred_na:
        df["x1"] = _nan_at(rng, x1, 9)
        df["x2"] = _nan_at(rng, x2, 7)
        df["c1"] = _nan_at(rng, c1, 8)
    return df


def data_asfactor(seed=14, n=120):
    rng = np.random.default_rng(seed)
    code = rng.choice([1, 2, 10, 3], n)
    age = rng.choice([5, 40, 100], n)
    x1 = np.round(rng.normal(0, 1, n), 4)
    y = np.round(x1 + 0.1 * code + 0.01 * age + rng.normal(0, 0.3, n), 4)
    return pd.DataFrame({"code": code, "age": age, "x1": x1, "y": y})


def data_equal_card(seed=15, n=120):
    rng = np.random.default_rng(seed)
    a2 = rng.choice(["a0", "a1"], n)
    b2 = rng.choice(["b0", "b1"], n)
    c3 = rng.choice(["c0", "c1", "c2"], n)
    x1 = np.round(rng.normal(0, 1, n), 4)
    y = np.round(x1 + (a2 == "a1") - (b2 == "b1") + 0.5 * (c3 == "c2") + rng.normal(0, 0.3, n), 4)
    return pd.DataFrame({"a2": a2, "b2": b2, "c3": c3, "x1": x1, "y": y})


def data_bool(seed=16, n=120):
    rng = np.random.default_rng(seed)
    f = rng.random(n) < 0.4
    f2 = rng.random(n) < 0.6
    x1 = np.round(rng.normal(0, 1, n), 4)
    logit = x1 + 1.2 * f - 0.8 * f2
    yb = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "yes", "no")
    return pd.DataFrame(
        {
            "flag": np.where(f, "true", "false"),
            "flag2": np.where(f2, "True", "False"),
            "x1": x1,
            "yb": yb,
        }
    )


def data_useall_false_bin(seed=17, n=150):
    rng = np.random.default_rng(seed)
    c1 = rng.choice(["red", "green", "blue"], n)
    c2 = rng.choice(["s", "m", "l", "xl"], n)
    x1 = np.round(rng.normal(10, 4, n), 4)
    logit = 0.3 * (x1 - 10) + (c1 == "red") - 0.7 * (c2 == "xl")
    yb = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "yes", "no")
    return pd.DataFrame({"c1": _nan_at(rng, c1, 10), "c2": _nan_at(rng, c2, 8), "x1": x1, "yb": yb})


# ---------------------------------------------------------------- cases
CASES = {
    "weights_reg": dict(
        data=lambda: data_weights(offset=False),
        x=["x1", "x2", "c1"],
        y="y",
        col_types={"x1": "numeric", "x2": "numeric", "c1": "enum", "y": "numeric", "w": "numeric"},
        params=dict(weights_column="w"),
    ),
    "weights_offset_reg": dict(
        data=lambda: data_weights(offset=True),
        x=["x1", "x2", "c1"],
        y="y",
        col_types={
            "x1": "numeric",
            "x2": "numeric",
            "c1": "enum",
            "y": "numeric",
            "w": "numeric",
            "off": "numeric",
        },
        params=dict(weights_column="w", offset_column="off"),
    ),
    "const_cols": dict(
        data=data_const,
        x=["k_const", "k_const_na", "k_allna", "c_one", "c_one_na", "x1", "c1"],
        y="y",
        col_types={
            "k_const": "numeric",
            "k_const_na": "numeric",
            "k_allna": "numeric",
            "c_one": "enum",
            "c_one_na": "enum",
            "x1": "numeric",
            "c1": "enum",
            "y": "numeric",
        },
        params=dict(),
    ),
    "const_cols_kept": None,  # const_cols with ignore_const_cols=False, filled in below
    "na_response": dict(
        data=lambda: data_na_response(pred_na=False),
        x=["x1", "x2", "c1"],
        y="y",
        col_types={"x1": "numeric", "x2": "numeric", "c1": "enum", "y": "numeric"},
        params=dict(),
    ),
    "asfactor_numeric": dict(
        data=data_asfactor,
        x=["code", "age", "x1"],
        y="y",
        col_types={"code": "enum", "age": "numeric", "x1": "numeric", "y": "numeric"},
        asfactor_after_import=["age"],
        params=dict(),
    ),
    "equal_card": dict(
        data=data_equal_card,
        x=["a2", "b2", "c3", "x1"],
        y="y",
        col_types={"a2": "enum", "b2": "enum", "c3": "enum", "x1": "numeric", "y": "numeric"},
        params=dict(),
    ),
    "bool_col": dict(
        data=data_bool,
        x=["flag", "flag2", "x1"],
        y="yb",
        col_types=None,  # default parsing on purpose
        params=dict(),
    ),
    "skip_missing": dict(
        data=lambda: data_na_response(pred_na=True),
        x=["x1", "x2", "c1"],
        y="y",
        col_types={"x1": "numeric", "x2": "numeric", "c1": "enum", "y": "numeric"},
        params=dict(missing_values_handling="Skip"),
    ),
    "useall_false_bin": dict(
        data=data_useall_false_bin,
        x=["c1", "c2", "x1"],
        y="yb",
        col_types={"c1": "enum", "c2": "enum", "x1": "numeric", "yb": "enum"},
        params=dict(use_all_factor_levels=False),
    ),
}
CASES["const_cols_kept"] = {**CASES["const_cols"], "params": dict(ignore_const_cols=False)}


def _jsonable(o):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


def run_case(name, spec):
    d = os.path.join(OUT, name)
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(d)
    csv = os.path.join(d, "train.csv")
    spec["data"]().to_csv(csv, index=False, na_rep="")

    params = dict(BASE, **spec["params"])
    info = dict(
        case=name,
        h2o_version=h2o.__version__,
        params=params,
        x=spec["x"],
        y=spec["y"],
        col_types=spec["col_types"],
        asfactor_after_import=spec.get("asfactor_after_import", []),
    )
    caught = []
    with warnings.catch_warnings(record=True) as wl:
        warnings.simplefilter("always")
        try:
            kw = {"col_types": spec["col_types"]} if spec["col_types"] else {}
            fr = h2o.import_file(csv, destination_frame=f"train_{name}", **kw)
            info["types_after_import"] = dict(fr.types)
            for c in spec.get("asfactor_after_import", []):
                fr[c] = fr[c].asfactor()
            info["types"] = dict(fr.types)
            info["frame_domains"] = {
                c: fr[c].levels()[0] for c, t in fr.types.items() if t == "enum"
            }
            info["nrows"] = fr.nrows
            m = H2ODeepLearningEstimator(**params)
            m.train(x=spec["x"], y=spec["y"], training_frame=fr)
            out = m._model_json["output"]
            info["output_names"] = list(out["names"])
            info["output_domains"] = [list(x) if x is not None else None for x in out["domains"]]
            info["output_column_types"] = list(out.get("column_types") or [])
            special = [params.get(k) for k in ("weights_column", "offset_column") if params.get(k)]
            info["special_columns"] = special
            used = [c for c in out["names"] if c != spec["y"] and c not in special]
            info["used_predictors"] = used
            info["ignored_predictors"] = [c for c in spec["x"] if c not in used]
            info["model_messages"] = [
                {
                    "level": mm.get("message_type"),
                    "field": mm.get("field_name"),
                    "message": mm.get("message"),
                }
                for mm in (m._model_json.get("messages") or [])
            ]
            with contextlib.suppress(Exception):
                info["model_summary"] = (
                    m._model_json["output"]["model_summary"].as_data_frame().to_dict(orient="list")
                )
            pred = m.predict(fr).as_data_frame(use_multi_thread=False)
            pred.to_csv(os.path.join(d, "h2o_pred.csv"), index=False)
            p = m.download_mojo(path=d)
            os.rename(p, os.path.join(d, "model.zip"))
        except Exception as e:  # record H2O's refusal and continue
            info["h2o_error"] = str(e)
            info["h2o_error_type"] = type(e).__name__
            traceback.print_exc()
        caught = [str(w.message) for w in wl if "single-thread" not in str(w.message)]
    info["python_warnings"] = caught
    with open(os.path.join(d, "case.json"), "w") as f:
        json.dump(info, f, indent=1, default=_jsonable)
    return info


def main():
    t0 = time.time()
    os.makedirs(OUT, exist_ok=True)
    h2o.init(port=54421, nthreads=1, max_mem_size="2G", bind_to_localhost=True, verbose=False)
    h2o.no_progress()
    try:
        todo = sys.argv[1:] or list(CASES)
        for name in todo:
            t = time.time()
            info = run_case(name, CASES[name])
            status = "ERROR: " + info["h2o_error"].splitlines()[0] if "h2o_error" in info else "ok"
            print(f"{name}: {status} ({time.time() - t:.1f}s)", flush=True)
            if "h2o_error" not in info:
                with zipfile.ZipFile(os.path.join(OUT, name, "model.zip")) as z:
                    ini = z.read("model.ini").decode()
                print(ini, flush=True)
    finally:
        h2o.cluster().shutdown()
    print(f"total {time.time() - t0:.1f}s")


if __name__ == "__main__":
    main()
