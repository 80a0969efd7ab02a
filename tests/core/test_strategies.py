"""The public hypothesis strategies draw what they promise."""
import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference.core.strategies import (
    dataclass_params, distinct_dims, float_arrays, mask_from_lengths, prefix_masks, sequence_lengths)


@dataclasses.dataclass(frozen=True)
class _Params:
    W: np.ndarray
    b: np.ndarray


@given(distinct_dims(4, 2, 7))
def test_distinct_dims_are_distinct_and_in_range(dims):
    assert len(set(dims)) == 4 and all(2 <= d <= 7 for d in dims)


@given(st.data(), st.sampled_from([(3, 4), (40, 30)]), st.sampled_from([np.float32, np.float64]))
def test_float_arrays_are_finite_bounded_and_typed(data, shape, dtype):
    a = data.draw(float_arrays(shape, dtype=dtype, bound=3.0, min_magnitude=0.5))
    assert a.shape == shape and a.dtype == dtype and np.isfinite(a).all()
    assert (np.abs(a) <= 3.0).all() and (np.abs(a) >= 0.5).all()


@given(dataclass_params(_Params, {"W": (2, 3), "b": (3,)}))
def test_dataclass_params_have_nonzero_biases(p):
    assert isinstance(p, _Params) and p.W.shape == (2, 3) and (np.abs(p.b) >= 0.1).all()


@given(sequence_lengths(batch=4, max_len=6, min_len=0))
def test_sequence_lengths_reach_max_len(lengths):
    assert lengths.shape == (4,) and lengths.max() == 6 and lengths.min() >= 0


@given(prefix_masks(batch=3, max_len=5))
def test_prefix_masks_are_zero_one_prefixes_with_a_full_row(mask):
    assert mask.shape == (3, 5) and set(np.unique(mask)) <= {0.0, 1.0}
    assert (mask[:, 1:] <= mask[:, :-1]).all() and mask[:, 0].all() and mask.all(axis=1).any()


def test_mask_from_lengths_matches_a_loop():
    lengths = [0, 3, 1]
    expected = [[1.0 if t < n else 0.0 for t in range(4)] for n in lengths]
    np.testing.assert_array_equal(mask_from_lengths(lengths, 4), expected)


def test_bad_strategy_arguments():
    with pytest.raises(ValueError, match="max_value"):
        distinct_dims(5, 1, 3)
    with pytest.raises(ValueError, match="min_magnitude"):
        float_arrays((2,), bound=1.0, min_magnitude=2.0)
    with pytest.raises(ValueError, match="shapes: expected exactly the fields"):
        dataclass_params(_Params, {"W": (2, 3)})
