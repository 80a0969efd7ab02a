"""``clone(module, policy)``: the same architecture, to any depth, with one of three policies.

``"fresh"``  new parameter objects with values drawn again by each parameter's initialiser
             from the explicit generator ``rng`` (Keras ``clone_model``); states reset too;
``"copy"``   new parameter objects holding copies of the values (``clone_model`` followed by
             ``set_weights(get_weights())``); states copied;
``"share"``  new module objects holding the *same* parameters and states (a second handle on
             one set of weights).

Ties inside the module are kept by every policy: a parameter used in two places of the
original is one parameter in the clone too (a tied output layer stays tied to the clone's
embedding, not to the original's). Gradients of new parameters start at zero.

Example
-------
>>> import numpy as np
>>> from reference.modules import Dense
>>> layer = Dense(2, 3, rng=np.random.default_rng(0))
>>> twin = clone(layer, "copy")
>>> twin.W is layer.W, bool((twin.W.value == layer.W.value).all())
(False, True)
"""
from __future__ import annotations

import copy

import numpy as np

from ..core.validate import generator
from .module import Module, walk
from .parameter import Parameter

POLICIES = ("fresh", "copy", "share")


def clone(module: Module, policy: str = "fresh", *, rng=None) -> Module:
    if not isinstance(module, Module):
        raise TypeError(f"module: expected a Module, got {type(module).__name__}")
    if policy not in POLICIES:
        raise ValueError(f"policy: expected one of {POLICIES}, got {policy!r}")
    leaves = {id(leaf.base if hasattr(leaf, "base") else leaf): (leaf.base if hasattr(leaf, "base") else leaf)
              for _, leaf in walk(module)}
    memo = {}
    if policy == "share":
        memo.update({k: v for k, v in leaves.items()})      # the same objects, never copied
    twin = copy.deepcopy(module, memo)                      # the memo keeps every tie a tie
    if policy == "share":
        return twin
    if policy == "fresh":
        rng = generator("rng", rng)
    for old in leaves.values():
        new = memo[id(old)]
        if isinstance(new, Parameter):
            new.grad = np.zeros_like(new.value)
        if policy == "fresh":
            if new.init is None:
                raise ValueError(f"policy 'fresh': {old!r} has no initialiser; use policy='copy'")
            new.value = np.asarray(new.init(rng, new.value.shape), dtype=new.value.dtype)
    return twin

