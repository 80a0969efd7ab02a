"""The VQ-VAE codebook and commitment losses (kexue.fm/archives/6760, last loss equation).

Spec form: :mod:`reference.vq.spec`, the same equations in plain NumPy, line by line
(``refspace check --spec`` holds the two equal).

    L = beta * ||sg[z] - z_q||^2  +  gamma * ||z - sg[z_q]||^2

The first (codebook) term moves the codes toward the encoder outputs, the second
(commitment) term moves the encoder outputs toward their codes; the article (and paper)
take gamma = 0.25 beta, gamma < beta. The forward *value* is ``(beta + gamma) ||z - z_q||^2``;
the stop-gradients only decide where each term's gradient goes::

    dL/dz   = 2 gamma (z - z_q)                      (commitment only)
    dL/de_k = 2 beta  sum_{z -> k} (e_k - z)         (codebook only)

so with beta = gamma = 1 the two add up to the gradient of ||z - z_q||^2 (the article's
split identity). The assignment ``indices`` is an input held fixed (it is piecewise
constant in z and E); compute it with the codebook *before* any update.

Reductions: ``"mean"`` over all N*D elements (Sonnet's; the default) or ``"sum"`` over all
elements (the paper writes per-vector squared norms, summed).
"""
from __future__ import annotations

import numpy as np

from ..core.validate import float_array, scalar_gradient
from .assign import codebook_rows

REDUCTIONS = ("mean", "sum")


def _weight(name: str, value) -> float:
    value = float(value)
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name}: expected a finite non-negative weight, got {value}")
    return value


def check_indices(indices, shape: tuple, K: int) -> np.ndarray:
    """Validate code indices: integer array of ``shape`` with values in [0, K)."""
    idx = np.asarray(indices)
    if not np.issubdtype(idx.dtype, np.integer):
        raise TypeError(f"indices: expected integer code indices, got dtype {idx.dtype}")
    if idx.shape != shape:
        raise ValueError(f"indices: expected shape {shape} (z without its last axis), got {idx.shape}")
    if idx.size and (idx.min() < 0 or idx.max() >= K):
        raise ValueError(f"indices: expected values in [0, {K - 1}], got range [{idx.min()}, {idx.max()}]")
    return idx


def vq_loss_forward(z, codebook, indices, *, beta: float = 1.0, gamma: float = 0.25, reduction: str = "mean",
                    layout: str = "KD"):
    """beta * ||sg[z] - z_q||^2 + gamma * ||z - sg[z_q]||^2 with z_q = codebook[indices].

    Parameters
    ----------
    z : (..., D) float32 or float64
    codebook : (K, D) ("KD") or (D, K) ("DK"), z's dtype
    indices : int (...), the assignment (held fixed)
    beta, gamma : codebook and commitment weights (default 1 and 0.25)
    reduction : "mean" (over N*D elements, default) or "sum"

    Returns
    -------
    loss : 0-d array of z's dtype
    cache : for :func:`vq_loss_backward`

    Example
    -------
    >>> z = np.array([[1.0, 1.0]]); E = np.array([[0.0, 0.0]])
    >>> loss, cache = vq_loss_forward(z, E, np.array([0]), reduction="sum")
    >>> float(loss)                       # (1 + 0.25) * ||z - e||^2
    2.5
    >>> dz, dE, _ = vq_loss_backward(np.array(1.0), cache)
    >>> dz, dE                            # 2 gamma (z - z_q) and 2 beta (z_q - z)
    (array([[0.5, 0.5]]), array([[-2., -2.]]))
    """
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction: expected one of {REDUCTIONS}, got {reduction!r}")
    z = float_array("z", z)
    if z.ndim == 0:
        raise ValueError("z: expected an array (..., D), got a 0-d array")
    E = codebook_rows(codebook, layout, z.shape[-1], dtype=z.dtype)
    idx = check_indices(indices, z.shape[:-1], E.shape[0]).reshape(-1)
    beta, gamma = _weight("beta", beta), _weight("gamma", gamma)
    Z = z.reshape(-1, z.shape[-1])
    diff = Z - E[idx]                                          # z - z_q
    scale = 1.0 / diff.size if (reduction == "mean" and diff.size) else 1.0
    loss = np.asarray((beta + gamma) * scale * np.sum(diff * diff), dtype=z.dtype)
    return loss, (z.shape, np.shape(codebook), layout, idx, diff, beta, gamma, scale)


def vq_loss_backward(dloss, cache):
    """Returns (dz (..., D), dcodebook in the codebook's layout, None for indices)."""
    z_shape, e_shape, layout, idx, diff, beta, gamma, scale = cache
    g = scalar_gradient("dloss", dloss)
    dz = (2 * gamma * scale * g) * diff                        # commitment term -> encoder
    K = e_shape[0] if layout == "KD" else e_shape[1]
    dE = np.zeros((K, diff.shape[1]), dtype=diff.dtype)
    np.add.at(dE, idx, (-2 * beta * scale * g) * diff)         # codebook term -> codes
    return dz.reshape(z_shape).astype(diff.dtype, copy=False), (dE if layout == "KD" else dE.T.copy()), None
