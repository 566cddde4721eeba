"""H2O's ``Eigen`` categorical encoding: one number per level, from an eigenvector of the level counts.

H2O (``LinearAlgebraUtils.toEigen``) counts the rows of each level (a missing value counts for the
column's most frequent level), rounds the counts to float32, builds the symmetric matrix
``U[i, j] = (delta_ij * D_i - D_i * D_j / n) / sqrt(D_i * D_j)`` with ``D = n * counts``, and takes
row ``argmax(eigenvalues)`` of the eigenvector matrix of JAMA's ``EigenvalueDecomposition`` (a row, not
a column, as H2O does). A row's value is that vector's entry for its level, rounded to float32.

The row depends on the signs and the basis JAMA picks, so the decomposition here is JAMA's own
algorithm (Householder tridiagonalisation ``tred2`` and the QL iteration ``tql2``, from EISPACK),
operation for operation; checked against H2O 3.46.0.11 in ``tests/test_encodings.py``.
"""

from __future__ import annotations

import numba as nb
import numpy as np

#: H2O first reduces a column with more levels than this to its most frequent ones (not supported).
MAX_EIGEN_LEVELS = 1024


@nb.njit(cache=True)
def _hypot(a: float, b: float) -> float:
    if abs(a) > abs(b):
        r = b / a
        return abs(a) * np.sqrt(1.0 + r * r)
    if b != 0.0:
        r = a / b
        return abs(b) * np.sqrt(1.0 + r * r)
    return 0.0


@nb.njit(cache=True)
def _tred2(V: np.ndarray, d: np.ndarray, e: np.ndarray) -> None:  # noqa: N803 - JAMA's names
    n = V.shape[0]
    for j in range(n):
        d[j] = V[n - 1, j]
    for i in range(n - 1, 0, -1):
        scale = 0.0
        h = 0.0
        for k in range(i):
            scale = scale + abs(d[k])
        if scale == 0.0:
            e[i] = d[i - 1]
            for j in range(i):
                d[j] = V[i - 1, j]
                V[i, j] = 0.0
                V[j, i] = 0.0
        else:
            for k in range(i):
                d[k] /= scale
                h += d[k] * d[k]
            f = d[i - 1]
            g = np.sqrt(h)
            if f > 0:
                g = -g
            e[i] = scale * g
            h = h - f * g
            d[i - 1] = f - g
            for j in range(i):
                e[j] = 0.0
            for j in range(i):
                f = d[j]
                V[j, i] = f
                g = e[j] + V[j, j] * f
                for k in range(j + 1, i):
                    g += V[k, j] * d[k]
                    e[k] += V[k, j] * f
                e[j] = g
            f = 0.0
            for j in range(i):
                e[j] /= h
                f += e[j] * d[j]
            hh = f / (h + h)
            for j in range(i):
                e[j] -= hh * d[j]
            for j in range(i):
                f = d[j]
                g = e[j]
                for k in range(j, i):
                    V[k, j] -= f * e[k] + g * d[k]
                d[j] = V[i - 1, j]
                V[i, j] = 0.0
        d[i] = h
    for i in range(n - 1):
        V[n - 1, i] = V[i, i]
        V[i, i] = 1.0
        h = d[i + 1]
        if h != 0.0:
            for k in range(i + 1):
                d[k] = V[k, i + 1] / h
            for j in range(i + 1):
                g = 0.0
                for k in range(i + 1):
                    g += V[k, i + 1] * V[k, j]
                for k in range(i + 1):
                    V[k, j] -= g * d[k]
        for k in range(i + 1):
            V[k, i + 1] = 0.0
    for j in range(n):
        d[j] = V[n - 1, j]
        V[n - 1, j] = 0.0
    V[n - 1, n - 1] = 1.0
    e[0] = 0.0


@nb.njit(cache=True)
def _tql2(V: np.ndarray, d: np.ndarray, e: np.ndarray) -> None:  # noqa: N803 - JAMA's names
    n = V.shape[0]
    for i in range(1, n):
        e[i - 1] = e[i]
    e[n - 1] = 0.0
    f = 0.0
    tst1 = 0.0
    eps = 2.0**-52
    for l in range(n):  # noqa: E741 - JAMA's name
        tst1 = max(tst1, abs(d[l]) + abs(e[l]))
        m = l
        while m < n:
            if abs(e[m]) <= eps * tst1:
                break
            m += 1
        if m > l:
            while True:
                g = d[l]
                p = (d[l + 1] - g) / (2.0 * e[l])
                r = _hypot(p, 1.0)
                if p < 0:
                    r = -r
                d[l] = e[l] / (p + r)
                d[l + 1] = e[l] * (p + r)
                dl1 = d[l + 1]
                h = g - d[l]
                for i in range(l + 2, n):
                    d[i] -= h
                f = f + h
                p = d[m]
                c = 1.0
                c2 = c
                c3 = c
                el1 = e[l + 1]
                s = 0.0
                s2 = 0.0
                for i in range(m - 1, l - 1, -1):
                    c3 = c2
                    c2 = c
                    s2 = s
                    g = c * e[i]
                    h = c * p
                    r = _hypot(p, e[i])
                    e[i + 1] = s * r
                    s = e[i] / r
                    c = p / r
                    p = c * d[i] - s * g
                    d[i + 1] = h + s * (c * g + s * d[i])
                    for k in range(n):
                        h = V[k, i + 1]
                        V[k, i + 1] = s * V[k, i] + c * h
                        V[k, i] = c * V[k, i] - s * h
                p = -s * s2 * c3 * el1 * e[l] / dl1
                e[l] = s * p
                d[l] = c * p
                if not abs(e[l]) > eps * tst1:
                    break
        d[l] = d[l] + f
        e[l] = 0.0
    for i in range(n - 1):
        k = i
        p = d[i]
        for j in range(i + 1, n):
            if d[j] < p:
                k = j
                p = d[j]
        if k != i:
            d[k] = d[i]
            d[i] = p
            for j in range(n):
                p = V[j, i]
                V[j, i] = V[j, k]
                V[j, k] = p


def symmetric_eigen(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (ascending) and eigenvector matrix of a symmetric matrix, as JAMA computes them."""
    V = np.array(matrix, dtype=np.float64, copy=True)  # noqa: N806 - JAMA's name
    n = V.shape[0]
    d, e = np.zeros(n), np.zeros(n)
    _tred2(V, d, e)
    _tql2(V, d, e)
    return d, V


def eigen_projection(counts: np.ndarray) -> np.ndarray:
    """H2O's value per level for a column whose levels occur ``counts`` times (NA counted at the mode).

    Returns the float64 vector H2O stores (``_orig_projection_array``); rows take it rounded to float32.
    """
    n_rows = float(counts.sum())
    diag = (counts / n_rows).astype(np.float32).astype(np.float64) * n_rows
    outer = np.sqrt(np.outer(diag, diag))
    with np.errstate(divide="ignore", invalid="ignore"):
        u = (np.diag(diag) - np.outer(diag, diag) / n_rows) / outer
    u[np.isnan(u)] = 0.0
    values, vectors = symmetric_eigen(u)
    return vectors[int(np.argmax(values))].copy()
