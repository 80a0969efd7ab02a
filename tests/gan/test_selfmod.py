"""SELF-MOD and its cGAN input against PyTorch autograd (z's gradient through both networks),
the shared hidden layer's gradient, and the +1 offset against the bias initialised to one."""
import numpy as np
import pytest

from reference.core.gradcheck import numerical_vjp
from reference.gan import selfmod


def _params(rng, zd=3, hid=4, C=2):
    w = lambda a, b: rng.standard_normal((a, b))
    return selfmod.SelfModParams(w(zd, hid), rng.standard_normal(hid), w(hid, C), rng.standard_normal(C),
                                 w(zd, hid), rng.standard_normal(hid), w(hid, C), rng.standard_normal(C))


def test_selfmod_and_its_gradients_equal_pytorch_autograd():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x, z, p = rng.standard_normal((4, 3, 2, 2)), rng.standard_normal((4, 3)), _params(rng)
    y, cache = selfmod.selfmod_bn_forward(x, z, p, eps=1e-3)
    dy = rng.standard_normal(y.shape)
    dx, dz, dp = selfmod.selfmod_bn_backward(dy, cache)
    t = {k: torch.tensor(getattr(p, k), requires_grad=True) for k in ("W1g", "b1g", "W2g", "b2g", "W1b", "b1b",
                                                                       "W2b", "b2b")}
    tx, tz = torch.tensor(x, requires_grad=True), torch.tensor(z, requires_grad=True)
    gamma = torch.relu(tz @ t["W1g"] + t["b1g"]) @ t["W2g"] + t["b2g"]
    beta = torch.relu(tz @ t["W1b"] + t["b1b"]) @ t["W2b"] + t["b2b"]
    mu = tx.mean(dim=(0, 1, 2))
    var = ((tx - mu) ** 2).mean(dim=(0, 1, 2))
    ty = (tx - mu) / torch.sqrt(var + 1e-3) * (gamma[:, None, None, :] + 1) + beta[:, None, None, :]
    ty.backward(torch.from_numpy(dy))
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dz, tz.grad.numpy(), rtol=1e-10, atol=1e-12)
    for k, v in t.items():
        np.testing.assert_allclose(getattr(dp, k), v.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_the_offset_and_the_bias_initialised_to_one_are_the_same_function():
    rng = np.random.default_rng(1)
    x, z, p = rng.standard_normal((5, 2)), rng.standard_normal((5, 3)), _params(rng)
    moved = selfmod.SelfModParams(p.W1g, p.b1g, p.W2g, p.b2g + 1.0, p.W1b, p.b1b, p.W2b, p.b2b)
    a, _ = selfmod.selfmod_bn_forward(x, z, p, gamma_mode="offset")
    b, _ = selfmod.selfmod_bn_forward(x, z, moved, gamma_mode="bias_init")
    np.testing.assert_allclose(a, b, rtol=1e-14)
    start = selfmod.init_params(3, 4, 2, rng, gamma_mode="bias_init")
    y, _ = selfmod.selfmod_bn_forward(x, z, start, gamma_mode="bias_init")
    plain = (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3)
    np.testing.assert_allclose(y, plain, rtol=1e-13)                 # the start is plain BN, gamma 1


def test_a_shared_hidden_layer_gets_the_sum_of_both_gradients():
    rng = np.random.default_rng(2)
    x, z = rng.standard_normal((4, 2)), rng.standard_normal((4, 3))
    p = _params(rng)
    shared = selfmod.SelfModParams(p.W1g, p.b1g, p.W2g, p.b2g, p.W1g, p.b1g, p.W2b, p.b2b)
    y, cache = selfmod.selfmod_bn_forward(x, z, shared, shared=True)
    dy = rng.standard_normal(y.shape)
    _, _, dp = selfmod.selfmod_bn_backward(dy, cache)

    def f(W1):
        q = selfmod.SelfModParams(W1, p.b1g, p.W2g, p.b2g, W1, p.b1g, p.W2b, p.b2b)
        return selfmod.selfmod_bn_forward(x, z, q, shared=True)[0]

    (num,) = numerical_vjp(f, (p.W1g,), dy)
    np.testing.assert_allclose(dp.W1g, num, rtol=1e-6, atol=1e-8)
    assert dp.W1g is dp.W1b
    with pytest.raises(ValueError, match="shared hidden layer needs"):
        selfmod.selfmod_bn_forward(x, z, p, shared=True)


def test_the_cgan_input_against_pytorch_autograd():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    z, c = rng.standard_normal((5, 3)), np.array([0, 2, 0, 1, 0])
    E, E2 = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    out, cache = selfmod.cgan_code_forward(z, c, E, E2)
    d = rng.standard_normal(out.shape)
    dz, _, dE, dE2 = selfmod.cgan_code_backward(d, cache)
    tz, tE, tE2 = (torch.tensor(a, requires_grad=True) for a in (z, E, E2))
    tc = torch.from_numpy(c)
    tout = tz + tE[tc] + tE2[tc] * tz
    tout.backward(torch.from_numpy(d))
    np.testing.assert_allclose(out, tout.detach().numpy(), rtol=1e-14)
    for ours, theirs in ((dz, tz), (dE, tE), (dE2, tE2)):
        np.testing.assert_allclose(ours, theirs.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_style_modulation_is_stylegans_written_out():
    rng = np.random.default_rng(4)
    x, w = rng.standard_normal((2, 3, 3, 4)), rng.standard_normal((2, 5))
    A, a, B, b = rng.standard_normal((5, 4)), rng.standard_normal(4), rng.standard_normal((5, 4)), rng.standard_normal(4)
    y, _ = selfmod.style_mod_forward(x, w, A, a, B, b)
    mu, var = x.mean(axis=(1, 2), keepdims=True), x.var(axis=(1, 2), keepdims=True)
    x_hat = (x - mu) / np.sqrt(var + 1e-8)                        # StyleGAN's instance_norm: eps inside rsqrt
    style_scale, style_bias = w @ A + a, w @ B + b
    np.testing.assert_allclose(y, x_hat * (style_scale[:, None, None] + 1) + style_bias[:, None, None], rtol=1e-12)
    const = rng.standard_normal((4, 4, 3))
    out, dtype = selfmod.const_input_forward(const, batch=3)
    assert out.shape == (3, 4, 4, 3) and np.array_equal(out[2], const)
    np.testing.assert_array_equal(selfmod.const_input_backward(np.ones_like(out), dtype), np.full(const.shape, 3.0))
