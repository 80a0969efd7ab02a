"""The LSTM over a sequence, and backpropagation through time (kexue.fm/archives/6621, eq. "lstm").

Spec form: :mod:`reference.lstm.spec`, the same equations in plain NumPy, line by line
(``refspace check --spec`` holds the two equal).

Shapes are time-major: ``x`` (T, B, I), like ``torch.nn.LSTM`` with ``batch_first=False``.
Speed: the input projection of all T steps is one GEMM, the recurrent-weight gradient is one
GEMM over the stored (h_{t-1}, dz_t); only ``h_{t-1} U`` and its backward run inside the loop.
"""
from __future__ import annotations

import numpy as np

from ..core.validate import check_shape, float_array
from ..ops.recurrent import sequence_inputs, state_array
from .cell import _backward_factors, _gates, _step_backward, factor_blocks
from .params import LSTMParams, _gate_views


def lstm_layer_forward(x, params: LSTMParams, h0=None, c0=None):
    """Run the LSTM over a sequence.

    Parameters
    ----------
    x : ndarray (T, B, I), float32 or float64, T >= 1
    params : LSTMParams of x's dtype
    h0, c0 : ndarray (B, H), or None for zeros

    Returns
    -------
    (hs, h_T, c_T) : hs (T, B, H) every step's h_t; h_T, c_T (B, H) the final states
    cache : for :func:`lstm_layer_backward`
    """
    x, p, h0, c0 = sequence_inputs(x, params, h0, c0, LSTMParams)
    (T, B, _), H = x.shape, p.hidden_size

    acts = (x.reshape(T * B, -1) @ p.W).reshape(T, B, 4 * H)   # x_t W for all t: one GEMM
    acts += p.b
    cs, tanh_cs, hs = (np.empty((T, B, H), dtype=x.dtype) for _ in range(3))
    hU, ic = np.empty((B, 4 * H), dtype=x.dtype), np.empty((B, H), dtype=x.dtype)   # reused every step
    h, c = h0, c0
    for t in range(T):
        acts[t] += np.matmul(h, p.U, out=hU)                     # + h_{t-1} U
        f, i, o, c_hat = _gate_views(_gates(acts[t]))
        c = np.multiply(f, c, out=cs[t])                          # c_t = f c_{t-1} + i c_hat
        c += np.multiply(i, c_hat, out=ic)
        h = np.multiply(o, np.tanh(c, out=tanh_cs[t]), out=hs[t])  # h_t = o tanh(c_t)
    return (hs, h.copy(), c), (x, p, h0, c0, acts, cs, tanh_cs, hs)


def lstm_layer_backward(grads, cache):
    """Backpropagation through time for :func:`lstm_layer_forward`.

    Parameters
    ----------
    grads : (dhs, dh_T, dc_T): dhs (T, B, H), dh_T and dc_T (B, H); any may be None (zero)
    cache : from the forward

    Returns
    -------
    (dx (T, B, I), dparams LSTMParams, dh0 (B, H), dc0 (B, H))
    """
    x, p, h0, c0, acts, cs, tanh_cs, hs = cache
    T, B, H = hs.shape
    dhs, dh_next, dc_next = grads
    if dhs is None:
        dhs = np.zeros_like(hs)
    else:
        dhs = float_array("dhs", dhs, dtype=x.dtype)
        check_shape("dhs", dhs, [("T", T), ("B", B), ("H", H)])
    dh_next = state_array("dh_T", dh_next, B, H, x.dtype)
    dc_next = state_array("dc_T", dc_next, B, H, x.dtype)

    c_prev = np.concatenate([c0[None], cs[:-1]])
    dZ = np.empty_like(acts)                     # the factors block by block, then dz step by step
    UT = np.ascontiguousarray(p.U.T)           # (a transposed view makes each step's GEMM slower)
    dh, dh_buf, dc, dc_buf = (np.empty((B, H), dtype=x.dtype) for _ in range(4))
    for lo, hi in factor_blocks(T, acts[0].nbytes):
        dh_o, dh_c = _backward_factors(acts[lo:hi], c_prev[lo:hi], tanh_cs[lo:hi], dZ[lo:hi])
        for t in range(hi - 1, lo - 1, -1):
            np.add(dhs[t], dh_next, out=dh)                    # dL/dh_t: output and recurrence
            dc_next = _step_backward(dh, dc_next, acts[t, :, :H], dZ[t], dh_o[t - lo], dh_c[t - lo], dc, dc_buf)
            dh_next = np.matmul(dZ[t], UT, out=dh_buf)

    dZ2 = dZ.reshape(T * B, 4 * H)
    h_prev = np.concatenate([h0[None], hs[:-1]]).reshape(T * B, H)
    dparams = LSTMParams(W=x.reshape(T * B, -1).T @ dZ2,      # one GEMM each
                         U=h_prev.T @ dZ2,
                         b=dZ2.sum(axis=0))
    dx = (dZ2 @ p.W.T).reshape(x.shape)
    return dx, dparams, dh_next, dc_next
