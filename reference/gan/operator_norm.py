"""The true operator norm (Lipschitz constant) of a convolution, which spectral normalisation
of the reshaped kernel does not give (kexue.fm/archives/6051; pytorch#99149).

- :func:`conv_operator_norm`: power iteration on the convolution and its exact adjoint
  (:mod:`reference.gan.conv`), for zero padding, any stride and dilation, on a given input
  size;
- :func:`circular_conv_norm_fft`: the closed form for a stride-1 *circular* convolution
  (Sedghi, Gupta and Long 2019): the largest singular value, over the 2-d frequencies, of the
  kernel's (Cout, Cin) Fourier transform;
- :func:`circular_conv2d` and :func:`circular_conv2d_adjoint`, the circular operator.

A 3x3 kernel of ones (one channel) has reshaped-kernel spectral norm 3 (its Frobenius norm),
but as a convolution it multiplies a constant image by 9: dividing it by 3 leaves a layer
whose Lipschitz constant is 3, not 1.

>>> W = np.ones((3, 3, 1, 1))
>>> round(circular_conv_norm_fft(W, (8, 8)), 10)
9.0
>>> round(float(np.linalg.svd(W.reshape(-1, 1), compute_uv=False)[0]), 10)
3.0
"""
from __future__ import annotations

import numpy as np

from ..core.validate import float_array, numeric_array, real_array
from .conv import conv2d_forward, conv2d_transpose_forward


def conv_operator_norm(W, input_hw, *, stride=1, padding: str = "same", dilation=1, n_iter: int = 100,
                       seed: int = 0) -> float:
    """Power iteration ``x <- A^T A x / |A^T A x|`` with A the convolution on (1, H, W, Cin)
    inputs; returns ``|A x|`` for the final unit ``x`` (a lower bound converging to the norm)."""
    W = real_array("W", W, ndim=4)
    H, Wd = input_hw
    x = np.random.default_rng(seed).standard_normal((1, H, Wd, W.shape[2]))
    x /= np.linalg.norm(x)
    for _ in range(n_iter):
        y, _ = conv2d_forward(x, W, stride=stride, padding=padding, dilation=dilation)
        x, _ = conv2d_transpose_forward(y, W, stride=stride, padding=padding, dilation=dilation, output_size=(H, Wd))
        n = np.linalg.norm(x)
        if n == 0:
            return 0.0
        x /= n
    return float(np.linalg.norm(conv2d_forward(x, W, stride=stride, padding=padding, dilation=dilation)[0]))


def _wrap_pads(k):
    before = (k - 1) // 2
    return before, k - 1 - before


def circular_conv2d(x, W):
    """Stride-1 convolution with circular (periodic) padding: output size = input size."""
    x = numeric_array("x", x, ndim=4).astype(np.float64)
    W = float_array("W", W, ndim=4)
    (pt, pb), (pl, pr) = _wrap_pads(W.shape[0]), _wrap_pads(W.shape[1])
    xp = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)), mode="wrap")
    return conv2d_forward(xp, W, padding="valid")[0]


def circular_conv2d_adjoint(y, W, input_hw):
    """The adjoint of :func:`circular_conv2d`: the valid convolution's adjoint on the padded
    input, with the padding folded back onto the rows and columns it copied."""
    H, Wd = input_hw
    (pt, pb), (pl, pr) = _wrap_pads(W.shape[0]), _wrap_pads(W.shape[1])
    zp, _ = conv2d_transpose_forward(y, W, padding="valid", output_size=(H + pt + pb, Wd + pl + pr))
    rows = (np.arange(H + pt + pb) - pt) % H
    cols = (np.arange(Wd + pl + pr) - pl) % Wd
    out = np.zeros((y.shape[0], H, Wd, W.shape[2]))
    np.add.at(out, (slice(None), rows[:, None], cols[None, :]), zp)
    return out


def circular_conv_norm_fft(W, input_hw) -> float:
    """max over frequencies (u, v) of the largest singular value of sum_ij W[i, j] e^{-2 pi i (u i/H + v j/W)}."""
    W = real_array("W", W, ndim=4)
    H, Wd = input_hw
    KH, KW, Cin, Cout = W.shape
    if KH > H or KW > Wd:
        raise ValueError(f"input_hw: the kernel ({KH}, {KW}) does not fit the input {input_hw}")
    padded = np.zeros((H, Wd, Cin, Cout))
    padded[:KH, :KW] = W
    spectrum = np.fft.fft2(padded, axes=(0, 1))                       # (H, W, Cin, Cout)
    return float(np.linalg.svd(spectrum, compute_uv=False).max())
