"""A functional graph: symbolic tensors, module calls recorded as nodes, ``Model`` and ``split``.

``x = Input("x")`` is a symbolic tensor; calling a module on symbolic tensors records a node
and returns new symbolic tensors (``n_outputs`` of them). ``Model(inputs, outputs)`` is a
module evaluating the nodes between them in topological order; it shares the modules (and so
the parameters) of the graph it was cut from, and is a layer like any other (a model can be
called inside another model). Intermediate tensors can be outputs: ``Model(x, [h, y])``.

``split(model, starts)`` builds the tail of a model from intermediate tensors, the
article's ``get_outputs_of`` (kexue.fm/archives/6985) on any DAG: start from the given
tensors, keep a node when *all* its inputs are available, and mark its outputs available.
Several starts are allowed (skip paths crossing the cut). Where the article's code silently
drops a node, this raises, naming the output and the original input it still depends on.

Example
-------
>>> import numpy as np
>>> from reference.modules import Dense, Add
>>> rng = np.random.default_rng(0)
>>> x = Input("x")
>>> h = Dense(3, 3, activation="tanh", rng=rng)(x)
>>> y = Add()(Dense(3, 3, rng=rng)(h), h)          # a residual block
>>> model = Model(x, y)
>>> tail = split(model, [h])
>>> xs = rng.standard_normal((2, 3))
>>> head = Model(x, h)
>>> bool((tail(head(xs)) == model(xs)).all())
True
"""
from __future__ import annotations

import itertools

import numpy as np

from . import module as _module
from .module import Module

_IDS = itertools.count(1)


class Tensor:
    """A symbolic tensor: an input, or output ``index`` of a recorded ``node``."""

    def __init__(self, name: str, node: "Node | None" = None, index: int = 0):
        self.name, self.node, self.index = name, node, index

    def __repr__(self) -> str:
        return f"Tensor({self.name!r})"


class Node:
    """One recorded module call: the module, its input tensors and its output tensors."""

    def __init__(self, module: Module, inputs: tuple):
        self.module, self.inputs = module, inputs
        n = int(module.n_outputs)
        base = f"{type(module).__name__.lower()}_{next(_IDS)}"
        self.outputs = tuple(Tensor(base if n == 1 else f"{base}[{i}]", self, i) for i in range(n))


def Input(name: str | None = None) -> Tensor:
    """A symbolic input of a functional graph."""
    return Tensor(name or f"input_{next(_IDS)}")


def call_symbolic(module: Module, args) -> Tensor | tuple:
    """A node of ``module`` applied to the symbolic tensors ``args`` (a tuple or list)."""
    if not isinstance(args, (tuple, list)):
        raise TypeError(f"args: expected a tuple of symbolic tensors, got {type(args).__name__}")
    if not all(isinstance(a, Tensor) for a in args):
        kinds = ", ".join(type(a).__name__ for a in args)
        raise TypeError(f"{type(module).__name__}: a symbolic call takes symbolic tensors only, got ({kinds})")
    node = Node(module, tuple(args))
    return node.outputs if len(node.outputs) > 1 else node.outputs[0]


def _as_tuple(tensors, what: str) -> tuple:
    tensors = (tensors,) if isinstance(tensors, Tensor) else tuple(tensors)
    if not tensors or not all(isinstance(t, Tensor) for t in tensors):
        raise TypeError(f"{what}: expected symbolic tensors (from Input or a module call), got {tensors!r}")
    return tensors


def _upstream(outputs, stop) -> list[Node]:
    """Nodes that outputs depend on, stopping at the tensors in ``stop``, in topological order."""
    order, seen = [], set()

    def visit(tensor):
        node = tensor.node
        if id(tensor) in stop or node is None or id(node) in seen:
            return
        seen.add(id(node))
        for t in node.inputs:
            visit(t)
        order.append(node)

    for t in outputs:
        visit(t)
    return order


def _original_inputs(tensor, stop) -> list[Tensor]:
    """The graph inputs (tensors no node produced) ``tensor`` depends on, not passing ``stop``."""
    found, seen, todo = [], set(), [tensor]
    while todo:
        t = todo.pop()
        if id(t) in seen or id(t) in stop:
            continue
        seen.add(id(t))
        if t.node is None:
            found.append(t)
        else:
            todo.extend(t.node.inputs)
    return found


class Model(Module):
    """The module computing ``outputs`` from ``inputs`` (symbolic tensors of one graph)."""

    def __init__(self, inputs, outputs):
        self._inputs = _as_tuple(inputs, "inputs")
        self._single = isinstance(outputs, Tensor)
        self._outputs = _as_tuple(outputs, "outputs")
        stop = {id(t) for t in self._inputs}
        available, nodes = set(stop), []
        for node in _upstream(self._outputs, stop):
            if all(id(t) in available for t in node.inputs):
                nodes.append(node)
                available.update(id(t) for t in node.outputs)
        for t in self._outputs:
            if id(t) not in available:
                missing = _original_inputs(t, stop)
                names = ", ".join(repr(m.name) for m in missing) or "none"
                raise ValueError(f"outputs: {t.name!r} depends on {names}, which the inputs "
                                 f"({', '.join(repr(i.name) for i in self._inputs)}) do not cover; "
                                 "add the tensors that carry it (e.g. a skip path) to the inputs")
        self._nodes = nodes
        self.layers = list({id(n.module): n.module for n in nodes}.values())   # walked by parameters()
        self.n_outputs = 1 if self._single else len(self._outputs)

    @property
    def inputs(self) -> tuple:
        return self._inputs

    @property
    def outputs(self) -> tuple:
        return self._outputs

    def forward(self, *xs):
        if len(xs) != len(self._inputs):
            raise ValueError(f"expected {len(self._inputs)} inputs "
                             f"({', '.join(t.name for t in self._inputs)}), got {len(xs)}")
        values = {id(t): x for t, x in zip(self._inputs, xs)}
        vjps = []
        for node in self._nodes:
            y, vjp = node.module.forward(*(values[id(t)] for t in node.inputs))
            for t, v in zip(node.outputs, y if len(node.outputs) > 1 else (y,)):
                values[id(t)] = v
            vjps.append(vjp)
        out = tuple(values[id(t)] for t in self._outputs)

        def vjp(dys):
            cot = {}
            for t, d in zip(self._outputs, (dys,) if self._single else dys):
                if d is not None:
                    cot[id(t)] = cot[id(t)] + d if id(t) in cot else np.asarray(d)
            for node, back in zip(reversed(self._nodes), reversed(vjps)):
                ds = [cot.get(id(t)) for t in node.outputs]
                if all(d is None for d in ds):
                    continue                       # nothing downstream used this call
                dxs = back(ds[0] if len(ds) == 1 else tuple(ds))
                for t, d in zip(node.inputs, dxs):
                    if d is not None:
                        cot[id(t)] = cot[id(t)] + d if id(t) in cot else d
            return tuple(cot.get(id(t)) for t in self._inputs)

        return (out[0] if self._single else out), vjp


def split(model: Model, starts) -> Model:
    """The tail of ``model`` from the intermediate tensors ``starts`` to its outputs, sharing its
    weights. Raises (naming the output and the original input) when a start set does not cut
    every path, e.g. a residual skip crossing the cut without its tensor among the starts."""
    if not isinstance(model, Model):
        raise TypeError(f"model: expected a Model, got {type(model).__name__}")
    starts = _as_tuple(starts, "starts")
    known = {id(t) for t in model.inputs} | {id(t) for n in model._nodes for t in n.outputs}
    for t in starts:
        if id(t) not in known:
            raise ValueError(f"starts: {t.name!r} is not a tensor of this model")
    tail = Model(starts, model.outputs[0] if model._single else model.outputs)
    return tail


_module._SYMBOLIC = (Tensor, call_symbolic)    # Module.__call__ on a symbolic tensor records a node
