"""Symbolic facts behind the two-ellipse construction (sympy), each returned with its check.

1. Arc length as an incomplete elliptic integral of the second kind, parameter convention:
   s(t) = a [E(m) - E(pi/2 - t | m)], m = 1 - b^2/a^2 (derivative and value at 0 verified;
   numerically against direct quadrature in :func:`arc_length_numeric_check`).
2. h'(s) = b cos t / sqrt(a^2 sin^2 t + b^2 cos^2 t) and h'^2 + g'^2 = 1 (g = a cos t).
3. The article's lemma for a >= b, as three algebraic facts:
   (i)  (dx/dy)^2 at pi/2 - t minus (dy/dx)^2 at t equals cos^2 t (a^4 - b^4) / (a^2 b^2 sin^2 t) >= 0;
   (ii) ds/dt is non-decreasing on [0, pi/2]: d/dt (ds/dt) = (a^2 - b^2) sin t cos t / (ds/dt);
   (iii) (dx/dy)^2 = a^2 tan^2 t / b^2 is non-decreasing on [0, pi/2).
   With (ii) the arc over [0, t0] is no longer than the arc over [pi/2 - t0, pi/2], so the point
   at arc length l - s0 has parameter pi/2 - t1 with t1 <= t0; (iii) and (i) then give
   h'(l - s0)^2 <= g'(s0)^2, i.e. G(s0) = g'(s0)^2 - h'(l - s0)^2 >= 0: the sheets glue.
4. The gluing condition through the ellipse parameters (:func:`gluing_condition`):
   G = a^2 sin^2 t0 / v(t0)^2 - b^2 cos^2 t1 / v(t1)^2 with t0 = t(s), t1 = t(l - s).
5. Near a joint G(s) = (kappa_1^2 - kappa_2^2) s^2 + O(s^3): the curvature where one sheet's
   profile starts must be at least the curvature where the other's ends. For an ellipse
   bent along its major axis these are a/b^2 (major vertex) and b/a^2 (minor vertex).
"""
from __future__ import annotations

import mpmath as mp
import numpy as np
import sympy as sp
from scipy import integrate, special

a, b, c = sp.symbols("a b c", positive=True)
t = sp.symbols("t", real=True)
m = 1 - b**2 / a**2
speed = sp.sqrt(a**2 * sp.sin(t) ** 2 + b**2 * sp.cos(t) ** 2)     # ds/dt


def arc_length_formula():
    """Check that s(t) = a (E(m) - E(pi/2 - t | m)) has derivative ds/dt and s(0) = 0.

    Returns (expression, ok)."""
    s_expr = a * (sp.elliptic_e(m) - sp.elliptic_e(sp.pi / 2 - t, m))
    derivative = sp.diff(s_expr, t)
    # compare squares (both sides are non-negative): a^2 (1 - m cos^2 t) vs a^2 sin^2 t + b^2 cos^2 t
    ok_derivative = sp.simplify(sp.expand(derivative**2 - speed**2)) == 0
    ok_start = sp.simplify(s_expr.subs(t, 0)) == 0
    return s_expr, bool(ok_derivative and ok_start)


def arc_length_numeric_check(a_val=2.0, b_val=1.0, t_val=0.7) -> dict:
    """The formula evaluated three ways (sympy, mpmath, SciPy) against direct quadrature."""
    s_expr, _ = arc_length_formula()
    sympy_val = float(s_expr.subs({a: a_val, b: b_val, t: t_val}).evalf(30))
    mval = 1 - b_val**2 / a_val**2
    mp_val = float(a_val * (mp.ellipe(mval) - mp.ellipe(mp.pi / 2 - t_val, mval)))
    scipy_val = a_val * (special.ellipe(mval) - special.ellipeinc(np.pi / 2 - t_val, mval))
    direct = mp.quad(lambda u: mp.sqrt((a_val * mp.sin(u)) ** 2 + (b_val * mp.cos(u)) ** 2), [0, t_val])
    direct_scipy, _ = integrate.quad(lambda u: np.hypot(a_val * np.sin(u), b_val * np.cos(u)), 0, t_val,
                                     epsabs=1e-14, epsrel=1e-14)
    return {"sympy": sympy_val, "mpmath": mp_val, "scipy": float(scipy_val), "quadrature_mpmath": float(direct),
            "quadrature_scipy": direct_scipy}


def slope_forms():
    """h'(s) and g'(s) through t, and the check h'^2 + g'^2 = 1. Returns (dh, dg, ok)."""
    dh = sp.diff(b * sp.sin(t), t) / speed
    dg = sp.diff(a * sp.cos(t), t) / speed
    return dh, dg, sp.simplify(dh**2 + dg**2 - 1) == 0


def lemma_facts() -> dict[str, bool]:
    """The three algebraic facts of the lemma (module docstring), each checked by sympy.

    Signs use a = b + c with b > 0, c >= 0 (i.e. a >= b) and t in (0, pi/2)."""
    dy_dx_sq = (b * sp.cos(t)) ** 2 / (a * sp.sin(t)) ** 2                       # at t
    tau = sp.pi / 2 - t
    dx_dy_sq_mirror = (a * sp.sin(tau)) ** 2 / (b * sp.cos(tau)) ** 2            # at pi/2 - t
    target = sp.cos(t) ** 2 * (a**4 - b**4) / (a**2 * b**2 * sp.sin(t) ** 2)
    fact_i_identity = sp.simplify(dx_dy_sq_mirror - dy_dx_sq - target) == 0
    c0 = sp.symbols("c0", nonnegative=True)
    poly = sp.Poly(sp.expand((a**4 - b**4).subs(a, b + c0)), b, c0)
    fact_i_sign = all(coef >= 0 for coef in poly.coeffs())                      # a >= b => a^4 - b^4 >= 0

    dspeed = sp.diff(speed, t)
    fact_ii_identity = sp.simplify(dspeed - (a**2 - b**2) * sp.sin(t) * sp.cos(t) / speed) == 0
    fact_ii_sign = sp.Poly(sp.expand((a**2 - b**2).subs(a, b + c0)), b, c0).coeffs()
    fact_ii_sign = all(coef >= 0 for coef in fact_ii_sign)                       # sin, cos >= 0 on [0, pi/2]

    dx_dy_sq = (a * sp.sin(t)) ** 2 / (b * sp.cos(t)) ** 2
    fact_iii = sp.simplify(sp.diff(dx_dy_sq, t) - 2 * a**2 * sp.sin(t) / (b**2 * sp.cos(t) ** 3)) == 0
    return {"(i) mirror slope identity": bool(fact_i_identity), "(i) a^4 - b^4 >= 0 for a >= b": bool(fact_i_sign),
            "(ii) d(ds/dt)/dt = (a^2-b^2) sin t cos t / (ds/dt)": bool(fact_ii_identity),
            "(ii) a^2 - b^2 >= 0": bool(fact_ii_sign),
            "(iii) d/dt (dx/dy)^2 = 2 a^2 sin t / (b^2 cos^3 t) >= 0": bool(fact_iii)}


def joint_curvatures() -> dict:
    """Leading behaviour at the joints, from series in t:
    1 - h'(s)^2 = (a/b^2)^2 s^2 + O(s^4) at the major vertex (s = b t + O(t^3)), and
    h'(sigma)^2 = (b/a^2)^2 sigma^2 + O(sigma^4) at the minor vertex (sigma = a tau + O(tau^3)).
    Returns the two curvatures found and whether they match a/b^2 and b/a^2."""
    one_minus_dh_sq = sp.simplify(1 - (b * sp.cos(t) / speed) ** 2)
    s_series = sp.series(sp.integrate(speed.subs(t, 0), (t, 0, t)), t, 0, 2).removeO()   # s ~ b t
    lead = sp.limit(one_minus_dh_sq / s_series**2, t, 0)
    tau = sp.symbols("tau", positive=True)
    dh_minor = (b * sp.cos(sp.pi / 2 - tau) / speed.subs(t, sp.pi / 2 - tau)) ** 2
    lead_minor = sp.limit(dh_minor / (a * tau) ** 2, tau, 0)
    return {"kappa_major_vertex": sp.sqrt(lead), "kappa_minor_vertex": sp.sqrt(lead_minor),
            "ok": sp.simplify(sp.sqrt(lead) - a / b**2) == 0 and sp.simplify(sp.sqrt(lead_minor) - b / a**2) == 0}


def gluing_condition():
    """G in closed form through the two ellipse parameters, t0 = t(s) and t1 = t(l - s):

        G = 1 - h'(t0)^2 - h'(t1)^2 = a^2 sin^2 t0 / v(t0)^2 - b^2 cos^2 t1 / v(t1)^2,   v = ds/dt

    i.e. G = g'(s)^2 - h'(l - s)^2, the form the lemma bounds. Returns (G, ok)."""
    t0, t1 = sp.symbols("t0 t1", real=True)
    dh, dg, _ = slope_forms()
    G = 1 - dh.subs(t, t0) ** 2 - dh.subs(t, t1) ** 2
    closed = (a * sp.sin(t0)) ** 2 / speed.subs(t, t0) ** 2 - (b * sp.cos(t1)) ** 2 / speed.subs(t, t1) ** 2
    via_g = dg.subs(t, t0) ** 2 - dh.subs(t, t1) ** 2
    return closed, bool(sp.simplify(G - closed) == 0 and sp.simplify(G - via_g) == 0)
