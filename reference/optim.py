"""Plain NumPy optimisers for the demos: pure functions over parameter structures.

Parameters and gradients are any matching structures of arrays (dataclasses such as
``LSTMParams``, tuples, dicts); every step returns new parameters and a new state and never
modifies its inputs.

- :class:`SGD`: ``p <- p - lr g``;
- :class:`Adam` (Kingma & Ba 2015): bias-corrected first and second moments,
  ``p <- p - lr m_hat / (sqrt(v_hat) + eps)``;
- :func:`clip_by_global_norm`: scale all gradients by ``min(1, max_norm / ||g||)`` with
  ``||g||`` the norm of all gradients together (what ``torch.nn.utils.clip_grad_norm_`` does).

Example
-------
>>> opt = Adam(lr=0.1)
>>> params = {"w": np.array([1.0, -2.0])}
>>> state = opt.init(params)
>>> params, state = opt.step(params, {"w": np.array([0.5, -0.5])}, state)
>>> params["w"]                         # the first Adam step moves each entry by lr
array([ 0.9, -1.9])
"""
from __future__ import annotations

import dataclasses

import numpy as np

from .core.pytree import leaves, map_leaves


def _check_like(params, grads):
    pl, gl = leaves(params), leaves(grads)
    if [p for p, _ in pl] != [p for p, _ in gl]:
        raise ValueError("grads: expected the same structure as params")
    for (name, p), (_, g) in zip(pl, gl):
        if p.shape != g.shape:
            raise ValueError(f"grads{name}: expected shape {p.shape}, got {g.shape}")
    return dict(gl)


def clip_by_global_norm(grads, max_norm: float):
    """Returns (clipped grads, the global norm before clipping)."""
    if not max_norm > 0:
        raise ValueError(f"max_norm: expected a positive number, got {max_norm}")
    norm = float(np.sqrt(sum(float(np.sum(g * g)) for _, g in leaves(grads))))
    scale = min(1.0, max_norm / norm) if norm > 0 else 1.0
    return map_leaves(lambda _, g: g * scale, grads), norm


@dataclasses.dataclass(frozen=True)
class SGD:
    lr: float

    def init(self, params):
        return None

    def step(self, params, grads, state=None):
        g = _check_like(params, grads)
        return map_leaves(lambda name, p: p - self.lr * g[name], params), state


@dataclasses.dataclass(frozen=True)
class AdamState:
    m: object
    v: object
    t: int


@dataclasses.dataclass(frozen=True)
class Adam:
    lr: float = 1e-3
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8

    def init(self, params) -> AdamState:
        zeros = map_leaves(lambda _, p: np.zeros_like(p), params)
        return AdamState(zeros, zeros, 0)

    def step(self, params, grads, state: AdamState):
        g = _check_like(params, grads)
        m_old, v_old = dict(leaves(state.m)), dict(leaves(state.v))
        t = state.t + 1
        m = map_leaves(lambda name, _: self.beta1 * m_old[name] + (1 - self.beta1) * g[name], params)
        v = map_leaves(lambda name, _: self.beta2 * v_old[name] + (1 - self.beta2) * g[name] ** 2, params)
        m_new, v_new = dict(leaves(m)), dict(leaves(v))
        c1, c2 = 1 - self.beta1 ** t, 1 - self.beta2 ** t

        def update(name, p):
            return p - self.lr * (m_new[name] / c1) / (np.sqrt(v_new[name] / c2) + self.eps)

        return map_leaves(update, params), AdamState(m, v, t)
