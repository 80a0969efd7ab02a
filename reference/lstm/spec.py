"""The LSTM as the article writes it (https://kexue.fm/archives/6621, eq. "lstm"): the spec form.

Plain NumPy, one line per equation, in the article's names; no buffers, no fused or blocked
steps. The kernels in :mod:`.cell` and :mod:`.layer` compute the same values faster; a generic
test and ``refspace check --spec`` hold the two equal on every declared case. Nothing here is
shared with the kernels but NumPy and ``scipy.special.expit`` (sigma)::

    f_t     = sigma(x_t W_f + h_{t-1} U_f + b_f)
    i_t     = sigma(x_t W_i + h_{t-1} U_i + b_i)
    o_t     = sigma(x_t W_o + h_{t-1} U_o + b_o)
    c_hat_t = tanh (x_t W_c + h_{t-1} U_c + b_c)
    c_t     = f_t * c_{t-1} + i_t * c_hat_t
    h_t     = o_t * tanh(c_t)

The weights are packed [f | i | o | c_hat] along their last axis (:class:`.params.LSTMParams`).
The backward passes are the chain rule through these six lines, written out line by line.
Spec forms do not validate their arguments (that would hide the equations): call the kernels,
:func:`.cell.lstm_cell_forward` and :func:`.layer.lstm_layer_forward`, for checked input.
"""
from __future__ import annotations

import numpy as np
from scipy.special import expit as sigma

from .params import LSTMParams


def _blocks(a):
    """The four gate blocks [f | i | o | c_hat] of the last axis."""
    return np.split(a, 4, axis=-1)


def _zeros_if_none(a, like):
    return np.zeros_like(like) if a is None else np.asarray(a, dtype=like.dtype)


def lstm_cell(x, params: LSTMParams, h_prev, c_prev):
    """((h_t, c_t), cache): one step, eq. "lstm"."""
    W_f, W_i, W_o, W_c = _blocks(params.W)
    U_f, U_i, U_o, U_c = _blocks(params.U)
    b_f, b_i, b_o, b_c = _blocks(params.b)
    f = sigma(x @ W_f + h_prev @ U_f + b_f)
    i = sigma(x @ W_i + h_prev @ U_i + b_i)
    o = sigma(x @ W_o + h_prev @ U_o + b_o)
    c_hat = np.tanh(x @ W_c + h_prev @ U_c + b_c)
    c = f * c_prev + i * c_hat
    h = o * np.tanh(c)
    return (h, c), (x, params, h_prev, c_prev, f, i, o, c_hat, c)


def lstm_cell_backward(grads, cache):
    """(dx, dparams, dh_prev, dc_prev) from (dL/dh_t, dL/dc_t), either None for zero."""
    x, params, h_prev, c_prev, f, i, o, c_hat, c = cache
    dh, dc = _zeros_if_none(grads[0], c), _zeros_if_none(grads[1], c)
    # h_t = o tanh(c_t)
    do = dh * np.tanh(c)
    dc = dc + dh * o * (1 - np.tanh(c) ** 2)
    # c_t = f c_{t-1} + i c_hat
    df, di, dc_hat, dc_prev = dc * c_prev, dc * c_hat, dc * i, dc * f
    # through sigma and tanh to the pre-activations a = x W + h U + b
    da_f = df * f * (1 - f)
    da_i = di * i * (1 - i)
    da_o = do * o * (1 - o)
    da_c = dc_hat * (1 - c_hat ** 2)
    da = np.concatenate([da_f, da_i, da_o, da_c], axis=-1)
    dparams = LSTMParams(W=x.T @ da, U=h_prev.T @ da, b=da.sum(axis=0))
    return da @ params.W.T, dparams, da @ params.U.T, dc_prev


def lstm_layer(x, params: LSTMParams, h0, c0):
    """((h_1..h_T, h_T, c_T), cache): the cell over t = 1..T, eq. "lstm" over time."""
    h, c, hs, caches = h0, c0, [], []
    for t in range(x.shape[0]):
        (h, c), step = lstm_cell(x[t], params, h, c)
        hs.append(h)
        caches.append(step)
    return (np.stack(hs), h, c), caches


def lstm_layer_backward(grads, caches):
    """(dx, dparams, dh0, dc0): backpropagation through time, the cell's backward from t = T to 1."""
    dhs, dh_T, dc_T = grads
    _, params, h0, c0, *_ = caches[0]
    dh_next, dc_next = _zeros_if_none(dh_T, h0), _zeros_if_none(dc_T, c0)
    dW, dU, db = np.zeros_like(params.W), np.zeros_like(params.U), np.zeros_like(params.b)
    dxs = []
    for t in reversed(range(len(caches))):
        dh = dh_next if dhs is None else dhs[t] + dh_next             # the output's and the recurrence's
        dx, dp, dh_next, dc_next = lstm_cell_backward((dh, dc_next), caches[t])
        dW, dU, db = dW + dp.W, dU + dp.U, db + dp.b
        dxs.append(dx)
    return np.stack(dxs[::-1]), LSTMParams(dW, dU, db), dh_next, dc_next
