"""Trees and the two F1 definitions: hand-worked cases and properties."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference.onlstm.trees import (
    build_tree, corpus_f1, depth, from_bracketed, leaves, left_branching, mean_sentence_f1, random_tree,
    right_branching, sentence_f1, spans, to_bracketed)

W = ["a", "b", "c", "d", "e"]


@pytest.mark.parametrize("dist, expected", [
    # 'a' has the largest distance: it opens everything; the rest splits at 'e', then 'd', then 'c'
    ([0.9, 0.1, 0.2, 0.3, 0.4], ["a", [[["b", "c"], "d"], "e"]]),
    # increasing distances: every later word opens a constituent of one word -> left-branching
    ([0.1, 0.2, 0.3, 0.4, 0.9], [[[["a", "b"], "c"], "d"], "e"]),
    # split at 'b' (0.9): 'a' alone on the left; 'b' opens [b, rest]; rest splits at 'd' (0.8)
    ([0.1, 0.9, 0.2, 0.8, 0.3], ["a", ["b", ["c", ["d", "e"]]]]),
    # all equal: the first argmax is always the first word -> right-branching
    ([0.5, 0.5, 0.5, 0.5, 0.5], ["a", ["b", ["c", ["d", "e"]]]]),
    # split at 'c'; [a, b] splits at 'b'; [d, e] at 'd'
    ([0.1, 0.3, 0.9, 0.3, 0.1], [["a", "b"], ["c", ["d", "e"]]]),
])
def test_build_tree_hand_worked(dist, expected):
    assert build_tree(dist, W) == expected


def test_build_tree_hand_worked_explained():
    # argmax at 'c' (index 2): left part [a, b] split at 'b'; 'c' opens the right constituent [c, [d, e]]
    assert build_tree([0.2, 0.4, 0.9, 0.1, 0.3], W) == [["a", "b"], ["c", ["d", "e"]]]
    assert build_tree([0.3], ["x"]) == "x"
    with pytest.raises(ValueError, match="depth: expected one distance per word"):
        build_tree([0.1, 0.2], W)


@given(st.lists(st.floats(0, 1), min_size=1, max_size=12))
def test_build_tree_keeps_the_words_and_splits_at_the_first_argmax(dist):
    words = [f"w{i}" for i in range(len(dist))]
    tree = build_tree(dist, words)
    assert leaves(tree) == words
    k = int(np.argmax(dist))
    if k > 0 and len(words) > 1:
        assert leaves(tree[0]) == words[:k]


@st.composite
def trees(draw, max_words=10):
    n = draw(st.integers(1, max_words))
    return random_tree([f"w{i}" for i in range(n)], np.random.default_rng(draw(st.integers(0, 10**6))))


@given(trees())
def test_bracketed_round_trip_and_self_scores(tree):
    assert from_bracketed(to_bracketed(tree)) == tree
    assert sentence_f1(tree, tree) == 1.0
    assert corpus_f1([tree], [tree]) == 1.0


@given(st.integers(3, 14))
def test_known_values_for_left_versus_right_branching(n):
    words = [f"w{i}" for i in range(n)]
    rb, lb = right_branching(words), left_branching(words)
    assert spans(rb) == {(i, n) for i in range(1, n - 1)}
    assert spans(lb) == {(0, j) for j in range(2, n)}
    assert sentence_f1(rb, lb) == 0.0                  # no shared span without the root
    assert corpus_f1([rb], [lb]) == pytest.approx(1 / (n - 1))   # only the root is shared
    assert depth(rb) == depth(lb) == n - 1


def test_f1_conventions_and_micro_averaging():
    two = ["x", "y"]
    assert sentence_f1(two, two) == 1.0                 # neither tree has a span: precision and recall 1
    gold = [["a", "b"], ["c", ["d", "e"]]]            # spans (0,2) (2,5) (3,5)
    pred = ["a", ["b", ["c", ["d", "e"]]]]            # spans (1,5) (2,5) (3,5)
    assert sentence_f1(pred, gold) == pytest.approx(2 / 3)
    assert mean_sentence_f1([pred, two], [gold, two]) == pytest.approx((2 / 3 + 1) / 2)
    # micro, root included: first sentence 4 spans each, 3 shared ((0,5) (2,5) (3,5)); second 1 each, shared:
    # precision = recall = 4 / 5
    assert corpus_f1([pred, two], [gold, two]) == pytest.approx(0.8)
    with pytest.raises(ValueError, match="expected the same words"):
        sentence_f1(["a", "b"], ["a", "c"])


@pytest.mark.parametrize("text, message", [("(a b", "missing"), ("a b)", "trailing"), ("()", "empty"), ("", "empty")])
def test_bad_bracketed_strings(text, message):
    with pytest.raises(ValueError, match=message):
        from_bracketed(text)
