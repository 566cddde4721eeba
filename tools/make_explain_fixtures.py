"""Generate H2O-3 oracles for ``tabdl.explain`` (tests/data/h2o_explain/).

Trains, on a local H2O-3 3.46.0.11 (port 54521, nthreads=1), reproducible runs that tabdl trains bit
for bit (same parameters as the shared fixtures C1, C3, C4, C5, D1..D6 and the local M1), plus an
autoencoder and a network without hidden layer, and stores for each:

* ``header``: the model summary's title and description, as h2o-py prints them
  ("Status of Neuron Layers: predicting y, regression, ...");
* ``summary``: the "Status of Neuron Layers" table (``as_data_frame()``);
* ``varimp``: ``model.varimp()`` (the shared D-run fixtures lack it), or the error H2O raised;
* ``samples``: the training samples processed;
* ``data``, ``x``, ``y``, ``col_types``, ``params``: how the run was made;

and the MOJO (``model.zip``), so that runs tabdl cannot train yet (the autoencoder) are checked on
H2O's own weights.

Requires h2o==3.46.0.11 and Java. Run: /work/venv/bin/python tools/make_explain_fixtures.py
"""

from __future__ import annotations

import json
import os
import time

import h2o
from h2o.estimators import H2ODeepLearningEstimator

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "tests", "data", "h2o_train")
OUT = os.path.join(ROOT, "tests", "data", "h2o_explain")
PORT = 54521
X = ["x1", "x2", "c1"]
COLTYPES_C = {"c1": "enum", "yc": "enum"}
COLTYPES_D = {"c1": "enum"}

BASE = dict(epochs=1.0, activation="Tanh", reproducible=True, overwrite_with_best_model=False)
BASE_C = dict(BASE, hidden=[3], seed=1234)
BASE_D = dict(BASE, hidden=[3], seed=4321)
SGD_C3 = dict(
    hidden=[3],
    epochs=2.0,
    seed=99,
    activation="Rectifier",
    reproducible=True,
    overwrite_with_best_model=False,
    adaptive_rate=False,
    rate=0.01,
    rate_annealing=1e-3,
    momentum_start=0.5,
    momentum_ramp=100.0,
    momentum_stable=0.9,
    l1=1e-3,
    l2=1e-3,
    max_w2=2.0,
)
NONEST_C5 = dict(
    hidden=[3],
    epochs=2.0,
    seed=99,
    activation="Tanh",
    reproducible=True,
    overwrite_with_best_model=False,
    adaptive_rate=False,
    rate=0.01,
    rate_annealing=1e-3,
    momentum_start=0.5,
    momentum_ramp=100.0,
    momentum_stable=0.9,
    nesterov_accelerated_gradient=False,
    rate_decay=0.5,
)
CLS_C4 = dict(
    BASE,
    hidden=[3],
    seed=77,
    activation="TanhWithDropout",
    hidden_dropout_ratios=[0.4],
    input_dropout_ratio=0.2,
)

# run -> (data, response, parameters)
RUNS = {
    "C1_ada": ("trainC", "y", BASE_C),
    "C3_sgd": ("trainC", "y", SGD_C3),
    "C4_cls": ("trainC", "yc", CLS_C4),
    "C5_nonest": ("trainC", "y", NONEST_C5),
    "D1_huber": ("trainD", "y", dict(BASE_D, distribution="huber", huber_alpha=0.9)),
    "D2_laplace": ("trainD", "y", dict(BASE_D, distribution="laplace")),
    "D3_quant": ("trainD", "y", dict(BASE_D, distribution="quantile", quantile_alpha=0.8)),
    "D4_pois": ("trainD", "cnt", dict(BASE_D, distribution="poisson")),
    "D5_gamma": ("trainD", "yp", dict(BASE_D, distribution="gamma")),
    "D6_tweedie": ("trainD", "yp", dict(BASE_D, distribution="tweedie", tweedie_power=1.3)),
    "M1_maxout": ("trainC", "yc", dict(BASE, hidden=[3], seed=11, activation="Maxout")),
    "AE1_autoencoder": ("trainC", None, dict(BASE_C, hidden=[2], autoencoder=True)),
    "N0_no_hidden": ("trainC", "y", dict(BASE_C, hidden=[])),
}


def _frame(data: str):
    types = COLTYPES_C if data.startswith("trainC") else COLTYPES_D
    return h2o.import_file(os.path.join(DATA, f"{data}.csv"), col_types=types), types


def _run(name: str, data: str, y: str | None, params: dict) -> dict:
    frame, types = _frame(data)
    model = H2ODeepLearningEstimator(**params)
    model.train(x=X, y=y, training_frame=frame)
    folder = os.path.join(OUT, name)
    os.makedirs(folder, exist_ok=True)
    os.replace(model.download_mojo(path=folder), os.path.join(folder, "model.zip"))
    table = model._model_json["output"]["model_summary"]
    try:
        varimp = model.varimp()
        varimp_error = None
    except Exception as error:  # noqa: BLE001 - record whatever H2O says
        varimp, varimp_error = None, f"{type(error).__name__}: {error}"
    history = model.scoring_history()
    return {
        "data": data,
        "x": X,
        "y": y,
        "col_types": types,
        "params": params,
        "header": f"{table._table_header}: {table._table_description}",
        "summary": table.as_data_frame().to_dict(orient="list"),
        "varimp": varimp,
        "varimp_error": varimp_error,
        "samples": None if history is None else float(history["samples"].iloc[-1]),
    }


def main() -> None:
    h2o.init(nthreads=1, port=PORT, verbose=False)
    h2o.no_progress()
    version = h2o.cluster().version
    if version != "3.46.0.11":
        raise SystemExit(f"these fixtures need H2O 3.46.0.11, found {version}")
    try:
        for name, (data, y, params) in RUNS.items():
            try:
                info = _run(name, data, y, params)
            except Exception as error:  # noqa: BLE001 - a run H2O refuses is itself a fact
                info = {"data": data, "y": y, "params": params, "error": str(error)[:2000]}
            os.makedirs(os.path.join(OUT, name), exist_ok=True)
            with open(os.path.join(OUT, name, "info.json"), "w") as out:
                json.dump(info, out, indent=1, default=str)
            print(name, info.get("header") or info.get("error", "")[:200])
    finally:
        h2o.cluster().shutdown()
        time.sleep(3)  # let the JVM free the port before another run starts one


if __name__ == "__main__":
    main()
