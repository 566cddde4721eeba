"""H2O-3 3.46.0.11 autoencoders with the sparsity penalty, as oracles for tabdl's.

Trains reproducible autoencoders with ``sparsity_beta`` and ``average_activation`` on the training
fixture ``tests/data/h2o_train/trainC.csv`` and writes each MOJO and its parameters under
``tests/data/h2o_sparsity/<run>/``. Needs ``h2o==3.46.0.11`` and Java; run from the repository root.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import h2o
from h2o.estimators import H2ODeepLearningEstimator

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
OUT = DATA / "h2o_sparsity"
BASE = dict(
    hidden=[3], seed=77, reproducible=True, autoencoder=True, overwrite_with_best_model=False
)
RUNS = {
    "S1_tanh_e1": dict(
        BASE, activation="Tanh", epochs=1.0, sparsity_beta=0.3, average_activation=-0.2
    ),
    "S2_tanh_e3": dict(
        BASE, activation="Tanh", epochs=3.0, sparsity_beta=0.3, average_activation=-0.2
    ),
    "S3_rect_e2": dict(
        BASE, activation="Rectifier", epochs=2.0, sparsity_beta=0.5, average_activation=0.1
    ),
}

h2o.init(ip="127.0.0.1", port=54641, nthreads=1, max_mem_size="1G", verbose=False)
h2o.no_progress()
try:
    frame = h2o.import_file(
        str(DATA / "h2o_train" / "trainC.csv"), col_types={"c1": "enum", "yc": "enum"}
    )
    for name, params in RUNS.items():
        model = H2ODeepLearningEstimator(**params)
        model.train(x=["x1", "x2", "c1"], training_frame=frame)
        folder = OUT / name
        folder.mkdir(parents=True, exist_ok=True)
        path = model.download_mojo(path=str(folder))
        shutil.move(path, folder / "model.zip")
        sh = model.scoring_history()
        info = {"params": params, "iterations": [int(i) for i in sh["iterations"]]}
        (folder / "info.json").write_text(json.dumps(info, indent=1) + "\n")
        print(name, "iterations", info["iterations"])
finally:
    h2o.cluster().shutdown()
