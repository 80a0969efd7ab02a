"""ON-LSTM over a sequence (backpropagation through time), padding, DropConnect, and stacks.

Speed layout as for the plain LSTM: the input projection of all T steps is one GEMM, the
recurrent-weight gradient one GEMM over the stored (h_{t-1}, dz_t); the loop over time
reads like the cell equations (:mod:`reference.onlstm.cell`).

Padding: ``mask`` (B, T) is a 0/1 prefix mask (each row ones then zeros). At a padded
step the carried state (h, c) is left unchanged and the output is zero, so the final state
of each sequence is the one at its last valid step, gradients at padded inputs are exactly
zero, and a padded batch gives the same valid outputs and gradients as each sequence run
alone.

DropConnect: ``weight_mask`` M (H, 4H + 2L) multiplies the recurrent weights for the whole
pass, ``U_used = U * M`` (one mask shared by all steps and rows); build it with
:func:`reference.onlstm.dropconnect.dropconnect_mask` in either convention.
"""
from __future__ import annotations

from typing import NamedTuple, Sequence

import numpy as np

from ..core.masks import prefix_mask
from ..core.validate import check_finite, check_shape, float_array, instance, sequence_inputs, state_array
from .cell import _step_backward, _step_forward
from .params import ONLSTMParams, check_variant


class LayerCache(NamedTuple):
    """What the backward needs. ``f_tilde``/``i_tilde`` (T, B, L) are the per-step master
    gates (levels, before expansion), the input of distances and parsing."""

    x: np.ndarray
    params: ONLSTMParams
    U_used: np.ndarray
    weight_mask: np.ndarray | None
    mask: np.ndarray | None          # (B, T) bool
    h0: np.ndarray
    c0: np.ndarray
    acts: np.ndarray                 # (T, B, 4H + 2L) gate activations
    h_states: np.ndarray             # (T, B, H) carried h after each step
    c_states: np.ndarray             # (T, B, H) carried c after each step
    tanh_cs: np.ndarray              # (T, B, H) tanh of the step's new c
    p_f: np.ndarray                  # (T, B, L) master softmaxes
    p_i: np.ndarray
    f_tilde: np.ndarray              # (T, B, L)
    i_tilde: np.ndarray              # (T, B, L)
    master_input: str


def onlstm_layer_forward(x, params: ONLSTMParams, h0=None, c0=None, *, mask=None, weight_mask=None,
                         master_input: str = "paper"):
    """Run ON-LSTM over a sequence.

    Parameters
    ----------
    x : ndarray (T, B, I), float32 or float64
    params : ONLSTMParams of x's dtype
    h0, c0 : ndarray (B, H), or None for zeros
    mask : (B, T) 0/1 prefix mask, or None (no padding)
    weight_mask : (H, 4H + 2L) DropConnect multiplier of ``params.U``, or None
    master_input : "paper" (default) or "article"

    Returns
    -------
    (hs, h_T, c_T) : hs (T, B, H) outputs (zero at padded steps); h_T, c_T (B, H) final states
    cache : LayerCache; ``cache.f_tilde``, ``cache.i_tilde`` (T, B, L) are the master gates
    """
    check_variant(master_input)
    x, p, h0, c0 = sequence_inputs(x, params, h0, c0, ONLSTMParams)
    (T, B, _), H, L = x.shape, p.hidden_size, p.n_chunk
    m = None if mask is None else prefix_mask("mask", mask, B, T)
    U = p.U
    if weight_mask is not None:
        weight_mask = float_array("weight_mask", np.asarray(weight_mask, dtype=x.dtype), ndim=2)
        check_shape("weight_mask", weight_mask, [("H", H), ("4H+2L", p.U.shape[1])])
        check_finite("weight_mask", weight_mask)
        U = p.U * weight_mask

    acts = (x.reshape(T * B, -1) @ p.W).reshape(T, B, -1)      # x_t W for all t: one GEMM
    acts += p.b
    hs, h_states, c_states, tanh_cs = (np.empty((T, B, H), dtype=x.dtype) for _ in range(4))
    p_f, p_i, f_tilde, i_tilde = (np.empty((T, B, L), dtype=x.dtype) for _ in range(4))
    h, c = h0, c0
    for t in range(T):
        acts[t] += h @ U                                        # + h_{t-1} U
        c_new, tanh_cs[t], f_tilde[t], i_tilde[t], p_f[t], p_i[t] = _step_forward(acts[t], c, L, master_input)
        h_new = acts[t, :, 2 * H:3 * H] * tanh_cs[t]              # h_t = o tanh(c_t)
        if m is None:
            h, c = h_new, c_new
            hs[t] = h_new
        else:                                                   # padded rows: carry state, output 0
            valid = m[:, t, None]
            h, c = np.where(valid, h_new, h), np.where(valid, c_new, c)
            hs[t] = np.where(valid, h_new, 0)
        h_states[t], c_states[t] = h, c
    cache = LayerCache(x, p, U, weight_mask, m, h0, c0, acts, h_states, c_states, tanh_cs,
                       p_f, p_i, f_tilde, i_tilde, master_input)
    return (hs, h_states[-1].copy(), c_states[-1].copy()), cache


def onlstm_layer_backward(grads, cache: LayerCache):
    """Backpropagation through time for :func:`onlstm_layer_forward`.

    Parameters
    ----------
    grads : (dhs (T, B, H), dh_T (B, H), dc_T (B, H)); any may be None (zero)

    Returns
    -------
    (dx (T, B, I), dparams ONLSTMParams, dh0 (B, H), dc0 (B, H))
    """
    x, p, U, weight_mask, m = cache.x, cache.params, cache.U_used, cache.weight_mask, cache.mask
    T, B, H = cache.h_states.shape
    dhs, dh_state, dc_state = grads
    if dhs is None:
        dhs = np.zeros((T, B, H), dtype=x.dtype)
    else:
        dhs = float_array("dhs", dhs, dtype=x.dtype)
        check_shape("dhs", dhs, [("T", T), ("B", B), ("H", H)])
    dh_state = state_array("dh_T", dh_state, B, H, x.dtype)
    dc_state = state_array("dc_T", dc_state, B, H, x.dtype)

    dZ = np.empty_like(cache.acts)
    UT = U.T
    for t in range(T - 1, -1, -1):
        c_prev = cache.c_states[t - 1] if t > 0 else cache.c0
        dh_new, dc_new = dhs[t] + dh_state, dc_state
        if m is not None:
            valid = m[:, t, None]
            dh_new, dc_new = np.where(valid, dh_new, 0), np.where(valid, dc_new, 0)
            keep_h, keep_c = np.where(valid, 0, dh_state), np.where(valid, 0, dc_state)
        dz, dc_state = _step_backward(dh_new, dc_new, cache.acts[t], c_prev, cache.tanh_cs[t], cache.f_tilde[t],
                                     cache.i_tilde[t], cache.p_f[t], cache.p_i[t], cache.master_input)
        dZ[t] = dz
        dh_state = dz @ UT
        if m is not None:
            dh_state += keep_h
            dc_state += keep_c

    dZ2 = dZ.reshape(T * B, -1)
    h_prev = np.concatenate([cache.h0[None], cache.h_states[:-1]]).reshape(T * B, H)
    dU = h_prev.T @ dZ2                                         # one GEMM
    if weight_mask is not None:
        dU *= weight_mask
    dparams = ONLSTMParams(W=x.reshape(T * B, -1).T @ dZ2, U=dU, b=dZ2.sum(axis=0))
    dx = (dZ2 @ p.W.T).reshape(x.shape)
    return dx, dparams, dh_state, dc_state


# --- stack ---------------------------------------------------------------------------------

class StackCache(NamedTuple):
    layers: tuple[LayerCache, ...]   # one per layer; layers[k].f_tilde are layer k's master gates


def _per_layer(name, values, n):
    if values is None:
        return [None] * n
    values = list(values)
    if len(values) != n:
        raise ValueError(f"{name}: expected one entry per layer ({n}), got {len(values)}")
    return values


def onlstm_stack_forward(x, params: Sequence[ONLSTMParams], h0=None, c0=None, *, mask=None,
                         weight_masks=None, master_input: str = "paper"):
    """Layers chained: layer k reads layer k-1's outputs (the authors' ``ONLSTMStack``
    without its between-layer dropout).

    Parameters
    ----------
    x : (T, B, I)
    params : sequence of ONLSTMParams, ``params[k].input_size == params[k-1].hidden_size``
    h0, c0 : sequences of (B, H_k) per layer, or None for zeros
    mask : (B, T) prefix mask shared by every layer, or None
    weight_masks : sequence of per-layer DropConnect multipliers (or None entries), or None

    Returns
    -------
    (hs, h_T, c_T) : hs (T, B, H_last) top-layer outputs; h_T, c_T tuples of (B, H_k)
    cache : StackCache
    """
    if isinstance(params, (ONLSTMParams, dict, str)) or not isinstance(params, Sequence):
        raise TypeError(f"params: expected a sequence of ONLSTMParams, one per layer, got {type(params).__name__}")
    params = [instance(f"params[{k}]", p, ONLSTMParams) for k, p in enumerate(params)]
    if not params:
        raise ValueError("params: expected at least one layer, got an empty sequence")
    n = len(params)
    h0, c0, wms = _per_layer("h0", h0, n), _per_layer("c0", c0, n), _per_layer("weight_masks", weight_masks, n)
    out, caches, hT, cT = x, [], [], []
    for k in range(n):
        if k and params[k].W.shape[0] != params[k - 1].U.shape[0]:
            raise ValueError(f"params[{k}].W: expected {params[k - 1].U.shape[0]} input rows "
                             f"(layer {k - 1}'s hidden size), got {params[k].W.shape[0]}")
        (out, h, c), cache = onlstm_layer_forward(out, params[k], h0[k], c0[k], mask=mask, weight_mask=wms[k],
                                                  master_input=master_input)
        caches.append(cache)
        hT.append(h)
        cT.append(c)
    return (out, tuple(hT), tuple(cT)), StackCache(tuple(caches))


def onlstm_stack_backward(grads, cache: StackCache):
    """Backward of :func:`onlstm_stack_forward`.

    grads : (dhs (T, B, H_last), dh_T, dc_T) with dh_T/dc_T sequences per layer or None.
    Returns (dx, dparams tuple, dh0 tuple, dc0 tuple).
    """
    n = len(cache.layers)
    dhs, dhT, dcT = grads
    dhT, dcT = _per_layer("dh_T", dhT, n), _per_layer("dc_T", dcT, n)
    dparams, dh0, dc0 = [None] * n, [None] * n, [None] * n
    d_out = dhs
    for k in range(n - 1, -1, -1):
        d_out, dparams[k], dh0[k], dc0[k] = onlstm_layer_backward((d_out, dhT[k], dcT[k]), cache.layers[k])
    return d_out, tuple(dparams), tuple(dh0), tuple(dc0)
