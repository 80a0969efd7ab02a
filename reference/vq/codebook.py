"""Codebook regularisers and parameterisations beyond the article, each with a backward pass.

**Orthogonal regularisation** (Shin et al. 2021, eq. 2; vector-quantize-pytorch's
``orthogonal_loss_fn``): with the codes l2-normalised (``c / max(||c||, 1e-12)``, as
``F.normalize``) and ``S`` their cosine-similarity matrix per head,

    L = sum_heads ||S||_F^2 / (h n^2) - 1/n  =  sum_heads ||S - I||_F^2 / (h n^2)   (unit codes)

``indices`` restricts it to the codes used in a batch (``active codes only``). The codebook is
(K, D), or (h, K, D) with heads, and the active codes are taken along the code axis, -2: taking
``codebook[ids]`` on a headed codebook selects heads instead (the package's #43). The
regulariser needs a codebook that receives gradients: on an EMA codebook kept as a buffer it
does nothing (its #12); apply :func:`orthogonal_loss_backward`'s gradient yourself there.

**Cosine-similarity codebook** (``use_cosine_sim``): inputs and codes l2-normalised, the
nearest unit code wins (the largest cosine, ties to the lowest index), the output is that unit
code, and the straight-through gradient passes through the input's normalisation:
``dz = (du - u (u . du)) / ||z||``.

**Affine re-parameterisation** (Huh et al. 2023): the codes are ``scale * raw + shift`` with a
per-dimension scale and shift shared by all codes, so one step moves every code, used or not
(vector-quantize-pytorch's ``affine_param`` instead tracks batch and codebook statistics by EMA).

>>> round(float(orthogonal_loss_forward(np.eye(3))[0]), 12)       # orthonormal codes: 0
0.0
"""
from __future__ import annotations

import numpy as np

from ..core.validate import float_array, gradient, scalar_gradient
from .assign import nearest_codes

NORM_EPS = 1e-12


def _normalise(E):
    n = np.linalg.norm(E, axis=-1, keepdims=True)
    return E / np.maximum(n, NORM_EPS), n


def _normalise_backward(g, E, n):
    """Through ``E / max(||E||, eps)``: the projection for rows above eps, 1/eps below."""
    big = n > NORM_EPS
    u = E / np.maximum(n, NORM_EPS)
    proj = (g - u * (u * g).sum(axis=-1, keepdims=True)) / np.maximum(n, NORM_EPS)
    return np.where(big, proj, g / NORM_EPS)


def orthogonal_loss_forward(codebook, *, indices=None):
    """(0-d loss, cache); ``indices`` (any shape): only the codes they use enter."""
    E = float_array("codebook", codebook)
    if E.ndim not in (2, 3):
        raise ValueError(f"codebook: expected (K, D) or (heads, K, D), got shape {E.shape}")
    E3 = E[None] if E.ndim == 2 else E
    active = np.arange(E3.shape[1]) if indices is None else np.unique(np.asarray(indices))
    if active.size == 0 or active.min() < 0 or active.max() >= E3.shape[1]:
        raise ValueError(f"indices: expected code indices in [0, {E3.shape[1] - 1}], got {active[:5]}")
    sub = E3[:, active]                                       # along the code axis (-2), every head
    U, n = _normalise(sub)
    S = U @ np.swapaxes(U, 1, 2)
    h, k = sub.shape[:2]
    loss = (S * S).sum() / (h * k * k) - 1.0 / k
    return np.asarray(loss, dtype=E.dtype), (E.shape, active, sub, U, n, S, h, k)


def orthogonal_loss_backward(dloss, cache):
    """dcodebook (zeros on the codes left out)."""
    shape, active, sub, U, n, S, h, k = cache
    dU = (4.0 * scalar_gradient("dloss", dloss) / (h * k * k)) * (S @ U)          # d||S||^2 / dU = 4 S U
    d3 = np.zeros((h,) + tuple(shape[-2:]), dtype=sub.dtype)
    d3[:, active] = _normalise_backward(dU, sub, n)
    return d3.reshape(shape)


def cosine_vq_forward(z, codebook):
    """(the unit code of largest cosine, cache); ``cache[0]`` the indices."""
    z = float_array("z", z, min_ndim=1)
    E = float_array("codebook", codebook, ndim=2, dtype=z.dtype)
    if E.shape[1] != z.shape[-1]:
        raise ValueError(f"codebook: expected D={z.shape[-1]} columns, got shape {E.shape}")
    u, n = _normalise(z)
    Eu, _ = _normalise(E)
    idx = nearest_codes(u, Eu)                                 # nearest unit vector = largest cosine
    return Eu[idx], (idx, z, n, E.shape)


def cosine_vq_backward(dz_q, cache):
    """(dz through the input's normalisation, zeros to the codebook)."""
    idx, z, n, shape = cache
    dz_q = gradient("dz_q", dz_q, z.shape, z.dtype)
    return _normalise_backward(dz_q, z, n).astype(z.dtype, copy=False), np.zeros(shape, dtype=z.dtype)


def affine_codebook_forward(raw, scale, shift):
    """(codes = scale * raw + shift, cache); raw (K, D), scale and shift (D,)."""
    raw = float_array("raw", raw, ndim=2)
    scale = float_array("scale", scale, ndim=1, dtype=raw.dtype)
    shift = float_array("shift", shift, ndim=1, dtype=raw.dtype)
    if scale.shape != (raw.shape[1],) or shift.shape != (raw.shape[1],):
        raise ValueError(f"scale, shift: expected shape ({raw.shape[1]},), got {scale.shape} and {shift.shape}")
    return raw * scale + shift, (raw, scale)


def affine_codebook_backward(dcodes, cache):
    """(draw, dscale, dshift)."""
    raw, scale = cache
    d = gradient("dcodes", dcodes, raw.shape, raw.dtype)
    return d * scale, (d * raw).sum(axis=0), d.sum(axis=0)
