"""The DCGAN, ResNet and MLP assemblies: forward and every gradient against PyTorch models written
here from the block order in the module docstring (not from the layer lists), SELF-MOD BN in
evaluation against central differences, batch independence in evaluation, parameter counts
from the architecture's formula, and the shape flow on 8x8 images."""
import numpy as np
import pytest

from reference.core.gradcheck import numerical_vjp
from reference.gan import assemblies as A
from reference.gan import digits
from reference.gan.layers import SelfModBN

EPS = 1e-3
RNG = np.random.default_rng(7)


def _by_name(model):
    return {p.name: p for p in model.parameters()}


class _Torch:
    """Functional PyTorch versions of the layers, reading refspace's parameters by name."""

    def __init__(self, torch, model):
        self.torch, self.F = torch, torch.nn.functional
        self.params = {k: torch.tensor(p.value, requires_grad=True) for k, p in _by_name(model).items()}

    def dense(self, name, h):
        return h @ self.params[f"{name}.W"] + self.params[f"{name}.b"]

    def _w(self, name):
        return self.params[f"{name}.W"].permute(3, 2, 0, 1)         # (KH, KW, a, b) -> (b, a, KH, KW)

    def conv(self, name, h, stride=1):
        k = self.params[f"{name}.W"].shape[0]
        pad = {1: 0, 3: 1, 4: 1}[k]       # TF 'same' for these sizes and strides is symmetric
        return self.F.conv2d(h, self._w(name), self.params[f"{name}.b"], stride=stride, padding=pad)

    def deconv(self, name, h):
        return self.F.conv_transpose2d(h, self._w(name), self.params[f"{name}.b"], stride=2, padding=1)

    def bn(self, name, h):
        return self.F.batch_norm(h, None, None, self.params[f"{name}.gamma"], self.params[f"{name}.beta"],
                                 training=True, eps=EPS)

    def smbn(self, name, h, z):
        p = lambda k: self.params[f"{name}.{k}"]
        gamma = self.torch.relu(z @ p("W1g") + p("b1g")) @ p("W2g") + p("b2g")
        beta = self.torch.relu(z @ p("W1b") + p("b1b")) @ p("W2b") + p("b2b")
        xh = self.F.batch_norm(h, None, None, None, None, training=True, eps=EPS)
        if h.ndim == 4:
            return xh * (gamma + 1)[:, :, None, None] + beta[:, :, None, None]
        return xh * (gamma + 1) + beta

    def norm(self, kind, k, h, z):
        return self.bn(f"bn{k}", h) if kind == "bn" else self.smbn(f"smbn{k}", h, z)

    def to_nchw(self, h, w):
        return h.reshape(h.shape[0], 4, 4, w).permute(0, 3, 1, 2)


def _dcgan_g(T, z, w, kind):     # size 16: one inner deconvolution
    h = T.torch.relu(T.norm(kind, 1, T.to_nchw(T.dense("dense", z), w), z))
    h = T.torch.relu(T.norm(kind, 2, T.deconv("deconv1", h), z))
    return T.torch.tanh(T.deconv("deconv_out", h))


def _dcgan_d(T, x):
    h = T.F.leaky_relu(T.conv("conv1", x, 2), 0.2)
    h = T.F.leaky_relu(T.bn("bn2", T.conv("conv2", h, 2)), 0.2)
    return T.dense("logit", h.permute(0, 2, 3, 1).reshape(h.shape[0], -1))


def _resnet_g(T, z, w, kind, alpha):     # size 16: two blocks
    up = lambda h: T.F.interpolate(h, scale_factor=2, mode="nearest")
    h, k = T.to_nchw(T.dense("dense", z), w), 0
    for i in (1, 2):
        f = T.conv(f"g{i}.conv1", up(T.torch.relu(T.norm(kind, k + 1, h, z))))
        f = T.conv(f"g{i}.conv2", T.torch.relu(T.norm(kind, k + 2, f, z)))
        h, k = T.conv(f"g{i}.shortcut", up(h)) + alpha * f, k + 2
    return T.torch.tanh(T.conv("conv_out", T.torch.relu(T.norm(kind, k + 1, h, z))))


def _resnet_d(T, x, alpha):
    lrelu = lambda h: T.F.leaky_relu(h, 0.2)
    h = x
    for i in (1, 2):
        f = T.conv(f"d{i}.conv1", lrelu(h) if i > 1 else h)
        f = T.F.avg_pool2d(T.conv(f"d{i}.conv2", lrelu(f)), 2)
        h = T.F.avg_pool2d(T.conv(f"d{i}.shortcut", h), 2) + alpha * f
    h = lrelu(h)
    return T.dense("logit", h.permute(0, 2, 3, 1).reshape(h.shape[0], -1))


def _compare(torch, model, T, inp, out_t, rng):
    y, vjp = model.forward(inp)
    dy = rng.standard_normal(y.shape)
    model.zero_grad()
    (dinp,) = vjp(dy)
    t_inp = torch.tensor(inp if inp.ndim == 2 else inp.transpose(0, 3, 1, 2), requires_grad=True)
    ty = out_t(t_inp)
    ty = ty if ty.ndim == 2 else ty.permute(0, 2, 3, 1)
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    ty.backward(torch.from_numpy(dy))
    g = t_inp.grad.numpy()
    np.testing.assert_allclose(dinp, g if g.ndim == 2 else g.transpose(0, 2, 3, 1), rtol=1e-9, atol=1e-11)
    for name, p in _by_name(model).items():
        np.testing.assert_allclose(p.grad, T.params[name].grad.numpy(), rtol=1e-9, atol=1e-11, err_msg=name)


@pytest.mark.parametrize("kind", ["bn", "selfmod"])
def test_generators_equal_pytorch_models_written_from_the_documented_order(kind):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    z = rng.standard_normal((6, 5))
    for G, ref in ((A.DCGANGenerator(5, 16, 2, 8, norm=kind, rng=rng), lambda T, tz: _dcgan_g(T, tz, 8, kind)),
                   (A.ResNetGenerator(5, 16, 2, 8, norm=kind, alpha=0.3, rng=rng),
                    lambda T, tz: _resnet_g(T, tz, 8, kind, 0.3))):
        for p in G.parameters():        # no zero output layers in SELF-MOD: every path carries a gradient
            p.assign(p.value + 0.3 * rng.standard_normal(p.shape))
        T = _Torch(torch, G)
        _compare(torch, G, T, z, lambda tz: ref(T, tz), rng)


def test_discriminators_equal_pytorch_models_written_from_the_documented_order():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, 16, 16, 2))
    for D, ref in ((A.DCGANDiscriminator(16, 2, 8, rng=rng), _dcgan_d),
                   (A.ResNetDiscriminator(16, 2, 8, alpha=0.3, rng=rng), lambda T, tx: _resnet_d(T, tx, 0.3))):
        T = _Torch(torch, D)
        _compare(torch, D, T, x, lambda tx: ref(T, tx), rng)


def test_the_mlp_generator_with_self_mod_against_central_differences():
    rng = np.random.default_rng(2)
    G = A.MLPGenerator(3, 2, hidden=6, depth=2, norm="selfmod", selfmod_hidden=4, selfmod_shared=True, rng=rng)
    for p in G.parameters():
        p.assign(p.value + 0.5 * rng.standard_normal(p.shape))
    z = rng.standard_normal((7, 3))
    x, vjp = G.forward(z)
    dx = rng.standard_normal(x.shape)
    G.zero_grad()
    (dz,) = vjp(dx)
    np.testing.assert_allclose(dz, numerical_vjp(lambda zz: G.forward(zz)[0], [z], dx)[0], rtol=1e-6, atol=1e-8)
    shared = G.layers[1]
    assert shared.W1b is shared.W1g and sum(p is shared.W1g for p in G.parameters()) == 1

    def through(value):
        saved = shared.W1g.value
        shared.W1g.assign(value)
        out = G.forward(z)[0]
        shared.W1g.assign(saved)
        return out

    np.testing.assert_allclose(shared.W1g.grad, numerical_vjp(through, [shared.W1g.value.copy()], dx)[0],
                               rtol=1e-6, atol=1e-8)


def test_self_mod_bn_in_evaluation_uses_the_running_statistics_and_its_gradients_are_right():
    rng = np.random.default_rng(3)
    layer = SelfModBN(3, 4, 5, rng=rng)
    for p in layer.parameters():
        p.assign(p.value + 0.5 * rng.standard_normal(p.shape))
    for _ in range(3):
        layer.forward(rng.standard_normal((6, 2, 2, 3)) * 2 + 1, rng.standard_normal((6, 4)))
    layer.training = False
    x, z = rng.standard_normal((5, 2, 2, 3)), rng.standard_normal((5, 4))
    y, vjp = layer.forward(x, z)
    # the oracle: the formula written out with the running statistics
    gamma = np.maximum(z @ layer.W1g.value + layer.b1g.value, 0) @ layer.W2g.value + layer.b2g.value
    beta = np.maximum(z @ layer.W1b.value + layer.b1b.value, 0) @ layer.W2b.value + layer.b2b.value
    x_hat = (x - layer.running_mean.value) / np.sqrt(layer.running_var.value + EPS)
    np.testing.assert_allclose(y, x_hat * (gamma + 1)[:, None, None] + beta[:, None, None], rtol=1e-12)
    dy = rng.standard_normal(y.shape)
    layer.zero_grad()
    dx, dz = vjp(dy)
    nx, nz = numerical_vjp(lambda a, b: layer.forward(a, b)[0], [x, z], dy)
    np.testing.assert_allclose(dx, nx, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(dz, nz, rtol=1e-6, atol=1e-8)

    def through(value):
        saved = layer.W2g.value
        layer.W2g.assign(value)
        out = layer.forward(x, z)[0]
        layer.W2g.assign(saved)
        return out

    np.testing.assert_allclose(layer.W2g.grad, numerical_vjp(through, [layer.W2g.value.copy()], dy)[0],
                               rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("make", [lambda r: A.DCGANGenerator(4, 8, 1, 8, norm="selfmod", rng=r),
                                  lambda r: A.ResNetGenerator(4, 8, 1, 8, norm="bn", rng=r)])
def test_generators_in_evaluation_are_batch_independent_and_in_training_are_not(make):
    rng = np.random.default_rng(4)
    G = make(rng)
    z = rng.standard_normal((6, 4))
    for _ in range(2):
        G.forward(rng.standard_normal((16, 4)))
    whole = G.forward(z)[0]
    assert not np.allclose(whole[:1], G.forward(z[:2])[0][:1])     # training: batch statistics
    A.set_training(G, False)
    whole = G.forward(z)[0]
    np.testing.assert_allclose(np.concatenate([G.forward(z[i:i + 1])[0] for i in range(6)]), whole,
                               rtol=1e-12, atol=1e-14)


def test_parameter_counts_follow_the_architecture():
    rng = np.random.default_rng(5)
    zd, w, c = 7, 16, 3
    # DCGAN G at 16x16: Dense, BN(w), deconv w -> w/2, BN(w/2), deconv w/2 -> c
    expected = (zd + 1) * 16 * w + 2 * w + 16 * w * (w // 2) + w // 2 + 2 * (w // 2) + 16 * (w // 2) * c + c
    assert A.DCGANGenerator(zd, 16, c, w, rng=rng).parameter_count() == expected
    # with SELF-MOD each BN(C) becomes two networks z -> h -> C (hidden 5, separate)
    sm = lambda C: 2 * ((zd + 1) * 5 + (5 + 1) * C)
    expected_sm = expected - 2 * w - 2 * (w // 2) + sm(w) + sm(w // 2)
    assert A.DCGANGenerator(zd, 16, c, w, norm="selfmod", selfmod_hidden=5, rng=rng).parameter_count() == expected_sm
    # ResNet D at 8x8: one block c -> w (two 3x3 convs, one 1x1 shortcut), then Dense(16 w -> 1)
    expected_d = (9 * c * w + w) + (9 * w * w + w) + (c * w + w) + 16 * w + 1
    assert A.ResNetDiscriminator(8, c, w, rng=rng).parameter_count() == expected_d


def test_shape_flow_on_8x8_images():
    rng = np.random.default_rng(6)
    images = rng.integers(0, 17, size=(9, 8, 8, 1)).astype(float)       # the digits' range, 0..16
    x = digits.to_unit(images, 16)
    np.testing.assert_array_equal(digits.from_unit(x, 16), images)
    assert x.min() >= -1 and x.max() <= 1
    for G, D in ((A.DCGANGenerator(8, 8, 1, 16, rng=rng), A.DCGANDiscriminator(8, 1, 16, rng=rng)),
                 (A.ResNetGenerator(8, 8, 1, 16, norm="selfmod", rng=rng), A.ResNetDiscriminator(8, 1, 16, rng=rng))):
        fake = G(rng.standard_normal((9, 8)))
        assert fake.shape == (9, 8, 8, 1) and np.all(np.abs(fake) < 1)
        assert D(x).shape == (9, 1) and D(fake).shape == (9, 1)


@pytest.mark.parametrize("bad, message", [
    (lambda: A.DCGANGenerator(4, 12, rng=RNG), "power of two"),
    (lambda: A.DCGANGenerator(4, 4, rng=RNG), "size >= 8"),
    (lambda: A.DCGANGenerator(4, 32, width=6, rng=RNG), "multiple of 4"),
    (lambda: A.MLPGenerator(norm="layer", rng=RNG), "norm: expected one of"),
    (lambda: A.MLPGenerator(3, rng=RNG).forward(np.zeros((2, 4))), r"z: expected shape \(batch, 3\)"),
])
def test_bad_configurations_are_refused_with_the_reason(bad, message):
    with pytest.raises(ValueError, match=message):
        bad()
