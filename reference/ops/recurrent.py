"""Argument checks of the recurrent layers (LSTM, ON-LSTM, the aligned BiRNN): a sequence
``x`` (T, B, I) with its parameters, and (B, H) states. Errors name the argument, as every
check of :mod:`reference.core.validate` does, e.g.::

    ValueError: h0: expected shape (B=2, H=5), got (3, 5)
"""
from __future__ import annotations

import numpy as np

from ..core.validate import check_shape, float_array, instance


def state_array(name: str, value, B: int, H: int, dtype) -> np.ndarray:
    """A (B, H) recurrent state or state gradient of ``dtype``; ``None`` means zeros."""
    if value is None:
        return np.zeros((B, H), dtype=dtype)
    value = float_array(name, value, ndim=2, dtype=dtype)
    check_shape(name, value, [("B", B), ("H", H)])
    return value


def sequence_inputs(x, params, h0, c0, cls):
    """Validate a recurrent layer's ``x`` (T, B, I), params (a ``cls`` with ``validated(dtype)``,
    ``input_size`` and ``hidden_size``) and initial states; returns ``(x, params, h0, c0)``."""
    x = float_array("x", x, ndim=3)
    p = instance("params", params, cls).validated(x.dtype)
    T, B, _ = x.shape
    check_shape("x", x, [("T", None), ("B", None), ("I", p.input_size)])
    if T == 0 or B == 0:
        raise ValueError(f"x: expected T >= 1 and B >= 1, got shape {x.shape}")
    H = p.hidden_size
    return x, p, state_array("h0", h0, B, H, x.dtype), state_array("c0", c0, B, H, x.dtype)
