"""Elementwise and normalising activations, each a forward/backward pair.

Spec form: :mod:`reference.ops.spec`, the same equations in plain NumPy, line by line
(``refspace check --spec`` holds the two equal).

Convention (the op convention in the README): ``<op>_forward(x, ...) -> (y, cache)`` and
``<op>_backward(dy, cache) -> dx``. Inputs are never modified; the output has the input's
dtype (float32 in, float32 out).

Equations (kexue.fm/archives/6621, eqs. of the ON-LSTM cell):

    sigmoid(x)   = 1 / (1 + exp(-x))
    tanh(x)
    softmax(x)_k = exp(x_k - max x) / sum_j exp(x_j - max x)          (shift-invariant)
    cumax(x)_k   = sum_{j <= k} softmax(x)_j     ("cumulative softmax", left to right)
    rev_cumax(x)_k = sum_{j >= k} softmax(x)_j   (right-to-left twin; the article's master
                                                  input gate, inclusive reverse cumsum)

cumax is increasing along its axis, never above 1, and its last entry is exactly 1 (set,
not summed: a float cumsum can miss 1 by an ulp either way); rev_cumax is its mirror image,
decreasing with first entry exactly 1. Note ``1 - cumax(x)`` (the paper's master input
gate) is the *exclusive* reverse cumsum ``sum_{j > k}``, not ``rev_cumax``.

Example
-------
>>> import numpy as np
>>> y, cache = cumax_forward(np.array([0.0, 0.0, 0.0, 0.0]))
>>> y
array([0.25, 0.5 , 0.75, 1.  ])
>>> cumax_backward(np.array([1.0, 0.0, 0.0, 0.0]), cache)
array([ 0.1875, -0.0625, -0.0625, -0.0625])
"""
from __future__ import annotations

import numpy as np

from ..core.validate import float_array, normalise_axis


def _rev_cumsum(a: np.ndarray, axis: int, out: np.ndarray | None = None) -> np.ndarray:
    """Inclusive right-to-left cumulative sum: out_k = sum_{j >= k} a_j.

    A cumsum over reversed views (of ``a`` and of the output): no flipped copies, and the
    same additions in the same order as ``flip(cumsum(flip(a)))``."""
    out = np.empty_like(a) if out is None else out
    rev = [slice(None)] * a.ndim
    rev[axis] = slice(None, None, -1)
    rev = tuple(rev)
    np.cumsum(a[rev], axis=axis, out=out[rev])
    return out


# --- kernels: no validation, write into ``out``; the public functions below call them ------
# The recurrent layers call these inside their time loops (validation happens once, at the
# layer's boundary). Softmax, cumax and their backwards work along the last axis.

def sigmoid_into(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """out = 1 / (1 + exp(-x)), one ufunc chain (``out`` may be ``x``).

    exp(-x) overflows to inf for x below about -88 (float32) or -709 (float64); the result
    is then exactly 0 (the true value is below the smallest normal number), so the overflow
    warning is silenced."""
    with np.errstate(over="ignore"):
        np.negative(x, out=out)
        np.exp(out, out=out)
    out += 1
    return np.reciprocal(out, out=out)


def softmax_into(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """out = exp(x - max x) / sum exp(x - max x) along the last axis."""
    np.subtract(x, x.max(axis=-1, keepdims=True), out=out)
    np.exp(out, out=out)
    out /= out.sum(axis=-1, keepdims=True)
    return out


def cumax_into(p: np.ndarray, out: np.ndarray) -> np.ndarray:
    """out = cumsum(p) along the last axis, at most 1, last entry exactly 1 (``p`` a softmax)."""
    np.cumsum(p, axis=-1, out=out)
    np.minimum(out, 1, out=out)
    out[..., -1] = 1
    return out


def rev_cumax_into(p: np.ndarray, out: np.ndarray) -> np.ndarray:
    """out = reverse cumsum(p) along the last axis, at most 1, first entry exactly 1."""
    _rev_cumsum(p, -1, out)
    np.minimum(out, 1, out=out)
    out[..., 0] = 1
    return out


def softmax_backward_into(p: np.ndarray, dp: np.ndarray, out: np.ndarray) -> np.ndarray:
    """out = p * (dp - <p, dp>) along the last axis (``out`` may be ``dp``)."""
    inner = np.sum(p * dp, axis=-1, keepdims=True)
    np.subtract(dp, inner, out=out)
    out *= p
    return out


def _grad(name: str, dy, y: np.ndarray) -> np.ndarray:
    dy = float_array(name, dy, dtype=y.dtype)
    if dy.shape != y.shape:
        raise ValueError(f"{name}: expected shape {y.shape} (the forward output's), got {dy.shape}")
    return dy


# --- sigmoid -----------------------------------------------------------------------------

def sigmoid(x: np.ndarray) -> np.ndarray:
    """The bare forward (no validation) into a new array: :func:`sigmoid_into`."""
    return sigmoid_into(x, np.empty_like(x))


def sigmoid_forward(x):
    """Logistic sigmoid, computed without overflow for any finite input.

    Parameters
    ----------
    x : ndarray, any shape, float32 or float64

    Returns
    -------
    y : ndarray, shape and dtype of x, values in [0, 1]
    cache : y
    """
    y = sigmoid(float_array("x", x))
    return y, y


def sigmoid_backward(dy, cache):
    """dL/dx = dy * y * (1 - y)."""
    y = cache
    dy = _grad("dy", dy, y)
    return dy * y * (1 - y)


# --- tanh --------------------------------------------------------------------------------

def tanh_forward(x):
    """Hyperbolic tangent. Returns ``(y, cache)`` with ``y`` of x's shape and dtype."""
    x = float_array("x", x)
    y = np.tanh(x)
    return y, y


def tanh_backward(dy, cache):
    """dL/dx = dy * (1 - y^2)."""
    y = cache
    dy = _grad("dy", dy, y)
    return dy * (1 - y * y)


# --- softmax -----------------------------------------------------------------------------

def softmax_forward(x, axis: int = -1):
    """Numerically stable softmax along ``axis``.

    The maximum along the axis is subtracted first, so large logits (1e4) do not overflow
    and the result is invariant (up to rounding) to adding a constant.

    Parameters
    ----------
    x : ndarray (..., n, ...), float32 or float64, at least 1-d, n >= 1
    axis : int, default -1

    Returns
    -------
    p : ndarray, x's shape and dtype; non-negative, sums to 1 along ``axis``
    cache : (p, axis)
    """
    x = float_array("x", x)
    if x.ndim == 0:
        raise ValueError("x: expected at least a 1-d array for softmax, got a 0-d array")
    axis = normalise_axis("axis", axis, x.ndim)
    if x.shape[axis] == 0:
        raise ValueError(f"x: expected a non-empty softmax axis {axis}, got shape {x.shape}")
    z = np.exp(x - np.max(x, axis=axis, keepdims=True))
    p = z / np.sum(z, axis=axis, keepdims=True)
    return p, (p, axis)


def softmax_backward(dp, cache):
    """dL/dx = p * (dp - <p, dp>), the inner product taken along the softmax axis."""
    p, axis = cache
    dp = _grad("dp", dp, p)
    return p * (dp - np.sum(p * dp, axis=axis, keepdims=True))


# --- cumax and its right-to-left twin ----------------------------------------------------

def cumax_forward(x):
    """cumax(x) = cumsum(softmax(x)) along the last axis (paper eq. 6; article's F_1).

    Parameters
    ----------
    x : ndarray (..., n), float32 or float64, n >= 1

    Returns
    -------
    y : ndarray (..., n), increasing along the last axis, ``y[..., -1] == 1`` exactly
    cache : softmax cache
    """
    p, p_cache = softmax_forward(x, axis=-1)
    y = cumax_into(p, np.empty_like(p))  # last entry set to 1: a float cumsum may miss 1 by an ulp
    return y, p_cache


def cumax_backward(dy, cache):
    """Backward of cumax: dp_k = sum_{j >= k} dy_j (reverse cumsum), then softmax backward."""
    p, axis = cache
    dy = _grad("dy", dy, p)
    return softmax_backward_into(p, _rev_cumsum(dy, axis), np.empty_like(p))


def rev_cumax_forward(x):
    """Right-to-left cumax: y_k = sum_{j >= k} softmax(x)_j along the last axis.

    This is the article author's master input gate (kexue.fm/archives/6621, the inclusive
    reverse cumsum); it is decreasing and ``y[..., 0] == 1`` exactly. It equals
    ``cumax`` of the reversed logits, reversed.

    Parameters
    ----------
    x : ndarray (..., n), float32 or float64, n >= 1

    Returns
    -------
    y : ndarray (..., n)
    cache : softmax cache
    """
    p, p_cache = softmax_forward(x, axis=-1)
    y = rev_cumax_into(p, np.empty_like(p))  # first entry exactly 1, as in cumax
    return y, p_cache


def rev_cumax_backward(dy, cache):
    """Backward of rev_cumax: dp_k = sum_{j <= k} dy_j (forward cumsum), then softmax backward."""
    p, axis = cache
    dy = _grad("dy", dy, p)
    return softmax_backward_into(p, np.cumsum(dy, axis=axis), np.empty_like(p))
