"""Softmax cross-entropy over the last axis, averaged over the counted positions.

Spec form: :mod:`reference.ops.spec`, the same equations in plain NumPy, line by line
(``refspace check --spec`` holds the two equal).

``L = -(1/n) sum_{counted t} log softmax(logits_t)[target_t]``, n = number of counted
positions (``weights`` 0/1, e.g. a padding mask; all positions by default). Computed from
the log-sum-exp with the maximum subtracted, so large logits do not overflow.
Backward: ``dlogits_t = (softmax(logits_t) - onehot(target_t)) * weight_t / n``.

Example
-------
>>> loss, cache = softmax_cross_entropy_forward(np.array([[0.0, 0.0]]), np.array([1]))
>>> round(float(loss), 6)                     # log 2
0.693147
>>> softmax_cross_entropy_backward(np.array(1.0), cache)[0]
array([[ 0.5, -0.5]])
"""
from __future__ import annotations

import numpy as np

from .embedding import check_ids
from ..core.validate import float_array, scalar_gradient


def softmax_cross_entropy_forward(logits, targets, *, weights=None):
    """logits (..., V) float; targets int (...); weights (...) 0/1 or None. Returns (0-d loss, cache)."""
    logits = float_array("logits", logits)
    if logits.ndim == 0:
        raise ValueError("logits: expected an array (..., V), got a 0-d array")
    targets = check_ids("targets", targets, logits.shape[-1])
    if targets.shape != logits.shape[:-1]:
        raise ValueError(f"targets: expected shape {logits.shape[:-1]}, got {targets.shape}")
    w = np.ones(targets.shape, dtype=logits.dtype) if weights is None else np.asarray(weights, dtype=logits.dtype)
    if w.shape != targets.shape:
        raise ValueError(f"weights: expected shape {targets.shape}, got {w.shape}")
    n = float(w.sum())
    if n <= 0:
        raise ValueError("weights: expected at least one counted position, got none")
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_z = np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    log_p = shifted - log_z
    picked = np.take_along_axis(log_p, targets[..., None], axis=-1)[..., 0]
    loss = np.asarray(-(picked * w).sum() / n, dtype=logits.dtype)
    return loss, (log_p, targets, w, n)


def softmax_cross_entropy_backward(dloss, cache):
    """Returns (dlogits, None for targets)."""
    log_p, targets, w, n = cache
    g = np.exp(log_p)
    np.put_along_axis(g, targets[..., None], np.take_along_axis(g, targets[..., None], axis=-1) - 1, axis=-1)
    return g * (w[..., None] * (scalar_gradient("dloss", dloss) / n)), None
