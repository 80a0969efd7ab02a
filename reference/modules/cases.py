"""Declarations of the module-level ops: reuse, tied weights and a residual DAG, each run through
the Module layer (its per-call closures and accumulating parameters), so ``refspace check``,
the golden files and ``refspace verify`` pin the semantics a port of these modules must share.

Spec form: :mod:`reference.modules.spec`, the same equations in plain NumPy, line by line
(``refspace check --spec`` holds the two equal).

- ``dense_reuse``: one Dense layer (tanh) applied K times, ``y = f(...f(x W + b)...)``: the
  gradient of W and b is the sum over the K uses;
- ``tied_embedding_dense``: ``logits = E[ids] E^T + b``, the article's EmbeddingDense on the
  embedding it is tied to: E's gradient adds both uses (repeated ids included);
- ``residual_mlp``: the functional-graph DAG ``a = tanh(x W1 + b1)``, ``m = tanh(a W2 + b2)``,
  ``y = (m + a) W3 + b3`` (a skip path, two uses of ``a``), built with ``Model``.
"""
from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import strategies as st

from ..core.registry import register
from ..core.validate import check_shape, dense_chain, float_array, instance
from . import spec
from .graph import Input, Model
from .layers import Add, Dense, Embedding, EmbeddingDense
from .module import Sequential
from .parameter import Parameter


@dataclasses.dataclass(frozen=True)
class DenseParams:
    W: np.ndarray
    b: np.ndarray


@dataclasses.dataclass(frozen=True)
class ResidualParams:
    W1: np.ndarray
    b1: np.ndarray
    W2: np.ndarray
    b2: np.ndarray
    W3: np.ndarray
    b3: np.ndarray


def _grads(vjp, cot, params, cls):
    return vjp(cot), cls(*(p.grad for p in params))


def dense_reuse_forward(x, params: DenseParams, *, K: int = 2):
    """One tanh Dense layer applied ``K`` times; returns (y, cache)."""
    if isinstance(K, bool) or not isinstance(K, (int, np.integer)) or K < 1:
        raise ValueError(f"K: expected a positive number of calls, got {K!r}")
    p = instance("params", params, DenseParams)
    dense_chain("x", x, [("params.W", p.W, "params.b", p.b)] * int(K), x_ndim=None)   # reused: W square when K > 1
    layer = Dense.of(params.W, params.b, activation="tanh")
    y, vjp = Sequential(*[layer] * int(K)).forward(x)
    return y, (vjp, layer)


def dense_reuse_backward(dy, cache):
    """(dx, DenseParams(dW, db)): dW and db summed over the K calls."""
    vjp, layer = cache
    (dx,), dp = _grads(vjp, dy, (layer.W, layer.b), DenseParams)
    return dx, dp


def tied_embedding_dense_forward(ids, E, b):
    """``E[ids] E^T + b`` through an Embedding and the EmbeddingDense tied to it."""
    E = float_array("E", E, ndim=2)
    b = float_array("b", b, ndim=1, dtype=E.dtype)
    check_shape("b", b, [("V (rows of E)", E.shape[0])])
    emb = Embedding(weight=Parameter(E, name="E"))
    out = EmbeddingDense(emb, activation=None)
    out.b = Parameter(b, name="b")
    y, vjp = Sequential(emb, out).forward(ids)
    return y, (vjp, emb.weight, out.b)


def tied_embedding_dense_backward(dy, cache):
    """(None for ids, dE from both uses, db)."""
    vjp, E, b = cache
    vjp(dy)
    return None, E.grad, b.grad


def residual_mlp_forward(x, params: ResidualParams):
    """``d3(d2(a) + a)`` with ``a = d1(x)`` (tanh d1, d2; linear d3); returns (y, cache)."""
    p = instance("params", params, ResidualParams)
    dense_chain("x", x, [("params.W1", p.W1, "params.b1", p.b1), ("params.W2", p.W2, "params.b2", p.b2),
                         ("params.W3", p.W3, "params.b3", p.b3)], x_ndim=None)
    if np.shape(p.W2)[0] != np.shape(p.W2)[1]:
        raise ValueError(f"params.W2: expected a square matrix (its output is added to its input), got {np.shape(p.W2)}")
    inp = Input("x")
    d1, d2 = Dense.of(params.W1, params.b1, activation="tanh"), Dense.of(params.W2, params.b2, activation="tanh")
    d3 = Dense.of(params.W3, params.b3)
    a = d1(inp)
    model = Model(inp, d3(Add()(d2(a), a)))
    y, vjp = model.forward(x)
    return y, (vjp, (d1.W, d1.b, d2.W, d2.b, d3.W, d3.b))


def residual_mlp_backward(dy, cache):
    vjp, params = cache
    (dx,), dp = _grads(vjp, dy, params, ResidualParams)
    return dx, dp


def _nonzero(rng, n):
    return rng.uniform(0.3, 1.0, n) * rng.choice([-1.0, 1.0], n)


@register("dense_reuse", "one tanh Dense layer called K times (gradients summed over the calls)",
          source="kexue.fm/archives/6985, reusing a layer", forward=dense_reuse_forward,
          backward=dense_reuse_backward,
          spec=(spec.dense_reuse, spec.dense_reuse_backward),
          edges=(dict(B=3, n=4, K=3), dict(B=1, n=2, K=1)),
          sizes=st.fixed_dictionaries({"B": st.integers(1, 3), "n": st.integers(1, 4), "K": st.integers(1, 4)}),
          label=lambda s: f"B={s['B']} n={s['n']} K={s['K']}")
def _dense_reuse(rng, B, n, K):
    return (rng.standard_normal((B, n)), DenseParams(rng.standard_normal((n, n)) / np.sqrt(n), _nonzero(rng, n))), \
        {"K": K}


@register("tied_embedding_dense", "E[ids] E^T + b: an output layer tied to the embedding, own bias",
          source="kexue.fm/archives/6985, EmbeddingDense", forward=tied_embedding_dense_forward,
          backward=tied_embedding_dense_backward,
          spec=(spec.tied_embedding_dense, spec.tied_embedding_dense_backward),
          edges=(dict(ids=((1, 3, 3), (0, 3, 1)), V=5, D=3), dict(ids=(2,), V=3, D=1)),
          sizes=st.fixed_dictionaries({"V": st.integers(1, 5), "D": st.integers(1, 4),
                                       "shape": st.lists(st.integers(1, 3), min_size=1, max_size=2).map(tuple)}),
          label=lambda s: f"ids {np.shape(s['ids']) if 'ids' in s else s['shape']}, V={s['V']}, D={s['D']}")
def _tied(rng, V, D, ids=None, shape=None):
    """Repeated ids on purpose (their gradients add up, and add to the output use)."""
    ids = np.array(ids) if ids is not None else rng.integers(0, V, shape)
    return (ids, rng.standard_normal((V, D)), _nonzero(rng, V)), {}


@register("residual_mlp", "a = tanh(x W1 + b1), y = (tanh(a W2 + b2) + a) W3 + b3 as a functional graph",
          source="kexue.fm/archives/6985, a DAG model", forward=residual_mlp_forward, backward=residual_mlp_backward,
          spec=(spec.residual_mlp, spec.residual_mlp_backward),
          edges=(dict(B=3, n=4, o=2), dict(B=1, n=1, o=3)),
          sizes=st.fixed_dictionaries({"B": st.integers(1, 3), "n": st.integers(1, 4), "o": st.integers(1, 3)}),
          label=lambda s: f"B={s['B']} n={s['n']} -> {s['o']}")
def _residual(rng, B, n, o):
    w = lambda i, j: rng.standard_normal((i, j)) / np.sqrt(i)
    return (rng.standard_normal((B, n)),
            ResidualParams(w(n, n), _nonzero(rng, n), w(n, n), _nonzero(rng, n), w(n, o), _nonzero(rng, o))), {}
