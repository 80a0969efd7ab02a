"""Step 2: cohesion. ``pmi(w) = min over splits k of ln(total c(w) / (c(w[:k]) c(w[k:])))``;
the n-grams (n >= 2) with ``pmi >= thresholds[n]`` form the set G (kexue.fm/archives/6920).

Every piece of a kept n-gram is kept too (its count is at least the n-gram's), so every
lookup hits: there is no fallback value for a missing piece (the article's code substitutes
the corpus total, which gives a meaningless negative score).
"""
from __future__ import annotations

import numpy as np

from ..core.validate import instance
from .counting import Tables


def pmi(tables: Tables, n: int) -> np.ndarray:
    """The minimum PMI over the splits of every kept n-gram (aligned with ``tables.keys[n]``)."""
    instance("tables", tables, Tables)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n > tables.order:
        raise ValueError(f"n: expected an n-gram length in [2, {tables.order}], got {n!r}")
    if n < 2:
        raise ValueError(f"n: cohesion is defined for n >= 2, got {n}")
    keys = tables.keys[n]
    c = tables.counts[n].astype(np.float64)
    total = float(tables.total)
    bits = tables.bits
    worst = np.full(len(keys), np.inf)
    for k in range(1, n):
        left = tables.lookup(k, keys >> np.uint64(bits * (n - k)))
        right = tables.lookup(n - k, keys & np.uint64((1 << bits * (n - k)) - 1))
        if (left == 0).any() or (right == 0).any():
            raise AssertionError("a piece of a kept n-gram is missing from the tables")
        worst = np.minimum(worst, np.log(total * c / (left.astype(np.float64) * right)))
    return worst


def cohesive(tables: Tables, thresholds: dict) -> dict:
    """n -> sorted keys of the n-grams in G (``pmi >= thresholds[n]``), for n = 2..order."""
    instance("tables", tables, Tables)
    if not isinstance(thresholds, dict):
        raise TypeError(f"thresholds: expected a dict n -> threshold, got {type(thresholds).__name__}")
    out = {}
    for n in range(2, tables.order + 1):
        if n not in thresholds:
            raise ValueError(f"thresholds: no threshold for {n}-grams (got {sorted(thresholds)})")
        out[n] = tables.keys[n][pmi(tables, n) >= thresholds[n]]
    return out
