"""``refspace bench conv``: Conv2D forward+backward against its bare GEMMs (and PyTorch).

Default sizes are a DCGAN discriminator layer: a batch of 64 images 32x32x64 to 16x16x128,
kernel 5x5, stride 2, 'same', float32.

The lower bound is the three GEMMs a convolution by im2col cannot avoid, timed on arrays of
the same shapes (the window matrix built beforehand): forward ``cols W``, backward
``cols^T dy`` and ``dy W^T``. When PyTorch is importable, ``torch.nn.functional.conv2d``
(NCHW, the same padding split) runs forward+backward with the same weights.
"""
from __future__ import annotations

import numpy as np

from ..gan.conv import conv2d_backward, conv2d_forward
from .timing import bench_result, time_interleaved


def conv_bytes(batch, size, cin, cout, k, stride, itemsize) -> int:
    """Working memory of one forward+backward (windows matrix and its gradient dominate)."""
    out = -(-size // stride)
    cols = batch * out * out * k * k * cin
    return int(itemsize * (3 * cols + 4 * batch * size * size * cin + 2 * batch * out * out * cout))


def _torch_runner(x, W, dy, stride, pads):
    try:
        import torch
    except ImportError:
        return None
    F = torch.nn.functional
    xt = torch.from_numpy(np.ascontiguousarray(np.moveaxis(x, -1, 1))).requires_grad_(True)
    wt = torch.from_numpy(np.ascontiguousarray(np.transpose(W, (3, 2, 0, 1)))).requires_grad_(True)
    gt = torch.from_numpy(np.ascontiguousarray(np.moveaxis(dy, -1, 1)))
    (pt, pb), (pl, pr) = pads

    def run():
        xt.grad = wt.grad = None
        F.conv2d(F.pad(xt, (pl, pr, pt, pb)), wt, stride=stride).backward(gt)

    return run, torch.__version__, torch.get_num_threads()


def run(batch=64, size=32, in_channels=64, out_channels=128, kernel=5, stride=2, *, dtype="float32", repeat=5,
        seed=0, with_torch=True) -> dict:
    """Measure and return a dict of results (seconds are medians over ``repeat`` rounds)."""
    dt = np.dtype(dtype)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, size, size, in_channels)).astype(dt)
    W = (rng.standard_normal((kernel, kernel, in_channels, out_channels)) / kernel).astype(dt)
    y, cache = conv2d_forward(x, W, stride=stride, padding="same")
    dy = rng.standard_normal(y.shape).astype(dt)

    def ours():
        _, c = conv2d_forward(x, W, stride=stride, padding="same")
        conv2d_backward(dy, c)

    rows = batch * y.shape[1] * y.shape[2]
    cols = rng.standard_normal((rows, kernel * kernel * in_channels)).astype(dt)
    Wm = W.reshape(-1, out_channels)
    dym = dy.reshape(rows, out_channels)

    out_y, out_dW, out_dcols = (np.empty(shape, dt) for shape in ((rows, out_channels), Wm.shape, cols.shape))

    def gemms():                           # into outputs allocated once: only the arithmetic is timed
        np.matmul(cols, Wm, out=out_y)
        np.matmul(cols.T, dym, out=out_dW)
        np.matmul(dym, Wm.T, out=out_dcols)

    fns = {"refspace": ours, "bare GEMMs": gemms}
    pads = cache[5][1:3]
    torch_info = _torch_runner(x, W, dy, stride, pads) if with_torch else None
    if torch_info is not None:
        fns["torch conv2d"] = torch_info[0]
    timings = time_interleaved(fns, repeat=repeat)
    peer = None if torch_info is None else {"version": torch_info[1], "threads": torch_info[2]}
    sizes = {"B": batch, "HW": size, "Cin": in_channels, "Cout": out_channels, "k": kernel, "stride": stride,
             "dtype": dt.name}
    return bench_result("conv", "Conv2D forward+backward ('same')", sizes, timings, peer)
