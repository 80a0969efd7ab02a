"""Normalisation conventions against PyTorch, formulas written out, and published numbers."""
import numpy as np
import pytest

from reference.gan import norm


def test_the_keras2_running_variance_of_keras_10443():
    # 4 samples with biased variance 1.25: Keras 2 feeds 1.25 * 4 / (4 - 1 - 1e-3) into its moving average
    x = np.array([[1.0], [2.0], [3.0], [4.0]])
    _, v = norm.running_update(np.zeros(1), np.zeros(1), x, momentum=0.0, variance="keras2", eps=1e-3)
    assert round(float(v[0]), 4) == 1.6672
    _, v = norm.running_update(np.zeros(1), np.zeros(1), x, momentum=0.0, variance="unbiased")
    assert float(v[0]) == pytest.approx(5 / 3)
    _, v = norm.running_update(np.zeros(1), np.zeros(1), x, momentum=0.0, variance="biased")
    assert float(v[0]) == 1.25


def test_momentum_conventions_convert():
    rng = np.random.default_rng(0)
    x, m0, v0 = rng.standard_normal((6, 2)), rng.standard_normal(2), rng.uniform(1, 2, 2)
    keras = norm.running_update(m0, v0, x, momentum=0.99, convention="keras")
    torch_style = norm.running_update(m0, v0, x, momentum=norm.momentum_keras_to_torch(0.99), convention="torch")
    np.testing.assert_allclose(keras, torch_style, rtol=1e-14)
    with pytest.raises(ValueError, match="convention: expected one of"):
        norm.running_update(m0, v0, x, convention="tf")


@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 2, 5)])
def test_batch_norm_training_and_running_stats_equal_pytorch(shape):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x, gamma, beta = rng.standard_normal(shape), rng.standard_normal(shape[-1]), rng.standard_normal(shape[-1])
    y, cache = norm.batch_norm_forward(x, gamma, beta, eps=1e-5)
    dy = rng.standard_normal(shape)
    dx, dg, db = norm.batch_norm_backward(dy, cache)
    to_nc = (lambda a: a) if len(shape) == 2 else (lambda a: np.moveaxis(a, -1, 1))   # NHWC -> NCHW
    tx, tg, tb = (torch.tensor(a, requires_grad=True) for a in (to_nc(x), gamma, beta))
    rm, rv = torch.zeros(shape[-1], dtype=torch.float64), torch.ones(shape[-1], dtype=torch.float64)
    ty = torch.nn.functional.batch_norm(tx, rm, rv, tg, tb, training=True, momentum=0.1, eps=1e-5)
    ty.backward(torch.from_numpy(to_nc(dy)))
    np.testing.assert_allclose(to_nc(y), ty.detach().numpy(), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(to_nc(dx), tx.grad.numpy(), rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(dg, tg.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(db, tb.grad.numpy(), rtol=1e-12)
    m, v = norm.running_update(np.zeros(shape[-1]), np.ones(shape[-1]), x, momentum=0.1, convention="torch",
                               variance="unbiased")
    np.testing.assert_allclose(m, rm.numpy(), rtol=1e-13)
    np.testing.assert_allclose(v, rv.numpy(), rtol=1e-13)
    ye, _ = norm.batch_norm_eval_forward(x, gamma, beta, running_mean=m, running_var=v, eps=1e-5)
    te = torch.nn.functional.batch_norm(torch.from_numpy(to_nc(x)), rm, rv, torch.from_numpy(gamma),
                                        torch.from_numpy(beta), training=False, eps=1e-5)
    np.testing.assert_allclose(to_nc(ye), te.numpy(), rtol=1e-12, atol=1e-13)


def test_the_articles_eps_on_the_standard_deviation_written_out():
    rng = np.random.default_rng(2)
    x, gamma, beta = rng.standard_normal((5, 2, 2, 3)), rng.standard_normal(3), rng.standard_normal(3)
    y, _ = norm.batch_norm_forward(x, gamma, beta, eps=0.1, eps_mode="std_plus_eps")
    mu, sd = x.mean(axis=(0, 1, 2)), x.std(axis=(0, 1, 2))
    np.testing.assert_allclose(y, gamma * (x - mu) / (sd + 0.1) + beta, rtol=1e-13)
    constant = np.ones((4, 2))
    _, cache = norm.batch_norm_forward(constant, np.ones(2), np.zeros(2), eps=0.1, eps_mode="std_plus_eps")
    with pytest.raises(ValueError, match="not differentiable where a variance is 0"):
        norm.batch_norm_backward(np.ones((4, 2)), cache)


def test_conditional_bn_and_adain_written_out_and_adain_against_pytorch_instance_norm():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 4, 2, 5))
    g, b = rng.standard_normal((3, 5)), rng.standard_normal((3, 5))
    y, _ = norm.conditional_bn_forward(x, g, b, eps=1e-3, gamma_offset=1.0)
    mu, var = x.mean(axis=(0, 1, 2)), x.var(axis=(0, 1, 2))
    np.testing.assert_allclose(y, (x - mu) / np.sqrt(var + 1e-3) * (g[:, None, None] + 1) + b[:, None, None],
                               rtol=1e-13)
    y, _ = norm.adain_forward(x, g, b, eps=1e-5)
    torch = pytest.importorskip("torch")
    inst = torch.nn.functional.instance_norm(torch.from_numpy(np.moveaxis(x, -1, 1)), eps=1e-5).numpy()
    want = np.moveaxis(inst, 1, -1) * g[:, None, None] + b[:, None, None]
    np.testing.assert_allclose(y, want, rtol=1e-12, atol=1e-13)
    mu_i = x.mean(axis=(1, 2), keepdims=True)                      # outside the root (eps on the std)
    sd_i = x.std(axis=(1, 2), keepdims=True)
    y2, _ = norm.adain_forward(x, g, b, eps=1e-5, eps_mode="std_plus_eps")
    np.testing.assert_allclose(y2, (x - mu_i) / (sd_i + 1e-5) * g[:, None, None] + b[:, None, None], rtol=1e-13)


def test_the_torch_preset_reproduces_pytorch_batchnorm_running_statistics():
    # PyTorch's BatchNorm1d with its defaults (momentum 0.1 of the new value, eps 1e-5, unbiased running
    # variance) against running_update(preset="torch") and the BatchNorm module with the same preset
    torch = pytest.importorskip("torch")
    from reference.gan.layers import BatchNorm
    from reference.gan.norm import running_update

    rng = np.random.default_rng(11)
    tbn = torch.nn.BatchNorm1d(3).double()
    ours = BatchNorm(3, preset="torch")
    m, v = np.zeros(3), np.ones(3)
    for _ in range(3):
        x = rng.standard_normal((5, 3)) * 2 + 1
        ty = tbn(torch.from_numpy(x))
        y, _ = ours.forward(x)
        m, v = running_update(m, v, x, preset="torch")
        np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-12, atol=1e-12)   # eps 1e-5 in the output too
    np.testing.assert_allclose(m, tbn.running_mean.numpy(), rtol=1e-13)
    np.testing.assert_allclose(v, tbn.running_var.numpy(), rtol=1e-13)
    np.testing.assert_allclose(ours.running_var.value, tbn.running_var.numpy(), rtol=1e-13)
    # the Keras defaults would be off after three batches (the issue measured 8.5e-3 without "unbiased")
    assert np.abs(running_update(np.zeros(3), np.ones(3), x, preset="torch", variance="biased")[1]
                  - running_update(np.zeros(3), np.ones(3), x, preset="torch")[1]).max() > 1e-3


def test_a_preset_fills_only_what_is_not_given():
    from reference.gan.norm import PRESETS, preset_settings

    assert preset_settings("torch") == PRESETS["torch"] == dict(momentum=0.1, convention="torch", variance="unbiased",
                                                                eps=1e-5)
    assert preset_settings("torch", eps=1e-3)["eps"] == 1e-3 and preset_settings("keras")["momentum"] == 0.99
    with pytest.raises(ValueError, match="preset: expected one of"):
        preset_settings("tf")
