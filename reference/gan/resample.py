"""Nearest upsampling, average pooling, LeakyReLU and the residual sum of the GAN blocks
(kexue.fm/archives/6549), NHWC, each a forward/backward pair.

>>> y, _ = upsample_nearest_forward(np.arange(4.0).reshape(1, 2, 2, 1), 2)
>>> y[0, :, :, 0]
array([[0., 0., 1., 1.],
       [0., 0., 1., 1.],
       [2., 2., 3., 3.],
       [2., 2., 3., 3.]])
"""
from __future__ import annotations

import numpy as np

from ..core.validate import float_array, gradient
from .conv import _pair


def upsample_nearest_forward(x, factor=2):
    """Each pixel repeated ``factor`` times along H and W (an int or a pair)."""
    x = float_array("x", x, ndim=4)
    fh, fw = _pair("factor", factor)
    return np.repeat(np.repeat(x, fh, axis=1), fw, axis=2), (x.shape, fh, fw)


def upsample_nearest_backward(dy, cache):
    """Each input pixel gets the sum of its block's gradients."""
    (B, H, W, C), fh, fw = cache
    return gradient("dy", dy, (B, H * fh, W * fw, C)).reshape(B, H, fh, W, fw, C).sum(axis=(2, 4))


REMAINDERS = ("error", "drop")


def avg_pool_forward(x, size=2, *, remainder: str = "error"):
    """Non-overlapping average pooling over ``size`` blocks. ``remainder`` says what happens to
    rows and columns the size does not divide: ``"error"`` (default) refuses them, ``"drop"``
    leaves them out, as PyTorch's ``avg_pool2d(x, size)`` and Keras's ``AveragePooling2D``
    ("valid") do (their gradient is zero)."""
    x = float_array("x", x, ndim=4)
    ph, pw = _pair("size", size)
    if remainder not in REMAINDERS:
        raise ValueError(f"remainder: expected one of {REMAINDERS}, got {remainder!r}")
    B, H, W, C = x.shape
    if remainder == "error" and (H % ph or W % pw):
        raise ValueError(f"x: H={H}, W={W} are not divisible by the pool size ({ph}, {pw}); pass remainder='drop' "
                         "to leave the rest out, as PyTorch and Keras do")
    Ho, Wo = H // ph, W // pw
    if Ho == 0 or Wo == 0:
        raise ValueError(f"x: H={H}, W={W} are smaller than the pool size ({ph}, {pw})")
    blocks = x[:, :Ho * ph, :Wo * pw].reshape(B, Ho, ph, Wo, pw, C)
    return blocks.mean(axis=(2, 4)), (x.shape, ph, pw)


def avg_pool_backward(dy, cache):
    """Each pixel gets its block's gradient divided by the block size (zero where dropped)."""
    (B, H, W, C), ph, pw = cache
    Ho, Wo = H // ph, W // pw
    dy = gradient("dy", dy, (B, Ho, Wo, C)) / (ph * pw)
    blocks = np.repeat(np.repeat(dy, ph, axis=1), pw, axis=2)
    if blocks.shape[1:3] == (H, W):
        return blocks
    dx = np.zeros((B, H, W, C), dtype=blocks.dtype)
    dx[:, :Ho * ph, :Wo * pw] = blocks
    return dx


def leaky_relu_forward(x, alpha: float = 0.2):
    """``x`` where positive, ``alpha x`` elsewhere (DCGAN's discriminator uses 0.2)."""
    x = float_array("x", x)
    pos = x > 0
    return np.where(pos, x, alpha * x), (pos, alpha)


def leaky_relu_backward(dy, cache):
    pos, alpha = cache
    dy = gradient("dy", dy, pos.shape)
    return np.where(pos, dy, alpha * dy)


def residual_forward(x, fx, alpha: float = 1.0):
    """``x + alpha f(x)`` given ``f(x)``: the residual block's merge (alpha scales the branch)."""
    x = float_array("x", x)
    fx = float_array("fx", fx, dtype=x.dtype)
    if fx.shape != x.shape:
        raise ValueError(f"fx: expected x's shape {x.shape}, got {fx.shape}")
    return x + alpha * fx, alpha


def residual_backward(dy, alpha):
    dy = gradient("dy", dy, None)
    return dy, alpha * dy


def overlap_counts(n: int, k: int, stride: int) -> np.ndarray:
    """How many kernel taps of a 1-d transposed convolution (n inputs, kernel k, stride s,
    'valid') land on each output position: the checkerboard pattern. Its interior is constant
    exactly when the stride divides the kernel size."""
    from .conv import conv2d_transpose_forward

    z, _ = conv2d_transpose_forward(np.ones((1, 1, n, 1)), np.ones((1, k, 1, 1)), stride=(1, stride), padding="valid")
    return z[0, 0, :, 0]
