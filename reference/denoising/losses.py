"""Denoising and score-matching losses, each a forward/backward pair with respect to the model's
output (kexue.fm/archives/7038). Rows are samples; ``noise = y - x`` is the Gaussian noise that
made the noisy input ``y`` from the clean ``x``; ``sigma`` is a scalar or one level per row.

Spec form: :mod:`reference.denoising.spec`, the same equations in plain NumPy, line by line
(``refspace check --spec`` holds the two equal).

``dae``  ``mean_n ||r_n - x_n||^2``: the denoising autoencoder; its minimiser is ``E[x | y]``.
``dsm``  ``mean_n 1/2 sigma_n^lambda ||s_n + noise_n / sigma_n^2||^2``: denoising score matching
         (Vincent 2011) with NCSN's weighting ``lambda(sigma) = sigma^power`` (power 2 makes
         every level's term O(1)); its minimiser is ``grad log p_sigma``.
``dsm_cv`` the same expectation with a control variate for small sigma: with ``z = noise /
         sigma`` and ``s_clean`` the model at the clean ``x``,
         ``1/2 sigma^lambda (||s||^2 + 2 (s - s_clean).z / sigma + d / sigma^2)``. The dropped
         terms ``2 s_clean.z / sigma`` and ``(||z||^2 - d) / sigma^2`` have mean 0 (z is
         independent of x), so value and gradient are unbiased, and the 1/sigma growth of the
         DSM term ``2 s.z / sigma`` cancels to first order (``s(x + sigma z) - s(x) = O(sigma)``).
``mdsm`` the multi-scale form of Annealed DSM (Li et al. 2019), energy convention p ∝ exp(-E):
         ``mean_n 1/sigma_n^2 ||grad_E_n - noise_n / sigma0^2||^2``, minimised by
         ``grad E = -(sigma^2 / sigma0^2) grad log p_sigma`` (sigma0 = 0.1 in the paper).
``esm``  explicit score matching ``mean_n 1/2 ||s_n - target_n||^2`` against a known score;
         DSM equals it plus a constant that does not depend on the model.

>>> s = np.array([[0.0]]); noise = np.array([[0.5]])
>>> float(dsm_loss_forward(s, noise=noise, sigma=0.5, power=2.0)[0])    # 1/2 * 0.25 * (0.5 / 0.25)^2
0.5
"""
from __future__ import annotations

import numpy as np

from ..core.validate import float_array, gradient, real_array, scalar_gradient


def _rows(name, a, like=None):
    a = float_array(name, a, ndim=2)
    if like is not None and a.shape != like.shape:
        raise ValueError(f"{name}: expected shape {like.shape}, got {a.shape}")
    return a


def _sigma(sigma, n, dtype):
    s = real_array("sigma", sigma, dtype)
    if s.ndim == 0:
        s = np.full(n, s)
    if s.shape != (n,):
        raise ValueError(f"sigma: expected a scalar or one level per row ({n},), got shape {s.shape}")
    if not np.all(s > 0):
        raise ValueError("sigma: expected noise levels > 0")
    return s


REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(reduction):
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction: expected one of {REDUCTIONS}, got {reduction!r}")
    return reduction


def _reduce(per, total, n, reduction, dtype):
    """The loss for ``reduction``: ``total / n`` ("mean", the batch mean), ``total`` ("sum"), or the
    per-sample losses ``per`` (N,) ("none", PyTorch's name); ``total`` is the sum computed as the
    mean has always been (so "mean" keeps its bits)."""
    if reduction == "none":
        return np.asarray(per, dtype=dtype)
    return np.asarray(total / n if reduction == "mean" else total, dtype=dtype)


def _weight(dloss, reduction, n):
    """The factor each row's gradient is scaled by: dloss / n, dloss, or dloss_n (as a column)."""
    if reduction == "none":
        return gradient("dloss", dloss, (n,))[:, None]
    g = scalar_gradient("dloss", dloss)
    return g / n if reduction == "mean" else g


def dae_loss_forward(r, *, x, reduction: str = "mean"):
    """``mean_n ||r_n - x_n||^2`` with the clean ``x`` a constant; (loss, cache). ``reduction``:
    "mean" (default), "sum", or "none" for the per-sample (N,) losses."""
    reduction = _check_reduction(reduction)
    r = _rows("r", r)
    d = r - _rows("x", x, r).astype(r.dtype)
    sq = d * d
    return _reduce(sq.sum(axis=1), sq.sum(), len(r), reduction, r.dtype), (d, reduction)


def dae_loss_backward(dloss, cache):
    """dr = 2 (r - x) / n (times dloss, per row for reduction "none")."""
    d, reduction = cache
    return 2.0 * d * _weight(dloss, reduction, len(d))


def dsm_loss_forward(s, *, noise, sigma, power: float = 2.0, reduction: str = "mean"):
    """``mean_n 1/2 sigma_n^power ||s_n + noise_n / sigma_n^2||^2``; (loss, cache); ``reduction`` as
    :func:`dae_loss_forward`."""
    reduction = _check_reduction(reduction)
    s = _rows("s", s)
    noise = _rows("noise", noise, s).astype(s.dtype)
    sig = _sigma(sigma, len(s), s.dtype)
    lam = sig ** float(power)
    res = s + noise / (sig ** 2)[:, None]
    weighted = lam * (res * res).sum(axis=1)
    return _reduce(0.5 * weighted, 0.5 * weighted.sum(), len(s), reduction, s.dtype), (res, lam, reduction)


def dsm_loss_backward(dloss, cache):
    res, lam, reduction = cache
    return lam[:, None] * res * _weight(dloss, reduction, len(res))


def dsm_cv_loss_forward(s, s_clean, *, noise, sigma, power: float = 2.0, reduction: str = "mean"):
    """The control-variate DSM (module docstring); inputs the model at y and at the clean x;
    ``reduction`` as :func:`dae_loss_forward`."""
    reduction = _check_reduction(reduction)
    s = _rows("s", s)
    s_clean = _rows("s_clean", s_clean, s)
    noise = _rows("noise", noise, s).astype(s.dtype)
    sig = _sigma(sigma, len(s), s.dtype)
    lam = sig ** float(power)
    z = noise / sig[:, None]
    d = s.shape[1]
    per = (s * s).sum(axis=1) + 2 * ((s - s_clean) * z).sum(axis=1) / sig + d / sig ** 2
    return _reduce(0.5 * lam * per, 0.5 * (lam * per).sum(), len(s), reduction, s.dtype), (s, z, sig, lam, reduction)


def dsm_cv_loss_backward(dloss, cache):
    """(ds, ds_clean)."""
    s, z, sig, lam, reduction = cache
    k = _weight(dloss, reduction, len(s))
    return lam[:, None] * (s + z / sig[:, None]) * k, -lam[:, None] * z / sig[:, None] * k


def mdsm_loss_forward(grad_e, *, noise, sigma, sigma0: float = 0.1, reduction: str = "mean"):
    """``mean_n 1/sigma_n^2 ||grad_E_n - noise_n / sigma0^2||^2`` (energy convention p ∝ exp(-E));
    ``reduction`` as :func:`dae_loss_forward`."""
    reduction = _check_reduction(reduction)
    g = _rows("grad_e", grad_e)
    noise = _rows("noise", noise, g).astype(g.dtype)
    sig = _sigma(sigma, len(g), g.dtype)
    if not float(sigma0) > 0:
        raise ValueError(f"sigma0: expected a number > 0, got {sigma0}")
    res = g - noise / float(sigma0) ** 2
    w = 1.0 / sig ** 2
    per = w * (res * res).sum(axis=1)
    return _reduce(per, per.sum(), len(g), reduction, g.dtype), (res, w, reduction)


def mdsm_loss_backward(dloss, cache):
    res, w, reduction = cache
    return 2.0 * w[:, None] * res * _weight(dloss, reduction, len(res))


def esm_loss_forward(s, *, target, reduction: str = "mean"):
    """``mean_n 1/2 ||s_n - target_n||^2`` against a known score ``target`` (a constant);
    ``reduction`` as :func:`dae_loss_forward`."""
    reduction = _check_reduction(reduction)
    s = _rows("s", s)
    d = s - _rows("target", target, s).astype(s.dtype)
    sq = d * d
    return _reduce(0.5 * sq.sum(axis=1), 0.5 * sq.sum(), len(s), reduction, s.dtype), (d, reduction)


def esm_loss_backward(dloss, cache):
    d, reduction = cache
    return d * _weight(dloss, reduction, len(d))
