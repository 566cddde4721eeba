"""H2O-3's ADADELTA weight step, eight weights a vector, without changing one bit.

H2O updates each weight with float32 state (E[dx^2], E[g^2]) and float64 intermediates
(``_adadelta_step_exact`` in ``online.py`` spells the arithmetic out). Compiled from that scalar
code, LLVM vectorises the loop with as many lanes as a register holds doubles: four with AVX2, so
every float32 operation runs on half a register. ``adadelta_blocks8`` writes the loop in LLVM IR
with eight lanes (one AVX2 register of floats, two of doubles), in two passes over a unit's weights:

1. each weight's gradient ``g * pa[k]`` and its square, the new E[g^2] and the step size
   ``approxSqrt((E[dx^2] + eps) / (E[g^2] + eps))``, which goes to the scratch ``steps``;
2. the new E[dx^2] and the new weight, from the step size.

One pass held a chain of about seventy cycles of latency a weight, and the out-of-order core ran out
of scheduler entries before it ran out of arithmetic units; two passes, half the chain each, do the
same operations. ``_units_unmasked`` on 200-input units, AMD Zen 3 (AVX2), the fastest of 300
calls: 5.4 to 3.9 cycles a weight, bit for bit the scalar step (``tests/test_h2o_adadelta.py``).

``adadelta_blocks8_masked`` leaves a weight alone where its input is zero, as H2O's ``fast_mode``
does (its squared gradient reads +0.0): 7.2 to 5.0 cycles a weight, the masked stores that LLVM
makes of "the new value or the old one" avoided (``vector_ir.freeze``). The last ``n % 8`` weights
of a unit are the caller's (``_adadelta_plain_exact`` gives them the scalar step). The IR has no
fast-math flags: LLVM neither fuses a multiply and an add nor reorders anything.
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from tabdl.engines.vector_ir import (
    DOUBLE,
    FLOAT,
    I64,
    LANES,
    VEC_D,
    VEC_F,
    VEC_I,
    counted_loop,
    freeze,
    load_vector,
    splat,
    store_vector,
)

#: MathUtils.approxSqrt(float): intBitsToFloat(532483686 + (floatToRawIntBits(x) >> 1))
APPROX_SQRT_MAGIC = 532483686


def _check_arrays(weights, edx, eg, g2, steps, inputs) -> None:
    for name, array, dtype in (
        ("weights", weights, types.float32),
        ("E[dx^2]", edx, types.float32),
        ("E[g^2]", eg, types.float32),
        ("squared gradients", g2, types.float64),
        ("steps", steps, types.float32),
        ("inputs", inputs, types.float64),
    ):
        if not (isinstance(array, types.Array) and array.dtype == dtype and array.ndim == 1):
            raise TypeError(f"adadelta_blocks8: the {name} must be a 1-d {dtype} array")
        if array.layout != "C":
            raise TypeError(f"adadelta_blocks8: the {name} must be contiguous")


def _emit(context, builder, signature, args, masked: bool) -> None:
    arrays = [
        context.make_array(kind)(context, builder, value).data
        for kind, value in zip(signature.args[:6], args[:6], strict=True)
    ]
    weights, edx, eg, g2, steps, inputs = arrays
    n_blocks, g, rho, eps = args[6:]
    omr = builder.fsub(ir.Constant(FLOAT, 1.0), rho)
    g_v = splat(builder, g, VEC_D)
    rho_v = splat(builder, rho, VEC_F)
    omr_v = splat(builder, omr, VEC_F)
    omr_d = splat(builder, builder.fpext(omr, DOUBLE), VEC_D)
    eps_v = splat(builder, eps, VEC_F)
    magic = ir.Constant(VEC_I, [APPROX_SQRT_MAGIC] * LANES)
    one = ir.Constant(VEC_I, [1] * LANES)
    zero = ir.Constant(VEC_D, [0.0] * LANES)
    eight = ir.Constant(I64, LANES)

    def keep(a):  # fast_mode updates a weight whose input is not 0 (NaN included)
        return builder.fcmp_unordered("!=", a, zero)

    def rates(block, carried):
        k = builder.mul(block, eight)
        a = load_vector(builder, inputs, DOUBLE, k, VEC_D, 8)
        grad = builder.fmul(g_v, a)
        grad2 = builder.fmul(grad, grad)
        eg_old = load_vector(builder, eg, FLOAT, k, VEC_F, 4)
        decayed = builder.fpext(builder.fmul(rho_v, eg_old), VEC_D)
        eg_new = builder.fptrunc(builder.fadd(decayed, builder.fmul(omr_d, grad2)), VEC_F)
        dx_old = load_vector(builder, edx, FLOAT, k, VEC_F, 4)
        ratio = builder.fdiv(builder.fadd(dx_old, eps_v), builder.fadd(eg_new, eps_v))
        root = builder.add(builder.ashr(builder.bitcast(ratio, VEC_I), one), magic)
        if masked:
            kept = keep(a)
            eg_new = builder.select(kept, eg_new, freeze(builder, eg_old))
            grad2 = builder.select(kept, grad2, zero)
        store_vector(builder, eg, FLOAT, k, eg_new, 4)
        store_vector(builder, g2, DOUBLE, k, grad2, 8)
        store_vector(builder, steps, FLOAT, k, builder.bitcast(root, VEC_F), 4)
        return carried

    def moves(block, carried):
        k = builder.mul(block, eight)
        a = load_vector(builder, inputs, DOUBLE, k, VEC_D, 8)
        grad = builder.fmul(g_v, a)
        grad2 = load_vector(builder, g2, DOUBLE, k, VEC_D, 8)
        step = load_vector(builder, steps, FLOAT, k, VEC_F, 4)
        scaled = builder.fpext(builder.fmul(builder.fmul(omr_v, step), step), VEC_D)
        dx_old = load_vector(builder, edx, FLOAT, k, VEC_F, 4)
        decayed = builder.fpext(builder.fmul(rho_v, dx_old), VEC_D)
        dx_new = builder.fptrunc(builder.fadd(decayed, builder.fmul(scaled, grad2)), VEC_F)
        w_old = load_vector(builder, weights, FLOAT, k, VEC_F, 4)
        moved = builder.fmul(builder.fpext(step, VEC_D), grad)
        w_new = builder.fptrunc(builder.fadd(builder.fpext(w_old, VEC_D), moved), VEC_F)
        if masked:
            kept = keep(a)
            dx_new = builder.select(kept, dx_new, freeze(builder, dx_old))
            w_new = builder.select(kept, w_new, freeze(builder, w_old))
        store_vector(builder, edx, FLOAT, k, dx_new, 4)
        store_vector(builder, weights, FLOAT, k, w_new, 4)
        return carried

    start = ir.Constant(I64, 0)
    counted_loop(builder, "adadelta8.rates", start, n_blocks, [], rates)
    counted_loop(builder, "adadelta8.moves", start, n_blocks, [], moves)


def _typed(weights, edx, eg, g2, steps, inputs, masked: bool) -> tuple:
    """Return the intrinsics' signature and code generator."""
    _check_arrays(weights, edx, eg, g2, steps, inputs)
    sig = types.void(
        weights,
        edx,
        eg,
        g2,
        steps,
        inputs,
        types.int64,
        types.float64,
        types.float32,
        types.float32,
    )

    def codegen(context, builder, signature, args):
        _emit(context, builder, signature, args, masked)
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def adadelta_blocks8(typingctx, weights, edx, eg, g2, steps, inputs, n_blocks, g, rho, eps):
    """H2O's ADADELTA step for the first ``8 * n_blocks`` weights of one unit, in place.

    Weight k (input ``inputs[k]``, gradient ``g * inputs[k]``) gets H2O's step with decay ``rho``
    and ``eps``; ``weights``, ``edx`` (E[dx^2]) and ``eg`` (E[g^2]) are float32, updated in place;
    ``g2`` receives the squared gradients (float64) and ``steps`` (float32) is scratch. Every array
    holds at least ``8 * n_blocks`` elements; like numba's own indexing it checks no bounds.
    """
    return _typed(weights, edx, eg, g2, steps, inputs, masked=False)


@intrinsic
def adadelta_blocks8_masked(typingctx, weights, edx, eg, g2, steps, inputs, n_blocks, g, rho, eps):
    """``adadelta_blocks8`` that leaves the weights of zero inputs alone (``fast_mode``)."""
    return _typed(weights, edx, eg, g2, steps, inputs, masked=True)


__all__ = ["APPROX_SQRT_MAGIC", "adadelta_blocks8", "adadelta_blocks8_masked"]
