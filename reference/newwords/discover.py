"""The pipeline of kexue.fm/archives/6920 (and 4256) with exact counts: steps 0-6.

0. sentences (full-width to half-width, split on everything but ideographs, digits and ASCII
   letters; optional document dedup); 1. exact counts up to ``order``, kept when
   ``>= min_count``; 2. G = the n-grams whose minimum PMI over their splits is ``>=
   thresholds[n]`` (natural log); 3. cut each sentence at the gaps no G occurrence covers;
   4. count the pieces, keep those ``>= min_count``; 5. backtrack: a piece of length 3 to
   ``order`` stays only if it is in G, a longer one only if all its ``order``-windows are in G
   (``strict=True``: every window of every length 3..order, the 2017 ``is_real``); 6. output
   ``(word, count)`` count-descending, ties by the word.

Defaults are the 2019 repository's: order 4, thresholds {2: 2, 3: 4, 4: 6}, min_count 32 (8
for a corpus of a few MB, as the article says for small corpora).

Example: a word planted in a small random corpus (4,800 characters: thresholds for so small a
corpus are lower than the defaults, since a PMI is at most ln(total / count))
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> filler = "".join(rng.choice(list("的是了在和有人"), 4000))
>>> text = "。".join(filler[i:i + 20] + "龙卷风暴" for i in range(0, 4000, 20))
>>> words = dict(discover([text], min_count=20, thresholds=(1, 2, 3)))
>>> words["龙卷风暴"], "龙卷风" in words, words["的"]
(200, False, 580)
"""
from __future__ import annotations

from .cohesion import cohesive
from .stream import DEFAULT_MAX_MEMORY, count_stream, cut_stream, decode_keys, encode_stream, workspace
from .text import dedup_documents

DEFAULT_THRESHOLDS = {2: 2.0, 3: 4.0, 4: 6.0}


def _thresholds(thresholds, order):
    if thresholds is None:
        thresholds = {n: DEFAULT_THRESHOLDS.get(n, 2.0 * (n - 1)) for n in range(2, order + 1)}
    elif not isinstance(thresholds, dict):
        values = list(thresholds)
        if len(values) != order - 1:
            raise ValueError(f"thresholds: expected {order - 1} values (for 2..{order}-grams), got {len(values)}")
        thresholds = {n: float(v) for n, v in zip(range(2, order + 1), values)}
    return thresholds


def keep_piece(word: str, G: set, order: int, strict: bool = False) -> bool:
    """Step 5 (backtrack) for one piece."""
    L = len(word)
    if L < 3:
        return True
    if strict:
        return all(word[i:i + n] in G for n in range(3, min(order, L) + 1) for i in range(L - n + 1))
    if L <= order:
        return word in G
    return all(word[i:i + order] in G for i in range(L - order + 1))


def discover(documents, *, order: int = 4, min_count: int = 32, thresholds=None, strict: bool = False,
             dedup: bool = False, to_half_width: bool = True, workers: int = 1,
             max_memory: int = DEFAULT_MAX_MEMORY, tmpdir=None, on_stage=None, report=None,
             chunk_size: int | None = None, min_entropy: float | None = None,
             boundary: str = "one", on_progress=None) -> list[tuple[str, int]]:
    """The lexicon of ``documents`` (an iterable of str; one text each): ``(word, count)``,
    count-descending. Memory: ``max_memory`` bytes plus the kept tables; larger count tables
    are spilled to a temporary folder (in ``tmpdir``) and merged (:mod:`reference.newwords.stream`).
    ``on_stage(name)`` is called as each step starts and ``on_progress(label, fraction or None)``
    within the long ones (for progress bars); ``chunk_size``
    (characters per chunk) overrides the size derived from ``max_memory``; ``report`` (a
    :class:`~reference.newwords.stream.CountReport`) records how many sorted runs were spilled.
    ``min_entropy`` (optional, as HanLP): also drop words of 2..order characters whose smaller
    neighbour entropy is below it (:mod:`reference.newwords.entropy`, ``boundary`` convention)."""
    if isinstance(documents, str):
        raise TypeError("documents: expected an iterable of texts, got one str (wrap it in a list)")
    if max_memory < 1 << 20:
        raise ValueError(f"max_memory: expected at least 1 MiB, got {max_memory} bytes")
    stage = on_stage or (lambda name: None)
    thresholds = _thresholds(thresholds, order)
    with workspace(tmpdir) as folder:
        stage("sentences")
        docs = dedup_documents(documents) if dedup else documents
        stream = encode_stream(docs, folder, to_half_width=to_half_width, on_progress=on_progress)
        stage("counting")
        tables = count_stream(stream, order=order, min_count=min_count, folder=folder, max_memory=max_memory,
                              workers=workers, report=report, chunk_size=chunk_size, on_progress=on_progress)
        stage("cohesion")
        G = cohesive(tables, thresholds)
        stage("cutting")
        pieces = cut_stream(stream, G, tables, max_memory=max_memory, chunk_size=chunk_size,
                            on_progress=on_progress, min_count=min_count)
        stage("backtracking")
        alphabet = stream.alphabet
        G_words = {w for n, keys in G.items() for w in decode_keys(keys, n, tables.bits, alphabet)}
        words = [(w, c) for w, c in pieces.items() if keep_piece(w, G_words, order, strict)]
        if min_entropy is not None:
            from .entropy import entropy_of_stream

            stage("entropy")
            scored = [w for w, _ in words if 2 <= len(w) <= order]
            H = entropy_of_stream(stream, scored, boundary=boundary, max_order=order)
            words = [(w, c) for w, c in words if w not in H or min(H[w]) >= min_entropy]
    return sorted(words, key=lambda wc: (-wc[1], wc[0]))


def discover_2016(documents, *, min_count: int = 10, min_pmi: float = 0.0, to_half_width: bool = True,
                  max_memory: int = DEFAULT_MAX_MEMORY, tmpdir=None) -> list[tuple[str, int]]:
    """The 2016 variant (kexue.fm/archives/3913): cut between adjacent characters a, b when
    ``ln(total #ab / (#a #b)) < min_pmi`` (every bigram counted, no min_count before), keep the
    pieces seen at least ``min_count`` times; no backtrack. Defaults (10, 0) as the article's
    code; its example uses (16, 1)."""
    if isinstance(documents, str):
        raise TypeError("documents: expected an iterable of texts, got one str (wrap it in a list)")
    with workspace(tmpdir) as folder:
        stream = encode_stream(documents, folder, to_half_width=to_half_width)
        tables = count_stream(stream, order=2, min_count=1, folder=folder, max_memory=max_memory)
        G = cohesive(tables, {2: min_pmi})
        pieces = cut_stream(stream, G, tables, max_memory=max_memory)
    return sorted(((w, c) for w, c in pieces.items() if c >= min_count), key=lambda wc: (-wc[1], wc[0]))
