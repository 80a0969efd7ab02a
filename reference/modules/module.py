"""``Module``: a thin stateful shell over the project's pure forward/backward op pairs.

A module holds :class:`~reference.modules.parameter.Parameter` objects (and other modules) as
attributes. Its ``forward(*xs)`` returns ``(y, vjp)``: the output and a closure holding *this
call's* context. ``vjp(dy)`` returns one cotangent per input (None for integer inputs) and
accumulates the parameters' gradients into ``Parameter.grad``. Nothing of a call is kept on
the module, so one module can be called any number of times in one pass, each call with its
own closure: the weights are shared and their gradients add up.

``parameters()`` walks the attributes recursively (public attributes, in the order they were
set; lists, tuples and dicts of modules too), keeps each parameter once (by identity, at its
first path) and resolves declared ties (``E.T``) to their base. ``states()`` does the same for
non-trainable :class:`~reference.modules.parameter.State`.

Example: one Dense used twice shares one parameter set, and its gradient is the sum of both uses
>>> import numpy as np
>>> from reference.modules import Dense
>>> layer = Dense(2, 2, rng=np.random.default_rng(0))
>>> h, vjp1 = layer.forward(np.ones((1, 2)))
>>> y, vjp2 = layer.forward(h)
>>> (dh,) = vjp2(np.ones_like(y)); (dx,) = vjp1(dh)
>>> len(layer.parameters()), layer.parameter_count()
(2, 6)
"""
from __future__ import annotations

import numpy as np

from .parameter import Parameter, State, Transposed

LEAVES = (Parameter, Transposed, State)


def _members(obj, prefix: str):
    """(path, value) of the public members of a module, or the items of a list/tuple/dict."""
    if isinstance(obj, Module):
        items = [(k, v) for k, v in vars(obj).items() if not k.startswith("_")]
    elif isinstance(obj, (list, tuple)):
        items = [(str(i), v) for i, v in enumerate(obj)]
    elif isinstance(obj, dict):
        items = [(str(k), v) for k, v in obj.items()]
    else:
        return []
    return [(f"{prefix}.{k}" if prefix else k, v) for k, v in items]


def walk(obj, prefix: str = "", seen=None):
    """Every (path, leaf) below ``obj``, leaves being Parameter, Transposed or State, with
    repeats (a leaf reached by two paths is listed at both); modules are entered once each."""
    seen = set() if seen is None else seen
    out = []
    for path, value in _members(obj, prefix):
        if isinstance(value, LEAVES):
            out.append((path, value))
        elif isinstance(value, (Module, list, tuple, dict)):
            if isinstance(value, Module):
                if id(value) in seen:
                    continue
                seen.add(id(value))
            out.extend(walk(value, path, seen))
    return out


#: (Tensor, call_symbolic) of :mod:`reference.modules.graph`, set when it is imported (symbolic
#: tensors exist only then), so that this module does not import the graph that imports it
_SYMBOLIC = None


class Module:
    """Base class: subclasses set their parameters and child modules as attributes and define
    ``forward(*xs) -> (y, vjp)``. ``n_outputs`` is the number of outputs when ``y`` is a tuple
    (used by symbolic calls, :mod:`reference.modules.graph`)."""

    n_outputs = 1

    def forward(self, *xs):
        raise NotImplementedError(f"{type(self).__name__}.forward")

    def __call__(self, *xs):
        """The output only (inference); a call on symbolic tensors records a graph node."""
        if _SYMBOLIC is not None and any(isinstance(x, _SYMBOLIC[0]) for x in xs):
            return _SYMBOLIC[1](self, xs)
        return self.forward(*xs)[0]

    # --- collections ---------------------------------------------------------------------
    def named_parameters(self) -> list[tuple[str, Parameter]]:
        """(path, parameter) for each distinct parameter, at the first path that reaches it;
        a declared tie (``E.T``) counts as its base."""
        out, ids = [], set()
        for path, leaf in walk(self):
            if isinstance(leaf, (Parameter, Transposed)) and id(leaf.base) not in ids:
                ids.add(id(leaf.base))
                out.append((path, leaf.base))
        return out

    def parameters(self) -> list[Parameter]:
        return [p for _, p in self.named_parameters()]

    def named_states(self) -> list[tuple[str, State]]:
        out, ids = [], set()
        for path, leaf in walk(self):
            if isinstance(leaf, State) and id(leaf) not in ids:
                ids.add(id(leaf))
                out.append((path, leaf))
        return out

    def states(self) -> list[State]:
        return [s for _, s in self.named_states()]

    def parameter_count(self) -> int:
        """Entries of the distinct parameters (a shared layer counts once)."""
        return int(sum(p.value.size for p in self.parameters()))

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.zero_grad()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.parameter_count()} parameters)"


def zeros_like_outputs(y, dy):
    """``dy`` with None entries (outputs nobody used) replaced by zeros of the output's shape."""
    if isinstance(y, tuple):
        dy = (None,) * len(y) if dy is None else dy
        return tuple(np.zeros_like(a) if d is None else d for a, d in zip(y, dy))
    return np.zeros_like(y) if dy is None else dy


class Sequential(Module):
    """Modules applied one after another (each takes the previous one's single output)."""

    def __init__(self, *layers: Module):
        if not all(isinstance(m, Module) for m in layers):
            raise TypeError("layers: expected Module instances")
        self.layers = list(layers)

    def forward(self, x):
        vjps = []
        for layer in self.layers:
            x, vjp = layer.forward(x)
            vjps.append(vjp)

        def vjp(dy):
            for back in reversed(vjps):
                (dy,) = back(dy)
            return (dy,)

        return x, vjp
