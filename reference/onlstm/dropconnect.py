"""DropConnect on the recurrent weights, the regulariser of the ON-LSTM authors' code.

Not in the article's equations: it is how the authors (and the article author's Keras code)
train, and the two disagree on scaling; both conventions are here, named.
"""
from __future__ import annotations

import numpy as np

from ..core.validate import generator


def dropconnect_mask(shape, p: float, rng: np.random.Generator | None, *, convention: str = "authors",
                     training: bool = True, dtype=np.float64) -> np.ndarray:
    """The multiplier M applied to the recurrent weights: ``U_used = U * M``.

    One mask per forward pass, shared by every time step and batch row (DropConnect drops
    weights, not activations). Two conventions are found in the wild:

    ``"authors"`` (ON-LSTM authors' ``LinearDropConnect``)
        training: each weight zeroed with probability ``p``, **no** 1/(1-p) rescale
        (M is 0/1); evaluation: every weight times (1 - p) (M = 1 - p everywhere).
    ``"inverted"`` (the article author's Keras code, ``K.dropout``)
        training: zeroed with probability ``p``, kept ones scaled by 1/(1-p);
        evaluation: M = 1 (weights unchanged).

    Both have expectation ``(1 - p) U`` resp. ``U`` consistent between training and
    evaluation. ``rng`` (training only): an int seed, a ``Generator`` or None (SPEC 7).
    """
    if convention not in ("authors", "inverted"):
        raise ValueError(f"convention: expected 'authors' or 'inverted', got {convention!r}")
    if not 0 <= p < 1:
        raise ValueError(f"p: expected a drop probability in [0, 1), got {p}")
    if not training:
        return np.full(shape, 1 - p if convention == "authors" else 1.0, dtype=dtype)
    rng = generator("rng", rng)  # used when training: a seed, a Generator, or None (fresh entropy)
    keep = (rng.random(shape) >= p).astype(dtype)
    return keep if convention == "authors" else keep / (1 - p)
