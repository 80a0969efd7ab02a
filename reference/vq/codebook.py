"""Codebook regularisers and parameterisations beyond the article, each with a backward pass.

Spec form: :mod:`reference.vq.spec`, the same equations in plain NumPy, line by line
(``refspace check --spec`` holds the two equal).

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

**Cosine commitment** (the commitment loss of ``use_cosine_sim``): with ``u = z / max(||z||,
eps)`` and ``e`` the unit code :func:`cosine_vq_forward` picked, ``gamma * mean ||u - sg[e]||^2``
over the N*D entries ("mean", vector-quantize-pytorch's ``F.mse_loss``) or summed ("sum"); its
gradient reaches z through the normalisation, the codebook gets none (a cosine codebook learns by
EMA). The package weighs it by ``commitment_weight`` (default 1.0; the article's gamma is 0.25,
this function's default, as :func:`~reference.vq.losses.vq_loss_forward`). With a padding
``mask`` the package compares the codes with the *unnormalised* input instead (1.32.0); this
helper always uses u, the input the codes were matched against.

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
from .losses import REDUCTIONS, _weight, check_indices

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


def cosine_commitment_forward(z, codebook, indices, *, gamma: float = 0.25, reduction: str = "mean"):
    """(0-d ``gamma * ||u - sg[e]||^2`` averaged over N*D or summed, cache): u the unit inputs, e
    the unit codes ``indices`` names (those :func:`cosine_vq_forward` picks, held fixed).

    >>> z = np.array([[3.0, 4.0]]); E = np.array([[2.0, 0.0]])
    >>> round(float(cosine_commitment_forward(z, E, np.array([0]), gamma=1.0)[0]), 12)  # ((0.6-1)^2 + 0.8^2) / 2
    0.4
    """
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction: expected one of {REDUCTIONS}, got {reduction!r}")
    gamma = _weight("gamma", gamma)
    z = float_array("z", z, min_ndim=1)
    E = float_array("codebook", codebook, ndim=2, dtype=z.dtype)
    if E.shape[1] != z.shape[-1]:
        raise ValueError(f"codebook: expected D={z.shape[-1]} columns, got shape {E.shape}")
    idx = check_indices(indices, z.shape[:-1], E.shape[0])
    u, n = _normalise(z)
    Eu, _ = _normalise(E)
    diff = u - Eu[idx]                                          # sg[e]: the codes are constants
    scale = 1.0 / diff.size if (reduction == "mean" and diff.size) else 1.0
    loss = gamma * scale * np.sum(diff * diff)
    return np.asarray(loss, dtype=z.dtype), (z, n, diff, gamma * scale, E.shape)


def cosine_commitment_backward(dloss, cache):
    """(dz through the normalisation, zeros to the codebook, None for indices)."""
    z, n, diff, weight, shape = cache
    du = (2.0 * weight * scalar_gradient("dloss", dloss)) * diff
    return _normalise_backward(du, z, n).astype(z.dtype, copy=False), np.zeros(shape, dtype=z.dtype), None


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
