"""Trees from ON-LSTM distances, and the two unlabeled F1 scores (spec onlstm.md section 5).

A tree is a word (``str``) or a list of trees: the nested-list form the article prints, e.g.
``[["the", "cat"], ["sat", ["on", ["the", "mat"]]]]``.

Greedy tree building, exactly as the ON-LSTM authors' evaluation (``build_tree``): split at
k = argmax(depth) (the *first* index on ties); the result is
``[tree(words[:k]), [words[k], tree(words[k+1:])]]`` with empty parts left out and a single
word kept as a leaf. The word with the largest distance *opens* the right constituent.

Two F1 definitions coexist; both are here, named so nobody confuses them:

:func:`sentence_f1` / :func:`mean_sentence_f1` (the authors' script print-out)
    per sentence, over unlabeled spans of length >= 2 *excluding* the whole-sentence span;
    precision is 1 when both trees have no such span and recall is 1 when the gold tree has
    none; the corpus number is the mean over sentences.
:func:`corpus_f1` (EVALB-style micro F1, the number the paper reports)
    spans of length >= 2 *including* the whole-sentence span, counts summed over the corpus
    before dividing.

Punctuation should be removed from both trees before scoring (the caller's job).

Example
-------
>>> tree = build_tree([0.1, 0.9, 0.2, 0.5], ["the", "cat", "sat", "down"])
>>> tree
['the', ['cat', ['sat', 'down']]]
>>> to_bracketed(tree), sorted(spans(tree)), depth(tree)
('(the (cat (sat down)))', [(1, 4), (2, 4)], 3)
>>> sentence_f1(tree, [["the", "cat"], ["sat", "down"]])
0.5
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ..core.validate import generator


def build_tree(depth: Sequence[float], words: Sequence[str]):
    """The authors' greedy top-down split (first argmax on ties); ``depth`` real and finite."""
    depth = np.asarray(depth)
    if depth.dtype.kind not in "biuf":
        raise TypeError(f"depth: expected real distances, got dtype {depth.dtype}")
    depth = depth.astype(float)
    if not np.all(np.isfinite(depth)):
        raise ValueError("depth: expected finite distances, got NaN or infinity")
    if depth.ndim != 1 or len(depth) != len(words):
        raise ValueError(f"depth: expected one distance per word ({len(words)}), got shape {depth.shape}")
    if len(words) == 0:
        raise ValueError("words: expected at least one word, got none")
    if len(words) == 1:
        return words[0]
    k = int(np.argmax(depth))
    right = words[k] if k + 1 == len(words) else [words[k], build_tree(depth[k + 1:], words[k + 1:])]
    if k == 0:
        return right
    return [build_tree(depth[:k], words[:k]), right]


def leaves(tree) -> list[str]:
    if isinstance(tree, str):
        return [tree]
    out = []
    for child in tree:
        out.extend(leaves(child))
    return out


def spans(tree, *, include_root: bool = False) -> set[tuple[int, int]]:
    """Unlabeled spans (start, end) of every constituent covering >= 2 words.

    ``include_root=False`` leaves out the whole-sentence span (the authors' ``get_brackets``)."""
    out: set[tuple[int, int]] = set()

    def walk(node, start):
        if isinstance(node, str):
            return start + 1
        end = start
        for child in node:
            end = walk(child, end)
        if end - start > 1:
            out.add((start, end))
        return end

    n = walk(tree, 0)
    if not include_root:
        out.discard((0, n))
    return out


def depth(tree) -> int:
    """Number of nested levels: a word has depth 0, [a, b] depth 1."""
    if isinstance(tree, str):
        return 0
    return 1 + max(depth(child) for child in tree)


def to_bracketed(tree) -> str:
    """``(the (cat sat))``: words separated by spaces, constituents in parentheses."""
    if isinstance(tree, str):
        return tree
    return "(" + " ".join(to_bracketed(child) for child in tree) + ")"


def from_bracketed(text: str):
    """Inverse of :func:`to_bracketed`; raises ``ValueError`` on unbalanced input."""
    if not isinstance(text, str):
        raise TypeError(f"text: expected a string, got {type(text).__name__}")
    tokens = text.replace("(", " ( ").replace(")", " ) ").split()
    if not tokens:
        raise ValueError("text: expected a bracketed tree, got an empty string")
    pos = 0

    def parse():
        nonlocal pos
        tok = tokens[pos]
        pos += 1
        if tok == ")":
            raise ValueError(f"text: unexpected ')' at token {pos - 1} in {text!r}")
        if tok != "(":
            return tok
        node = []
        while pos < len(tokens) and tokens[pos] != ")":
            node.append(parse())
        if pos == len(tokens):
            raise ValueError(f"text: missing ')' in {text!r}")
        pos += 1
        if not node:
            raise ValueError(f"text: empty constituent '()' in {text!r}")
        return node[0] if len(node) == 1 else node

    tree = parse()
    if pos != len(tokens):
        raise ValueError(f"text: trailing tokens after the tree in {text!r}")
    return tree


def sentence_f1(pred, gold) -> float:
    """The authors' per-sentence unlabeled F1 (no whole-sentence span, no single words)."""
    if leaves(pred) != leaves(gold):
        raise ValueError(f"pred: expected the same words as gold, got {leaves(pred)} vs {leaves(gold)}")
    p_spans, g_spans = spans(pred), spans(gold)
    overlap = len(p_spans & g_spans)
    prec = overlap / len(p_spans) if p_spans else (1.0 if not g_spans else 0.0)
    reca = overlap / len(g_spans) if g_spans else 1.0
    return 2 * prec * reca / (prec + reca) if prec + reca > 0 else 0.0


def mean_sentence_f1(preds, golds) -> float:
    """Mean of :func:`sentence_f1` over sentences (the authors' script print-out)."""
    scores = [sentence_f1(p, g) for p, g in zip(preds, golds, strict=True)]
    return float(np.mean(scores)) if scores else 0.0


def corpus_f1(preds, golds) -> float:
    """EVALB-style micro F1 over spans of >= 2 words *including* the whole-sentence span."""
    match = n_pred = n_gold = 0
    for p, g in zip(preds, golds, strict=True):
        if leaves(p) != leaves(g):
            raise ValueError(f"preds: expected the same words as golds, got {leaves(p)} vs {leaves(g)}")
        ps, gs = spans(p, include_root=True), spans(g, include_root=True)
        match += len(ps & gs)
        n_pred += len(ps)
        n_gold += len(gs)
    if n_pred == 0 and n_gold == 0:
        return 1.0
    prec = match / n_pred if n_pred else 0.0
    reca = match / n_gold if n_gold else 0.0
    return 2 * prec * reca / (prec + reca) if prec + reca > 0 else 0.0


def _words(words) -> None:
    if isinstance(words, (str, dict)) or not hasattr(words, "__len__") or not hasattr(words, "__getitem__"):
        raise TypeError(f"words: expected a sequence of words, got {type(words).__name__}")
    if len(words) == 0:
        raise ValueError("words: expected at least one word, got none")


def right_branching(words):
    """[w1, [w2, [w3, ...]]]"""
    _words(words)
    return words[0] if len(words) == 1 else [words[0], right_branching(words[1:])]


def left_branching(words):
    """[[[w1, w2], w3], ...]"""
    _words(words)
    return words[0] if len(words) == 1 else [left_branching(words[:-1]), words[-1]]


def random_tree(words, rng: np.random.Generator):
    """A uniformly random split point at every level (binary), from the explicit ``rng``."""
    _words(words)
    rng = generator("rng", rng)
    if len(words) == 1:
        return words[0]
    k = int(rng.integers(1, len(words)))
    return [random_tree(words[:k], rng), random_tree(words[k:], rng)]
