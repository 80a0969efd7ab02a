"""Tiny DCGAN, ResNet and MLP generators and discriminators (kexue.fm/archives/6549), built
from :mod:`.layers` on :mod:`reference.modules`; every gradient is the layers' own backward.

Generators are called ``G.forward(z) -> (x, vjp)`` with ``vjp(dx) -> (dz,)``; ``norm`` chooses
what follows each hidden layer of G: ``"bn"`` (BatchNorm), ``"selfmod"`` (every BN replaced by
its own SELF-MOD BN, all of them reading the raw z, as the article prescribes) or ``"none"``.
Discriminators are ``D.forward(x) -> (logits (B, 1), vjp)``, ``vjp(dlogits) -> (dx,)``.

Block order (the article fixes the ingredients, not the order inside a block; the choices are
the article author's code for DCGAN and BigGAN's GBlock for ResNet):

DCGAN generator (``n = log2(size) - 3`` deconvolutions before the last; ``width`` channels)
    Dense(z -> 4*4*width) -> Reshape(4, 4, width) -> norm -> ReLU
    -> [Conv2DTranspose(4x4, stride 2, channels halved) -> norm -> ReLU] * n
    -> Conv2DTranspose(4x4, stride 2, image channels) -> tanh
DCGAN discriminator (``n + 1`` convolutions down to 4x4)
    [Conv2D(4x4, stride 2) -> BatchNorm (not on the first) -> LeakyReLU(0.2)] * (n + 1)
    -> Flatten -> Dense(1)
ResNet generator (``log2(size) - 2`` blocks, residual ``shortcut + alpha f``)
    Dense(z -> 4*4*width) -> Reshape -> [GBlock] * m -> norm -> ReLU -> Conv2D(3x3, image channels) -> tanh
    GBlock f: norm -> ReLU -> UpSample(2) -> Conv2D(3x3) -> norm -> ReLU -> Conv2D(3x3)
    GBlock shortcut: UpSample(2) -> Conv2D(1x1) (channels change) or UpSample(2) alone
ResNet discriminator (``log2(size) - 2`` blocks down to 4x4, no normalisation)
    [DBlock] * m -> LeakyReLU(0.2) -> Flatten -> Dense(1)
    DBlock f: LeakyReLU(0.2) (not in the first block) -> Conv2D(3x3) -> LeakyReLU(0.2) -> Conv2D(3x3) -> AvgPool(2)
    DBlock shortcut: Conv2D(1x1) -> AvgPool(2)
MLP generator / discriminator (the 2-D toys)
    G: [Dense(hidden) -> norm -> ReLU] * depth -> Dense(out);  D: [Dense(hidden) -> LeakyReLU(0.2)] * depth -> Dense(1)

Weights are N(0, 0.02) in the convolutional nets (DCGAN), U(+-1/sqrt(fan_in)) in the MLPs;
``alpha`` defaults to 0.1, the article's value for GAN initialisations.

>>> import numpy as np
>>> G = DCGANGenerator(z_dim=8, size=8, channels=1, width=16, rng=np.random.default_rng(0))
>>> x, vjp = G.forward(np.random.default_rng(1).standard_normal((5, 8)))
>>> x.shape, bool(np.all(np.abs(x) < 1)), vjp(np.ones_like(x))[0].shape
((5, 8, 8, 1), True, (5, 8))
"""
from __future__ import annotations

import math

import numpy as np

from ..core.validate import generator, positive_int, real_array
from ..modules.layers import Activation, Dense, normal_init
from ..modules.module import Module
from .layers import AvgPool, BatchNorm, Conv2D, Conv2DTranspose, Flatten, LeakyReLU, Reshape, SelfModBN, UpSample
from .resample import residual_backward, residual_forward

NORMS = ("bn", "selfmod", "none")


def _geometry(size, width, *, offset: int, halvings: int):
    """(steps, width): steps = log2(size) - offset resampling stages between 4x4 and size (at
    least 1 from size 8 on); the width must survive ``steps - halvings`` halvings exactly."""
    steps, w = _log2_size(size) - offset, positive_int("width", width)
    if steps < 3 - offset:
        raise ValueError(f"size: the net goes between 4x4 and size by factors of 2, so size >= 8, got {size}")
    if w % 2 ** (steps - halvings):
        raise ValueError(f"width: expected a multiple of {2 ** (steps - halvings)} (halved {steps - halvings} "
                         f"times), got {w}")
    return steps, w


def _log2_size(size) -> int:
    size = positive_int("size", size)
    n = int(round(math.log2(size))) if size > 0 else 0
    if size < 4 or 2 ** n != size:
        raise ValueError(f"size: expected a power of two >= 4 (the nets start or end at 4x4), got {size}")
    return n


def _apply(layer, h, z):
    """(y, vjp) with vjp(dy) -> (dh, dz or None): layers reading z (SELF-MOD BN, G blocks) get it."""
    if getattr(layer, "takes_z", False):
        return layer.forward(h, z)
    y, vjp = layer.forward(h)
    return y, lambda dy: (vjp(dy)[0], None)


def _chain(layers, h, z=None):
    vjps = []
    for layer in layers:
        h, vjp = _apply(layer, h, z)
        vjps.append(vjp)

    def vjp(dy):
        dz = None
        for back in reversed(vjps):
            dy, d = back(dy)
            if d is not None:
                dz = d if dz is None else dz + d
        return dy, dz

    return h, vjp


class _Norms:
    """Makes G's normalisation layers (``norm``, the SELF-MOD options)."""

    def __init__(self, norm, z_dim, rng, selfmod_hidden, selfmod_shared):
        if norm not in NORMS:
            raise ValueError(f"norm: expected one of {NORMS}, got {norm!r}")
        self.norm, self.z_dim, self.rng = norm, z_dim, rng
        self.hidden, self.shared, self.count = selfmod_hidden, selfmod_shared, 0

    def __call__(self, channels):
        self.count += 1
        if self.norm == "bn":
            return [BatchNorm(channels, name=f"bn{self.count}")]
        if self.norm == "selfmod":
            return [SelfModBN(channels, self.z_dim, self.hidden, shared=self.shared, rng=self.rng,
                              name=f"smbn{self.count}")]
        return []


class _Generator(Module):
    """Holds ``layers`` run in order on z (SELF-MOD layers read z again); forward(z) -> (x, vjp)."""

    def forward(self, z):
        z = real_array("z", z)
        if z.ndim != 2 or z.shape[1] != self.z_dim:
            raise ValueError(f"z: expected shape (batch, {self.z_dim}), got {z.shape}")
        x, vjp = _chain(self.layers, z, z)

        def vjp_z(dx):
            dh, dz = vjp(dx)
            return (dh if dz is None else dh + dz,)

        return x, vjp_z


class _Discriminator(Module):
    def forward(self, x):
        y, vjp = _chain(self.layers, x)
        return y, lambda dy: (vjp(dy)[0],)


def _options(z_dim, rng):
    return positive_int("z_dim", z_dim), generator("rng", rng)


class DCGANGenerator(_Generator):
    def __init__(self, z_dim: int = 16, size: int = 8, channels: int = 1, width: int = 64, *, norm: str = "bn",
                 selfmod_hidden: int = 32, selfmod_shared: bool = False, rng=None):
        self.z_dim, rng = _options(z_dim, rng)
        n, w = _geometry(size, width, offset=3, halvings=0)
        norms = _Norms(norm, self.z_dim, rng, selfmod_hidden, selfmod_shared)
        init = normal_init(0.02)
        layers = [Dense(self.z_dim, 16 * w, rng=rng, init=init, name="dense"), Reshape(4, 4, w),
                  *norms(w), LeakyReLU(0.0)]
        for i in range(n):
            layers += [Conv2DTranspose(w >> i, w >> (i + 1), 4, stride=2, rng=rng, name=f"deconv{i + 1}"),
                       *norms(w >> (i + 1)), LeakyReLU(0.0)]
        layers += [Conv2DTranspose(w >> n, positive_int("channels", channels), 4, stride=2, rng=rng,
                                   name="deconv_out"), Activation("tanh")]
        self.layers = layers


class DCGANDiscriminator(_Discriminator):
    def __init__(self, size: int = 8, channels: int = 1, width: int = 64, *, rng=None):
        rng = generator("rng", rng)
        n, w = _geometry(size, width, offset=3, halvings=0)
        layers, c = [], positive_int("channels", channels)
        for i in range(n + 1):
            out = w >> (n - i)
            layers += [Conv2D(c, out, 4, stride=2, rng=rng, name=f"conv{i + 1}")]
            layers += [BatchNorm(out, name=f"bn{i + 1}")] if i > 0 else []
            layers += [LeakyReLU(0.2)]
            c = out
        self.layers = layers + [Flatten(), Dense(16 * w, 1, rng=rng, init=normal_init(0.02), name="logit")]


class Residual(Module):
    """``shortcut(x) + alpha f(x)`` (:func:`.resample.residual_forward`); ``f`` and ``shortcut``
    are lists of layers (SELF-MOD BN layers in ``f`` read z): ``forward(x, z) -> (y, vjp)``,
    ``vjp(dy) -> (dx, dz or None)``."""

    takes_z = True

    def __init__(self, f, shortcut, alpha: float = 0.1):
        self.f, self.shortcut, self.alpha = list(f), list(shortcut), float(alpha)

    def forward(self, x, z=None):
        fx, vjp_f = _chain(self.f, x, z)
        sx, vjp_s = _chain(self.shortcut, x, z)
        y, _ = residual_forward(sx, fx, self.alpha)

        def vjp(dy):
            dsx, dfx = residual_backward(dy, self.alpha)
            dx_f, dz = vjp_f(dfx)
            dx_s, dz_s = vjp_s(dsx)
            if dz_s is not None:
                dz = dz_s if dz is None else dz + dz_s
            return dx_f + dx_s, dz

        return y, vjp


class ResNetGenerator(_Generator):
    def __init__(self, z_dim: int = 16, size: int = 8, channels: int = 1, width: int = 64, *, norm: str = "bn",
                 alpha: float = 0.1, selfmod_hidden: int = 32, selfmod_shared: bool = False, rng=None):
        self.z_dim, rng = _options(z_dim, rng)
        m, w = _geometry(size, width, offset=2, halvings=0)
        norms = _Norms(norm, self.z_dim, rng, selfmod_hidden, selfmod_shared)
        layers = [Dense(self.z_dim, 16 * w, rng=rng, init=normal_init(0.02), name="dense"), Reshape(4, 4, w)]
        for i in range(m):
            cin, cout = w >> i, w >> (i + 1)
            f = [*norms(cin), LeakyReLU(0.0), UpSample(2), Conv2D(cin, cout, 3, rng=rng, name=f"g{i + 1}.conv1"),
                 *norms(cout), LeakyReLU(0.0), Conv2D(cout, cout, 3, rng=rng, name=f"g{i + 1}.conv2")]
            shortcut = [UpSample(2)] + ([Conv2D(cin, cout, 1, rng=rng, name=f"g{i + 1}.shortcut")]
                                        if cin != cout else [])
            layers.append(Residual(f, shortcut, alpha))
        layers += [*norms(w >> m), LeakyReLU(0.0),
                   Conv2D(w >> m, positive_int("channels", channels), 3, rng=rng, name="conv_out"), Activation("tanh")]
        self.layers = layers


class ResNetDiscriminator(_Discriminator):
    def __init__(self, size: int = 8, channels: int = 1, width: int = 64, *, alpha: float = 0.1, rng=None):
        rng = generator("rng", rng)
        m, w = _geometry(size, width, offset=2, halvings=1)
        layers, c = [], positive_int("channels", channels)
        for i in range(m):
            out = w >> (m - 1 - i)
            f = ([LeakyReLU(0.2)] if i > 0 else []) + [
                Conv2D(c, out, 3, rng=rng, name=f"d{i + 1}.conv1"), LeakyReLU(0.2),
                Conv2D(out, out, 3, rng=rng, name=f"d{i + 1}.conv2"), AvgPool(2)]
            shortcut = [Conv2D(c, out, 1, rng=rng, name=f"d{i + 1}.shortcut"), AvgPool(2)]
            layers.append(Residual(f, shortcut, alpha))
            c = out
        self.layers = layers + [LeakyReLU(0.2), Flatten(), Dense(16 * w, 1, rng=rng, init=normal_init(0.02),
                                                                 name="logit")]


class MLPGenerator(_Generator):
    def __init__(self, z_dim: int = 2, out: int = 2, hidden: int = 128, depth: int = 2, *, norm: str = "bn",
                 selfmod_hidden: int = 32, selfmod_shared: bool = False, rng=None):
        self.z_dim, rng = _options(z_dim, rng)
        h, d = positive_int("hidden", hidden), positive_int("depth", depth)
        norms = _Norms(norm, self.z_dim, rng, selfmod_hidden, selfmod_shared)
        layers, n = [], self.z_dim
        for i in range(d):
            layers += [Dense(n, h, rng=rng, name=f"dense{i + 1}"), *norms(h), LeakyReLU(0.0)]
            n = h
        self.layers = layers + [Dense(n, positive_int("out", out), rng=rng, name="dense_out")]


class MLPDiscriminator(_Discriminator):
    def __init__(self, dim: int = 2, hidden: int = 128, depth: int = 2, *, rng=None):
        rng = generator("rng", rng)
        h, d = positive_int("hidden", hidden), positive_int("depth", depth)
        layers, n = [], positive_int("dim", dim)
        for i in range(d):
            layers += [Dense(n, h, rng=rng, name=f"dense{i + 1}"), LeakyReLU(0.2)]
            n = h
        self.layers = layers + [Dense(n, 1, rng=rng, name="logit")]


def set_training(module, training: bool) -> None:
    """Sets ``training`` on every normalisation layer below ``module`` (evaluation: running statistics)."""
    seen = set()

    def visit(obj):
        if id(obj) in seen:
            return
        seen.add(id(obj))
        if isinstance(obj, (BatchNorm, SelfModBN)):
            obj.training = bool(training)
        children = vars(obj).values() if isinstance(obj, Module) else obj if isinstance(obj, (list, tuple)) else ()
        for child in children:
            if isinstance(child, (Module, list, tuple)):
                visit(child)

    visit(module)
