"""Gradient checking for hand-written backward passes: yours or ours.

Three ways to compare an analytic vector-Jacobian product (VJP) with central differences
in float64, chosen by ``mode``:

``"jacobian"``
    Every entry of the Jacobian: one backward call per output entry (unit cotangents; each
    call gives that row for every input at once) against two forward calls per input entry.
    For small inputs.
``"vjp"``
    One random cotangent ``g``; the full gradient of ``<g, f(x)>`` entry by entry against
    :func:`numerical_vjp`. For medium inputs; names the worst entry's index.
``"blocks"``
    Every entry in exactly one block of ``block_size`` entries (a random partition): for each
    block, ``<VJP(g), s>`` with random signs ``s`` on the block (zero elsewhere) against the
    central difference of ``<g, f>`` along ``s``. Two forwards per block, ``2 N / block_size``
    in all. A block's tolerance is the quadrature sum of its entries' own tolerances,
    ``sqrt(sum_k (atol + rtol |a_k|)^2)`` (errors times random signs add in quadrature), so a
    single wrong entry off by ``delta`` (which shifts its block's product by ``|delta|``) is
    detected once ``delta`` exceeds about ``sqrt(block_size)`` times the root mean square of the
    block's entry tolerances: 4 with the default 16.
``"direction"``
    Dot-product test: for random dense directions ``v`` (one input at a time) compare
    ``<VJP(g), v>`` with ``(<g, f(x + eps v)> - <g, f(x - eps v)>) / (2 eps)``. Costs two
    forwards per direction, whatever the size (the idea of PyTorch's
    ``gradcheck(fast_mode=True)``). Its detection floor: a dense direction over N entries
    has a tolerance about ``sqrt(N)`` times an entry's, so a wrong gradient spread over many
    entries fails, but an error in one entry is caught only above about ``sqrt(N)`` times
    that entry's tolerance (45x at N = 2 000). Chosen explicitly only.
``"auto"`` (default)
    ``jacobian`` if (input entries) x (output entries) <= 20 000, else ``vjp`` if there are
    at most 2 000 input entries, else ``blocks`` (so one-entry errors of a few times the
    tolerance stay detectable at every size).

An entry passes when ``|a - n| <= atol + rtol * max(|a|, |n|)`` (a analytic, n numeric).
The report names, per input, the worst entry (largest ratio of error to tolerance) with
its index, analytic and numeric values. Cotangents and directions are random normal
(never all ones) from ``numpy.random.default_rng(seed)``.

Besides values, the checker also fails a function that modifies its inputs (or a
backward that modifies its cotangent) and one whose forward or backward gives different
results on the same inputs.

Inputs may be arrays or nested tuples/lists/dicts/dataclasses of arrays. Float leaves are
copied to float64 before anything runs, and a Python float given as an input is converted to
a 0-d float64 array (and differentiated). Integer and boolean array leaves (indices, masks)
are passed through unchanged and never differentiated: the report lists them as such, and
naming one in ``wrt`` is an error; a Python int or bool given as an input is refused (pass
``np.asarray(v)`` for an index, ``float(v)`` to differentiate it). The forward must return
float64 for float64 inputs: central differences of a float32 or float16 forward lose the
digits the comparison needs, so such an output is a failure, named. ``eps`` must be resolvable
at the inputs' scale (``x + eps`` at least 1024 ulps away from ``x`` for the largest ``|x|``)
and at most 1e-2 times that scale (or 1e-2 for inputs below 1). Outputs may be nested like
inputs; non-float output leaves get ``None`` as their cotangent.

Example
-------
>>> import numpy as np
>>> from reference.ops.affine import affine_forward, affine_backward
>>> rng = np.random.default_rng(0)
>>> x, W, b = rng.normal(size=(3, 4)), rng.normal(size=(4, 2)), rng.normal(size=2)
>>> report = check_op(affine_forward, affine_backward, (x, W, b), names=("x", "W", "b"))
>>> report.passed
True
>>> bad = lambda dy, cache: (affine_backward(dy, cache)[0], None, dy.sum(0))
>>> check_op(affine_forward, bad, (x, W, b), names=("x", "W", "b")).failed_inputs()
['W']
"""
from __future__ import annotations

import dataclasses
from typing import Callable, Sequence

import numpy as np

from .pytree import leaves, map_leaves
from .validate import MAX_ATOL, MAX_RTOL  # caps shared with the conformance kit

MODES = ("auto", "jacobian", "vjp", "blocks", "direction")
JACOBIAN_MAX_PRODUCT = 20_000
VJP_MAX_INPUT = 2_000
BLOCK_SIZE = 16          # entries per block in "blocks" mode (detection floor about sqrt(16) = 4)
EPS_MIN_ULPS = 1024      # eps at least this many ulps of the largest |x| of a differentiated input
EPS_MAX_SCALE = 1e-2     # eps at most this times max(largest |x|, 1)


class GradCheckError(AssertionError):
    """Raised by :meth:`GradCheckReport.raise_if_failed`; the message is the full report."""


@dataclasses.dataclass(frozen=True)
class Entry:
    """One compared value: where it is, and the analytic and numeric numbers."""

    index: tuple | str
    analytic: float
    numeric: float
    output: str | None = None  # which output entry (jacobian mode only)
    block: tuple | None = None  # blocks mode: (entries, sum |a_k|, sum a_k^2) of the block's own entries

    def tolerance(self, atol: float, rtol: float) -> float:
        """``atol + rtol max(|a|, |n|)``; for a block, the quadrature sum of its entries' own
        tolerances, sqrt(sum_k (atol + rtol |a_k|)^2) (random signs add errors in quadrature)."""
        if self.block is None:
            return atol + rtol * max(abs(self.analytic), abs(self.numeric))
        m, l1, l2 = self.block
        return float(np.sqrt(m * atol ** 2 + 2 * atol * rtol * l1 + rtol ** 2 * l2))

    @property
    def abs_error(self) -> float:
        return abs(self.analytic - self.numeric)

    def rel_error(self, floor: float) -> float:
        """|a - n| / max(|a|, |n|, floor) (0 when both are exactly 0, inf for NaN)."""
        scale = max(abs(self.analytic), abs(self.numeric), floor)
        if not np.isfinite(self.abs_error):
            return float("inf")
        return self.abs_error / scale if scale > 0 else (0.0 if self.abs_error == 0 else float("inf"))


@dataclasses.dataclass(frozen=True)
class InputCheck:
    """The result for one differentiable input leaf."""

    name: str
    size: int
    worst: Entry | None
    ratio: float  # worst |a - n| / (atol + rtol * max(|a|, |n|)); <= 1 passes
    problem: str | None = None  # a structural failure (missing/mis-shaped/non-finite gradient)

    @property
    def passed(self) -> bool:
        return self.problem is None and self.ratio <= 1.0


@dataclasses.dataclass(frozen=True)
class GradCheckReport:
    """Outcome of a gradient check. ``str(report)`` is a readable table."""

    mode: str
    eps: float
    atol: float
    rtol: float
    inputs: tuple[InputCheck, ...]
    mutated: tuple[str, ...] = ()
    nondeterministic: tuple[str, ...] = ()
    not_differentiated: tuple[str, ...] = ()   # integer/boolean inputs, passed through as they are

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.inputs) and not self.mutated and not self.nondeterministic

    def failed_inputs(self) -> list[str]:
        """Names of the inputs whose gradient failed."""
        return [c.name for c in self.inputs if not c.passed]

    @property
    def worst_rel_error(self) -> float:
        """Largest relative error over all checked entries (floor atol/rtol; inf on problems)."""
        worst = 0.0
        for c in self.inputs:
            if c.problem is not None:
                return float("inf")
            if c.worst is not None:
                worst = max(worst, c.worst.rel_error(self.atol / self.rtol if self.rtol else self.atol))
        return worst

    def raise_if_failed(self) -> None:
        if not self.passed:
            raise GradCheckError("\n" + str(self))

    def __str__(self) -> str:
        floor = self.atol / self.rtol if self.rtol else self.atol
        head = (f"gradient check (mode={self.mode}, eps={self.eps:g}, atol={self.atol:g}, "
                f"rtol={self.rtol:g}): {'passed' if self.passed else 'FAILED'}")
        rows = [head, f"  {'input':<18} {'entries':>8} {'worst |a-n|':>12} {'rel error':>10}  verdict"]
        for c in self.inputs:
            if c.problem is not None:
                rows.append(f"  {c.name:<18} {c.size:>8} {'-':>12} {'-':>10}  FAIL: {c.problem}")
                continue
            w = c.worst
            verdict = "ok" if c.passed else "FAIL"
            if w is not None and not c.passed:
                where = f" at {w.index}" + (f" (output {w.output})" if w.output else "")
                verdict += f"{where}: analytic {w.analytic:.6g}, numeric {w.numeric:.6g}"
            abs_e = f"{w.abs_error:12.3e}" if w else f"{'-':>12}"
            rel_e = f"{w.rel_error(floor):10.3e}" if w else f"{'-':>10}"
            rows.append(f"  {c.name:<18} {c.size:>8} {abs_e} {rel_e}  {verdict}")
        if self.mutated:
            rows.append("  modified in place by the function: " + ", ".join(self.mutated))
        if self.nondeterministic:
            rows.append("  not deterministic (two calls on the same inputs differ): "
                        + ", ".join(self.nondeterministic))
        if self.not_differentiated:
            rows.append("  not differentiated (integer or boolean): " + ", ".join(self.not_differentiated))
        return "\n".join(rows)


# --- helpers -----------------------------------------------------------------------------

def _is_float(a: np.ndarray) -> bool:
    return np.issubdtype(a.dtype, np.floating)


def _as_tuple(grads, n_inputs: int):
    if n_inputs == 1 and not isinstance(grads, (tuple, list)):
        return (grads,)
    return tuple(grads)


def _same(a, b) -> bool:
    la, lb = leaves(a), leaves(b)
    return len(la) == len(lb) and all(
        pa == pb and x.shape == y.shape and np.array_equal(x, y, equal_nan=_is_float(x))
        for (pa, x), (pb, y) in zip(la, lb))


def _real(name: str, value, *, low: float, high: float = np.inf, low_open: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name}: expected a real number, got {type(value).__name__} {value!r}")
    v = float(value)
    if not (np.isfinite(v) and (v > low if low_open else v >= low) and v <= high):
        bounds = f"{'>' if low_open else '>='} {low:g}" + (f" and <= {high:g}" if np.isfinite(high) else "")
        raise ValueError(f"{name}: expected a finite number {bounds}, got {value!r}")
    return v




def _check_settings(fn, vjp, inputs, atol, rtol, eps, n_directions, block_size=BLOCK_SIZE) -> None:
    """Refuse settings under which a check could pass without comparing anything real."""
    if not callable(fn):
        raise TypeError(f"fn: expected a callable fn(*inputs), got {type(fn).__name__}")
    if vjp is not None and not callable(vjp):
        raise TypeError(f"vjp: expected a callable vjp(cotangent, *inputs), got {type(vjp).__name__}")
    if not isinstance(inputs, (tuple, list)):
        raise TypeError(f"inputs: expected a tuple of inputs (e.g. (x,) for a single array), "
                        f"got {type(inputs).__name__}")
    if not inputs:
        raise ValueError("inputs: expected at least one input, got an empty sequence")
    _real("atol", atol, low=0.0, high=MAX_ATOL)
    _real("rtol", rtol, low=0.0, high=MAX_RTOL)
    _real("eps", eps, low=0.0, low_open=True)
    if isinstance(n_directions, bool) or not isinstance(n_directions, (int, np.integer)) or n_directions < 1:
        raise ValueError(f"n_directions: expected an integer >= 1, got {n_directions!r}")
    if isinstance(block_size, bool) or not isinstance(block_size, (int, np.integer)) or block_size < 1:
        raise ValueError(f"block_size: expected an integer >= 1, got {block_size!r}")


class _Problem:
    """The function under test, its float64 inputs, and the scalar objective <g, f(x)>."""

    def __init__(self, fn, vjp, inputs, names, wrt):
        self.fn, self.vjp = fn, vjp
        self.names = tuple(names) if names is not None else tuple(f"arg{i}" for i in range(len(inputs)))
        if len(self.names) != len(inputs):
            raise ValueError(f"names: expected {len(inputs)} names (one per input), got {len(self.names)}")
        if not all(isinstance(n, str) and n for n in self.names):
            raise TypeError(f"names: expected non-empty strings, got {self.names!r}")
        dup = next((n for n in self.names if self.names.count(n) > 1), None)
        if dup is not None:
            raise ValueError(f"names: {dup!r} names two inputs; each input needs its own name")
        inputs = tuple(self._scalar(k, x) for k, x in enumerate(inputs))
        for k, x in enumerate(inputs):
            for path, a in leaves(x, f"inputs[{k}]"):
                if np.iscomplexobj(a):
                    raise TypeError(f"{path}: complex inputs are not supported (dtype {a.dtype}); "
                                    "check the real and imaginary parts as separate real inputs")
                if a.dtype.kind not in "fiub":
                    raise TypeError(f"{path}: expected a numeric array, got dtype {a.dtype}")
        self.original = tuple(inputs)
        self.inputs = tuple(
            map_leaves(lambda _, a: a.astype(np.float64) if _is_float(a) else a.copy(), x) for x in inputs)
        wrt_set = set(range(len(inputs))) if wrt is None else {self._index(w) for w in wrt}
        self.diff = [(path, arr) for k, x in enumerate(self.inputs) if k in wrt_set
                     for path, arr in leaves(x, self.names[k]) if _is_float(arr)]
        self.passed_through = tuple(f"{path} ({arr.dtype})" for k, x in enumerate(self.inputs)
                                    for path, arr in leaves(x, self.names[k]) if not _is_float(arr))
        if wrt is not None:
            for k in sorted(wrt_set):
                if not any(_is_float(a) for _, a in leaves(self.inputs[k])):
                    raise ValueError(f"wrt: {self.names[k]!r} has no float entries to differentiate (integer or "
                                     "boolean inputs are passed through; convert it with .astype(float) to check it)")
        for path, arr in self.diff:
            if arr.size == 0:
                raise ValueError(f"{path}: has zero size {arr.shape}; a gradient check needs entries to compare")

    def _scalar(self, k, x):
        """A Python float input becomes a 0-d float64 array; a Python int or bool is refused."""
        if isinstance(x, (bool, int)) and not isinstance(x, np.generic):
            raise TypeError(f"inputs[{k}] ({self.names[k]!r}): a Python {type(x).__name__} is not differentiated and "
                            "not an array; pass np.asarray(v) for an integer input, float(v) to differentiate it")
        if isinstance(x, float):
            return np.asarray(x, dtype=np.float64)
        return x

    def check_eps(self, eps: float) -> None:
        """``eps`` must move every differentiated input by a resolvable amount, and not by much."""
        for path, arr in self.diff:
            finite = np.abs(arr[np.isfinite(arr)])
            scale = float(finite.max()) if finite.size else 0.0
            low, high = EPS_MIN_ULPS * float(np.spacing(scale)), EPS_MAX_SCALE * max(scale, 1.0)
            if not low <= eps <= high:
                raise ValueError(f"eps: {eps:g} is {'below the resolution' if eps < low else 'too large for the scale'} "
                                 f"of input {path!r} (largest |x| {scale:.3g}; expected {low:.3g} <= eps <= {high:.3g}, "
                                 f"e.g. 1e-6 times the inputs' scale)")
    def _index(self, w) -> int:
        if isinstance(w, str):
            if w not in self.names:
                raise ValueError(f"wrt: expected input names from {self.names}, got {w!r}")
            return self.names.index(w)
        if not 0 <= int(w) < len(self.names):
            raise ValueError(f"wrt: expected input indices in [0, {len(self.names) - 1}], got {w}")
        return int(w)

    def outputs(self):
        return self.fn(*self.inputs)

    def objective(self, cot) -> float:
        g = dict(leaves(cot))
        return float(sum(np.sum(g[p] * o) for p, o in leaves(self.outputs()) if p in g))

    def cotangent(self, out, make):
        return map_leaves(lambda p, o: make(p, o) if _is_float(o) else None, out)

    def grads(self, cot) -> dict[str, np.ndarray | None]:
        got = _as_tuple(self.vjp(cot, *self.inputs), len(self.inputs))
        if len(got) != len(self.inputs):
            raise ValueError(f"backward returned {len(got)} gradients for {len(self.inputs)} inputs")
        found: dict[str, np.ndarray | None] = {}
        for k, g in enumerate(got):
            if g is None:
                continue
            for path, arr in leaves(g, self.names[k]):
                found[path] = arr
        return found


def _structural_problem(grad, arr) -> str | None:
    if grad is None:
        return "backward returned no gradient"
    grad = np.asarray(grad)
    if grad.shape != arr.shape:
        return f"gradient shape {grad.shape} != input shape {arr.shape}"
    if not np.all(np.isfinite(grad)):
        return "gradient has NaN/inf"
    return None


def _worst(entries: list[Entry], atol: float, rtol: float) -> tuple[Entry | None, float]:
    best, ratio = None, -1.0
    for e in entries:
        tol = e.tolerance(atol, rtol)
        r = e.abs_error / tol if tol > 0 else (0.0 if e.abs_error == 0 else np.inf)
        if not np.isfinite(r):
            r = np.inf
        if r > ratio:
            best, ratio = e, r
    return best, max(ratio, 0.0)


def _central(problem: _Problem, arr: np.ndarray, idx, cot, eps: float) -> float:
    """(<g, f(x + eps e_idx)> - <g, f(x - eps e_idx)>) / (2 eps), restoring x exactly."""
    old = arr[idx]
    arr[idx] = old + eps
    plus = problem.objective(cot)
    arr[idx] = old - eps
    minus = problem.objective(cot)
    arr[idx] = old
    return (plus - minus) / (2 * eps)


# --- public API --------------------------------------------------------------------------

def numerical_vjp(fn: Callable, inputs: Sequence, cotangent, *, eps: float = 1e-6) -> list[np.ndarray]:
    """Central-difference gradient of ``<cotangent, fn(*inputs)>`` in float64.

    Parameters
    ----------
    fn : callable ``fn(*inputs) -> outputs`` (array or nested structure of arrays)
    inputs : sequence of arrays or nested structures; float leaves are differentiated
    cotangent : same structure as the outputs (None for non-float outputs)
    eps : step

    Returns
    -------
    list of float64 arrays, one per float leaf of ``inputs`` in :func:`leaves` order.
    """
    _check_settings(fn, None, inputs, 0.0, 0.0, eps, 1)
    problem = _Problem(fn, None, inputs, None, None)
    problem.check_eps(eps)
    grads = []
    for _, arr in problem.diff:
        g = np.empty(arr.shape)
        for idx in np.ndindex(arr.shape):
            g[idx] = _central(problem, arr, idx, cotangent, eps)
        grads.append(g)
    return grads


def check_vjp(fn: Callable, vjp: Callable, inputs: Sequence, *, names: Sequence[str] | None = None,
              wrt: Sequence[int | str] | None = None, mode: str = "auto", atol: float = 1e-6,
              rtol: float = 1e-5, eps: float = 1e-6, seed: int = 0, n_directions: int = 4,
              block_size: int = BLOCK_SIZE) -> GradCheckReport:
    """Check ``vjp`` against central differences of ``fn``.

    Parameters
    ----------
    fn : callable ``fn(*inputs) -> outputs``
    vjp : callable ``vjp(cotangent, *inputs) -> grads``, one gradient per input (a bare value
        when there is one input); the gradient of a dataclass/tuple input has the same
        structure; ``None`` means "no gradient" and fails for a checked input.
    inputs : sequence of arrays or nested structures of arrays
    names : names of the inputs for the report (default ``arg0``, ``arg1``, ...)
    wrt : which inputs to differentiate, by index or name (default all float leaves)
    mode : "auto", "jacobian", "vjp", "blocks" or "direction" (see the module docstring)
    atol, rtol : per-entry tolerance ``|a - n| <= atol + rtol * max(|a|, |n|)``; finite,
        ``0 <= atol <= 0.1`` and ``0 <= rtol <= 0.1`` (looser ones would accept a gradient off
        by a large factor)
    eps : central-difference step (float64), resolvable at the inputs' scale (module docstring)
    seed : seeds the random cotangents and directions
    n_directions : directions per input in "direction" mode (>= 1)
    block_size : entries per block in "blocks" mode (>= 1; 1 is the per-entry check)

    Returns
    -------
    GradCheckReport

    Raises
    ------
    TypeError, ValueError
        for settings under which the check could not fail honestly: a bare array instead of a
        tuple of inputs, non-callable ``fn``/``vjp``, complex or non-numeric inputs, Python
        ints, a zero-size input to differentiate, duplicate names, negative, NaN or too loose
        tolerances, an ``eps`` the inputs cannot resolve, ``n_directions < 1``.
    """
    if mode not in MODES:
        raise ValueError(f"mode: expected one of {MODES}, got {mode!r}")
    if vjp is None:
        raise TypeError("vjp: expected a callable vjp(cotangent, *inputs), got None")
    _check_settings(fn, vjp, inputs, atol, rtol, eps, n_directions, block_size)
    problem = _Problem(fn, vjp, inputs, names, wrt)
    problem.check_eps(eps)
    rng = np.random.default_rng(seed)
    snapshot = tuple(map_leaves(lambda _, a: a.copy(), x) for x in problem.inputs)

    out = problem.outputs()
    cot = problem.cotangent(out, lambda _, o: rng.standard_normal(o.shape))
    cot_copy = map_leaves(lambda _, a: a.copy(), cot)
    grads = problem.grads(cot)

    mutated = [n for n, a, b in zip(problem.names, problem.inputs, snapshot) if not _same(a, b)]
    if not _same(cot, cot_copy):
        mutated.append("cotangent (by backward)")
    nondet = []
    if not _same(out, problem.outputs()):
        nondet.append("forward")
    if not _same(grads, problem.grads(cot)):
        nondet.append("backward")
    if mutated:  # carry on from pristine values so the numbers below still mean something
        for (_, a), (_, b) in zip(leaves(problem.inputs), leaves(snapshot)):
            a[...] = b

    n_in = sum(a.size for _, a in problem.diff)
    n_out = sum(o.size for _, o in leaves(out) if _is_float(o))
    if mode == "auto":
        mode = ("jacobian" if n_in * n_out <= JACOBIAN_MAX_PRODUCT
                else "vjp" if n_in <= VJP_MAX_INPUT else "blocks")

    rows = _jacobian_rows(problem, out) if mode == "jacobian" and problem.diff else None
    checks = []
    if n_out == 0 or not problem.diff:
        what = "the function has no float outputs" if n_out == 0 else "there are no float inputs to differentiate"
        checks.append(InputCheck("(nothing compared)", 0, None, np.inf, what))
    for p_out, o in leaves(out):
        if _is_float(o) and o.dtype.itemsize < 8:
            checks.append(InputCheck(f"output {p_out or 'out'}", o.size, None, np.inf,
                                     f"the forward returned {o.dtype} for float64 inputs; central differences "
                                     "need float64 outputs (compute in float64 to check the gradient)"))
    for path, arr in problem.diff:
        problem_text = _structural_problem(grads.get(path), arr)
        if problem_text is not None:
            checks.append(InputCheck(path, arr.size, None, np.inf, problem_text))
            continue
        if mode == "vjp":
            g = np.asarray(grads[path], dtype=np.float64)
            entries = [Entry(idx, float(g[idx]), _central(problem, arr, idx, cot, eps))
                       for idx in np.ndindex(arr.shape)]
        elif mode == "jacobian":
            entries = _jacobian_entries(problem, path, arr, rows, eps)
        elif mode == "blocks":
            entries = _block_entries(problem, path, arr, np.asarray(grads[path], dtype=np.float64), cot, eps, rng,
                                     int(block_size))
        else:
            entries = _direction_entries(problem, path, arr, out, eps, rng, n_directions)
        worst, ratio = _worst(entries, atol, rtol)
        checks.append(InputCheck(path, arr.size, worst, ratio))
    return GradCheckReport(mode, eps, atol, rtol, tuple(checks), tuple(mutated), tuple(nondet),
                           problem.passed_through)


def _jacobian_rows(problem: _Problem, out) -> list[tuple[str, tuple, dict]]:
    """Every row of the Jacobian, for all inputs at once: one backward call per output entry
    (a unit cotangent), each giving that row's gradient with respect to every input."""
    rows = []
    for p_out, o in leaves(out):
        if not _is_float(o):
            continue
        for k in np.ndindex(o.shape):
            cot = problem.cotangent(out, lambda p, oo, k=k, hot=p_out: _unit(oo.shape, k) if p == hot else np.zeros(oo.shape))
            rows.append((p_out, k, problem.grads(cot)))
    return rows


def _jacobian_entries(problem: _Problem, path: str, arr: np.ndarray, rows, eps: float) -> list[Entry]:
    """J[k, j] from the backward's rows (:func:`_jacobian_rows`) and central differences (columns)."""
    labels = [(p_out, k) for p_out, k, _ in rows]
    mine = [np.asarray(grads[path], dtype=np.float64) for _, _, grads in rows]   # this input's part of each row
    entries = []
    for idx in np.ndindex(arr.shape):
        old = arr[idx]
        arr[idx] = old + eps
        plus = [o.astype(np.float64) for _, o in leaves(problem.outputs()) if _is_float(o)]
        arr[idx] = old - eps
        minus = [o.astype(np.float64) for _, o in leaves(problem.outputs()) if _is_float(o)]
        arr[idx] = old
        column = np.concatenate([((a - b) / (2 * eps)).ravel() for a, b in zip(plus, minus)]) if plus else []
        for r, (row, (p_out, k)) in enumerate(zip(mine, labels)):
            entries.append(Entry(idx, float(row[idx]), float(column[r]), output=f"{p_out}{list(k)}"))
    return entries


def _unit(shape, k) -> np.ndarray:
    e = np.zeros(shape)
    e[k] = 1.0
    return e


def _block_entries(problem: _Problem, path: str, arr: np.ndarray, grad: np.ndarray, cot, eps: float,
                   rng: np.random.Generator, m: int) -> list[Entry]:
    """Every entry in one block of a random partition into blocks of ``m``: <grad, s> against the
    central difference along s (random signs on the block), two forwards per block."""
    entries = []
    order = rng.permutation(arr.size)
    for start in range(0, arr.size, m):
        block = np.sort(order[start:start + m])
        signs = rng.choice((-1.0, 1.0), block.size)
        analytic = float(np.dot(grad.ravel()[block], signs))
        at = np.unravel_index(block, arr.shape)     # arr is the checker's own float64 copy
        old = arr[at].copy()
        arr[at] = old + eps * signs
        plus = problem.objective(cot)
        arr[at] = old - eps * signs
        minus = problem.objective(cot)
        arr[at] = old
        where = [tuple(int(i) for i in np.unravel_index(j, arr.shape)) for j in block[:4]]
        label = f"block of {block.size} entries {where}{' ...' if block.size > 4 else ''}"
        own = grad.ravel()[block]
        entries.append(Entry(label if block.size > 1 else where[0], analytic, (plus - minus) / (2 * eps),
                             block=(block.size, float(np.abs(own).sum()), float(np.square(own).sum()))))
    return entries


def _direction_entries(problem: _Problem, path: str, arr: np.ndarray, out, eps: float,
                       rng: np.random.Generator, n: int) -> list[Entry]:
    """Dot-product test along n random directions of this one input."""
    entries = []
    original = arr.copy()
    for d in range(n):
        cot = problem.cotangent(out, lambda _, o: rng.standard_normal(o.shape))
        v = rng.standard_normal(arr.shape)
        analytic = float(np.sum(np.asarray(problem.grads(cot)[path], dtype=np.float64) * v))
        arr[...] = original + eps * v
        plus = problem.objective(cot)
        arr[...] = original - eps * v
        minus = problem.objective(cot)
        arr[...] = original
        entries.append(Entry(f"direction {d}", analytic, (plus - minus) / (2 * eps)))
    return entries


def check_op(forward: Callable, backward: Callable, inputs: Sequence, **kwargs) -> GradCheckReport:
    """:func:`check_vjp` for a refspace op pair ``forward(*inputs) -> (out, cache)`` and
    ``backward(grad_out, cache) -> grads``. Keyword arguments as for :func:`check_vjp`."""
    def fn(*args):
        return forward(*args)[0]

    def vjp(cot, *args):
        return backward(cot, forward(*args)[1])

    return check_vjp(fn, vjp, inputs, **kwargs)
