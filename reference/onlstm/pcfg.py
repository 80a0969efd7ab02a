"""A small probabilistic context-free grammar with known gold trees (generated, seeded).

    S   -> NP VP
    NP  -> Det N (0.40) | Det Adj N (0.20) | NP' PP (0.20) | Name (0.20)     NP' = Det N
    VP  -> V NP (0.40)  | Vi (0.15)        | V NP PP (0.25) | Vi PP (0.20)
    PP  -> P NP

PPs are not generated below nesting depth 3, so sentences stay short (2 to about 20 words,
7 on average).
Gold trees are nested lists with the words as leaves and one list per constituent, n-ary
where the rule is (``["the", "big", "cat"]``); a one-word NP is the word itself.

Example
-------
>>> sentences, trees = generate(3, np.random.default_rng(0))
>>> len(sentences), all(leaves(t) == s for s, t in zip(sentences, trees))
(3, True)
"""
from __future__ import annotations

import numpy as np

from ..core.validate import generator, positive_int
from .trees import leaves

LEXICON = {
    "Det": ["the", "a", "every"],
    "N": ["cat", "dog", "bird", "park", "tree", "house"],
    "Adj": ["big", "small", "old", "red"],
    "Name": ["alice", "bob", "carol"],
    "V": ["sees", "chases", "likes", "finds"],
    "Vi": ["sleeps", "runs", "sings"],
    "P": ["in", "near", "with", "under"],
}
EOS = "<eos>"
MAX_PP_DEPTH = 3


def vocabulary() -> list[str]:
    """All words of the grammar, ``<eos>`` first."""
    return [EOS] + [w for words in LEXICON.values() for w in words]


def _word(cat, rng):
    return LEXICON[cat][int(rng.integers(len(LEXICON[cat])))]


def _np(rng, depth):
    r = rng.random()
    allow_pp = depth < MAX_PP_DEPTH
    if r < 0.40 or (r >= 0.60 and r < 0.80 and not allow_pp):
        return [_word("Det", rng), _word("N", rng)]
    if r < 0.60:
        return [_word("Det", rng), _word("Adj", rng), _word("N", rng)]
    if r < 0.80:
        return [[_word("Det", rng), _word("N", rng)], _pp(rng, depth + 1)]
    return _word("Name", rng)


def _pp(rng, depth):
    return [_word("P", rng), _np(rng, depth)]


def _vp(rng, depth):
    r = rng.random()
    allow_pp = depth < MAX_PP_DEPTH
    if r < 0.40 or (r >= 0.55 and r < 0.80 and not allow_pp):
        return [_word("V", rng), _np(rng, depth + 1)]
    if r < 0.55 or (r >= 0.80 and not allow_pp):
        return _word("Vi", rng)
    if r < 0.80:
        return [_word("V", rng), _np(rng, depth + 1), _pp(rng, depth + 1)]
    return [_word("Vi", rng), _pp(rng, depth + 1)]


def sample_tree(rng: np.random.Generator):
    """One gold tree S = [NP, VP]."""
    rng = generator("rng", rng)
    return [_np(rng, 1), _vp(rng, 1)]


def generate(n: int, rng: np.random.Generator):
    """``n`` sentences (lists of words) and their gold trees, from the explicit generator."""
    n, rng = positive_int("n", n, at_most=10**7), generator("rng", rng)   # a list held in memory
    trees = [sample_tree(rng) for _ in range(n)]
    return [leaves(t) for t in trees], trees
