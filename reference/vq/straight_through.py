"""The straight-through estimator: the value of ``fn(x)``, the gradient of the identity.

kexue.fm/archives/6760, the VQ-VAE article's ``x + sg[fn(x) - x]`` (``sg`` = stop gradient):
forward returns ``fn(x)`` exactly, backward passes the cotangent through unchanged. The
VQ bottleneck's ``vq_st`` (:mod:`reference.vq.quantise`) is this with fn = nearest code.
"""
from __future__ import annotations

import numpy as np

from ..core.validate import float_array


def straight_through_forward(x, fn):
    """Value ``fn(x)``, gradient of the identity: the article's ``x + sg[fn(x) - x]``.

    Parameters
    ----------
    x : ndarray, float32 or float64
    fn : callable returning an array of x's shape

    Returns
    -------
    y : fn(x) exactly (x's dtype)
    cache : x's shape and dtype
    """
    x = float_array("x", x)
    y = np.asarray(fn(x))
    if y.shape != x.shape:
        raise ValueError(f"fn: expected fn(x) to keep x's shape {x.shape}, got {y.shape}")
    return y.astype(x.dtype, copy=False), (x.shape, x.dtype)


def straight_through_backward(dy, cache):
    """dL/dx = dy, exactly (a copy)."""
    shape, dtype = cache
    dy = float_array("dy", dy, dtype=dtype)
    if dy.shape != shape:
        raise ValueError(f"dy: expected shape {shape}, got {dy.shape}")
    return dy.copy()
