"""Masked reductions along an axis, each a forward/backward pair (kexue.fm/archives/6810).

Spec form: :mod:`reference.masking.spec`, the same equations in plain NumPy, line by line
(``refspace check --spec`` holds the two equal).

``mask`` broadcasts against ``x`` (e.g. x (B, T, D) with mask (B, T, 1)); the reduction runs
along ``axis``. Padding never changes a result and gets exactly zero gradient: each op equals
the same op on the valid entries alone, for any amount and any content of padding.

==================  =========================================  =====================
op                  valid entries                               no valid entry
==================  =========================================  =====================
masked_sum          sum m x                                     0
masked_mean         sum m x / sum m (the article's avg)         0
masked_max          max of the valid x (gradient to the first   0
                    valid argmax only)
masked_var          mean of (x - mean)^2 over the valid x       0
masked_logsumexp    log sum_valid exp x                         -inf (gradient 0)
masked_softmax      exp x / sum_valid exp x, 0 on padding       all zeros (gradient 0)
masked_loss         sum m l / sum m over every entry (scalar)   0
==================  =========================================  =====================

The empty-row values are defined, documented and never NaN, in float32 and float64 (an
all-masked softmax row is zeros, not uniform and not NaN). No large constant is
subtracted: invalid entries are excluded with ``np.where``. For code that uses the additive
form ``x + (1 - m) * large_negative(dtype)``, :func:`large_negative` is dtype-aware (the
article's ``-1e10`` overflows float16, whose largest value is 65504, and ``inf - inf`` gives NaN).

Example: the article's numbers
>>> x = np.array([1.0, 0.0, 3.0, 4.0, 5.0, 0.0, 0.0, 0.0]); m = np.array([1, 1, 1, 1, 1, 0, 0, 0])
>>> float(masked_mean_forward(x, m)[0]), float(x.mean())
(2.6, 1.625)
>>> y = np.array([-1.0, -2.0, -3.0, -4.0, -5.0, 0.0, 0.0, 0.0])
>>> float(masked_max_forward(y, m)[0]), float(y.max())
(-1.0, 0.0)
"""
from __future__ import annotations

import numpy as np

from ..core.validate import float_array, gradient, real_array


def large_negative(dtype) -> float:
    """A large negative constant that ``exp`` flushes to 0 and that does not overflow in ``dtype``:
    the dtype's lowest finite value / 2 for float16 (as tf.keras does), -1e9 otherwise."""
    dtype = np.dtype(dtype)
    if dtype == np.float16:
        return float(np.finfo(np.float16).min) / 2
    return -1e9


def additive_mask(mask, dtype=np.float64) -> np.ndarray:
    """``(1 - m) * large_negative(dtype)``: the additive form of a mask, in ``dtype``."""
    return ((1 - real_array("mask", mask, dtype)) * np.asarray(large_negative(dtype), dtype=dtype)).astype(dtype)


def _prepare(x, mask, axis, name="x"):
    x = float_array(name, x)
    if x.ndim == 0:
        raise ValueError(f"{name}: expected an array with the axis to reduce, got a 0-d array")
    m = np.asarray(mask)
    if m.dtype.kind not in "biuf":
        raise TypeError(f"mask: expected 0/1 or boolean entries, got dtype {m.dtype}")
    try:
        m = np.broadcast_to(m, x.shape)
    except ValueError:
        raise ValueError(f"mask: shape {np.shape(mask)} does not broadcast to {name}'s {x.shape}") from None
    if m.dtype != bool:
        if not np.isin(m, (0, 1)).all():
            raise ValueError("mask: expected 0/1 (or boolean) entries")
        m = m.astype(bool)
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"axis: {axis} is out of range for {name} with {x.ndim} dimensions")
    return x, m, axis % x.ndim


def _expand(dy, x, axis):
    return np.expand_dims(np.asarray(dy, dtype=x.dtype), axis)


def _reduced(name, dy, shape, axis, dtype):
    """The gradient of a reduction: real numbers of the reduced shape (``shape`` without ``axis``)."""
    return gradient(name, dy, shape[:axis] + shape[axis + 1:], dtype)


def masked_sum_forward(x, mask, axis: int = -1):
    x, m, axis = _prepare(x, mask, axis)
    return np.where(m, x, 0).sum(axis=axis), (m, axis, x.dtype)


def masked_sum_backward(dy, cache):
    m, axis, dtype = cache
    return np.where(m, np.expand_dims(_reduced("dy", dy, m.shape, axis, dtype), axis), 0).astype(dtype)


def masked_mean_forward(x, mask, axis: int = -1):
    x, m, axis = _prepare(x, mask, axis)
    n = m.sum(axis=axis)
    total = np.where(m, x, 0).sum(axis=axis)
    y = np.where(n > 0, total / np.maximum(n, 1), 0).astype(x.dtype)
    return y, (m, axis, n, x.dtype)


def masked_mean_backward(dy, cache):
    m, axis, n, dtype = cache
    scale = np.where(n > 0, _reduced("dy", dy, m.shape, axis, dtype) / np.maximum(n, 1), 0)
    return np.where(m, np.expand_dims(scale, axis), 0).astype(dtype)


def masked_max_forward(x, mask, axis: int = -1):
    x, m, axis = _prepare(x, mask, axis)
    filled = np.where(m, x, -np.inf)
    k = np.argmax(filled, axis=axis)                       # the first largest valid entry
    any_valid = m.any(axis=axis)
    y = np.where(any_valid, np.take_along_axis(x, np.expand_dims(k, axis), axis).squeeze(axis), 0).astype(x.dtype)
    return y, (x.shape, axis, k, any_valid, x.dtype)


def masked_max_backward(dy, cache):
    shape, axis, k, any_valid, dtype = cache
    dx = np.zeros(shape, dtype=dtype)
    g = np.where(any_valid, _reduced("dy", dy, shape, axis, dtype), 0)
    np.put_along_axis(dx, np.expand_dims(k, axis), np.expand_dims(g, axis), axis)
    return dx


def masked_var_forward(x, mask, axis: int = -1):
    """The biased (population) variance of the valid entries."""
    mean, (m, axis, n, _) = masked_mean_forward(x, mask, axis)
    x = float_array("x", x)
    d = np.where(m, x - np.expand_dims(mean, axis), 0)
    y = np.where(n > 0, (d * d).sum(axis=axis) / np.maximum(n, 1), 0).astype(x.dtype)
    return y, (m, axis, n, d, x.dtype)


def masked_var_backward(dy, cache):
    m, axis, n, d, dtype = cache
    scale = np.where(n > 0, 2 * _reduced("dy", dy, m.shape, axis, dtype) / np.maximum(n, 1), 0)
    return np.where(m, np.expand_dims(scale, axis) * d, 0).astype(dtype)     # d sums to 0: no mean term


def _shifted_exp(x, m, axis):
    """exp(x - max of the valid x) on valid entries, 0 elsewhere; and that max (0 for empty rows)."""
    top = np.where(m, x, -np.inf).max(axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0)
    return np.where(m, np.exp(np.where(m, x - top, 0)), 0), top


def masked_softmax_forward(x, mask, axis: int = -1):
    x, m, axis = _prepare(x, mask, axis)
    e, _ = _shifted_exp(x, m, axis)
    total = e.sum(axis=axis, keepdims=True)
    p = np.where(total > 0, e / np.where(total > 0, total, 1), 0).astype(x.dtype)
    return p, (p, axis)


def masked_softmax_backward(dp, cache):
    p, axis = cache
    dp = gradient("dp", dp, p.shape, p.dtype)
    return p * (dp - (p * dp).sum(axis=axis, keepdims=True))     # p = 0 on padding: exactly 0 there


def masked_logsumexp_forward(x, mask, axis: int = -1):
    x, m, axis = _prepare(x, mask, axis)
    e, top = _shifted_exp(x, m, axis)
    total = e.sum(axis=axis, keepdims=True)
    with np.errstate(divide="ignore"):
        y = np.where(total > 0, top + np.log(np.where(total > 0, total, 1)), -np.inf).squeeze(axis).astype(x.dtype)
    p = np.where(total > 0, e / np.where(total > 0, total, 1), 0).astype(x.dtype)
    return y, (p, axis)


def masked_logsumexp_backward(dy, cache):
    p, axis = cache
    return (p * np.expand_dims(_reduced("dy", dy, p.shape, axis, p.dtype), axis)).astype(p.dtype)


def masked_loss_forward(losses, mask):
    """``sum m l / sum m`` over every entry (the article's "mask them in the loss"); 0 if nothing counts."""
    losses, m, _ = _prepare(losses, mask, 0, "losses")
    y, (m, _, n, dtype) = masked_mean_forward(losses.reshape(-1), m.reshape(-1), 0)
    return y, (m, n, dtype, losses.shape)


def masked_loss_backward(dy, cache):
    m, n, dtype, shape = cache
    return masked_mean_backward(dy, (m, 0, n, dtype)).reshape(shape)
