"""One LSTM step and its backward (kexue.fm/archives/6621, eq. "lstm"), row-vector form::

    f_t     = sigma(x_t W_f + h_{t-1} U_f + b_f)
    i_t     = sigma(x_t W_i + h_{t-1} U_i + b_i)
    o_t     = sigma(x_t W_o + h_{t-1} U_o + b_o)
    c_hat_t = tanh (x_t W_c + h_{t-1} U_c + b_c)
    c_t     = f_t * c_{t-1} + i_t * c_hat_t
    h_t     = o_t * tanh(c_t)

The gate arithmetic of one step (:func:`_gates`, :func:`_step_backward`) is shared with the
layer in :mod:`reference.lstm.layer`.
"""
from __future__ import annotations

import numpy as np

from ..ops.activations import sigmoid
from ..core.validate import check_shape, float_array, instance, state_array
from .params import LSTMParams, split_gates


def _gates(z: np.ndarray) -> np.ndarray:
    """Pre-activations z (B, 4H) -> activations [f | i | o | c_hat] (B, 4H), in place."""
    H = z.shape[-1] // 4
    z[:, :3 * H] = sigmoid(z[:, :3 * H])          # f, i, o = sigma(...)
    np.tanh(z[:, 3 * H:], out=z[:, 3 * H:])       # c_hat = tanh(...)
    return z


def _step_backward(dh, dc, a, c_prev, tanh_c):
    """Backward of c = f c_prev + i c_hat, h = o tanh(c) for one step.

    a : gate activations (B, 4H); returns (dz (B, 4H) w.r.t. pre-activations, dc_prev).
    """
    f, i, o, c_hat = split_gates(a)
    dc = dc + dh * o * (1 - tanh_c * tanh_c)              # through h = o tanh(c)
    dz = np.empty_like(a)
    dz_f, dz_i, dz_o, dz_c = split_gates(dz)
    dz_f[...] = dc * c_prev * f * (1 - f)                  # c = f c_prev + ...
    dz_i[...] = dc * c_hat * i * (1 - i)                   # c = ... + i c_hat
    dz_o[...] = dh * tanh_c * o * (1 - o)                  # h = o tanh(c)
    dz_c[...] = dc * i * (1 - c_hat * c_hat)               # c_hat = tanh(z_c)
    return dz, dc * f


def lstm_cell_forward(x, params: LSTMParams, h_prev=None, c_prev=None):
    """One LSTM step (article eq. "lstm").

    Parameters
    ----------
    x : ndarray (B, I), float32 or float64
    params : LSTMParams of x's dtype
    h_prev, c_prev : ndarray (B, H), or None for zeros

    Returns
    -------
    (h, c) : ndarrays (B, H)
    cache : for :func:`lstm_cell_backward`
    """
    x = float_array("x", x, ndim=2)
    p = instance("params", params, LSTMParams).validated(x.dtype)
    check_shape("x", x, [("B", None), ("I", p.input_size)])
    B, H = x.shape[0], p.hidden_size
    h_prev = state_array("h_prev", h_prev, B, H, x.dtype)
    c_prev = state_array("c_prev", c_prev, B, H, x.dtype)
    a = _gates(x @ p.W + h_prev @ p.U + p.b)
    f, i, o, c_hat = split_gates(a)
    c = f * c_prev + i * c_hat
    tanh_c = np.tanh(c)
    h = o * tanh_c
    return (h, c), (x, p, h_prev, c_prev, a, tanh_c)


def lstm_cell_backward(grads, cache):
    """Backward of :func:`lstm_cell_forward`.

    Parameters
    ----------
    grads : (dh, dc), each (B, H) or None for zero
    cache : from the forward

    Returns
    -------
    (dx (B, I), dparams LSTMParams, dh_prev (B, H), dc_prev (B, H))
    """
    x, p, h_prev, c_prev, a, tanh_c = cache
    B, H = h_prev.shape
    dh, dc = (state_array(n, g, B, H, x.dtype) for n, g in zip(("dh", "dc"), grads))
    dz, dc_prev = _step_backward(dh, dc, a, c_prev, tanh_c)
    dparams = LSTMParams(W=x.T @ dz, U=h_prev.T @ dz, b=dz.sum(axis=0))
    return dz @ p.W.T, dparams, dz @ p.U.T, dc_prev
