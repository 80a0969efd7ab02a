"""The GAN's logistic loss and the Fréchet distance between two feature clouds.

``logistic_loss_forward(logits, targets)`` is the binary cross-entropy on logits averaged over
the entries, ``mean(softplus(l) - t l)``, computed as ``logaddexp(0, l) - t l`` so it never
overflows. With targets 1 on real and 0 on fake samples it is the discriminator's loss; the
generator's non-saturating loss is the same function of D(G(z)) with targets 1
(``-log sigmoid(D(G(z)))``, the standard GAN's practical form). Backward:
``(sigmoid(l) - t) / n``.

``frechet_distance(a, b)``: ``|mu_a - mu_b|^2 + tr(S_a) + tr(S_b) - 2 tr((S_a S_b)^(1/2))``
between Gaussians fitted to two sets of feature rows (FID when the features are an Inception
network's; here any classifier's). The trace of the square root is taken from the eigenvalues
of ``S_a^(1/2) S_b S_a^(1/2)``, symmetric positive semi-definite, so no complex round-off.

>>> loss, cache = logistic_loss_forward(np.array([[0.0], [0.0]]), np.array([[1.0], [0.0]]))
>>> round(float(loss), 6), logistic_loss_backward(1.0, cache).ravel().tolist()
(0.693147, [-0.25, 0.25])
>>> round(frechet_distance(np.array([[0.0], [2.0]]), np.array([[3.0], [5.0]])), 9)  # means 1 and 4, equal spreads
9.0
"""
from __future__ import annotations

import numpy as np

from ..core.validate import float_array, scalar_gradient


def logistic_loss_forward(logits, targets):
    """(0-d mean loss, cache); ``targets`` in [0, 1], broadcastable to ``logits`` (a constant)."""
    logits = float_array("logits", logits)
    t = np.asarray(targets)
    if t.dtype.kind not in "biuf":
        raise TypeError(f"targets: expected real numbers in [0, 1], got dtype {t.dtype}")
    t = t.astype(logits.dtype)
    if not np.all(np.isfinite(t)):
        raise ValueError("targets: expected values in [0, 1], got NaN")
    try:
        t = np.broadcast_to(t, logits.shape)
    except ValueError:
        raise ValueError(f"targets: shape {t.shape} does not broadcast to logits' {logits.shape}") from None
    if np.any((t < 0) | (t > 1)):
        raise ValueError("targets: expected values in [0, 1]")
    if logits.size == 0:
        raise ValueError("logits: expected at least one entry")
    loss = np.asarray((np.logaddexp(0, logits) - t * logits).mean(), dtype=logits.dtype)
    return loss, (logits, t)


def logistic_loss_backward(dloss, cache):
    """dlogits (the targets are constants)."""
    logits, t = cache
    sig = np.exp(-np.logaddexp(0, -logits))           # sigmoid without overflow
    return (sig - t) * (scalar_gradient("dloss", dloss) / logits.size)


def gaussian_stats(features) -> tuple[np.ndarray, np.ndarray]:
    """(mean, covariance with n - 1) of feature rows (n, d), n >= 2."""
    f = float_array("features", features, ndim=2)
    if len(f) < 2:
        raise ValueError(f"features: expected at least 2 rows for a covariance, got {len(f)}")
    return f.mean(axis=0), np.cov(f, rowvar=False).reshape(f.shape[1], f.shape[1])


def frechet_from_stats(mu_a, cov_a, mu_b, cov_b) -> float:
    """The Fréchet distance of N(mu_a, cov_a) and N(mu_b, cov_b)."""
    w, V = np.linalg.eigh(cov_a)
    root_a = (V * np.sqrt(np.clip(w, 0, None))) @ V.T
    m = root_a @ cov_b @ root_a
    trace_root = float(np.sqrt(np.clip(np.linalg.eigvalsh((m + m.T) / 2), 0, None)).sum())
    d = np.asarray(mu_a) - np.asarray(mu_b)
    return float(d @ d + np.trace(cov_a) + np.trace(cov_b) - 2 * trace_root)


def frechet_distance(a, b) -> float:
    """The Fréchet distance between Gaussians fitted to feature rows ``a`` and ``b`` (same width)."""
    (ma, ca), (mb, cb) = gaussian_stats(a), gaussian_stats(b)
    if ma.shape != mb.shape:
        raise ValueError(f"a, b: expected the same feature width, got {ma.shape[0]} and {mb.shape[0]}")
    return frechet_from_stats(ma, ca, mb, cb)
