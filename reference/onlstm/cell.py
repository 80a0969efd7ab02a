"""One ON-LSTM step: kexue.fm/archives/6621, eq. "update-o3" (paper eqs. 9-14).

Row-vector form, z = x W + h_{t-1} U + b split as [f | i | o | c_hat | m_f | m_i]::

    f, i, o = sigma(z_f), sigma(z_i), sigma(z_o);   c_hat = tanh(z_c)
    f_tilde = cumax(m_f)                              # (B, L), increasing, last entry 1
    i_tilde = 1 - cumax(m_i)          ("paper")       # decreasing, last entry 0
            = rev_cumax(m_i)          ("article")     # decreasing, first entry 1
    expand f_tilde, i_tilde from L levels to H neurons (each repeated chunk_size times)
    w   = f_tilde * i_tilde                                             # the overlap
    c_t = w * (f * c_{t-1} + i * c_hat) + (f_tilde - w) * c_{t-1} + (i_tilde - w) * c_hat
    h_t = o * tanh(c_t)

Hard form (eqs. "update-o1"/"update-o2"): :func:`onlstm_cell_hard` replaces the two
softmaxes by one-hot vectors at integer levels d_f, d_i. With the "article" variant it
reproduces the article's case analysis at (d_f, d_i) exactly; with the "paper" variant,
``1 - cumsum(onehot(d_i))`` is 1 only *below* d_i, so the same case analysis holds at
input level ``d_i - 1`` (an off-by-one: paper level d_i = article level d_i - 1, and paper
level 0 writes no input at all).

When is it the plain LSTM? ``c_t = f c_{t-1} + i c_hat`` for all gate values exactly when
``f_tilde = i_tilde = 1`` at every level (then w = 1 and the two copy terms vanish); the
outputs then equal :func:`reference.lstm.lstm_layer_forward` with ``params.lstm_part()``.
- "article" variant: holds for every input when ``n_chunk = 1`` (chunk_size = H); with more
  levels only when the master softmaxes put all their mass on level 0 (forget) and level
  L-1 (input), which finite logits reach in floating point only by saturating.
- "paper" variant: never. Its top level always has ``i_tilde = 0`` and ``f_tilde = 1``, so
  the top chunk of c never leaves its initial value (authors' repo issue #27); with
  ``n_chunk = 1`` it never writes memory at all (``c_t = c_0``).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..ops.activations import cumax_backward, cumax_forward, rev_cumax_backward, rev_cumax_forward, sigmoid
from ..core.validate import check_shape, float_array, instance, state_array
from .params import ONLSTMParams, check_variant


def expand(levels: np.ndarray, chunk_size: int) -> np.ndarray:
    """(B, L) -> (B, L * chunk_size): each level repeated for the chunk_size neurons of its chunk."""
    return np.repeat(levels, chunk_size, axis=-1)


def chunk_sum(g: np.ndarray, L: int) -> np.ndarray:
    """Backward of :func:`expand`: (B, H) -> (B, L), summing each chunk's neurons."""
    return g.reshape(g.shape[0], L, -1).sum(axis=-1)


def combine(f, i, c_hat, c_prev, f_tilde, i_tilde):
    """Eq. update-o3 with master gates already expanded to (B, H)."""
    w = f_tilde * i_tilde
    return w * (f * c_prev + i * c_hat) + (f_tilde - w) * c_prev + (i_tilde - w) * c_hat


def _step_forward(a: np.ndarray, c_prev: np.ndarray, L: int, master_input: str):
    """Pre-activations ``a`` (B, 4H + 2L) -> step values; ``a`` becomes the gate activations.

    Returns (c, tanh_c, f_tilde (B, L), i_tilde (B, L), p_f, p_i) where p_f, p_i are the
    master softmaxes kept for the backward.
    """
    H = c_prev.shape[1]
    a[:, :3 * H] = sigmoid(a[:, :3 * H])
    np.tanh(a[:, 3 * H:4 * H], out=a[:, 3 * H:4 * H])
    f_tilde, (p_f, _) = cumax_forward(a[:, 4 * H:4 * H + L])
    if master_input == "paper":
        cum_i, (p_i, _) = cumax_forward(a[:, 4 * H + L:])
        i_tilde = 1 - cum_i
    else:
        i_tilde, (p_i, _) = rev_cumax_forward(a[:, 4 * H + L:])
    cs = H // L
    c = combine(a[:, :H], a[:, H:2 * H], a[:, 3 * H:4 * H], c_prev, expand(f_tilde, cs), expand(i_tilde, cs))
    return c, np.tanh(c), f_tilde, i_tilde, p_f, p_i


def _step_backward(dh, dc, a, c_prev, tanh_c, f_tilde, i_tilde, p_f, p_i, master_input):
    """Backward of one step. Returns (dz (B, 4H + 2L) w.r.t. pre-activations, dc_prev)."""
    H = c_prev.shape[1]
    L = f_tilde.shape[1]
    f, i, o, c_hat = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:4 * H]
    F, I = expand(f_tilde, H // L), expand(i_tilde, H // L)
    w = F * I
    dc = dc + dh * o * (1 - tanh_c * tanh_c)                 # through h = o tanh(c)
    dz = np.empty_like(a)
    dz[:, :H] = dc * w * c_prev * f * (1 - f)                 # d/dz_f
    dz[:, H:2 * H] = dc * w * c_hat * i * (1 - i)             # d/dz_i
    dz[:, 2 * H:3 * H] = dh * tanh_c * o * (1 - o)            # d/dz_o
    dz[:, 3 * H:4 * H] = dc * (w * i + I - w) * (1 - c_hat * c_hat)  # d/dz_c
    # c = (w f + F - w) c_prev + (w i + I - w) c_hat with w = F I:
    dF = dc * ((I * f + 1 - I) * c_prev - I * (1 - i) * c_hat)
    dI = dc * ((F * i + 1 - F) * c_hat - F * (1 - f) * c_prev)
    dz[:, 4 * H:4 * H + L] = cumax_backward(chunk_sum(dF, L), (p_f, -1))
    if master_input == "paper":  # i_tilde = 1 - cumax(m_i)
        dz[:, 4 * H + L:] = cumax_backward(-chunk_sum(dI, L), (p_i, -1))
    else:
        dz[:, 4 * H + L:] = rev_cumax_backward(chunk_sum(dI, L), (p_i, -1))
    return dz, dc * (w * f + F - w)


class CellCache(NamedTuple):
    """What :func:`onlstm_cell_backward` needs; ``f_tilde``/``i_tilde`` (B, L) are the master
    gates of this step (for distances and parsing)."""

    x: np.ndarray
    params: ONLSTMParams
    h_prev: np.ndarray
    c_prev: np.ndarray
    acts: np.ndarray
    tanh_c: np.ndarray
    p_f: np.ndarray
    p_i: np.ndarray
    master_input: str
    f_tilde: np.ndarray
    i_tilde: np.ndarray


def _cell_inputs(x, params, h_prev, c_prev):
    x = float_array("x", x, ndim=2)
    p = instance("params", params, ONLSTMParams).validated(x.dtype)
    check_shape("x", x, [("B", None), ("I", p.input_size)])
    B, H = x.shape[0], p.hidden_size
    return x, p, state_array("h_prev", h_prev, B, H, x.dtype), state_array("c_prev", c_prev, B, H, x.dtype)


def onlstm_cell_forward(x, params: ONLSTMParams, h_prev=None, c_prev=None, *, master_input: str = "paper"):
    """One ON-LSTM step (article eq. update-o3).

    Parameters
    ----------
    x : ndarray (B, I), float32 or float64
    params : ONLSTMParams of x's dtype
    h_prev, c_prev : ndarray (B, H), or None for zeros
    master_input : "paper" (``1 - cumax``, default) or "article" (``rev_cumax``)

    Returns
    -------
    (h, c) : ndarrays (B, H)
    cache : CellCache; ``cache.f_tilde`` and ``cache.i_tilde`` (B, L) are the master gates
    """
    check_variant(master_input)
    x, p, h_prev, c_prev = _cell_inputs(x, params, h_prev, c_prev)
    a = x @ p.W + h_prev @ p.U + p.b
    c, tanh_c, f_tilde, i_tilde, p_f, p_i = _step_forward(a, c_prev, p.n_chunk, master_input)
    h = a[:, 2 * p.hidden_size:3 * p.hidden_size] * tanh_c
    return (h, c), CellCache(x, p, h_prev, c_prev, a, tanh_c, p_f, p_i, master_input, f_tilde, i_tilde)


def onlstm_cell_backward(grads, cache):
    """Backward of :func:`onlstm_cell_forward`.

    grads : (dh, dc), each (B, H) or None. Returns (dx, dparams ONLSTMParams, dh_prev, dc_prev).
    """
    x, p, h_prev, c_prev, a, tanh_c, p_f, p_i, master_input, f_tilde, i_tilde = cache
    B, H = h_prev.shape
    dh, dc = (state_array(n, g, B, H, x.dtype) for n, g in zip(("dh", "dc"), grads))
    dz, dc_prev = _step_backward(dh, dc, a, c_prev, tanh_c, f_tilde, i_tilde, p_f, p_i, master_input)
    dparams = ONLSTMParams(W=x.T @ dz, U=h_prev.T @ dz, b=dz.sum(axis=0))
    return dz @ p.W.T, dparams, dz @ p.U.T, dc_prev


def _levels(name, d, B, L):
    d = np.asarray(d)
    if not np.issubdtype(d.dtype, np.integer):
        raise TypeError(f"{name}: expected integer levels, got dtype {d.dtype}")
    d = np.broadcast_to(d, (B,)) if d.ndim == 0 else d
    if d.shape != (B,):
        raise ValueError(f"{name}: expected shape (B={B},) or a scalar, got {d.shape}")
    if d.min() < 0 or d.max() >= L:
        raise ValueError(f"{name}: expected levels in [0, {L - 1}], got range [{d.min()}, {d.max()}]")
    return d


def onlstm_cell_hard(x, params: ONLSTMParams, h_prev, c_prev, d_f, d_i, *, master_input: str = "article"):
    """One step with integer levels: the master softmaxes replaced by one-hot vectors.

    ``f_tilde = cumsum(onehot(d_f))`` and ``i_tilde = rev_cumsum(onehot(d_i))`` ("article")
    or ``1 - cumsum(onehot(d_i))`` ("paper"). With "article" this is the case analysis of
    eqs. update-o1/update-o2 at (d_f, d_i); with "paper" it is the same case analysis at
    input level d_i - 1 (see the module docstring). Forward only: not differentiable in
    the levels. The master-gate columns of ``params`` are ignored.

    Parameters
    ----------
    x : (B, I); h_prev, c_prev : (B, H)
    d_f, d_i : int or int array (B,), levels in [0, n_chunk)

    Returns
    -------
    (h, c) : (B, H)
    """
    check_variant(master_input)
    x, p, h_prev, c_prev = _cell_inputs(x, params, h_prev, c_prev)
    B, H, L = x.shape[0], p.hidden_size, p.n_chunk
    eye = np.eye(L, dtype=x.dtype)
    one_f, one_i = eye[_levels("d_f", d_f, B, L)], eye[_levels("d_i", d_i, B, L)]
    f_tilde = np.cumsum(one_f, axis=1)
    i_tilde = 1 - np.cumsum(one_i, axis=1) if master_input == "paper" else np.cumsum(one_i[:, ::-1], 1)[:, ::-1]
    a = x @ p.W + h_prev @ p.U + p.b
    f, i, o = (sigmoid(a[:, k * H:(k + 1) * H]) for k in range(3))
    c_hat = np.tanh(a[:, 3 * H:4 * H])
    c = combine(f, i, c_hat, c_prev, expand(f_tilde, H // L), expand(i_tilde, H // L))
    return o * np.tanh(c), c
