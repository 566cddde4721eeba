"""Write H2O-3's model metrics on synthetic predictions, as oracles for ``tabdl.metrics``.

Starts H2O 3.46.0.11 (port 54521, one thread), builds synthetic cases from a fixed numpy seed and asks
H2O for its metrics:

* ``h2o.make_metrics(predicted, actual, domain=..., distribution=..., weights=..., auc_type=...)`` for
  regression (gaussian, poisson, gamma, laplace: the families ``make_metrics`` accepts), binomial
  (few and many distinct probabilities, with and without weights, one case spread over several
  chunks) and multinomial (4 classes, every ``auc_type``, with and without weights);
* ``model.model_performance(frame)`` of small Deep Learning models trained with a weights column for
  the families ``make_metrics`` refuses (tweedie, quantile, huber), on the model's own predictions.

Every case is written under ``tests/data/h2o_metrics/``: ``<case>.csv`` holds the inputs exactly as H2O
held them (downloaded as hexadecimal doubles, because H2O's CSV parser is not correctly rounded) and
``<case>.json`` holds H2O's scalars, tables, printed form and the frame's chunk layout. ``cases.json``
lists the cases. Needs ``h2o`` and Java; run from the repository root.
"""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import h2o
import numpy as np
import pandas as pd
from h2o.estimators import H2ODeepLearningEstimator

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "h2o_metrics"
SEED = 20240607
MULTI_DOMAIN = ["a", "b", "c", "d"]
BIN_DOMAIN = ["no", "yes"]
AUC_TYPES = ["NONE", "AUTO", "MACRO_OVR", "WEIGHTED_OVR", "MACRO_OVO", "WEIGHTED_OVO"]
TABLE_KEYS = (
    "thresholds_and_metric_scores",
    "max_criteria_and_metric_scores",
    "gains_lift_table",
    "hit_ratio_table",
    "multinomial_auc_table",
    "multinomial_aucpr_table",
)
SCALAR_KEYS = (
    "nobs",
    "MSE",
    "RMSE",
    "r2",
    "mae",
    "rmsle",
    "mean_residual_deviance",
    "logloss",
    "AUC",
    "pr_auc",
    "Gini",
    "mean_per_class_error",
    "description",
)


def _table(t) -> dict | None:
    """An H2OTwoDimTable as plain JSON (header, column names and types, rows)."""
    if t is None or isinstance(t, str):
        return None
    rows = [[_plain(v) for v in row] for row in t.cell_values]
    return {
        "header": t._table_header,
        "description": t._table_description,
        "columns": list(t.col_header),
        "types": list(t.col_types) if t.col_types else None,
        "rows": rows,
    }


def _plain(v):
    if isinstance(v, str) and v in ("NaN", "Infinity", "-Infinity"):
        return float(v.replace("Infinity", "inf"))
    if isinstance(v, (np.floating, float)):
        return float(v)
    if isinstance(v, (np.integer, int)):
        return int(v)
    return v


def _metrics_json(mm) -> dict:
    """The scalars, tables and printed form of an h2o-py metrics object."""
    js = mm._metric_json
    out = {k: _plain(js[k]) for k in SCALAR_KEYS if k in js}
    for key in TABLE_KEYS:
        if key in js:
            out[key] = _table(js[key])
    if js.get("cm") is not None:
        out["cm"] = _table(js["cm"]["table"])
    if "domain" in js:
        out["domain"] = js["domain"]
    out["printed"] = str(mm)
    if hasattr(mm, "confusion_matrix") and "thresholds_and_metric_scores" in js:
        cm = mm.confusion_matrix()
        out["py_confusion_matrix"] = _table(cm.table) if cm is not None else None
    return out


def _hex_download(frame: h2o.H2OFrame) -> pd.DataFrame:
    """The frame's numeric values exactly as H2O holds them."""
    text = h2o.api("GET /3/DownloadDataset", data={"frame_id": frame.frame_id, "hex_string": True})
    raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    return pd.DataFrame({col: [_parse_number(v) for v in raw[col]] for col in raw.columns})


def _parse_number(text: str) -> float:
    """A value of H2O's hex download: hexadecimal for doubles, decimal for whole-number columns."""
    if text in ("", "NA"):
        return math.nan
    return float.fromhex(text) if "0x" in text else float(text)


def _chunk_rows(frame: h2o.H2OFrame) -> list[int]:
    info = h2o.api(f"GET /3/FrameChunks/{frame.frame_id}")
    return [int(c["row_count"]) for c in info["chunks"]]


def _upload(df: pd.DataFrame, types: dict[str, str], dummy_cols: int = 0, rng=None) -> h2o.H2OFrame:
    """Upload ``df``; extra random columns make H2O's parser split the frame into several chunks."""
    if dummy_cols:
        extra = pd.DataFrame(
            rng.normal(size=(len(df), dummy_cols)), columns=[f"z{i}" for i in range(dummy_cols)]
        )
        df = pd.concat([df, extra], axis=1)
        types = {**types, **{c: "real" for c in extra.columns}}
    return h2o.H2OFrame(df, column_types=types)


def _write_case(name: str, inputs: pd.DataFrame, result: dict, meta: dict, index: list) -> None:
    inputs.to_csv(OUT / f"{name}.csv", index=False, float_format="%.17g")
    with open(OUT / f"{name}.json", "w") as fh:
        json.dump({**meta, "h2o": result}, fh, indent=1)
    index.append({"name": name, **meta})
    print(f"wrote {name}: {len(inputs)} rows")


# -- regression -------------------------------------------------------------------------------------


def regression_cases(rng, index: list) -> None:
    n = 400
    y = rng.normal(1.0, 2.0, n)
    y[rng.choice(n, 6, replace=False)] = np.nan
    f = np.where(np.isnan(y), 0.5, y) + rng.normal(0, 1.0, n)
    w = np.round(rng.uniform(0.2, 3.0, n), 2)
    w[rng.choice(n, 10, replace=False)] = 0.0
    lam = np.exp(rng.normal(0.5, 0.5, n))
    cnt = rng.poisson(lam).astype(float)
    f_pois = lam * np.exp(rng.normal(0, 0.2, n))
    ygam = rng.gamma(2.0, 1.5, n)
    f_gam = ygam * np.exp(rng.normal(0, 0.3, n))
    ypos = np.abs(y) + 0.1
    specs = {
        "reg_gaussian": (y, f, None, "gaussian"),
        "reg_gaussian_w": (y, f, w, "gaussian"),
        "reg_gaussian_pos_w": (ypos, np.abs(f) + 0.2, w, "gaussian"),
        "reg_poisson_w": (cnt, f_pois, w, "poisson"),
        "reg_gamma_w": (ygam, f_gam, w, "gamma"),
        "reg_laplace_w": (y, f, w, "laplace"),
    }
    for name, (act, pred, wt, dist) in specs.items():
        df = pd.DataFrame({"actual": act, "predicted": pred})
        types = {"actual": "real", "predicted": "real"}
        if wt is not None:
            df["weight"] = wt
            types["weight"] = "real"
        fr = _upload(df, types)
        held = _hex_download(fr)
        mm = h2o.make_metrics(
            fr["predicted"],
            fr["actual"],
            distribution=dist,
            weights=fr["weight"] if wt is not None else None,
        )
        meta = {"kind": "regression", "distribution": dist, "chunk_rows": _chunk_rows(fr)}
        _write_case(name, held[list(df.columns)], _metrics_json(mm), meta, index)


def trained_regression_cases(rng, index: list) -> None:
    """Families ``make_metrics`` refuses: metrics of a small DL model on its own predictions."""
    n = 300
    x1, x2 = rng.normal(size=n), rng.uniform(-1, 1, n)
    ypos = rng.gamma(2.0, np.exp(0.3 * x1 + 0.2 * x2))
    ypos[rng.choice(n, 20, replace=False)] = 0.0
    yreal = 1.5 * x1 - x2 + rng.standard_t(3, n)
    w = rng.choice([0.5, 1.0, 2.0, 3.0], n)
    specs = {
        "dl_tweedie_w": ("ypos", dict(distribution="tweedie", tweedie_power=1.4)),
        "dl_quantile_w": ("yreal", dict(distribution="quantile", quantile_alpha=0.7)),
        "dl_huber_w": ("yreal", dict(distribution="huber", huber_alpha=0.8)),
        "dl_huber": ("yreal", dict(distribution="huber", huber_alpha=0.9)),
    }
    df = pd.DataFrame({"x1": x1, "x2": x2, "ypos": ypos, "yreal": yreal, "w": w})
    fr = _upload(df, {c: "real" for c in df.columns})
    held = _hex_download(fr)
    for name, (ycol, kw) in specs.items():
        weighted = name.endswith("_w")
        model = H2ODeepLearningEstimator(
            hidden=[4], epochs=2, seed=11, reproducible=True, activation="Tanh", **kw
        )
        model.train(
            x=["x1", "x2"], y=ycol, training_frame=fr, weights_column="w" if weighted else None
        )
        pred = _hex_download(model.predict(fr))["predict"].to_numpy()
        mm = model.model_performance(fr)
        inputs = pd.DataFrame({"actual": held[ycol], "predicted": pred})
        if weighted:
            inputs["weight"] = held["w"]
        params = {k: v for k, v in kw.items() if k != "distribution"}
        meta = {
            "kind": "regression",
            "distribution": kw["distribution"],
            "params": params,
            "chunk_rows": _chunk_rows(fr),
        }
        _write_case(name, inputs, _metrics_json(mm), meta, index)


# -- binomial ---------------------------------------------------------------------------------------


def binomial_cases(rng, index: list) -> None:
    palette = np.round(np.sort(rng.uniform(0.01, 0.99, 60)), 3)
    n_few = 1000
    p_few = rng.choice(palette, n_few)
    y_few = (rng.random(n_few) < p_few).astype(int)
    w_few = rng.choice([0.5, 1.0, 1.5, 2.0, 3.0], n_few)
    n_many = 5000
    p_many = rng.beta(2.0, 3.0, n_many)
    y_many = (rng.random(n_many) < p_many).astype(int)
    w_many = rng.integers(1, 5, n_many).astype(float)
    n_ch = 8000
    p_ch = rng.beta(1.5, 2.5, n_ch)
    y_ch = (rng.random(n_ch) < p_ch).astype(int)
    w_ch = np.round(rng.uniform(0.1, 4.0, n_ch), 1)
    specs = {
        "bin_few": (p_few, y_few, None, 0),
        "bin_few_w": (p_few, y_few, w_few, 0),
        "bin_many": (p_many, y_many, None, 0),
        "bin_many_w": (p_many, y_many, w_many, 0),
        "bin_chunked_w": (p_ch, y_ch, w_ch, 160),
    }
    for name, (p1, y, w, dummies) in specs.items():
        df = pd.DataFrame({"p1": p1, "label": np.array(BIN_DOMAIN)[y]})
        types = {"p1": "real", "label": "enum"}
        if w is not None:
            df["weight"] = w
            types["weight"] = "real"
        fr = _upload(df, types, dummies, rng)
        held = _hex_download(fr[[c for c in df.columns if c != "label"]])
        mm = h2o.make_metrics(
            fr["p1"],
            fr["label"],
            domain=BIN_DOMAIN,
            weights=fr["weight"] if w is not None else None,
        )
        inputs = pd.DataFrame({"actual": y, "p1": held["p1"]})
        if w is not None:
            inputs["weight"] = held["weight"]
        meta = {"kind": "binomial", "domain": BIN_DOMAIN, "chunk_rows": _chunk_rows(fr)}
        _write_case(name, inputs, _metrics_json(mm), meta, index)


# -- multinomial ------------------------------------------------------------------------------------


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def multinomial_cases(rng, index: list) -> None:
    k = len(MULTI_DOMAIN)
    palette = _softmax(rng.normal(0, 1.2, (40, k)))
    n_few = 800
    rows = rng.integers(0, len(palette), n_few)
    p_few = palette[rows]
    y_few = np.array([rng.choice(k, p=p) for p in p_few])
    w_few = rng.choice([0.5, 1.0, 2.0, 2.5], n_few)
    n_many = 3000
    p_many = _softmax(rng.normal(0, 1.0, (n_many, k)) + rng.normal(0, 0.5, k))
    y_many = np.array([rng.choice(k, p=p) for p in p_many])
    w_many = np.round(rng.uniform(0.1, 3.0, n_many), 1)
    specs = {
        "mult_few": (p_few, y_few, None, 0, AUC_TYPES),
        "mult_few_w": (p_few, y_few, w_few, 0, AUC_TYPES),
        "mult_chunked_w": (p_many, y_many, w_many, 300, ["MACRO_OVR", "WEIGHTED_OVO"]),
    }
    pcols = [f"p_{d}" for d in MULTI_DOMAIN]
    for name, (p, y, w, dummies, auc_types) in specs.items():
        df = pd.DataFrame(p, columns=pcols)
        df["label"] = np.array(MULTI_DOMAIN)[y]
        types = {**{c: "real" for c in pcols}, "label": "enum"}
        if w is not None:
            df["weight"] = w
            types["weight"] = "real"
        fr = _upload(df, types, dummies, rng)
        held = _hex_download(fr[[c for c in df.columns if c != "label"]])
        inputs = pd.DataFrame({"actual": y})
        for c in pcols:
            inputs[c] = held[c]
        if w is not None:
            inputs["weight"] = held["weight"]
        results = {}
        for auc_type in auc_types:
            mm = h2o.make_metrics(
                fr[pcols],
                fr["label"],
                domain=MULTI_DOMAIN,
                weights=fr["weight"] if w is not None else None,
                auc_type=auc_type,
            )
            results[auc_type] = _metrics_json(mm)
        meta = {"kind": "multinomial", "domain": MULTI_DOMAIN, "chunk_rows": _chunk_rows(fr)}
        _write_case(name, inputs, results, meta, index)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    h2o.init(ip="127.0.0.1", port=54521, nthreads=1, max_mem_size="2G", verbose=False)
    h2o.no_progress()
    index: list = []
    try:
        regression_cases(rng, index)
        trained_regression_cases(rng, index)
        binomial_cases(rng, index)
        multinomial_cases(rng, index)
        version = h2o.cluster().version
    finally:
        h2o.cluster().shutdown()
    with open(OUT / "cases.json", "w") as fh:
        json.dump({"h2o_version": version, "seed": SEED, "cases": index}, fh, indent=1)


if __name__ == "__main__":
    main()
