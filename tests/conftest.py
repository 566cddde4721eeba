"""Shared fixtures: paths of the H2O oracle data, and genmodel (H2O's MOJO runtime) as a scorer."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

DATA = Path(__file__).parent / "data"
H2O = DATA / "h2o"


def read_h2o_parsed(path: Path, dtype: dict | None = None) -> pd.DataFrame:
    """Read a ``*_h2o_parsed.csv`` fixture: the values H2O parsed, 17 significant digits, bit for bit.

    Bit-for-bit parity needs the exact doubles H2O trained on. pandas before 3.1 reads floats with a
    fast routine that is not correctly rounded (on pandas 3.0.6 some values of trainC came back one
    ulp off); Python's ``float()`` is correctly rounded, so every column not named in ``dtype`` is
    read as text and converted with it.
    """
    dtype = dtype or {}
    frame = pd.read_csv(path, dtype=str)
    for name in frame.columns:
        if name in dtype:
            frame[name] = frame[name].astype(dtype[name])
        else:
            frame[name] = [float(v) if isinstance(v, str) else float("nan") for v in frame[name]]
    return frame


#: The A-runs of the H2O fixtures: MOJO scoring oracles (see tests/data/h2o/trainA.py).
A_RUNS = ("A1_reg", "A2_bin", "A3_mult", "A4_pois", "A5_ae", "A6_nostd", "A7_rdrop", "A8_lap")


@pytest.fixture(scope="session")
def h2o_dir() -> Path:
    return H2O


@pytest.fixture(scope="session")
def genmodel(tmp_path_factory):
    """Return a function scoring (MOJO, frame) with genmodel's PredictCsv."""
    h2o = pytest.importorskip("h2o")
    java = shutil.which("java")
    if java is None:
        pytest.skip("Java is not installed: genmodel cannot run")
    candidates = [Path(h2o.__file__).parent / "backend" / "bin" / "h2o.jar"]
    try:
        from h2o.backend.server import H2OLocalServer

        candidates += [Path(p) for p in H2OLocalServer._jar_paths()]
    except (ImportError, AttributeError):
        pass
    jar = next((p for p in candidates if p.is_file()), None)
    if jar is None:
        pytest.skip("the h2o package has no h2o.jar")
    folder = tmp_path_factory.mktemp("genmodel")

    def score(mojo: Path, frame: pd.DataFrame) -> pd.DataFrame:
        source, output = folder / f"{mojo.stem}_in.csv", folder / f"{mojo.stem}_out.csv"
        text = frame.to_csv(index=False)
        # PredictCsv's CSV reader takes a backslash for an escape character
        source.write_text(text.replace("\\", "\\\\"), encoding="utf-8")
        command = [java, "-Dfile.encoding=UTF-8", "-cp", str(jar), "hex.genmodel.tools.PredictCsv",
                   "--mojo", str(mojo), "--input", str(source), "--output", str(output),
                   "--decimal"]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        return pd.read_csv(output, dtype={"predict": str}, keep_default_na=False)

    return score
