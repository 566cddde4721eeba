"""Every script in examples/ runs, with small settings, and passes the checks it makes itself.

Each example asserts its own results against an oracle (scikit-learn's metrics, a closed form, the
model read back from disk); here it runs in a fresh interpreter, as a user runs it, on this
checkout's tabdl. Examples that read data tabdl does not ship skip where the data is absent.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
#: Data that the project does not ship (see /work/shared/data/README.md for their licences).
SHARED = ROOT.parent / "shared" / "data"

#: name: (arguments, data files it needs, text its output must hold, slow: over 10 s here)
CASES = {
    "train_predict": (["--epochs", "5", "--out", "{tmp}"], [], "loaded back, the predictions are the same", False),
    "insurance_tweedie": (["--data", str(SHARED / "insurance.csv"), "--epochs", "100"],
                          ["insurance.csv"], "twice the holders: predictions x 2.0000", False),
    "prostate_cross_validation": (["--epochs", "3", "--nfolds", "5"], [],
                                  "scikit-learn on the holdout predictions", True),
    "porting_from_h2o": (["--epochs", "2", "--out", "{tmp}"], [], "grid of 4 models", False),
    "anomaly_detection": (["--plot", "{tmp}/anomaly.png"], [], "", False),
    "class_balancing": ([], [], "", False),
    "interpreting_a_model": ([str(SHARED)], ["prostate.csv", "wine.csv", "diabetes.csv"],
                             "scikit-learn", False),
    "model_selection": ([], [], "", False),
    "models_on_disk": ([], [], "bit for bit: True", False),
    "sklearn_pipeline": ([str(SHARED)], ["penguins.csv"], "", False),
}  # fmt: skip


def test_every_example_is_run_here():
    assert sorted(CASES) == sorted(p.stem for p in EXAMPLES.glob("*.py"))


PARAMS = [
    pytest.param(name, id=name, marks=[pytest.mark.slow] if slow else [])
    for name, (_, _, _, slow) in CASES.items()
]


@pytest.mark.parametrize("name", PARAMS)
def test_example_runs_and_passes_its_checks(name, tmp_path):
    arguments, needs, expected, _ = CASES[name]
    missing = [n for n in needs if not (SHARED / n).is_file()]
    if missing:
        pytest.skip(f"{', '.join(missing)} not in {SHARED} (not shipped with tabdl)")
    env = dict(os.environ, MPLBACKEND="Agg",
               PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))  # fmt: skip
    command = [sys.executable, str(EXAMPLES / f"{name}.py"),
               *(a.replace("{tmp}", str(tmp_path)) for a in arguments)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, env=env,
                          timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert expected in done.stdout
    assert "Traceback" not in done.stderr
