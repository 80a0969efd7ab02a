"""One ON-LSTM step: kexue.fm/archives/6621, eq. "update-o3" (paper eqs. 9-14).

Spec form: :mod:`reference.onlstm.spec`, the same equations in plain NumPy, line by line
(``refspace check --spec`` holds the two equal).

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

Step kernels (:func:`_step_forward`, :func:`_backward_factors`, :func:`_step_backward`) do
no validation; the public functions validate once and the layer
(:mod:`reference.onlstm.layer`) calls the same kernels inside its time loop with buffers
allocated once. They compute update-o3 regrouped as c = coef_prev c_{t-1} + coef_hat c_hat
with coef_prev = w f + (F - w) and coef_hat = w i + (I - w) (w = F I; the master gates
expanded over their chunks by one ``np.repeat``), both master softmaxes in one call on a
(B, 2, L) view, and the backward's chunk sums as one small GEMM with :func:`chunk_indicator`.
Everything in the backward that does not depend on the incoming gradient is computed for
all T steps at once before the loop, so each step only multiplies.

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

from ..lstm.cell import _backward_factors as lstm_backward_factors
from ..ops.activations import (_rev_cumsum, cumax_into, rev_cumax_into, sigmoid, sigmoid_into, softmax_backward_into,
                               softmax_into)
from ..core.validate import check_shape, float_array, instance, positive_int
from ..ops.recurrent import state_array
from .params import ONLSTMParams, check_variant


def expand(levels: np.ndarray, chunk_size: int) -> np.ndarray:
    """(B, L) -> (B, L * chunk_size): each level repeated for the chunk_size neurons of its chunk."""
    return np.repeat(levels, positive_int("chunk_size", chunk_size, at_most=2**31 - 1), axis=-1)


def combine(f, i, c_hat, c_prev, f_tilde, i_tilde):
    """Eq. update-o3 with master gates already expanded to (B, H)."""
    w = f_tilde * i_tilde
    return w * (f * c_prev + i * c_hat) + (f_tilde - w) * c_prev + (i_tilde - w) * c_hat


class StepBuffers:
    """Scratch arrays of one layer's steps, allocated once and reused by every step."""

    def __init__(self, B: int, H: int, L: int, dtype):
        self.hU = np.empty((B, 4 * H + 2 * L), dtype)
        self.h1, self.dh, self.dh_next, self.dc, self.dc_prev = (np.empty((B, H), dtype) for _ in range(5))
        self.pair = np.empty((B, 2, H), dtype)
        self.levels, self.d_levels = np.empty((B, 2, L), dtype), np.empty((B, 2, L), dtype)
        self.coefs = np.empty((B, 3, L), dtype)
        self.chunks = chunk_indicator(H, L, dtype)


def chunk_indicator(H: int, L: int, dtype) -> np.ndarray:
    """S (H, L), S[n, l] = 1 when neuron n is in chunk l: ``g @ S`` sums each chunk of g, the
    backward of :func:`expand`, as one small GEMM."""
    S = np.zeros((H, L), dtype)
    S[np.arange(H), np.arange(H) // (H // L)] = 1
    return S


def _master_gates(logits, master_input, levels):
    """Master logits (n, 2, L) -> their softmaxes, in place, and [f_tilde, i_tilde] into
    ``levels`` (n, 2, L)."""
    probs = softmax_into(logits, logits)                          # both master softmaxes at once
    if master_input == "paper":
        cumax_into(probs, levels)                                 # cumax(m_f), cumax(m_i)
        np.subtract(1, levels[:, 1], out=levels[:, 1])            # i_tilde = 1 - cumax(m_i)
    else:
        cumax_into(probs[:, 0], levels[:, 0])                     # f_tilde = cumax(m_f)
        rev_cumax_into(probs[:, 1], levels[:, 1])                 # i_tilde = rev_cumax(m_i)
    return levels


def _step_forward(a, c_prev, L, master_input, out, buf: StepBuffers):
    """Pre-activations ``a`` (B, 4H + 2L) -> one step, no validation; ``a`` becomes the gate
    activations [f | i | o | c_hat | p_f | p_i] (the master columns hold the softmaxes).

    ``out`` = (c, tanh_c, coef_prev, coef_hat (B, H), levels (B, 2, L)) is filled: the new
    cell, its tanh, the two coefficients of eq. update-o3 regrouped,

        c = coef_prev * c_prev + coef_hat * c_hat,
        coef_prev = w f + (F - w),  coef_hat = w i + (I - w),  w = F I,

    and the master gates [f_tilde, i_tilde] per level. The regrouping is eq. update-o3
    term by term (:func:`combine`); it keeps the products of the plain LSTM when F = I = 1.
    """
    c, tanh_c, coef_prev, coef_hat, levels = out
    B, H = c_prev.shape
    sigmoid_into(a[:, :3 * H], out=a[:, :3 * H])                  # f, i, o = sigma(z)
    np.tanh(a[:, 3 * H:4 * H], out=a[:, 3 * H:4 * H])             # c_hat = tanh(z_c)
    _master_gates(a[:, 4 * H:].reshape(B, 2, L), master_input, levels)
    F, I, lv = levels[:, 0], levels[:, 1], buf.coefs              # per level (B, L)
    w = np.multiply(F, I, out=lv[:, 0])                           # w = F I
    np.subtract(F, w, out=lv[:, 1])
    np.subtract(I, w, out=lv[:, 2])
    w_e, Fw_e, Iw_e = np.repeat(lv, H // L, axis=-1).transpose(1, 0, 2)   # each level over its chunk
    np.multiply(w_e, a[:, :H], out=coef_prev)
    coef_prev += Fw_e                                             # coef_prev = w f + F - w
    np.multiply(w_e, a[:, H:2 * H], out=coef_hat)
    coef_hat += Iw_e                                              # coef_hat = w i + I - w
    np.multiply(coef_prev, c_prev, out=c)
    c += np.multiply(coef_hat, a[:, 3 * H:4 * H], out=buf.h1)     # c = coef_prev c_prev + coef_hat c_hat
    np.tanh(c, out=tanh_c)
    return out


def _backward_factors(a, c_prev, tanh_c, coef_hat, levels, master_input, dz):
    """The factors of the backward that do not depend on the incoming gradient, for one step
    or all T steps at once (leading axes free), so the time loop only multiplies.

    Writes into ``dz[..., :4H]`` (seen as (..., 4, H)) what multiplies dL/dc_t to give the
    pre-activation gradients of f, i and c_hat (the o slot zeroed), and returns
    ``(dh_o, dh_c, dc_levels)``: the factors of dL/dh_t for o and for c_t, and (..., 2, H)
    the factors of dL/dc_t whose chunk sums are dL/dF and dL/dI (negated for the "paper"
    input gate, whose logits enter as 1 - cumax).

    With v = -(1 - f) c_prev - (1 - i) c_hat, eq. update-o3 gives dc/dF = I v + c_prev and
    dc/dI = F v + c_hat.
    """
    H = tanh_c.shape[-1]
    L = levels.shape[-1]
    expanded = np.repeat(levels, H // L, axis=-1)   # (..., 2, H): each level over its chunk
    F, I = expanded[..., 0, :], expanded[..., 1, :]
    w = F * I
    f, i, c_hat = (a[..., k * H:(k + 1) * H] for k in (0, 1, 3))
    dh_o, dh_c = lstm_backward_factors(a, c_prev, tanh_c, dz, w=w, hat_coef=coef_hat)
    dc_levels = np.empty(c_prev.shape[:-1] + (2, H), dtype=c_prev.dtype)
    v = np.subtract(f, 1, out=dc_levels[..., 1, :])
    v *= c_prev
    t = np.subtract(i, 1)
    t *= c_hat
    v += t                                          # v = -(1 - f) c_prev - (1 - i) c_hat
    d_F, d_I = dc_levels[..., 0, :], dc_levels[..., 1, :]
    np.multiply(v, I, out=d_F)
    d_F += c_prev                                   # dc/dF = I v + c_prev
    d_I *= F
    d_I += c_hat                                    # dc/dI = F v + c_hat
    if master_input == "paper":
        np.negative(d_I, out=d_I)                   # i_tilde = 1 - cumax(m_i)
    return dh_o, dh_c, dc_levels


def _step_backward(dh, dc_next, coef_prev, probs, dz, dh_o, dh_c, dc_levels, master_input, buf: StepBuffers):
    """One step back, no validation. Returns dL/dc_{t-1} (in ``buf.dc_prev``).

    dh : dL/dh_t (B, H); dc_next : dL/dc_t from step t+1 (may be ``buf.dc_prev``: read first);
    probs : the master softmaxes (B, 2, L); dz (B, 4H + 2L) : this step's factors (from
    :func:`_backward_factors`), turned into dL/dz_t in place.
    """
    B, H = dh.shape
    L = probs.shape[-1]
    dc = np.multiply(dh, dh_c, out=buf.dc)
    dc += dc_next                                          # dL/dc_t: via h_t = o tanh(c_t), and c_{t+1}
    dz[:, :4 * H].reshape(B, 4, H)[...] *= dc[:, None, :]  # f, i, c_hat: factor times dL/dc_t
    np.multiply(dh, dh_o, out=dz[:, 2 * H:3 * H])          # o: via h_t = o tanh(c_t)
    np.multiply(dc_levels, dc[:, None, :], out=buf.pair)
    d_lev = np.matmul(buf.pair.reshape(2 * B, H), buf.chunks,    # dL/dF, dL/dI per level (B, 2, L):
                      out=buf.d_levels.reshape(2 * B, L)).reshape(B, 2, L)   # chunk sums
    if master_input == "paper":                            # both gates are cumax: reverse cumsums
        _rev_cumsum(d_lev, -1, buf.levels)
    else:                                                  # F = cumax (reverse), I = rev_cumax (forward)
        _rev_cumsum(d_lev[:, 0], -1, buf.levels[:, 0])
        np.cumsum(d_lev[:, 1], axis=-1, out=buf.levels[:, 1])
    d_master = dz[:, 4 * H:].reshape(B, 2, L)
    softmax_backward_into(probs, buf.levels, d_master)     # through both softmaxes at once
    return np.multiply(dc, coef_prev, out=buf.dc_prev)     # c_t = coef_prev c_{t-1} + ...


class CellCache(NamedTuple):
    """What :func:`onlstm_cell_backward` needs; ``f_tilde``/``i_tilde`` (B, L) are the master
    gates of this step (for distances and parsing), ``p_f``/``p_i`` the master softmaxes."""

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
    levels: np.ndarray               # (B, 2, L): [f_tilde, i_tilde]
    coef_prev: np.ndarray            # (B, H): c = coef_prev c_prev + coef_hat c_hat
    coef_hat: np.ndarray


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
    (B, H), L = h_prev.shape, p.n_chunk
    c, tanh_c, coef_prev, coef_hat = (np.empty((B, H), x.dtype) for _ in range(4))
    levels = np.empty((B, 2, L), x.dtype)
    _step_forward(a, c_prev, L, master_input, (c, tanh_c, coef_prev, coef_hat, levels), StepBuffers(B, H, L, x.dtype))
    h = a[:, 2 * H:3 * H] * tanh_c
    probs = a[:, 4 * H:].reshape(B, 2, L)
    return (h, c), CellCache(x, p, h_prev, c_prev, a, tanh_c, probs[:, 0], probs[:, 1], master_input, levels[:, 0],
                             levels[:, 1], levels, coef_prev, coef_hat)


def onlstm_cell_backward(grads, cache):
    """Backward of :func:`onlstm_cell_forward`.

    grads : (dh, dc), each (B, H) or None. Returns (dx, dparams ONLSTMParams, dh_prev, dc_prev).
    """
    x, p, h_prev, c_prev, a = cache.x, cache.params, cache.h_prev, cache.c_prev, cache.acts
    B, H = h_prev.shape
    L = cache.levels.shape[-1]
    dh, dc = (state_array(n, g, B, H, x.dtype) for n, g in zip(("dh", "dc"), grads))
    dz = np.empty_like(a)
    dh_o, dh_c, dc_levels = _backward_factors(a, c_prev, cache.tanh_c, cache.coef_hat, cache.levels,
                                              cache.master_input, dz)
    buf = StepBuffers(B, H, L, x.dtype)
    dc_prev = _step_backward(dh, dc, cache.coef_prev, a[:, 4 * H:].reshape(B, 2, L), dz, dh_o, dh_c, dc_levels,
                             cache.master_input, buf)
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
