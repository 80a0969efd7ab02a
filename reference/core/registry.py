"""The op declarations: one per op, next to the op, and everything else derived from them.

A differentiable op declares its signature, its op pair, a seeded ``make(rng, **sizes)``, the
edge sizes of its cases (small float64 inputs with distinct dimensions, non-zero biases, the
op's edge cases) and a hypothesis strategy of sizes. ``refspace check`` runs
:func:`~reference.core.gradcheck.check_op` on each edge case; the golden files, the live
verifier, ``refspace check --list`` and the generic tests read the same declaration.
Forward-only ops a port must match are declared with :func:`register_forward_only`.

Declaring a new op::

    from hypothesis import strategies as st
    from reference.core.registry import register

    @register("my_op", "one-line description", source="kexue.fm/archives/NNNN, eq. label",
              inputs=("x",), attributes=("axis",), forward=my_op_forward, backward=my_op_backward,
              edges=(dict(N=3, C=4), dict(N=1, C=1)),
              sizes=st.fixed_dictionaries({"N": st.integers(1, 4), "C": st.integers(1, 5)}))
    def _make(rng, N, C):
        return (rng.standard_normal((N, C)),), {"axis": -1}

in a module named ``cases`` inside any subpackage of ``reference`` (e.g. ``reference/vq/cases.py``):
:func:`discover` imports every such module, so no list names the areas.
"""
from __future__ import annotations

import dataclasses
import functools
import importlib
import os
from typing import Callable, Iterable, Sequence

import numpy as np

from .gradcheck import GradCheckReport, InputCheck, check_op, check_vjp
from .pytree import leaves

CASE_MODULE = "cases"   # the module name, in any subpackage, whose import registers that area's ops


def _case_modules(top) -> list[str]:
    """The ``<package>.cases`` modules below ``top``, found on disk: no other package is imported
    to find them (the command line, the benchmarks and the conformance kit stay unloaded)."""
    names = []
    for root in top.__path__:
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if os.path.isfile(os.path.join(folder, d, "__init__.py")))
            if f"{CASE_MODULE}.py" in files and os.path.isfile(os.path.join(folder, "__init__.py")):
                package = os.path.relpath(folder, root).replace(os.sep, ".")
                names.append(f"{top.__name__}.{package}.{CASE_MODULE}" if package != "." else
                             f"{top.__name__}.{CASE_MODULE}")
    return sorted(names)


def discover() -> list[str]:
    """Import every ``<package>.cases`` module below the top package (for their registrations);
    returns their names, sorted."""
    top = importlib.import_module(__name__.split(".")[0])
    names = _case_modules(top)
    for name in names:
        importlib.import_module(name)
    return names


@dataclasses.dataclass(frozen=True)
class CheckCase:
    """One gradient check: an op pair and its inputs.

    Ops with a *designed* gradient (straight-through, stop-gradients, the rotation trick)
    give a ``surrogate``: ``surrogate(*inputs)`` returns a function whose true gradient at
    ``inputs`` is the designed one (e.g. the identity for straight-through, or the loss with
    its stop-gradient operands frozen at the point). The backward is then checked against
    central differences of that function, and the function's value at ``inputs`` must equal
    the forward's.
    """

    label: str
    forward: Callable
    backward: Callable
    inputs: tuple
    names: tuple[str, ...]
    options: dict = dataclasses.field(default_factory=dict)  # extra check_op keywords (atol, mode, wrt)
    surrogate: Callable | None = None
    attrs: dict = dataclasses.field(default_factory=dict)    # keyword attributes of the forward (mask, axis ...)
    spec: tuple | None = None   # (forward, backward) of the op's spec form, the same calling convention

    def spec_case(self) -> "CheckCase":
        """This case run on the op's spec form instead of its kernel (the kernel itself when the
        op declares ``spec="kernel"``; ValueError when it declares none)."""
        if self.spec is None:
            raise ValueError(f"case {self.label!r}: its op declares no spec form")
        return dataclasses.replace(self, forward=self.spec[0], backward=self.spec[1])

    @property
    def bound_forward(self) -> Callable:
        """The forward with this case's attributes bound: ``bound_forward(*inputs)``."""
        return functools.partial(self.forward, **self.attrs) if self.attrs else self.forward

    def run(self, seed: int) -> GradCheckReport:
        forward = self.bound_forward
        if self.surrogate is None:
            return check_op(forward, self.backward, self.inputs, names=self.names, seed=seed, **self.options)
        fn = self.surrogate(*self.inputs)
        report = check_vjp(fn, lambda cot, *a: self.backward(cot, forward(*a)[1]), self.inputs,
                           names=self.names, seed=seed, **self.options)
        value, expected = fn(*self.inputs), forward(*self.inputs)[0]
        if not _close(value, expected):
            bad = InputCheck("surrogate value", 0, None, float("inf"), "surrogate value != forward value at the point")
            report = dataclasses.replace(report, inputs=report.inputs + (bad,))
        return report


def _close(a, b) -> bool:
    la, lb = leaves(a), leaves(b)
    return len(la) == len(lb) and all(
        x.shape == y.shape and np.allclose(x, y, rtol=1e-12, atol=1e-12) for (_, x), (_, y) in zip(la, lb))


@dataclasses.dataclass(frozen=True)
class RegisteredOp:
    """One op's declaration, next to the op (in its area's ``cases`` module).

    Differentiable ops (:func:`register`) give ``make``, ``edges`` and ``sizes``, from which
    ``make_case``/``make_cases`` build the :class:`CheckCase` s. Forward-only ops a porter must
    match (:func:`register_forward_only`) give instead ``forward(inputs, attrs) -> outputs`` over
    flat named arrays, ``example(rng) -> (inputs, attrs)`` and ``live``, a hypothesis strategy of
    ``(inputs, attrs)`` (flat named float64/int arrays, as the calling convention of
    ``reference.verify``) for ``refspace verify OP``.
    """

    name: str
    summary: str
    make_cases: Callable[[np.random.Generator], Sequence[CheckCase]] | None
    source: str = ""   # the article (URL) and equation, or the paper, the op implements
    live: object = None
    forward: Callable | None = None
    example: Callable | None = None
    inputs: tuple[str, ...] = ()       # the calling signature, declared: positional inputs in order
    attributes: tuple[str, ...] = ()   # and keyword attributes
    make: Callable | None = None       # make(rng, **sizes) -> (inputs tuple, attrs dict)
    make_case: Callable | None = None  # (rng, sizes) -> CheckCase: the op pair on make's inputs
    edges: tuple = ()                  # the sizes of the seeded cases (refspace check, golden)
    sizes: object = None               # hypothesis strategy of size dicts (live verifier, tests)
    nonfinite: tuple[str, ...] = ()    # outputs whose NaN/inf values the op documents (exactly matched)
    spec: object = None                # the spec form: (forward, backward), a forward-only function, or "kernel"

    @property
    def differentiable(self) -> bool:
        return self.make_cases is not None

    def cases(self, rng: np.random.Generator) -> list[CheckCase]:
        """The seeded cases of the declared edge sizes, in order (``rng`` is shared by them)."""
        return list(self.make_cases(rng))


@dataclasses.dataclass(frozen=True)
class OpResult:
    """What ``refspace check`` reports for one op."""

    name: str
    reports: tuple[tuple[str, GradCheckReport], ...]

    @property
    def passed(self) -> bool:
        return all(r.passed for _, r in self.reports)

    @property
    def worst_rel_error(self) -> float:
        return max((r.worst_rel_error for _, r in self.reports), default=0.0)

    def failures(self) -> list[tuple[str, GradCheckReport]]:
        return [(label, r) for label, r in self.reports if not r.passed]


_REGISTRY: dict[str, RegisteredOp] = {}


def _add(op: RegisteredOp, owner) -> None:
    old = _REGISTRY.get(op.name)
    if old is not None and (old.make or old.forward) is not owner:
        raise ValueError(f"name: op {op.name!r} is already registered")
    _REGISTRY[op.name] = op


def _label(sizes: dict) -> str:
    return " ".join(f"{k}={v}" for k, v in sizes.items())


SPEC_IS_KERNEL = "kernel"   # spec= value: the kernel already reads as the equations (elementwise ops)


def _checked_spec(name, spec, differentiable):
    if spec is None or spec == SPEC_IS_KERNEL:
        return spec
    if differentiable:
        if not (isinstance(spec, tuple) and len(spec) == 2 and all(callable(f) for f in spec)):
            raise TypeError(f"{name}: spec must be (forward, backward), 'kernel' or None, got {spec!r}"[:300])
    elif not callable(spec):
        raise TypeError(f"{name}: spec must be a function (inputs, attrs) -> outputs, 'kernel' or None, got {spec!r}"[:300])
    return spec


def signature_of(forward: Callable) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(inputs, attributes) read from a forward's signature: its positional parameters in order,
    and its keyword-only ones (what :func:`register` declares when they are not stated)."""
    import inspect

    params = inspect.signature(forward).parameters.values()
    return (tuple(p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)),
            tuple(p.name for p in params if p.kind == p.KEYWORD_ONLY))


def register(name: str, summary: str, *, source: str, forward: Callable, backward: Callable | None = None,
             edges=(), sizes=None, inputs=None, attributes=None, surrogate: Callable | None = None, options=None,
             label: Callable[[dict], str] = _label, nonfinite=(), spec=None, forward_only: bool = False,
             example: Callable | None = None, live=None):
    """Decorator: declare a differentiable op by its ``make(rng, **sizes) -> (inputs, attrs)``.

    - ``source``: the article and equation (or paper) it implements;
    - ``inputs``, ``attributes``: its calling signature (positional input names in order, keyword
      attribute names), by default read from ``forward``'s signature (positional parameters are
      inputs, keyword-only ones attributes; :func:`signature_of`): state them only where the
      forward says otherwise (a mask passed by position that is an attribute); ``make`` may leave
      out trailing optional inputs (affine's bias);
    - ``forward``, ``backward``: the op pair, ``forward(*inputs, **attrs) -> (out, cache)``;
    - ``edges``: the size dicts of the seeded cases that ``refspace check`` and the golden files
      use (distinct sizes, T = 1, B = 1 ...); ``label(sizes)`` names each case;
    - ``sizes``: a hypothesis strategy of size dicts; the live verifier and the generic tests draw
      sizes from it and values from ``make`` with a drawn seed, so a mismatch shrinks to small sizes;
    - ``surrogate(*inputs, **attrs) -> f``: for a designed gradient, a function whose true gradient
      at the point is the designed one (see :class:`CheckCase`);
    - ``options``: extra :func:`check_op` keywords (``mode``, ``atol`` ...);
    - ``nonfinite``: the flat output names (``"out"``) that may hold NaN/inf values the op
      documents (masked_logsumexp's -inf for an empty row); a port must match them exactly, and
      anywhere else a non-finite expected value is not comparable;
    - ``spec``: the op's spec form, ``(spec_forward, spec_backward)`` with the kernel pair's
      calling convention, written as the article's equations in the area's ``spec`` module (no
      buffers, no ``out=``, no regrouping), or ``"kernel"`` where the kernel already reads so.

    Each case is checked against the signature: ``make`` returns 1 to ``len(inputs)`` inputs and
    only declared attributes.

    ``forward_only=True`` declares an op with no gradient to check (a tie rule, a parser, an
    update): ``forward(inputs, attrs) -> {name: array}`` over flat named arrays, ``inputs`` and
    ``attributes`` stated (a flat forward has no signature to read), a seeded ``example(rng) ->
    (inputs, attrs)`` for the golden files, ``live`` a hypothesis strategy of (inputs, attrs), and
    ``spec`` a function with ``forward``'s convention (or ``"kernel"``). It registers at once
    (there is no ``make`` to decorate) and returns None.
    """
    if forward_only:
        if backward is not None or edges or sizes is not None or surrogate is not None:
            raise TypeError(f"{name}: a forward-only op takes no backward, edges, sizes or surrogate")
        if inputs is None or example is None:
            raise TypeError(f"{name}: a forward-only op states its flat inputs and gives an example")
        spec = _checked_spec(name, spec, False)
        _add(RegisteredOp(name, summary, None, source, live, forward, example, tuple(inputs), tuple(attributes or ()),
                          spec=spec), forward)
        return None
    if backward is None or sizes is None or not edges:
        raise TypeError(f"{name}: a differentiable op needs backward, edges and sizes (forward_only=True otherwise)")
    def deco(make):
        def make_case(rng, sizes):
            ins, attrs = make(rng, **sizes)
            if not 1 <= len(ins) <= len(inputs):
                raise ValueError(f"{name} [{label(sizes)}]: make returned {len(ins)} inputs; the declared "
                                 f"signature is {tuple(inputs)}")
            unknown = sorted(set(attrs) - set(attributes))
            if unknown:
                raise ValueError(f"{name} [{label(sizes)}]: attribute {unknown[0]!r} is not declared "
                                 f"(declared: {tuple(attributes)})")
            sur = None if surrogate is None else functools.partial(_bound_surrogate, surrogate, attrs)
            trim = (lambda b: b) if len(ins) == len(inputs) else (lambda b: functools.partial(_leading, b, len(ins)))
            pair = None if spec is None else (forward, trim(backward)) if spec == SPEC_IS_KERNEL \
                else (spec[0], trim(spec[1]))
            return CheckCase(label(sizes), forward, trim(backward), tuple(ins), tuple(inputs[:len(ins)]),
                             dict(options or {}), sur, dict(attrs), pair)

        def make_cases(rng):
            return [make_case(rng, e) for e in edges]

        _add(RegisteredOp(name, summary, make_cases, source, inputs=tuple(inputs),
                          attributes=tuple(attributes), make=make, make_case=make_case, edges=tuple(edges),
                          sizes=sizes, nonfinite=tuple(nonfinite), spec=spec), make)
        return make
    spec = _checked_spec(name, spec, True)
    derived = signature_of(forward)
    inputs = derived[0] if inputs is None else tuple(inputs)
    attributes = derived[1] if attributes is None else tuple(attributes)
    return deco


def _leading(backward, n, grad_out, cache):
    """The gradients of the first ``n`` inputs (a case that leaves out trailing optional inputs)."""
    return tuple(backward(grad_out, cache))[:n]


def _bound_surrogate(surrogate, attrs, *inputs):
    return surrogate(*inputs, **attrs)


def register_forward_only(name: str, summary: str, *, source: str, forward: Callable, example: Callable,
                          inputs, attributes=(), live=None, spec=None) -> None:
    """Deprecated: ``register(..., forward_only=True)``, the one registration API (kept for a release)."""
    import warnings

    warnings.warn("register_forward_only is deprecated: use register(..., forward_only=True)", DeprecationWarning,
                  stacklevel=2)
    register(name, summary, source=source, forward=forward, example=example, inputs=inputs, attributes=attributes,
             live=live, spec=spec, forward_only=True)


def unregister(name: str) -> None:
    """Remove ``name`` from the registry (for tests that register a throwaway op)."""
    if name not in _REGISTRY:
        raise ValueError(f"name: {name!r} is not registered")
    del _REGISTRY[name]


def registered_ops() -> list[RegisteredOp]:
    """All registered ops (discovering the area modules first): areas in :func:`discover`'s order,
    ops in registration order within an area, whatever was imported first."""
    modules = discover()
    rank = {m: k for k, m in enumerate(modules)}
    ops = list(_REGISTRY.values())   # insertion order within a module; modules in discovery order
    return sorted(ops, key=lambda op: rank.get((op.make or op.example).__module__, len(rank)))


def checked_ops() -> list[RegisteredOp]:
    """The differentiable ops, which ``refspace check`` runs."""
    return [op for op in registered_ops() if op.differentiable]


def run_checks(names: Iterable[str] | None = None, seed: int = 0,
               progress: Callable[[str], None] | None = None, *, spec: bool = False) -> list[OpResult]:
    """Run the registered cases of the named ops (all by default) with a seeded generator;
    ``spec=True`` checks the ops' spec forms instead of their kernels (ops without one are
    left out).

    Raises ``ValueError`` naming the unknown op if ``names`` holds one.
    """
    ops = checked_ops()
    if spec:
        ops = [op for op in ops if op.spec is not None]
    if names is not None:
        names = list(names)
        known = {op.name for op in ops}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ValueError(f"op: unknown op {unknown[0]!r}; expected one of {sorted(known)}")
        ops = [op for op in ops if op.name in names]
    results = []
    for op in ops:
        if progress is not None:
            progress(op.name)
        rng = np.random.default_rng(seed)
        cases = [c.spec_case() if spec else c for c in op.cases(rng)]
        reports = tuple((case.label, case.run(seed)) for case in cases)
        results.append(OpResult(op.name, reports))
    return results
