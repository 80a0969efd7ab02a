"""Loading an implementation by import path, and converting parameter layouts around it.

``load_impl("package.module:attribute")`` imports the module and returns the attribute (an
object following :mod:`reference.verify.convention`); ``"reference"`` names the reference.
Loading problems are ``ValueError`` with one clear sentence.

Layouts an implementation may declare per op (``impl.layouts = {"lstm_layer": "torch"}``):

``"torch"`` (``lstm_cell``, ``lstm_layer``)
    ``params.W/U/b`` become ``params.weight_ih_l0`` (4H, I), ``params.weight_hh_l0`` (4H, H),
    ``params.bias_ih_l0``, ``params.bias_hh_l0`` (gate order i, f, g, o; the whole bias in
    ``bias_ih``, zeros in ``bias_hh``); gradients come back through the ``bias_ih`` gradient.
``"authors"`` / ``"keras"`` (``onlstm_cell``, ``onlstm_layer``)
    the ON-LSTM authors' ``cells.0.ih.0.weight`` ... or the article author's ``kernel``,
    ``recurrent_kernel``, ``bias`` (see :mod:`reference.onlstm.layouts`), under ``params.``.
``"DK"`` (``vq_loss``, ``vq_st``)
    the codebook is passed as (D, K) with ``attrs["layout"] = "DK"``; its gradient comes back (K, D).
"""
from __future__ import annotations

import importlib
import os
import sys

import numpy as np

from ..core.extras import missing_module

from ..lstm import LSTMParams, from_torch_layout, to_torch_layout
from ..onlstm.layouts import from_authors_layout, from_keras_layout, to_authors_layout, to_keras_layout
from ..onlstm.params import ONLSTMParams


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


# --- layouts ---------------------------------------------------------------------------------

def _params(inputs, cls):
    return cls(inputs["params.W"], inputs["params.U"], inputs["params.b"])


def _replace_params(inputs, foreign: dict):
    out = {k: v for k, v in inputs.items() if not k.startswith("params.")}
    out.update({f"params.{k}": v for k, v in foreign.items()})
    return out


def _grads_back(grads, own: dict):
    out = {k: v for k, v in grads.items() if not k.startswith("params.")}
    out.update({"params.W": own.W, "params.U": own.U, "params.b": own.b})
    return out


def _foreign_grads(grads):
    return {k[len("params."):]: v for k, v in grads.items() if k.startswith("params.")}


def _to_layout(layout, op, inputs, attrs):
    if layout is None:
        return inputs, attrs
    if layout == "torch":
        return _replace_params(inputs, to_torch_layout(_params(inputs, LSTMParams))), attrs
    if layout == "authors":
        return _replace_params(inputs, to_authors_layout(_params(inputs, ONLSTMParams))), attrs
    if layout == "keras":
        return _replace_params(inputs, to_keras_layout(_params(inputs, ONLSTMParams))), attrs
    if layout == "DK":
        if attrs.get("layout", "KD") == "KD":
            return {**inputs, "codebook": np.ascontiguousarray(inputs["codebook"].T)}, {**attrs, "layout": "DK"}
        return inputs, attrs
    raise ValueError(f"layouts: unknown layout {layout!r} for {op!r} (expected torch, authors, keras or DK)")


def _grads_from_layout(layout, grads, attrs):
    if layout is None:
        return grads
    foreign = _foreign_grads(grads)
    if layout == "torch":
        foreign.pop("bias_hh_l0", None)      # same gradient as bias_ih: count the bias once
        return _grads_back(grads, from_torch_layout(foreign))
    if layout == "authors":
        foreign.pop("cells.0.hh.bias", None)
        return _grads_back(grads, from_authors_layout(foreign))
    if layout == "keras":
        return _grads_back(grads, from_keras_layout(foreign))
    if layout == "DK" and attrs.get("layout", "KD") == "KD" and "codebook" in grads:
        return {**grads, "codebook": np.asarray(grads["codebook"]).T}
    return grads


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
    return _grads_from_layout(layout, grads, attrs)
