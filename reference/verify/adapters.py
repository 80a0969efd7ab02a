"""Loading an implementation by import path, and converting parameter layouts around it.

``load_impl("package.module:attribute")`` imports the module and returns the attribute (an
object following :mod:`reference.verify.convention`); ``"reference"`` names the reference.
Loading problems are ``ValueError`` with one clear sentence.

Layouts an implementation may declare per op (``impl.layouts = {"lstm_layer": "torch"}``) are
registered by the areas next to their converters (:mod:`reference.core.layouts`); each one's
``doc`` says what it converts, and ``refspace check --signature OP`` lists those of an op with
the names and shapes a port receives. Inputs and layout-dependent attributes (weight masks) go to
the port converted, and cotangents too where the layout moves outputs (NCHW maps); its outputs
and gradients are compared as it returns them, against the reference's converted to its layout
(every foreign parameter, both biases included, has its own).
"""
from __future__ import annotations

import importlib
import os
import sys

import numpy as np

from ..core.layouts import get_layout
from .sandbox import DEFAULT_TIMEOUT, PortError, call_port, copies, raise_if_missing_extra, user_interrupts  # noqa: F401



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
    try:   # the port's own code runs here: its failures are reported, its prints go to stderr
        with user_interrupts():   # a Ctrl-C while the port's module imports is the user's: exit 130
            module = call_port("import", importlib.import_module, module_name)
    except PortError as exc:
        detail = exc.message.removeprefix("import raised ").removeprefix("import ")
        raise ValueError(f"--impl: cannot import module {module_name!r} ({detail})") from None
    except ValueError as exc:   # a missing optional extra, named
        raise ValueError(f"--impl: cannot import module {module_name!r} ({str(exc).removeprefix('--impl: ')})") from None
    if not hasattr(module, attr):
        raise ValueError(f"--impl: module {module_name!r} has no attribute {attr!r}")
    impl = getattr(module, attr)
    if not callable(getattr(impl, "forward", None)) or not hasattr(impl, "ops"):
        raise ValueError(f"--impl: {spec} must have 'ops' and a callable 'forward(op, inputs, attrs)'")
    port_ops(impl)
    return impl


def port_ops(impl) -> tuple[str, ...]:
    """The op names ``impl.ops`` lists: a list, tuple or set of strings (a single string is refused,
    so ``ops = "masked_softmax"`` is never matched by substring)."""
    ops = getattr(impl, "ops", None)
    if isinstance(ops, (str, bytes)) or not isinstance(ops, (list, tuple, set, frozenset)) \
            or not all(isinstance(o, str) and o for o in ops):
        shown = repr(ops) if isinstance(ops, (str, bytes)) else type(ops).__name__
        raise ValueError(f"--impl: 'ops' must be a list of op names (e.g. ['softmax']), got {shown}"[:300])
    return tuple(ops)




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


def outputs_in_port_layout(impl, op, outputs, attrs):
    """The reference's outputs (or cotangents of them) as the port returns (receives) them: NCHW
    maps for a port declaring ``"torch"`` for a convolution; unchanged for most layouts."""
    layout = port_layout(impl, op)
    if layout is None:
        return outputs
    convert = get_layout(layout, op).outputs_to_foreign
    return outputs if convert is None else convert(outputs, attrs)


def layout_applies(impl, op, attrs) -> bool:
    """False when the layout ``impl`` declares for ``op`` cannot express this example (the torch
    BiRNN layout and an ON-LSTM cell): the kit declines it, as ``supports`` would."""
    layout = port_layout(impl, op)
    if layout is None:
        return True
    applies = get_layout(layout, op).applies
    return applies is None or bool(applies(attrs))


def grads_in_port_layout(impl, op, grads, attrs):
    """The reference's gradients (this project's names) as gradients of the port's inputs."""
    layout = port_layout(impl, op)
    if layout is None:
        return grads
    return get_layout(layout, op).grads_to_foreign(grads, attrs)


def forward_in_layout(impl, op, inputs, attrs, *, timeout=DEFAULT_TIMEOUT):
    """``impl.forward`` on the reference's inputs, converted to ``impl.layouts[op]``, through
    :func:`~reference.verify.sandbox.call_port` (copies in, checked after; a failure is a
    :class:`~reference.verify.sandbox.PortError`)."""
    fin, fattrs = to_port_layout(impl, op, inputs, attrs)
    pin, pattrs = copies(fin), copies(fattrs)
    return call_port("forward", impl.forward, op, pin, pattrs, timeout=timeout,
                     watch={"input": (pin, fin), "attribute": (pattrs, fattrs)})


def port_vjp(impl, op, inputs, attrs, cotangents, *, timeout=DEFAULT_TIMEOUT):
    """``impl.vjp`` on the reference's inputs and cotangents converted to its layout; its gradients
    as it returns them (its names and shapes), to compare with :func:`grads_in_port_layout` of the
    reference's."""
    fin, fattrs = to_port_layout(impl, op, inputs, attrs)
    cotangents = outputs_in_port_layout(impl, op, cotangents, attrs)
    pin, pattrs, pcot = copies(fin), copies(fattrs), copies(cotangents)
    grads = call_port("vjp", impl.vjp, op, pin, pattrs, pcot, timeout=timeout,
                      watch={"input": (pin, fin), "attribute": (pattrs, fattrs), "cotangent": (pcot, cotangents)})
    if not isinstance(grads, dict):
        raise PortError(f"vjp returned {type(grads).__name__}, expected a dict of gradients")
    return grads


def port_supports(impl, op, attrs, *, timeout=DEFAULT_TIMEOUT) -> bool:
    """``impl.supports(op, attrs)`` (True when the port has none); it must return a bool. An
    example the port's declared layout cannot express is declined first (:func:`layout_applies`)."""
    if not layout_applies(impl, op, attrs):
        return False
    supports = getattr(impl, "supports", None)
    if supports is None:
        return True
    pattrs = copies(attrs)
    answer = call_port("supports()", supports, op, pattrs, timeout=timeout, watch={"attribute": (pattrs, attrs)})
    if not isinstance(answer, (bool, np.bool_)):
        raise PortError(f"supports() returned {type(answer).__name__} {answer!r}, expected True or False"[:300])
    return bool(answer)


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
