"""Upsampling, pooling and LeakyReLU against PyTorch; the article's checkerboard claim and the
dilated-convolution polyphase identity."""
import numpy as np
import pytest

from reference.gan import resample
from reference.gan.conv import conv2d_forward


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 4, 6, 3))
    nchw = lambda a: torch.from_numpy(np.moveaxis(a, -1, 1))
    up, _ = resample.upsample_nearest_forward(x, 2)
    np.testing.assert_array_equal(up, np.moveaxis(F.interpolate(nchw(x), scale_factor=2, mode="nearest").numpy(), 1, -1))
    pool, _ = resample.avg_pool_forward(x, 2)
    np.testing.assert_allclose(pool, np.moveaxis(F.avg_pool2d(nchw(x), 2).numpy(), 1, -1), rtol=1e-14)
    lr, _ = resample.leaky_relu_forward(x, 0.2)
    np.testing.assert_array_equal(lr, F.leaky_relu(torch.from_numpy(x), 0.2).numpy())


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5, 6])
@pytest.mark.parametrize("s", [1, 2, 3])
def test_the_checkerboard_interior_is_constant_iff_the_stride_divides_the_kernel(k, s):
    counts = resample.overlap_counts(12, k, s)
    interior = counts[k:-k]                                     # away from the borders
    assert (np.ptp(interior) == 0) == (k % s == 0), counts
    assert counts.sum() == 12 * k                               # every tap lands somewhere


@pytest.mark.parametrize("d", [2, 3])
def test_a_dilated_convolution_is_plain_convolutions_of_the_polyphase_components(d):
    rng = np.random.default_rng(1)
    x, W = rng.standard_normal((1, 12, 13, 2)), rng.standard_normal((3, 2, 2, 3))
    y, _ = conv2d_forward(x, W, padding="valid", dilation=d)
    for p in range(d):
        for q in range(d):
            part, _ = conv2d_forward(x[:, p::d, q::d], W, padding="valid")   # undilated, on one phase
            np.testing.assert_allclose(y[:, p::d, q::d][:, :part.shape[1], :part.shape[2]], part, rtol=1e-13)


def test_the_residual_merge_written_out():
    rng = np.random.default_rng(2)
    x, fx = rng.standard_normal((2, 3, 3, 4)), rng.standard_normal((2, 3, 3, 4))
    y, alpha = resample.residual_forward(x, fx, 0.3)
    np.testing.assert_allclose(y, x + 0.3 * fx, rtol=1e-15)
    dy = rng.standard_normal(y.shape)
    dx, dfx = resample.residual_backward(dy, alpha)
    np.testing.assert_array_equal(dx, dy)
    np.testing.assert_allclose(dfx, 0.3 * dy, rtol=1e-15)
    with pytest.raises(ValueError, match="fx: expected x's shape"):
        resample.residual_forward(x, fx[:1], 1.0)


@pytest.mark.parametrize("shape, size", [((2, 5, 7, 3), 2), ((1, 7, 8, 2), (3, 2)), ((1, 4, 4, 1), 3)])
def test_avg_pool_drops_the_remainder_as_pytorch_does(shape, size):
    torch = pytest.importorskip("torch")
    from reference.gan.resample import avg_pool_backward, avg_pool_forward

    rng = np.random.default_rng(7)
    x = rng.standard_normal(shape)
    y, cache = avg_pool_forward(x, size, remainder="drop")
    tx = torch.tensor(np.moveaxis(x, -1, 1), requires_grad=True)
    ty = torch.nn.functional.avg_pool2d(tx, size)                       # kernel = stride, floor mode
    np.testing.assert_allclose(y, np.moveaxis(ty.detach().numpy(), 1, -1), rtol=1e-13, atol=1e-15)
    dy = rng.standard_normal(y.shape)
    ty.backward(torch.tensor(np.moveaxis(dy, -1, 1)))
    np.testing.assert_allclose(avg_pool_backward(dy, cache), np.moveaxis(tx.grad.numpy(), 1, -1), rtol=1e-13,
                               atol=1e-15)
    if shape[1] % np.atleast_1d(size)[0]:
        with pytest.raises(ValueError, match="remainder='drop'"):
            avg_pool_forward(x, size)                                    # the default still refuses
