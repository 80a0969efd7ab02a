"""The GAN building blocks of https://kexue.fm/archives/6549 as their equations: the spec forms.

Normalisation, with statistics over the batch (BN) or over each sample's spatial axes (AdaIN)::

    mu = mean(x),  var = mean((x - mu)^2)
    x_hat = (x - mu) / sqrt(var + eps)        "sqrt_var_eps" (Keras, PyTorch)
          = (x - mu) / (sqrt(var) + eps)      "std_plus_eps"
    BN: gamma x_hat + beta;   conditional BN / AdaIN: x_hat (gamma_n + offset) + beta_n

Convolution, NHWC, kernel (KH, KW, Cin, Cout), "same" padded TensorFlow's way (the odd pixel
after)::

    y[b, i, j, o] = sum_{p, q, c} x_pad[b, i s + p d, j s + q d, c] W[p, q, c, o] + bias[o]

and the transposed convolution, its adjoint: each y[b, i, j] spreads ``W[p, q] y[b, i, j]`` back
to ``x_pad[b, i s + p d, j s + q d]``, the padding is cropped. The kernels (:mod:`.norm`,
:mod:`.conv`) compute the same with a strided window view and one ``tensordot``; here each
kernel offset (p, q) is one line. Spec forms do not validate their arguments.
"""
from __future__ import annotations

import numpy as np


def _moments(x, axes):
    mu = x.mean(axis=axes, keepdims=True)
    return mu, ((x - mu) ** 2).mean(axis=axes, keepdims=True)


def _normalise(x, axes, eps, eps_mode):
    """(x_hat, cache): the normalisation over ``axes``."""
    mu, var = _moments(x, axes)
    sigma = np.sqrt(var + eps) if eps_mode == "sqrt_var_eps" else np.sqrt(var) + eps
    return (x - mu) / sigma, (x, axes, mu, var, sigma, eps, eps_mode)


def _normalise_backward(dx_hat, cache):
    """dx: the chain rule through x_hat = (x - mu) / sigma(var), var = mean((x - mu)^2)."""
    x, axes, mu, var, sigma, eps, eps_mode = cache
    n = int(np.prod([x.shape[a] for a in axes]))
    dsigma_dvar = 1 / (2 * sigma) if eps_mode == "sqrt_var_eps" else 1 / (2 * np.sqrt(var))
    dvar = (dx_hat * (x - mu) * -1 / sigma ** 2).sum(axis=axes, keepdims=True) * dsigma_dvar
    dmu = -(dx_hat / sigma).sum(axis=axes, keepdims=True) + dvar * (-2 * (x - mu)).mean(axis=axes, keepdims=True)
    return dx_hat / sigma + dvar * 2 * (x - mu) / n + dmu / n


def _batch_axes(x):
    return tuple(range(x.ndim - 1))


def batch_norm(x, gamma, beta, *, eps=1e-3, eps_mode="sqrt_var_eps"):
    """(gamma x_hat + beta, cache): statistics over every axis but the channels (the last)."""
    x_hat, norm = _normalise(x, _batch_axes(x), eps, eps_mode)
    return gamma * x_hat + beta, (x_hat, norm, gamma)


def batch_norm_backward(dy, cache):
    """(dx, dgamma, dbeta)."""
    x_hat, norm, gamma = cache
    axes = _batch_axes(x_hat)
    return _normalise_backward(dy * gamma, norm), (dy * x_hat).sum(axis=axes), dy.sum(axis=axes)


def _per_sample(a, x):
    """(B, C) -> broadcast against NHWC or (B, C) x."""
    return a.reshape((a.shape[0],) + (1,) * (x.ndim - 2) + (a.shape[1],))


def conditional_bn(x, gamma, beta, *, eps=1e-3, eps_mode="sqrt_var_eps", gamma_offset=0.0):
    """(x_hat (gamma_n + offset) + beta_n, cache): batch statistics, per-sample gamma and beta."""
    x_hat, norm = _normalise(x, _batch_axes(x), eps, eps_mode)
    return x_hat * (_per_sample(gamma, x) + gamma_offset) + _per_sample(beta, x), (x_hat, norm, gamma, gamma_offset)


def conditional_bn_backward(dy, cache):
    """(dx, dgamma (B, C), dbeta (B, C))."""
    x_hat, norm, gamma, offset = cache
    spatial = tuple(range(1, x_hat.ndim - 1))
    dx = _normalise_backward(dy * (_per_sample(gamma, x_hat) + offset), norm)
    return dx, (dy * x_hat).sum(axis=spatial), dy.sum(axis=spatial)


def adain(x, gamma, beta, *, eps=1e-5, eps_mode="sqrt_var_eps", gamma_offset=0.0):
    """(x_hat (gamma_n + offset) + beta_n, cache): statistics of each sample and channel over space."""
    spatial = tuple(range(1, x.ndim - 1))
    x_hat, norm = _normalise(x, spatial, eps, eps_mode)
    return x_hat * (_per_sample(gamma, x) + gamma_offset) + _per_sample(beta, x), (x_hat, norm, gamma, gamma_offset)


def adain_backward(dy, cache):
    """(dx, dgamma (B, C), dbeta (B, C))."""
    return conditional_bn_backward(dy, cache)


def _pair(v):
    return (int(v), int(v)) if np.ndim(v) == 0 else (int(v[0]), int(v[1]))


def _same_pads(n, k, s, d):
    """TensorFlow's "same": output ceil(n / s), the padding split with the odd pixel after."""
    out = -(-n // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
    return total // 2, total - total // 2


def _geometry(shape, K, stride, padding, dilation):
    """(output size, pads) per spatial axis of an NHWC input of ``shape``."""
    sizes, pads = [], []
    for a in (0, 1):
        n, k, s, d = shape[1 + a], K[a], stride[a], dilation[a]
        p = _same_pads(n, k, s, d) if padding == "same" else (0, 0)
        sizes.append((n + sum(p) - (k - 1) * d - 1) // s + 1)
        pads.append(p)
    return sizes, pads


def _window(a, p, q, size, s, d):
    """The positions a[:, i s + p d, j s + q d] for the output positions (i, j) < size."""
    return a[:, p * d[0]: p * d[0] + (size[0] - 1) * s[0] + 1: s[0], q * d[1]: q * d[1] + (size[1] - 1) * s[1] + 1: s[1]]


def conv2d(x, W, b=None, *, stride=1, padding="same", dilation=1):
    """(y, cache): y[b, i, j] = sum_{p, q} x_pad[b, i s + p d, j s + q d] W[p, q] (+ bias)."""
    s, d = _pair(stride), _pair(dilation)
    (Ho, Wo), pads = _geometry(x.shape, W.shape[:2], s, padding, d)
    xp = np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)))
    y = np.zeros((x.shape[0], Ho, Wo, W.shape[3]), dtype=x.dtype)
    for p in range(W.shape[0]):
        for q in range(W.shape[1]):
            y = y + _window(xp, p, q, (Ho, Wo), s, d) @ W[p, q]
    return (y if b is None else y + b), (xp, x.shape, W, s, d, pads, b is not None)


def _spread(dy, W, xp_shape, s, d):
    """The adjoint of reading the windows: x_pad[b, i s + p d, j s + q d] += W[p, q] dy[b, i, j]."""
    Ho, Wo = dy.shape[1:3]
    dxp = np.zeros(xp_shape[:3] + (W.shape[2],), dtype=dy.dtype)
    for p in range(W.shape[0]):
        for q in range(W.shape[1]):
            _window(dxp, p, q, (Ho, Wo), s, d)[...] += dy @ W[p, q].T
    return dxp


def conv2d_backward(dy, cache):
    """(dx, dW, db): dW[p, q] = sum over positions of window(p, q)^T dy; dx the spread of dy, cropped."""
    xp, shape, W, s, d, pads, has_bias = cache
    Ho, Wo = dy.shape[1:3]
    dW = np.zeros_like(W)
    for p in range(W.shape[0]):
        for q in range(W.shape[1]):
            dW[p, q] = np.tensordot(_window(xp, p, q, (Ho, Wo), s, d), dy, axes=([0, 1, 2], [0, 1, 2]))
    dxp = _spread(dy, W, xp.shape, s, d)
    dx = dxp[:, pads[0][0]: pads[0][0] + shape[1], pads[1][0]: pads[1][0] + shape[2]]
    return dx, dW, (dy.sum(axis=(0, 1, 2)) if has_bias else None)


def _transpose_size(n, k, s, d, padding, sizes):
    if padding == "same":
        return n * s
    span = (k - 1) * d + 1
    return n * s + max(span - s, 0) if sizes == "keras" else (n - 1) * s + span


def conv2d_transpose(y, W, b=None, *, stride=1, padding="same", dilation=1, output_size=None, sizes="keras"):
    """(z, cache): the convolution's adjoint applied to y: spread each y[b, i, j] W[p, q]^T, crop."""
    s, d = _pair(stride), _pair(dilation)
    if output_size is None:
        output_size = [_transpose_size(y.shape[1 + a], W.shape[a], s[a], d[a], padding, sizes) for a in (0, 1)]
    x_shape = (y.shape[0], int(output_size[0]), int(output_size[1]), W.shape[2])
    _, pads = _geometry(x_shape, W.shape[:2], s, padding, d)
    xp_shape = (x_shape[0], x_shape[1] + sum(pads[0]), x_shape[2] + sum(pads[1]))
    z = _spread(y, W, xp_shape, s, d)[:, pads[0][0]: pads[0][0] + x_shape[1], pads[1][0]: pads[1][0] + x_shape[2]]
    return (z if b is None else z + b), (y, W, s, d, padding, b is not None)


def conv2d_transpose_backward(dz, cache):
    """(dy, dW, db): dy is the convolution of dz; dW pairs dz's windows with y."""
    y, W, s, d, padding, has_bias = cache
    dy, (zp, _, _, _, _, _, _) = conv2d(dz, W, stride=s, padding=padding, dilation=d)
    Ho, Wo = y.shape[1:3]
    dW = np.zeros_like(W)
    for p in range(W.shape[0]):
        for q in range(W.shape[1]):
            dW[p, q] = np.tensordot(_window(zp, p, q, (Ho, Wo), s, d), y, axes=([0, 1, 2], [0, 1, 2]))
    return dy, dW, (dz.sum(axis=(0, 1, 2)) if has_bias else None)


def style_mod(x, w, A, a, B, b, *, eps=1e-8, eps_mode="sqrt_var_eps"):
    """(AdaIN(x) (gamma + 1) + beta with gamma = w A + a, beta = w B + b; cache): StyleGAN's style_mod."""
    y, cache = adain(x, w @ A + a, w @ B + b, eps=eps, eps_mode=eps_mode, gamma_offset=1.0)
    return y, (w, A, B, cache)


def style_mod_backward(dy, cache):
    """(dx, dw, dA, da, dB, db): w reaches the output through both projections."""
    w, A, B, inner = cache
    dx, dgamma, dbeta = adain_backward(dy, inner)
    return dx, dgamma @ A.T + dbeta @ B.T, w.T @ dgamma, dgamma.sum(axis=0), w.T @ dbeta, dbeta.sum(axis=0)


# --- spectral normalisation (https://kexue.fm/archives/6051) ----------------------------------
#     v = W^T u / |W^T u|,  u = W v / |W v|,  sigma = u^T W v,  W_sn = W / sigma

def _unit(a, eps):
    return a / max(float(np.linalg.norm(a)), eps)


def spectral_norm(W, *, semantics="persistent", u=None, v=None, n_iter=None, training=True, eps=1e-12):
    """(W / sigma, cache) with u, v the state: updated by the power iteration in training
    ("persistent": v then u per step; "parametrization": from the stored v, u then v) and on
    every call ("every_call"); held fixed otherwise."""
    n_iter = 1 if n_iter is None else int(n_iter)
    u = np.asarray(u, dtype=W.dtype)
    v = None if v is None else np.asarray(v, dtype=W.dtype)
    if semantics == "parametrization":
        if training:
            for _ in range(n_iter):
                u = _unit(W @ v, eps)
                v = _unit(W.T @ u, eps)
    elif semantics == "every_call" or training:
        for _ in range(n_iter):
            v = _unit(W.T @ u, eps)
            u = _unit(W @ v, eps)
    if v is None:
        v = _unit(W.T @ u, eps)
    sigma = u @ W @ v
    return W / sigma, (W, u, v, sigma)


def spectral_norm_backward(dW_sn, cache):
    """dW = G / sigma - <G, W> / sigma^2 u v^T: u and v are constants of the step."""
    W, u, v, sigma = cache
    return dW_sn / sigma - np.sum(dW_sn * W) / sigma ** 2 * np.outer(u, v)


def _article_tangent(W, dW, n_iter, eps):
    """(W_sn, its directional derivative along dW): the article's iteration from u = 1, with
    every step's tangent carried forward."""
    u, du = np.ones(W.shape[0], dtype=W.dtype), np.zeros(W.shape[0], dtype=W.dtype)
    for _ in range(n_iter):
        a, da = W.T @ u, dW.T @ u + W.T @ du
        na = max(float(np.linalg.norm(a)), eps)
        v, dv = a / na, (da - a / na * (a / na @ da)) / na          # v = a / |a|
        b, db = W @ v, dW @ v + W @ dv
        nb = max(float(np.linalg.norm(b)), eps)
        u, du = b / nb, (db - b / nb * (b / nb @ db)) / nb          # u = b / |b|
    sigma = u @ W @ v
    dsigma = du @ W @ v + u @ dW @ v + u @ W @ dv
    return W / sigma, dW / sigma - W * dsigma / sigma ** 2


def spectral_norm_article(W, *, semantics="article", n_iter=5, eps=1e-12):
    """(W / sigma, cache): the article's stateless spectral_norm(w, r), u starting at all ones."""
    return _article_tangent(W, np.zeros_like(W), int(n_iter), eps)[0], (W, int(n_iter), eps)


def spectral_norm_article_backward(dW_sn, cache):
    """dW[i, j] = <G, d W_sn / d W[i, j]>: forward-mode, one direction per entry of W (the kernel
    runs the same chain rule backwards through the stored steps)."""
    W, n_iter, eps = cache
    dW = np.zeros_like(W)
    for i in range(W.shape[0]):
        for j in range(W.shape[1]):
            E = np.zeros_like(W)
            E[i, j] = 1
            dW[i, j] = np.sum(dW_sn * _article_tangent(W, E, n_iter, eps)[1])
    return dW


# --- SELF-MOD (the article's self-modulated BN) -------------------------------------------------
#     gamma(z) = relu(z W1g + b1g) W2g + b2g,  beta(z) = relu(z W1b + b1b) W2b + b2b
#     y = x_hat (gamma(z) + offset) + beta(z)          (offset 1, or 0 with gamma's bias starting at 1)

def selfmod_bn(x, z, params, *, shared=False, gamma_mode="offset", eps=1e-3, eps_mode="sqrt_var_eps"):
    """(conditional BN of x with gamma(z), beta(z) two one-hidden-layer ReLU networks; cache)."""
    hg = np.maximum(z @ params.W1g + params.b1g, 0)
    hb = np.maximum(z @ params.W1b + params.b1b, 0)
    gamma, beta = hg @ params.W2g + params.b2g, hb @ params.W2b + params.b2b
    y, inner = conditional_bn(x, gamma, beta, eps=eps, eps_mode=eps_mode,
                              gamma_offset=1.0 if gamma_mode == "offset" else 0.0)
    return y, (z, params, hg, hb, shared, inner)


def selfmod_bn_backward(dy, cache):
    """(dx, dz, dparams): z reaches y through both networks; a shared hidden layer's gradient is
    the sum of its two uses, reported in both places."""
    z, p, hg, hb, shared, inner = cache
    dx, dgamma, dbeta = conditional_bn_backward(dy, inner)
    dhg, dhb = dgamma @ p.W2g.T * (hg > 0), dbeta @ p.W2b.T * (hb > 0)       # relu'
    dW1g, db1g, dW1b, db1b = z.T @ dhg, dhg.sum(axis=0), z.T @ dhb, dhb.sum(axis=0)
    if shared:
        dW1g = dW1b = dW1g + dW1b
        db1g = db1b = db1g + db1b
    dparams = type(p)(dW1g, db1g, hg.T @ dgamma, dgamma.sum(axis=0), dW1b, db1b, hb.T @ dbeta, dbeta.sum(axis=0))
    return dx, dhg @ p.W1g.T + dhb @ p.W1b.T, dparams


# --- running statistics (forward only: spec(inputs, attrs) -> outputs) ----------------------------
PRESETS = {"keras": dict(momentum=0.99, convention="keras", variance="biased", eps=1e-3),     # their defaults
           "torch": dict(momentum=0.1, convention="torch", variance="unbiased", eps=1e-5)}


def bn_running_update(inputs, attrs):
    """{"mean", "var"}: new = m old + (1 - m) batch (Keras's momentum m) or (1 - m) old + m batch
    (PyTorch's); the batch variance v biased, v n / (n - 1) (unbiased) or v n / (n - 1 - eps) (Keras 2)."""
    settings = {**PRESETS[attrs.get("preset", "keras")], **{k: v for k, v in attrs.items() if k != "preset"}}
    x = np.asarray(inputs["x"])
    rows = x.reshape(-1, x.shape[-1])
    n = rows.shape[0]
    mu = rows.sum(axis=0) / n
    v = ((rows - mu) ** 2).sum(axis=0) / n
    v = {"biased": v, "unbiased": v * n / (n - 1) if n > 1 else v,
         "keras2": v * n / (n - 1 - settings["eps"])}[settings["variance"]]
    old = settings["momentum"] if settings["convention"] == "keras" else 1 - settings["momentum"]
    return {"mean": old * np.asarray(inputs["running_mean"]) + (1 - old) * mu,
            "var": old * np.asarray(inputs["running_var"]) + (1 - old) * v}
