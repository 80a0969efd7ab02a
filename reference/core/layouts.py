"""Foreign parameter layouts a port may declare (``impl.layouts = {"lstm_layer": "torch"}``).

Each area registers its layouts next to its converters (in its ``cases`` module); the
conformance kit looks them up by name and knows none of them. A layout has two maps:

``to_foreign(inputs, attrs) -> (inputs, attrs)``
    the flat named inputs (``params.W``, ``codebook`` ...) and the attributes that depend on
    the layout (a DropConnect ``weight_mask`` shaped like ``params.U``) in the foreign form;
``grads_to_foreign(grads, attrs) -> grads``
    the reference's gradients as gradients of the foreign inputs: the adjoint of the map from
    the foreign parameters back to this project's. Every foreign parameter gets its own
    gradient, so the port's gradients are compared entry by entry in the port's own names and
    shapes; two biases the model adds both get the bias's gradient.

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


_LAYOUTS: dict[str, Layout] = {}


def register_layout(layout: Layout) -> Layout:
    """Add ``layout`` to the table (the same name twice only for the same layout)."""
    if not isinstance(layout, Layout):
        raise TypeError(f"layout: expected a Layout, got {type(layout).__name__}")
    if layout.name in _LAYOUTS and _LAYOUTS[layout.name] != layout:
        raise ValueError(f"name: layout {layout.name!r} is already registered")
    _LAYOUTS[layout.name] = layout
    return layout


def registered_layouts() -> dict[str, Layout]:
    discover()
    return dict(_LAYOUTS)


def get_layout(name: str, op: str) -> Layout:
    """The layout ``name`` for ``op``; an unknown name, or one that does not apply to ``op``, is a ValueError."""
    known = registered_layouts()
    if not isinstance(name, str) or name not in known:
        raise ValueError(f"layouts: unknown layout {name!r} for {op!r} (known: {', '.join(sorted(known))})")
    if op not in known[name].ops:
        raise ValueError(f"layouts: {name!r} does not apply to {op!r} (it applies to {', '.join(known[name].ops)})")
    return known[name]


def bias_share(bias: np.ndarray) -> np.ndarray:
    """The part of a bias given to the second of two summed biases: ``0.3 b + 0.1 sin(k + 1)``,
    deterministic, non-zero where ``b`` is, and never equal to the rest ``b - share``."""
    b = np.asarray(bias)
    return 0.3 * b + 0.1 * np.sin(np.arange(1, b.size + 1)).reshape(b.shape).astype(b.dtype)


def params_layout(name: str, ops, cls, to_foreign, *, biases=(), masks=None, doc: str = "") -> Layout:
    """A layout for ops whose inputs hold one ``cls(W, U, b)`` as ``params.W/U/b``.

    ``to_foreign(params) -> {key: array}`` must be a permutation/transposition of the entries
    (so it is its own adjoint's inverse) that puts the whole bias in ``biases[0]`` and zeros in
    ``biases[1]`` when the foreign form has two biases. ``masks`` maps an attribute shaped like
    one parameter to ``(own field, foreign key)``, e.g. ``{"weight_mask": ("U", "hh.weight")}``:
    it is converted exactly as that parameter is."""
    masks = dict(masks or {})

    def foreign_params(inputs):
        return to_foreign(cls(inputs["params.W"], inputs["params.U"], inputs["params.b"]))

    def rest(values):
        return {k: v for k, v in values.items() if not k.startswith("params.")}

    def to(inputs, attrs):
        f = foreign_params(inputs)
        if biases:
            first, second = biases
            share = bias_share(f[first])
            f[first], f[second] = f[first] - share, share
        attrs = dict(attrs)
        for attr, (field, key) in masks.items():
            if attrs.get(attr) is not None:
                m = np.asarray(attrs[attr])
                own = {"W": np.zeros_like(inputs["params.W"]), "U": np.zeros_like(inputs["params.U"]),
                       "b": np.zeros_like(inputs["params.b"])}
                own[field] = m.astype(own[field].dtype)
                attrs[attr] = to_foreign(cls(**own))[key].astype(m.dtype)
        return {**rest(inputs), **{f"params.{k}": v for k, v in f.items()}}, attrs

    def grads(own_grads, attrs):
        out = rest(own_grads)
        if all(f"params.{k}" in own_grads for k in "WUb"):
            f = foreign_params(own_grads)
            if biases:
                f[biases[1]] = f[biases[0]].copy()    # both biases enter as their sum
            out.update({f"params.{k}": v for k, v in f.items()})
        return out

    return Layout(name, tuple(ops), to, grads, doc)
