"""The rotation trick (Fifty et al. 2024; kexue.fm/archives/10489): a designed gradient for VQ.

Spec form: :mod:`reference.vq.spec`, the same equations in plain NumPy, line by line
(``refspace check --spec`` holds the two equal).

Instead of copying the decoder gradient to z (straight-through), feed the decoder
``z~ = sg[lambda R] z``, where R is the rotation taking the direction of z to that of z_q and
lambda = ||z_q|| / ||z|| rescales, both held constant. Its value is exactly z_q; the
gradient reaching z is ``lambda R^T g``. With unit vectors e = z/||z||, q = z_q/||z_q|| and
r = (e + q) / ||e + q|| (a Householder-style construction)::

    R       = I - 2 r r^T + 2 q e^T          (R e = q, R orthogonal)
    R^T g   = g - 2 r (r.g) + 2 e (q.g)

Degenerate rows: where the code is exactly zero (z_q = 0, z != 0), lambda = 0 and the gradient
is exactly zero, whatever R; where z = 0 (lambda undefined) or z_q points exactly opposite to z
(R not unique) the gradient falls back to straight-through (identity). The codebook gets no
gradient through this path (it learns through the losses or EMA).
"""
from __future__ import annotations

import numpy as np

from ..core.validate import float_array, real_array


def _unit(a):
    n = np.linalg.norm(a, axis=-1, keepdims=True)
    return np.divide(a, n, out=np.zeros_like(a), where=n > 0), n


def rotation_trick_forward(z, z_q):
    """Value z_q (exactly), with the rotation-trick gradient.

    Parameters
    ----------
    z : (..., D) encoder outputs; z_q : (..., D) their quantised values (same dtype)

    Returns
    -------
    y : a copy of z_q
    cache : for :func:`rotation_trick_backward`
    """
    z = float_array("z", z)
    z_q = float_array("z_q", z_q, dtype=z.dtype)
    if z_q.shape != z.shape or z.ndim == 0:
        raise ValueError(f"z_q: expected the shape of z {z.shape} (at least 1-d), got {z_q.shape}")
    e, nz = _unit(z)
    q, nq = _unit(z_q)
    r, nr = _unit(e + q)
    tiny = np.sqrt(np.finfo(z.dtype).eps)
    ok = (nz[..., 0] > 0) & (nq[..., 0] > 0) & (nr[..., 0] > tiny)
    lam = np.divide(nq, nz, out=np.ones_like(nq), where=nz > 0)
    zero_code = (nq[..., 0] == 0) & (nz[..., 0] > 0)              # lambda = 0: no gradient at all
    return z_q.copy(), (e, q, r, lam, ok, zero_code)


def rotation_trick_backward(dy, cache):
    """Returns (dz = lambda R^T dy per row (zero where the code is zero, identity on the other
    degenerate rows), dz_q = zeros)."""
    e, q, r, lam, ok, zero_code = cache
    dy = float_array("dy", dy, dtype=e.dtype)
    if dy.shape != e.shape:
        raise ValueError(f"dy: expected shape {e.shape}, got {dy.shape}")
    dot = lambda a, b: np.sum(a * b, axis=-1, keepdims=True)
    rotated = lam * (dy - 2 * r * dot(r, dy) + 2 * e * dot(q, dy))
    dz = np.where(ok[..., None], rotated, np.where(zero_code[..., None], 0, dy))
    return dz, np.zeros_like(dy)


def rotation_matrix(z, z_q) -> np.ndarray:
    """The dense (D, D) matrix lambda R for one pair of vectors (for tests and reading)."""
    z, z_q = real_array("z", z), real_array("z_q", z_q)
    e, q = z / np.linalg.norm(z), z_q / np.linalg.norm(z_q)
    r = (e + q) / np.linalg.norm(e + q)
    R = np.eye(z.size) - 2 * np.outer(r, r) + 2 * np.outer(q, e)
    return np.linalg.norm(z_q) / np.linalg.norm(z) * R
