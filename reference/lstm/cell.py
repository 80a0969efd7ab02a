"""One LSTM step and its backward (kexue.fm/archives/6621, eq. "lstm"), row-vector form::

    f_t     = sigma(x_t W_f + h_{t-1} U_f + b_f)
    i_t     = sigma(x_t W_i + h_{t-1} U_i + b_i)
    o_t     = sigma(x_t W_o + h_{t-1} U_o + b_o)
    c_hat_t = tanh (x_t W_c + h_{t-1} U_c + b_c)
    c_t     = f_t * c_{t-1} + i_t * c_hat_t
    h_t     = o_t * tanh(c_t)

Spec form: :mod:`reference.lstm.spec`, the same equations in plain NumPy, line by line
(``refspace check --spec`` holds the two equal).

The step kernels (:func:`_gates`, :func:`_backward_factors`, :func:`_step_backward`) do no
validation; the public functions validate once and the layer in :mod:`reference.lstm.layer`
calls the same kernels inside its time loop.
"""
from __future__ import annotations

import numpy as np

from ..ops.activations import sigmoid_into
from ..core.validate import check_shape, float_array, instance, positive_int
from ..ops.recurrent import state_array
from .params import LSTMParams, split_gates


def _gates(z: np.ndarray) -> np.ndarray:
    """Pre-activations z (B, 4H) -> activations [f | i | o | c_hat] (B, 4H), in place."""
    H = z.shape[-1] // 4
    sigmoid_into(z[:, :3 * H], out=z[:, :3 * H])   # f, i, o = sigma(...)
    np.tanh(z[:, 3 * H:], out=z[:, 3 * H:])        # c_hat = tanh(...)
    return z


def _backward_factors(a, c_prev, tanh_c, dz, w=None, hat_coef=None):
    """The factors of the backward that do not depend on the incoming gradient, for one step
    or for all T steps at once (leading axes free), so the time loop only multiplies.

    Writes into ``dz[..., :4H]``, seen as (..., 4, H), the factors that multiply dc (the
    gradient reaching c_t) to give the gradients of the pre-activations:

        f: c_prev f (1 - f)    i: c_hat i (1 - i)    c_hat: i (1 - c_hat^2)

    (the o slot is zeroed and left to the loop), and returns ``(dh_o, dh_c)``: the factors that multiply
    dh: ``tanh(c) o (1 - o)`` for the pre-activation of o, and ``o (1 - tanh(c)^2)`` for c.

    ON-LSTM's cell, c = (w f + F - w) c_prev + (w i + I - w) c_hat, has the same factors with
    ``w`` multiplying those of f and i and ``hat_coef`` (w i + I - w) in place of i.
    """
    H = tanh_c.shape[-1]
    f, i, o, c_hat = (a[..., k * H:(k + 1) * H] for k in range(4))
    k_f, k_i, k_c = (dz[..., k * H:(k + 1) * H] for k in (0, 1, 3))
    np.subtract(1, f, out=k_f)
    k_f *= f
    k_f *= c_prev                                   # dc/dz_f = c_prev sigma'(z_f)  [times w]
    np.subtract(1, i, out=k_i)
    k_i *= i
    k_i *= c_hat                                    # dc/dz_i = c_hat sigma'(z_i)   [times w]
    if w is not None:
        k_f *= w
        k_i *= w
    np.multiply(c_hat, c_hat, out=k_c)
    np.subtract(1, k_c, out=k_c)
    k_c *= i if hat_coef is None else hat_coef      # dc/dz_c = i tanh'(z_c)        [hat_coef]
    dz[..., 2 * H:3 * H] = 0                        # (the o slot: filled by the loop)
    dh_o = np.subtract(1, o)
    dh_o *= o
    dh_o *= tanh_c                                  # dh/dz_o = tanh(c) sigma'(z_o)
    dh_c = np.multiply(tanh_c, tanh_c)
    np.subtract(1, dh_c, out=dh_c)
    dh_c *= o                                       # dh/dc = o tanh'(c)
    return dh_o, dh_c


#: bytes of pre-activation gradients per block of steps whose backward factors are computed
#: together: small layers get whole sequences at once (fewer NumPy calls), large ones a few
#: steps at a time (the block stays in cache)
FACTOR_BLOCK_BYTES = 1 << 20


def factor_blocks(T: int, step_bytes: int):
    """The blocks [lo, hi) of time steps, last first, over which a layer's backward computes
    its gradient-independent factors in one go (:data:`FACTOR_BLOCK_BYTES` each)."""
    T, step_bytes = positive_int("T", T, at_most=2**40), positive_int("step_bytes", step_bytes)
    k = max(1, min(T, FACTOR_BLOCK_BYTES // step_bytes))
    return [(max(0, hi - k), hi) for hi in range(T, 0, -k)]


def _step_backward(dh, dc_next, f, dz, dh_o, dh_c, dc, dc_prev):
    """One step back, no validation.

    dh : dL/dh_t (B, H); dc_next : dL/dc_t arriving from step t+1; f : the forget gate;
    dz (B, 4H) : this step's :func:`_backward_factors`, turned into dL/dz_t in place;
    dh_o, dh_c : this step's dh factors; dc, dc_prev : (B, H) outputs, dL/dc_t and
    dL/dc_{t-1} (``dc_prev`` may be ``dc_next``, which is read first). Returns dc_prev.
    """
    H = dh.shape[1]
    np.multiply(dh, dh_c, out=dc)
    dc += dc_next                                          # dL/dc_t: via h_t = o tanh(c_t), and c_{t+1}
    dz.reshape(dz.shape[0], 4, H)[...] *= dc[:, None, :]   # f, i, c_hat: factor times dL/dc_t
    np.multiply(dh, dh_o, out=dz[:, 2 * H:3 * H])          # o: via h_t = o tanh(c_t)
    return np.multiply(dc, f, out=dc_prev)                 # c_t = f c_{t-1} + i c_hat


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
    dz = np.empty_like(a)
    dh_o, dh_c = _backward_factors(a, c_prev, tanh_c, dz)
    dc_prev = _step_backward(dh, dc, a[:, :H], dz, dh_o, dh_c, np.empty_like(dh), np.empty_like(dh))
    dparams = LSTMParams(W=x.T @ dz, U=h_prev.T @ dz, b=dz.sum(axis=0))
    return dz @ p.W.T, dparams, dz @ p.U.T, dc_prev
