"""Generate the wide-network training fixture (tests/data/h2o_train/W1_wide).

The other training fixtures have three inputs and hidden layers of three or four units, so they
never reach the exact kernels' paths for wide layers: the eight-column vector blocks of the dot
product, and the one-call-per-unit ADADELTA update of units with at least
``EXACT_RUN_MAX_INPUTS`` (256) inputs. This run has 260 numeric inputs, hidden=[257, 9] with
Rectifier (units whose gradient is 0 are skipped) and reproducible=True.

Writes ``trainW.csv`` (values on a 1/64 grid), ``trainW_h2o_parsed.csv`` (the values as H2O parsed
them, 17 significant digits) and ``W1_wide/model.zip``. Requires h2o==3.46.0.11 and Java. Run from
the repository root: /work/venv/bin/python tools/make_wide_fixture.py
"""

from __future__ import annotations

from pathlib import Path

import h2o
import numpy as np
import pandas as pd
from h2o.estimators import H2ODeepLearningEstimator

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "h2o_train"
N_ROWS, N_COLS = 40, 260
PARAMS = dict(
    hidden=[257, 9], epochs=1.0, seed=21, activation="Rectifier", reproducible=True
)  # fmt: skip


def make_frame() -> pd.DataFrame:
    rng = np.random.default_rng(2026)
    x = np.round(rng.normal(size=(N_ROWS, N_COLS)) * 64) / 64
    frame = pd.DataFrame(x, columns=[f"x{j}" for j in range(N_COLS)])
    frame["y"] = np.round((x[:, :10].sum(axis=1) + rng.normal(size=N_ROWS)) * 64) / 64
    return frame


def main() -> None:
    csv = DATA / "trainW.csv"
    make_frame().to_csv(csv, index=False)
    h2o.init(ip="127.0.0.1", port=54760, nthreads=1, max_mem_size="1G", verbose=False)
    h2o.no_progress()
    try:
        frame = h2o.import_file(str(csv))
        parsed = frame.as_data_frame(use_multi_thread=False)
        parsed.to_csv(DATA / "trainW_h2o_parsed.csv", index=False, float_format="%.17g")
        x = [c for c in frame.columns if c != "y"]
        model = H2ODeepLearningEstimator(**PARAMS)
        model.train(x=x, y="y", training_frame=frame)
        out = DATA / "W1_wide"
        out.mkdir(exist_ok=True)
        path = model.download_mojo(path=str(out))
        Path(path).rename(out / "model.zip")
        print(f"wrote {out / 'model.zip'}; training MSE {model.mse():.6f}")
    finally:
        h2o.cluster().shutdown()


if __name__ == "__main__":
    main()
