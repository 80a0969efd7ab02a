"""``refspace bench lstm``: forward+backward of the LSTM layer against its bare GEMMs.

Default sizes are the ON-LSTM authors' language-model layer at the LSTM issue's setting:
B=20, T=35, I=400, H=1150, float32.

The lower bound is the GEMMs the layer cannot avoid, timed on arrays of the same shapes:
forward ``X W`` (TB x I x 4H) and T times ``h U`` (B x H x 4H); backward T times ``dz U^T``,
and ``X^T dZ``, ``H^T dZ``, ``dZ W^T``. When PyTorch is importable, ``torch.nn.LSTM`` on the
CPU runs forward+backward with the same weights (loaded through :func:`to_torch_layout`),
twice: as it comes (on x86 builds a fused oneDNN RNN kernel, which at small sizes is faster
than NumPy's bare GEMMs for the same layer) and with oneDNN switched off (ATen's own cell
loop, the path without that kernel).
"""
from __future__ import annotations

import warnings

import numpy as np

from ..lstm import LSTMParams, lstm_layer_backward, lstm_layer_forward, to_torch_layout
from .gemms import recurrent_layer_gemms
from .timing import bench_result, time_interleaved


def _torch_runner(x, params, dhs):
    try:
        import torch
    except ImportError:
        return None
    T, B, I = x.shape
    module = torch.nn.LSTM(I, params.hidden_size)
    dtype = torch.float32 if x.dtype == np.float32 else torch.float64
    module = module.to(dtype)
    module.load_state_dict({k: torch.from_numpy(v) for k, v in to_torch_layout(params).items()})
    xt = torch.from_numpy(x).requires_grad_(True)
    gt = torch.from_numpy(dhs)

    def run():
        module.zero_grad(set_to_none=True)
        xt.grad = None
        out, _ = module(xt)
        out.backward(gt)

    def run_native():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")      # a note about TF32 on Intel GPUs, printed on every toggle
            with torch.backends.mkldnn.flags(enabled=False):
                run()

    return run, run_native, torch.__version__, torch.get_num_threads()


def run(batch=20, steps=35, input_size=400, hidden=1150, *, dtype="float32", repeat=5, seed=0, with_torch=True):
    """Measure and return a dict of results (seconds are medians over ``repeat`` rounds)."""
    dt = np.dtype(dtype)
    rng = np.random.default_rng(seed)
    params = LSTMParams.init(input_size, hidden, rng, dtype=dt)
    x = rng.standard_normal((steps, batch, input_size)).astype(dt)
    dhs = rng.standard_normal((steps, batch, hidden)).astype(dt)

    def ours():
        _, cache = lstm_layer_forward(x, params)
        lstm_layer_backward((dhs, None, None), cache)

    fns = {"refspace": ours, "bare GEMMs": recurrent_layer_gemms(steps, batch, input_size, hidden, 4 * hidden, dt, rng)}
    torch_info = _torch_runner(x, params, dhs) if with_torch else None
    if torch_info is not None:
        fns["torch.nn.LSTM"] = torch_info[0]
        fns["torch.nn.LSTM, oneDNN off"] = torch_info[1]
    timings = time_interleaved(fns, repeat=repeat)
    peer = None if torch_info is None else {"version": torch_info[2], "threads": torch_info[3]}
    sizes = {"B": batch, "T": steps, "I": input_size, "H": hidden, "dtype": dt.name}
    return bench_result("lstm", "LSTM layer forward+backward", sizes, timings, peer)
