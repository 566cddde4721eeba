"""H2O-3's dot product of a unit's weights and its inputs, vectorised without changing one bit.

H2O's ``gemv_row_optimized`` sums ``float(w[c]) * double(a[c])`` into eight double partial sums,
one per ``c % 8``, then adds the partial sums in a fixed order and the last ``cols % 8`` products
one by one. The eight partial sums are exactly the eight lanes of one vector of doubles, so the
loop is one vector multiply and one vector add per eight columns in the same order of operations.
LLVM does not find that vectorisation from scalar code (numba left the eight sums scalar, about
three times slower), so the loop is written here in LLVM IR, as a numba intrinsic:
``h2o_dot_blocks(w, wstart, a, astart, n_blocks)`` gives one unit's partial sums over the first
``8 * n_blocks`` columns, combined as H2O combines them.

One unit's loop waits on its chain of vector additions (about 2.7 cycles a block of eight columns
here). ``h2o_dot_blocks4`` runs four units side by side, four independent chains reading the inputs
once, and is bound by the float-to-double conversions of the weights instead (about 1.8 cycles a
block): a third less time for a layer of 200 units. (Float64 copies of the weights, which would save
the conversions, measured slower on 784 inputs: twice the bytes no longer fit the L2 cache.)

The IR has no fast-math flags, so LLVM neither fuses a multiply and an add nor reorders the sums.
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from tabdl.engines.vector_ir import (
    DOUBLE,
    FLOAT,
    I32,
    I64,
    LANES,
    VEC_D,
    VEC_F,
    counted_loop,
    load_vector,
)


def _combine(builder: ir.IRBuilder, lanes):
    """H2O's ``res = 0; res += p0 + p1 + p2 + p3; res += p4 + p5 + p6 + p7``."""
    parts = [builder.extract_element(lanes, ir.Constant(I32, k)) for k in range(LANES)]
    low = builder.fadd(builder.fadd(builder.fadd(parts[0], parts[1]), parts[2]), parts[3])
    high = builder.fadd(builder.fadd(builder.fadd(parts[4], parts[5]), parts[6]), parts[7])
    return builder.fadd(builder.fadd(ir.Constant(DOUBLE, 0.0), low), high)


def _emit_dot_loop(context, builder, w_type, w_value, wstarts, a_type, a_value, astart, n_blocks):
    """Emit the partial-sum loop over ``n_blocks`` blocks of eight columns; return H2O's sums.

    One sum for each unit whose weights start at ``wstarts``; the units read the same inputs.
    """
    w_data = context.make_array(w_type)(context, builder, w_value).data
    a_data = context.make_array(a_type)(context, builder, a_value).data

    def add_block(block, partials):
        column = builder.mul(block, ir.Constant(I64, LANES))
        inputs = load_vector(builder, a_data, DOUBLE, builder.add(astart, column), VEC_D, 8)
        sums = []
        for wstart, partial in zip(wstarts, partials, strict=True):
            weights = load_vector(builder, w_data, FLOAT, builder.add(wstart, column), VEC_F, 4)
            sums.append(builder.fadd(partial, builder.fmul(builder.fpext(weights, VEC_D), inputs)))
        return sums

    zeros = [ir.Constant(VEC_D, None) for _ in wstarts]
    finals = counted_loop(builder, "h2o_dot", ir.Constant(I64, 0), n_blocks, zeros, add_block)
    return [_combine(builder, final) for final in finals]


def _check_arrays(w, a) -> None:
    if not (isinstance(w, types.Array) and w.dtype == types.float32 and w.ndim == 1):
        raise TypeError("h2o_dot: the weights must be a 1-d float32 array")
    if not (isinstance(a, types.Array) and a.dtype == types.float64 and a.ndim == 1):
        raise TypeError("h2o_dot: the inputs must be a 1-d float64 array")
    if w.layout != "C" or a.layout != "C":
        raise TypeError("h2o_dot: the arrays must be contiguous")


@intrinsic
def h2o_dot_blocks(typingctx, w, wstart, a, astart, n_blocks):
    """H2O's sum of ``w[wstart + c] * a[astart + c]`` over ``c < 8 * n_blocks``.

    Like numba's own indexing, it checks no bounds: the caller keeps ``wstart + 8 * n_blocks``
    and ``astart + 8 * n_blocks`` within the arrays.
    """
    _check_arrays(w, a)
    sig = types.float64(w, types.int64, a, types.int64, types.int64)

    def codegen(context, builder, signature, args):
        w_value, wstart_value, a_value, astart_value, n_value = args
        (total,) = _emit_dot_loop(
            context, builder, signature.args[0], w_value, [wstart_value],
            signature.args[2], a_value, astart_value, n_value,
        )  # fmt: skip
        return total

    return sig, codegen


@intrinsic
def h2o_dot_blocks4(typingctx, w, wstart, stride, a, astart, n_blocks):
    """``h2o_dot_blocks`` for four units at once: their weights start at ``wstart + u * stride``.

    Returns the four sums as a tuple. Each is bit for bit the one ``h2o_dot_blocks`` gives: four
    independent partial-sum vectors, so the loop is bound by the conversions of the weights to
    double rather than by the latency of one chain of vector additions.
    """
    _check_arrays(w, a)
    sig = types.UniTuple(types.float64, 4)(w, types.int64, types.int64, a, types.int64, types.int64)

    def codegen(context, builder, signature, args):
        w_value, wstart_value, stride_value, a_value, astart_value, n_value = args
        wstarts = [
            builder.add(wstart_value, builder.mul(stride_value, ir.Constant(I64, u)))
            for u in range(4)
        ]
        totals = _emit_dot_loop(
            context, builder, signature.args[0], w_value, wstarts,
            signature.args[3], a_value, astart_value, n_value,
        )  # fmt: skip
        result = ir.Constant(context.get_value_type(signature.return_type), None)
        for u, total in enumerate(totals):
            result = builder.insert_value(result, total, u)
        return result

    return sig, codegen


__all__ = ["h2o_dot_blocks", "h2o_dot_blocks4"]
