"""Codebook regularisers and parameterisations: the orthogonal loss against its formula and
vector-quantize-pytorch's orthogonal_loss_fn, active codes along the code axis (#43) and a
gradient that exists (#12), the cosine codebook against brute-force cosines and PyTorch
autograd of the normalised straight-through, and the affine codebook."""
import numpy as np
import pytest

from reference.vq.codebook import (affine_codebook_backward, affine_codebook_forward, cosine_vq_backward,
                                   cosine_vq_forward, orthogonal_loss_backward, orthogonal_loss_forward)

from .package import package_in_float64


def test_the_orthogonal_loss_is_the_normalised_gram_distance_to_identity():
    rng = np.random.default_rng(0)
    E = rng.standard_normal((6, 4))
    U = E / np.linalg.norm(E, axis=1, keepdims=True)
    expected = ((U @ U.T - np.eye(6)) ** 2).sum() / 36
    assert float(orthogonal_loss_forward(E)[0]) == pytest.approx(expected, rel=1e-12)


def test_active_codes_are_taken_along_the_code_axis_of_a_headed_codebook():
    rng = np.random.default_rng(1)
    E = rng.standard_normal((2, 5, 3))                  # 2 heads, 5 codes
    ids = np.array([[4, 1], [1, 0]])
    got = float(orthogonal_loss_forward(E, indices=ids)[0])
    assert got == pytest.approx(float(orthogonal_loss_forward(E[:, [0, 1, 4]])[0]), rel=1e-14)
    assert got != pytest.approx(float(orthogonal_loss_forward(E[[0, 1]][:, :3])[0]), rel=1e-6)   # not heads
    g = orthogonal_loss_backward(1.0, orthogonal_loss_forward(E, indices=ids)[1])
    assert not g[:, [2, 3]].any() and g[:, [0, 1, 4]].any()


def test_a_gradient_step_on_the_regulariser_makes_the_codes_more_orthogonal():
    E = np.random.default_rng(2).standard_normal((4, 4)) + 2.0
    loss, cache = orthogonal_loss_forward(E)
    for _ in range(200):
        E = E - 5.0 * orthogonal_loss_backward(1.0, cache)
        new, cache = orthogonal_loss_forward(E)
    assert float(loss) > 0.5 and abs(float(new)) < 1e-10        # orthonormal directions reached


def test_vector_quantize_pytorch_orthogonal_loss_fn():
    torch = pytest.importorskip("torch")
    vqp = pytest.importorskip("vector_quantize_pytorch.vector_quantize_pytorch")
    E = np.random.default_rng(3).standard_normal((2, 7, 3))
    t = torch.tensor(E, requires_grad=True)
    loss = vqp.orthogonal_loss_fn(t)
    loss.backward()
    ours, cache = orthogonal_loss_forward(E)
    assert float(ours) == pytest.approx(loss.item(), rel=1e-13)
    np.testing.assert_allclose(orthogonal_loss_backward(1.0, cache), t.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_the_cosine_codebook_picks_the_largest_cosine_and_differentiates_the_normalisation():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    z, E = rng.standard_normal((20, 3)) * 3, rng.standard_normal((6, 3)) * rng.uniform(0.5, 4, (6, 1))
    zq, (idx, *_) = cosine_vq_forward(z, E)
    cos = (z @ E.T) / np.linalg.norm(z, axis=1)[:, None] / np.linalg.norm(E, axis=1)[None]
    np.testing.assert_array_equal(idx, cos.argmax(axis=1))
    np.testing.assert_allclose(np.linalg.norm(zq, axis=1), 1.0, rtol=1e-14)
    tz = torch.tensor(z, requires_grad=True)
    u = torch.nn.functional.normalize(tz, dim=-1)
    out = u + (torch.tensor(zq) - u).detach()
    g = rng.standard_normal(zq.shape)
    out.backward(torch.tensor(g))
    dz, dE = cosine_vq_backward(g, cosine_vq_forward(z, E)[1])
    np.testing.assert_allclose(dz, tz.grad.numpy(), rtol=1e-12, atol=1e-15)
    assert not dE.any()


def test_the_affine_codebook_moves_every_code_with_one_step():
    rng = np.random.default_rng(5)
    raw, scale, shift = rng.standard_normal((5, 3)), rng.uniform(0.5, 2, 3), rng.standard_normal(3)
    codes, cache = affine_codebook_forward(raw, scale, shift)
    np.testing.assert_allclose(codes, raw * scale + shift, rtol=1e-15)
    d = np.zeros_like(codes)
    d[0] = 1.0                                              # a gradient on one code only
    draw, dscale, dshift = affine_codebook_backward(d, cache)
    new = affine_codebook_forward(raw - draw, scale - dscale, shift - dshift)[0]
    assert np.all(np.abs(new[1:] - codes[1:]).sum(axis=1) > 0)      # the others move too


@pytest.mark.parametrize("bad, message", [
    (lambda: orthogonal_loss_forward(np.zeros(3)), r"\(K, D\) or \(heads, K, D\)"),
    (lambda: orthogonal_loss_forward(np.ones((3, 2)), indices=[5]), "code indices in"),
    (lambda: cosine_vq_forward(np.ones((2, 3)), np.ones((4, 2))), "D=3"),
    (lambda: affine_codebook_forward(np.ones((3, 2)), np.ones(3), np.ones(2)), r"expected shape \(2,\)"),
])
def test_bad_input_is_refused(bad, message):
    with pytest.raises(ValueError, match=message):
        bad()


def _package_cosine_vq(E, z, commitment_weight):
    """vector-quantize-pytorch's VectorQuantize with use_cosine_sim, the codebook set to E (it keeps
    unit codes), frozen, no rotation trick, in float64 where it allows: (torch z, its outputs)."""
    with package_in_float64() as (torch, vqp):
        vq = vqp.VectorQuantize(dim=E.shape[1], codebook_size=E.shape[0], use_cosine_sim=True, kmeans_init=False,
                                rotation_trick=False, commitment_weight=commitment_weight)
        vq.train()
        with torch.no_grad():
            vq._codebook.embed.copy_(torch.tensor(E / np.linalg.norm(E, axis=1, keepdims=True))[None])
        tz = torch.tensor(z[None], requires_grad=True)                   # (1, N, D)
        return tz, vq(tz, freeze_codebook=True)


@pytest.mark.parametrize("weight", [1.0, 0.25])
def test_the_cosine_commitment_equals_vector_quantize_pytorchs(weight):
    # vector-quantize-pytorch 1.32.0: commit_loss = F.mse_loss(sg[unit code], l2norm(x)), times commitment_weight
    from reference.vq.codebook import cosine_commitment_backward, cosine_commitment_forward

    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(12)
    E = rng.standard_normal((6, 4)) * rng.uniform(0.5, 3, (6, 1))
    z = rng.standard_normal((9, 4)) * rng.uniform(0.5, 3, (9, 1))
    tz, (out, indices, loss) = _package_cosine_vq(E, z, weight)
    idx = indices.numpy()[0]
    np.testing.assert_array_equal(idx, cosine_vq_forward(z, E)[1][0])
    ours, cache = cosine_commitment_forward(z, E, idx, gamma=weight)
    assert float(ours) == pytest.approx(loss.item(), rel=1e-6)          # the package's codes pass through float32
    loss.backward()
    dz, dE, _ = cosine_commitment_backward(1.0, cache)
    np.testing.assert_allclose(dz, tz.grad.numpy()[0], rtol=1e-5, atol=1e-9)
    assert not dE.any() and dE.shape == E.shape
    # and against autograd in float64 through F.normalize, codes held fixed
    t = torch.tensor(z, requires_grad=True)
    Eu = torch.tensor(E / np.linalg.norm(E, axis=1, keepdims=True))[torch.tensor(idx)]
    ref = weight * ((torch.nn.functional.normalize(t, dim=-1) - Eu) ** 2).mean()
    ref.backward()
    assert float(ours) == pytest.approx(ref.item(), rel=1e-14)
    np.testing.assert_allclose(dz, t.grad.numpy(), rtol=1e-12, atol=1e-15)
    total, cache = cosine_commitment_forward(z, E, idx, gamma=weight, reduction="sum")
    assert float(total) == pytest.approx(float(ours) * z.size, rel=1e-14)
