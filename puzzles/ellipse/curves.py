"""The article's closing generalisation: gluing two *different* planar curves.

Sheet 1 is bent with rulings parallel to y, sheet 2 with rulings parallel to z; both
quarter profiles must have the same length L. With h_1, h_2 the half-ruling lengths as
functions of arc length from each sheet's bending vertex, the seam is
``(x(s), h_1(s), h_2(L - s))`` and the sheets glue iff

    G(s) = 1 - h_1'(s)^2 - h_2'(L - s)^2 >= 0   for all s in [0, L].

Near a joint G(s) = (kappa_1^2 - kappa_2^2) s^2 + O(s^3) (see
:func:`puzzles.ellipse.symbolic.joint_curvatures`), where kappa_1 is the curvature where one
profile starts and kappa_2 where the other ends: a necessary condition at each of the two
joints. Here the curves are ellipse quarters ``(p, q)``: semi-axis p along the bending
axis, q across (p > q: bent along the major axis as in the article; p < q: along the minor
axis; p = q: a circle). Starting vertex curvature p/q^2, ending vertex q/p^2.

For two ellipses of equal perimeter P both bent along their major axes the joint conditions
always hold: a_1/b_1^2 >= 1/b_1 >= 2 pi / P >= 1/a_2 >= b_2/a_2^2 (an ellipse's minor
semi-axis is at most P / 2 pi, its major at least). :data:`EXAMPLES` computes G for pairs
that glue and one that does not (a circle and an ellipse bent along its minor axis).
"""
from __future__ import annotations

import numpy as np

from .numeric import EllipseMP, EllipseSciPy

EXAMPLES = (
    ("the article: ellipse 2:1 with itself", (2.0, 1.0), (2.0, 1.0)),
    ("ellipse 2:1 with a circle of the same perimeter", (2.0, 1.0), (1.0, 1.0)),
    ("ellipse 2:1 with an ellipse 5:1 of the same perimeter", (2.0, 1.0), (5.0, 1.0)),
    ("circle with an ellipse 2:1 bent along its minor axis", (1.0, 1.0), (1.0, 2.0)),
)


def scaled_to(p: float, q: float, L: float) -> tuple[float, float]:
    """(p, q) scaled so that the quarter length is L."""
    k = L / EllipseSciPy(p, q).l
    return p * k, q * k


def pair_condition(first, second, *, n: int = 4001, dps: int = 20) -> dict:
    """Gluing condition for sheet ``first`` = (p1, q1) and ``second`` = (p2, q2), the second
    scaled to the first's quarter length. Returns min G (SciPy grid, mpmath at the same s),
    the joint curvatures, and the verdicts."""
    e1 = EllipseSciPy(*first)
    p2, q2 = scaled_to(*second, e1.l)
    e2 = EllipseSciPy(p2, q2)
    L = e1.l
    s = np.linspace(0.0, L, n)
    G = 1.0 - e1.dh(s) ** 2 - e2.dh(L - s) ** 2
    k = int(np.argmin(G))
    m1, m2 = EllipseMP(*first, dps=dps), EllipseMP(p2, q2, dps=dps)
    g_mp = float(1 - m1.dh(s[k]) ** 2 - m2.dh(m2.l - s[k]) ** 2)
    p1, q1 = e1.a, e1.b
    joints = {"start_of_1": p1 / q1**2, "end_of_2": q2 / p2**2, "start_of_2": p2 / q2**2, "end_of_1": q1 / p1**2}
    local_ok = joints["start_of_1"] >= joints["end_of_2"] and joints["start_of_2"] >= joints["end_of_1"]
    tol = 1e-12
    return {"L": float(L), "second_scaled": (p2, q2), "min_G": float(G[k]), "at_s": float(s[k]), "min_G_mpmath": g_mp,
            "joint_curvatures": joints, "joints_ok": bool(local_ok), "glues": bool(G.min() >= -tol)}
