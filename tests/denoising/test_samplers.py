"""Langevin samplers: the exact ULA bias, the two step conventions as one chain, temperature,
sigma annealing recovering a 0.2 mode weight that plain Langevin cannot, the predictor-corrector
sampler in both orders, the MDSM schedule, and the final denoising step."""
import numpy as np
import pytest

from reference.denoising import samplers as S
from reference.denoising.exact import mixture

SEPARATED = mixture([0.2, 0.8], [[-4.0], [4.0]], [0.25, 0.25])


def _weight(x):
    return float((x[:, 0] < 0).mean())


def test_the_stationary_variance_has_the_exact_ula_bias():
    rng = np.random.default_rng(0)
    mu, s2, eta = 1.5, 1.0, 0.2
    x = S.langevin(lambda v: -(v - mu) / s2, np.zeros((100_000, 1)), n_steps=150, step=eta, rng=rng)
    assert abs(x.var() / S.ula_stationary_variance(s2, eta) - 1) < 0.01
    assert S.ula_stationary_variance(s2, eta) == pytest.approx(1.0526, abs=1e-4)
    assert abs(x.mean() - mu) < 0.01


def test_the_two_step_conventions_are_one_chain():
    score = lambda v: -v ** 3 + v                                              # noqa: E731
    x0 = np.random.default_rng(1).standard_normal((50, 2))
    a = S.langevin(score, x0, n_steps=30, step=0.1, rng=np.random.default_rng(2), convention="eta")
    b = S.langevin(score, x0, n_steps=30, step=S.eta_to_alpha(0.1), rng=np.random.default_rng(2), convention="alpha")
    np.testing.assert_array_equal(a, b)
    assert S.alpha_to_eta(S.eta_to_alpha(0.3)) == 0.3


def test_the_stationary_variance_in_the_alpha_convention():
    # alpha = eta / 2: the chain x + alpha s + sqrt(2 alpha) z simulated, and the closed form s2 / (1 - alpha / (2 s2))
    rng = np.random.default_rng(4)
    s2, alpha = 1.0, 0.1
    x = S.langevin(lambda v: -v / s2, np.zeros((100_000, 1)), n_steps=150, step=alpha, rng=rng, convention="alpha")
    v = S.ula_stationary_variance(s2, alpha, convention="alpha")
    assert v == pytest.approx(s2 / (1 - alpha / (2 * s2)), rel=1e-15) == S.ula_stationary_variance(s2, 2 * alpha)
    assert abs(x.var() / v - 1) < 0.015
    with pytest.raises(ValueError, match="alpha: the chain is stable for 0 < alpha < 2"):
        S.ula_stationary_variance(1.0, 2.5, convention="alpha")


def test_temperature_scales_the_variance():
    rng = np.random.default_rng(3)
    x = S.langevin(lambda v: -v, np.zeros((100_000, 1)), n_steps=150, step=0.1, rng=rng, temperature=2.5)
    assert abs(x.var() / S.ula_stationary_variance(1.0, 0.1, 2.5) - 1) < 0.015


def test_annealing_recovers_the_small_mode_where_plain_langevin_keeps_its_start():
    rng = np.random.default_rng(4)
    x0 = rng.uniform(-8, 8, (10_000, 1))
    plain = S.langevin(lambda v: SEPARATED.score(v, 0.01), x0, n_steps=500, step=0.01, rng=rng)
    sigmas = S.geometric_sigmas(10.0, 0.01, 10)
    annealed = S.annealed_langevin(lambda v, s: SEPARATED.score(v, s), x0, sigmas, n_steps=100, eps=2e-5, rng=rng)
    assert abs(_weight(plain) - 0.5) < 0.03                      # stuck with the initial split
    assert abs(_weight(annealed) - 0.2) < 0.05


@pytest.mark.parametrize("order", S.ORDERS)
def test_predictor_corrector_recovers_the_mode_weights(order):
    rng = np.random.default_rng(5)
    sigmas = S.geometric_sigmas(10.0, 0.01, 200)
    x0 = 10.0 * rng.standard_normal((10_000, 1))
    x = S.predictor_corrector(lambda v, s: SEPARATED.score(v, s), x0, sigmas, rng=rng, order=order)
    assert abs(_weight(x) - 0.2) < 0.03
    right = x[x[:, 0] > 0, 0]
    assert abs(right.mean() - 4.0) < 0.05 and abs(right.var() - 0.25) < 0.05


def test_the_mdsm_schedule():
    t = S.mdsm_temperatures()
    assert len(t) == 2700 and np.all(t[:500] == 100) and np.all(np.diff(t) <= 0)
    assert t[500] == 100 and t[2499] == pytest.approx(100 * np.exp(-1999 * np.log(100) / 2000))
    assert t[2500] == 1.0 and t[-1] == 0.0


def test_temperature_annealing_with_unit_temperatures_is_plain_langevin_and_cold_steps_climb():
    score = lambda v: -(v - 2.0)                                             # noqa: E731
    x0 = np.random.default_rng(6).standard_normal((100, 1))
    a = S.temperature_annealed_langevin(score, x0, np.ones(20), step=0.1, rng=np.random.default_rng(7))
    b = S.langevin(score, x0, n_steps=20, step=0.1, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)
    cold = S.temperature_annealed_langevin(score, x0, np.zeros(400), step=0.1, rng=np.random.default_rng(7))
    np.testing.assert_allclose(cold, 2.0, atol=1e-8)                       # T = 0: gradient ascent to the mode


def test_the_final_denoising_step_is_tweedie():
    score = lambda v, s: SEPARATED.score(v, s)                               # noqa: E731
    x0 = np.random.default_rng(8).uniform(-6, 6, (200, 1))
    sig = S.geometric_sigmas(2.0, 0.3, 3)
    noisy = S.annealed_langevin(score, x0, sig, n_steps=5, eps=1e-2, rng=np.random.default_rng(9))
    clean = S.annealed_langevin(score, x0, sig, n_steps=5, eps=1e-2, rng=np.random.default_rng(9), denoise=True)
    np.testing.assert_allclose(clean, SEPARATED.denoiser(noisy, 0.3), rtol=1e-12)


@pytest.mark.parametrize("bad, message", [
    (lambda: S.langevin(lambda v: v, np.zeros((2, 1)), n_steps=1, step=0.1, rng=np.random.default_rng(0),
                        convention="half"), "convention"),
    (lambda: S.langevin(lambda v: v, np.zeros((2, 1)), n_steps=1, step=0.0, rng=np.random.default_rng(0)), "step"),
    (lambda: S.ula_stationary_variance(1.0, 5.0), "stable for 0 < eta < 4"),
    (lambda: S.geometric_sigmas(0.1, 1.0, 5), "sigma_max > sigma_min"),
    (lambda: S.predictor_corrector(lambda v, s: v, np.zeros((2, 1)), [0.1, 1.0], rng=np.random.default_rng(0)),
     "strictly decreasing"),
    (lambda: S.langevin(lambda v: v, np.zeros((2, 1)), n_steps=1, step=0.1, rng="0"), "numpy.random.Generator"),
])
def test_bad_input_is_refused(bad, message):
    with pytest.raises((ValueError, TypeError), match=message):
        bad()
