"""Masks from ids or lengths, batch- or time-major (kexue.fm/archives/6810).

A mask marks the real positions of a padded batch: 1 (or True) where a token is, 0 on
padding. It is built from the token ids (``ids != pad_id``) or from the lengths, **never from
the values** (``x == 0``): in the article's example ``x = [1, 0, 3, 4, 5, 0, 0, 0]`` the second
0 is real. Masks of right-padded batches are prefix masks; :func:`lengths_from_mask` refuses a
row with a hole, naming it.

``time_major=False`` (default): masks are (B, T); ``True``: (T, B), as the RNN layers take x.

>>> mask_from_ids(np.array([[5, 1, 3, 0, 0]]))                  # pad id 0; UNK 1 is a token
array([[1., 1., 1., 0., 0.]])
>>> sequence_mask([2, 0], 3, time_major=True)
array([[1., 0.],
       [1., 0.],
       [0., 0.]])
>>> lengths_from_mask(sequence_mask([2, 0], 3, time_major=True), time_major=True)
array([2, 0])
"""
from __future__ import annotations

import numpy as np

from ..core.masks import lengths_from_mask as _lengths_bt
from ..core.masks import mask_from_lengths


def mask_from_ids(ids, pad_id: int = 0, dtype=np.float64) -> np.ndarray:
    """1 where ``ids != pad_id``, in the ids' layout. Does not check that it is a prefix mask
    (left padding is allowed here; :func:`lengths_from_mask` checks)."""
    ids = np.asarray(ids)
    if not np.issubdtype(ids.dtype, np.integer):
        raise TypeError(f"ids: expected integer token ids, got dtype {ids.dtype} (a mask never comes from values)")
    return (ids != pad_id).astype(dtype)


def sequence_mask(lengths, max_len: int, *, time_major: bool = False, dtype=np.float64) -> np.ndarray:
    """The prefix mask of ``lengths`` (each in [0, max_len]): (B, T), or (T, B) when time-major."""
    m = mask_from_lengths(lengths, max_len, dtype=dtype)
    return np.ascontiguousarray(m.T) if time_major else m


def lengths_from_mask(mask, *, time_major: bool = False) -> np.ndarray:
    """Row lengths (B,) int64 of a prefix mask; a row with a hole is a ValueError naming the row."""
    m = np.asarray(mask)
    if m.ndim != 2:
        raise ValueError(f"mask: expected a 2-d mask ({'(T, B)' if time_major else '(B, T)'}), got shape {m.shape}")
    return _lengths_bt(m.T if time_major else m)
