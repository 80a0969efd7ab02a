"""Parameters, declared ties and non-trainable state: the leaves a :class:`Module` holds.

A :class:`Parameter` is identified by the object, never by its value: two layers share weights
exactly when they hold the same ``Parameter``. Backward passes *accumulate* into
``Parameter.grad`` (every use adds its contribution, the chain rule's sum over uses) and
``zero_grad()`` clears it.

A :class:`Transposed` is a declared tie: it reads ``base.value.T`` and adds the transpose of
its gradient into ``base.grad``, so a layer using ``E.T`` as its kernel (an output layer tied to
an embedding) needs no code of its own for the tie. Collections (``parameters()``, optimisers,
``.npz`` files) see only the base parameter.

:class:`State` holds non-trainable values updated by forward passes (running statistics, an
EMA codebook): no gradient, collected by ``states()``.

Example
-------
>>> import numpy as np
>>> E = Parameter(np.arange(6.0).reshape(3, 2), name="E")
>>> E.T.value.shape
(2, 3)
>>> E.T.accumulate(np.ones((2, 3))); E.accumulate(np.ones((3, 2)))
>>> E.grad                       # both uses, summed
array([[2., 2.],
       [2., 2.],
       [2., 2.]])
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..core.validate import float_array


class _Held:
    """An array held by a module (``value``), replaced only whole and with its shape kept."""

    value: np.ndarray

    @property
    def shape(self) -> tuple:
        return self.value.shape

    def assign(self, value) -> None:
        """Replace the value (same shape and dtype), e.g. after an optimiser step or when loading."""
        value = np.asarray(value)
        if value.shape != self.value.shape:
            raise ValueError(f"{self!r}: expected shape {self.value.shape}, got {value.shape}")
        if value.dtype.kind not in "fiub":   # complex would lose its imaginary part, silently
            raise TypeError(f"{self!r}: expected real numbers, got dtype {value.dtype}")
        self.value = value.astype(self.value.dtype, copy=True)


class Parameter(_Held):
    """A trainable array: ``value``, the accumulated ``grad`` and an optional ``init(rng, shape)``
    used by ``clone(..., policy="fresh")`` to draw new values."""

    def __init__(self, value, *, name: str = "", init: Callable | None = None):
        self.value = float_array(f"Parameter {name or ''}".strip(), value).copy()
        self.grad = np.zeros_like(self.value)
        self.name = name
        self.init = init

    @property
    def base(self) -> "Parameter":
        return self

    @property
    def T(self) -> "Transposed":
        """A declared tie reading this parameter transposed (a 2-d parameter)."""
        return Transposed(self)

    def accumulate(self, g) -> None:
        """``grad += g`` (shape-checked): every use of the parameter adds its gradient."""
        g = np.asarray(g)
        if g.shape != self.value.shape:
            raise ValueError(f"gradient of {self!r}: expected shape {self.value.shape}, got {g.shape}")
        self.grad += g

    def zero_grad(self) -> None:
        self.grad = np.zeros_like(self.value)

    def __repr__(self) -> str:
        return f"Parameter({self.name or 'unnamed'}, shape={self.value.shape})"


class Transposed:
    """``base`` read transposed: ``value`` is ``base.value.T``; gradients go to ``base`` transposed."""

    def __init__(self, base: Parameter):
        if not isinstance(base, Parameter):
            raise TypeError(f"base: expected a Parameter, got {type(base).__name__}")
        if base.value.ndim != 2:
            raise ValueError(f"base: a transposed tie needs a 2-d parameter, got shape {base.value.shape}")
        self.base = base

    @property
    def value(self) -> np.ndarray:
        return self.base.value.T

    @property
    def shape(self) -> tuple:
        return self.value.shape

    def accumulate(self, g) -> None:
        self.base.accumulate(np.asarray(g).T)

    def __repr__(self) -> str:
        return f"Transposed({self.base!r})"


class State(_Held):
    """A non-trainable array updated by forward passes (running statistics, EMA buffers)."""

    def __init__(self, value, *, name: str = "", init: Callable | None = None):
        self.value = np.array(value, copy=True)
        self.name = name
        self.init = init

    def __repr__(self) -> str:
        return f"State({self.name or 'unnamed'}, shape={self.value.shape})"
