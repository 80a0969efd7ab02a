"""Loading an implementation by import path, and converting parameter layouts around it.

``load_impl("package.module:attribute")`` imports the module and returns the attribute (an
object following :mod:`reference.verify.convention`); ``"reference"`` names the reference.
Loading problems are ``ValueError`` with one clear sentence.

Layouts an implementation may declare per op (``impl.layouts = {"lstm_layer": "torch"}``) are
registered by the areas next to their converters (:mod:`reference.core.layouts`); each one's
``doc`` says what it converts. Today: ``"torch"`` (LSTM), ``"authors"`` and ``"keras"``
(ON-LSTM), ``"DK"`` (codebooks). Inputs and layout-dependent attributes (weight masks) go to
the port converted; its gradients are compared as it returns them, against the reference's
converted to its layout (every foreign parameter, both biases included, has its own).
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

def port_layout(impl, op):
    """The layout ``impl`` declares for ``op`` (None: this project's)."""
    layouts = getattr(impl, "layouts", None) or {}
    if not isinstance(layouts, dict):
        raise ValueError(f"--impl: 'layouts' must be a dict op -> layout name, got {type(layouts).__name__}")
    return layouts.get(op)


def to_port_layout(impl, op, inputs, attrs):
    """Inputs and attributes as the port expects them for ``op`` (its declared layout)."""
    layout = port_layout(impl, op)
    if layout is None:
        return inputs, attrs
    return get_layout(layout, op).to_foreign(inputs, attrs)


def grads_in_port_layout(impl, op, grads, attrs):
    """The reference's gradients (this project's names) as gradients of the port's inputs."""
    layout = port_layout(impl, op)
    if layout is None:
        return grads
    return get_layout(layout, op).grads_to_foreign(grads, attrs)


def forward_in_layout(impl, op, inputs, attrs):
    """``impl.forward`` on the reference's inputs, converted to ``impl.layouts[op]``."""
    return impl.forward(op, *to_port_layout(impl, op, inputs, attrs))


def port_vjp(impl, op, inputs, attrs, cotangents):
    """``impl.vjp`` on the reference's inputs converted to its layout; its gradients as it returns
    them (its names and shapes), to compare with :func:`grads_in_port_layout` of the reference's."""
    grads = impl.vjp(op, *to_port_layout(impl, op, inputs, attrs), cotangents)
    if not isinstance(grads, dict):
        raise TypeError(f"vjp returned {type(grads).__name__}, expected a dict of gradients")
    return grads


def declared_gradients(impl, op):
    """The gradient names ``impl.gradients[op]`` declares (its layout's names), or None: all of them."""
    table = getattr(impl, "gradients", None) or {}
    if not isinstance(table, dict):
        raise ValueError(f"--impl: 'gradients' must be a dict op -> gradient names, got {type(table).__name__}")
    names = table.get(op)
    if names is None:
        return None
    if isinstance(names, str) or not all(isinstance(n, str) for n in names):
        raise ValueError(f"--impl: gradients[{op!r}] must be a list of input names, got {names!r}")
    return tuple(names)
