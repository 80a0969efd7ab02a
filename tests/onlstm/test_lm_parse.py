"""The language model pieces, distances, parsing, model files, the corpus and the parse demo."""
import functools
import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference import cli
from reference.ops.crossentropy import softmax_cross_entropy_backward, softmax_cross_entropy_forward
from reference.ops.embedding import embedding_backward, embedding_forward
from reference.core.gradcheck import check_op
from reference.onlstm import ONLSTMParams, demo, pcfg
from reference.onlstm.lm import LMParams, lm_backward, lm_forward, load_lm, save_lm
from reference.onlstm.parse import distances, encode, parse_sentences
from reference.onlstm.trees import leaves


def _lm(seed=0, V=7, sizes=(3, 4, 6)):
    rng = np.random.default_rng(seed)
    p = LMParams.init(V, sizes, 2, rng)
    return LMParams(5 * p.embedding, tuple(ONLSTMParams(3 * q.W, 3 * q.U, q.b + 0.3) for q in p.layers),
                    5 * p.W_out, p.b_out + 0.2)


def test_embedding_and_cross_entropy_gradients_and_oracles():
    rng = np.random.default_rng(0)
    ids, E = np.array([[0, 2, 2], [3, 1, 0]]), rng.standard_normal((4, 5))
    check_op(embedding_forward, embedding_backward, (ids, E), names=("ids", "E")).raise_if_failed()
    logits, targets = 4 * rng.standard_normal((2, 3, 6)), rng.integers(0, 6, (2, 3))
    w = np.array([[1, 1, 0], [1, 0, 0]])
    fwd = functools.partial(softmax_cross_entropy_forward, weights=w)
    check_op(fwd, softmax_cross_entropy_backward, (logits, targets), names=("logits", "targets")).raise_if_failed()
    expected = -np.mean([logits[i, j, targets[i, j]] - math.log(sum(math.exp(v) for v in logits[i, j]))
                         for i, j in ((0, 0), (0, 1), (1, 0))])
    assert float(fwd(logits, targets)[0]) == pytest.approx(expected, rel=1e-12)
    changed = logits.copy()
    changed[0, 2] += 100.0                                       # a masked position: no effect
    assert float(fwd(changed, targets)[0]) == float(fwd(logits, targets)[0])
    big = np.array([[1e4, 0.0, -1e4]])
    with np.errstate(over="raise"):
        assert float(softmax_cross_entropy_forward(big, np.array([1]))[0]) == pytest.approx(1e4)


def test_lm_gradient_with_padding():
    p = _lm()
    rng = np.random.default_rng(1)
    mask = np.array([[1, 1, 1, 1], [1, 1, 0, 0], [1, 0, 0, 0]])
    check_op(functools.partial(lm_forward, mask=mask), lm_backward, (rng.integers(0, 7, (4, 3)),
                                                                      rng.integers(0, 7, (4, 3)), p),
             names=("inputs", "targets", "params"), mode="vjp").raise_if_failed()


@given(st.integers(0, 1000))
def test_distance_is_the_soft_expected_level(seed):
    """d_f = 1 - mean f~ and the article's identity: sum_k k p_k = n d_f + 1."""
    p = _lm(seed % 7)
    ids, mask = encode([["a", "b"], ["b"]], ["<eos>", "a", "b", "x", "y", "z", "w"])
    _, cache = lm_forward(ids[:-1], ids[1:], p, mask[:, 1:])
    layer = cache[1].layers[0]
    d_f, d_i = distances(layer)
    n = layer.f_tilde.shape[-1]
    expected_level = (layer.p_f * np.arange(1, n + 1)).sum(-1)
    np.testing.assert_allclose(expected_level, n * d_f + 1, rtol=1e-12)
    assert ((d_f >= 0) & (d_f < 1)).all() and ((d_i >= 0) & (d_i <= 1)).all()


def test_parsing_a_batch_equals_parsing_one_by_one():
    p = _lm(2, V=len(pcfg.vocabulary()), sizes=(5, 6, 4))
    vocab = pcfg.vocabulary()
    sentences, _ = pcfg.generate(6, np.random.default_rng(3))
    trees, depths = parse_sentences(p, vocab, sentences)
    for s, t, d in zip(sentences, trees, depths):
        (t1,), (d1,) = parse_sentences(p, vocab, [s])
        assert leaves(t) == s and t == t1
        np.testing.assert_allclose(d, d1, rtol=1e-12, atol=1e-13)
    (tree,), (depth,) = parse_sentences(p, vocab, sentences[:1], layer=0, boundary="start")
    assert leaves(tree) == sentences[0] and len(depth) == len(sentences[0])
    with pytest.raises(ValueError, match=r"layer: expected an index in \[0, 1\], got 2"):
        parse_sentences(p, vocab, sentences, layer=2)
    with pytest.raises(ValueError, match="unknown word 'zebra'"):
        parse_sentences(p, vocab, [["zebra"]])
    with pytest.raises(ValueError, match="boundary: expected one of"):
        parse_sentences(p, vocab, sentences, boundary="end")


def test_model_files(tmp_path):
    p = _lm(4)
    vocab = ["<eos>", "a", "b", "c", "d", "e", "f"]
    path = tmp_path / "lm.npz"
    save_lm(path, p, vocab, master_input="article")
    q, v, variant = load_lm(path)
    assert v == vocab and variant == "article" and len(q.layers) == 2
    for a, b in ((q.embedding, p.embedding), (q.layers[1].U, p.layers[1].U), (q.b_out, p.b_out)):
        np.testing.assert_array_equal(a, b)
    np.savez(tmp_path / "other.npz", x=np.zeros(3))
    with pytest.raises(ValueError, match="not a refspace language model"):
        load_lm(tmp_path / "other.npz")
    with pytest.raises(ValueError, match="no such file"):
        load_lm(tmp_path / "missing.npz")


def test_corpus_is_seeded_and_consistent():
    a = pcfg.generate(50, np.random.default_rng(9))
    b = pcfg.generate(50, np.random.default_rng(9))
    assert a == b
    vocab = set(pcfg.vocabulary())
    for words, tree in zip(*a):
        assert leaves(tree) == words and set(words) <= vocab and 2 <= len(words)


@pytest.mark.slow
def test_the_demo_learns_syntax_beyond_right_branching():
    result = demo.run(epochs=2)
    scores = result["scores"]
    layer2, rb = scores["ON-LSTM layer 2"], scores["right-branching"]
    assert layer2[0] > rb[0] + 0.1 and layer2[1] > rb[1] + 0.1
    assert result["history"][-1]["test_ppl"] < result["history"][0]["test_ppl"] + 1e-9
    assert result["history"][-1]["test_ppl"] < 8.0


@pytest.mark.slow
def test_demo_parse_command_trains_scores_and_saves(tmp_path, capsys):
    model = tmp_path / "lm.npz"
    assert cli.main(["demo", "parse", "--epochs", "1", "--quiet", "--json", "--save", str(model)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data["scores"]) >= {"right-branching", "left-branching", "random", "ON-LSTM layer 2"}
    assert cli.main(["parse", "--model", str(model), "alice sees a dog"]) == 0
    assert "alice" in capsys.readouterr().out


def test_parse_command_on_a_saved_model(tmp_path, capsys):
    model = tmp_path / "lm.npz"
    save_lm(model, _lm(4, V=len(pcfg.vocabulary()), sizes=(5, 6, 4)), pcfg.vocabulary())
    assert cli.main(["parse", "--model", str(model), "alice sees a dog", "bob sleeps", "--distances"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("(") and "alice" in out[0] and "bob" in out[2]
    assert cli.main(["parse", "--model", str(model), "alice sees a zebra"]) == 2
    assert "unknown word 'zebra'" in capsys.readouterr().err
    assert cli.main(["parse", "--model", str(tmp_path / "nope.npz"), "alice"]) == 2


def test_demo_refuses_other_float_types_before_any_work():
    with pytest.raises(ValueError, match="dtype: expected float32 or float64"):
        demo.run(dtype="float16")
