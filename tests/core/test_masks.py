"""Prefix masks: lengths -> mask -> lengths round trip, holes named by row, both layouts of input."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference.core.masks import lengths_from_mask, mask_from_lengths, prefix_mask


@given(st.integers(0, 6).flatmap(lambda T: st.tuples(st.just(T), st.lists(st.integers(0, T), min_size=1, max_size=5))))
def test_lengths_mask_round_trip(case):
    T, lengths = case
    m = mask_from_lengths(np.array(lengths), T)
    assert m.shape == (len(lengths), T)
    np.testing.assert_array_equal(lengths_from_mask(m), lengths)
    np.testing.assert_array_equal(m.sum(axis=1), lengths)                       # ones then zeros
    assert all((np.diff(row) <= 0).all() for row in m)


def test_a_mask_with_a_hole_names_the_row():
    m = np.array([[1, 1, 0], [1, 0, 1]])
    with pytest.raises(ValueError, match="row 1 has a 1 after a 0"):
        prefix_mask("mask", m, 2, 3)
    with pytest.raises(ValueError, match=r"mask: expected shape \(B=3, T=3\)"):
        prefix_mask("mask", m, 3, 3)
    with pytest.raises(ValueError, match="0/1"):
        prefix_mask("mask", np.full((2, 3), 0.5), 2, 3)
    with pytest.raises(ValueError, match=r"lengths: expected values in \[0, 3\]"):
        mask_from_lengths(np.array([4]), 3)
    with pytest.raises(TypeError, match="lengths: expected a 1-d array of integer"):
        mask_from_lengths(np.array([1.5]), 3)
