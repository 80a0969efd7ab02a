"""Step 1: exact n-gram counts with packed integer keys, ``np.unique`` and apriori pruning.

An n-gram of ids ``a_1..a_n`` (each in 1..V, 0 is a break) is the key
``sum a_k << bits (n - k)`` with ``bits = V.bit_length()``; ``bits * order`` must fit 64 bits
(V < 65536 at order 4). Windows containing a break are never counted, so no n-gram spans two
sentences. Counting order n keeps only the n-grams whose two (n-1)-sub-grams were kept
(apriori pruning): exact, since an n-gram's count never exceeds its pieces', and it keeps the
merged tables (and spilled runs) proportional to what can pass.

Counting is chunked (``chunk_size`` windows at a time) and each order's table is merged
across chunks before min_count is applied, so the result does not depend on the
chunking (unlike counters that prune per chunk).
"""
from __future__ import annotations

import dataclasses

import numpy as np


@dataclasses.dataclass(frozen=True)
class Tables:
    """Kept n-gram tables: ``keys[n]`` sorted uint64 keys and ``counts[n]`` int64 (n = 1..order)."""

    keys: dict
    counts: dict
    bits: int
    order: int
    min_count: int

    @property
    def total(self) -> int:
        """Sum of the kept 1-gram counts (the articles' ``total``)."""
        return int(self.counts[1].sum())

    def lookup(self, n: int, keys: np.ndarray) -> np.ndarray:
        """Counts of ``keys`` in the order-n table (0 where absent)."""
        table, counts = self.keys[n], self.counts[n]
        pos = np.searchsorted(table, keys)
        pos = np.minimum(pos, max(len(table) - 1, 0))
        hit = (table[pos] == keys) if len(table) else np.zeros(len(keys), bool)
        return np.where(hit, counts[pos] if len(table) else 0, 0)


def key_bits(V: int, order: int) -> int:
    bits = max(int(V).bit_length(), 1)
    if bits * order > 64:
        raise ValueError(f"order: {order}-grams over {V} distinct characters need {bits * order} bits, more than 64; "
                         "lower the order")
    return bits


def window_keys(ids: np.ndarray, n: int, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """(keys of every length-n window, whether the window is free of breaks)."""
    m = len(ids) - n + 1
    if m <= 0:
        return np.zeros(0, np.uint64), np.zeros(0, bool)
    u = ids.astype(np.uint64)
    keys = np.zeros(m, np.uint64)
    ok = np.ones(m, bool)
    for k in range(n):
        part = u[k:k + m]
        keys = (keys << np.uint64(bits)) | part
        ok &= part != 0
    return keys, ok


def _ids(ids) -> np.ndarray:
    """Character ids: a 1-d integer array (0 is a break)."""
    if not isinstance(ids, np.ndarray) or ids.dtype.kind not in "iu" or ids.ndim != 1:
        raise TypeError(f"ids: expected a 1-d integer array of character ids, got {type(ids).__name__} "
                        f"{getattr(ids, 'dtype', '')}".rstrip())
    return ids


def all_window_keys(ids: np.ndarray, order: int, bits: int) -> dict:
    """n -> (keys, break-free) of every window length 1..order, built incrementally
    (``key_n = key_{n-1} << bits | next id``): one pass per order instead of n."""
    ids = _ids(ids)
    u = ids.astype(np.uint64)
    real = ids != 0
    out = {1: (u, real)}
    for n in range(2, order + 1):
        k, ok = out[n - 1]
        if len(k) <= 1:
            out[n] = (np.zeros(0, np.uint64), np.zeros(0, bool))
            continue
        out[n] = ((k[:-1] << np.uint64(bits)) | u[n - 1:], ok[:-1] & real[n - 1:])
    return out


def _chunks(n_ids: int, n: int, chunk_size: int):
    """(a, b) slices of the ids whose windows of length n start at a, ..., b - n: consecutive
    slices overlap by n - 1 ids, so every window is in exactly one slice."""
    starts = max(n_ids - n + 1, 0)
    for s in range(0, starts, chunk_size):
        yield s, min(s + chunk_size, starts) + n - 1


def merge_tables(parts) -> tuple[np.ndarray, np.ndarray]:
    """Sum (sorted keys, counts) tables into one (exact; no pruning)."""
    if not parts:
        return np.zeros(0, np.uint64), np.zeros(0, np.int64)
    keys = np.concatenate([k for k, _ in parts])
    counts = np.concatenate([c for _, c in parts])
    uniq, inverse = np.unique(keys, return_inverse=True)
    return uniq, np.bincount(inverse, weights=counts, minlength=len(uniq)).astype(np.int64)


_HASH_BITS = 22


def _hash(keys):
    """Multiplicative (Fibonacci) hashing of 64-bit keys to ``_HASH_BITS`` bits (wraps modulo 2^64)."""
    h = keys * np.uint64(0x9E3779B97F4A7C15)
    h >>= np.uint64(64 - _HASH_BITS)
    return h


def _count_chunk(ids, prev, n, bits):
    """Unique keys and counts of the length-n windows of ``ids`` free of breaks, keeping only
    those whose two (n-1)-sub-grams are in ``prev`` (sorted keys; None for n = 1). Pruning the
    unique keys (sorted: the lookups walk ``prev`` in order) gives the same table as pruning
    the windows, since an n-gram with an infrequent piece is infrequent itself."""
    if n == 1:                                          # single characters: a histogram, no sort
        hist = np.bincount(ids, minlength=1)
        u = np.flatnonzero(hist[1:]) + 1
        return u.astype(np.uint64), hist[u].astype(np.int64)
    k, ok = window_keys(ids, n, bits)
    if n >= 3 and prev is not None and len(prev) and len(k):
        # a one-sided prefilter before the sort (a hashed bitmap of the kept (n-1)-grams): it
        # drops most windows with an infrequent piece; the exact test on the unique keys follows
        bitmap = np.zeros(1 << _HASH_BITS, bool)
        bitmap[_hash(prev)] = True
        sub = np.uint64((1 << bits * (n - 1)) - 1)
        ok &= bitmap[_hash(k >> np.uint64(bits))] & bitmap[_hash(k & sub)]
    k = k[ok]
    if n * bits <= 32:                                  # short keys sort faster as uint32
        u, c = np.unique(k.astype(np.uint32), return_counts=True)
        u = u.astype(np.uint64)
    else:
        u, c = np.unique(k, return_counts=True)
    if len(u):                                # apriori: both (n-1)-sub-grams were kept
        keep = np.ones(len(u), bool)
        sub = np.uint64((1 << bits * (n - 1)) - 1)
        for piece in (u >> np.uint64(bits), u & sub):
            if len(prev) == 0:
                keep[:] = False
                break
            pos = np.minimum(np.searchsorted(prev, piece), len(prev) - 1)
            keep &= prev[pos] == piece
        u, c = u[keep], c[keep]
    return u, c


def count_all_orders(ids: np.ndarray, order: int, bits: int) -> dict:
    """n -> (sorted unique keys, counts) of every n-gram (1 <= n <= order) of ``ids``, with one
    sort: the ``order``-windows of every position (zero-padded at the end) are sorted, so their
    n-character prefixes are sorted too, and each order's table is the runs of the one above
    with one character dropped. Keys holding a break (a zero character) are counted along and
    dropped from each order's table at the end (a window with a break is never an n-gram, but
    its prefix before the break may be)."""
    L, ids = order, _ids(ids)
    m = len(ids)
    if m == 0:
        return {n: (np.zeros(0, np.uint64), np.zeros(0, np.int64)) for n in range(1, L + 1)}
    u = np.zeros(m + L - 1, np.uint64)
    u[:m] = ids
    shift = np.uint64(bits)
    keys = u[:m] << shift if L > 1 else u[:m].copy()
    for j in range(1, L):
        keys |= u[j:j + m]
        if j < L - 1:
            keys <<= shift
    del u
    keys.sort()
    char = np.uint64((1 << bits) - 1)
    out = {}
    counts = run = None
    for n in range(L, 0, -1):
        if n < L:
            keys >>= shift                             # the n-character prefixes, still sorted
        new = np.empty(len(keys), bool)
        new[0] = True
        np.not_equal(keys[1:], keys[:-1], out=new[1:])
        starts = np.flatnonzero(new)
        del new
        if counts is None:
            counts = np.diff(starts, append=len(keys))
        else:
            counts = np.add.reduceat(counts, starts)
        keys = keys[starts]
        if run is None:                                # characters before the first break, at most L
            run = np.zeros(len(keys), np.int8)
            alive = np.ones(len(keys), bool)
            for c in range(L - 1, -1, -1):
                alive &= ((keys >> np.uint64(bits * c)) & char) != 0
                run += alive
            del alive
        else:                                          # a group shares its prefix, so its run
            run = np.minimum(run[starts], n)
        ok = run >= n
        out[n] = (keys[ok], counts[ok])
    return dict(sorted(out.items()))


def count_ngrams(ids: np.ndarray, V: int, *, order: int = 4, min_count: int = 1,
                 chunk_size: int = 1 << 22) -> Tables:
    """Exact counts of every n-gram (1 <= n <= ``order``) seen at least ``min_count`` times, in
    memory, order by order (the pipeline's out-of-core counter with worker processes is
    :func:`reference.newwords.stream.count_stream`)."""
    if order < 1:
        raise ValueError(f"order: expected >= 1, got {order}")
    if min_count < 1:
        raise ValueError(f"min_count: expected >= 1, got {min_count}")
    if chunk_size < 1:
        raise ValueError(f"chunk_size: expected >= 1, got {chunk_size}")
    bits = key_bits(V, order)
    keys, counts = {}, {}
    for n in range(1, order + 1):
        prev = keys.get(n - 1)
        parts = [_count_chunk(ids[a:b], prev, n, bits) for a, b in _chunks(len(ids), n, chunk_size)]
        uk, uc = merge_tables(parts)
        keep = uc >= min_count
        keys[n], counts[n] = uk[keep], uc[keep]
    return Tables(keys, counts, bits, order, min_count)
