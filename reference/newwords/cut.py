"""Step 3: cut each sentence where no cohesive n-gram covers the gap; step 4: count the pieces.

Gap i (between characters i and i+1) is linked when an occurrence of a G n-gram covers both
characters. :func:`segments` finds every linked gap at once with a difference array over the
whole corpus (+1 where a G occurrence starts, -1 where it ends), linear in the corpus size.
:func:`longest_link_cut` is the article's per-sentence formulation (extend the end of the
current piece to the farthest G match starting inside it), kept as the cross-check: the two
give the same pieces. Pieces can be longer than the order (各项 + 项目 -> 各项目).
"""
from __future__ import annotations

from collections import Counter

import numpy as np

from .counting import window_keys


def _member(keys: np.ndarray, table: np.ndarray) -> np.ndarray:
    if len(table) == 0:
        return np.zeros(len(keys), bool)
    pos = np.minimum(np.searchsorted(table, keys), len(table) - 1)
    return table[pos] == keys


def linked_gaps(ids: np.ndarray, G: dict, bits: int) -> np.ndarray:
    """(len(ids) - 1,) bool: whether gap i is covered by an occurrence of a G n-gram."""
    diff = np.zeros(len(ids) + 1, np.int64)
    for n, table in G.items():
        keys, ok = window_keys(ids, n, bits)
        starts = np.flatnonzero(ok & _member(keys, table))
        diff += np.bincount(starts, minlength=len(diff)) - np.bincount(starts + n - 1, minlength=len(diff))
    return np.cumsum(diff)[:len(ids) - 1] > 0


def segments(ids: np.ndarray, text: str, G: dict, bits: int) -> Counter:
    """Counts of the pieces (strings) of every sentence, cut at the unlinked gaps."""
    linked = linked_gaps(ids, G, bits)
    real = ids != 0
    prev_linked = np.concatenate([[False], linked])
    next_linked = np.concatenate([linked, [False]])
    starts = np.flatnonzero(real & ~prev_linked)
    ends = np.flatnonzero(real & ~next_linked) + 1
    return Counter(text[a:b] for a, b in zip(starts.tolist(), ends.tolist()))


def longest_link_cut(sentence: str, G: set, order: int) -> list[str]:
    """The article's formulation on one sentence, with ``G`` a set of strings."""
    pieces, start, end = [], 0, 0
    for i in range(len(sentence)):
        if i >= end and i > start:                 # nothing started before i reaches past it: cut
            pieces.append(sentence[start:i])
            start = i
        for n in range(min(order, len(sentence) - i), 1, -1):
            if sentence[i:i + n] in G:
                end = max(end, i + n)
                break
        end = max(end, i + 1)
    if sentence:
        pieces.append(sentence[start:])
    return pieces
