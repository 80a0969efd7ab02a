"""Masks and masked reductions: each equals the same NumPy op on the valid entries alone, for
any amount and content of padding; padding gets exactly zero gradient; empty rows are defined
and never NaN, in float16, float32 and float64."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference.masking import reductions as r
from reference.masking.masks import lengths_from_mask, mask_from_ids, sequence_mask

PLAIN = {  # the op on the valid entries alone, written with NumPy
    "sum": lambda v: v.sum(), "mean": lambda v: v.mean(), "max": lambda v: v.max(), "var": lambda v: v.var(),
    "logsumexp": lambda v: np.log(np.exp(v - v.max()).sum()) + v.max(),
}
EMPTY = {"sum": 0.0, "mean": 0.0, "max": 0.0, "var": 0.0, "logsumexp": -np.inf}
PAIRS = {k: (getattr(r, f"masked_{k}_forward"), getattr(r, f"masked_{k}_backward"))
         for k in ("sum", "mean", "max", "var", "logsumexp", "softmax")}


def test_the_articles_examples():
    x = np.array([1.0, 0.0, 3.0, 4.0, 5.0, 0.0, 0.0, 0.0])
    m = mask_from_ids(np.array([7, 2, 9, 4, 3, 0, 0, 0]))       # from ids: the real 0 in x stays valid
    assert r.masked_mean_forward(x, m)[0] == 2.6 and x.mean() == 1.625
    y = -np.arange(1.0, 6.0)
    padded = np.concatenate([y, np.zeros(3)])
    assert r.masked_max_forward(padded, m)[0] == -1.0 and padded.max() == 0.0
    assert not np.array_equal(m, (x != 0).astype(float))       # a mask from values would be wrong


def test_masks_from_lengths_round_trip_and_holes_are_named():
    L = np.array([3, 0, 5, 1])
    for time_major in (False, True):
        m = sequence_mask(L, 5, time_major=time_major)
        assert m.shape == ((5, 4) if time_major else (4, 5))
        np.testing.assert_array_equal(lengths_from_mask(m, time_major=time_major), L)
    holed = sequence_mask(L, 5)
    holed[2, 1] = 0
    with pytest.raises(ValueError, match="row 2 has a 1 after a 0"):
        lengths_from_mask(holed)
    with pytest.raises(TypeError, match="a mask never comes from values"):
        mask_from_ids(np.array([0.0, 1.0]))


@settings(max_examples=40)
@given(L=st.lists(st.integers(0, 5), min_size=1, max_size=4), pad=st.integers(0, 4), seed=st.integers(0, 2**31),
       op=st.sampled_from(sorted(PAIRS)), scale=st.sampled_from([0.0, 1.0, 1e3]))
def test_each_reduction_is_the_op_on_the_valid_entries_whatever_the_padding(L, pad, seed, op, scale):
    rng = np.random.default_rng(seed)
    T = max(L) + pad
    if T == 0:
        T = 1
    m = sequence_mask(np.array(L), T)
    x = np.where(m > 0, rng.standard_normal((len(L), T)), scale * rng.standard_normal((len(L), T)))
    fwd, bwd = PAIRS[op]
    y, cache = fwd(x, m, axis=1)
    dy = rng.standard_normal(y.shape)
    dx = bwd(dy, cache)
    assert np.all(dx[m == 0] == 0)                               # exactly zero at padding
    for b, n in enumerate(L):
        v = x[b, :n]
        if op == "softmax":
            want = np.exp(v - v.max()) / np.exp(v - v.max()).sum() if n else np.zeros(0)
            np.testing.assert_allclose(y[b, :n], want, rtol=1e-13)
            assert np.all(y[b, n:] == 0)
        elif n:
            np.testing.assert_allclose(y[b], PLAIN[op](v), rtol=1e-13, atol=1e-15)
        else:
            assert y[b] == EMPTY[op] and np.all(dx[b] == 0)


def test_the_max_gradient_goes_to_the_first_valid_argmax_only():
    x = np.array([[2.0, 5.0, 5.0, 9.0]])                         # 9 is padding; 5 is tied
    m = np.array([[1, 1, 1, 0]])
    y, cache = r.masked_max_forward(x, m, axis=1)
    np.testing.assert_array_equal(r.masked_max_backward(np.array([3.0]), cache), [[0.0, 3.0, 0.0, 0.0]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_empty_rows_are_defined_and_never_nan_in_every_precision(dtype):
    x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=dtype)
    m = np.array([[1, 1, 0], [0, 0, 0]])
    with np.errstate(all="raise"):                               # no overflow, no invalid operation
        for name, (fwd, bwd) in PAIRS.items():
            y, cache = fwd(x, m, axis=1)
            dx = bwd(np.ones_like(y), cache)
            assert y.dtype == dtype and dx.dtype == dtype
            assert not np.isnan(y).any() and not np.isnan(dx).any() and np.all(dx[1] == 0)
            if name == "softmax":
                assert np.all(y[1] == 0)                         # zeros: neither uniform nor NaN
            else:
                assert y[1] == EMPTY[name]


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_the_additive_form_with_a_dtype_aware_constant_equals_the_where_form(dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 6)).astype(dtype)
    m = sequence_mask(np.array([6, 2, 1]), 6)
    shifted = x + r.additive_mask(m, dtype)
    e = np.exp(shifted - shifted.max(axis=1, keepdims=True))
    additive = e / e.sum(axis=1, keepdims=True)
    tol = {np.float16: 2e-3, np.float32: 1e-6, np.float64: 1e-15}[dtype]
    where = r.masked_softmax_forward(x.astype(np.float32) if dtype == np.float16 else x, m, axis=1)[0]
    assert np.isfinite(additive).all()                           # the constant fits the dtype
    np.testing.assert_allclose(additive, where, rtol=tol, atol=tol)
    # the article's 1e10 does not fit float16: inf - inf on a masked row gives NaN
    with np.errstate(over="ignore", invalid="ignore"):
        article = x.astype(np.float16) - (1 - m) * np.float16(1e10)
        assert np.isinf(article).any()


def test_the_masked_loss_counts_only_the_valid_positions():
    losses = np.array([[1.0, 2.0, 99.0], [3.0, 99.0, 99.0]])
    m = sequence_mask(np.array([2, 1]), 3)
    y, cache = r.masked_loss_forward(losses, m)
    assert y == 2.0
    np.testing.assert_array_equal(r.masked_loss_backward(np.array(1.0), cache), m / 3)
    assert r.masked_loss_forward(losses, np.zeros_like(m))[0] == 0.0
    with pytest.raises(ValueError, match="does not broadcast"):
        r.masked_loss_forward(losses, np.ones(4))
