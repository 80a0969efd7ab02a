"""Foreign parameter layouts a port may declare (``impl.layouts = {"lstm_layer": "torch"}``).

Each area registers its layouts next to its converters (in its ``cases`` module); the
conformance kit looks them up by name and knows none of them. A layout converts the flat named
inputs (``params.W``, ``codebook`` ...) and attributes to the foreign form before the port is
called, and the port's gradients back to this project's names and shapes.
"""
from __future__ import annotations

import dataclasses
from typing import Callable

from .registry import discover


@dataclasses.dataclass(frozen=True)
class Layout:
    name: str
    ops: tuple[str, ...]
    to_foreign: Callable    # (inputs, attrs) -> (inputs, attrs) in the foreign layout
    grads_back: Callable    # (foreign gradients, attrs) -> gradients in this project's layout
    doc: str = ""


_LAYOUTS: dict[str, Layout] = {}


def register_layout(layout: Layout) -> Layout:
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
    if name not in known:
        raise ValueError(f"layouts: unknown layout {name!r} for {op!r} (known: {', '.join(sorted(known))})")
    if op not in known[name].ops:
        raise ValueError(f"layouts: {name!r} does not apply to {op!r} (it applies to {', '.join(known[name].ops)})")
    return known[name]


def params_layout(name: str, ops, cls, to_foreign, from_foreign, *, ignore_grads=(), doc: str = "") -> Layout:
    """A layout for ops whose inputs hold one ``cls(W, U, b)`` as ``params.W/U/b``: the foreign
    arrays (``to_foreign(params) -> {key: array}``) go in as ``params.<key>``; their gradients come
    back through ``from_foreign``. Keys in ``ignore_grads`` are dropped first (a second bias whose
    gradient equals the first one's, so the bias is counted once)."""
    def to(inputs, attrs):
        own = cls(inputs["params.W"], inputs["params.U"], inputs["params.b"])
        out = {k: v for k, v in inputs.items() if not k.startswith("params.")}
        out.update({f"params.{k}": v for k, v in to_foreign(own).items()})
        return out, attrs

    def back(grads, attrs):
        foreign = {k[len("params."):]: v for k, v in grads.items() if k.startswith("params.")}
        for key in ignore_grads:
            foreign.pop(key, None)
        own = from_foreign(foreign)
        out = {k: v for k, v in grads.items() if not k.startswith("params.")}
        out.update({"params.W": own.W, "params.U": own.U, "params.b": own.b})
        return out

    return Layout(name, tuple(ops), to, back, doc)
