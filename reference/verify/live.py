"""``refspace verify OP --impl module:attr``: hypothesis against another implementation.

For each op, hypothesis draws sizes and attributes from the op's declared ``sizes`` strategy
and a seed for its ``make`` (distinct dimensions, non-zero biases, padding masks, both
master-input variants ...); forward-only ops use their declared ``live`` strategy. The
implementation's forward (and VJP, with a random cotangent, when it has one) is compared with
the reference's entry-wise (``|got - ref| <= atol + rtol |ref|``, the tolerance chosen by the
port's precision). On a mismatch hypothesis shrinks the example to small sizes, which is
reported with a reproduction snippet. An implementation may define ``supports(op, attrs) -> bool`` to decline attribute
combinations it does not implement (those examples are skipped, not failed; declining all of them is a failure:
nothing was verified).
"""
from __future__ import annotations

import contextlib
import dataclasses
import tempfile

import numpy as np
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable

from ..core.registry import registered_ops
from ..core.validate import positive_int
from .adapters import port_ops, port_supports
from .compare import checked_tolerances
from .convention import ReferenceImpl, flatten
from .example import ExampleCheck, check_example, cotangents, floating_grads, port_tolerances  # noqa: F401
from .sandbox import DEFAULT_TIMEOUT, PortError, checked_timeout, user_interrupts



def strategies() -> dict:
    """op name -> its live strategy of (flat inputs, attrs), from the ops' declarations: sizes
    drawn from the declared ``sizes`` with values from ``make`` (differentiable ops), or the
    declared ``live`` strategy (forward-only ops)."""
    return {op.name: _from_sizes(op) if op.differentiable else op.live
            for op in registered_ops() if op.differentiable or op.live is not None}


def _from_sizes(op):
    """Sizes from the op's declared strategy, values from its ``make`` with a drawn seed: a mismatch
    shrinks to small sizes (and seed 0)."""
    @st.composite
    def draw_case(draw):
        sizes = draw(op.sizes)
        inputs, attrs = op.make(np.random.default_rng(draw(st.integers(0, 2**32 - 1))), **sizes)
        return flatten(inputs, op.inputs[:len(inputs)]), dict(attrs)

    return draw_case()


@dataclasses.dataclass
class LiveResult:
    op: str
    examples: int = 0
    skipped: int = 0
    worst_ratio: float = 0.0
    worst: str = ""
    failure: str | None = None
    counterexample: tuple | None = None
    reproduction: str | None = None
    tolerance: str = ""          # the tolerance the last comparison used, and why
    seed: int | None = None      # None: the derandomized search
    covered: set = dataclasses.field(default_factory=set)       # gradient names compared (port's names)
    not_covered: set = dataclasses.field(default_factory=set)   # gradients the port declared it lacks
    traceback: str = ""          # the port's traceback, when the failure is the port raising
    shrunk: bool = True          # False: the search stopped at the first failure (a hung or exited port)

    @property
    def passed(self) -> bool:
        return self.failure is None and self.examples > 0


class _StopSearch(BaseException):
    """Ends the hypothesis search at once (not an Exception: hypothesis neither shrinks nor replays it)."""


def _check_example(impl, reference, op, inputs, attrs, seed, rtol=None, atol=None, timeout=DEFAULT_TIMEOUT) -> ExampleCheck:
    ref_out = reference.forward(op, inputs, attrs)
    vjp = None
    if hasattr(impl, "vjp") and reference.has_vjp(op):
        cot = cotangents(ref_out, seed)
        vjp = (cot, floating_grads(inputs, reference.vjp(op, inputs, attrs, cot)))
    return check_example(impl, op, inputs, attrs, ref_out, vjp=vjp, rtol=rtol, atol=atol, timeout=timeout)


@contextlib.contextmanager
def _scratch_hypothesis_home():
    """Hypothesis caches data under ``./.hypothesis``; a verify run leaves nothing in the user's folder."""
    import hypothesis.configuration as hc

    setter = getattr(hc, "set_hypothesis_home_dir", None)
    if setter is None:  # an older hypothesis: nothing to redirect
        yield
        return
    previous = getattr(hc, "__hypothesis_home_directory", None)
    with tempfile.TemporaryDirectory(prefix="refspace-hypothesis-") as tmp:
        setter(tmp)
        try:
            yield
        finally:
            setter(previous)


def verify_live(impl, op: str, *, max_examples: int = 100, impl_spec: str = "module:attribute",
                rtol: float | None = None, atol: float | None = None, seed: int | None = None,
                timeout: float | None = DEFAULT_TIMEOUT) -> LiveResult:
    """Draw up to ``max_examples`` examples of ``op`` and compare ``impl`` with the reference.

    Tolerances: ``rtol``/``atol`` when given, else the port's ``tolerances[op]`` (a dict with
    ``rtol``/``atol``), else each array's dtype default
    (:data:`reference.verify.compare.DTYPE_TOLERANCES`: a correct float32 port passes); all are
    validated (finite, >= 0, capped).

    Search: ``seed=None`` (default) is the derandomized search, the same examples every run;
    an integer ``seed`` is a different, reproducible random search per seed (``result.seed``).

    The port's code runs through :mod:`reference.verify.sandbox`: ``timeout`` seconds per call
    (None or 0: none), copies of every array checked after each call, its prints on stderr; an
    exception is a failure with its traceback (``result.traceback``), and a time-out or
    ``sys.exit`` ends the search at once (``result.shrunk`` is False). A port that declines
    every example (``supports``) has not been verified: that is a failure too."""
    live = strategies()
    if op not in live:
        raise ValueError(f"op: no live strategy for {op!r}; live ops: {sorted(live)} "
                         f"(use --golden DIR for the others)")
    ops = port_ops(impl)
    if op not in ops:
        raise ValueError(f"--impl: the implementation does not list {op!r} in its ops {sorted(ops)}")
    positive_int("max_examples", max_examples)
    checked_tolerances(rtol, atol)
    timeout = checked_timeout(timeout)
    port_tolerances(impl, op, rtol, atol)   # the port's own table, validated before any example
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
        raise ValueError(f"seed: expected a non-negative integer, got {seed!r}")
    reference = ReferenceImpl()
    result = LiveResult(op)

    def fail(check, inputs, attrs, cot_seed):
        result.failure, result.traceback = check.describe(), check.traceback
        result.counterexample = (inputs, attrs, cot_seed)

    @settings(max_examples=max_examples, deadline=None, database=None, derandomize=seed is None,
              suppress_health_check=list(HealthCheck), phases=[Phase.generate, Phase.shrink])
    @given(live[op], st.integers(0, 2**31 - 1))
    def run(case, cot_seed):
        inputs, attrs = case
        try:
            declined = not port_supports(impl, op, attrs, timeout=timeout)
        except PortError as exc:
            fail(ExampleCheck([])._failed(exc), inputs, attrs, cot_seed)
            result.shrunk = False
            raise _StopSearch from None
        if declined:
            result.skipped += 1
            assume(False)
        result.examples += 1
        check = _check_example(impl, reference, op, inputs, attrs, cot_seed, rtol, atol, timeout)
        result.tolerance = check.tolerance or result.tolerance
        result.covered.update(check.covered)
        result.not_covered.update(check.not_covered)
        for what, c in check.checks:
            if c.passed and c.ratio >= result.worst_ratio:
                result.worst_ratio, result.worst = c.ratio, f"{what}: {c.describe()}"
        if not check.passed:
            fail(check, inputs, attrs, cot_seed)
            if check.fatal:
                result.shrunk = False
                raise _StopSearch
            raise AssertionError(result.failure)

    if seed is not None:
        run = hypothesis_seed(int(seed))(run)
    result.seed = seed
    try:
        with user_interrupts(), _scratch_hypothesis_home():
            run()
    except _StopSearch:
        pass
    except AssertionError:
        if result.failure is None:    # not a verdict about the port: never swallowed into a pass
            raise
    except Unsatisfiable:             # every drawn example declined: reported below
        pass
    if result.failure is None and result.examples == 0:
        result.failure = (f"nothing compared: supports() (or the declared layout) declined all {result.skipped} drawn "
                          f"examples of {op!r}"
                          if result.skipped else f"nothing compared: no example of {op!r} was drawn")
    elif result.counterexample is not None:
        inputs, attrs, cot_seed = result.counterexample
        with_vjp = hasattr(impl, "vjp") and reference.has_vjp(op)
        result.reproduction = reproduction(op, inputs, attrs, impl_spec, cot_seed if with_vjp else None, rtol, atol)
    return result


def _literal(value) -> str:
    if callable(value) and hasattr(value, "__module__") and hasattr(value, "__qualname__"):
        return f"importlib.import_module({value.__module__!r}).{value.__qualname__}"
    if isinstance(value, np.ndarray):
        body = np.array2string(value, separator=", ", precision=17, threshold=10**6, max_line_width=100)
        return f"np.array({body}, dtype=np.{value.dtype})"
    return repr(value)


def reproduction(op, inputs, attrs, impl_spec, cotangent_seed=None, rtol=None, atol=None) -> str:
    """A runnable snippet that reruns one example (the shrunk inputs and every attribute, masks
    included) through :func:`reference.verify.example.show_example`: forward and (when
    ``cotangent_seed`` is given) the VJP with the verifier's own cotangents, printed side by side
    in the port's names and layout, with the worst entry."""
    lines = ["import importlib", "import numpy as np"]
    if ":" in impl_spec:
        module, attr = impl_spec.split(":")
        lines.append(f"from {module} import {attr} as impl")
    else:
        lines += ["from reference.verify.convention import ReferenceImpl", "impl = ReferenceImpl()"]
    lines += ["from reference.verify.example import show_example", "inputs = {"]
    lines += [f"    {k!r}: {_literal(v)}," for k, v in inputs.items()]
    lines += ["}", "attrs = {"] + [f"    {k!r}: {_literal(v)}," for k, v in attrs.items()] + ["}"]
    extra = "" if cotangent_seed is None else f", cotangent_seed={int(cotangent_seed)}"
    extra += "".join(f", {k}={v!r}" for k, v in (("rtol", rtol), ("atol", atol)) if v is not None)
    lines.append(f"show_example(impl, {op!r}, inputs, attrs{extra})")
    return "\n".join(lines)
