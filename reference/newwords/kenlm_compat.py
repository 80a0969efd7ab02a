"""The counting of the article's 2019 script (KenLM ``count_ngrams`` records), emulated to show
what it gets wrong. Do not use it to build a lexicon: it is here for comparison and for the
regression tests.

KenLM writes only full-order records: every window of length ``order`` of
``<s> ... <s> c_1 ... c_L </s>`` (``order - 1`` start symbols), with its corpus count. The
script's loader then:

1. keeps a record when the *record's* count is at least ``min_count`` (not each n-gram's);
2. drops the start/end symbols and adds the record's count to every **prefix** of what is
   left, so an n-gram is counted once per record it begins; a sentence's first characters
   are counted up to ``order`` times (``<s><s><s>a``, ``<s><s>ab``, ...), and a substring that
   starts within a sentence's last ``order - 2`` characters is never counted on its own;
3. sets ``total`` to the sum of the kept records' counts;
4. scores a piece missing from the table as if its count were ``total`` (``get(piece, total)``),
   so a word with a missing piece gets a PMI of at most 0.

(Its cut pass also ran over whole documents, so ``"\\n"`` came out as a word; sentences here
never contain whitespace.)

>>> counts, total = kenlm_counts(["abcd"], order=4, min_count=1)
>>> counts["a"], counts.get("c", 0), counts["abcd"]          # 'a' four times, 'c' never, once
(4, 0, 1)
"""
from __future__ import annotations

import math
from collections import Counter

from ..core.validate import positive_int, text


def kenlm_counts(sents, *, order: int = 4, min_count: int = 1) -> tuple[dict, int]:
    """(n-gram -> count, total) as the 2019 script's loader builds them from KenLM's records."""
    records = Counter()
    for s in sents:
        padded = ["<s>"] * (order - 1) + list(s) + ["</s>"]
        for i in range(len(padded) - order + 1):
            records[tuple(padded[i:i + order])] += 1
    counts, total = Counter(), 0
    for record, c in records.items():
        if c < min_count:
            continue
        chars = [t for t in record if t not in ("<s>", "</s>")]
        total += c
        for k in range(1, len(chars) + 1):
            counts["".join(chars[:k])] += c
    return dict(counts), total


def kenlm_pmi(word: str, counts: dict, total: int) -> float:
    """The script's cohesion score: a missing piece counts as ``total``."""
    text("word", word)
    if not isinstance(counts, dict):
        raise TypeError(f"counts: expected a dict of piece -> count, got {type(counts).__name__}")
    positive_int("total", total)
    c = counts.get(word, 0)
    if c == 0:
        return -math.inf
    return min(math.log(total * c / (counts.get(word[:k], total) * counts.get(word[k:], total)))
               for k in range(1, len(word)))
