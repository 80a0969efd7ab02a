"""Embedding lookup ``x[...] = E[ids[...]]`` and its backward (a scatter-add into E).

Example
-------
>>> E = np.arange(6.0).reshape(3, 2)
>>> x, cache = embedding_forward(np.array([[2, 0]]), E)
>>> x
array([[[4., 5.],
        [0., 1.]]])
>>> embedding_backward(np.ones_like(x), cache)[1]      # row 1 unused
array([[1., 1.],
       [0., 0.],
       [1., 1.]])
"""
from __future__ import annotations

import numpy as np

from ..core.validate import float_array


def check_ids(name: str, ids, V: int) -> np.ndarray:
    ids = np.asarray(ids)
    if not np.issubdtype(ids.dtype, np.integer):
        raise TypeError(f"{name}: expected integer token ids, got dtype {ids.dtype}")
    if ids.size and (ids.min() < 0 or ids.max() >= V):
        raise ValueError(f"{name}: expected ids in [0, {V - 1}], got range [{ids.min()}, {ids.max()}]")
    return ids


def embedding_forward(ids, E):
    """ids : int (...); E : (V, D) float. Returns (x (..., D) of E's dtype, cache)."""
    E = float_array("E", E, ndim=2)
    ids = check_ids("ids", ids, E.shape[0])
    return E[ids], (ids, E.shape, E.dtype)


def embedding_backward(dx, cache):
    """Returns (None for ids, dE (V, D)): rows of dx summed into the rows they were read from."""
    ids, shape, dtype = cache
    dx = float_array("dx", dx, dtype=dtype)
    if dx.shape != ids.shape + (shape[1],):
        raise ValueError(f"dx: expected shape {ids.shape + (shape[1],)}, got {dx.shape}")
    dE = np.zeros(shape, dtype=dtype)
    np.add.at(dE, ids.reshape(-1), dx.reshape(-1, shape[1]))
    return None, dE
