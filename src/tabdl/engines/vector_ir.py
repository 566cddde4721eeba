"""LLVM IR building blocks for the engines' vector loops.

Used by ``h2o_dot``, ``h2o_sums`` and ``h2o_adadelta``: eight-lane vectors of doubles, floats and
32-bit integers (one AVX-512 register of doubles, two AVX2 registers), a vector load and store at
an array's data pointer, a scalar repeated in every lane, and a counted loop that carries vectors
from one iteration to the next.

``frozen(x)`` (numba) and ``freeze`` (IR) keep "the new value or the old one" a plain store. A loop
that stores ``new if keep else old``, where ``old`` was loaded from the same address (a weight that
``fast_mode`` leaves alone), is compiled by LLVM into a masked store (``vmaskmovps`` with AVX2),
which AMD's cores run in microcode: on Zen 3 float32 training was 1.2x to 1.3x slower for it, and
``h2o_adadelta``'s masked loop took 7.0 cycles a weight with them, 5.0 without. LLVM's ``freeze``
of the old value returns it unchanged but is not a load, so LLVM stores with a blend and a plain
store, and the loop still vectorises.
"""

from __future__ import annotations

from collections.abc import Callable

from llvmlite import ir
from numba.extending import intrinsic

LANES = 8
DOUBLE = ir.DoubleType()
FLOAT = ir.FloatType()
I32 = ir.IntType(32)
I64 = ir.IntType(64)
VEC_D = ir.VectorType(DOUBLE, LANES)
VEC_F = ir.VectorType(FLOAT, LANES)
VEC_I = ir.VectorType(I32, LANES)


def _vector_address(builder: ir.IRBuilder, base, element, offset, vector):
    """Return the address of ``base[offset]`` (``base`` points to ``element``s) as a ``vector``*."""
    address = builder.gep(base, [offset], source_etype=element)
    if not getattr(address.type, "is_opaque", True):
        address = builder.bitcast(address, vector.as_pointer())
    return address


def load_vector(builder: ir.IRBuilder, base, element, offset, vector, align: int):
    """Load ``vector`` from ``base[offset]`` (``base`` points to ``element``s)."""
    address = _vector_address(builder, base, element, offset, vector)
    return builder.load(address, typ=vector, align=align)


def store_vector(builder: ir.IRBuilder, base, element, offset, value, align: int) -> None:
    """Store the vector ``value`` at ``base[offset]`` (``base`` points to ``element``s)."""
    builder.store(value, _vector_address(builder, base, element, offset, value.type), align=align)


def splat(builder: ir.IRBuilder, value, vector: ir.VectorType):
    """Return ``vector`` with ``value`` in every lane."""
    first = builder.insert_element(ir.Constant(vector, None), value, ir.Constant(I32, 0))
    return builder.shuffle_vector(
        first,
        ir.Constant(vector, None),
        ir.Constant(ir.VectorType(I32, vector.count), [0] * vector.count),
    )


def freeze(builder: ir.IRBuilder, value):
    """Return LLVM's ``freeze`` of ``value``: the same value, which LLVM no longer sees as a load."""
    frozen_value = ir.instructions.Instruction(builder.block, value.type, "freeze", [value])
    builder._insert(frozen_value)  # llvmlite has no builder method for freeze
    return frozen_value


@intrinsic
def frozen(typingctx, value):
    """Return ``value`` unchanged (numba), frozen so that a select of it is stored plainly."""
    sig = value(value)

    def codegen(context, builder, signature, args):
        return freeze(builder, args[0])

    return sig, codegen


def counted_loop(
    builder: ir.IRBuilder, name: str, start, stop, carried: list, body: Callable
) -> list:
    """Emit ``for i in range(start, stop)`` carrying the vectors ``carried``; return their last values.

    ``body(i, values)`` emits one iteration and returns the new values. An empty range returns
    ``carried`` as they are.
    """
    entry = builder.basic_block
    loop = builder.append_basic_block(f"{name}.loop")
    done = builder.append_basic_block(f"{name}.done")
    builder.cbranch(builder.icmp_signed("<", start, stop), loop, done)
    builder.position_at_end(loop)
    index = builder.phi(I64)
    values = [builder.phi(value.type) for value in carried]
    next_values = body(index, values)
    next_index = builder.add(index, ir.Constant(I64, 1))
    latch = builder.basic_block
    builder.cbranch(builder.icmp_signed("<", next_index, stop), loop, done)
    index.add_incoming(start, entry)
    index.add_incoming(next_index, latch)
    for value, first, following in zip(values, carried, next_values, strict=True):
        value.add_incoming(first, entry)
        value.add_incoming(following, latch)
    builder.position_at_end(done)
    results = [builder.phi(value.type) for value in carried]  # phi nodes first in the block
    for result, first, following in zip(results, carried, next_values, strict=True):
        result.add_incoming(first, entry)
        result.add_incoming(following, latch)
    return results


__all__ = [
    "DOUBLE",
    "FLOAT",
    "I32",
    "I64",
    "LANES",
    "VEC_D",
    "VEC_F",
    "VEC_I",
    "counted_loop",
    "freeze",
    "frozen",
    "load_vector",
    "splat",
    "store_vector",
]
