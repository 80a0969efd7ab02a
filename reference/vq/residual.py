"""Residual VQ: L codebooks quantising successive residuals (SoundStream, EnCodec,
vector-quantize-pytorch's ``ResidualVQ``).

Spec form: :mod:`reference.vq.spec`, the same equations in plain NumPy, line by line
(``refspace check --spec`` holds the two equal).

Forward, with r_0 = z::

    k_l = nearest(r_l, E_l),   q_l = E_l[k_l],   r_{l+1} = r_l - q_l,   z_q = sum_l q_l

``codebooks`` is (L, K, D), one codebook per level, or (K, D) shared by ``levels`` levels.

The gradient to z is a convention, and the two implementations in the wild differ:

``"total"`` (EnCodec: each level's straight-through output is subtracted *without* a stop-gradient,
    so the chain telescopes): ``dz = dz_q``, as a straight-through of the whole sum
    ``z + sg[z_q - z]``.
``"per_level"`` (vector-quantize-pytorch: ``residual = residual - quantized.detach()`` and each
    level's straight-through output added to the sum): every level passes ``dz_q`` through its
    own straight-through to a residual whose gradient to z is the identity, so ``dz = L dz_q``.
    Multiply by 1/L (or scale the learning rate) to convert.

The codebooks get no gradient from the straight-through path. They learn from the per-level
losses (:func:`rvq_loss_forward`): ``sum_l beta ||sg[r_l] - q_l||^2 + gamma ||r_l - sg[q_l]||^2``,
each codebook moved by its own level's term only (a shared codebook sums them). The loss takes
the same ``gradient=`` as :func:`rvq_forward` and differentiates through the same chain:

``"total"`` (default, as :func:`rvq_forward`): ``r_{l+1} = r_l - ST(q_l)`` with ``ST(q) = r +
    sg[q - r]`` has ``dr_{l+1} / dr_l = 0``, so only level 0's commitment term reaches z (EnCodec,
    and vector-quantize-pytorch's ``ResidualVQ(quant_grad_frac=1)``);
``"per_level"``: ``r_{l+1} = r_l - sg[q_l]``, ``dr_l / dz = I``, so every level's commitment
    term reaches z (vector-quantize-pytorch's default ``ResidualVQ``).

The values are the same in both; ``level_losses=True`` returns the (L,) losses of the levels
instead of their sum (what ``ResidualVQ`` reports). :func:`level_usage` gives counts,
perplexity and usage per level.

>>> E = np.array([[[0.0], [4.0]], [[-1.0], [1.0]]])        # level 0: 0, 4; level 1: -1, +1
>>> z_q, cache = rvq_forward(np.array([[3.2], [0.6]]), E)
>>> z_q.ravel(), cache.indices.T.tolist()
(array([3., 1.]), [[1, 0], [0, 1]])
"""
from __future__ import annotations

import dataclasses

import numpy as np

from ..core.validate import float_array, positive_int
from ..core.validate import gradient as _gradient   # the name 'gradient' is this module's keyword
from .losses import vq_loss_backward, vq_loss_forward
from .quantise import code_statistics, quantise

GRADIENTS = ("total", "per_level")


def _codebooks(codebooks, levels, D, dtype):
    """(the per-level (L, K, D) view, L, shared)."""
    C = float_array("codebooks", codebooks, dtype=dtype)
    if C.ndim == 2:
        if levels is None:
            raise ValueError("levels: a shared (K, D) codebook needs the number of levels")
        L = positive_int("levels", levels)
        C3, shared = np.broadcast_to(C, (L,) + C.shape), True
    elif C.ndim == 3:
        if levels is not None and int(levels) != C.shape[0]:
            raise ValueError(f"levels: the codebooks have {C.shape[0]} levels, got levels={levels}")
        C3, L, shared = C, C.shape[0], False
    else:
        raise ValueError(f"codebooks: expected (L, K, D) or a shared (K, D), got shape {C.shape}")
    if C3.shape[1] == 0 or C3.shape[2] != D:
        raise ValueError(f"codebooks: expected codes of dimension {D} (z's last axis), got shape {C.shape}")
    if not np.isfinite(C).all():
        raise ValueError("codebooks: expected finite values")
    return C3, L, shared


@dataclasses.dataclass(frozen=True)
class RVQCache:
    """``indices`` (L, ...) per level; ``residuals`` (L, ..., D) the inputs r_l of each level."""

    indices: np.ndarray
    residuals: np.ndarray
    codebook_shape: tuple
    gradient: str


def rvq_forward(z, codebooks, *, levels: int | None = None, gradient: str = "total"):
    """(z_q, :class:`RVQCache`); see the module docstring."""
    if gradient not in GRADIENTS:
        raise ValueError(f"gradient: expected one of {GRADIENTS}, got {gradient!r}")
    z = float_array("z", z, min_ndim=1)
    if z.ndim == 0:
        raise ValueError("z: expected an array (..., D), got a 0-d array")
    C, L, _ = _codebooks(codebooks, levels, z.shape[-1], z.dtype)
    r = z
    out = np.zeros_like(z)
    idx, res = [], []
    for level in range(L):
        q = quantise(r, C[level])
        res.append(r)
        idx.append(q.indices)
        out = out + q.z_q
        r = r - q.z_q
    return out, RVQCache(np.stack(idx), np.stack(res), np.shape(codebooks), gradient)


def rvq_backward(dz_q, cache: RVQCache):
    """(dz, dcodebooks): ``dz_q`` (``"total"``) or ``L dz_q`` (``"per_level"``); zeros to the codebooks."""
    dz_q = float_array("dz_q", dz_q, dtype=cache.residuals.dtype)
    if dz_q.shape != cache.residuals.shape[1:]:
        raise ValueError(f"dz_q: expected shape {cache.residuals.shape[1:]}, got {dz_q.shape}")
    L = cache.residuals.shape[0]
    dz = dz_q.copy() if cache.gradient == "total" else L * dz_q
    return dz, np.zeros(cache.codebook_shape, dtype=dz_q.dtype)


def rvq_loss_forward(z, codebooks, indices, *, levels: int | None = None, beta: float = 1.0, gamma: float = 0.25,
                     reduction: str = "mean", gradient: str = "total", level_losses: bool = False):
    """The levels' :func:`.losses.vq_loss_forward` on each level's residual (built from the fixed
    ``indices`` (L, ...)); ``gradient`` names the chain z's gradient follows (module docstring).
    Returns (0-d sum, or the (L,) losses with ``level_losses=True``; cache)."""
    if gradient not in GRADIENTS:
        raise ValueError(f"gradient: expected one of {GRADIENTS}, got {gradient!r}")
    if not isinstance(level_losses, (bool, np.bool_)):
        raise TypeError(f"level_losses: expected True or False, got {level_losses!r}")
    z = float_array("z", z, min_ndim=1)
    C, L, shared = _codebooks(codebooks, levels, z.shape[-1], z.dtype)
    idx = np.asarray(indices)
    if idx.shape != (L,) + z.shape[:-1]:
        raise ValueError(f"indices: expected shape {(L,) + z.shape[:-1]} (levels, then z without its last axis), "
                         f"got {idx.shape}")
    r, per_level, caches = z, [], []
    for level in range(L):
        loss, c = vq_loss_forward(r, C[level], idx[level], beta=beta, gamma=gamma, reduction=reduction)
        per_level.append(loss)
        caches.append(c)
        r = r - C[level][idx[level]]
    if level_losses:
        out = np.asarray(per_level, dtype=z.dtype)
    else:
        out = np.zeros((), dtype=z.dtype)
        for loss in per_level:               # accumulated level by level (the sum's bits as before)
            out = out + loss
    return np.asarray(out, dtype=z.dtype), (caches, np.shape(codebooks), shared, gradient, bool(level_losses))


def rvq_loss_backward(dloss, cache):
    """(dz, dcodebooks in the given shape, None for the indices); ``dloss`` 0-d, or (L,) for
    ``level_losses=True``."""
    caches, shape, shared, gradient, level_losses = cache
    L = len(caches)
    g = _gradient("dloss", dloss, (L,) if level_losses else ())
    dz, dEs = None, []
    for level, c in enumerate(caches):
        d, dE, _ = vq_loss_backward(g[level] if level_losses else g, c)
        if gradient == "per_level" or level == 0:     # "total": dr_l / dz = 0 for l >= 1
            dz = d if dz is None else dz + d          # "per_level": dr_l / dz = I (stopped codes)
        dEs.append(dE)
    dE = np.sum(dEs, axis=0) if shared else np.stack(dEs)
    return dz, dE.reshape(shape), None


def level_usage(indices, K: int) -> list[dict]:
    """Per level: counts (K,), perplexity and the fraction of codes used."""
    out = []
    for level in np.asarray(indices):
        counts, perplexity, usage = code_statistics(level, K)
        out.append({"counts": counts, "perplexity": perplexity, "usage": usage})
    return out
