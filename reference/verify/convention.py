"""The calling convention shared by golden files, adapters and the live verifier.

An implementation under test is any object with

``ops``
    the op names it implements (names as in ``refspace check --list``);
``forward(op, inputs, attrs) -> dict[str, ndarray]``
    ``inputs`` maps flat input names to float64 (or integer) arrays, e.g. ``x``,
    ``params.W``, ``params.U``, ``params.b``, ``h0``, ``c0`` for ``lstm_layer``; ``attrs``
    maps attribute names to arrays or plain values (``mask``, ``master_input`` ...). Outputs
    are named ``out`` (one array) or ``out[0]``, ``out[1]``, ... (a tuple);
``vjp(op, inputs, attrs, cotangents) -> dict[str, ndarray]`` (optional)
    cotangents are keyed like the outputs; the result holds one gradient per differentiable
    input, keyed like the inputs;
``layouts`` (optional dict op -> layout name)
    the layout the implementation expects for that op instead of this project's (``"torch"``
    or ``"keras"`` for ``lstm_*``, ``"torch"`` for ``birnn``, ``conv2d`` and ``conv2d_transpose``,
    ``"authors"`` or ``"keras"`` for ``onlstm_*``, ``"DK"`` for codebooks; ``refspace check
    --signature OP`` shows each one's names and shapes); the kit converts inputs,
    layout-dependent attributes (weight masks) and, where the layout moves outputs (NCHW), the
    cotangents before calling, and compares the port's outputs and gradients in its own names
    and shapes, every foreign parameter on its own (registered by the areas,
    :mod:`reference.core.layouts`); examples a layout cannot express are declined;
``gradients`` (optional dict op -> names)
    the gradients the port computes for that op, in its layout's names (e.g. no ``h0``/``c0``);
    the others are reported as not covered instead of failing;
``tolerances`` (optional dict op -> {"rtol": r, "atol": a}) and ``supports(op, attrs)``
    (optional: False declines an attribute combination; those examples are skipped).

:class:`ReferenceImpl` is the reference itself behind this convention, built from the ops'
declarations (:mod:`reference.core.registry`): each seeded case of a differentiable op is a
template for its calling forms; forward-only ops give their flat forward directly. Attributes
an op does not declare are refused.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from ..core.pytree import leaves, map_leaves
from ..core.registry import CheckCase, checked_ops, registered_ops


def flatten(values, names) -> dict[str, np.ndarray]:
    """Named inputs (tuple aligned with ``names``) -> flat dict of arrays (None inputs dropped)."""
    flat: dict[str, np.ndarray] = {}
    for name, value in zip(names, values):
        for path, arr in leaves(value, name):
            flat[path] = arr
    return flat


def flatten_output(out) -> dict[str, np.ndarray]:
    return dict(leaves(out, "out"))


def unflatten(template, names, flat) -> tuple:
    """Rebuild the structured inputs of ``template`` (a tuple aligned with ``names``) from ``flat``."""
    if not isinstance(flat, dict):
        raise TypeError(f"inputs: expected a dict of flat input names -> arrays, got {type(flat).__name__}")
    missing = [p for p in flatten(template, names) if p not in flat]
    if missing:
        raise ValueError(f"inputs: missing {missing}")
    return tuple(map_leaves(lambda path, _: np.asarray(flat[path]), value, name) for name, value in zip(names, template))


@dataclasses.dataclass(frozen=True)
class OpTemplate:
    """One registered case seen through the convention."""

    op: str
    label: str
    base: object          # the forward function (attributes are passed as keywords)
    backward: object
    inputs: tuple
    names: tuple
    attrs: dict
    designed: bool        # the backward is a designed gradient (checked against a surrogate)

    @classmethod
    def from_case(cls, op: str, case: CheckCase) -> "OpTemplate":
        return cls(op, case.label, case.forward, case.backward, case.inputs, case.names, dict(case.attrs),
                   case.surrogate is not None)

    @property
    def input_names(self) -> tuple:
        return tuple(flatten(self.inputs, self.names))

    def run_forward(self, flat, attrs):
        return self.base(*unflatten(self.inputs, self.names, flat), **attrs)


def templates() -> dict[str, list[OpTemplate]]:
    """op name -> the OpTemplates of its registered cases (seed 0, as ``refspace check``)."""
    out: dict[str, list[OpTemplate]] = {}
    for op in checked_ops():
        out[op.name] = [OpTemplate.from_case(op.name, c) for c in op.cases(np.random.default_rng(0))]
    return out


class ReferenceImpl:
    """The reference behind the calling convention (see the module docstring)."""

    name = "reference"

    def __init__(self):
        self._templates = templates()
        self._extra = {op.name: op for op in registered_ops() if not op.differentiable}
        self.attributes = {op.name: op.attributes for op in registered_ops()}   # declared, per op
        self.ops = tuple(self._templates) + tuple(self._extra)
        self.layouts: dict[str, str] = {}

    def _template(self, op, inputs, attrs=None) -> OpTemplate:
        """The first seeded case with these input names whose string attributes agree with
        ``attrs`` (e.g. ``cell="onlstm"`` picks an ON-LSTM case's parameter classes)."""
        if op not in self._templates:
            raise ValueError(f"op: unknown op {op!r}; expected one of {sorted(self.ops)}")
        keys = set(inputs)
        forms = [tpl for tpl in self._templates[op] if set(tpl.input_names) == keys]
        given = {k: v for k, v in (attrs or {}).items() if isinstance(v, str)}
        for tpl in forms:
            if all(tpl.attrs.get(k, v) == v for k, v in given.items() if isinstance(tpl.attrs.get(k, v), str)):
                return tpl
        if forms:
            return forms[0]
        raise ValueError(f"inputs: {sorted(keys)} do not match any calling form of {op!r} "
                         f"(e.g. {list(self._templates[op][0].input_names)})")

    def has_vjp(self, op) -> bool:
        """Whether ``op`` is differentiable (forward-only ops have no VJP)."""
        return op in self._templates

    def _check_attrs(self, op, attrs):
        unknown = sorted(set(attrs or {}) - set(self.attributes.get(op, ())))
        if unknown:
            raise ValueError(f"attrs: {unknown[0]!r} is not an attribute of {op!r} "
                             f"(declared: {', '.join(self.attributes.get(op, ())) or 'none'})")

    def forward(self, op, inputs, attrs=None):
        self._check_attrs(op, attrs)
        if op in self._extra:
            return dict(self._extra[op].forward(inputs, attrs or {}))
        tpl = self._template(op, inputs, attrs)
        out, _ = tpl.run_forward(inputs, attrs or {})
        return flatten_output(out)

    def vjp(self, op, inputs, attrs, cotangents):
        self._check_attrs(op, attrs)
        if op in self._extra:
            raise ValueError(f"op: {op!r} has no VJP (it is not differentiable)")
        tpl = self._template(op, inputs, attrs)
        out, cache = tpl.run_forward(inputs, attrs or {})
        cot = map_leaves(lambda path, _: np.asarray(cotangents[path]) if path in cotangents else None, out, "out")
        grads = tpl.backward(cot, cache)
        grads = grads if isinstance(grads, tuple) else (grads,)
        flat = {}
        for name, g in zip(tpl.names, grads):
            if g is not None:
                flat.update(dict(leaves(g, name)))
        return flat
