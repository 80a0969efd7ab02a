"""Flatten nested inputs and outputs (tuples, lists, dicts, dataclasses) into named arrays.

The gradient checker and the CLI need to walk structures such as
``(x, LSTMParams(W, U, b), h0, c0)`` leaf by leaf, with readable names (``params.W``) for
reports. Leaves are ``numpy.ndarray`` (and NumPy scalars, as 0-d arrays); everything else that is not a container (ints,
strings, None) is carried along unchanged and never differentiated.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Callable

import numpy as np


def _children(obj) -> list[tuple[str, Any]] | None:
    """Named children of a container, or None when ``obj`` is not a container."""
    if isinstance(obj, (tuple, list)):
        return [(f"[{i}]", v) for i, v in enumerate(obj)]
    if isinstance(obj, dict):
        return [(f"[{k!r}]", v) for k, v in obj.items()]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return [(f".{f.name}", getattr(obj, f.name)) for f in dataclasses.fields(obj)]
    return None


def leaves(obj, prefix: str = "") -> list[tuple[str, np.ndarray]]:
    """All ndarray leaves of ``obj`` in a fixed order, each with its path name.
    NumPy scalars (``np.float64(1.0)``, what reductions return) count as 0-d arrays."""
    if isinstance(obj, np.ndarray):
        return [(prefix, obj)]
    if isinstance(obj, np.generic):
        return [(prefix, np.asarray(obj))]
    kids = _children(obj)
    if kids is None:
        return []
    out: list[tuple[str, np.ndarray]] = []
    for key, child in kids:
        out.extend(leaves(child, prefix + key))
    return out


def map_leaves(fn: Callable[[str, np.ndarray], Any], obj, prefix: str = ""):
    """Rebuild ``obj`` with every ndarray leaf replaced by ``fn(path, leaf)``."""
    if isinstance(obj, np.ndarray):
        return fn(prefix, obj)
    if isinstance(obj, np.generic):
        return fn(prefix, np.asarray(obj))
    if isinstance(obj, tuple):
        return tuple(map_leaves(fn, v, f"{prefix}[{i}]") for i, v in enumerate(obj))
    if isinstance(obj, list):
        return [map_leaves(fn, v, f"{prefix}[{i}]") for i, v in enumerate(obj)]
    if isinstance(obj, dict):
        return {k: map_leaves(fn, v, f"{prefix}[{k!r}]") for k, v in obj.items()}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        changes = {f.name: map_leaves(fn, getattr(obj, f.name), f"{prefix}.{f.name}")
                   for f in dataclasses.fields(obj) if f.init}
        return dataclasses.replace(obj, **changes)
    return obj

