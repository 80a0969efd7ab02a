"""SELF-MOD (self-modulated batch norm, kexue.fm/archives/6549): conditional BN whose gamma and
beta are small networks of the noise z, and its cGAN variant ``z' = z + E(c) + E'(c) * z``;
StyleGAN's style modulation and constant input, which the article presents as a variant.

Spec form: :mod:`reference.gan.spec`, the same equations in plain NumPy, line by line
(``refspace check --spec`` holds the two equal).

``gamma(z) = relu(z W1 + b1) W2 + b2`` and ``beta(z)`` likewise: with separate hidden layers
(the article author's code) or one shared hidden layer (compare_gan, width 32). gamma starts
near one either by a +1 offset in the modulation (``gamma_mode="offset"``, the author's
``x_hat (gamma + 1) + beta``) or by initialising its output bias to one (``"bias_init"``,
compare_gan's ``bias_start=1``): the same family of functions (``b2 + 1`` is a bias like any
other; ``puzzles.identities`` proves it with sympy), so the mode only changes the meaning of
``b2`` and of the initialisation (:func:`init_params`).

Everything is composed from existing op pairs (:mod:`reference.ops.affine`,
:mod:`reference.gan.resample` LeakyReLU with alpha 0 as ReLU, :mod:`reference.gan.norm`), and
the backward returns the gradient of z through both networks.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from ..core.validate import dense_chain, float_array, generator, gradient, instance, positive_int
from ..ops.affine import affine_backward, affine_forward
from .norm import conditional_bn_backward, conditional_bn_forward
from .resample import leaky_relu_backward, leaky_relu_forward

GAMMA_MODES = ("offset", "bias_init")


@dataclasses.dataclass(frozen=True)
class SelfModParams:
    """Hidden layers ``W1g, b1g`` (gamma) and ``W1b, b1b`` (beta); with a shared hidden layer
    ``W1b``/``b1b`` are the same arrays as the gamma ones. Output layers ``W2g, b2g, W2b, b2b``."""

    W1g: np.ndarray
    b1g: np.ndarray
    W2g: np.ndarray
    b2g: np.ndarray
    W1b: np.ndarray
    b1b: np.ndarray
    W2b: np.ndarray
    b2b: np.ndarray


def init_params(z_dim: int, hidden: int, channels: int, rng, *, shared: bool = False,
                gamma_mode: str = "offset") -> SelfModParams:
    """Glorot-uniform hidden weights, zero output weights (so the start is plain BN), zero
    biases except gamma's output bias, one in ``"bias_init"`` mode."""
    z_dim, hidden, channels = (positive_int(k, v) for k, v in (("z_dim", z_dim), ("hidden", hidden),
                                                               ("channels", channels)))
    rng = generator("rng", rng)
    if gamma_mode not in GAMMA_MODES:
        raise ValueError(f"gamma_mode: expected one of {GAMMA_MODES}, got {gamma_mode!r}")

    def glorot(a, b):
        k = np.sqrt(6.0 / (a + b))
        return rng.uniform(-k, k, (a, b))

    W1g = glorot(z_dim, hidden)
    W1b = W1g if shared else glorot(z_dim, hidden)
    b2g = np.ones(channels) if gamma_mode == "bias_init" else np.zeros(channels)
    return SelfModParams(W1g, np.zeros(hidden), np.zeros((hidden, channels)), b2g,
                         W1b, np.zeros(hidden), np.zeros((hidden, channels)), np.zeros(channels))


def _mlp(z, W1, b1, W2, b2):
    u, c1 = affine_forward(z, W1, b1)
    h, c2 = leaky_relu_forward(u, 0.0)
    out, c3 = affine_forward(h, W2, b2)
    return out, (c1, c2, c3)


def _mlp_backward(d, cache):
    c1, c2, c3 = cache
    dh, dW2, db2 = affine_backward(d, c3)
    dz, dW1, db1 = affine_backward(leaky_relu_backward(dh, c2), c1)
    return dz, dW1, db1, dW2, db2


def selfmod_bn_forward(x, z, params: SelfModParams, *, shared: bool = False, gamma_mode: str = "offset",
                       eps: float = 1e-3, eps_mode: str = "sqrt_var_eps"):
    """``x_hat (gamma(z) + offset) + beta(z)``, offset 1 in ``"offset"`` mode, else 0."""
    if gamma_mode not in GAMMA_MODES:
        raise ValueError(f"gamma_mode: expected one of {GAMMA_MODES}, got {gamma_mode!r}")
    p = instance("params", params, SelfModParams)
    for net in ("g", "b"):       # each network validated with its public names (z, params.W1g ...)
        dense_chain("z", z, [(f"params.W1{net}", getattr(p, f"W1{net}"), f"params.b1{net}", getattr(p, f"b1{net}")),
                             (f"params.W2{net}", getattr(p, f"W2{net}"), f"params.b2{net}", getattr(p, f"b2{net}"))])
    x = float_array("x", x, dtype=np.asarray(z).dtype)
    if x.ndim < 2 or x.shape[-1] != np.shape(p.W2g)[1]:
        raise ValueError(f"x: expected (B, ..., C) with C = {np.shape(p.W2g)[1]} (the columns of params.W2g), "
                         f"got shape {x.shape}")
    if x.shape[0] != np.shape(z)[0]:
        raise ValueError(f"z: expected one row per sample of x ({x.shape[0]}), got shape {np.shape(z)}")
    if shared and (p.W1b is not p.W1g and not np.array_equal(p.W1b, p.W1g)
                   or p.b1b is not p.b1g and not np.array_equal(p.b1b, p.b1g)):
        raise ValueError("params: a shared hidden layer needs W1b == W1g and b1b == b1g")
    gamma, cg = _mlp(z, p.W1g, p.b1g, p.W2g, p.b2g)
    beta, cb = _mlp(z, p.W1b, p.b1b, p.W2b, p.b2b)
    y, cn = conditional_bn_forward(x, gamma, beta, eps=eps, eps_mode=eps_mode,
                                   gamma_offset=1.0 if gamma_mode == "offset" else 0.0)
    return y, (cg, cb, cn, shared)


def selfmod_bn_backward(dy, cache):
    """(dx, dz, dparams): z's gradient through both networks; with a shared hidden layer its
    gradient is the sum of the two uses, reported in both places."""
    cg, cb, cn, shared = cache
    dx, dgamma, dbeta = conditional_bn_backward(dy, cn)
    dzg, dW1g, db1g, dW2g, db2g = _mlp_backward(dgamma, cg)
    dzb, dW1b, db1b, dW2b, db2b = _mlp_backward(dbeta, cb)
    if shared:
        dW1g = dW1b = dW1g + dW1b
        db1g = db1b = db1g + db1b
    return dx, dzg + dzb, SelfModParams(dW1g, db1g, dW2g, db2g, dW1b, db1b, dW2b, db2b)


def cgan_code_forward(z, c, E, E2):
    """The cGAN SELF-MOD input ``z' = z + E(c) + E'(c) * z`` with one-hot class embeddings
    ``E``, ``E2`` (classes, d_z) looked up by the integer labels ``c``."""
    from ..ops.embedding import check_ids

    z = float_array("z", z, ndim=2)
    E, E2 = float_array("E", E, ndim=2, dtype=z.dtype), float_array("E2", E2, ndim=2, dtype=z.dtype)
    if E.shape != E2.shape or E.shape[1] != z.shape[1]:
        raise ValueError(f"E, E2: expected two (classes, {z.shape[1]}) tables, got {E.shape} and {E2.shape}")
    c = check_ids("c", c, E.shape[0])
    if c.shape != (z.shape[0],):
        raise ValueError(f"c: expected one label per row of z ({z.shape[0]},), got shape {c.shape}")
    e, e2 = E[c], E2[c]
    return z + e + e2 * z, (z, c, e2, E.shape)


def cgan_code_backward(dz2, cache):
    """(dz, None for c, dE, dE2) with repeated labels accumulated."""
    z, c, e2, shape = cache
    dz2 = gradient("dz2", dz2, z.shape, z.dtype)
    dE, dE2 = np.zeros(shape, dtype=z.dtype), np.zeros(shape, dtype=z.dtype)
    np.add.at(dE, c, dz2)
    np.add.at(dE2, c, dz2 * z)
    return dz2 * (1 + e2), None, dE, dE2


def style_mod_forward(x, w, A, a, B, b, *, eps: float = 1e-8, eps_mode: str = "sqrt_var_eps"):
    """StyleGAN's modulation, which the article calls a SELF-MOD variant: AdaIN of NHWC ``x``
    (eps 1e-8 inside the root, as StyleGAN's ``instance_norm``) with ``gamma = w A + a``,
    ``beta = w B + b`` from the mapped latent ``w`` (B, d_w), applied as
    ``x_hat (gamma + 1) + beta`` (StyleGAN's ``style_mod``)."""
    from .norm import adain_forward

    dense_chain("w", w, [("A", A, "a", a)])
    dense_chain("w", w, [("B", B, "b", b)])
    x = float_array("x", x, dtype=np.asarray(w).dtype)
    if x.ndim != 4 or x.shape[0] != np.shape(w)[0] or x.shape[-1] != np.shape(A)[1]:
        raise ValueError(f"x: expected NHWC (B={np.shape(w)[0]}, H, W, C={np.shape(A)[1]}), got shape {x.shape}")
    if np.shape(B) != np.shape(A):
        raise ValueError(f"B: expected the shape of A {np.shape(A)}, got {np.shape(B)}")
    gamma, cg = affine_forward(w, A, a)
    beta, cb = affine_forward(w, B, b)
    y, cn = adain_forward(x, gamma, beta, eps=eps, eps_mode=eps_mode, gamma_offset=1.0)
    return y, (cg, cb, cn)


def style_mod_backward(dy, cache):
    """(dx, dw, dA, da, dB, db): w's gradient from both projections."""
    from .norm import adain_backward

    cg, cb, cn = cache
    dx, dgamma, dbeta = adain_backward(dy, cn)
    dwg, dA, da = affine_backward(dgamma, cg)
    dwb, dB, db = affine_backward(dbeta, cb)
    return dx, dwg + dwb, dA, da, dB, db


def const_input_forward(const, *, batch: int):
    """StyleGAN's learned constant input (H, W, C), the same for every sample: (batch, H, W, C)."""
    const = float_array("const", const, ndim=3)
    if isinstance(batch, bool) or not isinstance(batch, (int, np.integer)) or batch < 1:
        raise ValueError(f"batch: expected a positive integer, got {batch!r}")
    return np.broadcast_to(const, (int(batch),) + const.shape).copy(), const.dtype


def const_input_backward(dy, dtype):
    """The sum of the samples' gradients."""
    dy = gradient("dy", dy, None, dtype)
    if dy.ndim != 4:
        raise ValueError(f"dy: expected the forward output's (batch, H, W, C), got shape {dy.shape}")
    return dy.sum(axis=0)
