"""Lookup-free quantisation (LFQ, MAGVIT-v2, Yu et al. 2023) with its entropy loss.

Spec form: :mod:`reference.vq.spec`, the same equations in plain NumPy, line by line
(``refspace check --spec`` holds the two equal).

Quantise: each of the d channels to its sign, ``q = scale * sign(z)`` (0 goes to -scale), the
implicit codebook being the 2^d corners ``{-1, +1}^d`` (:func:`lfq_codebook`). The index reads
the positive channels as bits, the first channel the most significant (vector-quantize-pytorch's
order): ``k = sum_i [q_i > 0] 2^(d-1-i)``. The gradient is straight-through: ``dz = dq``.

Entropy loss: with ``p_n = softmax(2 tau C z_n)`` over the 2^d codes C (the same as a softmax of
``-tau ||z_n - c||^2``, up to a constant per sample; ``tau`` is the inverse temperature),

    L = mean_n H(p_n) - gamma H(mean_n p_n)

low per-sample entropy makes confident assignments, high codebook entropy spreads the codes.
Backward (hand-written): for ``H(p)`` with ``p = softmax(l)``, ``dH/dl = -p (log p + H)``; the
codebook term reaches each sample through the mean; then ``dz = 2 tau C^T dl``.

``clamp``: ``None`` computes the exact entropy with ``0 log 0 = 0``, from the log-softmax, so no
epsilon is needed at all; vector-quantize-pytorch computes ``-p log(max(p, 1e-5))``
(``clamp=1e-5``), which differs where a probability is below 1e-5 and stops those gradients.
The named pitfall: an epsilon *added* inside the log, ``log(p + 1e-20)``, is 0 in float16, so a
saturated softmax gives ``0 * log 0 = NaN`` (the package's PR #85); :func:`naive_entropy_fp16`
reproduces it for the tests.

The full (N, 2^d) probabilities are formed, as in the anchor: d is refused above 16 and the
array above ``max_bytes``.

>>> q, cache = lfq_forward(np.array([[0.3, -1.2, 0.0]]))
>>> q, cache[0]                                        # signs; bits 1 0 0 -> 4
(array([[ 1., -1., -1.]]), array([4]))
"""
from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

from ..core.validate import float_array, real_array, scalar_gradient

MAX_DIM = 16
MAX_BYTES = 256 * 2**20


def lfq_codebook(d: int) -> np.ndarray:
    """(2^d, d) corners in index order: row k has +1 where k's bit (first channel most significant) is 1."""
    d = int(d)
    if not 1 <= d <= MAX_DIM:
        raise ValueError(f"d: expected 1..{MAX_DIM} channels (the implicit codebook has 2^d codes), got {d}")
    bits = (np.arange(2 ** d)[:, None] >> np.arange(d - 1, -1, -1)[None]) & 1
    return np.where(bits == 1, 1.0, -1.0)


def lfq_forward(z, *, scale: float = 1.0):
    """(q, cache): ``scale * sign(z)`` with 0 to -scale; ``cache[0]`` the indices (z.shape[:-1])."""
    z = float_array("z", z)
    if z.ndim == 0:
        raise ValueError("z: expected an array (..., d), got a 0-d array")
    pos = z > 0
    weights = 2 ** np.arange(z.shape[-1] - 1, -1, -1, dtype=np.int64)
    return np.where(pos, scale, -scale).astype(z.dtype), ((pos * weights).sum(axis=-1), z.shape)


def lfq_backward(dq, cache):
    """Straight-through: dz = dq."""
    _, shape = cache
    dq = float_array("dq", dq)
    if dq.shape != shape:
        raise ValueError(f"dq: expected shape {shape}, got {dq.shape}")
    return dq.copy()


def _entropy(logp, p, clamp):
    if clamp is None:
        return -(p * np.where(p > 0, logp, 0.0)).sum(axis=-1)        # 0 log 0 = 0, never NaN
    return -(p * np.log(np.maximum(p, clamp))).sum(axis=-1)


def _dentropy_dp(p, logp, clamp):
    """dH/dp per entry (0 where the clamp holds the log constant, and where p = 0 exactly)."""
    if clamp is None:
        return np.where(p > 0, -(logp + 1), 0.0)
    return np.where(p > clamp, -(np.log(np.maximum(p, clamp)) + 1), -np.log(clamp))


def lfq_entropy_forward(z, *, inv_temperature: float = 100.0, diversity_gamma: float = 1.0, clamp=None,
                        scale: float = 1.0, max_bytes: int = MAX_BYTES):
    """(0-d loss, cache); ``cache[-1]`` holds (per-sample entropy, codebook entropy). ``scale`` is the
    codebook's value (the corners ``{-scale, +scale}^d``, vector-quantize-pytorch's
    ``codebook_scale``, as :func:`lfq_forward`'s): the logits are ``2 tau scale C z``."""
    z = float_array("z", z)
    if z.ndim == 0 or z.size == 0:
        raise ValueError(f"z: expected at least one vector (..., d) (the entropies of an empty batch are "
                         f"undefined), got shape {z.shape}")
    Z = z.reshape(-1, z.shape[-1])
    scale = float(scale)
    if not (np.isfinite(scale) and scale > 0):
        raise ValueError(f"scale: expected a finite number > 0, got {scale}")
    C = (scale * lfq_codebook(Z.shape[1])).astype(z.dtype)
    if Z.shape[0] * C.shape[0] * 8 > max_bytes:
        raise ValueError(f"z: {Z.shape[0]} vectors x {C.shape[0]} codes exceed max_bytes={max_bytes}; "
                         "pass fewer vectors or a larger bound")
    if clamp is not None and not 0 < float(clamp) < 1:
        raise ValueError(f"clamp: expected None or a value in (0, 1), got {clamp}")
    tau = float(inv_temperature)
    logits = 2 * tau * (Z @ C.T)
    logp = logits - logsumexp(logits, axis=1, keepdims=True)
    p = np.exp(logp)
    per_sample = float(_entropy(logp, p, clamp).mean())
    avg = p.mean(axis=0)
    with np.errstate(divide="ignore"):
        log_avg = np.log(avg)
    codebook = float(_entropy(log_avg, avg, clamp))
    loss = per_sample - float(diversity_gamma) * codebook
    return np.asarray(loss, dtype=z.dtype), (z.shape, C, p, logp, avg, log_avg, tau, float(diversity_gamma), clamp,
                                             (per_sample, codebook))


def lfq_entropy_backward(dloss, cache):
    """dz (z's shape)."""
    shape, C, p, logp, avg, log_avg, tau, gamma, clamp, _ = cache
    N = p.shape[0]
    g = _dentropy_dp(p, logp, clamp) / N - gamma * _dentropy_dp(avg, log_avg, clamp)[None] / N     # dL/dp
    dlogits = p * (g - (p * g).sum(axis=1, keepdims=True))                                       # softmax
    return (scalar_gradient("dloss", dloss) * 2 * tau * dlogits @ C).reshape(shape).astype(C.dtype, copy=False)


def naive_entropy_fp16(p):
    """``-sum p log(p + 1e-20)`` evaluated in float16: the misplaced epsilon (0 in float16)."""
    p16 = real_array("p", p, np.float16)
    with np.errstate(divide="ignore", invalid="ignore"):
        return -(p16 * np.log(p16 + np.float16(1e-20))).sum(axis=-1)
