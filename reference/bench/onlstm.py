"""``refspace bench onlstm``: forward+backward of the ON-LSTM layer against its bare GEMMs.

Default sizes are the ON-LSTM authors' (spec section 6): B=20, T=70 (bptt), I=400,
H=1150, chunk_size=10 (L=115 levels), float32. The lower bound is
:func:`~reference.bench.gemms.recurrent_layer_gemms` with G = 4H + 2L gate columns. When
PyTorch is importable the peer is a straightforward PyTorch autograd module computing the
same layer (same weights, "paper" master input) on the CPU; the authors' own PyTorch cell
was measured at about 3.2x the bare-GEMM time at these sizes.
"""
from __future__ import annotations

import numpy as np

from ..onlstm import ONLSTMParams, onlstm_layer_backward, onlstm_layer_forward
from .gemms import recurrent_layer_gemms
from .timing import bench_result, time_interleaved


def torch_onlstm_layer(torch, x, W, U, b, H: int, L: int):
    """ON-LSTM layer ("paper" master input) in PyTorch autograd, this project's column order."""
    T, B, _ = x.shape
    cs = H // L
    xw = (x.reshape(T * B, -1) @ W).reshape(T, B, -1) + b
    h = x.new_zeros(B, H)
    c = x.new_zeros(B, H)
    outs = []
    for t in range(T):
        z = xw[t] + h @ U
        f, i, o = torch.sigmoid(z[:, :3 * H]).split(H, dim=1)
        c_hat = torch.tanh(z[:, 3 * H:4 * H])
        F = torch.cumsum(torch.softmax(z[:, 4 * H:4 * H + L], -1), -1).repeat_interleave(cs, 1)
        I = (1 - torch.cumsum(torch.softmax(z[:, 4 * H + L:], -1), -1)).repeat_interleave(cs, 1)
        w = F * I
        c = w * (f * c + i * c_hat) + (F - w) * c + (I - w) * c_hat
        h = o * torch.tanh(c)
        outs.append(h)
    return torch.stack(outs)


def _torch_runner(x, params, dhs):
    try:
        import torch
    except ImportError:
        return None
    W, U, b = (torch.from_numpy(a.copy()).requires_grad_(True) for a in (params.W, params.U, params.b))
    xt = torch.from_numpy(x).requires_grad_(True)
    gt = torch.from_numpy(dhs)

    def run():
        for t in (W, U, b, xt):
            t.grad = None
        torch_onlstm_layer(torch, xt, W, U, b, params.hidden_size, params.n_chunk).backward(gt)

    return run, torch.__version__, torch.get_num_threads()


def run(batch=20, steps=70, input_size=400, hidden=1150, chunk_size=10, *, dtype="float32", repeat=5, seed=0,
        with_torch=True):
    """Measure and return a dict of results (seconds are medians over ``repeat`` rounds)."""
    dt = np.dtype(dtype)
    rng = np.random.default_rng(seed)
    params = ONLSTMParams.init(input_size, hidden, chunk_size, rng, dtype=dt)
    x = rng.standard_normal((steps, batch, input_size)).astype(dt)
    dhs = rng.standard_normal((steps, batch, hidden)).astype(dt)

    def ours():
        _, cache = onlstm_layer_forward(x, params)
        onlstm_layer_backward((dhs, None, None), cache)

    G = params.U.shape[1]
    fns = {"refspace": ours, "bare GEMMs": recurrent_layer_gemms(steps, batch, input_size, hidden, G, dt, rng)}
    torch_info = _torch_runner(x, params, dhs) if with_torch else None
    if torch_info is not None:
        fns["torch autograd"] = torch_info[0]
    timings = time_interleaved(fns, repeat=repeat)
    peer = None if torch_info is None else {"version": torch_info[1], "threads": torch_info[2]}
    sizes = {"B": batch, "T": steps, "I": input_size, "H": hidden, "chunk_size": chunk_size, "dtype": dt.name}
    return bench_result("onlstm", "ON-LSTM layer forward+backward", sizes, timings, peer)
