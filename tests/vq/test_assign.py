"""Nearest-code assignment against float64 brute force and SciPy: offsets, ties, chunks, memory."""
import tracemalloc

import numpy as np
import pytest
import scipy.cluster.vq
from hypothesis import example, given
from hypothesis import strategies as st

from reference.core.strategies import float_arrays
from fractions import Fraction

from reference.vq.assign import brute_force_codes, nearest_codes


@st.composite
def data(draw, dtype=np.float64, integer=False):
    N, K, D = draw(st.integers(1, 40)), draw(st.integers(1, 12)), draw(st.integers(1, 5))
    if integer:  # small integers: many exact ties and duplicated codes
        ints = lambda shape: draw(float_arrays(shape, bound=3.0)).round()
        return ints((N, D)).astype(dtype), ints((K, D)).astype(dtype)
    return draw(float_arrays((N, D), dtype=dtype, bound=3.0)), draw(float_arrays((K, D), dtype=dtype, bound=3.0))


@given(data(), st.sampled_from([1, 200, 2**20]))
@example((np.array([[-1.0]]), np.array([[3.09168424e-186], [0.0]])), 1)  # a float64 "tie" 3e-186 apart
def test_matches_float64_brute_force(zE, chunk_bytes):
    z, E = zE
    np.testing.assert_array_equal(nearest_codes(z, E, max_chunk_bytes=chunk_bytes), brute_force_codes(z, E))


@given(data(integer=True))
@example((np.array([[0.5, 0.0], [0.5, 0.5], [1.0, 0.0]]), np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])))
def test_ties_go_to_the_lowest_index(zE):
    z, E = zE
    got = nearest_codes(z, E)
    np.testing.assert_array_equal(got, brute_force_codes(z, E))
    d = ((z[:, None, :] - E[None]) ** 2).sum(-1)
    for n, k in enumerate(got):   # the chosen code is the first of the minimisers
        assert k == np.flatnonzero(d[n] == d[n].min())[0]


@given(data(dtype=np.float32))
def test_float32_matches_brute_force_on_the_float32_values(zE):
    z, E = zE
    np.testing.assert_array_equal(nearest_codes(z, E), brute_force_codes(z, E))


@pytest.mark.parametrize("offset", [10.0, 100.0, 1000.0])
def test_float32_far_from_the_origin(offset):
    rng = np.random.default_rng(1)
    E = (rng.standard_normal((64, 8)) + offset).astype(np.float32)
    z = (rng.standard_normal((4000, 8)) + offset).astype(np.float32)
    np.testing.assert_array_equal(nearest_codes(z, E), brute_force_codes(z, E))


def test_data_far_from_the_codebook_float32():
    rng = np.random.default_rng(2)
    E = rng.standard_normal((32, 6)).astype(np.float32)
    z = (rng.standard_normal((500, 6)) + 300).astype(np.float32)
    np.testing.assert_array_equal(nearest_codes(z, E), brute_force_codes(z, E))


def test_agrees_with_scipy_vq_and_layouts_and_shapes():
    rng = np.random.default_rng(3)
    E = rng.standard_normal((20, 7))
    z = rng.standard_normal((3, 50, 7))
    got = nearest_codes(z, E)
    assert got.shape == (3, 50) and got.dtype == np.int64
    np.testing.assert_array_equal(got.reshape(-1), scipy.cluster.vq.vq(z.reshape(-1, 7), E)[0])
    np.testing.assert_array_equal(nearest_codes(z, E.T.copy(), layout="DK"), got)
    assert nearest_codes(z[0, 0], E).shape == ()
    assert nearest_codes(np.zeros((0, 7)), E).shape == (0,)


def test_working_memory_does_not_grow_with_n():
    rng = np.random.default_rng(4)
    E = rng.standard_normal((256, 16)).astype(np.float32)
    peaks = []
    for N in (50_000, 200_000):
        z = rng.standard_normal((N, 16)).astype(np.float32)
        tracemalloc.start()
        nearest_codes(z, E, max_chunk_bytes=2**20)
        peaks.append(tracemalloc.get_traced_memory()[1] - N * 8)   # minus the int64 output
        tracemalloc.stop()
    assert max(peaks) < 4 * 2**20                     # within a few chunk budgets
    assert peaks[1] < peaks[0] + 2**20                # and independent of N


@pytest.mark.parametrize("z, E, kwargs, error, message", [
    (np.zeros((3, 2)), np.zeros((0, 2)), {}, ValueError, "codebook: expected at least one code"),
    (np.zeros((3, 2)), np.zeros((4, 3)), {}, ValueError, r"codebook: expected D=2 columns .* got shape \(4, 3\)"),
    (np.zeros((3, 2)), np.zeros((4, 3)), {"layout": "DK"}, ValueError, r"codebook: expected D=2 rows"),
    (np.array([[0.0, np.nan]]), np.zeros((4, 2)), {}, ValueError, r"z: expected finite values, got NaN/inf in vector 0"),
    (np.zeros((3, 2)), np.full((4, 2), np.inf), {}, ValueError, "codebook: expected finite values"),
    (np.zeros((3, 2), dtype=int), np.zeros((4, 2)), {}, TypeError, "z: expected a floating-point array"),
    (np.zeros((3, 2)), np.zeros((4, 2)), {"layout": "kd"}, ValueError, "layout: expected 'KD'"),
    (np.zeros((3, 2), dtype=np.float32), np.zeros((4, 2)), {}, TypeError, "codebook: expected dtype float32"),
])
def test_bad_input(z, E, kwargs, error, message):
    with pytest.raises(error, match=message):
        nearest_codes(z, E, **kwargs)


@given(data(integer=True))
def test_exact_rational_oracle_on_small_integers(zE):
    """Small integers are exact in floating point: exact rational distances decide, and an
    exact tie goes to the lowest index."""
    z, E = zE
    got = nearest_codes(z, E)
    for n, row in enumerate(z):
        exact = [sum((Fraction(a) - Fraction(b)) ** 2 for a, b in zip(row, e)) for e in E]
        assert got[n] == exact.index(min(exact))


def test_block_budget_is_half_the_last_level_cache_read_from_sysfs(tmp_path):
    from reference.vq.assign import chunk_rows, default_chunk_bytes, last_level_cache_bytes

    for name, level, size in (("index0", 1, "32K"), ("index2", 2, "1024K"), ("index3", 3, "32768K")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "level").write_text(f"{level}\n")
        (tmp_path / name / "size").write_text(f"{size}\n")
    assert last_level_cache_bytes(str(tmp_path)) == 32 * 2**20
    assert last_level_cache_bytes(str(tmp_path / "missing")) is None
    assert default_chunk_bytes(32 * 2**20) == 16 * 2**20
    assert default_chunk_bytes(2 * 2**20) == 4 * 2**20 and default_chunk_bytes(2**30) == 64 * 2**20
    rows = chunk_rows(10**6, 64, 512, 4, 16 * 2**20)               # distances, mask and the centred copy fit
    assert rows * (512 * 5 + 65 * 4) <= 16 * 2**20 < (rows + 1) * (512 * 5 + 65 * 4)
    assert chunk_rows(3, 64, 512, 4, 16 * 2**20) == 3 and chunk_rows(10, 8, 10**9, 4, 1) == 1
