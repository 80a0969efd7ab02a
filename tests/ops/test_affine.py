"""The affine map x W + b: gradients, an einsum oracle, dtypes and bad input."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference.ops.affine import affine_backward, affine_forward
from reference.core.gradcheck import check_op
from reference.core.strategies import distinct_dims, float_arrays


@st.composite
def affine_inputs(draw):
    lead_rank = draw(st.integers(1, 2))
    dims = draw(distinct_dims(lead_rank + 2, 1, 5))
    lead, (i, o) = dims[:lead_rank], dims[lead_rank:]
    x = draw(float_arrays(lead + (i,)))
    W = draw(float_arrays((i, o)))
    b = draw(float_arrays((o,), min_magnitude=0.1))
    return x, W, b


@given(affine_inputs())
def test_gradient(inputs):
    check_op(affine_forward, affine_backward, inputs, names=("x", "W", "b")).raise_if_failed()


@given(affine_inputs())
def test_forward_matches_explicit_sums(inputs):
    x, W, b = inputs
    x2 = x.reshape(-1, x.shape[-1])
    expected = np.array([[sum(x2[n, i] * W[i, o] for i in range(W.shape[0])) + b[o]
                          for o in range(W.shape[1])] for n in range(x2.shape[0])])
    np.testing.assert_allclose(affine_forward(x, W, b)[0].reshape(expected.shape), expected, rtol=1e-12, atol=1e-12)


def test_without_bias_returns_none_for_db():
    rng = np.random.default_rng(0)
    x, W = rng.standard_normal((3, 2)), rng.standard_normal((2, 4))
    y, cache = affine_forward(x, W)
    np.testing.assert_allclose(y, x @ W)
    assert affine_backward(rng.standard_normal((3, 4)), cache)[2] is None


def test_float32_preserved():
    rng = np.random.default_rng(0)
    x, W, b = (rng.standard_normal(s).astype(np.float32) for s in ((3, 2), (2, 4), (4,)))
    y, cache = affine_forward(x, W, b)
    assert y.dtype == np.float32
    assert all(g.dtype == np.float32 for g in affine_backward(np.ones_like(y), cache))


def test_bad_input_names_argument_expected_and_actual():
    x, W = np.zeros((3, 2)), np.zeros((5, 4))
    with pytest.raises(ValueError, match=r"W: expected shape \(I=2, O\), got \(5, 4\)"):
        affine_forward(x, W)
    with pytest.raises(ValueError, match=r"b: expected shape \(O=4\), got \(3,\)"):
        affine_forward(np.zeros((3, 5)), W, np.zeros(3))
    with pytest.raises(TypeError, match=r"W: expected dtype float64 .* got float32"):
        affine_forward(np.zeros((3, 5)), W.astype(np.float32))
    with pytest.raises(TypeError, match=r"x: expected a floating-point array"):
        affine_forward(np.zeros((3, 5), dtype=int), W)
    y, cache = affine_forward(np.zeros((3, 5)), W)
    with pytest.raises(ValueError, match=r"dy: expected shape \(d0=3, O=4\), got \(4, 3\)"):
        affine_backward(np.zeros((4, 3)), cache)
