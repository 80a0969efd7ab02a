"""The 2016 bigram-only variant and left/right neighbour entropy, against plain-Python versions."""
import math
from collections import Counter

import pytest

from reference.newwords.discover import discover, discover_2016
from reference.newwords.entropy import neighbour_entropy
from reference.newwords.text import sentences

from .test_pipeline import _corpus


def _entropy(counter):
    n = sum(counter.values())
    return -sum(c / n * math.log(c / n) for c in counter.values())


@pytest.mark.parametrize("boundary", ["one", "distinct"])
def test_neighbour_entropy_against_a_scan_of_every_occurrence(boundary):
    docs = [_corpus(k, 2000) for k in range(2)]
    sents = [s for d in docs for s in sentences(d)]
    words = ["cab", "ab", "dgea", "h", "zz"]
    got = neighbour_entropy(docs, words, boundary=boundary)
    for w in words:
        left, right, edge = Counter(), Counter(), [0]

        def neighbour(side, ch):
            if ch is None:
                edge[0] += 1
                side["<b>" if boundary == "one" else f"<b{edge[0]}>"] += 1
            else:
                side[ch] += 1

        for s in sents:
            i = s.find(w)
            while i >= 0:
                neighbour(left, s[i - 1] if i > 0 else None)
                neighbour(right, s[i + len(w)] if i + len(w) < len(s) else None)
                i = s.find(w, i + 1)
        if not left:
            assert all(math.isnan(v) for v in got[w])
            continue
        assert got[w] == pytest.approx((_entropy(left), _entropy(right)), rel=1e-12)


def test_min_entropy_only_removes_words():
    docs = [_corpus(k, 3000) for k in range(3)]
    base = dict(discover(docs, min_count=5, thresholds=(0.5, 1, 1.5)))
    kept = dict(discover(docs, min_count=5, thresholds=(0.5, 1, 1.5), min_entropy=1.0))
    assert set(kept) < set(base) and all(base[w] == c for w, c in kept.items())
    # exactly the words of 2 to 4 characters whose smaller neighbour entropy (checked against a scan
    # of every occurrence above) is below 1 are gone
    scored = [w for w in base if 2 <= len(w) <= 4]
    H = neighbour_entropy(docs, scored)
    assert set(base) - set(kept) == {w for w in scored if min(H[w]) < 1.0}


def test_the_2016_variant_cuts_on_bigram_pmi_alone():
    docs = [_corpus(k, 3000) for k in range(3)]
    sents = [s for d in docs for s in sentences(d)]
    one = Counter(ch for s in sents for ch in s)
    two = Counter(s[i:i + 2] for s in sents for i in range(len(s) - 1))
    total = sum(one.values())
    pieces = Counter()
    for s in sents:
        start = 0
        for i in range(len(s) - 1):
            if math.log(total * two[s[i:i + 2]] / (one[s[i]] * one[s[i + 1]])) < 0.5:
                pieces[s[start:i + 1]] += 1
                start = i + 1
        pieces[s[start:]] += 1
    want = sorted(((w, c) for w, c in pieces.items() if c >= 10), key=lambda wc: (-wc[1], wc[0]))
    assert discover_2016(docs, min_count=10, min_pmi=0.5) == want
