"""The same rules in plain Python with ``collections.Counter``: the oracle the tests compare the
NumPy pipeline with, and the baseline ``refspace bench words`` measures it against. Written
for clarity, not speed: every substring of every sentence is counted in a dict."""
import math
from collections import Counter

from .text import sentences


def counter_discover(documents, *, order=4, min_count=32, thresholds=(2.0, 4.0, 6.0), strict=False):
    """(lexicon, kept n-gram counts, G) as :func:`reference.newwords.discover.discover` defines them."""
    theta = dict(zip(range(2, order + 1), thresholds))
    sents = [s for d in documents for s in sentences(d)]
    counts = Counter()
    for s in sents:
        for n in range(1, order + 1):
            for i in range(len(s) - n + 1):
                counts[s[i:i + n]] += 1
    counts = {w: c for w, c in counts.items() if c >= min_count}
    total = sum(c for w, c in counts.items() if len(w) == 1)
    G = set()
    for w, c in counts.items():
        if len(w) >= 2 and min(math.log(total * c / (counts[w[:k]] * counts[w[k:]]))
                               for k in range(1, len(w))) >= theta[len(w)]:
            G.add(w)
    pieces = Counter()
    for s in sents:
        linked = [False] * max(len(s) - 1, 0)
        for n in range(2, order + 1):
            for i in range(len(s) - n + 1):
                if s[i:i + n] in G:
                    for g in range(i, i + n - 1):
                        linked[g] = True
        start = 0
        for g, ok in enumerate(linked):
            if not ok:
                pieces[s[start:g + 1]] += 1
                start = g + 1
        if s:
            pieces[s[start:]] += 1

    def keep(w):
        if len(w) < 3:
            return True
        if strict:
            return all(w[i:i + n] in G for n in range(3, min(order, len(w)) + 1) for i in range(len(w) - n + 1))
        if len(w) <= order:
            return w in G
        return all(w[i:i + order] in G for i in range(len(w) - order + 1))

    words = [(w, c) for w, c in pieces.items() if c >= min_count and keep(w)]
    return sorted(words, key=lambda wc: (-wc[1], wc[0])), counts, G
