"""From denoising autoencoders to generative models (kexue.fm/archives/7038): the claims, each
derived with sympy and checked numerically two ways (against ``reference.denoising`` and
against an independent computation: quadrature, Monte Carlo, a recursion).

Run ``python -m puzzles.denoising`` or ``refspace puzzle denoising``.

1. The optimal denoiser is the posterior mean: minimising ``∫ p(x) u(y - x) (r - x)^2 dx`` over
   r gives ``r = ∫ x p u / ∫ p u`` (the article's variational step, here with p a sum of point
   masses, so the integrals are sums).
2. Tweedie: ``r(y) = y + sigma^2 d/dy log p_sigma(y)``, for an undefined p by differentiating
   under the integral (``d/dy u(y - x) = -(y - x) u / sigma^2``), and for a Gaussian prior.
3. Gaussian convolution: N(mu, s^2) * N(0, sigma^2) = N(mu, s^2 + sigma^2).
4. The DDE energy: ``grad E + y = r`` forces ``E = sigma^2 log p_sigma + C``.
5. The frozen-E_q gradient: the score-function term ``E_q[d/dtheta log q_theta]`` vanishes, so
   the DDE surrogate's gradient is ``sigma^2`` times KL's, here ``(theta - mu) / (b + sigma^2)``
   for the means.
6. The unadjusted Langevin variance: ``v = (1 - a)^2 v + T eta``, a = eta / (2 s^2), gives
   ``v = T s^2 / (1 - eta / (4 s^2))``, T s^2 as eta -> 0.
7. Denoised samples are shrunk: ``Var r(y) = s^4 / (s^2 + sigma^2)`` for y ~ p_sigma, so
   ``p(x) = E_y[delta(x - r(y))]`` holds only as sigma -> 0.
8. Tempering: ``p^(1/T)`` of N(mu, s^2), normalised, is N(mu, T s^2).
9. The MDSM optimum: ``argmin_g E||g - noise / sigma0^2||^2 = -(sigma^2 / sigma0^2) grad log p_sigma``.
10. PMI thresholds of new-word discovery: the 2017 ratios 5, 25, 125 are ln 5 times 1, 2, 3;
    the 2019 thresholds 2, 4, 6 in natural log are the ratios e^2, e^4, e^6 (7.39, 54.6, 403),
    each stricter.
"""
from __future__ import annotations

import numpy as np
import sympy as sp
from scipy import integrate

from puzzles.identities import Exploration, format_report

x, y, r, mu, a, T, eta, theta = sp.symbols("x y r mu a T eta theta", real=True)
s, sigma, sigma0, b = sp.symbols("s sigma sigma0 b", positive=True)


def _normal(v, m, var):
    return sp.exp(-(v - m) ** 2 / (2 * var)) / sp.sqrt(2 * sp.pi * var)


def posterior_mean(rng=None) -> Exploration:
    from reference.denoising.exact import empirical, gaussian

    rng = np.random.default_rng(10) if rng is None else rng
    w = sp.symbols("w1:4", positive=True)
    at = sp.symbols("a1:4", real=True)
    u = [sp.exp(-(y - ai) ** 2 / (2 * sigma ** 2)) for ai in at]
    J = sum(wi * ui * (r - ai) ** 2 for wi, ui, ai in zip(w, u, at))
    (solution,) = sp.solve(sp.diff(J, r), r)
    expected = sum(wi * ui * ai for wi, ui, ai in zip(w, u, at)) / sum(wi * ui for wi, ui in zip(w, u))
    symbolic = {"dJ/dr = 0 at r = sum w u a / sum w u": sp.simplify(solution - expected) == 0,
                "d2J/dr2 = 2 sum w u > 0": sp.simplify(sp.diff(J, r, 2) - 2 * sum(wi * ui for wi, ui in zip(w, u))) == 0}
    pts, yv, sg = rng.standard_normal((3, 1)), np.array([[0.3]]), 0.6
    uu = np.exp(-(yv[0, 0] - pts[:, 0]) ** 2 / (2 * sg ** 2))
    g = gaussian([0.5], [[2.0]])

    def risk(rv):        # the objective for a N(0.5, 2) prior by quadrature, as a function of r
        f = lambda xv: np.exp(-(xv - 0.5) ** 2 / 4) * np.exp(-(0.3 - xv) ** 2 / (2 * sg ** 2)) * (rv - xv) ** 2
        return integrate.quad(f, -30, 30)[0]

    from scipy.optimize import minimize_scalar

    best = minimize_scalar(risk, bounds=(-5, 5), method="bounded", options={"xatol": 1e-10}).x
    numeric = {"empirical denoiser == the weighted mean of the points":
               bool(np.isclose(empirical(pts).denoiser(yv, sg)[0, 0], (uu * pts[:, 0]).sum() / uu.sum(), rtol=1e-12)),
               "quadrature minimiser of the risk == the Gaussian denoiser":
               bool(abs(best - g.denoiser(yv, sg)[0, 0]) < 1e-6)}
    return Exploration("posterior mean", "argmin_r E||r(x + eps) - x||^2 = E[x | y]", symbolic, numeric)


def tweedie(rng=None) -> Exploration:
    from reference.denoising.exact import mixture

    rng = np.random.default_rng(11) if rng is None else rng
    p = sp.Function("p")
    u = _normal(y - x, 0, sigma ** 2)
    I0, I1 = sp.Integral(p(x) * u, (x, -sp.oo, sp.oo)), sp.Integral(x * p(x) * u, (x, -sp.oo, sp.oo))
    under = sp.simplify(sp.diff(u, y) + (y - x) * u / sigma ** 2) == 0
    dI0 = (I1 - y * I0) / sigma ** 2             # d/dy I0 = ∫ p u (x - y) / sigma^2 dx, by linearity
    integrand = sp.simplify(sp.diff(p(x) * u, y) - p(x) * u * (x - y) / sigma ** 2) == 0
    prior = _normal(x, mu, s ** 2)
    p_hat = sp.simplify(sp.integrate(prior * u, (x, -sp.oo, sp.oo)))
    r_post = sp.simplify(sp.integrate(x * prior * u, (x, -sp.oo, sp.oo)) / p_hat)
    symbolic = {"d/dy u(y - x) = -(y - x) u / sigma^2": under and integrand,
                "y + sigma^2 (d/dy I0) / I0 == I1 / I0 (any p)": sp.simplify(y + sigma ** 2 * dI0 / I0 - I1 / I0) == 0,
                "Gaussian prior: E[x|y] == y + sigma^2 d/dy log p_sigma":
                sp.simplify(r_post - (y + sigma ** 2 * sp.diff(sp.log(p_hat), y))) == 0}
    m = mixture([0.3, 0.7], [[-1.0, 0.5], [1.5, -0.5]], [0.5, 0.8])
    yv, sg, h = rng.standard_normal((4, 2)), 0.7, 1e-5
    fd = np.stack([(m.log_density(yv + h * e, sg) - m.log_density(yv - h * e, sg)) / (2 * h) for e in np.eye(2)], 1)
    xs = m.sample(400_000, rng)
    logw = -((yv[:, None, :] - xs[None]) ** 2).sum(-1) / (2 * sg ** 2)
    w = np.exp(logw - logw.max(axis=1, keepdims=True))
    mc = (w @ xs) / w.sum(axis=1, keepdims=True)
    numeric = {"mixture r == y + sigma^2 (central differences of log p_sigma), 1e-8":
               bool(np.abs(m.denoiser(yv, sg) - (yv + sg ** 2 * fd)).max() < 1e-8),
               "mixture r == Monte-Carlo posterior mean over 4e5 prior draws, 2e-2":
               bool(np.abs(m.denoiser(yv, sg) - mc).max() < 2e-2)}
    return Exploration("Tweedie", "r(y) = y + sigma^2 grad log p_sigma(y)", symbolic, numeric)


def gaussian_convolution(rng=None) -> Exploration:
    rng = np.random.default_rng(12) if rng is None else rng
    conv = sp.integrate(_normal(x, mu, s ** 2) * _normal(y - x, 0, sigma ** 2), (x, -sp.oo, sp.oo))
    log_ratio = sp.expand_log(sp.log(conv / _normal(y, mu, s ** 2 + sigma ** 2)), force=True)
    symbolic = {"N(mu, s^2) * N(0, sigma^2) == N(mu, s^2 + sigma^2)": sp.simplify(log_ratio) == 0}
    f = lambda xv: np.exp(-(xv - 1) ** 2 / 2) / np.sqrt(2 * np.pi) * np.exp(-(0.2 - xv) ** 2 / 0.5) / np.sqrt(0.5 * np.pi)
    quad = integrate.quad(f, -20, 20)[0]
    draws = 1 + rng.standard_normal(200_000) + 0.5 * rng.standard_normal(200_000)
    numeric = {"quadrature at y = 0.2 (mu 1, s 1, sigma 0.5) == the closed form":
               bool(np.isclose(quad, np.exp(-0.8 ** 2 / 2.5) / np.sqrt(2.5 * np.pi), rtol=1e-10)),
               "Monte Carlo variance of x + eps == 1.25 (2%)": bool(abs(draws.var() / 1.25 - 1) < 0.02)}
    return Exploration("Gaussian convolution", "N(mu, s^2) * N(0, sigma^2) = N(mu, s^2 + sigma^2)", symbolic, numeric)


def dde_energy(rng=None) -> Exploration:
    from reference.denoising.exact import gaussian, mixture
    from reference.denoising.fit import Polynomial, fit_energy

    rng = np.random.default_rng(13) if rng is None else rng
    E, logp = sp.Function("E"), sp.Function("logp")
    # grad E + y = y + sigma^2 grad log p  =>  d/dy (E - sigma^2 log p) = 0  =>  E = sigma^2 log p + C
    F = sp.dsolve(sp.Eq(sp.diff(E(y), y), sigma ** 2 * sp.diff(logp(y), y)), E(y)).rhs
    symbolic = {"E' = sigma^2 (log p)' solves to E = sigma^2 log p + C1":
                sp.simplify(F - sigma ** 2 * logp(y)).free_symbols <= {sp.Symbol("C1")}}
    g = gaussian([1.0, -1.0], [[1.0, 0.4], [0.4, 0.6]])
    sg = 0.5
    xs = g.sample(100_000, rng)
    noise = sg * rng.standard_normal(xs.shape)
    fitted = fit_energy(Polynomial(2, 2), xs + noise, noise)
    yv = rng.standard_normal((6, 2))
    m, h = mixture([0.4, 0.6], [[0.0, 1.0], [2.0, 0.0]], [0.3, 0.5]), 1e-5
    fd = np.stack([(m.dde_energy(yv + h * e, sg) - m.dde_energy(yv - h * e, sg)) / (2 * h) for e in np.eye(2)], 1)
    numeric = {"fitted quadratic E - sigma^2 log p_sigma is constant (spread < 0.02)":
               bool(np.ptp(fitted(yv) - g.dde_energy(yv, sg)) < 0.02),
               "mixture: grad E_p (central differences) + y == r(y), 1e-8":
               bool(np.abs(fd + yv - m.denoiser(yv, sg)).max() < 1e-8)}
    return Exploration("DDE energy", "grad E + y = r  <=>  E = sigma^2 log p_sigma + C", symbolic, numeric)


def frozen_kl_gradient(rng=None) -> Exploration:
    from reference.denoising.dde import generator_gradient
    from reference.denoising.exact import gaussian

    rng = np.random.default_rng(14) if rng is None else rng
    vq, vp = a ** 2 + sigma ** 2, b + sigma ** 2
    q = _normal(x, theta, vq)
    moments = [sp.simplify(sp.integrate(q * x ** k, (x, -sp.oo, sp.oo))) for k in range(3)]

    def expect(poly):        # E_q of a polynomial in x, from q's moments
        return sum(cf * moments[k] for (k,), cf in sp.Poly(sp.expand(poly), x).terms())

    sf = expect(sp.expand_log(sp.diff(sp.log(q), theta), force=True))
    kl = expect(sp.expand_log(sp.log(q) - sp.log(_normal(x, mu, vp)), force=True))
    symbolic = {"E_q[d/dtheta log q_theta] == 0": sp.simplify(sf) == 0,
                "d KL / d theta == (theta - mu) / (b + sigma^2)":
                sp.simplify(sp.diff(kl, theta) - (theta - mu) / vp) == 0}
    th, m0, sq, sp_, sg = 0.8, -0.4, 0.7, 1.3, 0.5
    p_hat, q_hat = gaussian([m0], [[sp_]]), gaussian([th], [[sq]])
    n = 400_000
    yv = th + np.sqrt(sq) * rng.standard_normal((n, 1)) + sg * rng.standard_normal((n, 1))
    grads = generator_gradient(lambda v: sg ** 2 * q_hat.score(v, sg), lambda v: sg ** 2 * p_hat.score(v, sg), yv)
    est, se = grads.sum(), grads.std() * np.sqrt(n)
    exact = sg ** 2 * (th - m0) / (sp_ + sg ** 2)
    h = 1e-5
    kl1 = lambda t: 0.5 * (np.log((sp_ + sg ** 2) / (sq + sg ** 2)) + ((sq + sg ** 2) + (t - m0) ** 2) / (sp_ + sg ** 2) - 1)
    numeric = {"Monte-Carlo surrogate gradient with frozen E_q == sigma^2 dKL/dtheta (4 standard errors)":
               bool(abs(est - exact) < 4 * se),
               "central difference of the closed-form KL == (theta - mu) / (b + sigma^2)":
               bool(np.isclose((kl1(th + h) - kl1(th - h)) / (2 * h), (th - m0) / (sp_ + sg ** 2), rtol=1e-8))}
    return Exploration("frozen-E_q gradient", "grad_theta E[E_q - E_p] = sigma^2 grad_theta KL(q_sigma || p_sigma)",
                       symbolic, numeric)


def ula_variance(rng=None) -> Exploration:
    from reference.denoising.samplers import langevin, ula_stationary_variance

    rng = np.random.default_rng(15) if rng is None else rng
    v = sp.symbols("v", positive=True)
    aa = eta / (2 * s ** 2)
    (sol,) = sp.solve(sp.Eq(v, (1 - aa) ** 2 * v + T * eta), v)
    symbolic = {"v == T s^2 / (1 - eta / (4 s^2))": sp.simplify(sol - T * s ** 2 / (1 - eta / (4 * s ** 2))) == 0,
                "v -> T s^2 as eta -> 0": sp.limit(sol, eta, 0) == T * s ** 2}
    s2, et = 1.0, 0.2
    chains = langevin(lambda z: -z / s2, np.zeros((200_000, 1)), n_steps=150, step=et, rng=rng)
    vk = 0.0
    for _ in range(2000):
        vk = (1 - et / (2 * s2)) ** 2 * vk + et
    numeric = {"2e5 chains: variance / formula within 1%": bool(abs(chains.var() / ula_stationary_variance(s2, et) - 1)
                                                                < 0.01),
               "the variance recursion converges to the formula": bool(np.isclose(vk, ula_stationary_variance(s2, et),
                                                                                 rtol=1e-12))}
    return Exploration("ULA variance", "stationary variance T s^2 / (1 - eta / (4 s^2))", symbolic, numeric)


def shrinkage(rng=None) -> Exploration:
    from reference.denoising.exact import gaussian

    rng = np.random.default_rng(16) if rng is None else rng
    k = s ** 2 / (s ** 2 + sigma ** 2)                  # r(y) = mu + k (y - mu), y ~ N(mu, s^2 + sigma^2)
    symbolic = {"Var r(y) == s^4 / (s^2 + sigma^2)": sp.simplify(k ** 2 * (s ** 2 + sigma ** 2)
                                                                 - s ** 4 / (s ** 2 + sigma ** 2)) == 0,
                "and -> s^2 as sigma -> 0": sp.limit(s ** 4 / (s ** 2 + sigma ** 2), sigma, 0) == s ** 2}
    g, sg = gaussian([0.5], [[2.0]]), 0.8
    den = g.denoiser(g.sample(200_000, rng, sigma=sg), sg)
    numeric = {"Monte Carlo: Var r(y) == 4 / 2.64 (1.5%)": bool(abs(den.var() / (4 / 2.64) - 1) < 0.015),
               "total variance: s^2 - MMSE == s^4 / (s^2 + sigma^2)":
               bool(np.isclose(2.0 - g.mmse(sg)[0], 4 / 2.64, rtol=1e-12))}
    return Exploration("shrinkage", "denoised samples have variance s^4 / (s^2 + sigma^2) < s^2", symbolic, numeric)


def tempering(rng=None) -> Exploration:
    from reference.denoising.samplers import langevin, ula_stationary_variance

    rng = np.random.default_rng(17) if rng is None else rng
    pt = _normal(x, mu, s ** 2) ** (1 / T)
    Tp = sp.symbols("T", positive=True)
    pt = pt.subs(T, Tp)
    norm = sp.integrate(pt, (x, -sp.oo, sp.oo))
    symbolic = {"p^(1/T) / Z == N(mu, T s^2)": sp.simplify(pt / norm - _normal(x, mu, Tp * s ** 2)) == 0}
    Tv = 3.0
    f = lambda xv: np.exp(-(xv - 1) ** 2 / 2 / Tv)
    z = integrate.quad(f, -40, 40)[0]
    var = integrate.quad(lambda xv: (xv - 1) ** 2 * f(xv), -40, 40)[0] / z
    chains = langevin(lambda v: -v, np.zeros((100_000, 1)), n_steps=200, step=0.05, rng=rng, temperature=Tv)
    numeric = {"quadrature: the variance of p^(1/3) for N(1, 1) is 3": bool(np.isclose(var, 3.0, rtol=1e-9)),
               "Langevin at T = 3 (exact score): variance / (3 / (1 - eta / 4)) within 2%":
               bool(abs(chains.var() / ula_stationary_variance(1.0, 0.05, Tv) - 1) < 0.02)}
    return Exploration("tempering", "p^(1/T) of N(mu, s^2) is N(mu, T s^2)", symbolic, numeric)


def mdsm_optimum(rng=None) -> Exploration:
    from reference.denoising.exact import gaussian
    from reference.denoising.fit import Polynomial
    from reference.denoising.losses import mdsm_loss_backward, mdsm_loss_forward

    rng = np.random.default_rng(18) if rng is None else rng
    # E[noise | y] for a N(mu, s^2) prior: y - E[x|y] = sigma^2 (y - mu) / (s^2 + sigma^2)
    prior, u = _normal(x, mu, s ** 2), _normal(y - x, 0, sigma ** 2)
    e_noise = sp.simplify(sp.integrate((y - x) * prior * u, (x, -sp.oo, sp.oo))
                          / sp.integrate(prior * u, (x, -sp.oo, sp.oo)))
    score = -(y - mu) / (s ** 2 + sigma ** 2)
    symbolic = {"argmin_g E(g - noise/sigma0^2)^2 = E[noise|y]/sigma0^2 == -(sigma^2/sigma0^2) score":
                sp.simplify(e_noise / sigma0 ** 2 + sigma ** 2 / sigma0 ** 2 * score) == 0}
    g, sg, s0 = gaussian([0.3], [[1.5]]), 0.6, 0.1
    xs = g.sample(200_000, rng)
    noise = sg * rng.standard_normal(xs.shape)
    feats = Polynomial(1, 1)(xs + noise)
    coef = np.linalg.lstsq(feats, noise / s0 ** 2, rcond=None)[0]
    opt = -(sg ** 2 / s0 ** 2) * g.score(xs + noise, sg)
    _, cache = mdsm_loss_forward(opt, noise=noise, sigma=sg, sigma0=s0)
    grad = mdsm_loss_backward(1.0, cache)
    numeric = {"least squares on 2e5 draws: slope == (sigma^2 / sigma0^2) / (s^2 + sigma^2) (1%)":
               bool(abs(coef[1, 0] / (sg ** 2 / s0 ** 2 / (1.5 + sg ** 2)) - 1) < 0.01),
               "the loss gradient at the optimum averages to 0 (4 standard errors)":
               bool(abs(grad.sum()) < 4 * grad.std() * np.sqrt(len(grad)))}
    return Exploration("MDSM optimum", "grad E = -(sigma^2 / sigma0^2) grad log p_sigma", symbolic, numeric)


def pmi_thresholds(rng=None) -> Exploration:
    import mpmath

    symbolic = {"ln 25 == 2 ln 5 and ln 125 == 3 ln 5": sp.expand_log(sp.log(25)) == 2 * sp.log(5)
                and sp.expand_log(sp.log(125)) == 3 * sp.log(5),
                "e^2 > 5, e^4 > 25, e^6 > 125": all(bool(sp.exp(2 * k) > 5 ** k) for k in (1, 2, 3))}
    mp = [float(mpmath.e ** k) for k in (2, 4, 6)]
    numeric = {"e^2, e^4, e^6 == 7.39, 54.6, 403 (mpmath, 3 figures)":
               bool(np.allclose(mp, [7.389, 54.598, 403.429], rtol=1e-4)),
               "ln 5, ln 25, ln 125 == 1.609, 3.219, 4.828 (mpmath), each below 2, 4, 6":
               bool(np.allclose([float(mpmath.log(5 ** k)) for k in (1, 2, 3)], [1.6094, 3.2189, 4.8283], rtol=1e-4)
                    and all(float(mpmath.log(5 ** k)) < 2 * k for k in (1, 2, 3)))}
    return Exploration("PMI thresholds", "2017 ratios 5, 25, 125 vs 2019 ln thresholds 2, 4, 6", symbolic, numeric)


ALL = (posterior_mean, tweedie, gaussian_convolution, dde_energy, frozen_kl_gradient, ula_variance, shrinkage,
       tempering, mdsm_optimum, pmi_thresholds)


def run_all() -> list[Exploration]:
    return [fn() for fn in ALL]


if __name__ == "__main__":  # pragma: no cover
    import sys

    results = run_all()
    print(format_report(results))
    sys.exit(0 if all(r.holds for r in results) else 1)
