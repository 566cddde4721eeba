"""tools/profile_online.py puts its probes at fixed lines of the online engine: they must still match."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ONLINE = ROOT / "src" / "tabdl" / "engines" / "online.py"


@pytest.fixture(scope="module")
def tool():
    spec = importlib.util.spec_from_file_location(
        "profile_online", ROOT / "tools" / "profile_online.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_probe_finds_its_line_in_the_engine(tool):
    """A change to the engine that moves a probed line fails here, naming the line."""
    patched = tool.patch_source(ONLINE.read_text())
    ast.parse(patched)  # the probes leave valid Python
    assert patched.count("_rdtsc()") == len(tool.ANCHORS) - 1  # every anchor but the import one
    assert "def _rdtsc(typingctx)" in patched


def test_a_stale_anchor_is_named(tool):
    source = ONLINE.read_text().replace("    # -- forward ---", "    # -- forward pass ---")
    with pytest.raises(ValueError, match="forward ---.*occurs 0 times"):
        tool.patch_source(source)
