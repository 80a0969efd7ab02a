"""Foreign layouts a port may declare (``impl.layouts = {"lstm_layer": "torch", "conv2d": "torch"}``).

Each area registers its layouts next to its converters (in its ``cases`` module); the
conformance kit looks them up by name and op and knows none of them. One name (``"torch"``)
may be registered for several op families, each with its own maps. A layout has:

``to_foreign(inputs, attrs) -> (inputs, attrs)``
    the flat named inputs (``params.W``, ``codebook``, ``x`` ...) and the attributes that
    depend on the layout (a DropConnect ``weight_mask`` shaped like ``params.U``) in the
    foreign form;
``grads_to_foreign(grads, attrs) -> grads``
    the reference's gradients as gradients of the foreign inputs: the adjoint of the map from
    the foreign inputs back to this project's. Every foreign parameter gets its own gradient,
    so the port's gradients are compared entry by entry in the port's own names and shapes;
    two biases the model adds both get the bias's gradient;
``outputs_to_foreign(outputs, attrs) -> outputs`` (optional)
    the reference's outputs in the foreign form (NCHW maps). It must only permute or transpose
    entries, so the port's cotangents are the reference's converted by the same map;
``applies(attrs) -> bool`` (optional)
    False for the examples the foreign form cannot express (PyTorch has no ON-LSTM cell): the
    kit counts them as declined, as if the port's ``supports`` had said no.

Where the foreign form has two biases whose sum is this project's bias, the bias is split
unevenly between them (both non-zero, never equal), so a port that ignores either bias, or
uses one twice, gives a wrong forward.
"""
from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np

from .registry import discover


@dataclasses.dataclass(frozen=True)
class Layout:
    name: str
    ops: tuple[str, ...]
    to_foreign: Callable         # (inputs, attrs) -> (inputs, attrs) in the foreign layout
    grads_to_foreign: Callable   # (reference gradients, attrs) -> gradients of the foreign inputs
    doc: str = ""
    outputs_to_foreign: Callable | None = None   # (reference outputs, attrs) -> outputs; a permutation
    applies: Callable | None = None              # attrs -> bool; None: every example


_LAYOUTS: dict[str, list[Layout]] = {}


def register_layout(layout: Layout) -> Layout:
    """Add ``layout`` to the table. A name may be registered again for other ops (one layout per
    (name, op)); the same layout twice is a no-op."""
    if not isinstance(layout, Layout):
        raise TypeError(f"layout: expected a Layout, got {type(layout).__name__}")
    same = _LAYOUTS.setdefault(layout.name, [])
    if layout in same:
        return layout
    taken = [op for other in same for op in other.ops if op in layout.ops]
    if taken:
        raise ValueError(f"name: layout {layout.name!r} is already registered for {', '.join(taken)}")
    same.append(layout)
    return layout


def registered_layouts() -> dict[str, tuple[Layout, ...]]:
    """Every layout name and the layouts registered under it (one per op family)."""
    discover()
    return {name: tuple(layouts) for name, layouts in _LAYOUTS.items()}


def get_layout(name: str, op: str) -> Layout:
    """The layout ``name`` for ``op``; an unknown name, or one that does not apply to ``op``, is a ValueError."""
    known = registered_layouts()
    if not isinstance(name, str) or name not in known:
        raise ValueError(f"layouts: unknown layout {name!r} for {op!r} (known: {', '.join(sorted(known))})")
    for layout in known[name]:
        if op in layout.ops:
            return layout
    ops = [o for layout in known[name] for o in layout.ops]
    raise ValueError(f"layouts: {name!r} does not apply to {op!r} (it applies to {', '.join(ops)})")


def layouts_for(op: str) -> tuple[Layout, ...]:
    """The layouts that apply to ``op``, in registration order."""
    return tuple(layout for layouts in registered_layouts().values() for layout in layouts if op in layout.ops)


def bias_share(bias: np.ndarray) -> np.ndarray:
    """The part of a bias given to the second of two summed biases: ``0.3 b + 0.1 sin(k + 1)``,
    deterministic, non-zero where ``b`` is, and never equal to the rest ``b - share``."""
    b = np.asarray(bias)
    return 0.3 * b + 0.1 * np.sin(np.arange(1, b.size + 1)).reshape(b.shape).astype(b.dtype)


def _checked_name_ops(name, ops):
    if not isinstance(name, str) or not name:
        raise TypeError(f"name: expected a non-empty string, got {name!r}"[:200])
    if isinstance(ops, str):
        ops = (ops,)
    if not isinstance(ops, (list, tuple)) or not ops or not all(isinstance(o, str) and o for o in ops):
        raise TypeError(f"ops: expected a tuple of op names, got {ops!r}"[:200])
    return name, tuple(ops)


@dataclasses.dataclass(frozen=True)
class ParamSet:
    """One parameter dataclass among an op's inputs (flattened as ``<own>.<field>``) and its
    foreign form.

    ``own``: its input prefix here (``"params"``, ``"params_f"``); ``cls``: the dataclass, whose
    fields name the inputs; ``to_foreign(params) ->
    {key: array}``, a permutation/transposition of the entries that puts the whole bias in
    ``biases[0]`` and zeros in ``biases[1]`` when the foreign form has two biases; ``masks``:
    ``((attribute, own field, foreign key), ...)`` for attributes shaped like one parameter,
    converted exactly as that parameter is. Foreign keys are prefixed ``params.``."""
    own: str
    cls: type
    to_foreign: Callable
    biases: tuple[str, ...] = ()
    masks: tuple[tuple[str, str, str], ...] = ()

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(self.cls))

    def foreign(self, values) -> dict:
        p = self.cls(*(values[f"{self.own}.{k}"] for k in self.fields))
        return self.to_foreign(p)

    def has(self, values) -> bool:
        return all(f"{self.own}.{k}" in values for k in self.fields)


def param_sets_layout(name: str, ops, sets, *, doc: str = "", applies=None) -> Layout:
    """A layout for ops whose inputs hold parameter dataclasses (one :class:`ParamSet` each, e.g.
    the two directions of a bidirectional RNN); every other input passes through."""
    name, ops = _checked_name_ops(name, ops)
    if isinstance(sets, (str, bytes)) or not hasattr(sets, "__iter__"):
        raise TypeError(f"sets: expected a sequence of ParamSet, got {type(sets).__name__}")
    sets = tuple(sets)
    if not sets or not all(isinstance(s, ParamSet) for s in sets):
        raise TypeError(f"sets: expected one or more ParamSet, got {[type(s).__name__ for s in sets]}")
    if applies is not None and not callable(applies):
        raise TypeError(f"applies: expected None or a function of the attributes, got {type(applies).__name__}")
    prefixes = tuple(f"{s.own}." for s in sets)

    def rest(values):
        return {k: v for k, v in values.items() if not k.startswith(prefixes)}

    def to(inputs, attrs):
        out, attrs = rest(inputs), dict(attrs)
        for s in sets:
            f = s.foreign(inputs)
            if s.biases:
                first, second = s.biases
                share = bias_share(f[first])
                f[first], f[second] = f[first] - share, share
            for attr, field, key in s.masks:
                if attrs.get(attr) is not None:
                    m = np.asarray(attrs[attr])
                    own = {k: np.zeros_like(inputs[f"{s.own}.{k}"]) for k in s.fields}
                    own[field] = m.astype(own[field].dtype)
                    attrs[attr] = s.to_foreign(s.cls(**own))[key].astype(m.dtype)
            out.update({f"params.{k}": v for k, v in f.items()})
        return out, attrs

    def grads(own_grads, attrs):
        out = rest(own_grads)
        for s in sets:
            if s.has(own_grads):
                f = s.foreign(own_grads)
                if s.biases:
                    f[s.biases[1]] = f[s.biases[0]].copy()    # both biases enter as their sum
                out.update({f"params.{k}": v for k, v in f.items()})
        return out

    return Layout(name, tuple(ops), to, grads, doc, applies=applies)


def params_layout(name: str, ops, cls, to_foreign, *, biases=(), masks=None, doc: str = "") -> Layout:
    """A layout for ops whose inputs hold one parameter dataclass ``cls`` as ``params.<field>``
    (see :class:`ParamSet`; ``masks`` maps an attribute to ``(own field, foreign key)``, e.g.
    ``{"weight_mask": ("U", "hh.weight")}``)."""
    if masks is not None and not isinstance(masks, dict):
        raise TypeError(f"masks: expected None or a dict attribute -> (own field, foreign key), got {type(masks).__name__}")
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)) or not callable(to_foreign):
        raise TypeError(f"cls, to_foreign: expected a parameter class and a function, got {type(cls).__name__}, "
                        f"{type(to_foreign).__name__}")
    masks = tuple((attr, field, key) for attr, (field, key) in dict(masks or {}).items())
    return param_sets_layout(name, ops, [ParamSet("params", cls, to_foreign, tuple(biases), masks)], doc=doc)
