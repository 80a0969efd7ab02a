"""Finite scalar quantisation (Mentzer et al. 2023; kexue.fm/archives/9826).

No learned codebook: each of the d channels is bounded and rounded to one of L_i levels,
an implicit codebook of prod(L_i) codes. Per channel with L levels::

    half_l  = (L - 1) (1 -+ 1e-3) / 2          (bound "shrink", default, or "expand"; see below)
    offset  = 0.5 if L is even else 0           (even L: levels sit between integers)
    shift   = atanh(offset / half_l)
    bounded = tanh(z + shift) * half_l - offset
    code    = round(bounded) / (L // 2)         (round half to even, as NumPy/JAX/PyTorch)

Gradient: straight-through on the rounding only, i.e. the true gradient of
``bounded / (L // 2)``: ``dz = g * half_l (1 - tanh(z + shift)^2) / (L // 2)``.
The code index is mixed-radix: digit_i = round(bounded_i) + L_i // 2 in [0, L_i), index =
sum_i digit_i * prod_{j < i} L_j.

Precision: everything is computed in the input's dtype (constants rounded to it), as
vector-quantize-pytorch does. In float32 a channel's rounding can differ from the float64
computation of the same input only where the bounded value lies within a few float32 ulps
of half_l of a rounding boundary (k + 1/2): none of 1e6 random normal inputs (levels
8, 5, 5, 5) differs, while inputs placed within 1e-6 of a boundary can round the other way
(the tests check that every difference is that close); gradients agree to float32 round-off.

Two bound constants are in use, named by ``bound``: ``"shrink"`` (default) keeps the FSQ
paper's ``(1 - 1e-3)``; ``"expand"`` is vector-quantize-pytorch's ``(1 + 1e-3)`` (since 2024).
With "shrink" a channel of 2 levels has no shift (atanh(0.5 / 0.4995) is undefined) and is
refused; "expand" supports it.
"""
from __future__ import annotations

import numpy as np

from ..core.validate import check_finite, float_array


BOUNDS = {"shrink": 1 - 1e-3, "expand": 1 + 1e-3}   # the factor on (L - 1) / 2


def _levels(levels, d: int, bound: str = "shrink") -> np.ndarray:
    L = np.asarray(levels)
    if not np.issubdtype(L.dtype, np.integer) or L.ndim != 1:
        raise TypeError(f"levels: expected a 1-d sequence of integers, got {levels!r}")
    if L.shape[0] != d:
        raise ValueError(f"levels: expected one level count per channel ({d}), got {L.shape[0]}")
    if (L < 2).any():
        raise ValueError(f"levels: expected every level count >= 2, got {L.tolist()}")
    if bound not in BOUNDS:
        raise ValueError(f"bound: expected one of {sorted(BOUNDS)}, got {bound!r}")
    if bound == "shrink" and (L == 2).any():   # half_l = 0.4995 < 0.5 = offset: arctanh(offset / half_l) is NaN
        raise ValueError(f"levels: a level count of 2 is not supported by the 'shrink' bound (its even-level "
                         f"shift arctanh(0.5 / 0.4995) is undefined), got {L.tolist()}; use bound='expand' "
                         "(vector-quantize-pytorch's) or 3 levels or more")
    return L.astype(np.int64)


def _constants(L, bound):
    """(half_l, offset, shift) per channel: the bounded value is ``tanh(z + shift) half_l - offset``."""
    half_l = (L - 1) * BOUNDS[bound] / 2
    offset = np.where(L % 2 == 0, 0.5, 0.0)
    return half_l, offset, np.arctanh(offset / half_l)


def _bound(z, L, bound: str = "shrink"):
    """The bounded value in z's dtype: the constants are computed in float64, then rounded to
    z's dtype (float32 input stays float32, as in vector-quantize-pytorch)."""
    half_l, offset, shift = (c.astype(z.dtype) for c in _constants(L, bound))
    t = np.tanh(z + shift)
    return t * half_l - offset, t, half_l


def shifts(levels, bound: str = "shrink") -> np.ndarray:
    """The per-channel shift ``arctanh(offset / half_l)`` inside the tanh (0 for odd level
    counts). ``z = -shift`` puts an even channel exactly on the rounding boundary -0.5."""
    return _constants(_levels(levels, len(levels), bound), bound)[2]


def fsq_forward(z, levels, *, bound: str = "shrink"):
    """Quantise the last axis of ``z`` (..., d) to ``levels`` (d,) per channel; ``bound`` names the
    bound constant ("shrink": the paper's 1 - 1e-3, default; "expand": vector-quantize-pytorch's
    1 + 1e-3).

    Returns
    -------
    codes : (..., d) values in [-1, 1], z's dtype
    cache : holds ``indices`` (int64 (...,)) at ``cache[0]``

    Example
    -------
    >>> codes, cache = fsq_forward(np.array([[-5.0, 0.0, 0.3], [5.0, 0.2, -9.0]]), [3, 5, 4])
    >>> codes
    array([[-1.,  0.,  0.],
           [ 1.,  0., -1.]])
    >>> cache[0]            # digits (0, 2, 2) and (2, 2, 0) in radix (3, 5, 4)
    array([36,  8])
    """
    z = float_array("z", z)
    if z.ndim == 0:
        raise ValueError("z: expected an array (..., d), got a 0-d array")
    check_finite("z", z)   # NaN has no code: it would cast to a garbage integer index
    L = _levels(levels, z.shape[-1], bound)
    bounded, t, half_l = _bound(z, L, bound)
    rounded = np.round(bounded)
    half_width = (L // 2).astype(z.dtype)
    digits = (rounded + half_width).astype(np.int64)
    basis = np.concatenate([[1], np.cumprod(L[:-1])])
    indices = digits @ basis
    codes = rounded / half_width
    return codes, (indices, t, half_l, half_width, z.dtype)


def fsq_backward(dcodes, cache):
    """Straight-through on the rounding: the gradient of bounded(z) / (L // 2)."""
    indices, t, half_l, half_width, dtype = cache
    dcodes = float_array("dcodes", dcodes, dtype=dtype)
    if dcodes.shape != t.shape:
        raise ValueError(f"dcodes: expected shape {t.shape}, got {dcodes.shape}")
    return dcodes * (half_l / half_width) * (1 - t * t)


def _grid_levels(levels) -> np.ndarray:
    """Level counts for the code grid alone (any count >= 2: the grid does not depend on the bound)."""
    L = np.asarray(levels)
    if not np.issubdtype(L.dtype, np.integer) or L.ndim != 1 or L.size == 0:
        raise TypeError(f"levels: expected a non-empty 1-d sequence of integers, got {levels!r}"[:200])
    if (L < 2).any():
        raise ValueError(f"levels: expected every level count >= 2, got {L.tolist()}")
    return L.astype(np.int64)


def fsq_codebook(levels) -> np.ndarray:
    """All prod(L) codes, row k being the code whose index is k (for tests and decoding); every
    level list :func:`fsq_forward` accepts, with either bound (the grid is the same)."""
    L = _grid_levels(levels)
    return indices_to_codes(np.arange(int(np.prod(L))), L)


def indices_to_codes(indices, levels, *, dtype=np.float64) -> np.ndarray:
    """Codes (..., d) of the mixed-radix ``indices`` (...): digit_i = (index // prod_{j<i} L_j) mod L_i,
    code_i = (digit_i - L_i // 2) / (L_i // 2), the inverse of the index :func:`fsq_forward` returns
    (vector-quantize-pytorch's ``FSQ.indices_to_codes``, same order and values)."""
    L = _grid_levels(levels)
    idx = np.asarray(indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"indices: expected integer code indices, got dtype {idx.dtype}")
    n = int(np.prod(L))
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise ValueError(f"indices: expected values in [0, {n - 1}] (prod(levels) codes), got range "
                         f"[{idx.min()}, {idx.max()}]")
    basis = np.concatenate([[1], np.cumprod(L[:-1])])
    digits = (idx[..., None] // basis) % L
    half_width = L // 2
    return ((digits - half_width) / half_width).astype(dtype)


def codes_to_indices(codes, levels) -> np.ndarray:
    """Mixed-radix indices (...) of ``codes`` (..., d) on the FSQ grid: digit_i = code_i (L_i // 2)
    + L_i // 2, index = sum_i digit_i prod_{j<i} L_j (vector-quantize-pytorch's
    ``FSQ.codes_to_indices``). A value off the grid (more than 1e-6 of a step from a level) is
    refused, naming the entry."""
    L = _grid_levels(levels)
    c = float_array("codes", codes)
    if c.ndim == 0 or c.shape[-1] != L.size:
        raise ValueError(f"codes: expected (..., {L.size}) (one value per level count), got shape {c.shape}")
    check_finite("codes", c)
    half_width = L // 2
    scaled = c.astype(np.float64) * half_width + half_width
    digits = np.round(scaled)
    bad = (np.abs(scaled - digits) > 1e-6) | (digits < 0) | (digits >= L)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"codes{list(where)}: {c[where]} is not a level of its channel ({L[where[-1]]} levels: "
                         f"(k - {half_width[where[-1]]}) / {half_width[where[-1]]} for k in 0..{L[where[-1]] - 1})")
    basis = np.concatenate([[1], np.cumprod(L[:-1])])
    return digits.astype(np.int64) @ basis
