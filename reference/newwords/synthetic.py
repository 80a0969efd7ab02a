"""A seeded planted-lexicon corpus for tests: words drawn i.i.d. from a Zipf lexicon of random
strings, plus novel words planted at a fixed frequency (kexue.fm/archives/6920 evaluation
idea). Characters are CJK ideographs, so the text splits like real Chinese.

>>> text, lexicon, planted = planted_corpus(0, n_chars=20_000, n_planted=3)
>>> len(planted), all(w in text for w in planted)
(3, True)
"""
from __future__ import annotations

import numpy as np

from ..core.validate import generator


def _word(rng, alphabet, length):
    return "".join(rng.choice(alphabet, length))


def planted_corpus(seed: int, *, n_chars: int = 200_000, alphabet_size: int = 600, lexicon_size: int = 2000,
                   n_planted: int = 20, planted_every: int = 400, zipf: float = 1.1):
    """(text, lexicon dict word -> probability, planted words). Sentences of 5 to 29 words end
    with "。"; a planted word (length 2 to 4, not a substring of a lexicon word) replaces one
    word in ``planted_every`` on average, all planted words equally often."""
    rng = generator("rng", np.random.default_rng(seed))
    alphabet = np.array([chr(0x4E00 + k) for k in rng.choice(20000, alphabet_size, replace=False)])
    words = []
    seen = set()
    while len(words) < lexicon_size:
        w = _word(rng, alphabet, int(rng.choice([1, 2, 2, 2, 3, 3, 4, 5])))
        if w not in seen:
            seen.add(w)
            words.append(w)
    p = 1.0 / np.arange(1, lexicon_size + 1) ** zipf
    p /= p.sum()
    joined = "|".join(words)
    planted = []
    while len(planted) < n_planted:
        w = _word(rng, alphabet, int(rng.integers(2, 5)))
        if w not in joined and w not in planted:
            planted.append(w)
    out, size = [], 0
    while size < n_chars:
        n = int(rng.integers(5, 30))
        idx = rng.choice(lexicon_size, n, p=p)
        sent = [planted[int(rng.integers(n_planted))] if rng.random() < 1 / planted_every else words[i]
                for i in idx]
        s = "".join(sent) + "。"
        out.append(s)
        size += len(s)
    return "".join(out), dict(zip(words, p)), planted
