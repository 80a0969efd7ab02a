"""Mean squared error, ``L = mean((pred - target)^2)`` over all elements, as an op pair.

Example
-------
>>> loss, cache = mse_forward(np.array([1.0, 3.0]), np.array([0.0, 0.0]))
>>> float(loss), mse_backward(np.array(1.0), cache)[0]
(5.0, array([1., 3.]))
"""
from __future__ import annotations

import numpy as np

from ..core.validate import float_array, scalar_gradient


def mse_forward(pred, target):
    """pred, target : same shape and dtype. Returns (0-d loss of that dtype, cache)."""
    pred = float_array("pred", pred)
    target = float_array("target", target, dtype=pred.dtype)
    if target.shape != pred.shape:
        raise ValueError(f"target: expected the shape of pred {pred.shape}, got {target.shape}")
    if pred.size == 0:
        raise ValueError("pred: expected at least one element, got an empty array")
    diff = pred - target
    return np.asarray(np.mean(diff * diff), dtype=pred.dtype), diff


def mse_backward(dloss, cache):
    """(dpred, dtarget) = (+-2 (pred - target) / n) * dloss."""
    diff = cache
    g = (2.0 * scalar_gradient("dloss", dloss) / diff.size) * diff
    return g, -g
