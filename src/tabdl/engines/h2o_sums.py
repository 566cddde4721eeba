"""Eight sequential sums side by side, in vector lanes, without changing one bit.

H2O sums each unit's squared weight gradients one after the other, in column order, into the
statistic that drives the unit's ADADELTA bias rate. Summing eight units as eight scalar chains is
bound by the scalar adds (about 0.6 cycles a weight here). ``sequential_sums8(values, width)`` keeps
the eight chains in the eight lanes of one vector of doubles instead: it loads an 8 x 8 block (eight
columns of the eight units), transposes it with shuffles and adds its columns to the chains one
after the other, then the last ``width % 8`` columns one by one. Lane j is still
``((0 + v[j, 0]) + v[j, 1]) + ...``: the same additions in the same order as the scalar chain.

The IR has no fast-math flags, so LLVM neither reassociates nor reorders the additions.
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from tabdl.engines.vector_ir import DOUBLE, I32, I64, LANES, VEC_D, VEC_I, counted_loop, load_vector


def _shuffle(builder: ir.IRBuilder, a, b, lanes: list[int]):
    return builder.shuffle_vector(a, b, ir.Constant(VEC_I, lanes))


def _transpose(builder: ir.IRBuilder, rows: list) -> list:
    """Return the eight columns of the 8 x 8 block whose rows are ``rows`` (three shuffle stages)."""
    pairs = []
    for j in range(0, LANES, 2):  # [r_j[0], r_j+1[0], r_j[2], r_j+1[2], ...] and the odd columns
        pairs.append(_shuffle(builder, rows[j], rows[j + 1], [0, 8, 2, 10, 4, 12, 6, 14]))
        pairs.append(_shuffle(builder, rows[j], rows[j + 1], [1, 9, 3, 11, 5, 13, 7, 15]))
    # pairs: (rows 0-1, even cols), (0-1, odd), (2-3, even), (2-3, odd), (4-5, ...), (6-7, ...)
    quads = {}
    for half, (p, q) in enumerate(((0, 2), (4, 6))):
        for parity in (0, 1):
            a, b = pairs[p + parity], pairs[q + parity]
            # columns 0 and 4 (or 1 and 5) of four rows; columns 2 and 6 (or 3 and 7)
            quads[(half, parity, 0)] = _shuffle(builder, a, b, [0, 1, 8, 9, 4, 5, 12, 13])
            quads[(half, parity, 1)] = _shuffle(builder, a, b, [2, 3, 10, 11, 6, 7, 14, 15])
    columns = [None] * LANES
    for parity in (0, 1):
        for pair in (0, 1):
            low, high = quads[(0, parity, pair)], quads[(1, parity, pair)]
            first = parity + 2 * pair  # 0, 2 (even) or 1, 3 (odd); and the same plus 4
            columns[first] = _shuffle(builder, low, high, [0, 1, 2, 3, 8, 9, 10, 11])
            columns[first + 4] = _shuffle(builder, low, high, [4, 5, 6, 7, 12, 13, 14, 15])
    return columns


def _emit_sums(context, builder, values_type, values, width):
    data = context.make_array(values_type)(context, builder, values).data
    eight = ir.Constant(I64, LANES)
    row_starts = [builder.mul(width, ir.Constant(I64, j)) for j in range(LANES)]
    n_blocks = builder.sdiv(width, eight)

    def add_block(block, values):
        (chains,) = values
        column = builder.mul(block, eight)
        rows = [
            load_vector(builder, data, DOUBLE, builder.add(row_starts[j], column), VEC_D, 8)
            for j in range(LANES)
        ]
        for lanes in _transpose(builder, rows):
            chains = builder.fadd(chains, lanes)
        return [chains]

    def add_column(column, values):
        (chains,) = values
        lanes = ir.Constant(VEC_D, None)
        for j in range(LANES):
            address = builder.gep(data, [builder.add(row_starts[j], column)], source_etype=DOUBLE)
            element = builder.load(address, typ=DOUBLE, align=8)
            lanes = builder.insert_element(lanes, element, ir.Constant(I32, j))
        return [builder.fadd(chains, lanes)]

    zero = ir.Constant(VEC_D, None)
    chains = counted_loop(builder, "sums8.blocks", ir.Constant(I64, 0), n_blocks, [zero], add_block)
    (chains,) = counted_loop(
        builder, "sums8.tail", builder.mul(n_blocks, eight), width, chains, add_column
    )
    result_type = context.get_value_type(types.UniTuple(types.float64, LANES))
    result = ir.Constant(result_type, None)
    for j in range(LANES):
        lane = builder.extract_element(chains, ir.Constant(I32, j))
        result = builder.insert_value(result, lane, j)
    return result


@intrinsic
def sequential_sums8(typingctx, values, width):
    """Return the eight sums ``((0 + v[j*width]) + v[j*width + 1]) + ...`` of ``width`` values.

    ``values`` is a contiguous 1-d float64 array of at least ``8 * width`` elements; the j-th row
    starts at ``j * width``. Returns the sums as a tuple of eight floats. Like numba's own indexing
    it checks no bounds.
    """
    if not (isinstance(values, types.Array) and values.dtype == types.float64):
        raise TypeError("sequential_sums8: the values must be a float64 array")
    if values.ndim != 1 or values.layout != "C":
        raise TypeError("sequential_sums8: the values must be 1-d and contiguous")
    sig = types.UniTuple(types.float64, LANES)(values, types.int64)

    def codegen(context, builder, signature, args):
        return _emit_sums(context, builder, signature.args[0], args[0], args[1])

    return sig, codegen


__all__ = ["sequential_sums8"]
