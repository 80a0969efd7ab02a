"""Comparing an implementation's arrays with the reference's: verdict, worst error, where."""
from __future__ import annotations

import dataclasses

import numpy as np


#: default (rtol, atol) by the lowest floating precision among a port's outputs: a correct port in
#: that precision passes (float32 rounding over a few dozen operations stays far below 1e-4)
DTYPE_TOLERANCES = {"float64": (1e-7, 1e-9), "float32": (1e-4, 1e-5), "float16": (1e-2, 1e-3)}


def tolerance_for(got, *, rtol=None, atol=None, floor=("float64",)) -> tuple[float, float, str]:
    """(rtol, atol, why) to compare ``got`` (a dict of the port's arrays): the explicit ``rtol``/
    ``atol`` when given, else the default of the lowest floating precision in ``got``."""
    kinds = {np.asarray(v).dtype.name for v in (got.values() if isinstance(got, dict) else ())
             if np.issubdtype(np.asarray(v).dtype, np.floating)}
    name = next((d for d in ("float16", "float32", "float64") if d in kinds), None)
    r, a = DTYPE_TOLERANCES[name or floor[0]]
    r, a = (r if rtol is None else rtol), (a if atol is None else atol)
    why = ("given" if (rtol is not None or atol is not None) else f"{name} outputs" if name
           else "integer outputs, compared exactly")
    return r, a, why


@dataclasses.dataclass(frozen=True)
class Comparison:
    """``problems`` are structural (missing, shape, dtype, NaN); ``worst`` is the entry with the
    largest error relative to the tolerance: (name, index, reference, got, abs error, rel error)."""

    problems: tuple[str, ...]
    worst: tuple | None
    ratio: float
    exact: tuple[str, ...] = ()   # integer arrays, which must be (and were) equal exactly

    @property
    def passed(self) -> bool:
        return not self.problems and self.ratio <= 1.0

    def describe(self) -> str:
        if self.problems:
            return "; ".join(self.problems)
        if self.worst is None:
            return f"{', '.join(self.exact)} equal exactly (integers)" if self.exact else "nothing compared"
        name, idx, ref, got, abs_err, rel_err = self.worst
        return (f"worst {name}{list(idx)}: reference {ref:.10g}, got {got:.10g} "
                f"(abs {abs_err:.3g}, rel {rel_err:.3g})")


def compare(reference: dict, got, *, rtol: float, atol: float, what: str = "output") -> Comparison:
    """Entry-wise ``|g - r| <= atol + rtol |r|`` over every array the reference has (an empty
    reference fails: a comparison of nothing is not a pass)."""
    if not isinstance(got, dict):
        return Comparison((f"expected a dict of {what} arrays, got {type(got).__name__}",), None, np.inf)
    if not reference:
        return Comparison((f"nothing compared: the reference has no {what} arrays",), None, np.inf)
    problems, worst, ratio, exact = [], None, 0.0, []
    for name, ref in reference.items():
        ref = np.asarray(ref)
        if name not in got:
            problems.append(f"{what} {name!r} missing (got {sorted(got)})")
            continue
        g = np.asarray(got[name])
        if g.shape != ref.shape:
            problems.append(f"{what} {name!r}: shape {g.shape}, expected {ref.shape}")
            continue
        if np.issubdtype(ref.dtype, np.floating) and not np.issubdtype(g.dtype, np.floating):
            problems.append(f"{what} {name!r}: dtype {g.dtype}, expected floating point")
            continue
        if np.issubdtype(ref.dtype, np.integer):
            if not np.array_equal(g, ref):
                bad = tuple(int(i) for i in np.argwhere(g != ref)[0])
                problems.append(f"{what} {name!r}{list(bad)}: {g[bad]}, expected {ref[bad]}")
            else:
                exact.append(name)
            continue
        if not np.all(np.isfinite(g)):
            problems.append(f"{what} {name!r}: {int(np.size(g) - np.isfinite(g).sum())} NaN/inf entries")
            continue
        err = np.abs(g.astype(np.float64) - ref)
        r = err / (atol + rtol * np.abs(ref))
        if r.size and float(r.max()) >= ratio:
            k = np.unravel_index(int(np.argmax(r)), r.shape) if r.ndim else ()
            ratio = float(r.max())
            rel = float(err[k] / max(abs(float(ref[k])), atol / rtol if rtol else atol))   # floored, as the tolerance
            worst = (name, tuple(int(i) for i in k), float(ref[k]), float(g[k]), float(err[k]), rel)
    return Comparison(tuple(problems), worst, ratio, tuple(exact))
