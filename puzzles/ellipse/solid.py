"""The glued solid: its numbers (two ways) and the checks that make them trustworthy.

Geometry (first octant seam P(s) = (x(s), h(s), h(l - s)), s in [0, l]):
- the sheet with rulings parallel to y forms the top and bottom faces z = +-Z(x), |y| <= Y(x);
- the sheet with rulings parallel to z forms the sides y = +-Y(x), |z| <= Z(x);
- Y(x(s)) = h(s), Z(x(s)) = h(l - s); cross-sections are 2Y x 2Z rectangles; x in [0, X].
The first sheet's minor axis lies at x = X (Z = 0), the second's at x = 0 (Y = 0).

Checks (:func:`analyse`): each face unrolls isometrically onto the ellipse (its profile's arc
length from the minor axis equals the ellipse coordinate a cos t, its ruling half-length
b sin t); total area 2 pi a b; the seam is one closed curve of length 4 l; Y and Z are
concave (slopes dY/dx = h'(s)/sqrt(G), dZ/dx = -h'(l-s)/sqrt(G) non-increasing), so the
solid is convex; a = b gives X = V = 0 (two flat discs).
"""
from __future__ import annotations

import math

import mpmath as mp
import numpy as np
from scipy import integrate

from .numeric import EllipseMP, EllipseSciPy


def _quad(f, lo, hi):
    return integrate.quad(f, lo, hi, epsabs=1e-13, epsrel=1e-12, limit=200)[0]


def face_checks(e: EllipseSciPy, samples: int = 9) -> dict:
    """Isometry, area and seam-length checks (SciPy backend)."""
    l = e.l
    G = lambda s: max(float(e.gluing(s)), 0.0)
    top_speed = lambda s: math.sqrt(G(s) + float(e.dh(l - s)) ** 2)      # |d/ds (x, Z)|
    side_speed = lambda s: math.sqrt(G(s) + float(e.dh(s)) ** 2)         # |d/ds (x, Y)|
    iso = 0.0
    for s in np.linspace(0, l, samples):
        unrolled = _quad(top_speed, s, l)                                 # profile length to the minor axis
        iso = max(iso, abs(unrolled - e.a * math.cos(float(e.t_of_s(s)))))
    area = 2 * _quad(lambda s: 2 * float(e.h(s)) * top_speed(s), 0, l) \
        + 2 * _quad(lambda s: 2 * float(e.h(l - s)) * side_speed(s), 0, l)
    _, x, y, z = e.seam(800)
    quarter = np.sum(np.sqrt(np.diff(x) ** 2 + np.diff(y) ** 2 + np.diff(z) ** 2))
    return {"isometry_max_error": iso, "area": area, "area_expected": 2 * math.pi * e.a * e.b,
            "seam_length": 4 * quarter, "seam_length_expected": 4 * l}


def convexity(e: EllipseSciPy, n: int = 2000) -> dict:
    """Concavity of Y and Z from their exact slopes on an interior grid."""
    s = np.linspace(0, e.l, n + 1)[1:-1]
    root = np.sqrt(np.maximum(e.gluing(s), 0.0))
    if root.max() < 1e-6:
        return {"convex": True, "degenerate": True, "max_slope_increase": 0.0}
    dY = e.dh(s) / root
    dZ = -e.dh(e.l - s) / root
    worst = float(max(np.max(np.diff(dY)), np.max(np.diff(dZ))))
    return {"convex": worst <= 1e-9, "degenerate": False, "max_slope_increase": worst}


def gluing_minimum(e: EllipseSciPy, m: EllipseMP | None = None, n: int = 4001) -> dict:
    """min over [0, l] of G (SciPy grid), its location, the interior minimum away from the ends,
    and the mpmath value at the same points."""
    s = np.linspace(0, e.l, n)
    G = e.gluing(s)
    k = int(np.argmin(G))
    inner = slice(n // 20, n - n // 20)
    k_in = int(np.argmin(G[inner])) + n // 20
    out = {"min": float(G[k]), "at_s": float(s[k]), "interior_min_5pct": float(G[k_in]), "interior_at_s": float(s[k_in])}
    if m is not None:
        out["min_mpmath"] = float(m.gluing(s[k]))
        out["interior_min_mpmath"] = float(m.gluing(s[k_in]))
    return out


def analyse(a, b, *, dps: int = 20, checks: bool = True) -> dict:
    """All numbers for one ellipse, each computed with SciPy (float64) and mpmath (``dps`` digits)."""
    e, m = EllipseSciPy(a, b), EllipseMP(a, b, dps=dps)
    out = {"a": e.a, "b": e.b,
           "l": {"scipy": float(e.l), "mpmath": mp.nstr(m.l, dps)},
           "X": {"scipy": e.length_X(), "mpmath": mp.nstr(m.length_X(), dps)},
           "V": {"scipy": e.volume(), "mpmath": mp.nstr(m.volume(), dps)},
           "gluing": gluing_minimum(e, m)}
    if checks:
        out["faces"] = face_checks(e)
        out["convexity"] = convexity(e)
    _refuse_unsound(out)
    return out


def _refuse_unsound(out: dict, rtol: float = 1e-6) -> None:
    """A non-finite number, or SciPy and mpmath disagreeing beyond ``rtol`` of the quantity's scale
    (a for lengths, a b^2 for the volume), is an error: never a report of a solid that was not computed."""
    a, b = out["a"], out["b"]
    for key, scale in (("l", a), ("X", a), ("V", a * b * b)):
        s, m = out[key]["scipy"], float(mp.mpf(out[key]["mpmath"]))
        if not (math.isfinite(s) and math.isfinite(m)) or abs(s - m) > rtol * max(abs(m), scale):
            raise ValueError(f"a={a:g}, b={b:g}: {key} is {s!r} (SciPy) and {m!r} (mpmath); outside what this "
                             "exploration computes soundly")
    faces = out.get("faces", {})
    numbers = [out["gluing"]["min"], *(v for v in faces.values() if isinstance(v, float))]
    if not all(math.isfinite(v) for v in numbers) or (
            faces and abs(faces["area"] - faces["area_expected"]) > rtol * faces["area_expected"]):
        raise ValueError(f"a={a:g}, b={b:g}: a check came out NaN, infinite or off (area {faces.get('area')!r} "
                         f"for 2 pi a b = {faces.get('area_expected')!r}); outside what this exploration computes "
                         "soundly")


def table(ratios=(1.0, 1.25, 1.5, 2.0, 3.0, 5.0), *, dps: int = 15) -> list[dict]:
    """Numbers for b = 1 and a = ratio (l, X, V two ways, min G)."""
    rows = []
    for r in ratios:
        e, m = EllipseSciPy(r, 1.0), EllipseMP(r, 1.0, dps=dps)
        rows.append({"a/b": r, "l": float(e.l), "l_mp": float(m.l), "X": e.length_X(), "X_mp": float(m.length_X()),
                     "V": e.volume(), "V_mp": float(m.volume()), "min_G": gluing_minimum(e)["min"]})
    return rows
