"""Spectral norm against PyTorch's two implementations (torch extra), float64: the legacy hook
``torch.nn.utils.spectral_norm`` is refspace's "persistent", the current
``torch.nn.utils.parametrizations.spectral_norm`` its "parametrization" (each step from the stored
v); forward, the new u and v, and the weight gradient, in training and in evaluation."""
import numpy as np
import pytest

from reference.gan.spectral import spectral_norm_backward, spectral_norm_forward

torch = pytest.importorskip("torch")


def _linear(seed, out_features=4, in_features=6):
    torch.manual_seed(seed)
    return torch.nn.Linear(in_features, out_features, bias=False).double()


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("n_iter", [1, 3])
def test_parametrization_semantics_equals_torch_parametrizations_spectral_norm(training, n_iter):
    lin = torch.nn.utils.parametrizations.spectral_norm(_linear(0), n_power_iterations=n_iter)
    sn = lin.parametrizations.weight[0]
    W = lin.parametrizations.weight.original.detach().numpy().copy()      # (out, in): PyTorch's weight_mat
    u0, v0 = sn._u.detach().numpy().copy(), sn._v.detach().numpy().copy()   # after its 15 steps at registration
    lin.train(training)
    weight = lin.weight                                                    # one forward of the parametrization
    Wsn, cache = spectral_norm_forward(W, semantics="parametrization", u=u0, v=v0, n_iter=n_iter, training=training)
    np.testing.assert_allclose(Wsn, weight.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(cache.u, sn._u.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(cache.v, sn._v.detach().numpy(), rtol=1e-12, atol=1e-14)
    G = np.random.default_rng(1).standard_normal(W.shape)
    (weight * torch.from_numpy(G)).sum().backward()
    np.testing.assert_allclose(spectral_norm_backward(G, cache), lin.parametrizations.weight.original.grad.numpy(),
                               rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("training", [True, False])
def test_persistent_semantics_equals_the_legacy_hook(training):
    lin = torch.nn.utils.spectral_norm(_linear(2), n_power_iterations=1)
    W = lin.weight_orig.detach().numpy().copy()
    u0, v0 = lin.weight_u.detach().numpy().copy(), lin.weight_v.detach().numpy().copy()
    lin.train(training)
    out = lin(torch.eye(6, dtype=torch.float64))                          # the hook computes lin.weight
    Wsn, cache = spectral_norm_forward(W, semantics="persistent", u=u0, v=v0, n_iter=1, training=training)
    np.testing.assert_allclose(Wsn, lin.weight.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(cache.u, lin.weight_u.numpy(), rtol=1e-12, atol=1e-14)
    G = np.random.default_rng(3).standard_normal(W.shape)
    (out.T * torch.from_numpy(G)).sum().backward()                        # out = I W^T: out.T is the weight
    np.testing.assert_allclose(spectral_norm_backward(G, cache), lin.weight_orig.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_the_two_torch_semantics_differ_in_training_by_half_a_step_and_agree_in_evaluation():
    rng = np.random.default_rng(4)
    W, u, v = rng.standard_normal((4, 6)), rng.standard_normal(4), rng.standard_normal(6)
    u, v = u / np.linalg.norm(u), v / np.linalg.norm(v)
    train = [spectral_norm_forward(W, semantics=s, u=u, v=v, training=True)[1].sigma
             for s in ("persistent", "parametrization")]
    assert abs(train[0] - train[1]) > 1e-3 * abs(train[0])                # one step from far-off vectors
    evaluation = [spectral_norm_forward(W, semantics=s, u=u, v=v, training=False)[1].sigma
                  for s in ("persistent", "parametrization")]
    assert evaluation[0] == evaluation[1] == pytest.approx(float(u @ W @ v), rel=1e-15)
