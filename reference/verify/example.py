"""Checking an implementation on one example: the comparison live and golden checks share.

The forward is compared output by output; the VJP, with given cotangents, gradient by gradient
in the port's own layout (its names and shapes, :func:`~reference.verify.adapters.grads_in_port_layout`).
A port that declares the gradients it computes (``impl.gradients = {op: ("x", "params.W")}``)
is compared on those only: the others are reported as not covered, never as failures.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from .adapters import (declared_gradients, forward_in_layout, grads_in_port_layout, outputs_in_port_layout, port_vjp,
                       to_port_layout)
from .compare import checked_tolerances, compare
from .sandbox import DEFAULT_TIMEOUT, PortError


@dataclasses.dataclass
class ExampleCheck:
    checks: list                      # (what, Comparison): "forward", then "vjp"
    error: str | None = None          # the port failed (raised, exited, hung, mutated its inputs)
    tolerance: str = ""               # the tolerances used, and why
    covered: tuple = ()               # gradient names compared (the port's names)
    not_covered: tuple = ()           # gradients the port declared it does not compute
    float64: bool = True              # the port's floating outputs are all float64
    traceback: str = ""               # the port's traceback, when it raised
    fatal: bool = False               # calling the port again is pointless (timeout, sys.exit)

    @property
    def passed(self) -> bool:
        return self.error is None and bool(self.checks) and all(c.passed for _, c in self.checks)

    def describe(self) -> str:
        if self.error:
            return self.error
        if not self.checks:
            return "nothing compared"
        return "; ".join(f"{what}: {c.describe()}" for what, c in self.checks if not c.passed)

    def _failed(self, exc: PortError) -> "ExampleCheck":
        self.error, self.traceback, self.fatal = exc.message, exc.traceback, exc.fatal
        return self


def port_tolerances(impl, op, rtol=None, atol=None) -> tuple:
    """(rtol, atol): the explicit ones when given, else the port's ``tolerances[op]`` (a dict with
    ``rtol`` and/or ``atol`` only), else None (each array's dtype default). All validated."""
    rtol, atol = checked_tolerances(rtol, atol)
    table = getattr(impl, "tolerances", None) or {}
    if not isinstance(table, dict):
        raise ValueError(f"--impl: 'tolerances' must be a dict op -> {{'rtol': r, 'atol': a}}, "
                         f"got {type(table).__name__}")
    per_op = table.get(op, {})
    if not isinstance(per_op, dict) or set(per_op) - {"rtol", "atol"}:
        raise ValueError(f"--impl: tolerances[{op!r}] must be a dict with 'rtol' and/or 'atol', got {per_op!r}"[:300])
    own = checked_tolerances(per_op.get("rtol"), per_op.get("atol"), f"--impl: tolerances[{op!r}].")
    return (own[0] if rtol is None else rtol), (own[1] if atol is None else atol)


def tolerance(impl, op, got, rtol=None, atol=None, at_least=None):
    """Deprecated: (rtol, atol, why) for all of ``got`` at once; each array now has its own
    (:func:`port_tolerances`, :func:`reference.verify.compare.compare`). Kept for one release."""
    from .compare import tolerance_for

    r, a = port_tolerances(impl, op, rtol, atol)
    r, a, why = tolerance_for(got, rtol=r, atol=a)
    if at_least is not None and why != "given":
        r, a = max(r, at_least[0]), max(a, at_least[1])
    return r, a, why


_MISSING_HINT = ("; a port that does not compute some gradients declares the ones it does: "
                 "impl.gradients = {op: (names...)}")


_NONFINITE: dict = {}


def documented_nonfinite(op) -> tuple:
    """The output names of ``op`` whose non-finite values the reference documents (declared;
    read from the registry once, and again for an op registered since)."""
    if op not in _NONFINITE:
        from ..core.registry import registered_ops

        _NONFINITE.update({o.name: o.nonfinite for o in registered_ops()})
    return _NONFINITE.get(op, ())


def check_example(impl, op, inputs, attrs, ref_out, *, vjp=None, rtol=None, atol=None, at_least=None,
                  timeout=DEFAULT_TIMEOUT) -> ExampleCheck:
    """Compare ``impl`` with the reference on one example.

    ``ref_out``: the reference's outputs (in this project's layout; compared in the port's); ``vjp``: None, or ``(cotangents, reference gradients)``
    with the gradients in this project's layout (floating inputs only); ``at_least``: the floor of
    the dtype defaults (a golden file's tolerance); ``timeout``: seconds per call into the port."""
    r, a = port_tolerances(impl, op, rtol, atol)
    floor = None if at_least is None else checked_tolerances(*at_least, "golden tolerances.")
    result = ExampleCheck([])
    try:
        got = forward_in_layout(impl, op, inputs, attrs, timeout=timeout)
    except PortError as exc:
        return result._failed(exc)
    c = compare(outputs_in_port_layout(impl, op, ref_out, attrs), got, rtol=r, atol=a, floor=floor,
                nonfinite=documented_nonfinite(op))
    result.checks.append(("forward", c))
    result.tolerance = c.tolerance_text()
    result.float64 = not isinstance(got, dict) or all(
        np.asarray(v).dtype == np.float64 for v in got.values() if np.issubdtype(np.asarray(v).dtype, np.floating))
    if vjp is None:
        return result
    cotangents, ref_grads = vjp
    want = grads_in_port_layout(impl, op, ref_grads, attrs)
    port_inputs = to_port_layout(impl, op, inputs, attrs)[0]
    declared = declared_gradients(impl, op)
    if declared is not None:
        result.not_covered = tuple(k for k in want if k not in declared)
        want = {k: v for k, v in want.items() if k in declared}
    result.covered = tuple(want)
    if not want:
        return result
    try:
        got_grads = port_vjp(impl, op, inputs, attrs, cotangents, timeout=timeout)
    except PortError as exc:
        return result._failed(exc)
    c = compare(want, got_grads, rtol=r, atol=a, floor=floor, what="gradient", known=set(port_inputs))
    if any("missing" in p for p in c.problems):
        c = dataclasses.replace(c, problems=c.problems[:-1] + (c.problems[-1] + _MISSING_HINT,))
    result.checks.append(("vjp", c))
    texts = [check.tolerance_text() for _, check in result.checks]
    result.tolerance = "; ".join(dict.fromkeys(t for t in texts if t))     # each distinct one, in order
    return result


def cotangents(ref_out, seed) -> dict:
    """The verifier's random cotangents for one example (standard normal, from ``seed``)."""
    rng = np.random.default_rng(seed)
    return {k: rng.standard_normal(np.shape(v)) for k, v in ref_out.items()}


def floating_grads(inputs, grads) -> dict:
    """The gradients of floating inputs (integer inputs such as indices have none to compare)."""
    return {k: v for k, v in grads.items() if k in inputs and np.issubdtype(np.asarray(inputs[k]).dtype, np.floating)}


def show_example(impl, op, inputs, attrs, *, cotangent_seed=None, rtol=None, atol=None, file=None) -> ExampleCheck:
    """Run ``impl`` and the reference on one example and print both side by side, in the port's
    own names and layout: the inputs as the port receives them, each output and (with
    ``cotangent_seed``, the verifier's cotangents) each gradient, then the verdict naming the
    worst entry. This is what ``refspace verify``'s reproduction snippet calls."""
    import sys

    from .adapters import port_layout, to_port_layout
    from .convention import ReferenceImpl

    out = file or sys.stdout
    reference = ReferenceImpl()
    ref_out = reference.forward(op, inputs, attrs)
    vjp = None
    if cotangent_seed is not None and hasattr(impl, "vjp") and reference.has_vjp(op):
        cot = cotangents(ref_out, cotangent_seed)
        vjp = (cot, floating_grads(inputs, reference.vjp(op, inputs, attrs, cot)))
    check = check_example(impl, op, inputs, attrs, ref_out, vjp=vjp, rtol=rtol, atol=atol)
    fin, fattrs = to_port_layout(impl, op, inputs, attrs)
    fmt = dict(precision=10, threshold=200, max_line_width=110)
    layout = port_layout(impl, op)
    print(f"{op}, as the port receives it (layout {layout or 'refspace'}):", file=out)
    def show(label, value):   # continuation lines of an array aligned under its first entry
        text = np.array2string(np.asarray(value), prefix=label, **fmt) if isinstance(value, np.ndarray) else repr(value)
        print(label + text, file=out)

    for k, v in {**fin, **{f"attrs[{k!r}]": v for k, v in fattrs.items()}}.items():
        show(f"  {k} = ", v)

    def side_by_side(title, ref, got):
        print(title, file=out)
        for k, v in ref.items():
            g = got.get(k) if isinstance(got, dict) else None
            show(f"  {k}: reference ", np.asarray(v))
            show(f"  {' ' * len(k)}  impl      ", "missing" if g is None else np.asarray(g))

    try:
        side_by_side("forward:", outputs_in_port_layout(impl, op, ref_out, attrs),
                     forward_in_layout(impl, op, inputs, attrs))
        if vjp is not None and check.covered:
            want = {k: v for k, v in grads_in_port_layout(impl, op, vjp[1], attrs).items() if k in check.covered}
            side_by_side(f"gradients (cotangents from seed {cotangent_seed}):", want,
                         port_vjp(impl, op, inputs, attrs, vjp[0]))
    except PortError as exc:  # already in the verdict
        print(f"  (the port failed: {exc.message})", file=out)
    if check.not_covered:
        print(f"not covered (declared by the port): {', '.join(check.not_covered)}", file=out)
    print(f"verdict: {'pass' if check.passed else 'MISMATCH: ' + check.describe()} ({check.tolerance})", file=out)
    if check.traceback:
        print(check.traceback.rstrip(), file=out)
    return check
