"""Stepping a module's parameters with the project's optimisers (:mod:`reference.optim`).

``ParameterOptimizer(Adam(lr=1e-3), model.parameters())`` takes each parameter once: a
parameter handed twice (the bug of optimisers that only warn, where a shared encoder gets two
Adam updates per step) is a ``ValueError`` naming it. ``step()`` applies one update from the
accumulated gradients and ``zero_grad()`` clears them.
"""
from __future__ import annotations

from .parameter import Parameter, Transposed


class ParameterOptimizer:
    def __init__(self, optimizer, parameters):
        params = list(parameters)
        seen = {}
        for k, p in enumerate(params):
            if isinstance(p, Transposed):
                raise TypeError(f"parameters[{k}]: a declared tie ({p!r}); pass its base parameter")
            if not isinstance(p, Parameter):
                raise TypeError(f"parameters[{k}]: expected a Parameter, got {type(p).__name__}")
            if id(p) in seen:
                raise ValueError(f"parameters[{k}]: {p!r} was already given at position {seen[id(p)]}; "
                                 "a shared parameter must be stepped once (use module.parameters(), "
                                 "which lists each once)")
            seen[id(p)] = k
        self.optimizer, self.params = optimizer, params
        self.state = optimizer.init(self._values())

    def _values(self) -> dict:
        return {str(k): p.value for k, p in enumerate(self.params)}

    def step(self) -> None:
        grads = {str(k): p.grad for k, p in enumerate(self.params)}
        new, self.state = self.optimizer.step(self._values(), grads, self.state)
        for k, p in enumerate(self.params):
            p.assign(new[str(k)])

    def zero_grad(self) -> None:
        for p in self.params:
            p.zero_grad()
