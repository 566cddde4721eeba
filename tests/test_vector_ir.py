"""``vector_ir.frozen``: "the new value or the old one" stays a plain vector store.

LLVM compiles ``w[k] = new if keep else w[k]`` into a masked store (``vmaskmovps`` with AVX2,
``vmovups ... {%k}`` with AVX-512), which AMD's cores run in microcode. Freezing the old value must
leave the loop vectorised and free of masked stores, and change no value.
"""

from __future__ import annotations

import re

import numba as nb
import numpy as np
import pytest

from tabdl.engines.vector_ir import frozen

MASKED_STORE = re.compile(
    r"vmaskmovp[sd]\s+%[xy]mm\d+, %[xy]mm\d+, \(|vmovup[sd]\s+%[xyz]mm\d+, [^\n]*\{%k"
)


def _loop(freeze: bool):
    @nb.njit(cache=False, fastmath=True)
    def scale(w, a, g):
        for k in range(w.shape[0]):
            old = w[k]
            new = old + g * a[k] * old
            w[k] = new if a[k] != 0 else (frozen(old) if freeze else old)

    return scale


def _compiled(freeze: bool):
    scale = _loop(freeze)
    w = np.arange(64, dtype=np.float32)
    a = np.ones(64, np.float32)
    a[::3] = 0.0
    scale(w, a, np.float32(0.5))
    return w, next(iter(scale.inspect_asm().values()))


def test_frozen_changes_no_value():
    plain, _ = _compiled(False)
    kept, _ = _compiled(True)
    np.testing.assert_array_equal(plain, kept)
    np.testing.assert_array_equal(kept[::3], np.arange(64, dtype=np.float32)[::3])


def test_frozen_keeps_the_store_plain_and_the_loop_vectorised():
    _, unfrozen = _compiled(False)
    if not MASKED_STORE.search(unfrozen):
        pytest.skip("LLVM makes no masked store for this CPU: nothing to avoid")
    _, asm = _compiled(True)
    assert not MASKED_STORE.search(asm)
    assert re.search(r"%[yz]mm", asm), "the loop is no longer vectorised"
