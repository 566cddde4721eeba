"""The online engine: H2O's per-row back-propagation, compiled with numba.

One call trains the rows of one chunk exactly as H2O-3's ``FrameTask.map`` and ``DeepLearningTask``
do: optional shuffle and Bernoulli thinning of the chunk's rows, then for each row the forward pass
(with input and hidden dropout masks drawn from the row's seed), the output-layer error, and the
backward pass with per-weight updates (ADADELTA, or SGD with momentum), L1/L2 and max_w2.

The arithmetic follows H2O's mix of precisions, which bit-for-bit parity needs: weights, their
ADADELTA accumulators and momenta are float32; biases, activations and errors are float64;
gradients are float64 and a weight is rounded to float32 once per update; ``rho``, ``epsilon``,
``l1``, ``l2``, ``max_w2`` and the step sizes are float32 values. ADADELTA uses H2O's approximate
square roots. See the behaviour reference, sections 2-4 and appendices A and B.

Every error is computed as the *descent* direction (``t - y``, not ``y - t``), as H2O stores it.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from tabdl.distributions import EXP_CLAMP
from tabdl.engines.h2o_adadelta import (
    APPROX_SQRT_MAGIC,
    adadelta_blocks8,
    adadelta_blocks8_masked,
)
from tabdl.engines.h2o_dot import h2o_dot_blocks, h2o_dot_blocks4
from tabdl.engines.h2o_sums import sequential_sums8
from tabdl.engines.vector_ir import frozen
from tabdl.rng import (
    dropout_seed,
    next_bytes,
    next_double,
    next_float,
    next_int_bounded,
    set_seed,
    shuffle_indices,
)

# Activation codes of a weight layer's output.
TANH, RECTIFIER, MAXOUT, EXP_RECTIFIER, LINEAR, SOFTMAX = 0, 1, 2, 3, 4, 5
# Output kinds and losses.
OUT_SOFTMAX, OUT_LINEAR, OUT_AUTOENCODER = 0, 1, 2
LOSS_CROSS_ENTROPY, LOSS_QUADRATIC, LOSS_ABSOLUTE, LOSS_HUBER = 0, 1, 2, 3
# Distributions of a linear (or autoencoder) output.
GAUSSIAN, LAPLACE, QUANTILE, HUBER, POISSON, GAMMA, TWEEDIE = 0, 1, 2, 3, 4, 5, 6

# Integer configuration (cfg_i) slots.
I_ADAPTIVE, I_NESTEROV, I_MOMENTA, I_FAST, I_SHORTCUT, I_OUT, I_LOSS, I_DIST = range(8)
I_REPRODUCIBLE, I_HIDDEN_DROP_C, I_SEED, I_HAS_OFFSET, I_RESCALE, I_SPARSITY = range(8, 14)
I_EXACT = 14  # 1: H2O's arithmetic bit for bit; 0: float32 vector arithmetic (fast kernels)
N_CFG_I = 15
# Float configuration (cfg_f) slots.
F_RHO, F_EPS, F_L1, F_L2, F_MAX_W2, F_INPUT_DROP, F_QUANTILE, F_TWEEDIE, F_RESP_SUB, F_RESP_MUL = (
    range(10)
)
F_SPARSITY_BETA, F_AVERAGE_ACTIVATION, F_ELASTIC = 10, 11, 12
N_CFG_F = 13

INPUT_DROPOUT_SEED = 0x1337B4BE

_JIT = {"cache": True, "nogil": True, "error_model": "numpy", "fastmath": False}
# The float32 kernels of training that is not reproducible: any order of additions will do.
_FAST_JIT = {**_JIT, "fastmath": True}
# Helpers called per weight or per small unit are inlined: numba passes every array argument as a
# struct by value, which costs more than the arithmetic of a small unit. The exact kernels' loops over
# weights are not (``_adadelta_vector``, ``_adadelta_units_exact``, ``_propagate``): compiled on their
# own they vectorise; inlined into the row's large function, LLVM left them about three times slower.
_INLINE = {**_JIT, "inline": "always"}


@nb.njit(**_INLINE)
def _approx_sqrt_f(x: np.float32) -> np.float32:
    # MathUtils.approxSqrt(float): intBitsToFloat(532483686 + (floatToRawIntBits(x) >> 1))
    bits = np.int64(np.float32(x).view(np.int32))
    return np.int32(APPROX_SQRT_MAGIC + (bits >> 1)).view(np.float32)


@nb.njit(**_INLINE)
def _approx_sqrt_d(x: float) -> float:
    # MathUtils.approxSqrt(double): longBitsToDouble(((doubleToLongBits(x) >> 32) + 1072632448) << 31)
    bits = np.float64(x).view(np.int64)
    return np.int64(((bits >> 32) + np.int64(1072632448)) << 31).view(np.float64)


@nb.njit(**_INLINE)
def _sign(x: float) -> float:
    if x > 0.0:
        return 1.0
    if x < 0.0:
        return -1.0
    return x  # 0.0, -0.0 or NaN, as Math.signum


@nb.njit(**_INLINE)
def _neg_half_gradient(dist: np.int64, t: float, f: float, cfg_f: np.ndarray) -> float:
    """H2O's ``negHalfGradient(t, f)`` of a distribution, f in link space (Huber delta 1)."""
    if dist == GAUSSIAN:
        return t - f
    if dist == LAPLACE:
        return -0.5 if f > t else 0.5
    if dist == QUANTILE:
        alpha = cfg_f[F_QUANTILE]
        return 0.5 * alpha if t > f else 0.5 * (alpha - 1.0)
    if dist == HUBER:
        if abs(t - f) <= 1.0:
            return t - f
        return -1.0 if f >= t else 1.0
    if dist == POISSON:
        return t - min(EXP_CLAMP, np.exp(f))
    if dist == GAMMA:
        return t * min(EXP_CLAMP, np.exp(-f)) - 1.0
    p = cfg_f[F_TWEEDIE]
    return t * min(EXP_CLAMP, np.exp(f * (1.0 - p))) - min(EXP_CLAMP, np.exp(f * (2.0 - p)))


@nb.njit(**_INLINE)
def _softmax_error(loss: np.int64, t: float, y: float) -> float:
    if loss == LOSS_CROSS_ENTROPY:
        return t - y
    if loss == LOSS_QUADRATIC:
        return (t - y) * (1.0 - y) * y
    if loss == LOSS_ABSOLUTE:
        return (2.0 * t - 1.0) * (1.0 - y) * y
    if t == 0.0:
        return (-4.0 * y if y < 0.5 else -2.0) * ((1.0 - y) * y)
    return (4.0 * (1.0 - y) if y > 0.5 else 2.0) * ((1.0 - y) * y)


@nb.njit(**_INLINE)
def _fill_dropout_bits(bits: np.ndarray, ratio: float, g: np.ndarray) -> None:
    # Dropout.fillBytes: nextBytes for ratio 0.5, else one nextFloat per (padded) unit
    if ratio == 0.5:
        next_bytes(g, bits)
        return
    bits[:] = 0
    for i in range(bits.shape[0] * 8):
        if np.float64(next_float(g)) > ratio:
            bits[i // 8] |= np.uint8(1 << (i % 8))


@nb.njit(**_INLINE)
def _active(bits: np.ndarray, unit: np.int64) -> bool:
    return (bits[unit // 8] & (1 << (unit % 8))) != 0


#: The exact input layer gathers its non-zero inputs when they are fewer than one in this many
#: columns: a gathered input costs about 2.7 cycles a unit, a column read four units at a time
#: about 0.23 (measured on 400 columns).
GATHER_BELOW = 12


@nb.njit(**_INLINE)
def _dot_h2o_order(
    w: np.ndarray,
    wstart: np.int64,
    a: np.ndarray,
    astart: np.int64,
    cols: np.int64,
    idx: np.ndarray,
    n_idx: np.int64,
    psum: np.ndarray,
) -> float:
    """sum_c w[wstart+c] * a[astart+c] in the order of H2O's gemv_row_optimized.

    Only the columns listed in ``idx[:n_idx]`` (ascending) are read; the others must be zero, which
    leaves the sums unchanged. Columns below ``cols - cols % 8`` go to eight partial sums by
    ``c % 8``; the rest follow one by one.
    """
    extra = cols - cols % 8
    psum[:] = 0.0
    k = 0
    while k < n_idx and idx[k] < extra:
        c = idx[k]
        psum[c & 7] += np.float64(w[wstart + c]) * a[astart + c]
        k += 1
    res = 0.0
    res += psum[0] + psum[1] + psum[2] + psum[3]
    res += psum[4] + psum[5] + psum[6] + psum[7]
    while k < n_idx:
        c = idx[k]
        res += np.float64(w[wstart + c]) * a[astart + c]
        k += 1
    return res


@nb.njit(**_INLINE)
def _dot_h2o_order_dense(
    w: np.ndarray, wstart: np.int64, a: np.ndarray, astart: np.int64, cols: np.int64
) -> float:
    """Dense ``_dot_h2o_order``: the eight partial sums as one vector (``h2o_dot_blocks``), then the tail."""
    res = h2o_dot_blocks(w, wstart, a, astart, cols // 8)
    for c in range(cols - cols % 8, cols):
        res += np.float64(w[wstart + c]) * a[astart + c]
    return res


@nb.njit(**_INLINE)
def _dot_h2o_order_dense4(
    w: np.ndarray, wstart: np.int64, a: np.ndarray, astart: np.int64, cols: np.int64
) -> tuple:
    """``_dot_h2o_order_dense`` for four consecutive units (rows of ``cols`` weights from ``wstart``)."""
    r0, r1, r2, r3 = h2o_dot_blocks4(w, wstart, cols, a, astart, cols // 8)
    for c in range(cols - cols % 8, cols):
        x = a[astart + c]
        r0 += np.float64(w[wstart + c]) * x
        r1 += np.float64(w[wstart + cols + c]) * x
        r2 += np.float64(w[wstart + 2 * cols + c]) * x
        r3 += np.float64(w[wstart + 3 * cols + c]) * x
    return r0, r1, r2, r3


@nb.njit(**_JIT)
def _forward_layer(
    layer,
    units,
    woff,
    boff,
    aoff,
    act,
    mult,
    W,
    B,
    A,
    maxk,
    bits,
    use_bits,
    idx,
    n_idx,
    psum,
    exact,
    dense_start,
    A32,
) -> None:
    """One layer's forward pass; ``idx[:n_idx]`` lists the columns that may be non-zero.

    Exact (H2O's order of additions): the input layer reads the listed columns only. Otherwise the
    listed columns below ``dense_start`` are gathered and the rest is one vectorised float32 dot
    product, which leaves the float32 copies of those activations in ``A32`` for the backward pass.
    """
    cols = units[layer]
    rows = units[layer + 1]
    a_in = aoff[layer]
    a_out = aoff[layer + 1]
    code = act[layer]
    if mult[layer] == 2 and not exact:
        _maxout_layer_f32(W, woff[layer], B, boff[layer], A, A32, a_in, a_out,
                          dense_start if layer == 0 else 0, cols, rows, idx, n_idx, maxk,
                          aoff[layer + 1] - aoff[1], bits, use_bits)  # fmt: skip
        return
    if mult[layer] == 2:  # exact: H2O's sequential sums over the listed columns
        for r in range(rows):
            A[a_out + r] = 0.0
            if use_bits and not _active(bits, r):
                continue  # a dropped Maxout unit keeps its stale winning channel
            best = 0
            channel0 = 0.0
            channel1 = 0.0
            for k in range(n_idx):
                c = idx[k]
                base = woff[layer] + 2 * (r * cols + c)
                channel0 += np.float64(W[base]) * A[a_in + c]
                channel1 += np.float64(W[base + 1]) * A[a_in + c]
            channel0 += B[boff[layer] + 2 * r]
            channel1 += B[boff[layer] + 2 * r + 1]
            if channel1 > channel0:
                best = 1
            maxk[aoff[layer + 1] - aoff[1] + r] = best
            A[a_out + r] = channel1 if best == 1 else channel0
        return
    first = dense_start if layer == 0 else 0
    out = A[a_out : a_out + rows]  # slices: indices that are provably non-negative vectorise
    bias = B[boff[layer] : boff[layer] + rows]
    if not exact:  # the dense columns of every unit in one vectorised call, then the gathered ones
        _dots_dense(W, woff[layer], A, A32, a_in, first, cols, rows, out)
        n_gathered = 0
        while n_gathered < n_idx and idx[n_gathered] < first:
            n_gathered += 1
        if n_gathered > 0:
            for r in range(rows):
                start = woff[layer] + r * cols
                z = out[r]
                for k in range(n_gathered):
                    z += np.float64(W[start + idx[k]]) * A[a_in + idx[k]]
                out[r] = z
        for r in range(rows):
            out[r] += bias[r]
        if use_bits:
            for r in range(rows):
                if not _active(bits, r):
                    out[r] = 0.0  # a dropped unit: no sum, no bias
    else:
        # A zero input adds nothing to H2O's sums (a partial sum is never -0.0, so adding a zero
        # product leaves it as it is): the input layer reads only its non-zero inputs where they
        # are few (the one-hot slots of wide categoricals), every column otherwise
        gathered = layer == 0 and GATHER_BELOW * n_idx < cols
        grouped = 0 if gathered else rows - rows % 4
        for r in range(0, grouped, 4):  # four units at a time (a dropped unit's sum goes unused)
            sums = _dot_h2o_order_dense4(W, woff[layer] + r * cols, A, a_in, cols)
            for u in range(4):
                out[r + u] = sums[u] + bias[r + u]
        for r in range(grouped, rows):
            if use_bits and not _active(bits, r):
                continue  # dropped: zeroed below
            if gathered:
                z = _dot_h2o_order(W, woff[layer] + r * cols, A, a_in, cols, idx, n_idx, psum)
            else:
                z = _dot_h2o_order_dense(W, woff[layer] + r * cols, A, a_in, cols)
            out[r] = z + bias[r]
        if use_bits:
            for r in range(rows):
                if not _active(bits, r):
                    out[r] = 0.0  # a dropped unit: no sum, no bias
    if code == TANH:
        for r in range(rows):
            out[r] = 1.0 - 2.0 / (1.0 + np.exp(2.0 * out[r]))
    elif code == RECTIFIER:
        for r in range(rows):
            out[r] = 0.5 * (out[r] + abs(out[r]))
    elif code == EXP_RECTIFIER:
        for r in range(rows):
            x = out[r]
            out[r] = x if x >= 0.0 else np.exp(x) - 1.0
    elif code == SOFTMAX:
        top = out[0]
        for r in range(1, rows):
            top = max(top, out[r])
        scaling = 0.0
        for r in range(rows):
            out[r] = np.exp(out[r] - top)
            scaling += out[r]
        for r in range(rows):
            out[r] /= scaling


@nb.njit(**_INLINE)
def _sgd_step_exact(w, wm, grad, rate, momentum, momenta, nesterov) -> tuple:
    """Return one weight's SGD step in H2O's arithmetic: the new weight and its new momentum.

    Float32 weight and momentum, float64 gradient: classical momentum adds ``momentum`` times the
    previous step (in float32, as H2O) and keeps this step; Nesterov's keeps
    ``momentum * previous + grad`` and steps by ``rate`` times that.
    """
    if not nesterov:
        delta = np.float64(rate) * grad
        new_w = np.float32(np.float64(w) + delta)
        if momenta:
            return new_w + np.float32(momentum * wm), np.float32(delta)
        return new_w, wm
    tmp = grad
    new_m = wm
    if momenta:
        new_m = np.float32(np.float64(np.float32(wm * momentum)) + tmp)
        tmp = np.float64(new_m)
    return np.float32(np.float64(w) + np.float64(rate) * tmp), new_m


@nb.njit(**_INLINE)
def _sgd_gradient_exact(weight, a, g, l1, l2, elastic, lam, consensus) -> float:
    """Return a weight's descent direction in H2O's SGD (``N.bprop``), in float64.

    ``g * a`` less L1 and L2, and with ``elastic`` the pull ``lam * (weight - consensus)``.
    """
    grad = g * a - _sign(weight) * l1 - weight * l2
    if elastic:
        grad -= lam * (weight - consensus)
    return grad


@nb.njit(**_INLINE)
def _update_weight(widx, grad, rate, momentum, W, Wm, cfg_i) -> None:
    """Apply one weight's SGD step in place (``_sgd_step_exact``)."""
    momenta = cfg_i[I_MOMENTA] != 0
    wm = Wm[widx] if momenta else np.float32(0.0)
    W[widx], new_m = _sgd_step_exact(W[widx], wm, grad, rate, momentum, momenta,
                                     cfg_i[I_NESTEROV] != 0)  # fmt: skip
    if momenta:
        Wm[widx] = new_m


@nb.njit(**_INLINE)
def _update_bias(
    bidx, g, avg_grad2, rate, momentum, B, Bacc, Bm, cfg_i, cfg_f, avg_act, unit, ea_b
) -> None:
    l1 = cfg_f[F_L1]
    l2 = cfg_f[F_L2]
    bias = B[bidx]
    pg = g - (_sign(bias) * l1 + bias * l2)
    if ea_b.shape[0] > 0:  # elastic averaging: pull towards the consensus (H2O's N.update_bias)
        pg -= cfg_f[F_ELASTIC] * (bias - ea_b[bidx])
    step = np.float64(rate)
    if cfg_i[I_ADAPTIVE]:
        rho = np.float64(np.float32(cfg_f[F_RHO]))
        eps = np.float64(np.float32(cfg_f[F_EPS]))
        one_minus_rho = np.float64(np.float32(1.0) - np.float32(cfg_f[F_RHO]))
        Bacc[2 * bidx + 1] = rho * Bacc[2 * bidx + 1] + one_minus_rho * avg_grad2
        ratio = (Bacc[2 * bidx] + eps) / (Bacc[2 * bidx + 1] + eps)
        step = _approx_sqrt_d(ratio) if cfg_i[I_EXACT] else np.sqrt(ratio)
        Bacc[2 * bidx] = rho * Bacc[2 * bidx] + one_minus_rho * step * step * avg_grad2
    m = np.float64(momentum)
    if not cfg_i[I_NESTEROV]:
        delta = step * pg
        B[bidx] += delta
        if cfg_i[I_MOMENTA]:
            B[bidx] += m * Bm[bidx]
            Bm[bidx] = delta
    else:
        d = pg
        if cfg_i[I_MOMENTA]:
            Bm[bidx] = Bm[bidx] * m
            Bm[bidx] += d
            d = Bm[bidx]
        B[bidx] += step * d
    if unit >= 0 and cfg_i[I_SPARSITY]:  # the autoencoder's sparsity penalty on hidden units
        B[bidx] -= step * cfg_f[F_SPARSITY_BETA] * (avg_act[unit] - cfg_f[F_AVERAGE_ACTIVATION])


@nb.njit(**_INLINE)
def _sum_squares(W, start, stride, count) -> np.float32:
    # MathUtils.sumSquares: float32, eight partial sums, then the tail
    extra = count - count % 8
    psum = np.zeros(8, dtype=np.float32)
    k = 0
    while k < extra:
        for j in range(8):
            v = W[start + (k + j) * stride]
            psum[j] += v * v
        k += 8
    result = np.float32(0.0)
    result += psum[0] + psum[1] + psum[2] + psum[3]
    result += psum[4] + psum[5] + psum[6] + psum[7]
    while k < count:
        v = W[start + k * stride]
        result += v * v
        k += 1
    return result


@nb.njit(**_INLINE)
def _unit_start(layer, r, cols, channels, woff, aoff, maxk) -> tuple:
    """Return unit ``r``'s winning Maxout channel (0 otherwise) and the flat index of its first weight."""
    k_win = maxk[aoff[layer + 1] - aoff[1] + r] if channels == 2 else 0
    return k_win, woff[layer] + channels * r * cols + k_win


@nb.njit(**_INLINE)
def _sum_eight_units(
    g2: np.ndarray, width: np.int64, sums: np.ndarray, ids: np.ndarray, count
) -> None:
    """Sum the squared gradients of up to eight units into their bias rates' sums.

    ``g2`` holds the units' squared gradients one after the other, ``width`` each; the sum of the
    j-th goes to ``sums[ids[j]]`` for ``j < count``. Each sum is sequential in H2O's column order;
    ``sequential_sums8`` runs the eight in the lanes of one vector (a skipped weight's squared
    gradient is stored as +0.0, which leaves a sum exact). With ``count < 8`` the other lanes sum
    whatever follows in ``g2``, which must hold eight units.
    """
    chains = sequential_sums8(g2, width)
    for j in range(min(count, 8)):
        sums[ids[j]] = chains[j]


@nb.njit(**_INLINE)
def _unit_updated(r, pending, g2, width, sums, ids) -> np.int64:
    """Note that unit ``r``'s squared gradients fill slot ``pending`` of ``g2``; sum eight when full.

    Returns the number of units still waiting; the caller sums the last few with
    ``_sum_eight_units`` once the layer is done.
    """
    ids[pending] = r
    pending += 1
    if pending < 8:
        return pending
    _sum_eight_units(g2, width, sums, ids, pending)
    return 0


@nb.njit(**_INLINE)
def _adadelta_layer(
    layer,
    gvec,
    net,
    state,
    A,
    A32,
    E,
    maxk,
    cfg_i,
    cfg_f,
    in_idx,
    n_in_idx,
    num_start,
    work,
    avg_act,
    elastic,
) -> None:
    """ADADELTA update of one layer's weights and biases, given the units' gradients ``gvec``.

    Exact (``reproducible``): H2O's per-unit arithmetic, reorganised. The error is propagated unit
    after unit (H2O's order of additions into each column, ``_propagate``), each unit's weights are
    updated as vectors (a dense layer's in ``_adadelta_units_exact``; one-hot slots and Maxout
    channels gathered here, unit by unit), and the per-unit sums of squared gradients (the bias
    rates) are summed in H2O's column order, eight updated units at a time so that the independent
    sums overlap (``_sum_eight_units``). Otherwise the float32 kernels, which read the float32
    copies of the activations ``A32`` that the forward pass left.
    """
    units, woff, boff, aoff, act, mult, drop = net
    W, B, Wacc, Bacc, Wm, Bm = state
    gw, gpa, g2all, gdx, gg, avg, gea, e32, grads32, unit_ids = work
    ea_w, ea_b = elastic
    lam = cfg_f[F_ELASTIC] if ea_w.shape[0] > 0 else 0.0
    rows = units[layer + 1]
    cols = units[layer]
    a_in = aoff[layer]
    channels = mult[layer]
    fast = cfg_i[I_FAST] != 0
    exact = cfg_i[I_EXACT] != 0
    shortcut = cfg_i[I_SHORTCUT] != 0
    sparse = layer == 0 and fast
    l1 = cfg_f[F_L1]
    l2 = cfg_f[F_L2]
    n_w = W.shape[0]  # ADADELTA state: E[dx^2] in Wacc[:n_w], E[g^2] in Wacc[n_w:]
    rho, eps = np.float32(cfg_f[F_RHO]), np.float32(cfg_f[F_EPS])
    # Columns before `dense_from` are gathered (the active one-hot slots of the input layer, or every
    # column of a Maxout unit's winning channel); the rest is updated in place as contiguous vectors.
    # Maxout weights are interleaved (stride 2), so in exact arithmetic a Maxout unit gathers every
    # column it updates (the float32 kernels update its row in place, `_adadelta_maxout_f32`).
    n_gather = 0
    if channels == 2 and exact:
        n_gather = n_in_idx if sparse else cols
    elif channels == 1 and sparse:
        while n_gather < n_in_idx and in_idx[n_gather] < num_start:
            n_gather += 1
    dense_from = cols if channels == 2 else (num_start if sparse else 0)
    n_dense = cols - dense_from
    width = n_gather + n_dense
    if layer > 0 and not exact:
        _propagate_f32(E, e32, a_in, cols, W, woff[layer], gvec, rows, shortcut, channels, maxk,
                       aoff[layer + 1] - aoff[1])  # fmt: skip
    elif layer > 0 and channels == 1:  # propagate the error with the pre-update weights
        _propagate(E, a_in, cols, W, woff[layer], gvec, rows, shortcut)
    elif layer > 0:  # Maxout, exact: the winning channel's weights, unit after unit
        for r in range(rows):
            g = gvec[r]
            if shortcut and g == 0.0:
                continue
            k_win, row_start = _unit_start(layer, r, cols, channels, woff, aoff, maxk)
            for c in range(cols):
                E[a_in + c] += g * np.float64(W[row_start + channels * c])
    if not exact:
        avg[:rows] = 0.0
        if channels == 2:
            _adadelta_maxout_f32(W, Wacc, A, a_in, gvec, rows, cols, woff[layer], maxk,
                                 aoff[layer + 1] - aoff[1], in_idx, n_in_idx, sparse, shortcut,
                                 fast, l1, l2, rho, eps, lam, ea_w, avg, grads32)  # fmt: skip
    elif n_gather == 0:  # a dense layer
        _adadelta_units_exact(W, Wacc, A, a_in, gvec, rows, cols, woff[layer], fast, shortcut, l1,
                              l2, rho, eps, lam, ea_w, avg, g2all, unit_ids, grads32)  # fmt: skip
    pending = 0  # updated units whose bias rates are not summed yet (exact)
    for r in range(rows if n_gather > 0 else 0):
        g = gvec[r]
        if not (shortcut and g == 0.0):
            k_win, row_start = _unit_start(layer, r, cols, channels, woff, aoff, maxk)
            g2 = g2all[pending * width : (pending + 1) * width]
            if not exact and channels == 1:  # the one-hot slots, in place, float32
                for k in range(n_gather):
                    widx = row_start + channels * (in_idx[k] if sparse else k)
                    w = W[widx]
                    pull = np.float32(lam * (w - ea_w[widx])) if lam != 0.0 else np.float32(0.0)
                    W[widx], Wacc[widx], Wacc[n_w + widx], g2w = _adadelta_f32(
                        w, Wacc[widx], Wacc[n_w + widx],
                        np.float32(A[a_in + (in_idx[k] if sparse else k)]), np.float32(g),
                        np.float32(l1), np.float32(l2), rho, np.float32(1.0) - rho, eps, fast, pull,
                    )  # fmt: skip
                    avg[r] += g2w
            else:  # gathered, then H2O's vector arithmetic (exact, or Maxout's interleaved channels)
                for k in range(n_gather):
                    c = in_idx[k] if sparse else k
                    widx = row_start + channels * c
                    gw[k] = W[widx]
                    gdx[k] = Wacc[widx]
                    gg[k] = Wacc[n_w + widx]
                    gpa[k] = A[a_in + c]
                    if lam != 0.0:
                        gea[k] = ea_w[widx]
                _adadelta_vector(n_gather, g, gpa, fast, l1, l2, rho, eps, gw, g2, gdx, gg, lam,
                                 gea, grads32)  # fmt: skip
                for k in range(n_gather):
                    widx = row_start + channels * (in_idx[k] if sparse else k)
                    W[widx] = gw[k]
                    Wacc[widx] = gdx[k]
                    Wacc[n_w + widx] = gg[k]
                if not exact:
                    for k in range(n_gather):
                        avg[r] += g2[k]
            if exact and n_dense > 0:  # the numeric inputs after the gathered one-hot slots
                first = row_start + dense_from
                inputs = A[a_in + dense_from : a_in + cols]
                ea = ea_w[first : first + n_dense] if lam != 0.0 else gea
                _adadelta_vector(n_dense, g, inputs, fast, l1, l2, rho, eps,
                                 W[first : first + n_dense], g2[n_gather:],
                                 Wacc[first : first + n_dense],
                                 Wacc[n_w + first : n_w + first + n_dense], lam, ea,
                                 grads32)  # fmt: skip
            if exact:
                pending = _unit_updated(r, pending, g2all, width, avg, unit_ids)
    if exact and pending > 0:
        _sum_eight_units(g2all, width, avg, unit_ids, pending)
    if not exact and n_dense > 0:
        # the inputs that the forward pass gathered (fast_mode off) have no float32 copy yet
        if layer == 0 and dense_from < num_start:
            for c in range(dense_from, num_start):
                A32[a_in + c] = np.float32(A[a_in + c])
        _adadelta_dense_f32(W, Wacc, A32, gvec, rows, cols, woff[layer], a_in, dense_from, shortcut,
                            fast, l1, l2, rho, eps, lam, ea_w, avg, grads32)  # fmt: skip
    plain_biases = not cfg_i[I_RESCALE] and not cfg_i[I_SPARSITY]
    if plain_biases and ea_b.shape[0] == 0:
        _adadelta_biases_f64(B, Bacc, boff[layer], gvec, avg, rows, cols, shortcut, exact, cfg_f,
                             channels, maxk, aoff[layer + 1] - aoff[1])  # fmt: skip
        return
    for r in range(rows):
        g = gvec[r]
        if shortcut and g == 0.0:
            continue
        k_win, row_start = _unit_start(layer, r, cols, channels, woff, aoff, maxk)
        if cfg_i[I_RESCALE]:
            _rescale_row(W, row_start, channels, cols, cfg_f)
        bidx = boff[layer] + (channels * r + k_win)
        unit = aoff[layer + 1] - aoff[1] + r if layer < units.shape[0] - 2 else -1
        _update_bias(bidx, g, avg[r] / cols, 0.0, 0.0, B, Bacc, Bacc, cfg_i, cfg_f, avg_act, unit,
                     ea_b)  # fmt: skip


@nb.njit(**_JIT)
def _propagate(E, a_in, cols, W, wstart, gvec, rows, shortcut) -> None:
    """Add the error that a layer's ``rows`` units send back to its ``cols`` inputs, exactly.

    Unit after unit, with the pre-update weights: H2O's order of additions into each column. One
    call per layer; each unit's loop over the columns is one vectorised pass.
    """
    e = E[a_in : a_in + cols]
    for r in range(rows):
        g = gvec[r]
        if shortcut and g == 0.0:
            continue
        w = W[wstart + r * cols : wstart + (r + 1) * cols]
        for c in range(cols):
            e[c] += g * np.float64(w[c])


@nb.njit(**_FAST_JIT)
def _propagate_f32(E, e32, a_in, cols, W, wstart, gvec, rows, shortcut, channels, maxk, m0) -> None:
    """Add the error that a layer's ``rows`` units send back to its ``cols`` inputs, in float32.

    The fast counterpart of ``_propagate`` unit after unit (training that is not reproducible), with
    the pre-update weights; ``e32`` is scratch of at least ``cols`` elements. A Maxout layer
    (``channels`` 2) sends it through each unit's winning channel ``maxk[m0 + r]``.
    """
    e = e32[:cols]
    e[:] = 0.0
    for r in range(rows):
        g = np.float32(gvec[r])
        if shortcut and g == 0.0:
            continue
        w = W[wstart + channels * r * cols : wstart + channels * (r + 1) * cols]
        if channels == 1:
            for c in range(cols):
                e[c] += g * w[c]
            continue
        # both channels, the losing one times 0: a loop over every other weight does not vectorise
        g0 = g if maxk[m0 + r] == 0 else np.float32(0.0)
        g1 = g - g0
        for c in range(cols):
            e[c] += g0 * w[2 * c] + g1 * w[2 * c + 1]
    for c in range(cols):
        E[a_in + c] += np.float64(e[c])


@nb.njit(**_INLINE)
def _adadelta_step_exact(w, edx, eg, grad, keep, rho, omr, eps) -> tuple:
    """Apply H2O's ADADELTA rule to one weight, given its float64 gradient (the exact kernels').

    H2O's arithmetic: float32 state, float64 intermediates, ``approxSqrt``. Returns the new weight,
    E[dx^2] and E[g^2], and the squared gradient that the bias rate sums; a weight that is not
    ``keep`` (``fast_mode`` leaves it alone) keeps all three, and its squared gradient is +0.0.
    """
    g2 = grad * grad
    new_eg = np.float32(np.float64(rho * eg) + np.float64(omr) * g2)
    step = _approx_sqrt_f(np.float32(edx + eps) / np.float32(new_eg + eps))
    scaled = np.float64(np.float32(np.float32(omr * step) * step))
    new_edx = np.float32(np.float64(rho * edx) + scaled * g2)
    new_w = np.float32(np.float64(w) + np.float64(step) * grad)
    if not keep:  # frozen: a vectorised loop stores these plainly (vector_ir)
        return frozen(w), frozen(edx), frozen(eg), 0.0
    return new_w, new_edx, new_eg, g2


@nb.njit(**_INLINE)
def _adadelta_plain_exact(n, g, pa, fast, rho, eps, wv, g2buf, edx, eg, steps) -> None:
    """ADADELTA on contiguous vectors of one unit's weights ``wv`` and accumulators, in place.

    Without L1, L2 and elastic averaging (the common case). Weight k's gradient is ``g * pa[k]``:
    the unit's gradient times the weight's input, which ``fast_mode`` tests for 0. Blocks of eight
    weights go through ``h2o_adadelta``'s vector loops (``steps``: float32 scratch of ``n``), the
    last ``n % 8`` through ``_adadelta_step_exact``: the same arithmetic. Leaves each weight's
    squared gradient in ``g2buf`` (+0.0 where ``fast_mode`` skips it).
    """
    blocks = n // 8
    if fast:
        adadelta_blocks8_masked(wv, edx, eg, g2buf, steps, pa, blocks, g, rho, eps)
    else:
        adadelta_blocks8(wv, edx, eg, g2buf, steps, pa, blocks, g, rho, eps)
    omr = np.float32(1.0) - rho
    for k in range(8 * blocks, n):
        wv[k], edx[k], eg[k], g2buf[k] = _adadelta_step_exact(
            wv[k], edx[k], eg[k], g * pa[k], not fast or pa[k] != 0.0, rho, omr, eps
        )


@nb.njit(**_INLINE)
def _adadelta_regularised_exact(
    n, g, pa, fast, l1, l2, rho, eps, wv, g2buf, edx, eg, lam, ea, penalised, elastic
) -> None:  # fmt: skip
    """``_adadelta_plain_exact`` with L1 and L2 (``penalised``) and elastic averaging (``elastic``).

    Elastic averaging pulls each weight towards ``ea``. A caller that passes ``penalised`` and
    ``elastic`` as constants gets a loop without their tests (L1/L2 alone: about 1.1 ns a weight,
    against 1.5 with both tests in the loop).
    """
    omr = np.float32(1.0) - rho
    for k in range(n):
        w = np.float64(wv[k])
        grad = g * pa[k]
        if penalised:
            grad = grad - _sign(w) * l1 - w * l2
        if elastic:  # pull towards the consensus weight
            grad = grad - lam * (w - np.float64(ea[k]))
        wv[k], edx[k], eg[k], g2buf[k] = _adadelta_step_exact(
            wv[k], edx[k], eg[k], grad, (pa[k] != 0.0) | (not fast), rho, omr, eps
        )


@nb.njit(**_JIT)
def _adadelta_vector(n, g, pa, fast, l1, l2, rho, eps, wv, g2buf, edx, eg, lam, ea, steps) -> None:
    """H2O's ADADELTA for one unit's gathered weights, compiled on its own so that it vectorises."""
    if l1 == 0.0 and l2 == 0.0 and lam == 0.0:
        _adadelta_plain_exact(n, g, pa, fast, rho, eps, wv, g2buf, edx, eg, steps)
    else:
        _adadelta_regularised_exact(n, g, pa, fast, l1, l2, rho, eps, wv, g2buf, edx, eg, lam, ea,
                                    l1 != 0.0 or l2 != 0.0, lam != 0.0)  # fmt: skip


@nb.njit(**_INLINE)
def _units_exact(
    W, Wacc, pa, gvec, rows, cols, wstart, shortcut, rho, eps, sums, g2, ids, steps, masked,
    regularised, elastic, l1, l2, lam, ea_w,
) -> None:  # fmt: skip
    """Update the weights of a dense layer's units, for ``_adadelta_units_exact``.

    ``masked`` (``fast_mode`` with a zero among the inputs ``pa``) leaves the weights of zero inputs
    alone; ``regularised`` applies L1, L2 and, with ``elastic``, elastic averaging. The callers
    pass ``regularised`` and ``elastic`` as constants (and ``masked`` for the plain rule), so that
    each compiles one vector loop inside the unit loop: with a second loop beside it, or a test of
    ``fast_mode`` on every block, a unit cost about 45 cycles more, and without the mask the vector
    loop has no compare and no blends (about 5% fewer cycles a weight, what layers of standardised
    numeric inputs, with no zeros, get).
    """
    n_w = W.shape[0]
    pending = 0
    for r in range(rows):
        g = gvec[r]
        if shortcut and g == 0.0:
            continue
        first = wstart + r * cols
        wv = W[first : first + cols]
        edx = Wacc[first : first + cols]
        eg = Wacc[n_w + first : n_w + first + cols]
        g2buf = g2[pending * cols : (pending + 1) * cols]
        if regularised:  # without elastic averaging, L1 or L2 is not 0
            ea = ea_w[first : first + cols] if elastic else ea_w
            _adadelta_regularised_exact(cols, g, pa, masked, l1, l2, rho, eps, wv, g2buf, edx, eg,
                                        lam, ea, not elastic or l1 != 0.0 or l2 != 0.0, elastic)  # fmt: skip
        else:
            _adadelta_plain_exact(cols, g, pa, masked, rho, eps, wv, g2buf, edx, eg, steps)
        pending = _unit_updated(r, pending, g2, cols, sums, ids)
    if pending > 0:
        _sum_eight_units(g2, cols, sums, ids, pending)


@nb.njit(**_JIT)
def _units_masked(W, Wacc, pa, gvec, rows, cols, wstart, shortcut, rho, eps, sums, g2, ids, steps):
    """``_units_exact``, plain rule, with ``fast_mode``'s mask on zero inputs."""
    _units_exact(W, Wacc, pa, gvec, rows, cols, wstart, shortcut, rho, eps, sums, g2, ids, steps,
                 True, False, False, 0.0, 0.0, 0.0, W)  # fmt: skip


@nb.njit(**_JIT)
def _units_unmasked(
    W, Wacc, pa, gvec, rows, cols, wstart, shortcut, rho, eps, sums, g2, ids, steps
):
    """``_units_exact``, plain rule, every weight updated (no zero input, or no ``fast_mode``)."""
    _units_exact(W, Wacc, pa, gvec, rows, cols, wstart, shortcut, rho, eps, sums, g2, ids, steps,
                 False, False, False, 0.0, 0.0, 0.0, W)  # fmt: skip


@nb.njit(**_JIT)
def _units_regularised(
    W, Wacc, pa, gvec, rows, cols, wstart, fast, shortcut, l1, l2, rho, eps, lam, ea_w, sums, g2,
    ids, steps,
) -> None:  # fmt: skip
    """``_units_exact`` with L1, L2 and elastic averaging (``fast_mode`` tested weight by weight)."""
    if lam == 0.0:  # L1 and L2 alone: a loop without the elastic term's test
        _units_exact(W, Wacc, pa, gvec, rows, cols, wstart, shortcut, rho, eps, sums, g2, ids, steps,
                     fast, True, False, l1, l2, lam, ea_w)  # fmt: skip
    else:
        _units_exact(W, Wacc, pa, gvec, rows, cols, wstart, shortcut, rho, eps, sums, g2, ids, steps,
                     fast, True, True, l1, l2, lam, ea_w)  # fmt: skip


@nb.njit(**_JIT)
def _adadelta_units_exact(
    W, Wacc, A, a_in, gvec, rows, cols, wstart, fast, shortcut, l1, l2, rho, eps, lam, ea_w,
    sums, g2, ids, steps,
) -> None:  # fmt: skip
    """H2O's ADADELTA for the weights of a dense layer's units, and the sums of their bias rates.

    One call per layer: the loop over the units holds each unit's vectorised loop over its
    weights. One call per unit cost about as much as the arithmetic of a 50-input unit (1.0 ns a
    weight here, against 2.3 one call per unit). The rule (plain or regularised, and whether
    ``fast_mode`` has zero inputs to skip) is chosen once, here, for the layer (``_units_exact``).
    ``shortcut`` skips units whose gradient is 0. The squared gradients of eight updated units
    collect in ``g2`` (``ids`` records the units), then ``_sum_eight_units`` sums them into ``sums``.
    """
    pa = A[a_in : a_in + cols]
    if l1 != 0.0 or l2 != 0.0 or lam != 0.0:
        _units_regularised(W, Wacc, pa, gvec, rows, cols, wstart, fast, shortcut, l1, l2, rho, eps,
                           lam, ea_w, sums, g2, ids, steps)  # fmt: skip
        return
    masked = False
    for c in range(cols if fast else 0):
        masked |= pa[c] == 0.0
    if masked:
        _units_masked(W, Wacc, pa, gvec, rows, cols, wstart, shortcut, rho, eps, sums, g2, ids,
                      steps)  # fmt: skip
    else:
        _units_unmasked(W, Wacc, pa, gvec, rows, cols, wstart, shortcut, rho, eps, sums, g2, ids,
                        steps)  # fmt: skip


@nb.njit(**{**_FAST_JIT, "inline": "always"})
def _adadelta_step_f32(w, edx, eg, grad, keep, rho, omr, eps) -> tuple:
    """Apply the float32 ADADELTA rule to one weight, given its gradient (every float32 kernel's).

    Returns its new value, E[dx^2] and E[g^2], and its squared gradient; a weight that is not
    ``keep`` (``fast_mode`` leaves it alone) keeps all three, and its squared gradient is 0.
    """
    zero = np.float32(0.0)
    g2 = grad * grad
    new_eg = rho * eg + omr * g2
    step = np.sqrt((edx + eps) / (new_eg + eps))
    new_edx = rho * edx + omr * step * step * g2
    if not keep:  # frozen: a vectorised loop stores these plainly (vector_ir)
        return frozen(w), frozen(edx), frozen(eg), zero
    return w + step * grad, new_edx, new_eg, g2


@nb.njit(**{**_FAST_JIT, "inline": "always"})
def _adadelta_f32(w, edx, eg, a, g, l1, l2, rho, omr, eps, fast, pull) -> tuple:
    """One weight's float32 ADADELTA step, from its input ``a`` and its unit's gradient ``g``.

    ``fast_mode`` leaves a weight alone where its input is 0. ``pull`` is elastic averaging's term,
    ``lambda * (w - consensus)`` (0 without it). Nothing here branches, not even the sign or the
    test of ``fast_mode``: a branch in the loops that call this stops LLVM from vectorising them
    (L1 made the update 12 times slower, 4.9 against 0.4 ns a weight).
    """
    grad = _gradient_f32(w, a, g, l1, l2, pull)
    return _adadelta_step_f32(w, edx, eg, grad, (a != np.float32(0.0)) | (not fast), rho, omr, eps)


@nb.njit(**{**_FAST_JIT, "inline": "always"})
def _regularisation_f32(l1, l2, lam) -> tuple:
    """Return L1, L2 and elastic averaging's lambda in float32, and whether all three are 0."""
    return np.float32(l1), np.float32(l2), np.float32(lam), l1 == 0.0 and l2 == 0.0 and lam == 0.0


@nb.njit(**{**_FAST_JIT, "inline": "always"})
def _gradient_f32(w, a, g, l1, l2, pull) -> np.float32:
    """Return a weight's float32 descent direction: ``g * a`` less L1, L2 and the elastic ``pull``."""
    zero = np.float32(0.0)
    sign = np.float32(w > zero) - np.float32(w < zero)
    return g * a - sign * l1 - w * l2 - pull


@nb.njit(**{**_FAST_JIT, "inline": "always"})
def _adadelta_plain_f32(w, edx, eg, a, g, rho, omr, eps, fast) -> tuple:
    """``_adadelta_f32`` without L1, L2 and elastic averaging: the common case, in fewer instructions."""
    return _adadelta_step_f32(w, edx, eg, g * a, not fast or a != np.float32(0.0), rho, omr, eps)


@nb.njit(**_FAST_JIT)
def _adadelta_dense_f32(
    W, Wacc, A32, gvec, rows, cols, wstart, a_in, dense_from, shortcut, fast, l1, l2, rho, eps, lam,
    ea_w, sums, grads32,
) -> None:  # fmt: skip
    """ADADELTA in float32 on the columns ``[dense_from, cols)`` of a layer's units, in one call.

    The fast counterpart of ``_adadelta_vector`` (training that is not reproducible): the same rule
    without H2O's float64 intermediates (H2O's ``approxSqrt`` becomes the square root), so that each
    weight is a few float32 vector instructions. Reads the float32 copies of the activations in
    ``A32``. Adds each unit's sum of the squared gradients of the weights it updated to ``sums``
    (for the bias rate).
    """
    n_w = W.shape[0]  # E[dx^2] in Wacc[:n_w], E[g^2] in Wacc[n_w:]
    l1f, l2f, lamf, plain = _regularisation_f32(l1, l2, lam)
    omr = np.float32(1.0) - rho
    zero = np.float32(0.0)
    a32 = A32[a_in + dense_from : a_in + cols]
    if plain and fast and dense_from == 0:
        _adadelta_runs_f32(W, Wacc, a32, gvec, rows, cols, wstart, rho, eps, sums, grads32)
        return
    for r in range(rows):
        g = np.float32(gvec[r])
        if shortcut and g == zero:
            continue
        first = wstart + r * cols + dense_from
        wv = W[first : first + a32.shape[0]]
        edx = Wacc[first : first + a32.shape[0]]
        eg = Wacc[n_w + first : n_w + first + a32.shape[0]]
        total = zero
        if plain:
            for k in range(a32.shape[0]):
                wv[k], edx[k], eg[k], g2 = _adadelta_plain_f32(
                    wv[k], edx[k], eg[k], a32[k], g, rho, omr, eps, fast
                )
                total += g2
        else:
            # without elastic averaging lamf is 0 and any finite values do: no branch in the loop
            ea = ea_w[first : first + a32.shape[0]] if lam != 0.0 else a32
            for k in range(a32.shape[0]):
                w = wv[k]
                wv[k], edx[k], eg[k], g2 = _adadelta_f32(
                    w, edx[k], eg[k], a32[k], g, l1f, l2f, rho, omr, eps, fast, lamf * (w - ea[k])
                )
                total += g2
        sums[r] += np.float64(total)


#: Gradients a run of units fills at most (float32 scratch that stays in the L1 cache).
RUN_GRADIENTS = 4096


@nb.njit(**_FAST_JIT)
def _adadelta_runs_f32(W, Wacc, a, gvec, rows, cols, wstart, rho, eps, sums, grads) -> None:
    """Plain ADADELTA with ``fast_mode`` on a layer whose inputs are all dense, run by run.

    A run of consecutive active units (``gvec != 0``) holds contiguous weights, so it is updated as
    one flat vector: the gradients ``g_r * a_c`` are filled in ``grads`` first, and a zero gradient
    (an inactive unit or a zero input, which ``fast_mode`` leaves alone) keeps its weight. The
    per-unit loop pays a vector loop's set-up and scalar tail for every unit, which on 50 inputs
    cost more than the update itself. Unit ``r``'s sum of squared gradients, which its bias rate
    needs, is ``g_r^2 * sum_c a_c^2``.
    """
    n_w = W.shape[0]  # E[dx^2] in Wacc[:n_w], E[g^2] in Wacc[n_w:]
    omr = np.float32(1.0) - rho
    squares = np.float32(0.0)
    for c in range(cols):
        squares += a[c] * a[c]
    per_run = max(1, grads.shape[0] // cols)
    r = 0
    while r < rows:
        if gvec[r] == 0.0:
            r += 1
            continue
        r0 = r
        while r < rows and r - r0 < per_run and gvec[r] != 0.0:
            g = np.float32(gvec[r])
            unit_grads = grads[(r - r0) * cols : (r - r0 + 1) * cols]
            for c in range(cols):
                unit_grads[c] = g * a[c]
            sums[r] += np.float64(g * g * squares)
            r += 1
        first = wstart + r0 * cols
        n = (r - r0) * cols
        wv = W[first : first + n]
        edx = Wacc[first : first + n]
        eg = Wacc[n_w + first : n_w + first + n]
        for k in range(n):
            grad = grads[k]
            wv[k], edx[k], eg[k], _ = _adadelta_step_f32(
                wv[k], edx[k], eg[k], grad, grad != np.float32(0.0), rho, omr, eps
            )


@nb.njit(**_FAST_JIT)
def adadelta_flat_f32(W, edx, eg, grad, l1, l2, rho, eps) -> None:
    """ADADELTA on flat float32 vectors of values and their gradients, in one pass.

    The batch engine's update on the CPU: the per-weight rule of ``_adadelta_f32`` (``grad`` is the
    batch's descent direction before L1 and L2), instead of some ten tensor operations that each
    read and write every weight.
    """
    one = np.float32(1.0)
    zero = np.float32(0.0)
    rho32 = np.float32(rho)
    omr = one - rho32
    eps32 = np.float32(eps)
    l1f = np.float32(l1)
    l2f = np.float32(l2)
    for k in range(W.shape[0]):
        W[k], edx[k], eg[k], _ = _adadelta_f32(
            W[k], edx[k], eg[k], one, grad[k], l1f, l2f, rho32, omr, eps32, False, zero
        )


@nb.njit(**_INLINE)
def _bias_step(bias, edx, eg, g, avg_grad2, skip, exact, l1, l2, rho, eps, omr) -> tuple:
    """``_update_bias``'s ADADELTA step for one bias; return its new value, E[dx^2] and E[g^2]."""
    new_eg = rho * eg + omr * avg_grad2
    ratio = (edx + eps) / (new_eg + eps)
    step = _approx_sqrt_d(ratio) if exact else np.sqrt(ratio)
    new_edx = rho * edx + omr * step * step * avg_grad2
    if skip:  # frozen: a vectorised loop stores these plainly (vector_ir)
        return frozen(bias), frozen(edx), frozen(eg)
    return bias + step * (g - (_sign(bias) * l1 + bias * l2)), new_edx, new_eg


@nb.njit(**_JIT)
def _adadelta_biases_f64(
    B, Bacc, b0, gvec, sums, rows, cols, shortcut, exact, cfg_f, channels, maxk, m0
) -> None:  # fmt: skip
    """ADADELTA of a layer's biases in one loop: ``_update_bias`` for every unit.

    The same arithmetic, in the same order; ``exact`` takes H2O's ``approxSqrt``, otherwise the
    square root (training that is not reproducible). A Maxout layer (``channels`` 2) updates each
    unit's winning channel's bias (``maxk[m0 + r]``); other layers' loop vectorises.
    """
    l1 = cfg_f[F_L1]
    l2 = cfg_f[F_L2]
    rho = np.float64(np.float32(cfg_f[F_RHO]))
    eps = np.float64(np.float32(cfg_f[F_EPS]))
    omr = np.float64(np.float32(1.0) - np.float32(cfg_f[F_RHO]))
    biases = B[b0 : b0 + channels * rows]
    acc = Bacc[2 * b0 : 2 * (b0 + channels * rows)]  # E[dx^2] and E[g^2] of each bias, interleaved
    if channels == 2:
        for r in range(rows):
            b = 2 * r + maxk[m0 + r]
            biases[b], acc[2 * b], acc[2 * b + 1] = _bias_step(
                biases[b], acc[2 * b], acc[2 * b + 1], gvec[r], sums[r] / cols,
                shortcut and gvec[r] == 0.0, exact, l1, l2, rho, eps, omr,
            )  # fmt: skip
        return
    for r in range(rows):  # indices that are provably non-negative: numba adds no wraparound test
        biases[r], acc[2 * r], acc[2 * r + 1] = _bias_step(
            biases[r], acc[2 * r], acc[2 * r + 1], gvec[r], sums[r] / cols,
            shortcut and gvec[r] == 0.0, exact, l1, l2, rho, eps, omr,
        )  # fmt: skip


@nb.njit(**{**_FAST_JIT, "inline": "always"})
def _float32_inputs(A, A32, a_in, first, cols) -> np.ndarray:
    """Copy a layer's inputs ``[first, cols)`` to float32 into ``A32``; return that slice."""
    a = A32[a_in + first : a_in + cols]
    a64 = A[a_in + first : a_in + cols]
    for c in range(a.shape[0]):
        a[c] = np.float32(a64[c])
    return a


@nb.njit(**_FAST_JIT)
def _dots_dense(W, wstart, A, A32, a_in, first, cols, rows, out) -> None:
    """``out[r] = sum_c W[unit r, c] * A[c]`` over the columns ``[first, cols)``, in float32, in any order.

    The activations are first copied to float32 into ``A32`` (which the backward pass reads).
    """
    a = _float32_inputs(A, A32, a_in, first, cols)
    n = a.shape[0]
    blocked = rows - rows % 4
    for r in range(0, blocked, 4):  # four units per pass: each activation loaded once for four
        w0 = W[wstart + r * cols + first : wstart + (r + 1) * cols]
        w1 = W[wstart + (r + 1) * cols + first : wstart + (r + 2) * cols]
        w2 = W[wstart + (r + 2) * cols + first : wstart + (r + 3) * cols]
        w3 = W[wstart + (r + 3) * cols + first : wstart + (r + 4) * cols]
        t0 = t1 = t2 = t3 = np.float32(0.0)
        for c in range(n):
            t0 += w0[c] * a[c]
            t1 += w1[c] * a[c]
            t2 += w2[c] * a[c]
            t3 += w3[c] * a[c]
        out[r] = np.float64(t0)
        out[r + 1] = np.float64(t1)
        out[r + 2] = np.float64(t2)
        out[r + 3] = np.float64(t3)
    for r in range(blocked, rows):
        w = W[wstart + r * cols + first : wstart + (r + 1) * cols]
        total = np.float32(0.0)
        for c in range(n):
            total += w[c] * a[c]
        out[r] = np.float64(total)


@nb.njit(**_FAST_JIT)
def _maxout_layer_f32(
    W, wstart, B, bstart, A, A32, a_in, a_out, first, cols, rows, idx, n_idx, maxk, m0, bits,
    use_bits,
) -> None:  # fmt: skip
    """Run a Maxout layer's forward pass in float32 (training that is not reproducible).

    Each unit's two channels are summed in one pass over its weights, which interleave the
    channels (``2 * (r * cols + c) + k``, H2O's layout): the columns ``[first, cols)`` as float32
    vectors, in any order, and the listed columns below ``first`` (the input layer's active one-hot
    slots) one by one in float64. The higher channel wins (the first on a tie), as in the exact
    branch of ``_forward_layer``: its index goes to ``maxk[m0 + r]`` for the backward pass. A
    dropped unit outputs 0 and keeps its stale winning channel.
    """
    a = _float32_inputs(A, A32, a_in, first, cols)
    n = a.shape[0]
    n_gathered = 0
    while n_gathered < n_idx and idx[n_gathered] < first:
        n_gathered += 1
    for r in range(rows):
        A[a_out + r] = 0.0
        if use_bits and not _active(bits, r):
            continue
        w = W[wstart + 2 * (r * cols + first) : wstart + 2 * (r + 1) * cols]
        t0 = t1 = np.float32(0.0)
        for c in range(n):
            t0 += w[2 * c] * a[c]
            t1 += w[2 * c + 1] * a[c]
        channel0 = np.float64(t0)
        channel1 = np.float64(t1)
        for k in range(n_gathered):
            base = wstart + 2 * (r * cols + idx[k])
            channel0 += np.float64(W[base]) * A[a_in + idx[k]]
            channel1 += np.float64(W[base + 1]) * A[a_in + idx[k]]
        channel0 += B[bstart + 2 * r]
        channel1 += B[bstart + 2 * r + 1]
        best = 1 if channel1 > channel0 else 0
        maxk[m0 + r] = best
        A[a_out + r] = channel1 if best == 1 else channel0


@nb.njit(**{**_FAST_JIT, "inline": "always"})
def _maxout_row_f32(w, edx, eg, a2, k, g, fast, plain, l1, l2, lam, ea, rho, eps) -> np.float32:
    """Float32 ADADELTA of one Maxout unit's winning channel ``k``, in place; return its sum of g^2.

    ``w``, ``edx`` and ``eg`` hold the unit's whole interleaved row (element ``2c + j``: channel j
    from input c) and ``a2`` each input twice, so that the loop runs over contiguous elements and
    vectorises; the other channel's weights keep their values (every other one, read with a stride,
    ran at about a quarter of the speed). ``ea`` is elastic averaging's consensus row, or with
    ``lam`` 0 any finite values (the pull is then 0, without a branch).
    """
    zero = np.float32(0.0)
    omr = np.float32(1.0) - rho
    every_input = not fast  # fast_mode leaves the weights of zero inputs alone
    total = zero
    if plain:  # two loops: a test inside the loop stops it from vectorising
        for j in range(a2.shape[0]):
            a = a2[j]
            keep = ((j & 1) == k) & ((a != zero) | every_input)  # no branch: it vectorises
            w[j], edx[j], eg[j], g2 = _adadelta_step_f32(w[j], edx[j], eg[j], g * a, keep, rho,
                                                          omr, eps)  # fmt: skip
            total += g2
        return total
    for j in range(a2.shape[0]):
        a = a2[j]
        v = w[j]
        keep = ((j & 1) == k) & ((a != zero) | every_input)
        grad = _gradient_f32(v, a, g, l1, l2, lam * (v - ea[j]))
        w[j], edx[j], eg[j], g2 = _adadelta_step_f32(v, edx[j], eg[j], grad, keep, rho, omr, eps)
        total += g2
    return total


@nb.njit(**_FAST_JIT)
def _adadelta_maxout_f32(
    W, Wacc, A, a_in, gvec, rows, cols, wstart, maxk, m0, idx, n_idx, sparse, shortcut, fast, l1,
    l2, rho, eps, lam, ea_w, sums, a2,
) -> None:  # fmt: skip
    """Float32 ADADELTA of the winning channels' weights of a Maxout layer's units.

    The fast counterpart of the gathered exact update in ``_adadelta_layer``. Each updated unit's
    row goes through ``_maxout_row_f32``, with the inputs copied twice into the float32 scratch
    ``a2`` (at least ``2 * cols`` elements). ``sparse`` (the input layer with ``fast_mode``, whose
    listed inputs ``idx[:n_idx]`` are its non-zero ones) updates only the listed inputs' weights,
    one by one, when they are fewer than one column in ``GATHER_BELOW`` (wide one-hot inputs).
    Adds each unit's sum of squared gradients to ``sums`` (its bias rate).
    """
    n_w = W.shape[0]  # E[dx^2] in Wacc[:n_w], E[g^2] in Wacc[n_w:]
    l1f, l2f, lamf, plain = _regularisation_f32(l1, l2, lam)
    omr = np.float32(1.0) - rho
    zero = np.float32(0.0)
    listed = sparse and GATHER_BELOW * n_idx < cols
    inputs = a2[: 2 * cols]
    for c in range(0 if listed else cols):
        inputs[2 * c] = inputs[2 * c + 1] = np.float32(A[a_in + c])
    for r in range(rows):
        g = np.float32(gvec[r])
        if shortcut and g == zero:
            continue
        k = maxk[m0 + r]
        row = wstart + 2 * r * cols
        if not listed:
            ea = ea_w[row : row + 2 * cols] if lam != 0.0 else inputs
            sums[r] += np.float64(
                _maxout_row_f32(
                    W[row : row + 2 * cols],
                    Wacc[row : row + 2 * cols],
                    Wacc[n_w + row : n_w + row + 2 * cols],
                    inputs,
                    k,
                    g,
                    fast,
                    plain,
                    l1f,
                    l2f,
                    lamf,
                    ea,
                    rho,
                    eps,
                )  # fmt: skip
            )
            continue
        total = zero
        for i in range(n_idx):
            widx = row + 2 * idx[i] + k
            w = W[widx]
            pull = lamf * (w - ea_w[widx]) if lam != 0.0 else zero
            W[widx], Wacc[widx], Wacc[n_w + widx], g2 = _adadelta_f32(
                w, Wacc[widx], Wacc[n_w + widx], np.float32(A[a_in + idx[i]]), g, l1f, l2f, rho,
                omr, eps, fast, pull,
            )  # fmt: skip
            total += g2
        sums[r] += np.float64(total)


@nb.njit(**{**_FAST_JIT, "inline": "always"})
def _sgd_step_f32(w, wm, grad, keep, rate, momentum, momenta, nesterov) -> tuple:
    """Return one weight's float32 SGD step and its momentum: ``_sgd_step_exact`` in float32.

    A weight that is not ``keep`` (``fast_mode`` on a zero input) keeps both.
    """
    if not momenta:
        new_w, new_m = w + rate * grad, wm
    elif nesterov:
        new_m = wm * momentum + grad
        new_w = w + rate * new_m
    else:
        new_m = rate * grad
        new_w = w + new_m + momentum * wm
    return (new_w, new_m) if keep else (frozen(w), frozen(wm))


@nb.njit(**_INLINE)
def _sgd_row(W, Wm, ea_w, first, n, lam, spare) -> tuple:
    """Return a unit's ``n`` weights from ``first``, their momenta and their consensus weights.

    Without momentum (``Wm`` empty) or elastic averaging (``lam`` 0) ``spare``, ``n`` float32
    values that the caller reads and never writes, stands in, so that its loop needs no branch.
    """
    wv = W[first : first + n]
    mv = Wm[first : first + n] if Wm.shape[0] > 0 else spare
    ea = ea_w[first : first + n] if lam != 0.0 else spare
    return wv, mv, ea


@nb.njit(**_FAST_JIT)
def _sgd_dense_f32(
    W, Wm, A32, gvec, rows, cols, wstart, a_in, dense_from, shortcut, fast, l1, l2, rate, momentum,
    nesterov, lam, ea_w,
) -> None:  # fmt: skip
    """SGD in float32 on the columns ``[dense_from, cols)`` of a layer's units, in one call.

    The fast counterpart of ``_sgd_dense_exact`` (training that is not reproducible): float32
    arithmetic, and no branch in the loop, so that it vectorises. ``Wm`` holds the momenta, empty
    without momentum. Reads the float32 copies of the activations in ``A32``.
    """
    a32 = A32[a_in + dense_from : a_in + cols]
    n = a32.shape[0]
    momenta = Wm.shape[0] > 0
    zero = np.float32(0.0)
    every_input = not fast  # fast_mode leaves the weights of zero inputs alone
    rate32, m32 = np.float32(rate), np.float32(momentum)
    l1f, l2f, lamf, _ = _regularisation_f32(l1, l2, lam)
    for r in range(rows):
        g = np.float32(gvec[r])
        if shortcut and g == zero:
            continue
        # without elastic averaging lamf is 0 and any finite values do: no branch in the loop
        wv, mv, ea = _sgd_row(W, Wm, ea_w, wstart + r * cols + dense_from, n, lam, a32)
        for k in range(n):
            w = wv[k]
            a = a32[k]
            grad = _gradient_f32(w, a, g, l1f, l2f, lamf * (w - ea[k]))
            keep = (a != zero) | every_input
            wv[k], m = _sgd_step_f32(w, mv[k], grad, keep, rate32, m32, momenta, nesterov)
            if momenta:
                mv[k] = m


@nb.njit(**_INLINE)
def _sgd_rows_exact(
    W, Wm, a, gvec, rows, cols, wstart, dense_from, shortcut, fast, l1, l2, rate, momentum, momenta,
    nesterov, elastic, lam, ea_w,
) -> None:  # fmt: skip
    """Run the loop of ``_sgd_dense_exact`` for one rule.

    The caller passes ``momenta``, ``nesterov`` and ``elastic`` as constants, so that each compiled
    loop has no branch on them: a loop with the three tests ran at 2.9 ns a weight, one without at
    0.6.
    """
    n = a.shape[0]
    for r in range(rows):
        g = gvec[r]
        if shortcut and g == 0.0:
            continue
        first = wstart + r * cols + dense_from
        wv, mv, ea = _sgd_row(W, Wm, ea_w, first, n, lam, W[first : first + n])
        for k in range(n):
            weight = np.float64(wv[k])
            grad = _sgd_gradient_exact(weight, a[k], g, l1, l2, elastic, lam, np.float64(ea[k]))
            new_w, new_m = _sgd_step_exact(wv[k], mv[k], grad, rate, momentum, momenta, nesterov)
            keep = not fast or a[k] != 0.0
            wv[k] = new_w if keep else frozen(wv[k])
            if momenta:
                mv[k] = new_m if keep else frozen(mv[k])


@nb.njit(**_JIT)
def _sgd_dense_exact(
    W, Wm, A, gvec, rows, cols, wstart, a_in, dense_from, shortcut, fast, l1, l2, rate, momentum,
    nesterov, lam, ea_w,
) -> None:  # fmt: skip
    """``_sgd_dense_f32`` in H2O's arithmetic (``_sgd_step_exact``): float64 gradients and inputs."""
    a = A[a_in + dense_from : a_in + cols]
    if lam != 0.0:  # elastic averaging (several processes): one loop for every rule
        _sgd_rows_exact(W, Wm, a, gvec, rows, cols, wstart, dense_from, shortcut, fast, l1, l2, rate,
                        momentum, Wm.shape[0] > 0, nesterov, True, lam, ea_w)  # fmt: skip
    elif Wm.shape[0] == 0:
        _sgd_rows_exact(W, Wm, a, gvec, rows, cols, wstart, dense_from, shortcut, fast, l1, l2, rate,
                        momentum, False, False, False, lam, ea_w)  # fmt: skip
    elif nesterov:
        _sgd_rows_exact(W, Wm, a, gvec, rows, cols, wstart, dense_from, shortcut, fast, l1, l2, rate,
                        momentum, True, True, False, lam, ea_w)  # fmt: skip
    else:
        _sgd_rows_exact(W, Wm, a, gvec, rows, cols, wstart, dense_from, shortcut, fast, l1, l2, rate,
                        momentum, True, False, False, lam, ea_w)  # fmt: skip


@nb.njit(**_JIT)
def _sgd_layer(
    layer, gvec, rate, momentum, net, state, A, A32, E, maxk, cfg_i, cfg_f, in_idx, n_in_idx,
    num_start, work, avg_act, elastic, exact,
) -> None:  # fmt: skip
    """SGD of one dense layer's weights and biases: ``_backprop_unit`` for every unit, reorganised.

    The error goes back to the layer below first, with the weights before the update
    (``_propagate`` in H2O's order of additions, or ``_propagate_f32``); then the weights, each
    unit's row one vectorised loop (``_sgd_dense_exact`` or ``_sgd_dense_f32``), the input layer's
    listed one-hot slots (``fast_mode``) one by one; then each unit's ``max_w2`` rescale and bias
    (``_update_bias``). A unit's weights, rescale and bias keep H2O's order, and units touch
    disjoint weights, so ``exact`` gives H2O's bits. Going weight by weight, with a test of every
    option on each, was about ten times slower.
    """
    units, woff, boff, aoff, act, mult, drop = net
    W, B, Wacc, Bacc, Wm, Bm = state
    e32 = work[7]
    ea_w, ea_b = elastic
    lam = cfg_f[F_ELASTIC] if ea_w.shape[0] > 0 else 0.0
    rows = units[layer + 1]
    cols = units[layer]
    a_in = aoff[layer]
    fast = cfg_i[I_FAST] != 0
    shortcut = cfg_i[I_SHORTCUT] != 0
    nesterov = cfg_i[I_NESTEROV] != 0
    momenta = Wm.shape[0] > 0
    l1, l2 = cfg_f[F_L1], cfg_f[F_L2]
    sparse = layer == 0 and fast
    dense_from = num_start if sparse else 0
    if layer > 0 and exact:
        _propagate(E, a_in, cols, W, woff[layer], gvec, rows, shortcut)
    elif layer > 0:
        _propagate_f32(E, e32, a_in, cols, W, woff[layer], gvec, rows, shortcut, 1, maxk, 0)
    elif not exact and dense_from < num_start:  # inputs the forward pass gathered: no float32 copy
        for c in range(dense_from, num_start):
            A32[a_in + c] = np.float32(A[a_in + c])
    if exact:
        _sgd_dense_exact(W, Wm, A, gvec, rows, cols, woff[layer], a_in, dense_from, shortcut, fast,
                         l1, l2, rate, momentum, nesterov, lam, ea_w)  # fmt: skip
    else:
        _sgd_dense_f32(W, Wm, A32, gvec, rows, cols, woff[layer], a_in, dense_from, shortcut, fast,
                       l1, l2, rate, momentum, nesterov, lam, ea_w)  # fmt: skip
    n_gather = 0
    while sparse and n_gather < n_in_idx and in_idx[n_gather] < dense_from:
        n_gather += 1
    zero = np.float32(0.0)
    for r in range(rows):
        g = gvec[r]
        if shortcut and g == 0.0:
            continue
        start = woff[layer] + r * cols
        for k in range(n_gather):  # the listed one-hot slots (their inputs are not zero)
            widx = start + in_idx[k]
            wm = Wm[widx] if momenta else zero
            if exact:
                weight = np.float64(W[widx])
                consensus = np.float64(ea_w[widx]) if lam != 0.0 else 0.0
                grad = _sgd_gradient_exact(weight, A[a_in + in_idx[k]], g, l1, l2, lam != 0.0, lam,
                                           consensus)  # fmt: skip
                W[widx], wm = _sgd_step_exact(W[widx], wm, grad, rate, momentum, momenta, nesterov)
            else:
                w = W[widx]
                pull = np.float32(lam * (w - ea_w[widx])) if lam != 0.0 else zero
                grad32 = _gradient_f32(w, np.float32(A[a_in + in_idx[k]]), np.float32(g),
                                       np.float32(l1), np.float32(l2), pull)  # fmt: skip
                W[widx], wm = _sgd_step_f32(w, wm, grad32, True, np.float32(rate),
                                            np.float32(momentum), momenta, nesterov)  # fmt: skip
            if momenta:
                Wm[widx] = wm
        if cfg_i[I_RESCALE]:
            _rescale_row(W, start, 1, cols, cfg_f)
        unit = aoff[layer + 1] - aoff[1] + r if layer < units.shape[0] - 2 else -1
        _update_bias(boff[layer] + r, g, 0.0, rate, momentum, B, Bacc, Bm, cfg_i, cfg_f, avg_act,
                     unit, ea_b)  # fmt: skip


@nb.njit(**_INLINE)
def _rescale_row(W, row_start, channels, cols, cfg_f) -> None:
    # max_w2: scale the unit's incoming weights when their squared sum exceeds max_w2
    max_w2 = np.float32(cfg_f[F_MAX_W2])
    r2 = _sum_squares(W, row_start, channels, cols)
    if r2 > max_w2:
        scale = _approx_sqrt_f(np.float32(max_w2 / r2))
        for c in range(cols):
            W[row_start + channels * c] = W[row_start + channels * c] * scale


@nb.njit(**_INLINE)
def _backprop_unit(
    layer,
    r,
    g,
    rate,
    momentum,
    net,
    state,
    A,
    E,
    maxk,
    cfg_i,
    cfg_f,
    idx,
    n_idx,
    avg_act,
    elastic,
) -> None:
    """SGD of one Maxout unit's winning channel, weight by weight, as H2O's ``bprop``.

    ``_sgd_layer`` does the other layers' units.
    """
    units, woff, boff, aoff, act, mult, drop = net
    W, B, Wacc, Bacc, Wm, Bm = state
    ea_w, ea_b = elastic
    lam = cfg_f[F_ELASTIC] if ea_w.shape[0] > 0 else 0.0
    if cfg_i[I_SHORTCUT] and g == 0.0:
        return
    cols = units[layer]
    a_in = aoff[layer]
    update_prev = layer > 0
    fast = cfg_i[I_FAST] != 0
    l1 = cfg_f[F_L1]
    l2 = cfg_f[F_L2]
    channels = mult[layer]
    k_win, row_start = _unit_start(layer, r, cols, channels, woff, aoff, maxk)
    sparse_input = layer == 0 and fast
    n_cols = n_idx if sparse_input else cols
    for k in range(n_cols):
        c = idx[k] if sparse_input else k
        widx = row_start + channels * c
        weight = np.float64(W[widx])
        if update_prev:
            E[a_in + c] += g * weight
        previous = A[a_in + c]
        if fast and previous == 0.0:
            continue
        consensus = np.float64(ea_w[widx]) if lam != 0.0 else 0.0  # elastic averaging's
        grad = _sgd_gradient_exact(weight, previous, g, l1, l2, lam != 0.0, lam, consensus)
        _update_weight(widx, grad, rate, momentum, W, Wm, cfg_i)
    if cfg_i[I_RESCALE]:
        _rescale_row(W, row_start, channels, cols, cfg_f)
    bidx = boff[layer] + (channels * r + k_win)
    unit = aoff[layer + 1] - aoff[1] + r if layer < units.shape[0] - 2 else -1
    _update_bias(bidx, g, 0.0, rate, momentum, B, Bacc, Bm, cfg_i, cfg_f, avg_act, unit, ea_b)


@nb.njit(**_INLINE)
def _unit_gradients(E, A, a_out, n_units, code, gvec) -> None:
    """``gvec[r]``: unit ``r``'s error times its activation's derivative (``code`` -1: none).

    One loop per activation, so that each is a simple vectorisable loop.
    """
    e = E[a_out : a_out + n_units]
    a = A[a_out : a_out + n_units]
    if code == TANH:
        for r in range(n_units):
            gvec[r] = e[r] * (1.0 - a[r] * a[r])
    elif code == RECTIFIER:
        for r in range(n_units):
            gvec[r] = e[r] if a[r] > 0.0 else 0.0
    elif code == EXP_RECTIFIER:
        for r in range(n_units):
            gvec[r] = e[r] * (1.0 if a[r] >= 0.0 else np.exp(a[r]))
    else:
        for r in range(n_units):
            gvec[r] = e[r]


@nb.njit(**_JIT)
def _train_row(row, row_seed, data, net, state, hyper, scratch) -> None:
    """Train on one row: input, forward pass, output error, backward pass with updates."""
    cat_slots, numeric, response, offset, sp_ptr, sp_col, sp_val = data
    units, woff, boff, aoff, act, mult, drop = net
    W, B, Wacc, Bacc, Wm, Bm = state
    rates, moms, cfg_i, cfg_f, avg_act, ea_w, ea_b = hyper
    elastic = (ea_w, ea_b)
    A, A32, E, orig, maxk, bits, in_idx, all_idx, psum, work, gvec, g = scratch
    n_layers = units.shape[0] - 1
    n_in = units[0]
    num_start = n_in - numeric.shape[1]
    sparse_nums = sp_ptr.shape[0] > 0
    zero_inputs = sparse_nums  # a sparse row may store zeros; dense numerics are counted below
    seed = cfg_i[I_SEED]
    exact = cfg_i[I_EXACT] != 0
    # -- input layer: one-hot slots, numerics, input dropout (A[0:n_in] is zero on entry) ----------
    n_in_idx = 0
    for i in range(cat_slots.shape[1]):
        slot = cat_slots[row, i]
        if slot >= 0:
            if A[slot] == 0.0:
                in_idx[n_in_idx] = slot
                n_in_idx += 1
            A[slot] += 1.0  # hashed slots (max_categorical_features) can collide and add up
    for k in range(1, n_in_idx):  # keep the active slots ascending (hashed slots come unordered)
        v = in_idx[k]
        m = k - 1
        while m >= 0 and in_idx[m] > v:
            in_idx[m + 1] = in_idx[m]
            m -= 1
        in_idx[m + 1] = v
    if sparse_nums:  # a CSR row: only its stored entries, ascending
        for p in range(sp_ptr[row], sp_ptr[row + 1]):
            v = sp_val[p]
            A[num_start + sp_col[p]] = 0.0 if v != v else v
            in_idx[n_in_idx] = num_start + sp_col[p]
            n_in_idx += 1
    else:  # vectorised: slices indexed by the loop counter
        n_num = numeric.shape[1]
        values = numeric[row]
        a_num = A[num_start : num_start + n_num]
        idx_num = in_idx[n_in_idx : n_in_idx + n_num]
        zeros = 0
        for j in range(n_num):
            v = values[j]
            x = 0.0 if v != v else v
            a_num[j] = x
            zeros += np.int64(x == 0.0)
        zero_inputs = zeros > 0
        for j in range(n_num):
            idx_num[j] = num_start + j
        n_in_idx += n_num
    if cfg_i[I_OUT] == OUT_AUTOENCODER:
        orig[0:n_in] = A[0:n_in]
    input_ratio = cfg_f[F_INPUT_DROP]
    if input_ratio > 0.0:
        set_seed(g, dropout_seed(row_seed + seed + INPUT_DROPOUT_SEED))
        for i in range(n_in):
            if np.float64(next_float(g)) < input_ratio:
                A[i] = 0.0
    # the active (non-zero) inputs, ascending; one-hot slots are at least 1, so only dropout, a
    # sparse row's stored zeros and zero (or missing) numerics leave a listed input at zero
    if zero_inputs or input_ratio > 0.0:
        kept = 0
        for k in range(n_in_idx):
            if A[in_idx[k]] != 0.0:
                in_idx[kept] = in_idx[k]
                kept += 1
        n_in_idx = kept
    # -- forward ----------------------------------------------------------------------------------
    for layer in range(n_layers):
        use_bits = drop[layer] >= 0.0
        layer_bits = bits[layer]
        if use_bits:
            set_seed(g, dropout_seed(row_seed + seed + cfg_i[I_HIDDEN_DROP_C]))
            _fill_dropout_bits(layer_bits, drop[layer], g)
        # the input layer reads its active inputs; hidden layers read every unit below them
        idx, n_idx = (in_idx, n_in_idx) if layer == 0 else (all_idx, units[layer])
        _forward_layer(layer, units, woff, boff, aoff, act, mult, W, B, A, maxk, layer_bits,
                       use_bits, idx, n_idx, psum, exact, n_in if sparse_nums else num_start,
                       A32)  # fmt: skip
        if cfg_i[I_SPARSITY] and layer < n_layers - 1:  # running average activation per unit
            for r in range(units[layer + 1]):
                h = aoff[layer + 1] - aoff[1] + r
                avg_act[h] = 0.999 * avg_act[h] + 0.001 * A[aoff[layer + 1] + r]
    out = aoff[n_layers]
    n_out = units[n_layers]
    if cfg_i[I_HAS_OFFSET]:
        A[out] += (offset[row] - cfg_f[F_RESP_SUB]) * cfg_f[F_RESP_MUL]
    # -- output error (descent direction) ---------------------------------------------------------
    kind = cfg_i[I_OUT]
    if kind == OUT_SOFTMAX:
        target = np.int64(response[row])
        for r in range(n_out):
            t = 1.0 if r == target else 0.0
            E[out + r] = _softmax_error(cfg_i[I_LOSS], t, A[out + r])
    elif kind == OUT_LINEAR:
        E[out] = 2.0 * _neg_half_gradient(cfg_i[I_DIST], response[row], A[out], cfg_f)
    else:
        for r in range(n_out):
            E[out + r] = 2.0 * _neg_half_gradient(cfg_i[I_DIST], orig[r], A[out + r], cfg_f)
    # -- backward: output layer (no activation derivative), then hidden layers --------------------
    for layer in range(n_layers - 1, -1, -1):
        _unit_gradients(E, A, aoff[layer + 1], units[layer + 1],
                        act[layer] if layer < n_layers - 1 else -1, gvec)  # fmt: skip
        if cfg_i[I_ADAPTIVE]:
            # sparse numerics are gathered with the one-hot slots: no contiguous numeric block
            dense_start = n_in if sparse_nums else num_start
            _adadelta_layer(layer, gvec, net, state, A, A32, E, maxk, cfg_i, cfg_f, in_idx, n_in_idx,
                            dense_start, work, avg_act, elastic)  # fmt: skip
            continue
        if mult[layer] == 1:
            _sgd_layer(layer, gvec, rates[layer], moms[layer], net, state, A, A32, E, maxk, cfg_i,
                       cfg_f, in_idx, n_in_idx, n_in if sparse_nums else num_start, work, avg_act,
                       elastic, exact)  # fmt: skip
            continue
        for r in range(units[layer + 1]):
            _backprop_unit(layer, r, gvec[r], rates[layer], moms[layer], net, state, A, E, maxk, cfg_i,
                           cfg_f, in_idx, n_in_idx, avg_act, elastic)  # fmt: skip
    E[aoff[1] :] = 0.0  # the input layer has no error: clearing it would cost O(inputs) per row
    if sparse_nums:  # the listed inputs; a sparse row's others are zero already
        for k in range(n_in_idx):
            A[in_idx[k]] = 0.0
    else:  # the listed one-hot slots (ascending, below the numerics), then the numerics
        k = 0
        while k < n_in_idx and in_idx[k] < num_start:
            A[in_idx[k]] = 0.0
            k += 1
        A[num_start : num_start + numeric.shape[1]] = 0.0


@nb.njit(**_JIT)
def train_chunk(
    start,
    stop,
    chunk_seed,
    use_fraction,
    shuffle,
    processed_global,
    data,
    net,
    state,
    hyper,
    dry_run,
) -> np.int64:
    """Train on rows ``[start, stop)`` as H2O's ``FrameTask.map`` does; return rows processed.

    Parameters
    ----------
    start, stop : int
        The chunk's rows.
    chunk_seed : int
        ``(0x8734093502429734 + seed + processed_global + start) * (iteration + 0x9823423497823423)``.
    use_fraction : float32
        Share of the chunk to train on in this iteration (``train_samples_per_iteration / rows``).
    shuffle : bool
        Shuffle the chunk's rows (sampling is also on whenever ``use_fraction < 0.999``).
    processed_global : int
        Samples trained before this iteration (added to each row's dropout seed when reproducible).
    data : tuple
        ``(cat_slots, numeric, response, offset, usable, weights, weight_sum, sp_ptr, sp_col,
        sp_val)``: the encoded rows, whether each may train, and observation weights with H2O's
        global weight sum ``round(mean(w) * rows)`` (negative: no observation weights). As in H2O,
        weights are not gradient factors: every second row is drawn by importance sampling from the
        chunk's weights, the others from the shuffled order. Sparse numerics come as a CSR matrix
        (``sp_ptr``, ``sp_col``, ``sp_val``: int64 row pointers and column indices, float64 values)
        with ``numeric`` of shape ``(0, n_numeric)``; dense numerics with empty CSR arrays.
    net : tuple
        ``(units, woff, boff, aoff, act, mult, drop)``: layer sizes, offsets of each layer's weights,
        biases and activations in the flat arrays, activation codes, channels (2 for Maxout), and
        hidden dropout ratios (-1 for none).
    state : tuple
        ``(W, B, Wacc, Bacc, Wm, Bm)``: weights, biases, ADADELTA accumulators, momenta; updated.
    hyper : tuple
        ``(rates, moms, cfg_i, cfg_f, avg_act, ea_w, ea_b)``: per-layer SGD step and momentum, the
        configuration, the running average activations, and the elastic-averaging consensus
        weights (float32) and biases (float64), empty when there is none.
    dry_run : bool
        Only replay the row sampling and count; train nothing (the chunk cut-off plans with this).

    Returns
    -------
    int
        The number of rows processed, as H2O counts them: rows that cannot train (a missing
        response, a missing predictor with ``Skip``, zero weight) are passed over without counting.

    """
    cat_slots, numeric, response, offset, usable, weights, weight_sum, sp_ptr, sp_col, sp_val = data
    units, woff, boff, aoff, act, mult, drop = net
    cfg_i = hyper[2]
    n_rows = stop - start
    n_layers = units.shape[0] - 1
    A = np.zeros(aoff[n_layers + 1], dtype=np.float64)
    E = np.zeros(aoff[n_layers + 1], dtype=np.float64)
    orig = np.zeros(units[0], dtype=np.float64)
    maxk = np.zeros(max(1, aoff[n_layers + 1] - aoff[1]), dtype=np.int64)
    max_units = 1
    for layer in range(n_layers):
        max_units = max(max_units, units[layer + 1])
    bits = np.zeros((n_layers, (max_units + 7) // 8), dtype=np.uint8)
    bits_views = [bits[layer, : (units[layer + 1] + 7) // 8] for layer in range(n_layers)]
    in_idx = np.zeros(units[0], dtype=np.int64)
    all_idx = np.arange(max(units[0], max_units))
    psum = np.zeros(8, dtype=np.float64)
    width = max(units[0], max_units)
    work = (
        np.zeros(width, dtype=np.float32),  # gathered weights
        np.zeros(width),  # gathered previous activations
        np.zeros(8 * width),  # squared gradients of eight units (exact)
        np.zeros(width, dtype=np.float32),  # gathered E[dx^2]
        np.zeros(width, dtype=np.float32),  # gathered E[g^2]
        np.zeros(max_units),  # per-unit sums of squared gradients
        np.zeros(width, dtype=np.float32),  # gathered consensus weights (elastic averaging)
        np.zeros(width, dtype=np.float32),  # a layer's propagated error in float32 (fast)
        # a run of units' gradients, or a Maxout layer's inputs twice over (fast); the exact
        # ADADELTA step sizes of one unit (h2o_adadelta)
        np.zeros(max(RUN_GRADIENTS, 2 * width), dtype=np.float32),
        np.zeros(8, dtype=np.int64),  # the units whose squared gradients wait in g2all
    )
    gvec = np.zeros(max_units)
    g = np.zeros(2, dtype=np.uint64)

    obs_weights = weight_sum >= 0.0
    relative_weight = 1.0
    weight_map = np.zeros(n_rows)
    if obs_weights:
        total = 0.0
        for i in range(n_rows):
            total += weights[start + i]
            weight_map[i] = total
        if total <= 0.0:
            return 0
        weight_map /= total
        relative_weight = weight_sum * n_rows / weights.shape[0] / total
    row_data = (cat_slots, numeric, response, offset, sp_ptr, sp_col, sp_val)
    scratch = (
        A,
        np.zeros(aoff[n_layers + 1], dtype=np.float32),  # float32 copies of the activations (fast)
        E,
        orig,
        maxk,
        bits_views,
        in_idx,
        all_idx,
        psum,
        work,
        gvec,
        g,
    )
    repeats = np.int64(np.ceil(np.float64(use_fraction) * relative_weight))
    fraction = np.float32(np.float64(use_fraction) * relative_weight) / np.float32(repeats)
    sample = fraction < 0.999 or shuffle or obs_weights
    skip = np.zeros(2, dtype=np.uint64)
    order = np.arange(n_rows)
    if sample:
        set_seed(skip, chunk_seed)
        order = shuffle_indices(skip, n_rows)
    processed = 0
    for rep in range(repeats):
        for position in range(n_rows):
            if sample and not obs_weights and next_double(skip) > np.float64(fraction):
                continue
            if obs_weights and processed % 2 == 0:
                r = np.searchsorted(weight_map, next_double(skip))
            else:
                r = order[position]
                while obs_weights and (
                    weight_map[r] == 0.0 if r == 0 else weight_map[r] == weight_map[r - 1]
                ):
                    r = next_int_bounded(skip, n_rows)
            row = start + r
            if not usable[row]:
                continue
            if not dry_run:
                row_seed = start + rep * n_rows + r
                if cfg_i[I_REPRODUCIBLE]:
                    row_seed += processed_global
                _train_row(row, row_seed, row_data, net, state, hyper, scratch)
            processed += 1
    return processed


@nb.njit(**_JIT)
def running_average(avg_act: np.ndarray, start: np.int64, activations: np.ndarray) -> None:
    """Update the running average activations ``avg_act[start:]`` with rows of ``activations``.

    H2O's ``compute_sparsity`` after a hidden layer's forward pass: ``avg = 0.999 avg + 0.001 a``,
    row after row. H2O runs it in scoring passes too, so scoring an autoencoder with the sparsity
    penalty changes the averages the next iterations train with; tabdl does the same.
    """
    for row in range(activations.shape[0]):
        for r in range(activations.shape[1]):
            avg_act[start + r] = 0.999 * avg_act[start + r] + 0.001 * activations[row, r]
