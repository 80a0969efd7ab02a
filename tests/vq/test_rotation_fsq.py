"""The rotation trick and FSQ: values, designed gradients against their surrogates, codes."""
import itertools

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from reference.core.gradcheck import check_vjp
from reference.core.strategies import float_arrays
from reference.vq.fsq import _bound, fsq_backward, fsq_codebook, fsq_forward
from reference.vq.rotation import rotation_matrix, rotation_trick_backward, rotation_trick_forward

vectors = float_arrays((4,), bound=3.0, min_magnitude=0.2)


@given(vectors, vectors)
def test_rotation_matrix_properties(z, z_q):
    e, q = z / np.linalg.norm(z), z_q / np.linalg.norm(z_q)
    assume(np.linalg.norm(e + q) >= 1e-3)  # opposite directions: R is not unique (the op falls back to I)
    lamR = rotation_matrix(z, z_q)
    R = lamR * np.linalg.norm(z) / np.linalg.norm(z_q)
    np.testing.assert_allclose(R @ R.T, np.eye(4), atol=1e-10)         # a rotation
    np.testing.assert_allclose(np.linalg.det(R), 1.0, atol=1e-9)
    np.testing.assert_allclose(lamR @ z, z_q, rtol=1e-10, atol=1e-10)  # maps z onto z_q


@given(st.lists(st.tuples(vectors, vectors), min_size=1, max_size=3))
def test_rotation_gradient_is_lambda_R_transpose_g(pairs):
    z = np.stack([a for a, _ in pairs])
    z_q = np.stack([b for _, b in pairs])
    ok = [np.linalg.norm(a / np.linalg.norm(a) + b / np.linalg.norm(b)) > 1e-3 for a, b in pairs]
    y, cache = rotation_trick_forward(z, z_q)
    np.testing.assert_array_equal(y, z_q)
    g = np.random.default_rng(0).standard_normal(z.shape)
    dz, dzq = rotation_trick_backward(g, cache)
    for n, (a, b) in enumerate(pairs):
        if ok[n]:
            np.testing.assert_allclose(dz[n], rotation_matrix(a, b).T @ g[n], rtol=1e-9, atol=1e-10)
    assert not dzq.any()
    mats = [rotation_matrix(a, b) if good else np.eye(4) for (a, b), good in zip(pairs, ok)]
    surrogate = lambda z, zq: np.stack([m @ row for m, row in zip(mats, z)])   # (lambda R)_0 z
    check_vjp(surrogate, lambda g, z, zq: rotation_trick_backward(g, rotation_trick_forward(z, zq)[1]),
              (z, z_q), names=("z", "z_q")).raise_if_failed()


def test_rotation_degenerate_rows():
    z = np.array([[1.0, 0.0], [0.0, 0.0], [1.0, 1.0]])
    z_q = np.array([[-2.0, 0.0], [1.0, 1.0], [0.0, 0.0]])          # opposite; z = 0; z_q = 0
    g = np.arange(6.0).reshape(3, 2)
    dz, _ = rotation_trick_backward(g, rotation_trick_forward(z, z_q)[1])
    np.testing.assert_array_equal(dz[:2], g[:2])                   # R not unique / lambda undefined: identity
    np.testing.assert_array_equal(dz[2], [0.0, 0.0])                # a zero code: lambda = 0, no gradient
    # ... which is the limit of codes shrinking to zero along any direction
    for direction in ([1.0, -3.0], [2.0, 0.5]):
        tiny = 1e-9 * np.array([direction])
        dz_tiny, _ = rotation_trick_backward(g[2:], rotation_trick_forward(z[2:], tiny)[1])
        np.testing.assert_allclose(dz_tiny, 0.0, atol=1e-7)


LEVELS = [3, 4, 5]


@given(float_arrays((5, 3), bound=10.0))
def test_fsq_codes_indices_and_codebook(z):
    codes, cache = fsq_forward(z, LEVELS)
    indices = cache[0]
    assert (np.abs(codes) <= 1).all()
    table = fsq_codebook(LEVELS)
    assert table.shape == (60, 3) and len({tuple(r) for r in table}) == 60
    np.testing.assert_array_equal(table[indices], codes)            # index -> code round trip
    for c, L in zip(codes.T, LEVELS):                               # every value on its channel's grid
        grid = (np.arange(L) - L // 2) / (L // 2)
        assert np.isin(c, grid).all()


def test_fsq_saturates_to_all_levels_and_rounds_half_to_even():
    z = np.array(list(itertools.product([-20.0, 20.0], repeat=3)))
    codes, _ = fsq_forward(z, LEVELS)
    np.testing.assert_array_equal(np.abs(codes).max(axis=0), [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(codes.min(axis=0), [-1.0, -1.0, -1.0])   # even L=4 reaches -2/2 ...
    assert codes[:, 1].max() == 0.5                                           # ... and +1/2 at the top


@given(float_arrays((4, 3), bound=3.0))
def test_fsq_gradient_is_straight_through_on_the_rounding(z):
    L = np.array(LEVELS)
    smooth = lambda a: _bound(a, L)[0] / (L // 2)
    offset = fsq_forward(z, LEVELS)[0] - smooth(z)
    check_vjp(lambda a: smooth(a) + offset, lambda g, a: fsq_backward(g, fsq_forward(a, LEVELS)[1]),
              (z,), names=("z",)).raise_if_failed()


def test_fsq_bad_levels():
    with pytest.raises(ValueError, match="levels: expected one level count per channel"):
        fsq_forward(np.zeros((2, 3)), [3, 3])
    with pytest.raises(ValueError, match="levels: expected every level count >= 2"):
        fsq_forward(np.zeros((2, 2)), [1, 3])
    with pytest.raises(TypeError, match="levels: expected a 1-d sequence of integers"):
        fsq_forward(np.zeros((2, 2)), [2.5, 3])
    with pytest.raises(ValueError, match="a level count of 2 is not supported"):   # found live: it gave NaN
        fsq_forward(np.zeros((2, 2)), [2, 3])
    with pytest.raises(ValueError, match="bound: expected one of"):
        fsq_forward(np.zeros((2, 2)), [3, 3], bound="paper")


def test_fsq_expand_bound_is_vector_quantize_pytorchs_and_supports_two_levels():
    # a scalar loop of that package's formula: half_l = (L-1)(1+1e-3)/2, shift = atanh(offset/half_l)
    rng = np.random.default_rng(5)
    z, levels = 2 * rng.standard_normal((40, 3)), [2, 4, 5]
    codes, _ = fsq_forward(z, levels, bound="expand")
    for row, code in zip(z, codes):
        for x, L, c in zip(row, levels, code):
            half_l = (L - 1) * (1 + 1e-3) / 2
            offset = 0.5 if L % 2 == 0 else 0.0
            bounded = np.tanh(x + np.arctanh(offset / half_l)) * half_l - offset
            assert c == np.round(bounded) / (L // 2)
    assert set(np.unique(codes[:, 0])) <= {-1.0, 0.0} and np.isfinite(codes).all()
    # the two bounds differ only near rounding boundaries: on most inputs the codes agree
    same = (fsq_forward(z, [3, 4, 5])[0] == fsq_forward(z, [3, 4, 5], bound="expand")[0]).mean()
    assert 0.9 < same <= 1.0


def test_fsq_float32_stays_float32_and_differs_from_float64_only_at_rounding_boundaries():
    from reference.vq.fsq import _constants, _levels, fsq_backward, fsq_forward

    rng = np.random.default_rng(5)
    levels = [8, 5, 5, 5]
    L = _levels(levels, 4)
    half_l, offset, shift = _constants(L, "shrink")
    # half the inputs random, half placed within ~1e-7 of a rounding boundary (k + 1/2)
    z_rand = rng.standard_normal((5000, 4)) * 2
    k = rng.integers(-2, 2, (5000, 4)) + 0.5 + rng.uniform(-1e-7, 1e-7, (5000, 4))
    z_edge = np.arctanh(np.clip((k + offset) / half_l, -0.999, 0.999)) - shift
    z = np.concatenate([z_rand, z_edge]).astype(np.float32)
    codes32, cache32 = fsq_forward(z, levels)
    codes64, cache64 = fsq_forward(z.astype(np.float64), levels)
    assert codes32.dtype == np.float32 and cache32[1].dtype == np.float32        # computed in float32
    differ = codes32 != codes64
    assert not differ[:5000].any()                                                # random inputs: none
    bounded64 = np.tanh(z.astype(np.float64) + shift) * half_l - offset
    distance = np.abs(bounded64 - (np.floor(bounded64) + 0.5))                    # to the nearest boundary
    assert differ.any() and (distance[differ] < 1e-5 * half_l.max()).all()        # only right at a boundary
    g = rng.standard_normal(z.shape).astype(np.float32)
    d32, d64 = fsq_backward(g, cache32), fsq_backward(g.astype(np.float64), cache64)
    assert d32.dtype == np.float32
    np.testing.assert_allclose(d32, d64, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("levels", [[2, 3], [3], [8, 5, 5, 5], [4, 2, 7]])
def test_fsq_index_maps_invert_each_other_and_match_the_forward(levels):
    from reference.vq.fsq import codes_to_indices, fsq_codebook, indices_to_codes

    n = int(np.prod(levels))
    book = fsq_codebook(levels)                       # every level list fsq_forward accepts (2 with "expand")
    assert book.shape == (n, len(levels)) and len({tuple(r) for r in book}) == n
    np.testing.assert_array_equal(codes_to_indices(book, levels), np.arange(n))
    np.testing.assert_array_equal(indices_to_codes(np.arange(n), levels), book)
    for k in range(n):                                # a scalar loop of the mixed radix, digit 0 fastest
        rest = k
        for i, L in enumerate(levels):
            assert book[k, i] == (rest % L - L // 2) / (L // 2)
            rest //= L
    z = 3 * np.random.default_rng(len(levels)).standard_normal((50, len(levels)))
    codes, cache = fsq_forward(z, levels, bound="expand")
    np.testing.assert_array_equal(codes_to_indices(codes, levels), cache[0])
    np.testing.assert_array_equal(indices_to_codes(cache[0], levels), codes)


def test_fsq_index_maps_match_vector_quantize_pytorch():
    torch = pytest.importorskip("torch")
    vqp = pytest.importorskip("vector_quantize_pytorch")
    from reference.vq.fsq import codes_to_indices, indices_to_codes

    for levels in ([8, 5, 5, 5], [4, 3, 5], [7]):   # the package refuses a level count of 2 unless symmetric
        fsq = vqp.FSQ(levels=levels)
        idx = np.arange(int(np.prod(levels)))
        theirs = fsq.indices_to_codes(torch.from_numpy(idx)).numpy()          # float32, the package's
        np.testing.assert_array_equal(indices_to_codes(idx, levels, dtype=np.float32), theirs)
        back = fsq.codes_to_indices(torch.from_numpy(theirs)).numpy()
        np.testing.assert_array_equal(codes_to_indices(theirs, levels), back)


def test_fsq_index_maps_refuse_what_is_not_on_the_grid():
    from reference.vq.fsq import codes_to_indices, indices_to_codes

    with pytest.raises(ValueError, match=r"codes\[0, 1\]: 0.25 is not a level"):
        codes_to_indices(np.array([[0.0, 0.25]]), [3, 3])
    with pytest.raises(ValueError, match=r"indices: expected values in \[0, 8\]"):
        indices_to_codes(np.array([9]), [3, 3])
    with pytest.raises(TypeError, match="indices: expected integer"):
        indices_to_codes(np.array([1.0]), [3, 3])
    with pytest.raises(ValueError, match="codes: expected \\(..., 2\\)"):
        codes_to_indices(np.zeros((2, 3)), [3, 3])
