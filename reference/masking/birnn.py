"""The aligned bidirectional RNN over the LSTM and ON-LSTM layers (kexue.fm/archives/6810).

Spec form: :mod:`reference.masking.spec`, the same equations in plain NumPy, line by line
(``refspace check --spec`` holds the two equal).

Two independent parameter sets (a forward and a backward direction, e.g. two fresh clones),
inputs time-major ``x`` (T, B, I) with right padding described by ``lengths`` (B,). The
backward direction must read each row's *valid prefix* backwards, ``x[L-1], ..., x[0]``, and
never start on padding. Three formulations, which agree to float64 round-off:

``"reverse"``  the article's: ``y_b = rev(RNN_b(rev(x, L)), L)`` with :func:`reverse_sequence`;
``"carry"``    a state-carrying masked RNN (Keras semantics): at a padded step the state is
               carried and the output is zero; the backward direction runs t = T-1, ..., 0;
``"packed"``   PyTorch ``pack_padded_sequence`` semantics: at step t only the rows with
               ``L > t`` are computed (the backward direction starts each row at t = L-1).

and ``"naive"``, the counterexample: the backward direction reverses the whole row (Keras
``go_backwards`` without a mask), so it starts on padding.

Output ``out`` (T, B, 2H) is ``[y_f | y_b]`` times the mask (zero on padding), and ``h_n``
(2, B, H) the final hidden states: the forward direction's at t = L-1, the backward
direction's at t = 0 (not ``out[-1]``, a common mistake); a row of length 0 keeps its initial
state. :func:`final_hidden` takes them from ``out``. ``"carry"`` and ``"packed"`` also give the
cell states ``c_n`` (:func:`birnn_states`).
"""
from __future__ import annotations

import numpy as np

from ..core.masks import mask_from_lengths
from ..core.pytree import leaves, map_leaves
from ..core.validate import check_shape, float_array, gradient, instance
from .reverse import reverse_sequence

METHODS = ("reverse", "carry", "packed", "naive")
CELLS = ("lstm", "onlstm")


def _family(cell: str, master_input: str):
    """(layer forward, layer backward, cell forward, cell backward) of a cell family."""
    if cell == "lstm":
        from ..lstm.cell import lstm_cell_backward, lstm_cell_forward
        from ..lstm.layer import lstm_layer_backward, lstm_layer_forward

        return lstm_layer_forward, lstm_layer_backward, lstm_cell_forward, lstm_cell_backward
    if cell == "onlstm":
        from ..onlstm.cell import onlstm_cell_backward, onlstm_cell_forward
        from ..onlstm.layer import onlstm_layer_backward, onlstm_layer_forward

        return ((lambda x, p, h0, c0: onlstm_layer_forward(x, p, h0, c0, master_input=master_input)),
                onlstm_layer_backward,
                (lambda x, p, h, c: onlstm_cell_forward(x, p, h, c, master_input=master_input)),
                onlstm_cell_backward)
    raise ValueError(f"cell: expected one of {CELLS}, got {cell!r}")


def _checked(x, params_f, params_b, lengths, method, cell):
    """x, both directions' params (validated, named params_f / params_b) and the lengths."""
    if method not in METHODS:
        raise ValueError(f"method: expected one of {METHODS}, got {method!r}")
    if cell not in ("lstm", "onlstm"):
        raise ValueError(f"cell: expected 'lstm' or 'onlstm', got {cell!r}")
    x = float_array("x", x)
    if x.ndim != 3:
        raise ValueError(f"x: expected time-major (T, B, I), got shape {x.shape}")
    if cell == "lstm":
        from ..lstm.params import LSTMParams as cls
    else:
        from ..onlstm.params import ONLSTMParams as cls
    pf = instance("params_f", params_f, cls).validated(x.dtype, name="params_f")
    pb = instance("params_b", params_b, cls).validated(x.dtype, name="params_b")
    for name, p in (("params_f", pf), ("params_b", pb)):
        if p.W.shape[0] != x.shape[2]:
            raise ValueError(f"{name}.W: expected {x.shape[2]} input rows (x's last axis), got {p.W.shape[0]}")
    if pb.U.shape != pf.U.shape:
        raise ValueError(f"params_b.U: expected the shape of params_f.U {pf.U.shape} (both directions' outputs are "
                         f"concatenated), got {pb.U.shape}")
    return x, pf, pb, _check_lengths(x, lengths)


def _check_lengths(x, lengths):
    L = np.asarray(lengths)
    if L.ndim != 1 or not np.issubdtype(L.dtype, np.integer) or L.shape[0] != x.shape[1]:
        raise ValueError(f"lengths: expected {x.shape[1]} integer lengths, got {L.dtype} {L.shape}")
    if L.size and (L.min() < 0 or L.max() > x.shape[0]):
        bad = int(np.argmax((L < 0) | (L > x.shape[0])))
        raise ValueError(f"lengths[{bad}]: expected a length in [0, {x.shape[0]}], got {int(L[bad])}")
    return L


def _add(a, b):
    if a is None:
        return b
    flat = dict(leaves(b))
    return map_leaves(lambda path, v: v + flat[path], a)


def _cells_forward(cell_f, x, p, h0, c0, active, order, packed):
    """Run cells over ``order`` (time indices); rows where ``active[t]`` is False keep their state."""
    T, B = active.shape
    H = h0.shape[1]
    y = np.zeros((T, B, H), dtype=x.dtype)
    h, c, caches = h0.copy(), c0.copy(), []
    for t in order:
        if packed:
            rows = np.flatnonzero(active[t])
            if rows.size == 0:
                continue
            (hn, cn), cache = cell_f(x[t, rows], p, h[rows], c[rows])
            y[t, rows], h[rows], c[rows] = hn, hn, cn
            caches.append((t, rows, cache))
        else:
            (hn, cn), cache = cell_f(x[t], p, h, c)
            m = active[t][:, None]
            y[t] = np.where(m, hn, 0)
            h, c = np.where(m, hn, h), np.where(m, cn, c)
            caches.append((t, m, cache))
    return y, h, c, caches


def _cells_backward(cell_b, dy, dh, dc, caches, x_shape, packed):
    dx, dp = np.zeros(x_shape, dtype=dy.dtype), None
    dh, dc = dh.copy(), dc.copy()
    for t, sel, cache in reversed(caches):
        if packed:
            gx, gp, gh, gc = cell_b((dy[t, sel] + dh[sel], dc[sel]), cache)
            dx[t, sel], dh[sel], dc[sel] = gx, gh, gc
        else:
            gx, gp, gh, gc = cell_b((np.where(sel, dy[t] + dh, 0), np.where(sel, dc, 0)), cache)
            dx[t] = gx
            dh, dc = gh + np.where(sel, 0, dh), gc + np.where(sel, 0, dc)
        dp = _add(dp, gp)
    return dx, dp, dh, dc


def _zeros_like_params(p):
    return map_leaves(lambda _, v: np.zeros_like(v), p)


def birnn_states(x, params_f, params_b, lengths, h0=None, c0=None, *, cell="lstm", method="carry",
                 master_input="paper", time_major=True):
    """(out (T, B, 2H), h_n (2, B, H), c_n (2, B, H)), cache: ``"carry"`` or ``"packed"``.
    ``h0``, ``c0``: (2, B, H) initial states of the two directions, or None for zeros.
    ``time_major=False``: x (B, T, I) and out (B, T, 2H) (the states keep (2, B, H))."""
    time_major = _major(time_major)
    (out, h_n, c_n), cache = _birnn_states_time_major(_to_time_major(x, time_major), params_f, params_b, lengths,
                                                      h0, c0, cell=cell, method=method, master_input=master_input)
    return (_out_major(out, time_major), h_n, c_n), (cache, time_major)


def birnn_states_backward(grads, cache):
    """(dx, dparams_f, dparams_b, dh0 (2, B, H), dc0 (2, B, H)) from (dout, dh_n, dc_n) (None: zero);
    dout and dx batch-major when the forward was."""
    inner, time_major = cache
    dout, dh_n, dc_n = grads
    if not time_major and dout is not None:
        dout = np.moveaxis(gradient("dout", dout, None), 0, 1)
    dx, dpf, dpb, dh0, dc0 = _birnn_states_backward_time_major((dout, dh_n, dc_n), inner)
    return _out_major(dx, time_major), dpf, dpb, dh0, dc0


def _birnn_states_time_major(x, params_f, params_b, lengths, h0, c0, *, cell, method, master_input):
    x, params_f, params_b, L = _checked(x, params_f, params_b, lengths, method, cell)
    if method not in ("carry", "packed"):
        raise ValueError(f"method: the cell states c_n come from 'carry' or 'packed', got {method!r}")
    _, _, cell_f, cell_b = _family(cell, master_input)
    T, B, _ = x.shape
    H = np.shape(params_f.U)[0]
    h0, c0 = (np.zeros((2, B, H), dtype=x.dtype) if v is None else float_array(name, v, ndim=3, dtype=x.dtype)
              for name, v in (("h0", h0), ("c0", c0)))
    for name, v in (("h0", h0), ("c0", c0)):
        check_shape(name, v, [("directions", 2), ("B", B), ("H", H)])
    active = mask_from_lengths(L, T, dtype=bool).T                      # (T, B)
    packed = method == "packed"
    yf, hf, cf, cache_f = _cells_forward(cell_f, x, params_f, h0[0], c0[0], active, range(T), packed)
    yb, hb, cb, cache_b = _cells_forward(cell_f, x, params_b, h0[1], c0[1], active,
                                         range(T - 1, -1, -1), packed)
    out = np.concatenate([yf, yb], axis=-1)
    return (out, np.stack([hf, hb]), np.stack([cf, cb])), (cache_f, cache_b, cell_b, x.shape, H, packed,
                                                           params_f, params_b)


def _birnn_states_backward_time_major(grads, cache):
    cache_f, cache_b, cell_b, x_shape, H, packed, params_f, params_b = cache
    dout, dh_n, dc_n = grads
    T, B, _ = x_shape
    dout = np.zeros((T, B, 2 * H)) if dout is None else gradient("dout", dout, (T, B, 2 * H))
    dh_n = np.zeros((2, B, H), dtype=dout.dtype) if dh_n is None else gradient("dh_n", dh_n, (2, B, H))
    dc_n = np.zeros((2, B, H), dtype=dout.dtype) if dc_n is None else gradient("dc_n", dc_n, (2, B, H))
    dxf, dpf, dh0f, dc0f = _cells_backward(cell_b, dout[..., :H], dh_n[0], dc_n[0], cache_f, x_shape, packed)
    dxb, dpb, dh0b, dc0b = _cells_backward(cell_b, dout[..., H:], dh_n[1], dc_n[1], cache_b, x_shape, packed)
    dpf = _zeros_like_params(params_f) if dpf is None else dpf
    dpb = _zeros_like_params(params_b) if dpb is None else dpb
    return dxf + dxb, dpf, dpb, np.stack([dh0f, dh0b]), np.stack([dc0f, dc0b])


def final_hidden(out, lengths) -> np.ndarray:
    """h_n (2, B, H) from ``out`` (T, B, 2H): forward half at t = L-1, backward half at t = 0
    (zeros for a row of length 0)."""
    out = float_array("out", out, ndim=3)
    if out.shape[-1] % 2:
        raise ValueError(f"out: expected (T, B, 2H), an even last axis, got shape {out.shape}")
    H = out.shape[-1] // 2
    L = _check_lengths(out, lengths)
    rows = np.arange(out.shape[1])
    fwd = np.where((L > 0)[:, None], out[np.maximum(L - 1, 0), rows, :H], 0)
    bwd = np.where((L > 0)[:, None], out[0, :, H:], 0)
    return np.stack([fwd, bwd])


def _major(time_major) -> bool:
    if not isinstance(time_major, (bool, np.bool_)):
        raise TypeError(f"time_major: expected True (x is (T, B, I)) or False ((B, T, I)), got {time_major!r}")
    return bool(time_major)


def _to_time_major(x, time_major):
    """x as (T, B, I): batch-major input (B, T, I) is transposed (a copy)."""
    if time_major:
        return x
    x = float_array("x", x, ndim=3)
    return np.ascontiguousarray(np.moveaxis(x, 0, 1))


def _out_major(a, time_major):
    return a if time_major else np.ascontiguousarray(np.moveaxis(a, 0, 1))


def _birnn_forward_time_major(x, params_f, params_b, lengths, *, cell, method, master_input):
    """:func:`birnn_forward` on time-major x (T, B, I)."""
    x, params_f, params_b, L = _checked(x, params_f, params_b, lengths, method, cell)
    if method in ("carry", "packed"):
        (out, h_n, _), cache = _birnn_states_time_major(x, params_f, params_b, L, None, None, cell=cell,
                                                        method=method, master_input=master_input)
        return (out, h_n), ("states", cache, L)
    layer_f, layer_b, _, _ = _family(cell, master_input)
    T, B, _ = x.shape
    m = mask_from_lengths(L, T, dtype=x.dtype).T[:, :, None]           # (T, B, 1)
    rev = (lambda a: reverse_sequence(a, L, time_axis=0, batch_axis=1)) if method == "reverse" \
        else (lambda a: a[::-1])                                        # "naive": the whole row
    (yf, _, _), cache_f = layer_f(x, params_f, None, None)
    (yb_rev, _, _), cache_b = layer_f(rev(x), params_b, None, None)
    out = np.concatenate([yf, rev(yb_rev)], axis=-1) * m
    return (out, final_hidden(out, L)), ("layers", (cache_f, cache_b, layer_b, rev, m, yf.shape[-1]), L)


def birnn_forward(x, params_f, params_b, lengths, *, cell="lstm", method="reverse", master_input="paper",
                  time_major=True):
    """(out (T, B, 2H), h_n (2, B, H)), cache; zero initial states. See the module docstring.
    ``time_major=False`` takes x (B, T, I) and returns out (B, T, 2H), as ``sequence_mask`` and
    ``reverse_sequence`` default to (h_n stays (2, B, H), as PyTorch's)."""
    time_major = _major(time_major)
    (out, h_n), cache = _birnn_forward_time_major(_to_time_major(x, time_major), params_f, params_b, lengths,
                                                  cell=cell, method=method, master_input=master_input)
    return (_out_major(out, time_major), h_n), cache + (time_major,)


def birnn_backward(grads, cache):
    """(dx, dparams_f, dparams_b) from (dout, dh_n); either may be None (zero). With a batch-major
    forward, dout is (B, T, 2H) and dx (B, T, I)."""
    kind, inner, L, time_major = cache
    dout, dh_n = grads
    if not time_major and dout is not None:
        dout = np.moveaxis(gradient("dout", dout, None), 0, 1)
    dx, dpf, dpb = _birnn_backward_time_major((dout, dh_n), (kind, inner, L))
    return _out_major(dx, time_major), dpf, dpb


def _birnn_backward_time_major(grads, cache):
    kind, inner, L = cache
    dout, dh_n = grads
    if kind == "states":
        dx, dpf, dpb, _, _ = _birnn_states_backward_time_major((dout, dh_n, None), inner)
        return dx, dpf, dpb
    cache_f, cache_b, layer_b, rev, m, H = inner
    T, B, _ = m.shape
    dout = np.zeros((T, B, 2 * H), dtype=m.dtype) if dout is None else \
        np.array(gradient("dout", dout, (T, B, 2 * H), m.dtype))
    if dh_n is not None:                                   # h_n was read from out: route it back there
        dh_n = gradient("dh_n", dh_n, (2, B, H), m.dtype)
        valid = np.flatnonzero(L > 0)                      # one (t, b) per row: no repeated index
        dout[L[valid] - 1, valid, :H] += dh_n[0][valid]
        dout[0, valid, H:] += dh_n[1][valid]
    dout = dout * m
    dxf, dpf, _, _ = layer_b((dout[..., :H], None, None), cache_f)
    dxb_rev, dpb, _, _ = layer_b((rev(dout[..., H:]), None, None), cache_b)
    return dxf + rev(dxb_rev), dpf, dpb
