"""Left and right neighbour entropy (the score HanLP and smoothnlp add to cohesion).

For a word w, the right entropy is ``-sum_x p(x) ln p(x)`` over the characters x that follow
w's occurrences in the text (every occurrence as a substring of a sentence, as HanLP counts
them; natural log), the left entropy the same for the preceding characters. A sentence
boundary next to an occurrence is the one thing conventions disagree on:

``boundary="one"``       every boundary is the same neighbour symbol (HanLP collapses all
                         delimiters to one character), so boundaries lower the entropy;
``boundary="distinct"``  every boundary occurrence is a neighbour of its own (each adds
                         ``-(1/N) ln(1/N)``), so a word often at a sentence edge scores high.

Words longer than the counted order (or than 64 bits of packed characters) get NaN.

>>> H = neighbour_entropy(["ab ab xabz"], ["ab"])
>>> round(H["ab"][0], 4), round(H["ab"][1], 4)        # left: boundary, boundary, x; right: b., b., z
(0.6365, 0.6365)
"""
from __future__ import annotations

import numpy as np

from ..core.validate import instance, positive_int
from .counting import key_bits, window_keys
from .stream import Stream, encode_stream, workspace

BOUNDARIES = ("one", "distinct")


def _entropy(word_index, neighbour, n_words, boundary):
    """Per word: entropy of its neighbour ids (0 = boundary)."""
    H = np.zeros(n_words)
    if boundary == "distinct":                     # each boundary a symbol of its own
        edge = neighbour == 0
        neighbour = np.where(edge, -(np.arange(len(neighbour)) + 1), neighbour)
    pair = np.stack([word_index, neighbour], axis=1)
    uniq, counts = np.unique(pair, axis=0, return_counts=True)
    totals = np.bincount(uniq[:, 0], weights=counts, minlength=n_words)
    p = counts / totals[uniq[:, 0]]
    np.add.at(H, uniq[:, 0], -p * np.log(p))
    return H


def entropy_of_stream(stream, words, *, boundary: str = "one", max_order: int = 4) -> dict:
    """word -> (left entropy, right entropy) over an encoded stream (see the module docstring)."""
    if boundary not in BOUNDARIES:
        raise ValueError(f"boundary: expected one of {BOUNDARIES}, got {boundary!r}")
    instance("stream", stream, Stream)
    positive_int("max_order", max_order)
    lut = stream.lut()
    ids = lut[np.asarray(stream.codepoints())]
    bits = key_bits(max(len(stream.alphabet), 1), max_order)
    out = {w: (np.nan, np.nan) for w in words}
    for L in range(1, max_order + 1):
        group = [w for w in words if len(w) == L]
        codes = [[int(lut[ord(ch)]) if ord(ch) < 1 << 16 else 0 for ch in w] for w in group]
        group = [w for w, c in zip(group, codes) if all(c)]
        if not group:
            continue
        wkeys = np.array([sum(int(lut[ord(ch)]) << bits * (L - 1 - k) for k, ch in enumerate(w)) for w in group],
                         dtype=np.uint64)
        order = np.argsort(wkeys)
        wkeys, group = wkeys[order], [group[i] for i in order]
        keys, ok = window_keys(ids, L, bits)
        pos = np.minimum(np.searchsorted(wkeys, keys), len(wkeys) - 1)
        hit = np.flatnonzero(ok & (wkeys[pos] == keys))
        if len(hit) == 0:
            continue
        left = ids[hit - 1]                            # the stream starts with a break: hit >= 1
        right = ids[hit + L]
        HL = _entropy(pos[hit], left, len(group), boundary)
        HR = _entropy(pos[hit], right, len(group), boundary)
        seen = np.bincount(pos[hit], minlength=len(group)) > 0
        for i, w in enumerate(group):
            if seen[i]:
                out[w] = (float(HL[i]), float(HR[i]))
    return out


def neighbour_entropy(documents, words, *, boundary: str = "one", to_half_width: bool = True,
                      max_order: int = 4) -> dict:
    """word -> (left, right) entropy over ``documents`` (an iterable of str)."""
    with workspace() as folder:
        stream = encode_stream(documents, folder, to_half_width=to_half_width)
        return entropy_of_stream(stream, list(words), boundary=boundary, max_order=max_order)
