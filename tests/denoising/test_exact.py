"""The exact references: the smoothed density against SciPy's normal densities, Tweedie
against central differences of log p_sigma, the Jacobian against differences of r, the MMSE
against its definition, the limits, the KDE's convex combination, and both energy signs."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import logsumexp
from scipy.stats import multivariate_normal

from reference.denoising.exact import Mixture, empirical, gaussian, mixture


def random_mixture(seed, K, d):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((K, d, d))
    covs = A @ np.swapaxes(A, 1, 2) + 0.05 * np.eye(d)              # SPD via A A^T + eps I
    w = rng.uniform(0.2, 1.0, K)
    return Mixture(w / w.sum(), 2 * rng.standard_normal((K, d)), covs), rng


MIXTURES = st.fixed_dictionaries({"seed": st.integers(0, 2 ** 16), "K": st.integers(1, 4), "d": st.integers(1, 3),
                                  "sigma": st.floats(0.05, 3.0)})


def _fd(f, y, h):
    """Fourth-order central differences (error O(h^4)) along each axis of the rows of y."""
    d = y.shape[1]
    return np.stack([(8 * (f(y + h * e) - f(y - h * e)) - (f(y + 2 * h * e) - f(y - 2 * h * e))) / (12 * h)
                     for e in np.eye(d)], axis=-1)


@settings(max_examples=25, deadline=None)
@given(MIXTURES)
def test_log_density_is_the_mixture_of_scipy_normals(case):
    m, rng = random_mixture(case["seed"], case["K"], case["d"])
    y, s = rng.standard_normal((5, case["d"])) * 2, case["sigma"]
    terms = [np.log(w) + multivariate_normal(mu, S + s ** 2 * np.eye(case["d"])).logpdf(y).reshape(-1)
             for w, mu, S in zip(m.weights, m.means, m.covs)]
    np.testing.assert_allclose(m.log_density(y, s), logsumexp(terms, axis=0), rtol=1e-11, atol=1e-11)


@settings(max_examples=25, deadline=None)
@given(MIXTURES)
def test_tweedie_the_posterior_mean_is_y_plus_sigma2_times_the_score(case):
    m, rng = random_mixture(case["seed"], case["K"], case["d"])
    y, s = rng.standard_normal((6, case["d"])) * 2, case["sigma"]
    fd = _fd(lambda v: m.log_density(v, s), y, 1e-3 * s)
    np.testing.assert_allclose(m.denoiser(y, s), y + s ** 2 * fd, rtol=0, atol=1e-9 * max(1.0, np.abs(y).max()))
    np.testing.assert_allclose(m.score(y, s), fd, rtol=1e-6, atol=1e-6 / s)


@settings(max_examples=20, deadline=None)
@given(MIXTURES)
def test_the_jacobian_of_r_is_the_posterior_covariance_over_sigma2(case):
    m, rng = random_mixture(case["seed"], case["K"], case["d"])
    y, s = rng.standard_normal((4, case["d"])) * 2, case["sigma"]
    J = m.denoiser_jacobian(y, s)
    np.testing.assert_allclose(J, _fd(lambda v: m.denoiser(v, s), y, 1e-5 * s), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(J, np.swapaxes(J, 1, 2), atol=1e-12)
    assert np.linalg.eigvalsh(J).min() > -1e-10


def test_a_gaussian_matches_its_closed_forms():
    mu, S, s = np.array([1.0, -2.0]), np.array([[2.0, 0.5], [0.5, 1.0]]), 0.7
    g = gaussian(mu, S)
    y = np.random.default_rng(0).standard_normal((5, 2))
    T = S + s ** 2 * np.eye(2)
    np.testing.assert_allclose(g.denoiser(y, s), y - s ** 2 * (y - mu) @ np.linalg.inv(T), rtol=1e-12)
    np.testing.assert_allclose(g.denoiser_jacobian(y, s)[0], S @ np.linalg.inv(T), rtol=1e-12)
    assert g.mmse(s) == (pytest.approx(np.trace(s ** 2 * S @ np.linalg.inv(T)), rel=1e-12), 0.0)
    ebm = -0.5 * np.einsum("ni,ij,nj->n", y - mu, np.linalg.inv(T), y - mu)      # up to a constant
    assert np.ptp(g.dde_energy(y, s) - s ** 2 * ebm) < 1e-12
    assert np.ptp(g.ebm_energy(y, s) + ebm) < 1e-12
    w = np.linalg.eigvalsh(g.denoiser_jacobian(y, s)[0])
    assert np.all((w >= 0) & (w < 1))


def test_the_mmse_is_the_expected_squared_error_of_r():
    m, rng = random_mixture(3, 3, 2)
    s = 0.8
    value, se = m.mmse(s, rng=rng, n=40_000)
    x = m.sample(40_000, rng)
    y = x + s * rng.standard_normal(x.shape)
    err = ((m.denoiser(y, s) - x) ** 2).sum(axis=1)
    assert abs(value - err.mean()) < 4 * np.hypot(se, err.std() / np.sqrt(len(err)))
    g = gaussian([0.0, 1.0], [[1.0, 0.3], [0.3, 0.5]])
    twin = Mixture(np.array([0.5, 0.5]), np.repeat(g.means, 2, 0), np.repeat(g.covs, 2, 0))
    mc, se = twin.mmse(s, rng=rng, n=20_000)      # the Monte Carlo path on a Gaussian written twice
    assert abs(mc - g.mmse(s)[0]) < 4 * se + 1e-12


def test_limits_of_the_denoiser():
    m, rng = random_mixture(4, 2, 2)
    y = m.sample(5, rng)
    np.testing.assert_allclose(m.denoiser(y, 1e-4), y, atol=1e-6)                 # sigma -> 0: r(y) -> y
    mean = m.weights @ m.means
    np.testing.assert_allclose(m.denoiser(y, 1e4), np.broadcast_to(mean, y.shape), atol=1e-5)            # sigma -> inf: r -> E[x]


def test_the_empirical_denoiser_is_a_softmax_weighted_mean_of_the_points():
    rng = np.random.default_rng(5)
    pts, y, s = rng.standard_normal((50, 2)), rng.standard_normal((7, 2)) * 3, 0.4
    e = empirical(pts)
    logits = -((y[:, None] - pts[None]) ** 2).sum(-1) / (2 * s ** 2)
    w = np.exp(logits - logsumexp(logits, axis=1, keepdims=True))
    np.testing.assert_allclose(e.denoiser(y, s), w @ pts, rtol=1e-12)
    np.testing.assert_allclose(e.responsibilities(y, s).sum(axis=1), 1.0, rtol=1e-14)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    assert np.all((e.denoiser(y, s) >= lo) & (e.denoiser(y, s) <= hi))           # inside the hull's box
    kde = logsumexp(logits, axis=1) - np.log(50) - np.log(2 * np.pi * s ** 2)
    np.testing.assert_allclose(e.log_density(y, s), kde, rtol=1e-12)


def test_samples_have_the_mixture_moments():
    m, rng = random_mixture(6, 3, 2)
    x = m.sample(200_000, rng, sigma=0.5)
    mean = m.weights @ m.means
    cov = sum(w * (S + np.outer(mu - mean, mu - mean)) for w, mu, S in zip(m.weights, m.means, m.covs))
    np.testing.assert_allclose(x.mean(0), mean, atol=0.03)
    np.testing.assert_allclose(np.cov(x.T), cov + 0.25 * np.eye(2), rtol=0.03, atol=0.03)


def test_the_chunked_path_equals_one_pass(monkeypatch):
    from reference.denoising import exact

    m, rng = random_mixture(7, 3, 2)
    y = rng.standard_normal((40, 2))
    whole = m.posterior_cov(y, 0.5)
    monkeypatch.setattr(exact, "CHUNK", 7)
    np.testing.assert_array_equal(m.posterior_cov(y, 0.5), whole)


@pytest.mark.parametrize("bad, message", [
    (lambda: mixture([0.5, 0.6], [[0.0], [1.0]], [1.0, 1.0]), "summing to 1"),
    (lambda: mixture([1.0], [[0.0, 0.0]], [[[1.0, 2.0], [2.0, 1.0]]]), "positive semi-definite"),
    (lambda: mixture([1.0], [[0.0, 0.0]], [[[1.0, 0.5], [0.0, 1.0]]]), "symmetric"),
    (lambda: empirical([[0.0], [1.0]]).denoiser([[0.5]], 0.0), "singular"),
    (lambda: gaussian([0.0], [[1.0]]).score([[0.0, 1.0]], 1.0), "dimension 1"),
    (lambda: gaussian([0.0], [[1.0]]).denoiser_jacobian([[0.0]], 0.0), "sigma > 0"),
    (lambda: empirical(np.zeros((0, 2))), "at least one point"),
])
def test_bad_input_is_refused_with_the_reason(bad, message):
    with pytest.raises(ValueError, match=message):
        bad()
