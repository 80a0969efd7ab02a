"""``refspace verify OP --impl module:attr``: hypothesis against another implementation.

For each op, hypothesis draws sizes and attributes from the op's declared ``sizes`` strategy
and a seed for its ``make`` (distinct dimensions, non-zero biases, padding masks, both
master-input variants ...); forward-only ops use their declared ``live`` strategy. The
implementation's forward (and VJP, with a random cotangent, when it has one) is compared with
the reference's entry-wise (``|got - ref| <= atol + rtol |ref|``, the tolerance chosen by the
port's precision). On a mismatch hypothesis shrinks the example to small sizes, which is
reported with a reproduction snippet. An implementation may define ``supports(op, attrs) -> bool`` to decline attribute
combinations it does not implement (those examples are skipped, not failed).
"""
from __future__ import annotations

import contextlib
import dataclasses
import tempfile

import numpy as np
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from ..core.registry import registered_ops
from .adapters import forward_in_layout, raise_if_missing_extra, vjp_in_layout
from .compare import compare, tolerance_for
from .convention import ReferenceImpl, flatten



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

    @property
    def passed(self) -> bool:
        return self.failure is None


def _tolerance(impl, op, got, rtol, atol):
    """Explicit ``rtol``/``atol``, else the port's ``tolerances[op]``, else the dtype default."""
    per_op = (getattr(impl, "tolerances", None) or {}).get(op, {})
    return tolerance_for(got, rtol=rtol if rtol is not None else per_op.get("rtol"),
                         atol=atol if atol is not None else per_op.get("atol"))


def _check_example(impl, reference, op, inputs, attrs, seed, rtol=None, atol=None):
    """Returns (list of (what, Comparison), error text or None, tolerance text)."""
    ref_out = reference.forward(op, inputs, attrs)
    try:
        got = forward_in_layout(impl, op, inputs, attrs)
    except Exception as exc:
        raise_if_missing_extra(exc)
        return [], f"forward raised {type(exc).__name__}: {exc}", ""
    r, a, why = _tolerance(impl, op, got, rtol, atol)
    used = f"rtol={r:g}, atol={a:g} ({why})"
    checks = [("forward", compare(ref_out, got, rtol=r, atol=a))]
    if hasattr(impl, "vjp") and reference.has_vjp(op):
        rng = np.random.default_rng(seed)
        cot = {k: rng.standard_normal(np.shape(v)) for k, v in ref_out.items()}
        ref_grads = reference.vjp(op, inputs, attrs, cot)
        ref_grads = {k: v for k, v in ref_grads.items() if np.issubdtype(np.asarray(inputs[k]).dtype, np.floating)}
        try:
            got_grads = vjp_in_layout(impl, op, inputs, attrs, cot)
        except Exception as exc:
            raise_if_missing_extra(exc)
            return checks, f"vjp raised {type(exc).__name__}: {exc}", used
        checks.append(("vjp", compare(ref_grads, got_grads, rtol=r, atol=a, what="gradient")))
    return checks, None, used


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
                rtol: float | None = None, atol: float | None = None, seed: int | None = None) -> LiveResult:
    """Draw up to ``max_examples`` examples of ``op`` and compare ``impl`` with the reference.

    Tolerances: ``rtol``/``atol`` when given, else the port's ``tolerances[op]`` (a dict with
    ``rtol``/``atol``), else the default of the lowest float precision the port returns
    (:data:`reference.verify.compare.DTYPE_TOLERANCES`: a correct float32 port passes).

    Search: ``seed=None`` (default) is the derandomized search, the same examples every run;
    an integer ``seed`` is a different, reproducible random search per seed (``result.seed``)."""
    live = strategies()
    if op not in live:
        raise ValueError(f"op: no live strategy for {op!r}; live ops: {sorted(live)} "
                         f"(use --golden DIR for the others)")
    if op not in getattr(impl, "ops", ()):
        raise ValueError(f"--impl: the implementation does not list {op!r} in its ops {sorted(impl.ops)}")
    reference = ReferenceImpl()
    result = LiveResult(op)
    supports = getattr(impl, "supports", None)

    @settings(max_examples=max_examples, deadline=None, database=None, derandomize=seed is None,
              suppress_health_check=list(HealthCheck), phases=[Phase.generate, Phase.shrink])
    @given(live[op], st.integers(0, 2**31 - 1))
    def run(case, cot_seed):
        inputs, attrs = case
        if supports is not None and not supports(op, attrs):
            result.skipped += 1
            assume(False)
        result.examples += 1
        checks, error, result.tolerance = _check_example(impl, reference, op, inputs, attrs, cot_seed, rtol, atol)
        for what, c in checks:
            if c.passed and c.ratio >= result.worst_ratio:
                result.worst_ratio, result.worst = c.ratio, f"{what}: {c.describe()}"
        bad = error or "; ".join(f"{what}: {c.describe()}" for what, c in checks if not c.passed)
        if bad:
            result.failure = bad
            result.counterexample = (inputs, attrs, cot_seed)
            raise AssertionError(bad)

    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed: expected a non-negative integer, got {seed!r}")
        run = hypothesis_seed(int(seed))(run)
    result.seed = seed
    try:
        with _scratch_hypothesis_home():
            run()
    except AssertionError:
        inputs, attrs, cot_seed = result.counterexample
        with_vjp = hasattr(impl, "vjp") and reference.has_vjp(op)
        result.reproduction = reproduction(op, inputs, attrs, impl_spec, cot_seed if with_vjp else None)
    return result


def _literal(value) -> str:
    if callable(value) and hasattr(value, "__module__") and hasattr(value, "__qualname__"):
        return f"importlib.import_module({value.__module__!r}).{value.__qualname__}"
    if isinstance(value, np.ndarray):
        body = np.array2string(value, separator=", ", precision=17, threshold=10**6, max_line_width=100)
        return f"np.array({body}, dtype=np.{value.dtype})"
    return repr(value)


def reproduction(op, inputs, attrs, impl_spec, cotangent_seed=None) -> str:
    """A runnable snippet comparing the implementation with the reference on one example: the
    forward, and (when ``cotangent_seed`` is given) the VJP with the same random cotangents the
    verifier used, so a bug in the gradients only shows too."""
    module, attr = impl_spec.split(":") if ":" in impl_spec else ("reference.verify.convention", "ReferenceImpl()")
    lines = ["import importlib", "import numpy as np",
             f"from {module} import {attr.split('(')[0]} as impl" if ":" in impl_spec else "",
             "from reference.verify.adapters import forward_in_layout",
             "from reference.verify.convention import ReferenceImpl",
             "inputs = {"]
    lines += [f"    {k!r}: {_literal(v)}," for k, v in inputs.items()]
    lines += ["}", "attrs = {"] + [f"    {k!r}: {_literal(v)}," for k, v in attrs.items()] + ["}"]
    lines += [f"print('reference:', ReferenceImpl().forward({op!r}, inputs, attrs))",
              f"print('impl:     ', forward_in_layout(impl, {op!r}, inputs, attrs))"]
    if cotangent_seed is not None:
        lines += ["from reference.verify.adapters import vjp_in_layout",
                  f"out = ReferenceImpl().forward({op!r}, inputs, attrs)",
                  f"rng = np.random.default_rng({int(cotangent_seed)})      # the verifier's cotangents",
                  "cotangents = {k: rng.standard_normal(np.shape(v)) for k, v in out.items()}",
                  f"print('reference vjp:', ReferenceImpl().vjp({op!r}, inputs, attrs, cotangents))",
                  f"print('impl vjp:     ', vjp_in_layout(impl, {op!r}, inputs, attrs, cotangents))"]
    return "\n".join(line for line in lines if line != "")
