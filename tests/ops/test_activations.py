"""Activations: gradients, properties, independent forward oracles, dtypes, bad input."""
import math

import mpmath
import numpy as np
import pytest
import scipy.special
from hypothesis import example, given
from hypothesis import strategies as st

from reference.ops import activations as act
from reference.core.gradcheck import check_op
from reference.core.strategies import distinct_dims, float_arrays

PAIRS = {
    "sigmoid": (act.sigmoid_forward, act.sigmoid_backward),
    "tanh": (act.tanh_forward, act.tanh_backward),
    "softmax": (act.softmax_forward, act.softmax_backward),
    "cumax": (act.cumax_forward, act.cumax_backward),
    "rev_cumax": (act.rev_cumax_forward, act.rev_cumax_backward),
}

arrays_2d = float_arrays(distinct_dims(2, 1, 6), bound=4.0)


@pytest.mark.parametrize("name", sorted(PAIRS))
@given(x=arrays_2d, scale=st.sampled_from([1.0, 10.0]))
def test_gradient(name, x, scale):
    fwd, bwd = PAIRS[name]
    check_op(fwd, bwd, (scale * x,), names=("x",)).raise_if_failed()


@given(x=float_arrays(distinct_dims(3, 1, 4)), axis=st.integers(-3, 2))
def test_softmax_gradient_any_axis(x, axis):
    fwd = lambda a: act.softmax_forward(a, axis=axis)
    check_op(fwd, act.softmax_backward, (x,), names=("x",)).raise_if_failed()


# --- forwards against independent oracles ----------------------------------------------------

@given(x=float_arrays((7,), bound=40.0))
@example(x=np.array([-745.0, -40.0, 0.0, 40.0, 745.0, 1e4, -1e4]))
def test_sigmoid_matches_scipy_expit_without_overflow(x):
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y, _ = act.sigmoid_forward(x)
    np.testing.assert_allclose(y, scipy.special.expit(x), rtol=1e-15, atol=1e-300)  # scipy flushes e^-745 to 0


def test_sigmoid_and_tanh_match_mpmath():
    xs = np.linspace(-30, 30, 61)
    sig = np.array([float(1 / (1 + mpmath.exp(-mpmath.mpf(v)))) for v in xs])
    th = np.array([float(mpmath.tanh(mpmath.mpf(v))) for v in xs])
    np.testing.assert_allclose(act.sigmoid_forward(xs)[0], sig, rtol=4.5e-16, atol=0)  # within 2 ulp
    np.testing.assert_allclose(act.tanh_forward(xs)[0], th, rtol=4.5e-16, atol=0)  # within 2 ulp


@given(x=arrays_2d)
def test_softmax_matches_scipy(x):
    np.testing.assert_allclose(act.softmax_forward(x)[0], scipy.special.softmax(x, axis=-1), rtol=1e-13)


@given(x=float_arrays((2, 5)))
def test_cumax_matches_a_python_loop(x):
    expected = np.empty_like(x)
    for r in range(x.shape[0]):
        e = [math.exp(v) for v in x[r]]
        total, run = sum(e), 0.0
        for k, v in enumerate(e):
            run += v / total
            expected[r, k] = run
    np.testing.assert_allclose(act.cumax_forward(x)[0], expected, rtol=1e-13)


# --- properties ------------------------------------------------------------------------------

@given(x=arrays_2d, shift=st.floats(-1e3, 1e3))
def test_softmax_sums_to_one_and_ignores_a_constant_shift(x, shift):
    p = act.softmax_forward(x)[0]
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-14)
    assert (p >= 0).all()
    np.testing.assert_allclose(act.softmax_forward(x + shift)[0], p, rtol=1e-9, atol=1e-15)


def test_softmax_large_logits_do_not_overflow():
    x = np.array([[1e4, 1e4 - 1.0, -1e4], [-1e4, -1e4, -1e4]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        p = act.softmax_forward(x)[0]
    e = math.exp(-1.0)
    np.testing.assert_allclose(p[0], [1 / (1 + e), e / (1 + e), 0.0], rtol=1e-15)
    np.testing.assert_allclose(p[1], [1 / 3] * 3, rtol=1e-15)


@given(x=arrays_2d)
def test_cumax_is_increasing_and_ends_at_one(x):
    y = act.cumax_forward(x)[0]
    assert (np.diff(y, axis=-1) >= 0).all()
    assert (y[..., -1] == 1.0).all()


@given(x=arrays_2d)
def test_rev_cumax_is_decreasing_starts_at_one_and_mirrors_cumax(x):
    y = act.rev_cumax_forward(x)[0]
    assert (np.diff(y, axis=-1) <= 0).all()
    assert (y[..., 0] == 1.0).all()
    np.testing.assert_allclose(y, act.cumax_forward(x[..., ::-1])[0][..., ::-1], rtol=1e-13)


@given(x=arrays_2d)
def test_one_minus_cumax_is_the_exclusive_reverse_cumsum(x):
    # spec: the paper's master input gate 1 - cumax equals sum_{j > k} p_j, i.e. rev_cumax - p
    p = act.softmax_forward(x)[0]
    np.testing.assert_allclose(1 - act.cumax_forward(x)[0], act.rev_cumax_forward(x)[0] - p, atol=1e-14)


# --- dtype, purity, bad input --------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(PAIRS))
def test_float32_in_float32_out(name):
    fwd, bwd = PAIRS[name]
    x = np.random.default_rng(1).standard_normal((3, 4)).astype(np.float32)
    x_before = x.copy()
    y, cache = fwd(x)
    dx = bwd(np.ones_like(y), cache)
    assert y.dtype == np.float32 and dx.dtype == np.float32
    np.testing.assert_array_equal(x, x_before)


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_integer_input_is_a_type_error_naming_x(name):
    fwd, _ = PAIRS[name]
    with pytest.raises(TypeError, match=r"x: expected a floating-point array .* got dtype int64"):
        fwd(np.arange(6).reshape(2, 3))


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_wrong_gradient_shape_is_a_value_error(name):
    fwd, bwd = PAIRS[name]
    _, cache = fwd(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"expected shape \(2, 3\).*got \(3, 2\)"):
        bwd(np.zeros((3, 2)), cache)


def test_softmax_rejects_scalars_empty_axes_and_bad_axes():
    with pytest.raises(ValueError, match="x: expected at least a 1-d array"):
        act.softmax_forward(np.float64(1.0))
    with pytest.raises(ValueError, match="x: expected a non-empty softmax axis"):
        act.softmax_forward(np.zeros((2, 0)))
    with pytest.raises(ValueError, match=r"axis: expected an axis in \[-2, 1\], got 2"):
        act.softmax_forward(np.zeros((2, 3)), axis=2)


# --- the unvalidated kernels the recurrent layers call in their time loops -----------------------

@given(x=float_arrays(distinct_dims(3, 1, 5)), axis=st.integers(0, 2))
def test_reverse_cumsum_by_reversed_views_equals_flip_cumsum_flip_bit_for_bit(x, axis):
    expected = np.flip(np.cumsum(np.flip(x, axis), axis=axis), axis)
    np.testing.assert_array_equal(act._rev_cumsum(x, axis), expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_kernel_in_place_on_a_strided_view_saturates_silently(dtype):
    big = np.array([[-1e4, -100.0, -30.0, 0.0], [30.0, 100.0, 1e4, -0.5]], dtype=dtype)
    a = np.concatenate([big, np.full((2, 3), 7.0, dtype)], axis=1)      # the gates are a column block
    with np.errstate(over="raise", invalid="raise", divide="raise"):     # (underflow to 0 is the answer)
        act.sigmoid_into(a[:, :4], out=a[:, :4])
    expected = scipy.special.expit(big.astype(np.float64))
    np.testing.assert_allclose(a[:, :4], expected, rtol=4 * np.finfo(dtype).eps, atol=np.finfo(dtype).tiny)
    np.testing.assert_array_equal(a[:, 4:], 7.0)                        # the rest of each row untouched
    assert a.dtype == dtype and a[0, 0] == 0 and a[1, 2] == 1


@given(x=float_arrays(distinct_dims(3, 1, 5), bound=30.0))
def test_softmax_kernel_in_place_equals_the_public_softmax(x):
    """softmax_into (last axis, in place as the ON-LSTM step uses it) against softmax_forward,
    a separate implementation for any axis; cumax_into has its own loop oracle above (the
    public cumax calls it)."""
    p = x.copy()
    act.softmax_into(p, p)
    np.testing.assert_array_equal(p, act.softmax_forward(x)[0])
    np.testing.assert_allclose(p, scipy.special.softmax(x, axis=-1), rtol=1e-14, atol=1e-300)
