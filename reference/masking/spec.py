"""Masking as the article writes it (https://kexue.fm/archives/6810): the spec forms.

The article's formulas, with ``m`` the 0/1 mask broadcast against ``x``::

    sum        = sum(x m)
    avg        = sum(x m) / sum(m)                             (0 when sum(m) = 0)
    max        = max(x - (1 - m) 1e10)                         (0 for an empty row)
    var        = sum(m (x - avg)^2) / sum(m)
    softmax    = softmax(x - (1 - m) 1e10) m                   (all zeros for an empty row)
    logsumexp  = log sum(exp(x - (1 - m) 1e10))                (-inf for an empty row)
    loss       = sum(l m) / sum(m)
    reverse_sequence(x, L)[b, t] = x[b, L_b - 1 - t] for t < L_b, else x[b, t]
    BiRNN      = [RNN_f(x) | rev(RNN_b(rev(x, L)), L)] m       (the article's aligned form)

The kernels (:mod:`.reductions`, :mod:`.reverse`, :mod:`.birnn`) compute the same values with
``np.where`` and index tables; the BiRNN kernel also in Keras's and PyTorch's formulations,
each compared with this one. Spec forms do not validate their arguments.
"""
from __future__ import annotations

import numpy as np
from scipy.special import softmax

BIG = 1e10     # the article's constant: x - (1 - m) 1e10 drops the padding from a max or a softmax


def _m(x, mask):
    return np.broadcast_to(np.asarray(mask, dtype=x.dtype), x.shape)


def masked_sum(x, mask, axis=-1):
    """(sum(x m) along axis, cache)."""
    m = _m(x, mask)
    return (x * m).sum(axis=axis), (m, axis)


def masked_sum_backward(dy, cache):
    """dx = dy m."""
    m, axis = cache
    return np.expand_dims(dy, axis) * m


def masked_mean(x, mask, axis=-1):
    """(sum(x m) / sum(m) along axis, 0 where nothing is valid; cache)."""
    m = _m(x, mask)
    n = m.sum(axis=axis)
    return np.where(n > 0, (x * m).sum(axis=axis) / np.where(n > 0, n, 1), 0).astype(x.dtype), (m, axis, n)


def masked_mean_backward(dy, cache):
    """dx = dy m / sum(m)."""
    m, axis, n = cache
    return np.expand_dims(np.where(n > 0, dy / np.where(n > 0, n, 1), 0), axis) * m


def masked_max(x, mask, axis=-1):
    """(max(x - (1 - m) 1e10) along axis, 0 for an empty row; cache)."""
    m = _m(x, mask)
    shifted = x - (1 - m) * BIG
    k = np.argmax(shifted, axis=axis)                           # the first largest
    valid = m.sum(axis=axis) > 0
    y = np.where(valid, np.take_along_axis(x, np.expand_dims(k, axis), axis).squeeze(axis), 0).astype(x.dtype)
    return y, (x, axis, k, valid)


def masked_max_backward(dy, cache):
    """dx: dy at the first largest valid entry, 0 elsewhere (and everywhere in an empty row)."""
    x, axis, k, valid = cache
    onehot = np.moveaxis(np.eye(x.shape[axis], dtype=x.dtype)[k], -1, axis)
    return np.expand_dims(np.where(valid, dy, 0), axis) * onehot


def masked_var(x, mask, axis=-1):
    """(sum(m (x - avg)^2) / sum(m), 0 for an empty row; cache): the biased variance."""
    m = _m(x, mask)
    n = m.sum(axis=axis)
    avg = np.where(n > 0, (x * m).sum(axis=axis) / np.where(n > 0, n, 1), 0)
    d = x - np.expand_dims(avg, axis)
    return np.where(n > 0, (m * d * d).sum(axis=axis) / np.where(n > 0, n, 1), 0).astype(x.dtype), (m, axis, n, d)


def masked_var_backward(dy, cache):
    """dx = 2 dy m (x - avg) / sum(m) (the mean's own term sums to zero)."""
    m, axis, n, d = cache
    return np.expand_dims(np.where(n > 0, 2 * dy / np.where(n > 0, n, 1), 0), axis) * m * d


def masked_softmax(x, mask, axis=-1):
    """(softmax(x - (1 - m) 1e10) m along axis, cache)."""
    m = _m(x, mask)
    p = softmax(x - (1 - m) * BIG, axis=axis) * m
    return p.astype(x.dtype), (p.astype(x.dtype), axis)


def masked_softmax_backward(dp, cache):
    """dx = p (dp - sum(p dp))."""
    p, axis = cache
    return p * (dp - (p * dp).sum(axis=axis, keepdims=True))


def masked_logsumexp(x, mask, axis=-1):
    """(log sum exp(x - (1 - m) 1e10) along axis, -inf for an empty row; cache)."""
    m = _m(x, mask)
    valid = m.sum(axis=axis, keepdims=True) > 0
    shifted = x - (1 - m) * BIG
    top = np.max(shifted, axis=axis, keepdims=True)
    e = np.exp(shifted - top)
    y = np.where(valid, np.log(e.sum(axis=axis, keepdims=True)) + top, -np.inf).squeeze(axis).astype(x.dtype)
    p = np.where(valid, e / e.sum(axis=axis, keepdims=True), 0).astype(x.dtype)
    return y, (p, axis)


def masked_logsumexp_backward(dy, cache):
    """dx = dy times the masked softmax."""
    p, axis = cache
    return np.expand_dims(dy, axis) * p


def masked_loss(losses, mask):
    """(sum(l m) / sum(m) over every entry, 0 if nothing counts; cache)."""
    m = _m(losses, mask)
    n = m.sum()
    return np.asarray((losses * m).sum() / n if n > 0 else 0, dtype=losses.dtype), (m, n)


def masked_loss_backward(dy, cache):
    """dl = dy m / sum(m)."""
    m, n = cache
    return (dy / n if n > 0 else 0) * m


def _reverse_rows(x, lengths):
    """(B, T, ...): each row's first L_b steps reversed, one row at a time."""
    y = x.copy()
    for b, L in enumerate(lengths):
        y[b, :L] = x[b, :L][::-1]
    return y


def reverse_sequence(x, lengths, *, time_axis=1, batch_axis=0):
    """(the valid prefixes reversed, cache)."""
    rows = np.moveaxis(x, (batch_axis, time_axis), (0, 1))
    return np.moveaxis(_reverse_rows(rows, lengths), (0, 1), (batch_axis, time_axis)), (lengths, time_axis, batch_axis)


def reverse_sequence_backward(dy, cache):
    """The same reversal of the cotangent (a permutation that is its own inverse)."""
    lengths, time_axis, batch_axis = cache
    return reverse_sequence(dy, lengths, time_axis=time_axis, batch_axis=batch_axis)[0]


def _layers(cell, master_input):
    """(layer, layer backward) spec forms of the cell family, zero initial states."""
    if cell == "lstm":
        from ..lstm.spec import lstm_layer, lstm_layer_backward

        return lstm_layer, lstm_layer_backward
    from ..onlstm.spec import onlstm_layer, onlstm_layer_backward

    return (lambda x, p, h0, c0: onlstm_layer(x, p, h0, c0, master_input=master_input)), onlstm_layer_backward


def _rev_time_major(x, lengths):
    """rev(x, L) on a time-major (T, B, ...) array."""
    return np.moveaxis(_reverse_rows(np.moveaxis(x, 0, 1), lengths), 0, 1)


def birnn(x, params_f, params_b, lengths, *, cell="lstm", method="reverse", master_input="paper", time_major=True):
    """((out, h_n), cache): out = [RNN_f(x) | rev(RNN_b(rev(x, L)), L)] m; h_n the forward
    direction's output at t = L - 1 and the backward one's at t = 0 (0 for an empty row).
    ``method`` names a kernel's formulation; this form is the article's for all of them."""
    xt = x if time_major else np.moveaxis(x, 0, 1)
    T, B = xt.shape[:2]
    H = params_f.U.shape[0]
    zeros = np.zeros((B, H), dtype=x.dtype)
    m = (np.arange(T)[:, None] < np.asarray(lengths)[None, :]).astype(x.dtype)[..., None]
    layer, _ = _layers(cell, master_input)
    (y_f, _, _), cache_f = layer(xt, params_f, zeros, zeros)
    (y_b_rev, _, _), cache_b = layer(_rev_time_major(xt, lengths), params_b, zeros, zeros)
    out = np.concatenate([y_f, _rev_time_major(y_b_rev, lengths)], axis=-1) * m
    h_n = np.stack([[out[L - 1, b, :H] if L > 0 else zeros[b] for b, L in enumerate(lengths)],
                    [out[0, b, H:] if L > 0 else zeros[b] for b, L in enumerate(lengths)]])
    cache = (cell, master_input, lengths, m, H, cache_f, cache_b, time_major)
    return (out if time_major else np.moveaxis(out, 0, 1), h_n), cache


def birnn_backward(grads, cache):
    """(dx, dparams_f, dparams_b) from (dout, dh_n), either None for zero."""
    cell, master_input, lengths, m, H, cache_f, cache_b, time_major = cache
    dout, dh_n = grads
    T, B = m.shape[:2]
    dout = np.zeros((T, B, 2 * H), dtype=m.dtype) if dout is None else \
        np.array(dout if time_major else np.moveaxis(dout, 0, 1), dtype=m.dtype)
    if dh_n is not None:        # h_n reads out at (L - 1, b, :H) and (0, b, H:)
        for b, L in enumerate(lengths):
            if L > 0:
                dout[L - 1, b, :H] += dh_n[0][b]
                dout[0, b, H:] += dh_n[1][b]
    dout = dout * m
    _, layer_backward = _layers(cell, master_input)
    dx_f, dp_f, _, _ = layer_backward((dout[..., :H], None, None), cache_f)
    dx_b_rev, dp_b, _, _ = layer_backward((_rev_time_major(dout[..., H:], lengths), None, None), cache_b)
    dx = dx_f + _rev_time_major(dx_b_rev, lengths)
    return (dx if time_major else np.moveaxis(dx, 0, 1)), dp_f, dp_b
