"""The two-ellipse construction, computed two independent ways.

Notation (kexue.fm/archives/6818): the ellipse x = a cos t, y = b sin t is bent along the
axis of length 2a (the article takes a >= b: the major axis). Arc length from the vertex
(a, 0) is::

    s(t) = integral_0^t sqrt(a^2 sin^2 u + b^2 cos^2 u) du = a [E(m) - E(pi/2 - t | m)],  m = 1 - b^2/a^2

with E(phi | m) the incomplete elliptic integral of the second kind in the *parameter*
convention (m = k^2; SciPy ``ellipeinc(phi, m)``, mpmath ``ellipe(phi, m)``, sympy
``elliptic_e(phi, m)``). The quarter length is l = s(pi/2) = a E(m). Then

    h(s)  = b sin t(s)                                   (the article's y = h(s))
    h'(s) = b cos t / sqrt(a^2 sin^2 t + b^2 cos^2 t)    (closed form through t)
    G(s)  = 1 - h'(s)^2 - h'(l - s)^2                    (gluing condition: glues iff G >= 0)
    seam  = (x(s), h(s), h(l - s)),  x(s) = integral_0^s sqrt(G(u)) du,  X = x(l)
    V     = integral_0^l 4 h(s) h(l - s) sqrt(G(s)) ds   (volume: rectangles 2Y x 2Z)

G is symmetric under s -> l - s, so X and V are twice the integrals over [0, l/2].

:class:`EllipseSciPy` works in float64 (SciPy elliptic integrals, vectorised Newton for
t(s), adaptive ``quad``); :class:`EllipseMP` works at ``dps`` digits (mpmath elliptic
integrals, Newton, tanh-sinh ``quad``). They share no numerical code; the tests make them
agree. Any a, b > 0 are accepted (a < b means bending along the minor axis).
"""
from __future__ import annotations

import math
import warnings

import mpmath as mp
import numpy as np
from scipy import integrate, special


AXIS_RANGE = (1e-6, 1e6)     # SciPy's quadrature tolerances are absolute: far from scale 1 it loses digits
MAX_RATIO = 1e6              # beyond, the ellipse is a needle: l and X agree with a to every digit shown


def check_axes(a, b) -> tuple[float, float]:
    """Validate semi-axes: finite, in :data:`AXIS_RANGE`, ratio at most :data:`MAX_RATIO`.
    Returns them as floats; anything else is a ValueError/TypeError naming the axis."""
    values = []
    for name, v in (("a", a), ("b", b)):
        if isinstance(v, bool):
            raise TypeError(f"{name}: expected a number, got {v!r}")
        try:
            v = float(v)
        except (TypeError, ValueError):
            raise TypeError(f"{name}: expected a number, got {v!r}") from None
        if not math.isfinite(v) or v <= 0:
            raise ValueError(f"{name}: expected a finite positive semi-axis, got {v}")
        if not AXIS_RANGE[0] <= v <= AXIS_RANGE[1]:
            raise ValueError(f"{name}: expected a semi-axis in [{AXIS_RANGE[0]:g}, {AXIS_RANGE[1]:g}] (where both "
                             f"computations are sound in float64), got {v:g}")
        values.append(v)
    a, b = values
    if max(a, b) / min(a, b) > MAX_RATIO:
        raise ValueError(f"a, b: expected a ratio of the semi-axes at most {MAX_RATIO:g}, got {max(a, b) / min(a, b):g}")
    return a, b


class EllipseSciPy:
    """Float64 computation of the construction for semi-axes (a, b)."""

    def __init__(self, a, b):
        self.a, self.b = check_axes(a, b)
        self.m = 1.0 - (self.b / self.a) ** 2
        self.l = self.a * special.ellipe(self.m)

    def s_of_t(self, t):
        return self.a * (special.ellipe(self.m) - special.ellipeinc(np.pi / 2 - np.asarray(t), self.m))

    def speed(self, t):
        """ds/dt = sqrt(a^2 sin^2 t + b^2 cos^2 t)."""
        return np.sqrt((self.a * np.sin(t)) ** 2 + (self.b * np.cos(t)) ** 2)

    def t_of_s(self, s):
        """Inverse arc length by safeguarded Newton (s(t) is increasing, ds/dt in [min, max] of a, b)."""
        s = np.clip(np.asarray(s, dtype=float), 0.0, self.l)
        t = s / self.l * (np.pi / 2)
        for _ in range(50):
            step = (self.s_of_t(t) - s) / self.speed(t)
            t = np.clip(t - step, 0.0, np.pi / 2)
            if np.all(np.abs(step) < 1e-15):
                break
        return t

    def h(self, s):
        return self.b * np.sin(self.t_of_s(s))

    def dh(self, s):
        t = self.t_of_s(s)
        return self.b * np.cos(t) / self.speed(t)

    def gluing(self, s):
        """G(s) = 1 - h'(s)^2 - h'(l - s)^2."""
        s = np.asarray(s, dtype=float)
        return 1.0 - self.dh(s) ** 2 - self.dh(self.l - s) ** 2

    def _quad(self, f):
        with warnings.catch_warnings():  # for a = b, G is rounding noise around 0 (X ~ 1e-9, not 0)
            warnings.simplefilter("ignore", integrate.IntegrationWarning)
            val, _ = integrate.quad(f, 0.0, self.l / 2, epsabs=1e-14, epsrel=1e-13, limit=200)
        return 2.0 * val

    def length_X(self) -> float:
        return self._quad(lambda s: math.sqrt(max(float(self.gluing(s)), 0.0)))

    def volume(self) -> float:
        return self._quad(lambda s: 4 * float(self.h(s) * self.h(self.l - s))
                          * math.sqrt(max(float(self.gluing(s)), 0.0)))

    def seam(self, n: int = 400):
        """Seam samples s_i (n + 1, clustered at the ends), x(s_i), y = h(s_i), z = h(l - s_i).

        x is integrated panel by panel with 8-point Gauss-Legendre (sqrt(G) is smooth)."""
        u = np.linspace(0.0, 1.0, n + 1)
        s = self.l * (1 - np.cos(np.pi * u)) / 2
        nodes, weights = np.polynomial.legendre.leggauss(8)
        lo, hi = s[:-1], s[1:]
        pts = (lo[:, None] + hi[:, None]) / 2 + (hi - lo)[:, None] / 2 * nodes[None, :]
        vals = np.sqrt(np.maximum(self.gluing(pts), 0.0))
        x = np.concatenate([[0.0], np.cumsum((vals * weights).sum(1) * (hi - lo) / 2)])
        return s, x, self.h(s), self.h(self.l - s)


class EllipseMP:
    """The same construction with mpmath at ``dps`` significant digits."""

    def __init__(self, a, b, dps: int = 30):
        check_axes(a, b)
        self.dps = int(dps)
        with mp.workdps(self.dps):
            self.a, self.b = mp.mpf(a), mp.mpf(b)
            self.m = 1 - (self.b / self.a) ** 2
            self.E = mp.ellipe(self.m)
            self.l = self.a * self.E

    def s_of_t(self, t):
        return self.a * (self.E - mp.ellipe(mp.pi / 2 - t, self.m))

    def speed(self, t):
        return mp.sqrt((self.a * mp.sin(t)) ** 2 + (self.b * mp.cos(t)) ** 2)

    def t_of_s(self, s, guess=None):
        with mp.workdps(self.dps + 5):
            s = min(max(mp.mpf(s), mp.mpf(0)), self.l)
            t = s / self.l * mp.pi / 2 if guess is None else mp.mpf(guess)
            tol = mp.mpf(10) ** (-self.dps - 2)
            for _ in range(100):
                step = (self.s_of_t(t) - s) / self.speed(t)
                t = min(max(t - step, mp.mpf(0)), mp.pi / 2)
                if abs(step) < tol:
                    break
            return t

    def h(self, s):
        with mp.workdps(self.dps):
            return self.b * mp.sin(self.t_of_s(s))

    def dh(self, s):
        with mp.workdps(self.dps):
            t = self.t_of_s(s)
            return self.b * mp.cos(t) / self.speed(t)

    def gluing(self, s):
        with mp.workdps(self.dps):
            return 1 - self.dh(s) ** 2 - self.dh(self.l - s) ** 2

    def _dh_t(self, t):
        return self.b * mp.cos(t) / self.speed(t)

    def _over_t(self, f):
        """2 * integral over s in [0, l/2] of f(t0, t1) ds, written over t0 = t(s) (ds = speed dt0),
        with t1 = t(l - s) found by Newton from pi/2 - t0."""
        with mp.workdps(self.dps):
            t_half = self.t_of_s(self.l / 2)

            def integrand(t0):
                t1 = self.t_of_s(self.l - self.s_of_t(t0), guess=mp.pi / 2 - t0)
                return f(t0, t1) * self.speed(t0)

            return 2 * mp.quad(integrand, [0, t_half])

    def _sqrt_gluing(self, t0, t1):
        return mp.sqrt(max(1 - self._dh_t(t0) ** 2 - self._dh_t(t1) ** 2, 0))

    def length_X(self):
        return self._over_t(self._sqrt_gluing)

    def volume(self):
        return self._over_t(lambda t0, t1: 4 * self.b * mp.sin(t0) * self.b * mp.sin(t1) * self._sqrt_gluing(t0, t1))
