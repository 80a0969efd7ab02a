"""New-word discovery on a Dask cluster (the ``dask`` extra): the same lexicon as
:func:`reference.newwords.discover.discover`, computed by partitions.

The corpus is a list of partitions, each a list of documents (lines): a partition boundary is
always a break, so no n-gram or piece crosses one. The partitions are encoded once on the
workers and kept there; then

1. the alphabet is the union of the partitions' characters (tree-reduced);
2. for each order n, every partition counts its n-grams (keeping those whose (n-1)-pieces
   passed), the sorted (key, count) tables are merged pairwise up a tree (``split_every`` at a
   time) *without* pruning, and min_count is applied once, at the root: exact, whatever the
   partitioning (unlike counters that prune per chunk);
3. cohesion runs on the driver (the kept tables are small);
4. every partition cuts its sentences with G and counts its pieces; the counts are summed up a
   tree; the driver backtracks.

Run it on a cluster by passing a ``dask.distributed.Client``::

    from dask.distributed import Client
    from reference.newwords.dask_backend import discover_dask, partition_files
    client = Client("tcp://scheduler:8786")
    words = discover_dask(partition_files(["part-000.txt", "part-001.txt"]), client=client, min_count=32)
"""
from __future__ import annotations

import numpy as np

from ..core.extras import install_hint
from .cohesion import cohesive
from .counting import Tables, _count_chunk, key_bits, merge_tables
from .discover import _thresholds, keep_piece
from .stream import cut_chunk, decode_keys, decode_pieces, merge_cuts, normalise_codepoints


def _dask():
    try:
        import dask
    except ImportError:
        raise ImportError(install_hint("dask"), name="dask") from None
    return dask


def _encode(docs, to_half_width):
    text = "\n" + "\n".join(docs) + "\n"
    return normalise_codepoints(text, to_half_width)


def _alphabet(cps):
    return np.unique(cps[cps != 0]).astype(np.uint32)


def _union(*parts):
    return np.unique(np.concatenate(parts)).astype(np.uint32)


def _ids(cps, alphabet):
    lut = np.zeros(1 << 16, np.int64)
    lut[alphabet] = np.arange(1, len(alphabet) + 1)
    return lut[cps]


def _count(cps, alphabet, prev, n, bits):
    return _count_chunk(_ids(cps, alphabet), prev, n, bits)


def _merge(*parts):
    return merge_tables(list(parts))


def _cut(cps, alphabet, G, bits, order):
    return cut_chunk(_ids(cps, alphabet), G, bits, order)


def _merge_cut(*parts):
    return merge_cuts(list(parts))


def _tree(dask, items, combine, split_every):
    while len(items) > 1:
        items = [dask.delayed(combine)(*items[i:i + split_every]) for i in range(0, len(items), split_every)]
    return items[0]


def partition_files(paths) -> list[list[str]]:
    """One partition per file (its lines), for :func:`discover_dask`."""
    from .corpus import iter_documents

    return [list(iter_documents([p])) for p in paths]


def discover_dask(partitions, *, client=None, order: int = 4, min_count: int = 32, thresholds=None,
                  strict: bool = False, to_half_width: bool = True, split_every: int = 8) -> list[tuple[str, int]]:
    """The lexicon of ``partitions`` (a list of lists of documents), computed with Dask (on
    ``client`` when given, else Dask's default scheduler); see the module docstring."""
    dask = _dask()
    if split_every < 2:
        raise ValueError(f"split_every: expected >= 2, got {split_every}")
    parts = [list(p) for p in partitions]
    if not parts:
        raise ValueError("partitions: expected at least one partition")
    thresholds = _thresholds(thresholds, order)
    compute = client.compute if client is not None else None

    def run(obj):
        if compute is None:
            return dask.compute(obj)[0]
        return compute(obj).result()

    encoded = [dask.delayed(_encode)(docs, to_half_width) for docs in parts]
    encoded = client.persist(encoded) if client is not None else list(dask.persist(*encoded))
    alphabet = run(_tree(dask, [dask.delayed(_alphabet)(e) for e in encoded], _union, split_every))
    bits = key_bits(max(len(alphabet), 1), order)
    keys, counts = {}, {}
    for n in range(1, order + 1):
        tables = [dask.delayed(_count)(e, alphabet, keys.get(n - 1), n, bits) for e in encoded]
        uk, uc = run(_tree(dask, tables, _merge, split_every))
        keep = uc >= min_count
        keys[n], counts[n] = uk[keep], uc[keep]
    tables = Tables(keys, counts, bits, order, min_count)
    G = cohesive(tables, thresholds)
    cuts = [dask.delayed(_cut)(e, alphabet, G, bits, order) for e in encoded]
    pieces = decode_pieces(run(_tree(dask, cuts, _merge_cut, split_every)), alphabet, bits)
    G_words = {w for n, ks in G.items() for w in decode_keys(ks, n, bits, alphabet)}
    words = [(w, c) for w, c in pieces.items() if c >= min_count and keep_piece(w, G_words, order, strict)]
    return sorted(words, key=lambda wc: (-wc[1], wc[0]))
