"""Comparing an implementation's arrays with the reference's: verdict, worst error, where.

Rules (each one closes a way a wrong port could pass):

- Every array the reference has is compared; an array the port returns that the op does not
  define is a failure (it is never ignored, and never changes another array's tolerance).
- Each array is compared at the tolerance of its own dtype (:data:`DTYPE_TOLERANCES`), unless
  ``rtol``/``atol`` are given; a ``floor`` (a golden file's own tolerance) raises the defaults.
  Tolerances are validated where they enter (:func:`checked_tolerances`): finite, >= 0, capped.
- NaN or infinity never passes by accident. A non-finite entry of the port's where the reference
  is finite fails; a non-finite entry of the reference's fails too ("not comparable"), unless
  the op documents it (``nonfinite``: the output names, e.g. masked_logsumexp's ``out`` is
  -inf for an empty row), in which case the port must have the same value at the same place.
  An entry passes when ``|g - r| <= atol + rtol |r|``; an error over a zero tolerance is an
  infinite ratio, never NaN.
"""
from __future__ import annotations

import dataclasses
import warnings

import numpy as np

from ..core.validate import MAX_ATOL, MAX_RTOL, tolerance

#: default (rtol, atol) by the dtype of each array the port returns: a correct port in that
#: precision passes (float32 rounding over a few dozen operations stays far below 1e-4);
#: other float types (longdouble) are compared as float64
DTYPE_TOLERANCES = {"float64": (1e-7, 1e-9), "float32": (1e-4, 1e-5), "float16": (1e-2, 1e-3)}


def checked_tolerances(rtol, atol, where: str = "") -> tuple[float | None, float | None]:
    """``(rtol, atol)`` validated (None stays None: the dtype default): finite, >= 0,
    ``rtol <= MAX_RTOL`` and ``atol <= MAX_ATOL``. ``where`` prefixes the names in messages
    (``"--impl: tolerances['softmax']."``)."""
    return (None if rtol is None else tolerance(f"{where}rtol", rtol, cap=MAX_RTOL),
            None if atol is None else tolerance(f"{where}atol", atol, cap=MAX_ATOL))


def dtype_tolerance(dtype) -> tuple[float, float]:
    """The default (rtol, atol) for an array of ``dtype``."""
    name = np.dtype(dtype).name
    return DTYPE_TOLERANCES.get(name, DTYPE_TOLERANCES["float64"])


def tolerance_for(got, *, rtol=None, atol=None, floor=("float64",)) -> tuple[float, float, str]:
    """Deprecated (one lowest precision for all arrays let an unrelated float16 output loosen
    every other); :func:`compare` now takes each array's own dtype. Kept for one release."""
    warnings.warn("tolerance_for is deprecated: compare() uses each array's own dtype (dtype_tolerance)",
                  DeprecationWarning, stacklevel=2)
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
    """``problems`` are structural (missing, extra, shape, dtype, NaN); ``worst`` is the entry with
    the largest error relative to the tolerance: (name, index, reference, got, abs error, rel error).
    ``tolerances`` maps each compared float array to its (rtol, atol, why)."""

    problems: tuple[str, ...]
    worst: tuple | None
    ratio: float
    exact: tuple[str, ...] = ()   # integer arrays (and documented non-finite entries), equal exactly
    tolerances: dict = dataclasses.field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return not self.problems and bool(self.ratio <= 1.0)

    def describe(self) -> str:
        if self.problems:
            return "; ".join(self.problems)
        if self.worst is None:
            return f"{', '.join(self.exact)} equal exactly" if self.exact else "nothing compared"
        name, idx, ref, got, abs_err, rel_err = self.worst
        return (f"worst {name}{list(idx)}: reference {ref:.10g}, got {got:.10g} "
                f"(abs {abs_err:.3g}, rel {rel_err:.3g})")

    def tolerance_text(self) -> str:
        """The tolerances used, one group per (rtol, atol, why): "rtol=0.0001, atol=1e-05 (float32 outputs)"."""
        if not self.tolerances:
            return "integer outputs, compared exactly" if self.exact else ""
        groups: dict = {}
        for name, key in self.tolerances.items():
            groups.setdefault(key, []).append(name)
        return "; ".join(f"rtol={r:g}, atol={a:g} ({why})" for (r, a, why) in groups)


def _index(flat_k, shape) -> tuple:
    return tuple(int(i) for i in np.unravel_index(int(flat_k), shape)) if shape else ()


def compare(reference: dict, got, *, rtol: float | None = None, atol: float | None = None,
            what: str = "output", nonfinite=(), floor=None, known=None) -> Comparison:
    """Entry-wise ``|g - r| <= atol + rtol |r|`` over every array the reference has.

    ``rtol``/``atol``: override the dtype defaults (validated, capped); ``floor``: (rtol, atol)
    below which a default never goes; ``nonfinite``: names whose documented non-finite entries
    must match exactly; ``known``: the names the port may return (default: the reference's),
    anything else is a failure. An empty reference fails: a comparison of nothing is not a pass."""
    rtol, atol = checked_tolerances(rtol, atol)
    if not isinstance(got, dict):
        return Comparison((f"expected a dict of {what} arrays, got {type(got).__name__}",), None, np.inf)
    if not reference:
        return Comparison((f"nothing compared: the reference has no {what} arrays",), None, np.inf)
    known = set(reference) if known is None else set(known) | set(reference)
    problems = [f"{what} {k!r} is not one this op defines (expected {sorted(reference)})"
                for k in got if k not in known]
    worst, ratio, exact, tolerances = None, 0.0, [], {}
    for name, ref in reference.items():
        ref = np.asarray(ref)
        if name not in got:
            problems.append(f"{what} {name!r} missing (got {sorted(got)})")
            continue
        try:
            g = np.asarray(got[name])
        except Exception as exc:   # a ragged list, an object that refuses conversion
            problems.append(f"{what} {name!r}: not an array ({type(exc).__name__})")
            continue
        if g.shape != ref.shape:
            problems.append(f"{what} {name!r}: shape {g.shape}, expected {ref.shape}")
            continue
        if ref.dtype.kind in "iub":
            if g.dtype.kind not in "iubf" or not np.array_equal(g, ref):
                bad = (np.argwhere(g != ref)[0] if g.dtype.kind in "iubf" else ())
                bad = tuple(int(i) for i in bad)
                problems.append(f"{what} {name!r}{list(bad)}: {g[bad] if g.dtype.kind in 'iubf' else g.dtype}, "
                                f"expected {ref[bad]} (integers, compared exactly)")
            else:
                exact.append(name)
            continue
        if not np.issubdtype(g.dtype, np.floating):
            problems.append(f"{what} {name!r}: dtype {g.dtype}, expected floating point")
            continue
        ref_ok, got_ok = np.isfinite(ref), np.isfinite(g)
        if not ref_ok.all():
            k = int(np.argmin(ref_ok.ravel()))
            where = f"{what} {name!r}{list(_index(k, ref.shape))}"
            if name not in nonfinite:
                problems.append(f"{where}: the expected value is {ref.ravel()[k]}, which this op does not define "
                                "(a corrupt or crafted expected array is not comparable)")
                continue
            same = (np.isnan(ref) & np.isnan(g)) | (ref == g)
            if not same[~ref_ok].all():
                k = int(np.flatnonzero(~ref_ok.ravel() & ~same.ravel())[0])
                problems.append(f"{what} {name!r}{list(_index(k, ref.shape))}: {g.ravel()[k]}, expected "
                                f"{ref.ravel()[k]} exactly (a value the reference documents)")
                continue
            exact.append(f"{name} (non-finite entries)")
        if not got_ok[ref_ok].all():
            k = int(np.flatnonzero(ref_ok.ravel() & ~got_ok.ravel())[0])
            n = int(np.count_nonzero(ref_ok & ~got_ok))
            problems.append(f"{what} {name!r}{list(_index(k, ref.shape))}: {g.ravel()[k]} where the reference is "
                            f"finite ({n} NaN/inf entr{'y' if n == 1 else 'ies'})")
            continue
        r, a = dtype_tolerance(g.dtype)
        if floor is not None:
            r, a = max(r, floor[0]), max(a, floor[1])
        why = f"{g.dtype.name} outputs" if rtol is None and atol is None else "given"
        r, a = (r if rtol is None else rtol), (a if atol is None else atol)
        tolerances[name] = (r, a, why)
        gf, rf = np.where(ref_ok, g.astype(np.float64), 0.0), np.where(ref_ok, ref, 0.0)
        err = np.abs(gf - rf)
        tol = a + r * np.abs(rf)
        with np.errstate(divide="ignore", invalid="ignore"):
            rat = np.where(err == 0, 0.0, np.divide(err, tol, out=np.full(err.shape, np.inf), where=tol > 0))
        if rat.size and float(rat.max()) >= ratio:
            k = _index(int(np.argmax(rat)), rat.shape)
            ratio = float(rat.max())
            rel = float(err[k] / max(abs(float(rf[k])), a / r if r else a, np.finfo(float).tiny))  # floored, as the tolerance
            worst = (name, k, float(rf[k]), float(gf[k]), float(err[k]), rel)
    return Comparison(tuple(problems), worst, ratio, tuple(exact), tolerances)
