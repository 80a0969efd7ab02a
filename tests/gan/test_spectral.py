"""Spectral normalisation: the estimate against the SVD, the three semantics' state handling,
and the article's failure case."""
import numpy as np
import pytest

from reference.gan.spectral import estimate_errors, reshape_kernel, spectral_norm_forward


def test_the_estimate_converges_to_the_largest_singular_value():
    rng = np.random.default_rng(0)
    W = reshape_kernel(rng.standard_normal((3, 3, 4, 8)))                 # (36, 8) as Keras reshapes
    top = np.linalg.svd(W, compute_uv=False)[0]
    errors = estimate_errors(W, (1, 5, 15, 100))
    for start in ("ones", "random"):
        e = [errors[r][start] for r in (1, 5, 15, 100)]
        assert e[0] >= e[1] >= e[2] >= e[3] and e[3] < 1e-10, e
    W_sn, cache = spectral_norm_forward(W, semantics="article", n_iter=100)
    assert cache.sigma == pytest.approx(top, rel=1e-10)
    assert np.linalg.svd(W_sn, compute_uv=False)[0] == pytest.approx(1.0, rel=1e-10)


def test_persistent_state_is_not_updated_in_evaluation_and_every_call_always_is():
    rng = np.random.default_rng(1)
    W, u0 = rng.standard_normal((5, 3)), rng.standard_normal(5)
    _, train = spectral_norm_forward(W, semantics="persistent", u=u0, training=True)
    assert not np.allclose(train.u, u0)                                    # one step taken
    _, ev = spectral_norm_forward(W, semantics="persistent", u=train.u, v=train.v, training=False)
    np.testing.assert_array_equal(ev.u, train.u)                           # evaluation: frozen
    np.testing.assert_array_equal(ev.v, train.v)
    assert ev.sigma == pytest.approx(train.u @ W @ train.v)
    _, always = spectral_norm_forward(W, semantics="every_call", u=train.u, training=False)
    assert not np.allclose(always.u, train.u)                              # compare_gan: updated anyway
    with pytest.raises(ValueError, match="keeps u as state"):
        spectral_norm_forward(W, semantics="persistent")


def test_the_articles_all_ones_start_fails_when_every_column_sums_to_zero():
    W = np.array([[1.0, -2.0], [-1.0, 2.0]])                                # column sums 0, 0; sigma 3.16
    with pytest.raises(ValueError, match=r"columns sum to \(nearly\) zero"):
        spectral_norm_forward(W, semantics="article")
    _, c = spectral_norm_forward(W, semantics="persistent", u=np.array([1.0, 0.3]), n_iter=30)
    assert c.sigma == pytest.approx(np.linalg.svd(W, compute_uv=False)[0], rel=1e-12)


def test_the_articles_start_refuses_near_zero_column_sums_and_keeps_small_real_ones():
    rng = np.random.default_rng(6)
    K = rng.standard_normal((3, 3, 2, 4)).reshape(-1, 4)
    centred = K - K.mean(axis=0)                                           # sums ~1e-16: round-off only
    assert 0 < np.abs(centred.sum(axis=0)).max() < 1e-14
    with pytest.raises(ValueError, match=r"columns sum to \(nearly\) zero \(\|W\^T 1\| = "):
        spectral_norm_forward(centred, semantics="article")
    tilted = centred + 1e-6                                                # sums 1.8e-5: a real direction
    _, c = spectral_norm_forward(tilted, semantics="article", n_iter=200)
    assert c.sigma == pytest.approx(np.linalg.svd(tilted, compute_uv=False)[0], rel=1e-8)
