"""Loading an implementation by import path, and converting parameter layouts around it.

``load_impl("package.module:attribute")`` imports the module and returns the attribute (an
object following :mod:`reference.verify.convention`); ``"reference"`` names the reference.
Loading problems are ``ValueError`` with one clear sentence.

Layouts an implementation may declare per op (``impl.layouts = {"lstm_layer": "torch"}``) are
registered by the areas next to their converters (:mod:`reference.core.layouts`); each one's
``doc`` says what it converts. Today: ``"torch"`` (LSTM), ``"authors"`` and ``"keras"``
(ON-LSTM), ``"DK"`` (codebooks).
"""
from __future__ import annotations

import importlib
import os
import sys

from ..core.extras import missing_module
from ..core.layouts import get_layout



def load_impl(spec: str):
    """Resolve ``module:attribute`` (or ``reference``) to an implementation object.

    The module is imported as ``python -m`` would find it (the current folder first). Anything
    that goes wrong, including any exception raised while the module is imported, is a
    ``ValueError`` naming the module and the error; a missing optional extra (torch) says how
    to install it."""
    if spec == "reference":
        from .convention import ReferenceImpl

        return ReferenceImpl()
    if not isinstance(spec, str) or spec.count(":") != 1 or not all(spec.split(":")):
        raise ValueError(f"--impl: expected 'module:attribute' (e.g. mypkg.port:impl), got {spec!r}")
    module_name, attr = spec.split(":")
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except (Exception, SystemExit) as exc:  # the port's own code ran and failed: report, do not crash
        hint = missing_module(exc)
        detail = hint or f"{type(exc).__name__}: {' '.join(str(exc).split())}"
        raise ValueError(f"--impl: cannot import module {module_name!r} ({detail})") from None
    if not hasattr(module, attr):
        raise ValueError(f"--impl: module {module_name!r} has no attribute {attr!r}")
    impl = getattr(module, attr)
    if not callable(getattr(impl, "forward", None)) or not hasattr(impl, "ops"):
        raise ValueError(f"--impl: {spec} must have 'ops' and a callable 'forward(op, inputs, attrs)'")
    return impl


def raise_if_missing_extra(exc: BaseException) -> None:
    """An implementation that needs an extra that is not installed is a setup problem, not a mismatch."""
    hint = missing_module(exc)
    if hint is not None:
        raise ValueError(f"--impl: {hint}") from None


# --- layouts (registered by the areas: reference.core.layouts) ----------------------------

def _to_layout(layout, op, inputs, attrs):
    if layout is None:
        return inputs, attrs
    return get_layout(layout, op).to_foreign(inputs, attrs)


def _grads_from_layout(layout, op, grads, attrs):
    if layout is None:
        return grads
    return get_layout(layout, op).grads_back(grads, attrs)


def forward_in_layout(impl, op, inputs, attrs):
    """``impl.forward`` in the reference's layout (inputs converted to ``impl.layouts[op]``)."""
    layout = getattr(impl, "layouts", {}).get(op)
    foreign_inputs, foreign_attrs = _to_layout(layout, op, inputs, attrs)
    return impl.forward(op, foreign_inputs, foreign_attrs)


def vjp_in_layout(impl, op, inputs, attrs, cotangents):
    """``impl.vjp`` with inputs converted to its layout and the gradients converted back."""
    layout = getattr(impl, "layouts", {}).get(op)
    foreign_inputs, foreign_attrs = _to_layout(layout, op, inputs, attrs)
    grads = impl.vjp(op, foreign_inputs, foreign_attrs, cotangents)
    if not isinstance(grads, dict):
        raise TypeError(f"vjp returned {type(grads).__name__}, expected a dict of gradients")
    return _grads_from_layout(layout, op, grads, attrs)
