"""Kernel against spec form: the comparison behind the generic test and ``refspace check --spec``.

Every op declares a spec form (:func:`~reference.core.registry.register`'s ``spec=``): plain
NumPy that reads as its article's equations. :func:`spec_agreement` runs an op's kernel and its
spec form on the same case, forward and VJP with the same random cotangents, and reports the
worst entry. The two are independent implementations of the same equations, so they agree to
round-off: within ``atol + rtol * max(|kernel|, |spec|)`` (rtol 1e-10, atol 1e-12 in float64;
1e-4 and 1e-5 in float32). The relative error reported is the difference over the larger
magnitude, or over ``atol / rtol`` where both are smaller (entries that are round-off).
"""
from __future__ import annotations

import dataclasses

import numpy as np

from .pytree import leaves, map_leaves
from .validate import float_dtype

TOLERANCES = {np.dtype(np.float64): (1e-10, 1e-12), np.dtype(np.float32): (1e-4, 1e-5)}


@dataclasses.dataclass(frozen=True)
class Agreement:
    """The worst entry of a kernel-against-spec comparison: ``ratio`` <= 1 passes."""

    ratio: float
    rel_error: float
    where: str

    @property
    def passed(self) -> bool:
        return self.ratio <= 1.0

    def __str__(self) -> str:
        return f"worst {self.where}: rel {self.rel_error:.2e} ({'pass' if self.passed else 'MISMATCH'})"


def _cast(value, dtype):
    return map_leaves(lambda _, a: a.astype(dtype) if np.issubdtype(a.dtype, np.floating) else a, value)


def _worst(kernel, spec, what) -> Agreement:
    worst = Agreement(0.0, 0.0, what)
    k, s = leaves(kernel), leaves(spec)
    if [n for n, _ in k] != [n for n, _ in s]:
        return Agreement(np.inf, np.inf, f"{what}: structure {[n for n, _ in k]} vs {[n for n, _ in s]}")
    for (name, a), (_, b) in zip(k, s):
        if a.shape != b.shape:
            return Agreement(np.inf, np.inf, f"{what}{name}: shape {a.shape} vs {b.shape}")
        if a.dtype != b.dtype and (np.issubdtype(a.dtype, np.floating) or np.issubdtype(b.dtype, np.floating)):
            return Agreement(np.inf, np.inf, f"{what}{name}: dtype {a.dtype} vs {b.dtype}")
        if not np.issubdtype(a.dtype, np.floating):
            if not np.array_equal(a, b):
                return Agreement(np.inf, np.inf, f"{what}{name}: integer outputs differ")
            continue
        rtol, atol = TOLERANCES.get(a.dtype, TOLERANCES[np.dtype(np.float32)])
        same = (a == b) | (np.isnan(a) & np.isnan(b))          # equal infinities, NaN where both are
        with np.errstate(invalid="ignore"):
            diff = np.where(same, 0.0, np.abs(a.astype(np.float64) - b))
            scale = np.maximum(np.abs(a), np.abs(b)).astype(np.float64)
        ratio = np.where(same, 0.0, diff / (atol + rtol * np.where(np.isfinite(scale), scale, 0.0)))
        ratio = np.where(np.isnan(ratio), np.inf, ratio)
        if ratio.size and ratio.max() > worst.ratio:
            k_ = int(np.argmax(ratio))
            # relative to the larger magnitude, or to atol / rtol where both are below it (round-off there)
            rel = float(diff.flat[k_] / max(scale.flat[k_], atol / rtol)) if np.isfinite(diff.flat[k_]) else np.inf
            idx = [int(i) for i in np.unravel_index(k_, a.shape)] if a.ndim else []
            worst = Agreement(float(ratio.flat[k_]), rel, f"{what}{name}{idx if idx else ''}")
    return worst


def spec_agreement(case, seed: int = 0, *, dtype=np.float64) -> Agreement:
    """Run ``case`` (a :class:`~reference.core.registry.CheckCase`) on its kernel and on its spec
    form in ``dtype``, forward and backward with one set of random cotangents (drawn from
    ``seed``); the worst entry of outputs and gradients."""
    from .registry import CheckCase

    if not isinstance(case, CheckCase):
        raise TypeError(f"case: expected a CheckCase (RegisteredOp.cases), got {type(case).__name__}")
    dtype = float_dtype("dtype", dtype)
    rng = np.random.default_rng(seed)
    spec = case.spec_case()
    inputs = tuple(_cast(x, dtype) for x in case.inputs)
    out_k, cache_k = case.bound_forward(*inputs)
    out_s, cache_s = spec.bound_forward(*inputs)
    worst = _worst(out_k, out_s, "forward")
    if not worst.passed:
        return worst
    cot = map_leaves(lambda _, a: rng.standard_normal(a.shape).astype(a.dtype)
                     if np.issubdtype(a.dtype, np.floating) else None, out_k)
    grads = _worst(case.backward(cot, cache_k), spec.backward(cot, cache_s), "gradient")
    return grads if grads.ratio > worst.ratio else worst


def forward_only_agreement(op, inputs, attrs) -> Agreement:
    """A forward-only op's ``forward(inputs, attrs)`` against its spec form on one example."""
    from .registry import RegisteredOp

    if not isinstance(op, RegisteredOp) or op.differentiable or op.spec is None:
        raise TypeError(f"op: expected a forward-only RegisteredOp with a spec form, got {op!r}"[:200])
    if not isinstance(inputs, dict) or not isinstance(attrs, dict):
        raise TypeError(f"inputs, attrs: expected two dicts, got {type(inputs).__name__}, {type(attrs).__name__}")
    spec = op.forward if op.spec == "kernel" else op.spec
    return _worst(op.forward(inputs, attrs), spec(inputs, attrs), "forward")
