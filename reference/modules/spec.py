"""The modules article's models (https://kexue.fm/archives/6985) as plain equations: the spec forms.

The kernels run these models through the module system (a layer object called K times, an
Embedding and the EmbeddingDense tied to it, a functional graph with a skip connection), so
that the system's gradient summing is what is tested; here the same models are written out::

    reuse:     h_0 = x,  h_k = tanh(h_{k-1} W + b),  y = h_K      (dW = sum over the K calls)
    tied:      y = E[ids] E^T + b                                   (dE from both uses)
    residual:  a = tanh(x W1 + b1),  y = (tanh(a W2 + b2) + a) W3 + b3

Spec forms do not validate their arguments.
"""
from __future__ import annotations

import numpy as np


def _flat(a):
    return a.reshape(-1, a.shape[-1])


def dense_reuse(x, params, *, K=2):
    """(h_K, cache): the same tanh layer applied K times."""
    hs = [x]
    for _ in range(int(K)):
        hs.append(np.tanh(hs[-1] @ params.W + params.b))
    return hs[-1], (hs, params)


def dense_reuse_backward(dy, cache):
    """(dx, params' type (dW, db)): back through the K calls, each adding its share of dW, db."""
    hs, params = cache
    dW, db, dh = np.zeros_like(params.W), np.zeros_like(params.b), dy
    for k in reversed(range(1, len(hs))):
        da = dh * (1 - hs[k] ** 2)                      # h_k = tanh(a_k)
        dW = dW + _flat(hs[k - 1]).T @ _flat(da)
        db = db + _flat(da).sum(axis=0)
        dh = da @ params.W.T
    return dh, type(params)(dW, db)


def tied_embedding_dense(ids, E, b):
    """(E[ids] E^T + b, cache)."""
    return E[ids] @ E.T + b, (ids, E)


def tied_embedding_dense_backward(dy, cache):
    """(None for ids, dE = onehot(ids)^T (dy E) + dy^T E[ids], db = sum of dy)."""
    ids, E = cache
    onehot = np.eye(E.shape[0], dtype=E.dtype)[np.asarray(ids).reshape(-1)]         # (N, V)
    D, X = _flat(dy), E[np.asarray(ids).reshape(-1)]
    return None, onehot.T @ (D @ E) + D.T @ X, D.sum(axis=0)


def residual_mlp(x, params):
    """((tanh(a W2 + b2) + a) W3 + b3 with a = tanh(x W1 + b1), cache)."""
    a = np.tanh(x @ params.W1 + params.b1)
    c = np.tanh(a @ params.W2 + params.b2)
    return (c + a) @ params.W3 + params.b3, (x, a, c, params)


def residual_mlp_backward(dy, cache):
    """(dx, params' type): a reaches the output through the skip and through W2."""
    x, a, c, p = cache
    ds = dy @ p.W3.T                                   # s = c + a
    dc_pre = ds * (1 - c ** 2)                         # c = tanh(a W2 + b2)
    da = ds + dc_pre @ p.W2.T
    da_pre = da * (1 - a ** 2)                         # a = tanh(x W1 + b1)
    grads = type(p)(W1=_flat(x).T @ _flat(da_pre), b1=_flat(da_pre).sum(axis=0),
                    W2=_flat(a).T @ _flat(dc_pre), b2=_flat(dc_pre).sum(axis=0),
                    W3=_flat(c + a).T @ _flat(dy), b3=_flat(dy).sum(axis=0))
    return da_pre @ p.W1.T, grads
