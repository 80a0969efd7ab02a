"""Features and their Jacobians, the energy fit, the DDE generator gradient against the closed-form
Gaussian KL gradient (means and scales), the DDE loop on Gaussian data, and the MLP score."""
import math

import numpy as np
import pytest

from reference.denoising.dde import generator_gradient, train_dde
from reference.denoising.exact import gaussian, mixture
from reference.denoising.fit import Polynomial, RandomFourier, fit_energy, train_score_mlp
from reference.modules import Dense


@pytest.mark.parametrize("features", [Polynomial(3, 2), Polynomial(2, 3),
                                      RandomFourier(7, 2, scale=0.7, rng=np.random.default_rng(0))])
def test_feature_jacobians_equal_central_differences(features):
    y = np.random.default_rng(1).standard_normal((4, features.dim))
    h = 1e-6
    fd = np.stack([(features(y + h * e) - features(y - h * e)) / (2 * h) for e in np.eye(features.dim)], -1)
    np.testing.assert_allclose(features.jacobian(y), fd, rtol=1e-6, atol=1e-8)


def test_polynomial_features_are_every_monomial_once():
    p = Polynomial(3, 2)
    assert len(p.powers) == math.comb(2 + 3, 3) and len({tuple(r) for r in p.powers}) == len(p.powers)
    y = np.array([[2.0, 3.0]])
    assert sorted(p(y)[0].tolist()) == sorted(2.0 ** i * 3.0 ** j for i in range(4) for j in range(4) if i + j <= 3)


def test_an_energy_fitted_on_random_fourier_features_tracks_sigma2_log_p():
    rng = np.random.default_rng(2)
    m, s = mixture([0.3, 0.7], [[-1.5, 0.0], [1.0, 0.5]], [0.3, 0.4]), 0.5
    x = m.sample(40_000, rng)
    noise = s * rng.standard_normal(x.shape)
    E = fit_energy(RandomFourier(300, 2, scale=1.0, rng=rng), x + noise, noise)
    y = m.sample(500, rng, sigma=s)
    target = m.dde_energy(y, s)
    assert np.corrcoef(E(y), target)[0, 1] > 0.97
    with pytest.raises(ValueError, match="vector-valued"):
        type(E)(E.features, np.zeros((300, 2))).grad(y)


def test_the_frozen_eq_gradient_is_the_exact_kl_gradient_for_means_and_scales():
    """G(z) = theta + z L^T; E_q, E_p the exact sigma^2 log densities. The Monte-Carlo surrogate
    gradient equals sigma^2 times the closed-form gradient of KL(q_sigma || p_sigma)."""
    rng = np.random.default_rng(3)
    s, mu, Sp = 0.5, np.array([0.5, -1.0]), np.array([[1.0, 0.3], [0.3, 0.6]])
    G = Dense(2, 2, rng=rng)
    G.W.assign(np.array([[0.8, 0.1], [-0.2, 0.6]]))
    G.b.assign(np.array([1.0, 0.2]))
    L = G.W.value.T
    Sq = L @ L.T
    q, p = gaussian(G.b.value, Sq), gaussian(mu, Sp)
    N = 400_000
    z = rng.standard_normal((N, 2))
    x, vjp = G.forward(z)
    y = x + s * rng.standard_normal(x.shape)
    g = generator_gradient(lambda v: s ** 2 * q.score(v, s), lambda v: s ** 2 * p.score(v, s), y)
    G.zero_grad()
    vjp(g)
    Pp, Pq = np.linalg.inv(Sp + s ** 2 * np.eye(2)), np.linalg.inv(Sq + s ** 2 * np.eye(2))
    np.testing.assert_allclose(G.b.grad, s ** 2 * Pp @ (G.b.value - mu), atol=3e-3)
    # d KL / d L = (P_p - P_q) L, and W = L^T
    np.testing.assert_allclose(G.W.grad, s ** 2 * ((Pp - Pq) @ L).T, atol=3e-3)


def test_the_dde_loop_fits_a_gaussian():
    rng = np.random.default_rng(4)
    mu, S = np.array([2.0, -1.0]), np.array([[1.0, 0.6], [0.6, 0.8]])
    data = gaussian(mu, S).sample(50_000, rng)
    G = Dense(2, 2, rng=rng)
    start = np.linalg.norm(G.b.value - mu)
    train_dde(data, G, Polynomial(2, 2), Polynomial(2, 2), sigma=0.5, rng=rng, z_dim=2, steps=150, lr=0.03)
    assert np.linalg.norm(G.b.value - mu) < 0.1 * start
    assert np.linalg.norm(G.W.value.T @ G.W.value - S) < 0.35


def test_a_noise_conditional_mlp_score_learns_a_mixture():
    rng = np.random.default_rng(5)
    m = mixture([0.3, 0.7], [[-1.5, 0.0], [1.0, 0.5]], [0.2, 0.3])
    data = m.sample(20_000, rng)
    sigmas = np.exp(np.linspace(np.log(2.0), np.log(0.1), 6))
    model = train_score_mlp(data, sigmas, rng, steps=3000)
    for s in (sigmas[0], sigmas[3]):
        y = m.sample(2000, rng, sigma=s)
        err = ((model(y, s) - m.score(y, s)) ** 2).sum(1).mean()
        assert err * s ** 2 < 0.1 * (m.score(y, s) ** 2).sum(1).mean() * s ** 2, s
