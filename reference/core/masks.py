"""Padding masks: prefix masks from lengths and back, validated (kexue.fm/archives/6810 reuses these).

A padded batch of sequences carries a (B, T) **prefix mask**: row b is ``lengths[b]`` ones
then zeros. Masks are built from lengths (never from ``x == 0``: a real input can be zero)
and checked to be prefixes; a row with a hole is an error naming the row.

>>> m = mask_from_lengths([2, 0, 3], 3)
>>> m
array([[1., 1., 0.],
       [0., 0., 0.],
       [1., 1., 1.]])
>>> lengths_from_mask(m)
array([2, 0, 3])
"""
from __future__ import annotations

import numpy as np


def mask_from_lengths(lengths, max_len: int, dtype=np.float64) -> np.ndarray:
    """The (B, T) prefix mask: ``mask[b, t] = 1`` for ``t < lengths[b]`` else 0 (``max_len`` an
    integer >= 0)."""
    if isinstance(max_len, bool) or not isinstance(max_len, (int, np.integer)) or max_len < 0:
        raise TypeError(f"max_len: expected an integer >= 0, got {type(max_len).__name__} {max_len!r}")
    lengths = np.asarray(lengths)
    if lengths.ndim != 1 or not np.issubdtype(lengths.dtype, np.integer):
        raise TypeError(f"lengths: expected a 1-d array of integer lengths, got {lengths.dtype} {lengths.shape}")
    if lengths.size and (lengths.min() < 0 or lengths.max() > max_len):
        raise ValueError(f"lengths: expected values in [0, {max_len}], got range [{lengths.min()}, {lengths.max()}]")
    return (np.arange(max_len)[None, :] < lengths[:, None]).astype(dtype)


def prefix_mask(name: str, mask, B: int, T: int) -> np.ndarray:
    """``mask`` checked to be a (B, T) 0/1 prefix mask; returned as bool."""
    m = np.asarray(mask)
    if m.shape != (B, T):
        raise ValueError(f"{name}: expected shape (B={B}, T={T}), got {m.shape}")
    if m.dtype != bool:
        if m.dtype.kind not in "iuf" or not np.isin(m, (0, 1)).all():
            raise ValueError(f"{name}: expected 0/1 (or boolean) entries")
        m = m.astype(bool)
    holes = (m[:, 1:] & ~m[:, :-1]).any(axis=1)
    if holes.any():
        row = int(np.argmax(holes))
        raise ValueError(f"{name}: expected prefix rows (ones then zeros), row {row} has a 1 after a 0")
    return m


def lengths_from_mask(mask) -> np.ndarray:
    """Row lengths (B,) int64 of a prefix mask (checked)."""
    m = np.asarray(mask)
    if m.ndim != 2:
        raise ValueError(f"mask: expected a (B, T) array, got shape {m.shape}")
    return prefix_mask("mask", m, *m.shape).sum(axis=1).astype(np.int64)
