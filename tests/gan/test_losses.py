"""The logistic GAN loss against PyTorch, the Fréchet distance against closed forms and against
the matrix square root, and the ring's mode metrics against the 2-D Gaussian's own numbers."""
import numpy as np
import pytest
import scipy.linalg

from reference.gan import demo
from reference.gan.losses import frechet_distance, frechet_from_stats, logistic_loss_backward, logistic_loss_forward


def test_the_logistic_loss_equals_pytorch_bce_with_logits():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    logits, t = rng.standard_normal((6, 1)) * 40, rng.uniform(0, 1, (6, 1))
    loss, cache = logistic_loss_forward(logits, t)
    tl = torch.tensor(logits, requires_grad=True)
    tloss = torch.nn.functional.binary_cross_entropy_with_logits(tl, torch.tensor(t))
    tloss.backward()
    np.testing.assert_allclose(float(loss), tloss.item(), rtol=1e-13)
    np.testing.assert_allclose(logistic_loss_backward(1.0, cache), tl.grad.numpy(), rtol=1e-12, atol=1e-300)


def test_the_logistic_loss_does_not_overflow():
    loss, cache = logistic_loss_forward(np.array([[1000.0], [-1000.0]]), np.array([[0.0], [1.0]]))
    assert float(loss) == 1000.0
    np.testing.assert_array_equal(logistic_loss_backward(1.0, cache), [[0.5], [-0.5]])
    with pytest.raises(ValueError, match=r"targets: expected values in \[0, 1\]"):
        logistic_loss_forward(np.zeros((2, 1)), 2.0)
    with pytest.raises(ValueError, match="does not broadcast"):
        logistic_loss_forward(np.zeros((2, 1)), np.ones(3))


def test_frechet_distance_of_commuting_covariances_is_the_closed_form():
    rng = np.random.default_rng(1)
    ma, mb = rng.standard_normal(4), rng.standard_normal(4)
    va, vb = rng.uniform(0.1, 3, 4), rng.uniform(0.1, 3, 4)
    Q = np.linalg.qr(rng.standard_normal((4, 4)))[0]            # the same eigenvectors: S_a S_b commute
    got = frechet_from_stats(ma, Q @ np.diag(va) @ Q.T, mb, Q @ np.diag(vb) @ Q.T)
    np.testing.assert_allclose(got, np.sum((ma - mb) ** 2) + np.sum((np.sqrt(va) - np.sqrt(vb)) ** 2), rtol=1e-12)


def test_frechet_distance_equals_the_matrix_square_root_formula():
    rng = np.random.default_rng(2)
    a = rng.standard_normal((300, 5)) @ rng.standard_normal((5, 5))
    b = rng.standard_normal((200, 5)) @ rng.standard_normal((5, 5)) + 0.5
    ca, cb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    d = a.mean(0) - b.mean(0)
    expected = d @ d + np.trace(ca + cb - 2 * scipy.linalg.sqrtm(ca @ cb).real)
    np.testing.assert_allclose(frechet_distance(a, b), expected, rtol=1e-10)
    np.testing.assert_allclose(frechet_distance(b, a), expected, rtol=1e-10)
    assert abs(frechet_distance(a, a)) < 1e-10
    with pytest.raises(ValueError, match="same feature width"):
        frechet_distance(a, b[:, :3])


def test_true_ring_samples_are_high_quality_at_the_rate_of_a_2d_gaussian():
    rng = np.random.default_rng(3)
    n = 20000
    m = demo.mode_metrics(demo.sample_ring(n, rng), demo.ring_centres(), demo.RING_STD)
    p = 1 - np.exp(-9 / 2)                       # P(|x| <= 3 sigma) for an isotropic 2-D Gaussian
    assert m["modes"] == 8 and abs(m["high_quality"] - p) < 4 * np.sqrt(p * (1 - p) / n)
    np.testing.assert_allclose(demo.ring_centres()[2], [0.0, 2.0], atol=1e-15)


def test_collapsed_and_off_ring_samples_score_as_such():
    centres = demo.ring_centres()
    one = centres[3] + 0.01 * np.random.default_rng(4).standard_normal((500, 2))
    assert demo.mode_metrics(one, centres, 0.02)["modes"] == 1
    m = demo.mode_metrics(np.zeros((100, 2)), centres, 0.02)
    assert m["modes"] == 0 and m["high_quality"] == 0.0
    few = np.concatenate([np.repeat(centres[:1], 995, axis=0), np.repeat(centres[1:2], 5, axis=0)])
    assert demo.mode_metrics(few, centres, 0.02)["modes"] == 1       # 5 of 1000 is under 1%
