"""Exponential-moving-average codebook updates (van den Oord et al. 2017, appendix A.1).

The article mentions EMA as the alternative to the codebook loss. For a batch with
``n_k`` vectors assigned to code k and their sum ``s_k``::

    N_k <- decay N_k + (1 - decay) n_k
    m_k <- decay m_k + (1 - decay) s_k
    (bias correction, convention "bias_corrected" only:  N_k, m_k divided by 1 - decay^t)
    N~_k = (N_k + eps) / (n + K eps) * n,  n = sum_k N_k        (Laplace smoothing)
    e_k  = m_k / N~_k

Two conventions are found in the wild, named here:

``"bias_corrected"`` (DeepMind Sonnet ``VectorQuantizerEMA``; paper decay 0.99, eps 1e-5)
    statistics start at zero and are bias-corrected. After the first step a used code equals
    its batch mean (exactly with eps = 0, within O(eps) otherwise) and an unused code is the
    zero vector.
``"ones"`` (the ``vector-quantize-pytorch`` package; decay 0.8 there)
    counts start at one and sums at the initial codebook, no bias correction, so unused
    codes keep (a slowly shrinking copy of) their initial value.

Mixing the two, zero counts with sums at the initial codebook and no correction, is a
known bug: an unused code becomes ``decay * e / eps``, about 1e5 times too large, and stays
dead. :func:`ema_init` cannot produce that state; the tests build it by hand to show it.

The lookup and losses of a training step use the codebook *before* the update
(:func:`vq_ema_step` keeps that order).
"""
from __future__ import annotations

import dataclasses

import numpy as np

from ..core.validate import check_finite, float_array, generator, instance
from .assign import codebook_rows
from .losses import check_indices
from .quantise import Quantised, quantise

CONVENTIONS = ("bias_corrected", "ones")


@dataclasses.dataclass(frozen=True)
class EMAState:
    """EMA statistics: counts (K,), sums (K, D) (codes as rows), steps taken, convention."""

    counts: np.ndarray
    sums: np.ndarray
    steps: int
    convention: str


def ema_init(codebook, *, convention: str = "bias_corrected", layout: str = "KD") -> EMAState:
    """Initial statistics for ``codebook`` under ``convention`` (see the module docstring)."""
    if convention not in CONVENTIONS:
        raise ValueError(f"convention: expected one of {CONVENTIONS}, got {convention!r}")
    E = codebook_rows(codebook, layout)
    if convention == "bias_corrected":
        return EMAState(np.zeros(E.shape[0], dtype=E.dtype), np.zeros_like(E), 0, convention)
    return EMAState(np.ones(E.shape[0], dtype=E.dtype), E.copy(), 0, convention)


def _check_rate(name, value, low, high):
    value = float(value)
    if not low <= value < high:
        raise ValueError(f"{name}: expected a value in [{low}, {high}), got {value}")
    return value


def code_sums(Z: np.ndarray, idx: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """s_k = sum of the rows of Z (N, D) assigned to code k, (K, D) with K = len(counts).

    The rows are ordered by code with a stable counting sort (radix for int16 codes) and each
    code's rows are summed in their original order by a sparse product with unit weights:
    the same additions in the same order as ``np.add.at(s, idx, Z)`` (so the same bits) and
    as ``torch.Tensor.index_add_`` on the CPU, 5-10x faster than ``np.add.at``.
    """
    import scipy.sparse

    if not all(isinstance(a, np.ndarray) for a in (Z, idx, counts)) or Z.ndim != 2 or idx.shape != Z.shape[:1]:
        raise TypeError("Z, idx, counts: expected arrays Z (N, D), idx (N,) and counts (K,)")
    K, N = counts.shape[0], Z.shape[0]
    keys = idx.astype(np.int16) if K <= np.iinfo(np.int16).max else idx
    order = np.argsort(keys, kind="stable")
    indptr = np.zeros(K + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    by_code = scipy.sparse.csr_matrix((np.ones(N, dtype=Z.dtype), order, indptr), shape=(K, N))
    return np.asarray(by_code @ Z, dtype=Z.dtype)


def ema_update(codebook, state: EMAState, z, indices, *, decay: float = 0.99, eps: float = 1e-5,
               layout: str = "KD"):
    """One EMA step. Returns ``(new_codebook in the given layout, new_state)``.

    Parameters
    ----------
    codebook : (K, D) or (D, K); only its shape and dtype are used (the codes are m / N~)
    state : EMAState from :func:`ema_init` or a previous update
    z : (..., D) the batch; indices : int (...) its assignment under the *old* codebook
    decay : in [0, 1); eps : Laplace smoothing, >= 0 (with eps = 0 a code whose smoothed
        count is 0, never used so far, is set to the zero vector: 0 / 0 is taken as 0)
    """
    instance("state", state, EMAState)
    z = float_array("z", z)
    E = codebook_rows(codebook, layout, z.shape[-1] if z.ndim else None, dtype=z.dtype)
    K, D = E.shape
    check_finite("z", z)
    idx = check_indices(indices, z.shape[:-1], K).reshape(-1)
    decay = _check_rate("decay", decay, 0.0, 1.0)
    eps = float(eps)
    if not (np.isfinite(eps) and eps >= 0):
        raise ValueError(f"eps: expected a finite value >= 0, got {eps}")
    counts_, sums_ = float_array("state.counts", state.counts), float_array("state.sums", state.sums)
    if counts_.shape != (K,) or sums_.shape != (K, D):
        raise ValueError(f"state: expected counts ({K},) and sums ({K}, {D}), got {counts_.shape} "
                         f"and {sums_.shape}")
    check_finite("state.counts", counts_)
    check_finite("state.sums", sums_)
    Z = z.reshape(-1, D)
    n_k = np.bincount(idx, minlength=K)
    s_k = code_sums(Z, idx, n_k)
    n_k = n_k.astype(z.dtype)
    counts = decay * state.counts + (1 - decay) * n_k
    sums = decay * state.sums + (1 - decay) * s_k
    steps = state.steps + 1
    N_hat, m_hat = counts, sums
    if state.convention == "bias_corrected":
        correction = 1 - decay ** steps
        N_hat, m_hat = counts / correction, sums / correction
    n = N_hat.sum()
    smoothed = (N_hat + eps) / (n + K * eps) * n
    with np.errstate(divide="ignore", invalid="ignore"):
        new = np.where(smoothed[:, None] > 0, m_hat / smoothed[:, None], 0).astype(z.dtype)
    new_state = EMAState(counts.astype(z.dtype), sums.astype(z.dtype), steps, state.convention)
    return (new if layout == "KD" else new.T.copy()), new_state


def vq_ema_step(z, codebook, state: EMAState, *, decay: float = 0.99, eps: float = 1e-5, layout: str = "KD"):
    """Quantise with the current codebook, *then* update it by EMA.

    Returns ``(Quantised under the old codebook, new_codebook, new_state)``.
    """
    q: Quantised = quantise(z, codebook, layout=layout)
    new_codebook, new_state = ema_update(codebook, state, z, q.indices, decay=decay, eps=eps, layout=layout)
    return q, new_codebook, new_state


def restart_dead_codes(codebook, state: EMAState, z, rng: np.random.Generator, *, threshold: float = 1e-3,
                       layout: str = "KD"):
    """Replace codes whose stored EMA count is below ``threshold`` by vectors drawn from the batch.

    The threshold is compared with ``state.counts`` as stored (before any bias correction).

    Draws without replacement when the batch is large enough (with replacement otherwise)
    using the explicit generator ``rng``. A restarted code's statistics are reset so that it
    stays at its new value: count = threshold (bias-corrected scale), sum = code * count.
    Returns ``(new_codebook, new_state, restarted_indices)``.
    """
    instance("state", state, EMAState)
    rng = generator("rng", rng)
    z = float_array("z", z)
    E = codebook_rows(codebook, layout, z.shape[-1] if z.ndim else None, dtype=z.dtype).copy()
    Z = z.reshape(-1, E.shape[1])
    if Z.shape[0] == 0:
        raise ValueError("z: expected at least one vector to restart codes from, got none")
    dead = np.flatnonzero(state.counts < threshold)
    new_counts, new_sums = state.counts.copy(), state.sums.copy()
    if dead.size:
        picks = rng.choice(Z.shape[0], size=dead.size, replace=dead.size > Z.shape[0])
        E[dead] = Z[picks]
        new_counts[dead] = threshold
        new_sums[dead] = E[dead] * threshold
    new_state = EMAState(new_counts, new_sums, state.steps, state.convention)
    return (E if layout == "KD" else E.T.copy()), new_state, dead
