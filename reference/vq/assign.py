"""Nearest-code assignment: k(z) = argmin_j ||z - e_j||^2 (kexue.fm/archives/6760, "nearest
neighbour"), ties to the lowest index.

Method
------
1. Centring: the codebook mean mu is subtracted from codes and inputs. Distances are
   unchanged, but float32 no longer cancels catastrophically when data sit far from the
   origin (without it 1.6% of points are mis-assigned at offset 10 and 86% at offset 100).
2. GEMM expansion, chunked over rows: ||z - e||^2 = ||z||^2 - 2 z.e + ||e||^2. The
   ||z||^2 term does not change the argmin and is dropped; ``-2 e`` and ``||e||^2`` are
   folded into one GEMM by appending a column of ones to z, so a chunk of n rows costs one
   (n x (D+1)) @ ((D+1) x K) product and two argmin passes (the minimum, then the runner-up
   with the minimum masked; NumPy's argmin is about 2.5x faster than its min along rows).
3. Exact fallback: a rounding-error bound of that GEMM (per row,
   ``8 (D + 2) u (||z|| M + M^2)`` with u the unit roundoff and M the largest centred code
   norm, plus ``8 (D + 2) eps64 (||z|| + M)^2`` for the float64 reference distance) marks every row whose runner-up lies within the bound of its minimum; only for
   those rows (near-ties, exact ties, far-away data) the candidates' distances are recomputed
   directly in float64 as sum((z - e)^2) and the smallest, lowest index first, wins. The
   bound also covers the rounding of that float64 distance, so the result equals float64
   brute force (:func:`brute_force_codes`), ties included, at GEMM speed.

Memory: the working set is bounded independently of N. Per chunk of n rows it holds the
(n, K) distance block in the input dtype, an (n, K) boolean candidate mask and an
(n, D+1) centred copy; n is chosen so that all three fit ``max_chunk_bytes``
(:func:`chunk_rows`), by default half the last-level cache clamped to [4, 64] MiB
(:func:`default_chunk_bytes`; 16 MiB on a 32 MiB L3, and when the cache size is unknown).
The fallback works in blocks of at most ``max_chunk_bytes / (8 D)``
(row, code) pairs. Outputs (N int64 indices) come on top.
"""
from __future__ import annotations

import functools

import numpy as np

from ..core.validate import check_finite, float_array, positive_int, real_array

LAYOUTS = ("KD", "DK")


def last_level_cache_bytes(root: str = "/sys/devices/system/cpu/cpu0/cache") -> int | None:
    """Size of the CPU's last-level cache from Linux sysfs (``index*/level`` and ``size``,
    e.g. "32768K"), or None where that is not available."""
    import os

    best = None
    try:
        entries = sorted(os.listdir(root))
    except OSError:
        return None
    for name in entries:
        if not name.startswith("index"):
            continue
        try:
            with open(os.path.join(root, name, "level")) as fh:
                level = int(fh.read().strip())
            with open(os.path.join(root, name, "size")) as fh:
                text = fh.read().strip().upper()
        except (OSError, ValueError):
            continue
        scale = {"K": 2**10, "M": 2**20, "G": 2**30}.get(text[-1:], 1)
        digits = text[:-1] if text[-1:] in "KMG" else text
        if not digits.isdigit():
            continue
        if best is None or level > best[0]:
            best = (level, int(digits) * scale)
    return None if best is None else best[1]


def default_chunk_bytes(cache_bytes: int | None = None) -> int:
    """The working-set budget of :func:`nearest_codes` per block of rows: half the last-level
    cache, clamped to [4 MiB, 64 MiB]; 16 MiB when the cache size is unknown.

    Measured on a 2-core machine with a 32 MiB L3 (N = 1e5, D in {16, 64, 256}, K in
    {256, 1024, 8192}, one and two threads): blocks of 8-16 MiB were as fast as or faster than
    smaller ones at almost every size, and blocks under 1 MiB were slower (the argmin passes
    and Python overhead per block grow as blocks shrink).
    """
    cache_bytes = last_level_cache_bytes() if cache_bytes is None else cache_bytes
    if not cache_bytes:
        return 16 * 2**20
    return int(min(64 * 2**20, max(4 * 2**20, cache_bytes // 2)))


def chunk_rows(N: int, D: int, K: int, itemsize: int, max_chunk_bytes: int) -> int:
    """Rows per block so that the block's working set fits ``max_chunk_bytes``: the (n, K)
    distances in the input dtype, the (n, K) boolean candidate mask and the (n, D + 1)
    centred, augmented copy of the inputs."""
    N, D, K, itemsize, max_chunk_bytes = (positive_int(k, v) for k, v in (
        ("N", N), ("D", D), ("K", K), ("itemsize", itemsize), ("max_chunk_bytes", max_chunk_bytes)))
    per_row = K * (itemsize + 1) + (D + 1) * itemsize
    return max(1, min(N, int(max_chunk_bytes // per_row)))


@functools.cache
def machine_chunk_bytes() -> int:
    """:func:`default_chunk_bytes` for this machine, read once, on first use (not at import)."""
    return default_chunk_bytes()


def codebook_rows(codebook, layout: str, D: int | None = None, dtype=None) -> np.ndarray:
    """Validate ``codebook`` and return it as (K, D) rows (a view for "DK", no copy).

    ``layout="KD"``: codes are rows, (K, D) (PyTorch habit). ``layout="DK"``: codes are
    columns, (D, K) (Sonnet's ``embeddings``).
    """
    if layout not in LAYOUTS:
        raise ValueError(f"layout: expected 'KD' (codes as rows) or 'DK' (codes as columns), got {layout!r}")
    E = float_array("codebook", codebook, ndim=2, dtype=dtype)
    E = E if layout == "KD" else E.T
    if E.shape[0] == 0:
        raise ValueError("codebook: expected at least one code, got an empty codebook")
    if D is not None and E.shape[1] != D:
        axis = "columns" if layout == "KD" else "rows"
        raise ValueError(f"codebook: expected D={D} {axis} (the last axis of z) in layout {layout}, "
                         f"got shape {np.shape(codebook)}")
    check_finite("codebook", E)
    return E


def _flat_inputs(z, codebook, layout, check_z=True):
    z = float_array("z", z)
    if z.ndim == 0:
        raise ValueError("z: expected an array (..., D), got a 0-d array")
    E = codebook_rows(codebook, layout, z.shape[-1], dtype=z.dtype)
    if check_z:
        check_finite("z", z)
    return z, z.reshape(-1, z.shape[-1]), E


def _reject_non_finite(Z, rows, E=None):
    bad = int(rows[0])
    if np.isfinite(Z[bad]).all():      # finite inputs whose squared distances overflow the dtype
        big = float(np.abs(E).max()) if E is not None else float("nan")
        raise ValueError(f"codebook, z: squared distances of vector {bad} (flattened index) overflow {Z.dtype} "
                         f"(largest |codebook| entry {big:.3g}, largest |z| entry {float(np.abs(Z[bad]).max()):.3g}); "
                         "rescale the inputs")
    raise ValueError(f"z: expected finite values, got NaN/inf in vector {bad} (flattened index) "
                     f"{Z[bad][~np.isfinite(Z[bad])][:3]}")


def nearest_codes(z, codebook, *, layout: str = "KD", max_chunk_bytes: int | None = None) -> np.ndarray:
    """Index of the nearest code for every vector of ``z``.

    Parameters
    ----------
    z : ndarray (..., D), float32 or float64, finite
    codebook : ndarray (K, D) for ``layout="KD"`` or (D, K) for ``"DK"``, z's dtype, K >= 1
    max_chunk_bytes : working-set bound for the per-chunk buffers (see module docstring);
        None for :func:`machine_chunk_bytes`

    Returns
    -------
    indices : int64 ndarray of shape ``z.shape[:-1]``; ties go to the lowest index

    Example
    -------
    >>> E = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 0.0]])   # codes 1 and 2 are equal
    >>> nearest_codes(np.array([[0.9, 0.1], [0.5, 0.0], [-1.0, 0.0]]), E)
    array([1, 0, 0])
    """
    z, Z, E = _flat_inputs(z, codebook, layout, check_z=False)  # non-finite z is caught per chunk
    N, D = Z.shape
    K = E.shape[0]
    out = np.empty(N, dtype=np.int64)
    if N == 0:
        return out.reshape(z.shape[:-1])
    dt = Z.dtype
    mu = E.mean(axis=0, dtype=np.float64)
    Ec = (E - mu).astype(dt)
    e_sq = np.einsum("kd,kd->k", Ec, Ec, dtype=np.float64)
    E_aug = np.empty((D + 1, K), dtype=dt)               # [-2 e_c ; ||e_c||^2] as columns
    E_aug[:D] = -2 * Ec.T
    E_aug[D] = e_sq
    M = float(np.sqrt(e_sq.max()))
    u = np.finfo(dt).eps / 2
    c = 8 * (D + 2) * u
    c64 = 8 * (D + 2) * np.finfo(np.float64).eps
    max_chunk_bytes = machine_chunk_bytes() if max_chunk_bytes is None else max_chunk_bytes
    rows = chunk_rows(N, D, K, dt.itemsize, max_chunk_bytes)
    Z_aug = np.empty((rows, D + 1), dtype=dt)
    d_buf = np.empty((rows, K), dtype=dt)
    mu_dt = mu.astype(dt)
    row_starts = np.arange(rows) * K
    for start in range(0, N, rows):
        stop = min(start + rows, N)
        n = stop - start
        za, d = Z_aug[:n], d_buf[:n]
        np.subtract(Z[start:stop], mu_dt, out=za[:, :D])
        za[:, D] = 1
        np.matmul(za, E_aug, out=d)                       # ||e||^2 - 2 z.e  (n, K)
        best = np.argmin(d, axis=1)                       # first minimum: lowest index
        flat_d = d.reshape(-1)
        at_best = row_starts[:n] + best                   # flat positions of the minima
        dmin = flat_d[at_best]
        if not np.isfinite(dmin).all():                   # a NaN/inf in z spoils its whole row
            _reject_non_finite(Z, start + np.flatnonzero(~np.isfinite(dmin)), E)
        if K > 1:                                         # runner-up within the error bound?
            flat_d[at_best] = np.inf                      # (a second argmin and a gather are
            second = flat_d[row_starts[:n] + np.argmin(d, axis=1)]   # cheaper than d.min)
            flat_d[at_best] = dmin
            zc = za[:, :D]
            z_norm = np.sqrt(np.einsum("nd,nd->n", zc, zc)) * 1.01 + 1e-30   # bound; 1% for its rounding
            # GEMM error, plus the float64 rounding of the reference distance itself, so that
            # every row whose float64 brute-force answer could differ goes to the fallback
            tol = c * (z_norm * M + M * M) + np.abs(dmin) * u + c64 * (z_norm + M) ** 2
            ambiguous = np.flatnonzero(second <= dmin + tol)
            if ambiguous.size:
                near = d[ambiguous] <= (dmin[ambiguous] + tol[ambiguous])[:, None]
                best[ambiguous] = _exact_among(Z[start:stop], E, ambiguous, near, max_chunk_bytes)
        out[start:stop] = best
    return out.reshape(z.shape[:-1])


def _exact_among(Z, E, rows, near, max_chunk_bytes):
    """For each row in ``rows``, the lowest-index code minimising sum((z - e)^2) in float64
    among the candidate codes marked in ``near`` (len(rows), K)."""
    r_idx, k_idx = np.nonzero(near)
    D = Z.shape[1]
    dist = np.empty(r_idx.size)
    block = max(1, int(max_chunk_bytes // (8 * D)))
    for s in range(0, r_idx.size, block):
        dist[s:s + block] = squared_distances64(Z[rows[r_idx[s:s + block]]], E[k_idx[s:s + block]])
    order = np.lexsort((k_idx, dist, r_idx))              # by row, then distance, then index
    first = np.ones(order.size, dtype=bool)
    first[1:] = r_idx[order[1:]] != r_idx[order[:-1]]
    return k_idx[order[first]]


def squared_distances64(a, b) -> np.ndarray:
    """The reference distance: sum((a - b)^2) over the last axis, in float64 (broadcasting).

    This one formula defines "nearest" (and its rounding decides float64 near-ties); the
    fast path's fallback and :func:`brute_force_codes` both call it."""
    diff = real_array("a", a) - real_array("b", b)
    return (diff * diff).sum(axis=-1)


def brute_force_codes(z, codebook, *, layout: str = "KD") -> np.ndarray:
    """Float64 brute force: :func:`squared_distances64` to every code, first minimum; one row
    at a time. For tests and tiny inputs."""
    z, Z, E = _flat_inputs(z, codebook, layout)
    out = np.empty(Z.shape[0], dtype=np.int64)
    for n, row in enumerate(Z):
        out[n] = int(np.argmin(squared_distances64(row, E)))
    return out.reshape(z.shape[:-1])
