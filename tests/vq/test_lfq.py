"""Lookup-free quantisation: indices against the implicit codebook, the entropy loss against the
factorised per-channel entropies and against vector-quantize-pytorch's LFQ (float32 inside it), the
clamp convention, and the float16 NaN of an epsilon added inside the log."""
import numpy as np
import pytest

from reference.vq.lfq import (lfq_backward, lfq_codebook, lfq_entropy_backward, lfq_entropy_forward, lfq_forward,
                              naive_entropy_fp16)


def test_the_index_picks_the_code_equal_to_the_signs():
    rng = np.random.default_rng(0)
    z = rng.standard_normal((50, 5))
    q, (idx, _) = lfq_forward(z, scale=0.5)
    np.testing.assert_array_equal(0.5 * lfq_codebook(5)[idx], q)
    assert lfq_codebook(3)[4].tolist() == [1.0, -1.0, -1.0]             # first channel most significant
    g = rng.standard_normal(q.shape)
    np.testing.assert_array_equal(lfq_backward(g, lfq_forward(z)[1]), g)


def test_per_sample_entropy_is_the_sum_of_the_channels_binary_entropies():
    """The softmax over 2^d corners of 2 tau C z factorises: p(+1 in channel i) = sigmoid(4 tau z_i)."""
    rng = np.random.default_rng(1)
    z, tau = 0.1 * rng.standard_normal((30, 4)), 5.0
    _, cache = lfq_entropy_forward(z, inv_temperature=tau, diversity_gamma=0.0)
    s = 1 / (1 + np.exp(-4 * tau * z))
    binary = -(s * np.log(s) + (1 - s) * np.log(1 - s))
    assert cache[-1][0] == pytest.approx(binary.sum(axis=1).mean(), rel=1e-12)


def test_the_entropy_loss_rewards_confident_and_spread_codes():
    rng = np.random.default_rng(2)
    spread = lfq_entropy_forward(3 * np.sign(rng.standard_normal((4000, 3))))[1][-1]
    collapsed = lfq_entropy_forward(np.full((4000, 3), 3.0))[1][-1]
    assert spread[0] < 1e-10 and spread[1] == pytest.approx(3 * np.log(2), rel=1e-3)
    assert collapsed[1] < 1e-10


@pytest.mark.parametrize("clamp", [None, 1e-5])
def test_the_entropy_gradient_equals_central_differences(clamp):
    from reference.core.gradcheck import check_op

    z = 0.05 * np.random.default_rng(3).standard_normal((6, 3))
    report = check_op(lambda v: lfq_entropy_forward(v, inv_temperature=20.0, clamp=clamp), lfq_entropy_backward,
                      (z,), names=("z",))
    report.raise_if_failed()


def test_a_saturated_softmax_is_finite_here_and_nan_with_the_misplaced_epsilon_in_float16():
    z = np.array([[40.0, -40.0, 40.0]])
    loss, cache = lfq_entropy_forward(z.astype(np.float32))
    assert np.isfinite(loss) and np.all(np.isfinite(lfq_entropy_backward(1.0, cache)))
    assert np.isnan(naive_entropy_fp16(cache[2])).all()           # 0 * log(0 + 1e-20 -> 0) = nan


@pytest.mark.parametrize("scale", [1.0, 0.5])
def test_vector_quantize_pytorch_lfq_agrees_to_its_float32(scale):
    torch = pytest.importorskip("torch")
    vqp = pytest.importorskip("vector_quantize_pytorch")
    rng = np.random.default_rng(4)
    x = 0.02 * rng.standard_normal((2, 5, 4))
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        lfq = vqp.LFQ(dim=4, codebook_size=16, entropy_loss_weight=1.0, diversity_gamma=1.0,
                      commitment_loss_weight=0.0, codebook_scale=scale)
        lfq.train()
        tx = torch.tensor(x, requires_grad=True)
        out, indices, aux = lfq(tx)
        aux.backward()
    finally:
        torch.set_default_dtype(old)
    q, (idx, _) = lfq_forward(x, scale=scale)
    np.testing.assert_array_equal(out.detach().numpy(), q)
    np.testing.assert_array_equal(indices.numpy(), idx)
    loss, cache = lfq_entropy_forward(x, clamp=1e-5, scale=scale)   # the package clamps p at 1e-5 in its log
    assert float(loss) == pytest.approx(aux.item(), rel=1e-6)
    np.testing.assert_allclose(lfq_entropy_backward(1.0, cache), tx.grad.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("bad, message", [
    (lambda: lfq_codebook(17), "1..16 channels"),
    (lambda: lfq_entropy_forward(np.zeros((10, 3)), clamp=2.0), "clamp"),
    (lambda: lfq_entropy_forward(np.zeros((100, 10)), max_bytes=1000), "exceed max_bytes"),
    (lambda: lfq_backward(np.zeros((2, 2)), lfq_forward(np.zeros((2, 3)))[1]), "dq: expected shape"),
])
def test_bad_input_is_refused(bad, message):
    with pytest.raises(ValueError, match=message):
        bad()
