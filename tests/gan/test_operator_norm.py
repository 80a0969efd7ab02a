"""The convolution's true operator norm: the FFT closed form and power iteration against an
ARPACK SVD of the operator (SciPy), and the reshaped-kernel spectral norm's counterexample."""
import numpy as np
import pytest
from scipy.sparse.linalg import LinearOperator, svds

from reference.gan.conv import conv2d_forward, conv2d_transpose_forward
from reference.gan.operator_norm import (circular_conv2d, circular_conv2d_adjoint, circular_conv_norm_fft,
                                         conv_operator_norm)


def _svds_norm(forward, adjoint, in_shape, out_shape):
    op = LinearOperator((int(np.prod(out_shape)), int(np.prod(in_shape))), dtype=np.float64,
                        matvec=lambda v: forward(v.reshape(in_shape)).ravel(),
                        rmatvec=lambda v: adjoint(v.reshape(out_shape)).ravel())
    return float(svds(op, k=1, tol=1e-14, return_singular_vectors=False)[0])


@pytest.mark.parametrize("seed", [0, 1])
def test_the_fft_closed_form_is_the_circular_operators_norm(seed):
    rng = np.random.default_rng(seed)
    W, hw = rng.standard_normal((3, 3, 2, 4)), (6, 5)
    in_shape, out_shape = (1, 6, 5, 2), (1, 6, 5, 4)
    x, y = rng.standard_normal(in_shape), rng.standard_normal(out_shape)
    assert np.sum(circular_conv2d(x, W) * y) == pytest.approx(np.sum(x * circular_conv2d_adjoint(y, W, hw)), rel=1e-12)
    want = _svds_norm(lambda v: circular_conv2d(v, W), lambda v: circular_conv2d_adjoint(v, W, hw), in_shape, out_shape)
    assert circular_conv_norm_fft(W, hw) == pytest.approx(want, rel=1e-10)


@pytest.mark.parametrize("stride, padding", [(1, "same"), (2, "same"), (2, "valid")])
def test_power_iteration_on_the_adjoint_pair_converges_to_the_norm(stride, padding):
    rng = np.random.default_rng(2)
    W, hw = rng.standard_normal((3, 3, 2, 3)), (7, 6)
    in_shape = (1, 7, 6, 2)
    out_shape = conv2d_forward(np.zeros(in_shape), W, stride=stride, padding=padding)[0].shape
    want = _svds_norm(lambda v: conv2d_forward(v, W, stride=stride, padding=padding)[0],
                      lambda v: conv2d_transpose_forward(v, W, stride=stride, padding=padding, output_size=hw)[0],
                      in_shape, out_shape)
    assert conv_operator_norm(W, hw, stride=stride, padding=padding, n_iter=500) == pytest.approx(want, rel=1e-8)


def test_the_reshaped_kernel_spectral_norm_is_below_the_lipschitz_constant():
    W = np.ones((3, 3, 1, 1))
    reshaped = float(np.linalg.svd(W.reshape(-1, 1), compute_uv=False)[0])
    assert reshaped == pytest.approx(3.0)
    assert circular_conv_norm_fft(W, (16, 16)) == pytest.approx(9.0)
    true = conv_operator_norm(W / reshaped, (32, 32), n_iter=300)          # zero padding: close to 3 from below
    assert 2.9 < true < 3.0                                                # the "normalised" layer stretches 2.9x
