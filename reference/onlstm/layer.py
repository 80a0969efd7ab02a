"""ON-LSTM over a sequence (backpropagation through time), padding, DropConnect, and stacks.

Spec form: :mod:`reference.onlstm.spec`, the same equations in plain NumPy, line by line
(``refspace check --spec`` holds the two equal).

Speed layout as for the plain LSTM: the input projection of all T steps is one GEMM, the
recurrent-weight gradient one GEMM over the stored (h_{t-1}, dz_t); the loop over time
reads like the cell equations (:mod:`reference.onlstm.cell`).

Padding: ``mask`` (B, T) is a 0/1 prefix mask (each row ones then zeros). At a padded
step the carried state (h, c) is left unchanged and the output is zero, so the final state
of each sequence is the one at its last valid step, gradients at padded inputs are exactly
zero, and a padded batch gives the same valid outputs and gradients as each sequence run
alone. Because a padded step never feeds a valid one (rows are independent and padding
only comes last), the time loop runs every row unmasked and the padding is applied once,
in bulk, after it: outputs zeroed, carried states frozen at each row's last valid step,
and in the backward the incoming gradients zeroed at padded steps with dL/dh_T, dL/dc_T
delivered to each row's last valid step.

DropConnect: ``weight_mask`` M (H, 4H + 2L) multiplies the recurrent weights for the whole
pass, ``U_used = U * M`` (one mask shared by all steps and rows); build it with
:func:`reference.onlstm.dropconnect.dropconnect_mask` in either convention.
"""
from __future__ import annotations

from typing import NamedTuple, Sequence

import numpy as np

from ..core.masks import prefix_mask
from ..core.validate import check_finite, check_shape, float_array, instance
from ..ops.recurrent import sequence_inputs, state_array
from ..lstm.cell import factor_blocks
from .cell import StepBuffers, _backward_factors, _master_gates, _step_backward, _step_forward
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
    acts: np.ndarray                 # (T, B, 4H + 2L) gate activations (master columns: the softmaxes)
    h_states: np.ndarray             # (T, B, H) carried h after each step
    c_states: np.ndarray             # (T, B, H) carried c after each step
    tanh_cs: np.ndarray              # (T, B, H) tanh of the step's new c
    p_f: np.ndarray                  # (T, B, L) master softmaxes (views of acts)
    p_i: np.ndarray
    f_tilde: np.ndarray              # (T, B, L) (views of levels; at padded steps, those a step from
                                     # the carried state gives: they never reach a valid output)
    i_tilde: np.ndarray              # (T, B, L)
    master_input: str
    levels: np.ndarray               # (T, B, 2, L): [f_tilde, i_tilde]
    coef_prev: np.ndarray            # (T, B, H): c_t = coef_prev c_{t-1} + coef_hat c_hat
    coef_hat: np.ndarray


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
    hs, c_states, tanh_cs, coef_prev, coef_hat = (np.empty((T, B, H), dtype=x.dtype) for _ in range(5))
    levels = np.empty((T, B, 2, L), dtype=x.dtype)
    buf = StepBuffers(B, H, L, x.dtype)
    h, c = h0, c0
    for t in range(T):
        acts[t] += np.matmul(h, U, out=buf.hU)                   # + h_{t-1} U
        _step_forward(acts[t], c, L, master_input, (c_states[t], tanh_cs[t], coef_prev[t], coef_hat[t], levels[t]),
                      buf)
        c = c_states[t]
        h = np.multiply(acts[t, :, 2 * H:3 * H], tanh_cs[t], out=hs[t])   # h_t = o tanh(c_t)
    if m is None:
        h_states = hs.copy()
    else:                                       # padding, in bulk: outputs 0, states frozen
        last = np.minimum(np.arange(T)[:, None], m.sum(axis=1)[None, :] - 1) + 1   # (T, B) into [h0; h_1..h_T]
        rows = np.arange(B)[None, :]
        h_states = np.concatenate([h0[None], hs])[last, rows]
        c_states = np.concatenate([c0[None], c_states])[last, rows]
        hs = np.where(m.T[:, :, None], hs, 0)
        pad_t, pad_b = np.nonzero(~m.T)
        if pad_t.size:                          # master gates at padded steps: as a step from the carried
            h_prev = np.concatenate([h0[None], h_states[:-1]])[pad_t, pad_b]   # state computes them
            logits = x[pad_t, pad_b] @ p.W[:, 4 * H:] + p.b[4 * H:] + h_prev @ U[:, 4 * H:]
            lv = _master_gates(logits.reshape(-1, 2, L), master_input, np.empty((pad_t.size, 2, L), x.dtype))
            acts[pad_t, pad_b, 4 * H:], levels[pad_t, pad_b] = logits, lv
    probs = acts[:, :, 4 * H:].reshape(T, B, 2, L)
    cache = LayerCache(x, p, U, weight_mask, m, h0, c0, acts, h_states, c_states, tanh_cs, probs[:, :, 0],
                       probs[:, :, 1], levels[:, :, 0], levels[:, :, 1], master_input, levels, coef_prev, coef_hat)
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

    acts, L = cache.acts, cache.levels.shape[-1]
    c_prevs = np.concatenate([cache.c0[None], cache.c_states[:-1]])
    dZ = np.empty_like(acts)                     # the factors block by block, then dz step by step
    probs = acts[:, :, 4 * H:].reshape(T, B, 2, L)
    buf = StepBuffers(B, H, L, x.dtype)
    ends = {}
    if m is not None:                            # padded steps get no gradient; dL/dh_T, dL/dc_T
        lengths = m.sum(axis=1)                  # enter at each row's last valid step
        dhs = np.where(m.T[:, :, None], dhs, 0)
        done = lengths > 0
        dhs[lengths[done] - 1, np.flatnonzero(done)] += dh_state[done]
        dh_T, dc_T = dh_state, dc_state
        dh_state, dc_state = np.zeros_like(dh_T), np.where((lengths == T)[:, None], dc_T, 0)
        for b in np.flatnonzero(done & (lengths < T)):
            ends.setdefault(int(lengths[b]) - 1, []).append(b)
    UT = np.ascontiguousarray(U.T)             # (a transposed view makes each step's GEMM slower)
    for lo, hi in factor_blocks(T, acts[0].nbytes):
        dh_o, dh_c, dc_levels = _backward_factors(acts[lo:hi], c_prevs[lo:hi], cache.tanh_cs[lo:hi],
                                                  cache.coef_hat[lo:hi], cache.levels[lo:hi], cache.master_input,
                                                  dZ[lo:hi])
        for t in range(hi - 1, lo - 1, -1):
            if t in ends:                        # rows whose last valid step is t
                dc_state[ends[t]] += dc_T[ends[t]]
            dh = np.add(dhs[t], dh_state, out=buf.dh)
            k = t - lo
            dc_state = _step_backward(dh, dc_state, cache.coef_prev[t], probs[t], dZ[t], dh_o[k], dh_c[k],
                                      dc_levels[k], cache.master_input, buf)
            dh_state = np.matmul(dZ[t], UT, out=buf.dh_next)
    dh_state, dc_state = dh_state.copy(), dc_state.copy()
    if m is not None:                            # empty rows: the final state is the initial one
        empty = lengths == 0
        dh_state[empty], dc_state[empty] = dh_T[empty], dc_T[empty]

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
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise TypeError(f"{name}: expected a sequence with one entry per layer ({n}), got {type(values).__name__}")
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
    if not params:
        raise ValueError("params: expected at least one layer, got an empty sequence")
    x = float_array("x", x, ndim=3)
    # every layer validated before any runs, each named by its index (params[1].U, h0[1] ...)
    params = [instance(f"params[{k}]", p, ONLSTMParams).validated(x.dtype, name=f"params[{k}]")
              for k, p in enumerate(params)]
    n = len(params)
    h0, c0, wms = _per_layer("h0", h0, n), _per_layer("c0", c0, n), _per_layer("weight_masks", weight_masks, n)
    B = x.shape[1]
    for k, p in enumerate(params):
        if k and p.W.shape[0] != params[k - 1].U.shape[0]:
            raise ValueError(f"params[{k}].W: expected {params[k - 1].U.shape[0]} input rows "
                             f"(layer {k - 1}'s hidden size), got {p.W.shape[0]}")
        h0[k] = None if h0[k] is None else state_array(f"h0[{k}]", h0[k], B, p.hidden_size, x.dtype)
        c0[k] = None if c0[k] is None else state_array(f"c0[{k}]", c0[k], B, p.hidden_size, x.dtype)
    out, caches, hT, cT = x, [], [], []
    for k in range(n):
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
