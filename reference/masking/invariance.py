"""A padding-invariance checker porters can run on their own function.

``check_padding_invariance(fn)`` draws, with hypothesis, a batch of sequences (lengths 0 to
``max_len``), pads it twice (different amounts of padding, different pad *content*: large
random values, not zeros) and checks that

1. the outputs at valid positions are the same for both paddings (up to ``rtol``/``atol``),
2. with ``vjp``, the gradient reaching every padded input is exactly zero (for a random
   cotangent on the valid outputs; padded outputs get a zero cotangent).

``fn(x, lengths)`` takes x batch-major (B, T, D) (``time_major=True``: (T, B, D)) and returns
an array in the same layout, (B, T, ...) or (T, B, ...), whose valid steps t < L are compared;
``per_step=False`` for a result with no time axis (a pooled vector, compared whole).
``vjp(x, lengths, dy) -> dx``. On failure an ``AssertionError`` says what changed, with the
shrunk lengths and pads; on success the number of examples is returned.

Example: the article's masked mean passes; a mean over all positions is caught
>>> from reference.masking.reductions import masked_mean_forward
>>> from reference.core.masks import mask_from_lengths
>>> ok = lambda x, L: masked_mean_forward(x, mask_from_lengths(L, x.shape[1])[:, :, None], axis=1)[0]
>>> check_padding_invariance(ok, per_step=False, max_examples=20) > 0
True
>>> try:
...     check_padding_invariance(lambda x, L: x.mean(axis=1), per_step=False, max_examples=20)
... except AssertionError as e:
...     print(str(e).splitlines()[0])
padding changed a valid output
"""
from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from ..core.masks import mask_from_lengths


def _pad(valid, L, T, content):
    """(B, T, D): the valid prefixes, then ``content`` as padding."""
    m = mask_from_lengths(L, T)[:, :, None] > 0
    return np.where(m, np.pad(valid, ((0, 0), (0, T - valid.shape[1]), (0, 0))), content[:, :T])


def check_padding_invariance(fn, *, vjp=None, features: int = 3, max_len: int = 5, max_batch: int = 3,
                             time_major: bool = False, per_step: bool = True, rtol: float = 1e-12,
                             atol: float = 1e-12, max_examples: int = 50, seed: int | None = None) -> int:
    """See the module docstring. Returns the number of examples checked."""
    if not callable(fn) or (vjp is not None and not callable(vjp)):
        raise TypeError("fn (and vjp, when given) must be callable")
    count = [0]
    bt = (lambda a: np.swapaxes(a, 0, 1)) if time_major else (lambda a: a)    # to and from (B, T, ...)

    @st.composite
    def examples(draw):
        B = draw(st.integers(1, max_batch))
        L = np.array(draw(st.lists(st.integers(0, max_len), min_size=B, max_size=B)), dtype=np.int64)
        pads = draw(st.tuples(st.integers(0, 3), st.integers(0, 3)))
        return L, pads, draw(st.integers(0, 2**32 - 1))

    @settings(max_examples=max_examples, deadline=None, database=None, derandomize=seed is None,
              suppress_health_check=list(HealthCheck))
    @given(examples())
    def run(example):
        L, (p1, p2), s = example
        count[0] += 1
        rng = np.random.default_rng(s)
        B, top = len(L), int(L.max(initial=0))
        valid = rng.standard_normal((B, top, features))
        T1, T2 = max(top + p1, 1), max(top + p2, 1)
        c1 = 30.0 * rng.standard_normal((B, max(T1, T2), features))
        c2 = -17.0 + 30.0 * rng.standard_normal((B, max(T1, T2), features))
        xs = [np.ascontiguousarray(bt(_pad(valid, L, T, c))) for T, c in ((T1, c1), (T2, c2))]
        ys = [np.asarray(fn(x, L)) for x in xs]
        where = f"lengths {L.tolist()}, padded to T={T1} and T={T2}"
        if per_step:
            a = [bt(y) for y in ys]
            same = all(np.allclose(a[0][b, :L[b]], a[1][b, :L[b]], rtol=rtol, atol=atol) for b in range(B))
        else:
            same = ys[0].shape == ys[1].shape and np.allclose(ys[0], ys[1], rtol=rtol, atol=atol)
        if not same:
            raise AssertionError(f"padding changed a valid output\n  {where}")
        if vjp is None:
            return
        for x, y, T in zip(xs, ys, (T1, T2)):
            dy = rng.standard_normal(y.shape)
            keep = mask_from_lengths(L, T) > 0                                 # (B, T)
            if per_step:                                                       # no cotangent on padded outputs
                dy = bt(bt(dy) * keep.reshape(keep.shape + (1,) * (dy.ndim - 2)))
            dx = bt(np.asarray(vjp(x, L, dy)))
            if np.any(dx[~keep] != 0):
                raise AssertionError(f"a padded input gets a non-zero gradient (largest "
                                     f"{float(np.abs(dx[~keep]).max()):.3g})\n  {where}")

    if seed is not None:
        run = hypothesis_seed(int(seed))(run)
    run()
    return count[0]
