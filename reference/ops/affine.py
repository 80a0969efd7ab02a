"""The affine map ``y = x W + b`` (row-vector convention) as a forward/backward pair.

Every gate of the LSTM and ON-LSTM articles is ``W x + U h + b`` in column-vector
notation; this project stores weights as (in, out) so a batch of rows multiplies on the
right: ``y = x @ W + b``. PyTorch's ``nn.Linear`` stores the transpose, (out, in).

Example
-------
>>> import numpy as np
>>> x = np.array([[1.0, 2.0]]); W = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
>>> y, cache = affine_forward(x, W, np.array([0.5, 0.5, 0.5]))
>>> y
array([[1.5, 2.5, 3.5]])
>>> dx, dW, db = affine_backward(np.ones_like(y), cache)
>>> dx, db
(array([[2., 2.]]), array([1., 1., 1.]))
"""
from __future__ import annotations


from ..core.validate import check_shape, float_array


def affine_forward(x, W, b=None):
    """y = x W + b over any leading axes.

    Parameters
    ----------
    x : ndarray (..., I), float32 or float64
    W : ndarray (I, O), x's dtype
    b : ndarray (O,), x's dtype, or None for no bias

    Returns
    -------
    y : ndarray (..., O), x's dtype
    cache : (x, W, has_bias)
    """
    x = float_array("x", x)
    if x.ndim == 0:
        raise ValueError("x: expected at least a 1-d array (..., I), got a 0-d array")
    W = float_array("W", W, ndim=2, dtype=x.dtype)
    check_shape("W", W, [("I", x.shape[-1]), ("O", None)])
    y = x @ W
    if b is not None:
        b = float_array("b", b, ndim=1, dtype=x.dtype)
        check_shape("b", b, [("O", W.shape[1])])
        y += b
    return y, (x, W, b is not None)


def affine_backward(dy, cache):
    """Gradients of y = x W + b.

    dx = dy W^T;  dW = sum over leading axes of x^T dy (one GEMM);  db = sum of dy.

    Returns
    -------
    (dx, dW, db) : shapes of (x, W, b); ``db`` is None when the forward had no bias.
    """
    x, W, has_bias = cache
    dy = float_array("dy", dy, dtype=x.dtype)
    check_shape("dy", dy, [(f"d{k}", s) for k, s in enumerate(x.shape[:-1])] + [("O", W.shape[1])])
    x2 = x.reshape(-1, x.shape[-1])
    dy2 = dy.reshape(-1, dy.shape[-1])
    dx = dy @ W.T
    dW = x2.T @ dy2
    db = dy2.sum(axis=0) if has_bias else None
    return dx, dW, db
