"""Step 3, the article's formulation: cut a sentence where no cohesive n-gram links two characters.

Gap i (between characters i and i+1) is linked when an occurrence of a G n-gram covers both
characters. The pipeline finds every linked gap at once with a difference array over a whole
chunk (+1 where a G occurrence starts, -1 where it ends; :func:`reference.newwords.stream.cut_chunk`),
linear in the corpus size. :func:`longest_link_cut` is the article's per-sentence
formulation (extend the end of the current piece to the farthest G match starting inside it),
kept as the cross-check: a test shows the two give the same pieces. Pieces can be longer than
the order (各项 + 项目 -> 各项目).
"""
from __future__ import annotations


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
