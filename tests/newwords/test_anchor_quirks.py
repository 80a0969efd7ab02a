"""Each counting quirk of the article's 2019 script (KenLM records, as its loader reads them),
built on a tiny corpus and shown to differ from the exact counts as documented."""
from collections import Counter

import pytest

from reference.newwords.discover import discover
from reference.newwords.kenlm_compat import kenlm_counts, kenlm_pmi


def exact(sents, order=4):
    return Counter(s[i:i + n] for s in sents for n in range(1, order + 1) for i in range(len(s) - n + 1))


def test_sentence_initial_characters_are_over_counted():
    sents = ["ab"] * 3 + ["cab"]
    k, _ = kenlm_counts(sents, order=4)
    e = exact(sents)
    # each leading 'a' is counted 3 times (<s><s><s>a, <s><s>ab, <s>ab</s>); the 'a' of "cab" never
    # (it starts within the sentence's last order - 2 characters)
    assert e["a"] == 4 and k["a"] == 3 * 3


def test_the_last_characters_of_a_sentence_are_never_counted_alone():
    k, _ = kenlm_counts(["wxyz"], order=4)
    e = exact(["wxyz"])
    assert e["y"] == e["z"] == e["yz"] == 1
    assert "y" not in k and "z" not in k and "yz" not in k               # they start within the last order-2


def test_min_count_applies_to_padded_records_not_to_each_ngram():
    # "ab" occurs 4 times, always in a different 4-gram record: each record has count 1
    sents = ["abxy", "qabz", "rsab", "tabu"]
    k, _ = kenlm_counts(sents, order=4, min_count=2)
    assert exact(sents)["ab"] == 4 and "ab" not in k


def test_a_missing_piece_is_replaced_by_the_total_and_the_word_is_lost():
    sents = ["包括"] * 50 + ["我们" + "包括"] * 10
    k, total = kenlm_counts(sents, order=4, min_count=1)
    assert "括" not in k                                                  # a sentence-final character
    assert kenlm_pmi("包括", k, total) <= 0                              # ln(total c / (c(包) total)) <= 0
    e = exact(sents)
    total_exact = sum(c for w, c in e.items() if len(w) == 1)
    import math

    assert math.log(total_exact * e["包括"] / (e["包"] * e["括"])) > 0


def test_the_exact_pipeline_never_emits_whitespace_or_newlines():
    text = "\n".join(["今天 天气很好", "今天\t天气不错"] * 20)
    words = dict(discover([text], min_count=2, thresholds=(0.1, 0.2, 0.3)))
    assert not any(ch.isspace() for w in words for ch in w) and words


@pytest.mark.parametrize("order", [2, 3, 4])
def test_full_order_grams_inside_a_sentence_are_counted_once_by_both(order):
    # what the records do get right (the emulation is not wrong everywhere)
    s = "abcdefg"
    k, _ = kenlm_counts([s], order=order)
    for i in range(1, len(s) - order + 1):
        assert k[s[i:i + order]] == 1                                     # full-order grams counted once
