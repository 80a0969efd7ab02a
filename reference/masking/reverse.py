"""``reverse_sequence``: reverse each row's valid prefix, leave its padding where it is.

Spec form: :mod:`reference.masking.spec`, the same equations in plain NumPy, line by line
(``refspace check --spec`` holds the two equal).

``reverse_sequence(x, lengths)[b, t] = x[b, L_b - 1 - t]`` for ``t < L_b``, else ``x[b, t]``
(``tf.reverse_sequence``, ONNX ReverseSequence; PyTorch has none). It is a permutation of
each row that is its own inverse, so its adjoint is itself: the backward pass is the same
reversal of the cotangent. ``L_b = 0`` leaves the row as it is; ``L_b = T`` is ``np.flip``.

``time_axis`` and ``batch_axis`` say where T and B are (batch-major (B, T, ...) by default;
``time_axis=0, batch_axis=1`` for time-major (T, B, ...)).

>>> reverse_sequence(np.array([[1, 2, 3, 0, 0], [4, 5, 6, 7, 8]]), [3, 5])
array([[3, 2, 1, 0, 0],
       [8, 7, 6, 5, 4]])
"""
from __future__ import annotations

import numpy as np

from ..core.validate import normalise_axis


def _order(lengths, T: int, B: int) -> np.ndarray:
    """(B, T) source index of each position."""
    L = np.asarray(lengths)
    if L.ndim != 1 or not np.issubdtype(L.dtype, np.integer):
        raise TypeError(f"lengths: expected a 1-d array of integer lengths, got {L.dtype} {L.shape}")
    if L.shape[0] != B:
        raise ValueError(f"lengths: expected {B} lengths (one per row), got {L.shape[0]}")
    if L.size and (L.min() < 0 or L.max() > T):
        bad = int(np.argmax((L < 0) | (L > T)))
        raise ValueError(f"lengths[{bad}]: expected a length in [0, {T}], got {int(L[bad])}")
    t = np.arange(T)[None, :]
    return np.where(t < L[:, None], L[:, None] - 1 - t, t)


def reverse_sequence(x, lengths, *, time_axis: int = 1, batch_axis: int = 0) -> np.ndarray:
    """Each row's first ``lengths[b]`` steps in reverse order, the rest unchanged. ``x`` holds
    real numbers (any real dtype: a reversal moves values, it computes none)."""
    x = np.asarray(x)
    if x.dtype.kind not in "biuf":
        raise TypeError(f"x: expected real numbers, got dtype {x.dtype}")
    if x.ndim < 2:
        raise ValueError(f"x: expected at least (batch, time) axes, got shape {x.shape}")
    ta, ba = normalise_axis("time_axis", time_axis, x.ndim), normalise_axis("batch_axis", batch_axis, x.ndim)
    if ta == ba:
        raise ValueError(f"time_axis: expected an axis other than batch_axis, got {time_axis} for both")
    moved = np.moveaxis(x, (ba, ta), (0, 1))                       # (B, T, ...)
    order = _order(lengths, moved.shape[1], moved.shape[0])
    idx = order.reshape(order.shape + (1,) * (moved.ndim - 2))
    out = np.take_along_axis(moved, np.broadcast_to(idx, moved.shape), axis=1)
    return np.ascontiguousarray(np.moveaxis(out, (0, 1), (ba, ta)))


def reverse_sequence_forward(x, lengths, *, time_axis: int = 1, batch_axis: int = 0):
    return reverse_sequence(x, lengths, time_axis=time_axis, batch_axis=batch_axis), (lengths, time_axis, batch_axis)


def reverse_sequence_backward(dy, cache):
    """The adjoint is the same reversal (a symmetric permutation)."""
    lengths, time_axis, batch_axis = cache
    return reverse_sequence(dy, lengths, time_axis=time_axis, batch_axis=batch_axis)
