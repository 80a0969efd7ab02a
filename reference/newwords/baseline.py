"""The same rules in plain Python with ``collections.Counter``: the oracle the tests compare the
NumPy pipeline with, and the baseline ``refspace bench words`` measures it against, in process
and end to end (``python -m reference.newwords.baseline CORPUS``, start-up included). Written
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


def main(argv=None) -> int:
    """``python -m reference.newwords.baseline CORPUS [--min-count N] [--out FILE]``: the same
    lexicon as ``refspace words`` (one document per line, 'word count' lines), for timing the
    plain pipeline end to end (``refspace bench words``)."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m reference.newwords.baseline",
                                     description="new-word discovery with collections.Counter (the baseline)")
    parser.add_argument("corpus", help="a UTF-8 text file, one document per line")
    parser.add_argument("--min-count", type=int, default=32)
    parser.add_argument("--out", help="write the lexicon here instead of stdout")
    args = parser.parse_args(argv)
    with open(args.corpus, encoding="utf-8") as fh:
        documents = fh.read().splitlines()
    words = counter_discover(documents, min_count=args.min_count)[0]
    text = "".join(f"{w} {c}\n" for w, c in words)
    if args.out is None:
        sys.stdout.write(text)
    else:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
