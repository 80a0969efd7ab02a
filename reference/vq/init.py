"""Codebook initialisation from data: k-means++ seeding and Lloyd's k-means, with the EMA
statistics set consistently with the result.

- :func:`kmeans_plus_plus` (Arthur & Vassilvitskii 2007): the first centre uniformly from the
  rows, each next one with probability proportional to its squared distance to the nearest
  centre chosen so far (``D^2`` sampling), one generator for everything.
- :func:`kmeans`: Lloyd's iterations (:func:`lloyd`, deterministic from given centres) from
  k-means++ (or ``init="random"``: K distinct rows).
  Assignment is :func:`.assign.nearest_codes` (exact, ties to the lowest index); a cluster that
  empties keeps its previous centre. Stops after ``n_iter`` iterations or when no assignment
  changes.
- :func:`kmeans_codebook`: the codebook and an :class:`.ema.EMAState` that agrees with it. In
  the ``"ones"`` convention the counts are the cluster sizes and the sums the centroids times
  those sizes, so ``sums / counts`` is the codebook. Setting the sums to the centroids while the
  counts stay at other values (vector-quantize-pytorch issue #66) makes every code the centroid
  divided by its cluster size after one update: the codes collapse towards the origin and most
  die at the next assignment. In ``"bias_corrected"`` the statistics start at zero and the
  codebook enters through the first assignment only, which is consistent as it stands.

>>> x = np.array([[0.0], [0.1], [10.0], [10.2]])
>>> E, state = kmeans_codebook(x, 2, np.random.default_rng(0), convention="ones")
>>> np.sort(E.ravel()).round(2), np.sort(state.counts)
(array([ 0.05, 10.1 ]), array([2., 2.]))
"""
from __future__ import annotations

import numpy as np

from ..core.validate import check_finite, float_array, generator, positive_int
from .assign import nearest_codes
from .ema import CONVENTIONS, EMAState

INITS = ("kmeans++", "random")


def _rows(x):
    X = float_array("x", x, ndim=2)
    check_finite("x", X)
    return X


def kmeans_plus_plus(x, K: int, rng) -> np.ndarray:
    """K rows of ``x`` (N, D) chosen by D^2 sampling; a ValueError when x has fewer than K
    distinct rows (every remaining distance is 0)."""
    X, K, rng = _rows(x), positive_int("K", K), generator("rng", rng)
    if K > len(X):
        raise ValueError(f"K: expected at most {len(X)} (the number of rows of x), got {K}")
    chosen = [int(rng.integers(len(X)))]
    d2 = ((X - X[chosen[0]]) ** 2).sum(axis=1)
    for k in range(1, K):
        total = d2.sum()
        if total <= 0:
            raise ValueError(f"x: only {k} distinct rows, fewer than K={K} codes")
        nxt = int(rng.choice(len(X), p=d2 / total))
        chosen.append(nxt)
        d2 = np.minimum(d2, ((X - X[nxt]) ** 2).sum(axis=1))
    return X[chosen].copy()


def lloyd(x, start, *, n_iter: int = 20):
    """(centroids, sizes, inertia after each iteration): Lloyd's iterations from the centres
    ``start`` (K, D), deterministic (assignment ties to the lowest index; an empty cluster keeps
    its centre; stops early when no assignment changes)."""
    X = _rows(x)
    C = float_array("start", start, ndim=2, dtype=X.dtype).copy()
    if C.shape[1] != X.shape[1] or len(C) == 0:
        raise ValueError(f"start: expected (K, {X.shape[1]}) centres, got shape {C.shape}")
    check_finite("start", C)
    K = len(C)
    labels, history = None, []
    for _ in range(positive_int("n_iter", n_iter)):
        new = nearest_codes(X, C)
        sizes = np.bincount(new, minlength=K).astype(X.dtype)
        sums = np.zeros_like(C)
        np.add.at(sums, new, X)
        filled = sizes > 0
        C[filled] = sums[filled] / sizes[filled, None]                  # an empty cluster keeps its centre
        history.append(float(((X - C[new]) ** 2).sum()))
        if labels is not None and np.array_equal(new, labels):
            break
        labels = new
    sizes = np.bincount(nearest_codes(X, C), minlength=K).astype(X.dtype)
    return C, sizes, history


def kmeans(x, K: int, rng, *, n_iter: int = 20, init: str = "kmeans++"):
    """(centroids (K, D), sizes (K,), inertia after each iteration) of Lloyd's k-means from a
    k-means++ or ``"random"`` start (:func:`lloyd`)."""
    X, K, rng = _rows(x), positive_int("K", K), generator("rng", rng)
    if init not in INITS:
        raise ValueError(f"init: expected one of {INITS}, got {init!r}")
    if init == "kmeans++":
        C = kmeans_plus_plus(X, K, rng)
    else:
        if K > len(X):
            raise ValueError(f"K: expected at most {len(X)} (the number of rows of x), got {K}")
        C = X[rng.choice(len(X), size=K, replace=False)]
    return lloyd(X, C, n_iter=n_iter)


def kmeans_codebook(x, K: int, rng, *, convention: str = "bias_corrected", n_iter: int = 20,
                    init: str = "kmeans++") -> tuple[np.ndarray, EMAState]:
    """A k-means codebook (K, D) and EMA statistics consistent with it (module docstring)."""
    if convention not in CONVENTIONS:
        raise ValueError(f"convention: expected one of {CONVENTIONS}, got {convention!r}")
    C, sizes, _ = kmeans(x, K, rng, n_iter=n_iter, init=init)
    if convention == "bias_corrected":
        return C, EMAState(np.zeros(K, dtype=C.dtype), np.zeros_like(C), 0, convention)
    counts = np.maximum(sizes, 1.0)               # an empty cluster counts as one, like the "ones" start
    return C, EMAState(counts, C * counts[:, None], 0, convention)
