"""Hypothesis strategies for testing refspace ops, or your own port of them.

Each strategy draws the edge cases that hide bugs in hand-written backward passes:

- :func:`distinct_dims`: sizes that are pairwise different, so a transposed matrix has the
  wrong shape instead of silently the right one;
- :func:`float_arrays`: well-scaled floats (bounded, no NaN/inf, no subnormals), optionally
  bounded *away* from zero;
- :func:`dataclass_params`: a parameter dataclass (e.g. ``LSTMParams``) whose bias fields
  are non-zero (zero biases hide bias-gradient bugs);
- :func:`sequence_lengths` and :func:`prefix_masks`: per-sequence lengths and the
  matching (B, T) 0/1 prefix masks, including length-1 and (on request) empty sequences.

Example
-------
>>> from hypothesis import given
>>> @given(prefix_masks(batch=3, max_len=5))
... def test_rows_are_prefixes(mask):
...     assert (mask[:, 1:] <= mask[:, :-1]).all()
>>> test_rows_are_prefixes()
"""
from __future__ import annotations

import dataclasses
from typing import Mapping, Sequence

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from .masks import mask_from_lengths  # noqa: F401  (re-exported: strategies users build masks)

#: arrays with more entries than this are filled from a drawn seed rather than entry by entry
DRAWN_ENTRIES_MAX = 256


def distinct_dims(n: int, min_value: int = 1, max_value: int = 6) -> st.SearchStrategy[tuple[int, ...]]:
    """A tuple of ``n`` pairwise different sizes in ``[min_value, max_value]``."""
    if max_value - min_value + 1 < n:
        raise ValueError(f"max_value: need at least {n} sizes in [{min_value}, {max_value}]")
    return st.lists(st.integers(min_value, max_value), min_size=n, max_size=n, unique=True).map(tuple)


def _elements(bound: float, min_magnitude: float, width: int) -> st.SearchStrategy[float]:
    kw = dict(allow_nan=False, allow_infinity=False, allow_subnormal=False, width=width)
    if min_magnitude <= 0:
        return st.floats(-bound, bound, **kw)
    return st.floats(min_magnitude, bound, **kw) | st.floats(-bound, -min_magnitude, **kw)


def float_arrays(shape: Sequence[int] | st.SearchStrategy, *, dtype=np.float64, bound: float = 2.0,
                 min_magnitude: float = 0.0) -> st.SearchStrategy[np.ndarray]:
    """Finite float arrays with ``min_magnitude <= |value| <= bound``.

    Arrays of at most :data:`DRAWN_ENTRIES_MAX` entries are drawn entry by entry (so
    hypothesis can shrink the values); larger ones are filled from a drawn seed (uniform in
    magnitude, random sign), which keeps big shapes cheap and reproducible.
    """
    dtype = np.dtype(dtype)
    if not 0 <= min_magnitude < bound:
        raise ValueError(f"min_magnitude: expected 0 <= min_magnitude < bound={bound}, got {min_magnitude}")
    if isinstance(shape, st.SearchStrategy):
        return shape.flatmap(lambda s: float_arrays(s, dtype=dtype, bound=bound, min_magnitude=min_magnitude))
    shape = tuple(int(s) for s in shape)
    if int(np.prod(shape)) <= DRAWN_ENTRIES_MAX:
        elements = _elements(bound, min_magnitude, 32 if dtype == np.float32 else 64)
        return hnp.arrays(dtype, shape, elements=elements, fill=st.nothing())

    def seeded(seed: int) -> np.ndarray:
        rng = np.random.default_rng(seed)
        mag = rng.uniform(min_magnitude, bound, size=shape)
        return (mag * rng.choice([-1.0, 1.0], size=shape)).astype(dtype)

    return st.integers(0, 2**32 - 1).map(seeded)


def dataclass_params(cls, shapes: Mapping[str, Sequence[int]], *, nonzero: Sequence[str] = ("b",),
                     dtype=np.float64, bound: float = 1.0, min_magnitude: float = 0.1):
    """An instance of the parameter dataclass ``cls`` with a drawn array for every field.

    ``shapes`` maps every field name to its shape. Fields named in ``nonzero`` (biases by
    default) are drawn with ``|value| >= min_magnitude``.
    """
    names = [f.name for f in dataclasses.fields(cls)]
    if set(shapes) != set(names):
        raise ValueError(f"shapes: expected exactly the fields {names} of {cls.__name__}, got {sorted(shapes)}")
    fields = {name: float_arrays(shapes[name], dtype=dtype, bound=bound,
                                 min_magnitude=min_magnitude if name in nonzero else 0.0)
              for name in names}
    return st.fixed_dictionaries(fields).map(lambda kw: cls(**kw))


def sequence_lengths(batch: int, max_len: int, *, min_len: int = 1) -> st.SearchStrategy[np.ndarray]:
    """An int64 array (batch,) of lengths in ``[min_len, max_len]``; at least one is ``max_len``
    (so the padded length T equals ``max_len``). ``min_len=0`` allows empty sequences."""
    if not 0 <= min_len <= max_len or batch < 1:
        raise ValueError(f"min_len/max_len/batch: expected 0 <= min_len <= max_len and batch >= 1, "
                         f"got {min_len}, {max_len}, {batch}")

    def build(args):
        lengths, full = args
        lengths = np.array(lengths, dtype=np.int64)
        lengths[full % batch] = max_len
        return lengths

    return st.tuples(st.lists(st.integers(min_len, max_len), min_size=batch, max_size=batch),
                     st.integers(0, batch - 1)).map(build)


def prefix_masks(batch: int, max_len: int, *, min_len: int = 1, dtype=np.float64):
    """A (batch, max_len) 0/1 prefix mask (each row ones then zeros), from :func:`sequence_lengths`."""
    return sequence_lengths(batch, max_len, min_len=min_len).map(
        lambda lengths: mask_from_lengths(lengths, max_len, dtype))
