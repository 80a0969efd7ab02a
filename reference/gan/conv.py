"""Conv2D (NHWC) and Conv2DTranspose defined as its exact adjoint (kexue.fm/archives/6549).

Spec form: :mod:`reference.gan.spec`, the same equations in plain NumPy, line by line
(``refspace check --spec`` holds the two equal).

``conv2d_forward(x, W, b, stride, padding, dilation)``: x (B, H, W, Cin), W (KH, KW, Cin,
Cout). ``padding="same"`` pads as TensorFlow does: the output is ``ceil(n / s)`` and the total
padding ``max((out - 1) s + (k - 1) d + 1 - n, 0)`` is split with the smaller half first (the
extra row/column at the bottom/right); ``"valid"`` pads nothing. The windows are a strided
view of the padded input (no copy) and the product one ``tensordot``.

``conv2d_transpose_forward(y, W, ...)`` is the adjoint of the convolution that maps an
``output_size`` input to y's size: ``<conv(x), y> = <x, conv_transpose(y)>`` exactly (the
gradient of the convolution with respect to its input). Without ``output_size`` the size
per axis (input n, kernel k, stride s, dilation d, k_eff = (k - 1) d + 1) follows ``sizes``:

============  =========================  ==============================================
``sizes``     "same"                     "valid"
============  =========================  ==============================================
"keras"       n s                        n s + max(k_eff - s, 0)   (Keras 3's Conv2DTranspose)
"torch"       n s                        (n - 1) s + k_eff         (PyTorch's ConvTranspose2d,
                                                                    padding 0, output_padding 0)
============  =========================  ==============================================

The two agree unless the stride exceeds the dilated kernel (n = 3, k = 2, s = 3: Keras 9,
PyTorch 8); the larger Keras output's extra rows are ones no window reads (zero before the
bias). PyTorch's ConvTranspose2d has no "same"; n s is what its ``padding`` and
``output_padding`` give a port that reproduces TensorFlow's "same". The kernel keeps the
convolution's layout (KH, KW, C_out_of_transpose, C_in_of_transpose), as TensorFlow's
``conv2d_transpose``.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..core.validate import float_array, gradient

PADDINGS = ("same", "valid")


def _pair(name, v):
    t = (v, v) if isinstance(v, (int, np.integer)) else tuple(v)
    if len(t) != 2 or not all(isinstance(a, (int, np.integer)) and a >= 1 for a in t):
        raise ValueError(f"{name}: expected a positive integer or a pair of them, got {v!r}")
    return int(t[0]), int(t[1])


def _geometry(n, k, s, d, padding):
    """(output size, pad before, pad after) along one axis."""
    span = (k - 1) * d + 1
    if padding == "same":
        out = -(-n // s)
        total = max((out - 1) * s + span - n, 0)
        return out, total // 2, total - total // 2
    if n < span:
        raise ValueError(f"x: {n} positions are fewer than the dilated kernel's {span} with padding 'valid'")
    return (n - span) // s + 1, 0, 0


def _windows(xp, KH, KW, Ho, Wo, stride, dilation):
    B, _, _, C = xp.shape
    sB, sH, sW, sC = xp.strides
    return as_strided(xp, (B, Ho, Wo, KH, KW, C),
                      (sB, sH * stride[0], sW * stride[1], sH * dilation[0], sW * dilation[1], sC), writeable=False)


def _setup(x_shape, W, stride, padding, dilation):
    if padding not in PADDINGS:
        raise ValueError(f"padding: expected one of {PADDINGS}, got {padding!r}")
    stride, dilation = _pair("stride", stride), _pair("dilation", dilation)
    KH, KW = W.shape[:2]
    Ho, pt, pb = _geometry(x_shape[1], KH, stride[0], dilation[0], padding)
    Wo, pl, pr = _geometry(x_shape[2], KW, stride[1], dilation[1], padding)
    return stride, dilation, (Ho, Wo), ((0, 0), (pt, pb), (pl, pr), (0, 0))


def conv2d_forward(x, W, b=None, *, stride=1, padding: str = "same", dilation=1):
    """y (B, Ho, Wo, Cout) = conv(x, W) + b; returns (y, cache)."""
    x = float_array("x", x, ndim=4)
    W = float_array("W", W, ndim=4, dtype=x.dtype)
    if W.shape[2] != x.shape[3]:
        raise ValueError(f"W: expected {x.shape[3]} input channels (x's last axis), got {W.shape[2]}")
    stride, dilation, (Ho, Wo), pads = _setup(x.shape, W, stride, padding, dilation)
    xp = np.pad(x, pads)
    win = _windows(xp, W.shape[0], W.shape[1], Ho, Wo, stride, dilation)
    y = np.tensordot(win, W, axes=([3, 4, 5], [0, 1, 2]))
    if b is not None:
        b = float_array("b", b, ndim=1, dtype=x.dtype)
        if b.shape != (W.shape[3],):
            raise ValueError(f"b: expected shape ({W.shape[3]},), got {b.shape}")
        y = y + b
    return y, (xp, x.shape, W, stride, dilation, pads, b is not None)


def _input_gradient(dy, W, xp_shape, x_shape, stride, dilation, pads):
    """The adjoint of the convolution: scatter-add the windows' gradients back onto the input."""
    KH, KW = W.shape[:2]
    Ho, Wo = dy.shape[1:3]
    dcols = np.tensordot(dy, W, axes=([3], [3]))                  # (B, Ho, Wo, KH, KW, Cin)
    dxp = np.zeros(xp_shape, dtype=dy.dtype)
    sh, sw = stride
    dh, dw = dilation
    for i in range(KH):
        for j in range(KW):
            dxp[:, i * dh:i * dh + sh * (Ho - 1) + 1:sh, j * dw:j * dw + sw * (Wo - 1) + 1:sw, :] += dcols[:, :, :, i, j, :]
    (_, _), (pt, _), (pl, _), (_, _) = pads
    return dxp[:, pt:pt + x_shape[1], pl:pl + x_shape[2], :]


def conv2d_backward(dy, cache):
    """(dx, dW, db) (db None without a bias)."""
    xp, x_shape, W, stride, dilation, pads, has_bias = cache
    Ho, Wo = ((xp.shape[1 + a] - dilation[a] * (W.shape[a] - 1) - 1) // stride[a] + 1 for a in (0, 1))
    dy = gradient("dy", dy, (x_shape[0], Ho, Wo, W.shape[3]), xp.dtype)
    win = _windows(xp, W.shape[0], W.shape[1], dy.shape[1], dy.shape[2], stride, dilation)
    dW = np.tensordot(win, dy, axes=([0, 1, 2], [0, 1, 2]))        # (KH, KW, Cin, Cout)
    dx = _input_gradient(dy, W, xp.shape, x_shape, stride, dilation, pads)
    return dx, dW, (dy.sum(axis=(0, 1, 2)) if has_bias else None)


SIZES = ("keras", "torch")


def to_torch_kernel(W) -> np.ndarray:
    """A kernel in this module's layout (KH, KW, Cin, Cout) as PyTorch's (Cout, Cin, KH, KW): the
    ``weight`` of ``nn.Conv2d`` for :func:`conv2d_forward`, and of ``nn.ConvTranspose2d`` (whose
    (in, out, KH, KW) is y's channels first) for :func:`conv2d_transpose_forward` with the same W.
    PyTorch is NCHW: move x's channels with ``np.moveaxis(x, -1, 1)``, and flatten NHWC maps in
    (H, W, C) order to match a refspace Flatten."""
    W = float_array("W", W, ndim=4)
    return np.ascontiguousarray(np.transpose(W, (3, 2, 0, 1)))


def from_torch_kernel(weight) -> np.ndarray:
    """The inverse of :func:`to_torch_kernel`: PyTorch's (Cout, Cin, KH, KW) as (KH, KW, Cin, Cout)."""
    w = float_array("weight", weight, ndim=4)
    return np.ascontiguousarray(np.transpose(w, (2, 3, 1, 0)))


def transpose_output_size(n: int, k: int, s: int, d: int, padding: str, sizes: str = "keras") -> int:
    """A transposed convolution's output size along one axis (the table in the module docstring)."""
    if sizes not in SIZES:
        raise ValueError(f"sizes: expected one of {SIZES}, got {sizes!r}")
    if padding == "same":
        return n * s
    k_eff = (k - 1) * d + 1
    return n * s + max(k_eff - s, 0) if sizes == "keras" else (n - 1) * s + k_eff


def conv2d_transpose_forward(y, W, b=None, *, stride=1, padding: str = "same", dilation=1, output_size=None,
                             sizes: str = "keras"):
    """z (B, H, W, C) = the adjoint of ``conv2d`` (input size ``output_size``) applied to y, plus b;
    without ``output_size``, the size ``sizes`` names: "keras" (default) or "torch"."""
    y = float_array("y", y, ndim=4)
    W = float_array("W", W, ndim=4, dtype=y.dtype)
    if W.shape[3] != y.shape[3]:
        raise ValueError(f"W: expected {y.shape[3]} channels in its last axis (y's channels), got {W.shape[3]}")
    s, d = _pair("stride", stride), _pair("dilation", dilation)
    if padding not in PADDINGS:
        raise ValueError(f"padding: expected one of {PADDINGS}, got {padding!r}")
    if sizes not in SIZES:
        raise ValueError(f"sizes: expected one of {SIZES}, got {sizes!r}")
    if output_size is not None:
        output_size = _pair("output_size", output_size)
    else:
        output_size = tuple(transpose_output_size(y.shape[1 + a], W.shape[a], s[a], d[a], padding, sizes)
                            for a in (0, 1))
    x_shape = (y.shape[0], int(output_size[0]), int(output_size[1]), W.shape[2])
    stride, dilation, out_hw, pads = _setup(x_shape, W, s, padding, d)
    if out_hw != y.shape[1:3]:
        raise ValueError(f"output_size: a convolution of {output_size} gives {out_hw}, not y's {y.shape[1:3]}")
    xp_shape = (x_shape[0], x_shape[1] + pads[1][0] + pads[1][1], x_shape[2] + pads[2][0] + pads[2][1], x_shape[3])
    z = _input_gradient(y, W, xp_shape, x_shape, stride, dilation, pads)
    if b is not None:
        b = float_array("b", b, ndim=1, dtype=y.dtype)
        if b.shape != (W.shape[2],):
            raise ValueError(f"b: expected shape ({W.shape[2]},), got {b.shape}")
        z = z + b
    return z, (y, W, stride, dilation, padding, b is not None)


def conv2d_transpose_backward(dz, cache):
    """(dy, dW, db): dy is the convolution of dz (the adjoint's adjoint); dW pairs dz's windows with y."""
    y, W, stride, dilation, padding, has_bias = cache
    dz = gradient("dz", dz, None, y.dtype)
    if dz.ndim != 4 or dz.shape[0] != y.shape[0] or dz.shape[3] != W.shape[2]:
        raise ValueError(f"dz: expected the forward output's shape (B={y.shape[0]}, H, W, C={W.shape[2]}), "
                         f"got {dz.shape}")
    dy, conv_cache = conv2d_forward(dz, W, stride=stride, padding=padding, dilation=dilation)
    if dy.shape != y.shape:
        raise ValueError(f"dz: its convolution has shape {dy.shape}, not y's {y.shape} (not the forward output's shape)")
    xp = conv_cache[0]
    win = _windows(xp, W.shape[0], W.shape[1], y.shape[1], y.shape[2], stride, dilation)
    dW = np.tensordot(win, y, axes=([0, 1, 2], [0, 1, 2]))
    return dy, dW, (dz.sum(axis=(0, 1, 2)) if has_bias else None)
