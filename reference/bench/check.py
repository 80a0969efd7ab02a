"""``refspace bench check``: the gradient checker's own cost, against PyTorch's gradcheck.

The checked function is an LSTM layer (forward and hand-written backward) in float64 at a
small size (default T=3, B=2, I=4, H=5: 224 input entries, 30 output entries). Rows:

- ``refspace`` : :func:`reference.core.gradcheck.check_vjp` in ``mode="auto"`` (here the full
  Jacobian: one backward per output entry, two forwards per input entry);
- ``refspace direction`` : the same check in random-direction mode (4 directions per input);
- ``torch gradcheck`` and ``torch gradcheck fast_mode`` (when PyTorch is installed): the same
  layer written with torch operations in float64, checked by ``torch.autograd.gradcheck``
  in its full and fast (random-projection) modes.

Every row's time is a median measured in the same run as the others.
"""
from __future__ import annotations

import numpy as np

from ..core.gradcheck import check_vjp
from ..lstm import LSTMParams, lstm_layer_backward, lstm_layer_forward
from .timing import bench_result, optional_torch, time_interleaved


def _torch_lstm(torch, x, W, U, b, H):
    """The layer of :mod:`reference.lstm.layer` in torch operations (gate order f, i, o, c_hat)."""
    h = x.new_zeros(x.shape[1], H)
    c = x.new_zeros(x.shape[1], H)
    outs = []
    for t in range(x.shape[0]):
        z = x[t] @ W + h @ U + b
        f, i, o = torch.sigmoid(z[:, :3 * H]).split(H, dim=1)
        c = f * c + i * torch.tanh(z[:, 3 * H:])
        h = o * torch.tanh(c)
        outs.append(h)
    return torch.stack(outs)


def run(steps=3, batch=2, input_size=4, hidden=5, *, repeat=5, seed=0, with_torch=True) -> dict:
    rng = np.random.default_rng(seed)
    p = LSTMParams.init(input_size, hidden, rng, dtype=np.float64)
    x = rng.standard_normal((steps, batch, input_size))

    def fn(x, W, U, b):
        return lstm_layer_forward(x, LSTMParams(W, U, b))[0][0]

    def vjp(g, x, W, U, b):
        dx, dp, _, _ = lstm_layer_backward((g, None, None), lstm_layer_forward(x, LSTMParams(W, U, b))[1])
        return dx, dp.W, dp.U, dp.b

    inputs = (x, p.W, p.U, p.b)
    fns = {"refspace": lambda: check_vjp(fn, vjp, inputs).raise_if_failed(),
           "refspace direction": lambda: check_vjp(fn, vjp, inputs, mode="direction").raise_if_failed()}
    peer = None
    torch = optional_torch() if with_torch else None
    if torch is not None:
        tensors = tuple(torch.from_numpy(a.copy()).requires_grad_(True) for a in inputs)
        f = lambda *a: _torch_lstm(torch, *a, hidden)
        fns["torch gradcheck"] = lambda: torch.autograd.gradcheck(f, tensors)
        fns["torch gradcheck fast_mode"] = lambda: torch.autograd.gradcheck(f, tensors, fast_mode=True)
        peer = {"version": torch.__version__, "threads": torch.get_num_threads()}
    timings = time_interleaved(fns, repeat=repeat)
    sizes = {"T": steps, "B": batch, "I": input_size, "H": hidden, "dtype": "float64",
             "input entries": sum(a.size for a in inputs), "output entries": steps * batch * hidden}
    return bench_result("check", "gradient check of an LSTM layer", sizes, timings, peer)
