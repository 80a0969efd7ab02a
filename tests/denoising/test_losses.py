"""What the losses are for: their minimisers (least squares on Gaussian data against the closed
forms), DSM = explicit score matching + a constant (common random numbers), the control
variate's equal mean and smaller variance, NCSN's form of the weighted loss, and the energy
sign guard (a DSM-fitted energy increases with the density)."""
import numpy as np
import pytest

from reference.denoising.exact import gaussian, mixture
from reference.denoising.fit import Polynomial, fit_denoiser, fit_energy, fit_score
from reference.denoising.losses import (dae_loss_backward, dae_loss_forward, dsm_cv_loss_backward, dsm_cv_loss_forward, dsm_loss_backward,
                                        dsm_loss_forward, esm_loss_forward, mdsm_loss_forward)

MU, SIGMA_X = np.array([0.5, -1.0]), np.array([[1.0, 0.3], [0.3, 0.5]])


def test_least_squares_dsm_and_dae_recover_the_gaussian_closed_forms():
    rng = np.random.default_rng(0)
    N, s = 100_000, 0.6
    g = gaussian(MU, SIGMA_X)
    x = g.sample(N, rng)
    noise = s * rng.standard_normal(x.shape)
    Tinv = np.linalg.inv(SIGMA_X + s ** 2 * np.eye(2))
    score = fit_score(Polynomial(1, 2), x + noise, noise, s)       # rows: constant, y2, y1 (powers order)
    feats = Polynomial(1, 2).powers
    A = np.stack([score.coef[np.flatnonzero((feats == e).all(1))[0]] for e in np.eye(2, dtype=int)])
    tol = 5 / np.sqrt(N) * np.abs(Tinv).max() / s
    np.testing.assert_allclose(A, -Tinv, atol=tol)
    np.testing.assert_allclose(score.coef[0], Tinv @ MU, atol=tol)
    den = fit_denoiser(Polynomial(1, 2), x + noise, x)
    B = np.stack([den.coef[np.flatnonzero((feats == e).all(1))[0]] for e in np.eye(2, dtype=int)])
    np.testing.assert_allclose(B, Tinv @ SIGMA_X, atol=5 / np.sqrt(N) * 2)    # grad r = S (S + s^2 I)^-1


def test_the_dae_loss_is_the_mean_squared_norm_and_the_posterior_mean_attains_the_mmse():
    """The value against the project's mse op (a mean over entries, times d); at r = E[x | y] the
    expected loss is the MMSE, computed independently from the posterior covariances."""
    from reference.ops.mse import mse_forward

    rng = np.random.default_rng(6)
    m, s, N = mixture([0.4, 0.6], [[-1.0, 0.5], [1.0, -0.5]], [0.3, 0.5]), 0.6, 40_000
    x = m.sample(N, rng)
    y = x + s * rng.standard_normal(x.shape)
    r = m.denoiser(y, s)
    loss, cache = dae_loss_forward(r, x=x)
    assert float(loss) == pytest.approx(2 * float(mse_forward(r, x)[0]), rel=1e-12)
    mmse, se = m.mmse(s, rng=rng, n=N)
    per = ((r - x) ** 2).sum(axis=1)
    assert abs(float(loss) - mmse) < 4 * np.hypot(se, per.std() / np.sqrt(N))
    for shift in (0.1, -0.1):
        assert float(dae_loss_forward(r + shift, x=x)[0]) > float(loss)
    g = rng.standard_normal(())
    np.testing.assert_allclose(dae_loss_backward(g, cache), 2 * g * (r - x) / N, rtol=1e-13)


def test_dsm_equals_explicit_score_matching_plus_a_constant():
    """Vincent (2011): with common noisy samples, L_DSM(s1) - L_DSM(s2) matches L_ESM(s1) - L_ESM(s2)."""
    rng = np.random.default_rng(1)
    m = mixture([0.3, 0.7], [[-1.0, 0.0], [1.0, 0.5]], [0.25, 0.4])
    s, N = 0.5, 200_000
    x = m.sample(N, rng)
    noise = s * rng.standard_normal(x.shape)
    y = x + noise
    target = m.score(y, s)
    s1, s2 = -0.8 * y, target + 0.3 * np.tanh(y)                        # two "models"
    d_dsm = 0.5 * (((s1 + noise / s ** 2) ** 2).sum(1) - ((s2 + noise / s ** 2) ** 2).sum(1))
    d_esm = 0.5 * (((s1 - target) ** 2).sum(1) - ((s2 - target) ** 2).sum(1))
    diff = d_dsm - d_esm                                                   # mean 0: the constant cancels
    assert abs(diff.mean()) < 4 * diff.std() / np.sqrt(N)
    lhs = float(dsm_loss_forward(s1, noise=noise, sigma=s, power=0)[0] - dsm_loss_forward(s2, noise=noise, sigma=s,
                                                                                           power=0)[0])
    rhs = float(esm_loss_forward(s1, target=target)[0] - esm_loss_forward(s2, target=target)[0])
    assert lhs == pytest.approx(d_dsm.mean(), rel=1e-12) and rhs == pytest.approx(d_esm.mean(), rel=1e-12)


def test_the_weighted_dsm_is_ncsn_form():
    rng = np.random.default_rng(2)
    s_out, z = rng.standard_normal((8, 3)), rng.standard_normal((8, 3))
    sig = rng.uniform(0.1, 2.0, 8)
    loss = float(dsm_loss_forward(s_out, noise=sig[:, None] * z, sigma=sig, power=2.0)[0])
    # NCSN's anneal_dsm: 1/2 ||s sigma + z||^2 per sample, averaged
    assert loss == pytest.approx(0.5 * ((s_out * sig[:, None] + z) ** 2).sum(1).mean(), rel=1e-13)


@pytest.mark.parametrize("sigma", [0.3, 0.01])
def test_the_control_variate_keeps_the_mean_and_cuts_the_variance_at_small_sigma(sigma):
    rng = np.random.default_rng(3)
    m = mixture([0.4, 0.6], [[-1.0], [1.0]], [0.3, 0.2])
    N = 100_000
    x = m.sample(N, rng)
    noise = sigma * rng.standard_normal(x.shape)
    model = lambda v: -1.5 * v + 0.2 * np.sin(3 * v)                    # noqa: E731 a smooth score model
    s, s_clean = model(x + noise), model(x)
    plain = [float(dsm_loss_forward(s[i:i + 1], noise=noise[i:i + 1], sigma=sigma)[0]) for i in range(0, N, 50)]
    cv = [float(dsm_cv_loss_forward(s[i:i + 1], s_clean[i:i + 1], noise=noise[i:i + 1], sigma=sigma)[0])
          for i in range(0, N, 50)]
    full_plain = float(dsm_loss_forward(s, noise=noise, sigma=sigma)[0])
    full_cv = float(dsm_cv_loss_forward(s, s_clean, noise=noise, sigma=sigma)[0])
    se = np.hypot(np.std(plain), np.std(cv)) / np.sqrt(N)
    assert abs(full_plain - full_cv) < 4 * se
    # the gradient with respect to the model's parameters: for s = a y + ..., dL/da = <ds, y>
    g_plain = dsm_loss_backward(1.0, dsm_loss_forward(s, noise=noise, sigma=sigma)[1]) * N * (x + noise)
    ds, dsc = dsm_cv_loss_backward(1.0, dsm_cv_loss_forward(s, s_clean, noise=noise, sigma=sigma)[1])
    g_cv = (ds * (x + noise) + dsc * x) * N
    assert abs(g_plain.mean() - g_cv.mean()) < 4 * np.hypot(g_plain.std(), g_cv.std()) / np.sqrt(N)
    if sigma == 0.01:                                                      # 1/sigma growth removed
        assert np.var(cv) < np.var(plain) / 100 and g_cv.var() < g_plain.var() / 100


def test_a_dsm_fitted_energy_increases_with_the_density():
    """The sign guard: the article's E (grad E + y = r) is +sigma^2 log p, the opposite of the EBM
    energy -log p; a sign slip (the torchebm#333 class of bug) flips the correlation."""
    rng = np.random.default_rng(4)
    g, s = gaussian(MU, SIGMA_X), 0.4
    x = g.sample(50_000, rng)
    noise = s * rng.standard_normal(x.shape)
    E = fit_energy(Polynomial(2, 2), x + noise, noise)
    y = g.sample(200, rng, sigma=s)
    assert np.corrcoef(E(y), g.log_density(y, s))[0, 1] > 0.999
    assert np.corrcoef(E(y), g.ebm_energy(y, s))[0, 1] < -0.999


def test_mdsm_at_its_optimum_beats_a_perturbed_energy_gradient():
    rng = np.random.default_rng(5)
    g = gaussian(MU, SIGMA_X)
    sig = np.linspace(0.05, 1.2, 256)
    sig = np.tile(sig, 200)
    x = g.sample(len(sig), rng)
    noise = sig[:, None] * rng.standard_normal(x.shape)
    y = x + noise
    opt = np.empty_like(y)
    for level in np.unique(sig):
        rows = sig == level
        opt[rows] = -(level ** 2 / 0.01) * g.score(y[rows], level)
    best = float(mdsm_loss_forward(opt, noise=noise, sigma=sig, sigma0=0.1)[0])
    for scale in (0.9, 1.1):
        assert best < float(mdsm_loss_forward(scale * opt, noise=noise, sigma=sig, sigma0=0.1)[0])


@pytest.mark.parametrize("bad, message", [
    (lambda: dsm_loss_forward(np.zeros((2, 1)), noise=np.zeros((2, 1)), sigma=0.0), "sigma: expected noise levels > 0"),
    (lambda: dsm_loss_forward(np.zeros((2, 1)), noise=np.zeros((2, 1)), sigma=np.ones(3)), r"one level per row \(2,\)"),
    (lambda: dsm_loss_forward(np.zeros((2, 1)), noise=np.zeros((3, 1)), sigma=1.0), r"noise: expected shape \(2, 1\)"),
    (lambda: mdsm_loss_forward(np.zeros((2, 1)), noise=np.zeros((2, 1)), sigma=1.0, sigma0=0), "sigma0"),
])
def test_bad_input_is_refused(bad, message):
    with pytest.raises(ValueError, match=message):
        bad()


@pytest.mark.parametrize("name", ["dae", "dsm", "dsm_cv", "mdsm", "esm"])
def test_reductions_none_and_sum_are_the_per_sample_losses_and_their_sum(name):
    # each row's loss written out from the documented formula, against reduction="none"; "sum" is their sum,
    # "mean" their mean; the backward of "none" takes one cotangent per row (central differences)
    from reference.core.gradcheck import check_op
    from reference.denoising import losses as L

    rng = np.random.default_rng(13)
    n, d = 4, 3
    a, b, noise = rng.standard_normal((n, d)), rng.standard_normal((n, d)), 0.3 * rng.standard_normal((n, d))
    sigma = rng.uniform(0.2, 1.0, n)
    cases = {
        "dae": (L.dae_loss_forward, L.dae_loss_backward, (a,), {"x": b},
                lambda k: np.sum((a[k] - b[k]) ** 2)),
        "dsm": (L.dsm_loss_forward, L.dsm_loss_backward, (a,), {"noise": noise, "sigma": sigma},
                lambda k: 0.5 * sigma[k] ** 2 * np.sum((a[k] + noise[k] / sigma[k] ** 2) ** 2)),
        "dsm_cv": (L.dsm_cv_loss_forward, L.dsm_cv_loss_backward, (a, b), {"noise": noise, "sigma": sigma},
                   lambda k: 0.5 * sigma[k] ** 2 * (np.sum(a[k] ** 2) + 2 * np.sum((a[k] - b[k]) * noise[k] / sigma[k])
                                                    / sigma[k] + d / sigma[k] ** 2)),
        "mdsm": (L.mdsm_loss_forward, L.mdsm_loss_backward, (a,), {"noise": noise, "sigma": sigma, "sigma0": 0.5},
                 lambda k: np.sum((a[k] - noise[k] / 0.25) ** 2) / sigma[k] ** 2),
        "esm": (L.esm_loss_forward, L.esm_loss_backward, (a,), {"target": b},
                lambda k: 0.5 * np.sum((a[k] - b[k]) ** 2)),
    }
    fwd, bwd, inputs, attrs, row = cases[name]
    per = fwd(*inputs, **attrs, reduction="none")[0]
    np.testing.assert_allclose(per, [row(k) for k in range(n)], rtol=1e-13)
    assert float(fwd(*inputs, **attrs, reduction="sum")[0]) == pytest.approx(per.sum(), rel=1e-13)
    assert float(fwd(*inputs, **attrs)[0]) == pytest.approx(per.mean(), rel=1e-13)
    for reduction in ("none", "sum"):
        report = check_op(lambda *x: fwd(*x, **attrs, reduction=reduction), bwd, inputs, atol=1e-7, rtol=1e-6)
        assert report.passed, str(report)
    with pytest.raises(ValueError, match="reduction: expected one of"):
        fwd(*inputs, **attrs, reduction="avg")
