"""The article-independent building blocks as their equations: the spec forms.

Where the kernel already reads as the equation (tanh, softmax, affine, mse, embedding), the
declaration says ``spec="kernel"``. The others are here, in plain NumPy and ``scipy.special``
(expit, softmax, log_softmax), sharing nothing with the kernels' in-place helpers::

    sigmoid(x)         = 1 / (1 + exp(-x))
    cumax(x)           = cumsum(softmax(x))                      (kexue.fm/archives/6621)
    rev_cumax(x)_k     = sum_{j >= k} softmax(x)_j               (the article's master input gate)
    cross_entropy      = -sum_t w_t log softmax(logits_t)[target_t] / sum_t w_t

Spec forms do not validate their arguments: call the kernels for checked input.
"""
from __future__ import annotations

import numpy as np
from scipy.special import expit, log_softmax, softmax


def sigmoid(x):
    """(sigma(x), cache)."""
    y = expit(x)
    return y, y


def sigmoid_backward(dy, y):
    """dx = dy sigma(x) (1 - sigma(x))."""
    return dy * y * (1 - y)


def cumax(x):
    """(cumsum(softmax(x)) along the last axis, cache)."""
    p = softmax(x, axis=-1)
    return np.cumsum(p, axis=-1), p


def cumax_backward(dy, p):
    """dp_k = sum_{j >= k} dy_j, then through the softmax: dx = p (dp - <p, dp>)."""
    dp = np.flip(np.cumsum(np.flip(dy, -1), axis=-1), -1)
    return p * (dp - (p * dp).sum(axis=-1, keepdims=True))


def rev_cumax(x):
    """(y_k = sum_{j >= k} softmax(x)_j along the last axis, cache)."""
    p = softmax(x, axis=-1)
    return np.flip(np.cumsum(np.flip(p, -1), axis=-1), -1), p


def rev_cumax_backward(dy, p):
    """dp_k = sum_{j <= k} dy_j, then through the softmax."""
    dp = np.cumsum(dy, axis=-1)
    return p * (dp - (p * dp).sum(axis=-1, keepdims=True))


def cross_entropy(logits, targets, *, weights=None):
    """(-sum_t w_t log softmax(logits_t)[target_t] / sum_t w_t, cache); w = 1 by default."""
    w = np.ones(targets.shape, dtype=logits.dtype) if weights is None else np.asarray(weights, dtype=logits.dtype)
    log_p = log_softmax(logits, axis=-1)
    picked = np.take_along_axis(log_p, targets[..., None], axis=-1)[..., 0]
    return np.asarray(-(w * picked).sum() / w.sum(), dtype=logits.dtype), (logits, targets, w)


def cross_entropy_backward(dloss, cache):
    """(dlogits = dloss (softmax(logits) - onehot(target)) w / sum w, None for the targets)."""
    logits, targets, w = cache
    onehot = np.eye(logits.shape[-1], dtype=logits.dtype)[targets]
    return dloss * (softmax(logits, axis=-1) - onehot) * (w / w.sum())[..., None], None
