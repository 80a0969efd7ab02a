"""Quantise forward and the straight-through estimator (kexue.fm/archives/6760).

Spec form: :mod:`reference.vq.spec`, the same equations in plain NumPy, line by line
(``refspace check --spec`` holds the two equal).

Forward: z -> z_q = e_k with k = argmin_j ||z - e_j||^2 (see :mod:`reference.vq.assign`).

Straight-through (the article's "designing your own gradients"): the decoder is fed
``z + sg[z_q - z]``, whose value is z_q and whose gradient with respect to z is the
identity and with respect to the codebook zero. This reference returns z_q *exactly* as the
value (frameworks that literally compute ``z + (z_q - z)`` differ from z_q by rounding).
The same trick gives any function ``f`` the identity gradient: ``x + sg[f(x) - x]``
(:func:`reference.vq.straight_through.straight_through_forward`), e.g. a relu whose gradient is always 1.
A finite-difference check cannot confirm such *designed* gradients (the forward is
piecewise constant); the tests check "backward(g) == g" exactly.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from ..core.validate import float_array
from .assign import codebook_rows, nearest_codes
from .straight_through import straight_through_backward, straight_through_forward  # noqa: F401  (moved; old path kept)


@dataclasses.dataclass(frozen=True)
class Quantised:
    """Result of :func:`quantise`.

    Attributes
    ----------
    z_q : (..., D) the nearest codes, z's dtype
    indices : int64 (...) code index per vector (shape of z without its last axis)
    counts : int64 (K,) how many vectors chose each code in this batch
    perplexity : exp(-sum_k p_k log p_k), p = counts / N; 1 (one code used) .. K (uniform)
    usage : fraction of the K codes used at least once in this batch
    encodings : (N, K) one-hot rows, or None unless asked
    distances : (N, K) squared distances ||z - e_k||^2 (float64), or None unless asked
    """

    z_q: np.ndarray
    indices: np.ndarray
    counts: np.ndarray
    perplexity: float
    usage: float
    encodings: np.ndarray | None = None
    distances: np.ndarray | None = None


def code_statistics(indices, K: int) -> tuple[np.ndarray, float, float]:
    """(counts (K,), perplexity, usage) of a batch of code indices."""
    flat = np.asarray(indices).reshape(-1)
    counts = np.bincount(flat, minlength=K)
    if flat.size == 0:
        return counts, 0.0, 0.0
    p = counts[counts > 0] / flat.size
    return counts, float(np.exp(-np.sum(p * np.log(p)))), float(np.count_nonzero(counts) / K)


def quantise(z, codebook, *, layout: str = "KD", return_encodings: bool = False, return_distances: bool = False,
             max_chunk_bytes: int | None = None) -> Quantised:
    """Nearest-code quantisation of ``z`` (..., D) with a (K, D) or (D, K) codebook.

    ``return_encodings`` / ``return_distances`` build (N, K) arrays: memory N*K, asked for
    explicitly. Distances are computed in float64 from centred values.

    Example
    -------
    >>> E = np.array([[0.0, 0.0], [2.0, 0.0]])
    >>> q = quantise(np.array([[[0.1, 0.2], [1.9, 0.0], [3.0, 1.0]]]), E)
    >>> q.indices, q.z_q[0, 2], q.counts, round(q.perplexity, 4)
    (array([[0, 1, 1]]), array([2., 0.]), array([1, 2]), 1.8899)
    """
    indices = nearest_codes(z, codebook, layout=layout, max_chunk_bytes=max_chunk_bytes)
    z = np.asarray(z)
    E = codebook_rows(codebook, layout, z.shape[-1], dtype=z.dtype)
    K = E.shape[0]
    counts, perplexity, usage = code_statistics(indices, K)
    flat = indices.reshape(-1)
    encodings = distances = None
    if return_encodings:
        encodings = np.zeros((flat.size, K), dtype=z.dtype)
        encodings[np.arange(flat.size), flat] = 1
    if return_distances:
        mu = E.mean(axis=0, dtype=np.float64)
        Zc = z.reshape(-1, z.shape[-1]).astype(np.float64) - mu
        Ec = E.astype(np.float64) - mu
        distances = np.maximum((Zc * Zc).sum(1)[:, None] - 2 * Zc @ Ec.T + (Ec * Ec).sum(1)[None, :], 0.0)
    return Quantised(E[indices], indices, counts, perplexity, usage, encodings, distances)


def vq_st_forward(z, codebook, *, layout: str = "KD"):
    """VQ with the straight-through estimator: value z_q, gradient identity to z, zero to E.

    Returns
    -------
    z_q : (..., D)
    cache : (Quantised, codebook shape, layout); ``cache[0].indices`` are the codes chosen
    """
    q = quantise(z, codebook, layout=layout)
    return q.z_q, (q, np.shape(codebook), layout)


def vq_st_backward(dz_q, cache):
    """(dz, dcodebook) = (dz_q exactly, zeros): the straight-through path gives the codebook
    no gradient; it learns through :func:`reference.vq.losses.vq_loss_forward` or EMA."""
    q, shape, _ = cache
    dz_q = float_array("dz_q", dz_q, dtype=q.z_q.dtype)
    if dz_q.shape != q.z_q.shape:
        raise ValueError(f"dz_q: expected shape {q.z_q.shape}, got {dz_q.shape}")
    return dz_q.copy(), np.zeros(shape, dtype=q.z_q.dtype)
