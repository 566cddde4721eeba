"""``predict(precision="float32")``: the same predictions as H2O's float64 scoring, to float32 precision."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tabdl
from tabdl.errors import ParameterError

from conftest import A_RUNS, H2O


@pytest.mark.parametrize("run", A_RUNS)
def test_float32_scoring_agrees_with_float64_on_every_h2o_mojo(run):
    model = tabdl.import_mojo(H2O / run / "model.zip")
    frame = pd.read_csv(H2O / "test.csv")
    exact = model.predict(frame)
    fast = model.predict(frame, precision="float32")
    assert list(fast.columns) == list(exact.columns)
    numeric = [c for c in exact.columns if c != "predict" or exact[c].dtype.kind == "f"]
    values64 = exact[numeric].to_numpy(dtype=np.float64)
    values32 = fast[numeric].to_numpy(dtype=np.float64)
    assert not np.array_equal(values32, values64)  # float32 arithmetic, not a copy of float64's
    scale = max(1.0, float(np.abs(values64).max()))
    np.testing.assert_allclose(values32, values64, rtol=0, atol=2e-5 * scale)


def test_float32_scoring_covers_categoricals_and_maxout():
    frame = pd.read_csv(H2O / "train.csv")
    model = tabdl.DeepLearningEstimator(
        hidden=[12, 6], activation="Maxout", epochs=3, seed=2, reproducible=True
    ).train(x=["x1", "x2", "x3", "c1", "c2", "c3"], y="y", training_frame=frame)
    exact = model.predict(frame)["predict"].to_numpy()
    fast = model.predict(frame, precision="float32")["predict"].to_numpy()
    np.testing.assert_allclose(fast, exact, rtol=0, atol=1e-5 * np.abs(exact).max())


def test_an_unknown_precision_is_refused_with_the_choices():
    model = tabdl.import_mojo(H2O / "A1_reg" / "model.zip")
    with pytest.raises(
        ParameterError, match="precision='float16' is not one of 'float64', 'float32'"
    ):
        model.predict(pd.read_csv(H2O / "test.csv"), precision="float16")
