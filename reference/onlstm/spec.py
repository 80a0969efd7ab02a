"""ON-LSTM as the article writes it (https://kexue.fm/archives/6621, eq. "update-o3"; Shen et al.
2019, eqs. 9-14): the spec form.

Plain NumPy, one line per equation, in the article's names; no buffers, no regrouped
coefficients, no blocked backward. The kernels in :mod:`.cell` and :mod:`.layer` compute the
same values faster; a generic test and ``refspace check --spec`` hold the two equal. Nothing is
shared with the kernels but NumPy and ``scipy.special`` (expit as sigma, softmax)::

    z = x_t W + h_{t-1} U + b = [z_f | z_i | z_o | z_c | m_f | m_i]
    f, i, o = sigma(z_f), sigma(z_i), sigma(z_o);   c_hat = tanh(z_c)
    f_tilde = cumsum(softmax(m_f))                       (increasing; its last entry is 1)
    i_tilde = 1 - cumsum(softmax(m_i))    "paper"        (decreasing; its last entry is 0)
            = rev_cumsum(softmax(m_i))    "article"      (decreasing; its first entry is 1)
    F, I    = f_tilde, i_tilde, each level repeated over the chunk_size neurons of its chunk
    w       = F * I                                               (the overlap)
    c_t     = w * (f * c_{t-1} + i * c_hat) + (F - w) * c_{t-1} + (I - w) * c_hat
    h_t     = o * tanh(c_t)

Over a sequence, a padded step (``mask[b, t] = 0``) carries the state and outputs 0; DropConnect
multiplies U by ``weight_mask``. The backward passes are the chain rule through these lines.
Spec forms do not validate their arguments: call the kernels for checked input.
"""
from __future__ import annotations

import numpy as np
from scipy.special import expit as sigma
from scipy.special import softmax

from .params import ONLSTMParams


def _zeros_if_none(a, like):
    return np.zeros_like(like) if a is None else np.asarray(a, dtype=like.dtype)


def _split(z, H, L):
    """[z_f | z_i | z_o | z_c | m_f | m_i] of the last axis."""
    return np.split(z, [H, 2 * H, 3 * H, 4 * H, 4 * H + L], axis=-1)


def onlstm_cell(x, params: ONLSTMParams, h_prev, c_prev, *, master_input: str = "paper"):
    """((h_t, c_t), cache): one step, eq. "update-o3"."""
    H = h_prev.shape[-1]
    L = (params.U.shape[1] - 4 * H) // 2
    z_f, z_i, z_o, z_c, m_f, m_i = _split(x @ params.W + h_prev @ params.U + params.b, H, L)
    f, i, o, c_hat = sigma(z_f), sigma(z_i), sigma(z_o), np.tanh(z_c)
    p_f, p_i = softmax(m_f, axis=-1), softmax(m_i, axis=-1)
    f_tilde = np.cumsum(p_f, axis=-1)
    if master_input == "paper":
        i_tilde = 1 - np.cumsum(p_i, axis=-1)
    else:
        i_tilde = np.flip(np.cumsum(np.flip(p_i, -1), axis=-1), -1)
    F = np.repeat(f_tilde, H // L, axis=-1)
    I = np.repeat(i_tilde, H // L, axis=-1)
    w = F * I
    c = w * (f * c_prev + i * c_hat) + (F - w) * c_prev + (I - w) * c_hat
    h = o * np.tanh(c)
    return (h, c), (x, params, h_prev, c_prev, master_input, f, i, o, c_hat, p_f, p_i, F, I, w, c)


def onlstm_cell_backward(grads, cache):
    """(dx, dparams, dh_prev, dc_prev) from (dL/dh_t, dL/dc_t), either None for zero."""
    x, params, h_prev, c_prev, master_input, f, i, o, c_hat, p_f, p_i, F, I, w, c = cache
    B, H = c.shape
    L = p_f.shape[-1]
    dh, dc = _zeros_if_none(grads[0], c), _zeros_if_none(grads[1], c)
    # h_t = o tanh(c_t)
    do = dh * np.tanh(c)
    dc = dc + dh * o * (1 - np.tanh(c) ** 2)
    # c_t = w (f c_prev + i c_hat) + (F - w) c_prev + (I - w) c_hat
    df = dc * w * c_prev
    di = dc * w * c_hat
    dc_hat = dc * (w * i + I - w)
    dc_prev = dc * (w * f + F - w)
    dw = dc * (f * c_prev + i * c_hat - c_prev - c_hat)
    # w = F I
    dF = dc * c_prev + dw * I
    dI = dc * c_hat + dw * F
    # F, I repeat each level over its chunk: sum each chunk back
    df_tilde = dF.reshape(B, L, H // L).sum(axis=-1)
    di_tilde = dI.reshape(B, L, H // L).sum(axis=-1)
    # f_tilde = cumsum(p_f): dp_f[k] = sum_{j >= k} df_tilde[j]
    dp_f = np.flip(np.cumsum(np.flip(df_tilde, -1), axis=-1), -1)
    if master_input == "paper":     # i_tilde = 1 - cumsum(p_i)
        dp_i = -np.flip(np.cumsum(np.flip(di_tilde, -1), axis=-1), -1)
    else:                           # i_tilde[k] = sum_{j >= k} p_i[j]: dp_i[k] = sum_{j <= k} di_tilde[j]
        dp_i = np.cumsum(di_tilde, axis=-1)
    # p = softmax(m): dm = p (dp - sum(p dp))
    dm_f = p_f * (dp_f - (p_f * dp_f).sum(axis=-1, keepdims=True))
    dm_i = p_i * (dp_i - (p_i * dp_i).sum(axis=-1, keepdims=True))
    # through sigma and tanh to the pre-activations
    dz = np.concatenate([df * f * (1 - f), di * i * (1 - i), do * o * (1 - o), dc_hat * (1 - c_hat ** 2),
                         dm_f, dm_i], axis=-1)
    dparams = ONLSTMParams(W=x.T @ dz, U=h_prev.T @ dz, b=dz.sum(axis=0))
    return dz @ params.W.T, dparams, dz @ params.U.T, dc_prev


def onlstm_layer(x, params: ONLSTMParams, h0, c0, *, mask=None, weight_mask=None, master_input: str = "paper"):
    """((outputs, h_T, c_T), cache): the cell over t = 1..T; U times the DropConnect
    ``weight_mask``; a padded step carries (h, c) and outputs 0."""
    T, B = x.shape[:2]
    m = np.ones((B, T), dtype=x.dtype) if mask is None else np.asarray(mask, dtype=x.dtype)
    if weight_mask is not None:
        weight_mask = np.asarray(weight_mask, dtype=x.dtype)
    U = params.U if weight_mask is None else params.U * weight_mask
    step_params = ONLSTMParams(params.W, U, params.b)
    h, c, ys, caches = h0, c0, [], []
    for t in range(T):
        (h_new, c_new), step = onlstm_cell(x[t], step_params, h, c, master_input=master_input)
        m_t = m[:, t:t + 1]
        ys.append(m_t * h_new)
        h = m_t * h_new + (1 - m_t) * h
        c = m_t * c_new + (1 - m_t) * c
        caches.append((step, m_t))
    return (np.stack(ys), h, c), (caches, weight_mask, h0, c0)


def onlstm_layer_backward(grads, cache):
    """(dx, dparams, dh0, dc0): backpropagation through time, t = T down to 1."""
    caches, weight_mask, h0, c0 = cache
    dys, dh_T, dc_T = grads
    dh, dc = _zeros_if_none(dh_T, h0), _zeros_if_none(dc_T, c0)
    p = caches[0][0][1]
    dW, dU, db = np.zeros_like(p.W), np.zeros_like(p.U), np.zeros_like(p.b)
    dxs = []
    for t in reversed(range(len(caches))):
        step, m_t = caches[t]
        dy = 0 if dys is None else dys[t]
        # y_t = m h_new;  h = m h_new + (1 - m) h_prev;  c = m c_new + (1 - m) c_prev
        dx, dp, dh_prev, dc_prev = onlstm_cell_backward((m_t * (dy + dh), m_t * dc), step)
        dh, dc = dh_prev + (1 - m_t) * dh, dc_prev + (1 - m_t) * dc
        dW, dU, db = dW + dp.W, dU + dp.U, db + dp.b
        dxs.append(dx)
    if weight_mask is not None:     # U_used = U * weight_mask
        dU = dU * weight_mask
    return np.stack(dxs[::-1]), ONLSTMParams(dW, dU, db), dh, dc


def onlstm_stack(x, params, h0, c0, *, mask=None, weight_masks=None, master_input: str = "paper"):
    """((top outputs, h_T per layer, c_T per layer), cache): layer k reads layer k-1's outputs."""
    n = len(params)
    h0 = [None] * n if h0 is None else list(h0)
    c0 = [None] * n if c0 is None else list(c0)
    weight_masks = [None] * n if weight_masks is None else list(weight_masks)
    out, caches, hT, cT = x, [], [], []
    for k in range(n):
        B, H = x.shape[1], params[k].U.shape[0]
        zeros = np.zeros((B, H), dtype=x.dtype)
        (out, h, c), cache = onlstm_layer(out, params[k], zeros if h0[k] is None else h0[k],
                                          zeros if c0[k] is None else c0[k], mask=mask,
                                          weight_mask=weight_masks[k], master_input=master_input)
        caches.append(cache)
        hT.append(h)
        cT.append(c)
    return (out, tuple(hT), tuple(cT)), caches


def onlstm_stack_backward(grads, caches):
    """(dx, dparams per layer, dh0 per layer, dc0 per layer), the top layer first."""
    dys, dh_T, dc_T = grads
    n = len(caches)
    dh_T = [None] * n if dh_T is None else list(dh_T)
    dc_T = [None] * n if dc_T is None else list(dc_T)
    dparams, dh0, dc0 = [None] * n, [None] * n, [None] * n
    for k in reversed(range(n)):
        dys, dparams[k], dh0[k], dc0[k] = onlstm_layer_backward((dys, dh_T[k], dc_T[k]), caches[k])
    return dys, tuple(dparams), tuple(dh0), tuple(dc0)


def onlstm_lm(inputs, targets, params, mask=None, *, master_input="paper", weight_masks=None):
    """(mean next-token cross-entropy, cache): x = E[inputs], the stack, logits = h W_out + b_out,
    -log softmax(logits)[target] averaged over the counted positions (mask (B, T), time-major ids)."""
    from ..ops.spec import cross_entropy

    x = params.embedding[inputs]
    (hs, _, _), stack = onlstm_stack(x, params.layers, None, None, mask=mask, weight_masks=weight_masks,
                                     master_input=master_input)
    logits = hs @ params.W_out + params.b_out
    loss, ce = cross_entropy(logits, targets, weights=None if mask is None else np.asarray(mask).T)
    return loss, (inputs, params, hs, stack, ce)


def onlstm_lm_backward(dloss, cache):
    """(None, None, LMParams of gradients): back through the loss, the output layer, the stack and
    the embedding (rows read twice add up)."""
    from ..ops.spec import cross_entropy_backward

    inputs, p, hs, stack, ce = cache
    dlogits, _ = cross_entropy_backward(dloss, ce)
    H = hs.reshape(-1, hs.shape[-1])
    dW_out, db_out = H.T @ dlogits.reshape(-1, dlogits.shape[-1]), dlogits.reshape(-1, dlogits.shape[-1]).sum(axis=0)
    dx, dlayers, _, _ = onlstm_stack_backward((dlogits @ p.W_out.T, None, None), stack)
    onehot = np.eye(p.embedding.shape[0], dtype=p.embedding.dtype)[np.asarray(inputs).reshape(-1)]
    dE = onehot.T @ dx.reshape(-1, dx.shape[-1])
    return None, None, type(p)(dE, tuple(dlayers), dW_out, db_out)


# --- forward-only ops: spec(inputs, attrs) -> outputs, over flat named arrays ------------------

def _flat_params(inputs):
    return ONLSTMParams(inputs["params.W"], inputs["params.U"], inputs["params.b"])


def onlstm_cell_hard(inputs, attrs):
    """{"out[0]" h, "out[1]" c}: one step with integer levels, the article's case analysis per level k
    (eqs. update-o1, update-o2; the "paper" variant's input level is d_i - 1):

        d_f <= d_i:  c_hat below d_f,  f c_{t-1} + i c_hat on [d_f, d_i],  c_{t-1} above d_i
        d_f >  d_i:  c_hat up to d_i,  0 on (d_i, d_f),                    c_{t-1} from d_f on
    """
    x, h_prev, c_prev = inputs["x"], inputs["h_prev"], inputs["c_prev"]
    p = _flat_params(inputs)
    H = h_prev.shape[-1]
    L = (p.U.shape[1] - 4 * H) // 2
    z_f, z_i, z_o, z_c, _, _ = _split(x @ p.W + h_prev @ p.U + p.b, H, L)
    f, i, o, c_hat = sigma(z_f), sigma(z_i), sigma(z_o), np.tanh(z_c)
    level = np.arange(H) // (H // L)                     # the level (chunk) of each neuron
    c = np.zeros_like(c_prev)
    for b in range(x.shape[0]):
        d_f = int(inputs["d_f"][b])
        d_i = int(inputs["d_i"][b]) - (1 if attrs.get("master_input", "article") == "paper" else 0)
        for n, k in enumerate(level):
            if d_f <= d_i:
                c[b, n] = c_hat[b, n] if k < d_f else f[b, n] * c_prev[b, n] + i[b, n] * c_hat[b, n] if k <= d_i \
                    else c_prev[b, n]
            else:
                c[b, n] = c_hat[b, n] if k <= d_i else 0.0 if k < d_f else c_prev[b, n]
    return {"out[0]": o * np.tanh(c), "out[1]": c}


def distances(inputs, attrs):
    """{"d_f", "d_i"} (T, B): 1 - mean of the master forget gate and mean of the master input gate
    at each step of one layer (Shen et al. 2019's parsing distances)."""
    _, (caches, _, _, _) = onlstm_layer(inputs["x"], _flat_params(inputs), inputs["h0"], inputs["c0"],
                                        mask=attrs.get("mask"), weight_mask=attrs.get("weight_mask"),
                                        master_input=attrs.get("master_input", "paper"))
    F = np.stack([step[11] for step, _ in caches])       # the expanded master gates of each step
    I = np.stack([step[12] for step, _ in caches])
    return {"d_f": 1 - F.mean(axis=-1), "d_i": I.mean(axis=-1)}


def _tree_spans(depth, lo, hi):
    """The spans [start, end) of the greedy tree over words lo..hi-1: split at the first largest
    distance k into (lo..k-1) and (k, then the tree of k+1..hi-1)."""
    if hi - lo < 2:
        return set()
    k = lo + int(np.argmax(depth[lo:hi]))
    out = {(lo, hi)} | (_tree_spans(depth, lo, k) if k > lo else set())
    if hi - k >= 2:
        out |= {(k, hi)} | _tree_spans(depth, k + 1, hi)
    return out


def build_tree(inputs, attrs):
    """{"spans"} (S, 2): every constituent of two words or more of the authors' greedy tree, sorted."""
    depth = np.asarray(inputs["depth"], dtype=np.float64)
    return {"spans": np.array(sorted(_tree_spans(depth, 0, len(depth))), dtype=np.int64).reshape(-1, 2)}
