"""Batch norm, conditional BN, SELF-MOD's modulation and AdaIN (kexue.fm/archives/6549), every
convention a named argument, each a forward/backward pair.

Spec form: :mod:`reference.gan.spec`, the same equations in plain NumPy, line by line
(``refspace check --spec`` holds the two equal).

Layout is channels-last (NHWC or (B, C)): batch norm normalises each channel over every other
axis; AdaIN over the spatial axes of each sample and channel (no running statistics).

``eps_mode``
    ``"sqrt_var_eps"`` (default, what Keras, PyTorch and TensorFlow compute):
    ``x_hat = (x - mu) / sqrt(var + eps)``; ``"std_plus_eps"`` (the article's formula):
    ``x_hat = (x - mu) / (sqrt(var) + eps)``, not differentiable where a channel's variance
    is 0 (the backward refuses it, naming the channel).
Variances of a batch are biased (divided by n), as every anchor normalises; the *running*
variance estimator is a separate choice (:func:`running_update`).

Running statistics (:func:`running_update`, and ``preset="keras"`` or ``"torch"`` for each
library's four defaults at once, :data:`PRESETS`): ``momentum`` in either convention, Keras's
(``new = m old + (1 - m) batch``, default 0.99) or PyTorch's (``new = (1 - m) old + m batch``,
default 0.1; :func:`momentum_keras_to_torch` converts); the batch variance that enters is
``"biased"`` (v), ``"unbiased"`` (v n / (n - 1), PyTorch) or ``"keras2"`` (v n / (n - 1 - eps),
Keras 2's ``K.normalize_batch_in_training``). With 4 samples of biased variance 1.25 and
eps 1e-3 Keras 2 feeds 1.25 * 4 / 2.999 = 1.6672 into its average (keras#10443).

Example
-------
>>> x = np.array([[1.0], [2.0], [3.0], [4.0]])           # 4 samples, 1 channel: var 1.25
>>> y, cache = batch_norm_forward(x, np.ones(1), np.zeros(1), eps=0.0)
>>> np.round(y.ravel(), 4)
array([-1.3416, -0.4472,  0.4472,  1.3416])
>>> m, v = running_update(np.zeros(1), np.ones(1), x, momentum=0.0, variance="keras2", eps=1e-3)
>>> round(float(v[0]), 4)
1.6672
"""
from __future__ import annotations

import numpy as np

from ..core.validate import check_shape, float_array, gradient

EPS_MODES = ("sqrt_var_eps", "std_plus_eps")
VARIANCES = ("biased", "unbiased", "keras2")
CONVENTIONS = ("keras", "torch")
#: the running-statistics settings of each library's batch norm, all four at once: Keras's
#: BatchNormalization and PyTorch's BatchNorm{1,2}d with their default arguments
PRESETS = {"keras": dict(momentum=0.99, convention="keras", variance="biased", eps=1e-3),
           "torch": dict(momentum=0.1, convention="torch", variance="unbiased", eps=1e-5)}


def preset_settings(preset: str, **given) -> dict:
    """``momentum``, ``convention``, ``variance`` and ``eps`` of ``preset`` ("keras" or "torch"),
    each replaced by the one in ``given`` that is not None (a preset fills what is not given)."""
    if preset not in PRESETS:
        raise ValueError(f"preset: expected one of {sorted(PRESETS)}, got {preset!r}")
    unknown = sorted(set(given) - set(PRESETS[preset]))
    if unknown:
        raise TypeError(f"{unknown[0]}: not a batch-norm preset setting")
    return {k: (v if given.get(k) is None else given[k]) for k, v in PRESETS[preset].items()}


def _check_mode(eps, eps_mode):
    if eps_mode not in EPS_MODES:
        raise ValueError(f"eps_mode: expected one of {EPS_MODES}, got {eps_mode!r}")
    eps = float(eps)
    if not (np.isfinite(eps) and eps >= 0):
        raise ValueError(f"eps: expected a finite number >= 0, got {eps}")
    return eps


def _normalize(x, axes, eps, eps_mode):
    """(x_hat, cache) with statistics over ``axes`` (kept as size-1 axes)."""
    if x.size == 0 or any(x.shape[a] == 0 for a in axes):
        raise ValueError(f"x: expected at least one value per statistic (an empty batch has no mean or "
                         f"variance), got shape {x.shape}")
    mu = x.mean(axis=axes, keepdims=True)
    d = x - mu
    var = (d * d).mean(axis=axes, keepdims=True)
    if eps_mode == "sqrt_var_eps":
        denom = np.sqrt(var + eps)
        std = None
    else:
        std = np.sqrt(var)
        denom = std + eps
    if np.any(denom == 0):
        raise ValueError("x: a channel has zero variance and eps is 0: the normalisation divides by zero")
    x_hat = d / denom
    return x_hat, (axes, x_hat, d, denom, std, eps_mode)


def _normalize_backward(g, cache):
    axes, x_hat, d, denom, std, eps_mode = cache
    mg = g.mean(axis=axes, keepdims=True)
    mgx = (g * x_hat).mean(axis=axes, keepdims=True)
    if eps_mode == "sqrt_var_eps":
        return (g - mg - x_hat * mgx) / denom
    if np.any(std == 0):
        bad = tuple(int(i) for i in np.argwhere(std == 0)[0])
        raise ValueError(f"eps_mode 'std_plus_eps' is not differentiable where a variance is 0 (at {bad})")
    return (g - mg - mgx * d / std) / denom


def _channel_axes(x):
    return tuple(range(x.ndim - 1))


def batch_norm_forward(x, gamma, beta, *, eps: float = 1e-3, eps_mode: str = "sqrt_var_eps"):
    """Training-mode batch norm: ``gamma x_hat + beta`` with batch statistics per channel (last axis)."""
    x = float_array("x", x)
    if x.ndim < 2:
        raise ValueError(f"x: expected (batch, ..., channels), got shape {x.shape}")
    C = x.shape[-1]
    gamma, beta = float_array("gamma", gamma, dtype=x.dtype), float_array("beta", beta, dtype=x.dtype)
    if gamma.shape != (C,) or beta.shape != (C,):
        raise ValueError(f"gamma, beta: expected shape ({C},), got {gamma.shape} and {beta.shape}")
    x_hat, cache = _normalize(x, _channel_axes(x), _check_mode(eps, eps_mode), eps_mode)
    return gamma * x_hat + beta, (cache, gamma)


def batch_norm_backward(dy, cache):
    """(dx, dgamma, dbeta)."""
    norm, gamma = cache
    axes, x_hat = norm[0], norm[1]
    dy = gradient("dy", dy, x_hat.shape, x_hat.dtype)
    return _normalize_backward(dy * gamma, norm), (dy * x_hat).sum(axis=axes), dy.sum(axis=axes)


def batch_norm_eval_forward(x, gamma, beta, *, running_mean, running_var, eps: float = 1e-3,
                            eps_mode: str = "sqrt_var_eps"):
    """Evaluation-mode batch norm: the running statistics (keyword arguments: constants, not
    differentiated) instead of the batch's; an affine map of x."""
    x = float_array("x", x)
    if x.ndim < 2:
        raise ValueError(f"x: expected (B, C) or (B, H, W, C), got shape {x.shape}")
    eps = _check_mode(eps, eps_mode)
    C = x.shape[-1]
    per_channel = {}
    for name, value, dtype in (("gamma", gamma, x.dtype), ("beta", beta, x.dtype), ("running_mean", running_mean, None),
                               ("running_var", running_var, None)):
        a = float_array(name, value, ndim=1, dtype=dtype)
        check_shape(name, a, [("C", C)])
        per_channel[name] = a.astype(x.dtype)                          # constants: cast to x's precision
    if np.any(per_channel["running_var"] < 0):
        raise ValueError("running_var: expected variances >= 0")
    rv, gamma = per_channel["running_var"], per_channel["gamma"]
    denom = np.sqrt(rv + eps) if eps_mode == "sqrt_var_eps" else np.sqrt(rv) + eps
    x_hat = (x - per_channel["running_mean"]) / denom
    return x_hat * gamma + per_channel["beta"], (x_hat, gamma, denom)


def batch_norm_eval_backward(dy, cache):
    """(dx, dgamma, dbeta)."""
    x_hat, gamma, denom = cache
    dy = gradient("dy", dy, x_hat.shape, x_hat.dtype)
    axes = _channel_axes(x_hat)
    return dy * gamma / denom, (dy * x_hat).sum(axis=axes), dy.sum(axis=axes)


def running_update(running_mean, running_var, x, *, momentum: float | None = None, convention: str | None = None,
                   variance: str | None = None, eps: float | None = None, preset: str = "keras"):
    """(new running mean, new running variance) after one training batch ``x`` (see the module
    docstring). ``preset`` ("keras", default, or "torch": :data:`PRESETS`) fills every setting not
    given: ``preset="torch"`` is PyTorch's BatchNorm (momentum 0.1 in its convention, eps 1e-5,
    unbiased variance), which a port otherwise has to assemble from four arguments."""
    settings = preset_settings(preset, momentum=momentum, convention=convention, variance=variance, eps=eps)
    momentum, convention, variance, eps = (settings[k] for k in ("momentum", "convention", "variance", "eps"))
    if convention not in CONVENTIONS:
        raise ValueError(f"convention: expected one of {CONVENTIONS}, got {convention!r}")
    if variance not in VARIANCES:
        raise ValueError(f"variance: expected one of {VARIANCES}, got {variance!r}")
    if not 0 <= momentum <= 1:
        raise ValueError(f"momentum: expected a value in [0, 1], got {momentum}")
    x = float_array("x", x)
    axes = _channel_axes(x)
    n = int(np.prod([x.shape[a] for a in axes]))
    if n == 0:
        raise ValueError(f"x: expected at least one value per channel (a batch of zero rows has no statistics), "
                         f"got shape {x.shape}")
    mu = x.mean(axis=axes)
    v = ((x - mu) ** 2).mean(axis=axes)
    if variance == "unbiased":
        if n < 2:
            raise ValueError("variance 'unbiased' needs at least 2 values per channel")
        v = v * n / (n - 1)
    elif variance == "keras2":
        v = v * n / (n - 1 - eps)
    keep = momentum if convention == "keras" else 1 - momentum
    return keep * np.asarray(running_mean) + (1 - keep) * mu, keep * np.asarray(running_var) + (1 - keep) * v


def momentum_keras_to_torch(momentum: float) -> float:
    """Keras's momentum m (weight of the old value) as PyTorch's (weight of the new value): 1 - m."""
    return 1.0 - float(momentum)


def conditional_bn_forward(x, gamma, beta, *, eps: float = 1e-3, eps_mode: str = "sqrt_var_eps",
                           gamma_offset: float = 0.0):
    """Conditional BN: ``x_hat (gamma + gamma_offset) + beta`` with per-sample ``gamma``, ``beta``
    (B, C) computed from a condition (SELF-MOD: from z; ``gamma_offset=1`` is the article
    author's "+1", so that gamma starts near one). Batch statistics, no own affine."""
    x = float_array("x", x, min_ndim=2)
    B, C = x.shape[0], x.shape[-1]
    gamma, beta = float_array("gamma", gamma, dtype=x.dtype), float_array("beta", beta, dtype=x.dtype)
    if gamma.shape != (B, C) or beta.shape != (B, C):
        raise ValueError(f"gamma, beta: expected shape ({B}, {C}), got {gamma.shape} and {beta.shape}")
    x_hat, cache = _normalize(x, _channel_axes(x), _check_mode(eps, eps_mode), eps_mode)
    expand = (slice(None),) + (None,) * (x.ndim - 2) + (slice(None),)
    g = gamma[expand] + gamma_offset
    return x_hat * g + beta[expand], (cache, g, expand)


def conditional_bn_backward(dy, cache):
    """(dx, dgamma (B, C), dbeta (B, C))."""
    norm, g, expand = cache
    x_hat = norm[1]
    dy = gradient("dy", dy, x_hat.shape, x_hat.dtype)
    spatial = tuple(range(1, x_hat.ndim - 1))
    return _normalize_backward(dy * g, norm), (dy * x_hat).sum(axis=spatial), dy.sum(axis=spatial)


def adain_forward(x, gamma, beta, *, eps: float = 1e-5, eps_mode: str = "sqrt_var_eps", gamma_offset: float = 0.0):
    """AdaIN: instance statistics (per sample and channel, over the spatial axes of NHWC ``x``),
    then ``x_hat (gamma + gamma_offset) + beta`` with ``gamma``, ``beta`` (B, C); no running
    statistics. StyleGAN's ``style_mod`` is ``gamma_offset=1`` with eps 1e-8 inside the root."""
    x = float_array("x", x)
    if x.ndim < 3:
        raise ValueError(f"x: expected (batch, spatial..., channels), got shape {x.shape}")
    B, C = x.shape[0], x.shape[-1]
    gamma, beta = float_array("gamma", gamma, dtype=x.dtype), float_array("beta", beta, dtype=x.dtype)
    if gamma.shape != (B, C) or beta.shape != (B, C):
        raise ValueError(f"gamma, beta: expected shape ({B}, {C}), got {gamma.shape} and {beta.shape}")
    spatial = tuple(range(1, x.ndim - 1))
    x_hat, cache = _normalize(x, spatial, _check_mode(eps, eps_mode), eps_mode)
    expand = (slice(None),) + (None,) * (x.ndim - 2) + (slice(None),)
    g = gamma[expand] + gamma_offset
    return x_hat * g + beta[expand], (cache, g, expand)


def adain_backward(dy, cache):
    """(dx, dgamma (B, C), dbeta (B, C))."""
    return conditional_bn_backward(dy, cache)
