"""Residual VQ: the forward against a brute-force loop, both gradient conventions against PyTorch
models of EnCodec's and vector-quantize-pytorch's chains, the per-level losses against autograd
with their stop-gradients, shared codebooks, and vector-quantize-pytorch's ResidualVQ itself
when it is installed."""
import numpy as np
import pytest

from reference.vq.assign import brute_force_codes
from reference.vq.residual import level_usage, rvq_backward, rvq_forward, rvq_loss_backward, rvq_loss_forward

from .package import package_in_float64


def _setup(seed=0, L=3, K=6, D=4, shape=(5, 2)):
    rng = np.random.default_rng(seed)
    return rng, rng.standard_normal((L, K, D)) * (2.0 ** -np.arange(L))[:, None, None] * 2, \
        rng.standard_normal(shape + (D,)) * 2


def test_the_forward_is_the_residual_loop_with_brute_force_assignment():
    rng, E, z = _setup()
    zq, cache = rvq_forward(z, E)
    r, total = z, 0
    for level in range(3):
        k = brute_force_codes(r, E[level])
        np.testing.assert_array_equal(cache.indices[level], k)
        total = total + E[level][k]
        r = r - E[level][k]
    np.testing.assert_array_equal(zq, total)


def test_with_a_zero_code_at_every_level_the_residual_never_grows():
    rng, E, z = _setup(1, L=4)
    E[:, 0] = 0.0
    _, cache = rvq_forward(z, E)
    norms = np.linalg.norm(cache.residuals, axis=-1)
    assert np.all(np.diff(norms, axis=0) <= 1e-12)


def _torch_chain(torch, tz, E, indices, detach_residual):
    """EnCodec (detach_residual False) or vector-quantize-pytorch (True), straight-through per level."""
    residual, out = tz, 0
    for level in range(len(E)):
        q = torch.tensor(E[level][indices[level]])
        quantized = residual + (q - residual).detach()
        residual = residual - (quantized.detach() if detach_residual else quantized)
        out = out + quantized
    return out


@pytest.mark.parametrize("gradient, detach", [("total", False), ("per_level", True)])
def test_the_gradient_conventions_are_encodec_and_vector_quantize_pytorch(gradient, detach):
    torch = pytest.importorskip("torch")
    rng, E, z = _setup(2)
    zq, cache = rvq_forward(z, E, gradient=gradient)
    tz = torch.tensor(z, requires_grad=True)
    out = _torch_chain(torch, tz, E, cache.indices, detach)
    np.testing.assert_allclose(out.detach().numpy(), zq, rtol=0, atol=1e-14)
    g = rng.standard_normal(zq.shape)
    out.backward(torch.tensor(g))
    dz, dE = rvq_backward(g, cache)
    np.testing.assert_allclose(dz, tz.grad.numpy(), rtol=1e-15)
    assert not dE.any() and dE.shape == E.shape


@pytest.mark.parametrize("shared", [False, True])
def test_the_per_level_losses_equal_autograd_with_their_stop_gradients(shared):
    torch = pytest.importorskip("torch")
    rng, E, z = _setup(3)
    books = E[0] if shared else E
    kw = {"levels": 3} if shared else {}
    _, cache = rvq_forward(z, books, **kw)
    loss, lc = rvq_loss_forward(z, books, cache.indices, beta=0.7, gamma=0.3, reduction="mean", gradient="per_level",
                                **kw)
    tz, tE = torch.tensor(z, requires_grad=True), torch.tensor(books, requires_grad=True)
    residual, total = tz, 0
    for level in range(3):
        code = (tE if shared else tE[level])[torch.tensor(cache.indices[level])]
        total = total + 0.7 * ((residual.detach() - code) ** 2).mean() + 0.3 * ((residual - code.detach()) ** 2).mean()
        residual = residual - code.detach()
    total.backward()
    assert float(loss) == pytest.approx(total.item(), rel=1e-13)
    dz, dE, none = rvq_loss_backward(1.0, lc)
    np.testing.assert_allclose(dz, tz.grad.numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(dE, tE.grad.numpy(), rtol=1e-12, atol=1e-15)
    assert none is None


@pytest.mark.parametrize("gradient", ["total", "per_level"])
@pytest.mark.parametrize("shared", [False, True])
def test_the_losses_follow_the_chain_their_gradient_names(gradient, shared):
    # autograd of the chain itself: r_{l+1} = r_l - ST(q_l) ("total": ST(q) = r + sg[q - r], so
    # dr_{l+1}/dr_l = 0) or r_l - sg[q_l] ("per_level"); the losses per level, a random (L,) cotangent
    torch = pytest.importorskip("torch")
    rng, E, z = _setup(8)
    books = E[0] if shared else E
    kw = {"levels": 3} if shared else {}
    _, cache = rvq_forward(z, books, **kw)
    losses, lc = rvq_loss_forward(z, books, cache.indices, beta=0.7, gamma=0.3, gradient=gradient,
                                  level_losses=True, **kw)
    total, _ = rvq_loss_forward(z, books, cache.indices, beta=0.7, gamma=0.3, gradient=gradient, **kw)
    tz, tE = torch.tensor(z, requires_grad=True), torch.tensor(books, requires_grad=True)
    residual, per_level = tz, []
    for level in range(3):
        code = (tE if shared else tE[level])[torch.tensor(cache.indices[level])]
        per_level.append(0.7 * ((residual.detach() - code) ** 2).mean() + 0.3 * ((residual - code.detach()) ** 2).mean())
        st = residual + (code - residual).detach()
        residual = residual - (st if gradient == "total" else code.detach())
    per_level = torch.stack(per_level)
    np.testing.assert_allclose(losses, per_level.detach().numpy(), rtol=1e-13)
    assert float(total) == pytest.approx(float(per_level.detach().sum()), rel=1e-13)
    g = rng.standard_normal(3)
    per_level.backward(torch.tensor(g))
    dz, dE, _ = rvq_loss_backward(g, lc)
    np.testing.assert_allclose(dz, tz.grad.numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(dE, tE.grad.numpy(), rtol=1e-12, atol=1e-15)


def _residual_vq(E, z, **options):
    """vector-quantize-pytorch's ResidualVQ in float64 with the codebooks E (frozen, no rotation
    trick), run on z: (the torch z, its (out, indices, commitment losses))."""
    with package_in_float64() as (torch, vqp):
        rvq = vqp.ResidualVQ(dim=E.shape[-1], num_quantizers=len(E), codebook_size=E.shape[1], kmeans_init=False,
                             rotation_trick=False, **options)
        rvq.train()
        for level, layer in enumerate(rvq.layers):
            with torch.no_grad():
                layer._codebook.embed.copy_(torch.tensor(E[level])[None])
        tz = torch.tensor(z, requires_grad=True)
        return tz, rvq(tz, freeze_codebook=True)


@pytest.mark.parametrize("gradient, frac", [("total", 1.0), ("per_level", 0.0)])
def test_the_commitment_gradient_equals_residual_vq_in_both_chains(gradient, frac):
    """vector-quantize-pytorch's ResidualVQ: quant_grad_frac=1 subtracts each level's
    straight-through output (the "total" chain: only level 0's commitment reaches z), the default
    0 its detached code ("per_level"). Its commitment losses' gradient to z against
    rvq_loss_backward with beta=0, gamma=1."""
    torch = pytest.importorskip("torch")
    rng, E, z = _setup(9)
    tz, (_, indices, commit) = _residual_vq(E, z, quant_grad_frac=frac)
    commit.sum().backward()
    k = np.moveaxis(indices.numpy(), -1, 0)
    losses, lc = rvq_loss_forward(z, E, k, beta=0.0, gamma=1.0, gradient=gradient, level_losses=True)
    np.testing.assert_allclose(losses, commit.detach().numpy(), rtol=1e-6)   # its codes in float32
    dz = rvq_loss_backward(np.ones(3), lc)[0]
    np.testing.assert_allclose(dz, tz.grad.numpy(), rtol=1e-5, atol=1e-7)
    if gradient == "total":                       # only the first level's term: not the per_level sum
        other = rvq_loss_backward(np.ones(3), rvq_loss_forward(z, E, k, beta=0.0, gamma=1.0, gradient="per_level",
                                                                level_losses=True)[1])[0]
        assert np.abs(other - tz.grad.numpy()).max() > 1e-3 * np.abs(other).max()


def test_usage_per_level():
    rng, E, z = _setup(4, K=5, shape=(200,))
    _, cache = rvq_forward(z, E)
    usage = level_usage(cache.indices, 5)
    assert len(usage) == 3 and all(u["counts"].sum() == 200 for u in usage)
    assert all(1 <= u["perplexity"] <= 5 and 0 < u["usage"] <= 1 for u in usage)


def test_vector_quantize_pytorch_residual_vq_is_the_per_level_convention():
    """ResidualVQ (rotation_trick=False, codebooks frozen) against this reference. The package returns
    its codes rounded to float32 even in float64, so values agree to float32 round-off of the codes;
    indices and gradients agree exactly. With its default rotation_trick=True the gradient is each
    level's rotation instead (reference.vq.rotation)."""
    torch = pytest.importorskip("torch")
    rng, E, z = _setup(5)
    tz, (out, indices, commit) = _residual_vq(E, z)
    zq, cache = rvq_forward(z, E, gradient="per_level")
    np.testing.assert_array_equal(indices.numpy(), np.moveaxis(cache.indices, 0, -1))
    np.testing.assert_allclose(out.detach().numpy(), zq, rtol=0, atol=4 * np.finfo(np.float32).eps * np.abs(E).max())
    g = rng.standard_normal(zq.shape)
    out.backward(torch.tensor(g), retain_graph=True)
    np.testing.assert_array_equal(tz.grad.numpy(), rvq_backward(g, cache)[0])
    per_level = [float(rvq_loss_forward(r, E[level], k, beta=0.0, gamma=1.0, levels=1)[0])
                 for level, (r, k) in enumerate(zip(cache.residuals, cache.indices[:, None]))]
    np.testing.assert_allclose(commit.detach().numpy(), per_level, rtol=1e-6)


@pytest.mark.parametrize("bad, message", [
    (lambda: rvq_forward(np.zeros((2, 3)), np.zeros((4, 3))), "needs the number of levels"),
    (lambda: rvq_forward(np.zeros((2, 3)), np.zeros((2, 4, 2))), "dimension 3"),
    (lambda: rvq_forward(np.zeros((2, 3)), np.zeros((2, 4, 3)), levels=3), "have 2 levels"),
    (lambda: rvq_forward(np.zeros((2, 3)), np.zeros((2, 4, 3)), gradient="sum"), "gradient: expected one of"),
    (lambda: rvq_loss_forward(np.zeros((2, 3)), np.zeros((2, 4, 3)), np.zeros((2, 3), int)), r"indices: expected shape \(2, 2\)"),
])
def test_bad_input_is_refused(bad, message):
    with pytest.raises(ValueError, match=message):
        bad()
