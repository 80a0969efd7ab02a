"""The denoising and score-matching losses of https://kexue.fm/archives/7038 as their formulas:
the spec forms. Each loss is the per-sample formula, then the reduction ("mean" over the N rows,
"sum", or "none": the N per-sample losses)::

    dae     ||r_n - x_n||^2
    dsm     1/2 sigma_n^power ||s_n + noise_n / sigma_n^2||^2
    dsm_cv  1/2 sigma_n^power (||s_n||^2 + 2 (s_n - s_clean_n) . noise_n / sigma_n^2 + d / sigma_n^2)
    mdsm    1/sigma_n^2 ||grad_E_n - noise_n / sigma0^2||^2
    esm     1/2 ||s_n - target_n||^2

Here each per-sample loss is one line, and its gradient the derivative of that line, scaled by
the reduction's weight. Spec forms do not validate their arguments.
"""
from __future__ import annotations

import numpy as np


def _sigmas(sigma, n):
    return np.broadcast_to(np.asarray(sigma, dtype=np.float64), (n,))


def _reduce(per, reduction, dtype):
    return np.asarray(per if reduction == "none" else per.sum() / len(per) if reduction == "mean" else per.sum(),
                      dtype=dtype)


def _weight(dloss, reduction, n):
    """d loss / d per-sample loss, as a column: dloss / n, dloss, or dloss_n."""
    if reduction == "none":
        return np.asarray(dloss)[:, None]
    return dloss / n if reduction == "mean" else dloss


def dae_loss(r, *, x, reduction="mean"):
    """(reduction of ||r_n - x_n||^2, cache)."""
    return _reduce(((r - x) ** 2).sum(axis=1), reduction, r.dtype), (r, x, reduction)


def dae_loss_backward(dloss, cache):
    """dr_n = 2 (r_n - x_n) w."""
    r, x, reduction = cache
    return (2 * (r - x) * _weight(dloss, reduction, len(r))).astype(r.dtype)


def dsm_loss(s, *, noise, sigma, power=2.0, reduction="mean"):
    """(reduction of 1/2 sigma^power ||s + noise / sigma^2||^2, cache)."""
    sig = _sigmas(sigma, len(s))[:, None]
    per = 0.5 * sig[:, 0] ** power * ((s + noise / sig ** 2) ** 2).sum(axis=1)
    return _reduce(per, reduction, s.dtype), (s, noise, sig, power, reduction)


def dsm_loss_backward(dloss, cache):
    """ds_n = sigma_n^power (s_n + noise_n / sigma_n^2) w."""
    s, noise, sig, power, reduction = cache
    return (sig ** power * (s + noise / sig ** 2) * _weight(dloss, reduction, len(s))).astype(s.dtype)


def dsm_cv_loss(s, s_clean, *, noise, sigma, power=2.0, reduction="mean"):
    """(reduction of 1/2 sigma^power (||s||^2 + 2 (s - s_clean) . noise / sigma^2 + d / sigma^2), cache)."""
    sig = _sigmas(sigma, len(s))[:, None]
    d = s.shape[1]
    per = 0.5 * sig[:, 0] ** power * ((s ** 2).sum(axis=1) + 2 * ((s - s_clean) * noise).sum(axis=1) / sig[:, 0] ** 2
                                      + d / sig[:, 0] ** 2)
    return _reduce(per, reduction, s.dtype), (s, noise, sig, power, reduction)


def dsm_cv_loss_backward(dloss, cache):
    """(ds = sigma^power (s + noise / sigma^2) w, ds_clean = -sigma^power noise / sigma^2 w)."""
    s, noise, sig, power, reduction = cache
    w = _weight(dloss, reduction, len(s))
    return ((sig ** power * (s + noise / sig ** 2) * w).astype(s.dtype),
            (-sig ** power * noise / sig ** 2 * w).astype(s.dtype))


def mdsm_loss(grad_e, *, noise, sigma, sigma0=0.1, reduction="mean"):
    """(reduction of 1/sigma^2 ||grad_E - noise / sigma0^2||^2, cache)."""
    sig = _sigmas(sigma, len(grad_e))[:, None]
    per = ((grad_e - noise / sigma0 ** 2) ** 2).sum(axis=1) / sig[:, 0] ** 2
    return _reduce(per, reduction, grad_e.dtype), (grad_e, noise, sig, sigma0, reduction)


def mdsm_loss_backward(dloss, cache):
    """dgrad_E_n = 2 (grad_E_n - noise_n / sigma0^2) / sigma_n^2 w."""
    g, noise, sig, sigma0, reduction = cache
    return (2 * (g - noise / sigma0 ** 2) / sig ** 2 * _weight(dloss, reduction, len(g))).astype(g.dtype)


def esm_loss(s, *, target, reduction="mean"):
    """(reduction of 1/2 ||s - target||^2, cache)."""
    return _reduce(0.5 * ((s - target) ** 2).sum(axis=1), reduction, s.dtype), (s, target, reduction)


def esm_loss_backward(dloss, cache):
    """ds_n = (s_n - target_n) w."""
    s, target, reduction = cache
    return ((s - target) * _weight(dloss, reduction, len(s))).astype(s.dtype)
