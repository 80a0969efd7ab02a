"""Step 0 of new-word discovery: normalise, split into sentences, encode as integer ids.

Sentences are the runs of ``[\\u4e00-\\u9fa50-9a-zA-Z]`` (CJK ideographs, ASCII digits and
letters): everything else, spaces included, is a break, and no n-gram is ever counted across
a break (kexue.fm/archives/4256, 6920). Full-width forms are mapped to half-width first
(``q2b``: U+3000 to a space, U+FF01-FF5E down by 0xFEE0), so ``２０００年`` counts as
``2000年``. Units are single code points.

``encode`` joins the sentences into one id array: id 0 is a break (one before, between and
after the sentences), ids 1..V index ``alphabet`` (the sorted code points).

>>> sentences("他说：“２０００年，我们”")
['他说', '2000年', '我们']
>>> ids, alphabet, text = encode(["ab", "ba"])
>>> ids.tolist(), alphabet.tolist(), text
([0, 1, 2, 0, 2, 1, 0], [97, 98], '\\x00ab\\x00ba\\x00')
"""
from __future__ import annotations

import hashlib
import re

import numpy as np

SENTENCE = re.compile(r"[\u4e00-\u9fa50-9a-zA-Z]+")
_Q2B = {0x3000: 0x20, **{c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}}


def q2b(text: str) -> str:
    """Full-width to half-width (the articles' ``strQ2B``)."""
    if not isinstance(text, str):
        raise TypeError(f"text: expected a str, got {type(text).__name__}")
    return text.translate(_Q2B)


def sentences(text: str, *, to_half_width: bool = True) -> list[str]:
    """The sentences of ``text``: maximal runs of ideographs, digits and ASCII letters."""
    if not isinstance(text, str):
        raise TypeError(f"text: expected a str, got {type(text).__name__}")
    return SENTENCE.findall(q2b(text) if to_half_width else text)


def dedup_documents(documents) -> list[str]:
    """Documents with exact duplicates (same MD5 of the UTF-8 text) dropped, first kept (4256)."""
    seen, out = set(), []
    for k, doc in enumerate(documents):
        if not isinstance(doc, str):
            raise TypeError(f"documents[{k}]: expected a str, got {type(doc).__name__}")
        digest = hashlib.md5(doc.encode("utf-8")).digest()
        if digest not in seen:
            seen.add(digest)
            out.append(doc)
    return out


def encode(sents) -> tuple[np.ndarray, np.ndarray, str]:
    """(ids int64 with 0 at every break, alphabet uint32 code points, the joined text with
    ``"\\x00"`` at the breaks: ``text[i]`` is the character of ``ids[i]``)."""
    text = "\x00" + "\x00".join(sents) + "\x00"
    cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    alphabet, inverse = np.unique(cps, return_inverse=True)
    if alphabet[0] != 0:                          # no break at all cannot happen: the text starts with one
        raise AssertionError("the joined text must start with a break")
    return inverse.astype(np.int64), alphabet[1:], text
