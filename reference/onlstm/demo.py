"""``refspace demo parse``: does an ON-LSTM language model learn syntax with no supervision?

Trains :mod:`reference.onlstm.lm` (three ON-LSTM layers, no dropout) on sentences from the
seeded grammar of :mod:`reference.onlstm.pcfg` with Adam and global-norm clipping, using only
the reference's own backward passes; then parses held-out sentences from the distances
(:mod:`reference.onlstm.parse`) and scores them against the gold trees with both F1
definitions, beside right-branching, left-branching and random trees on the same sentences.
"""
from __future__ import annotations

import time
from typing import Callable

import numpy as np

from ..optim import Adam, clip_by_global_norm
from . import pcfg
from .lm import LMParams, lm_backward, lm_forward, save_lm
from .parse import encode, parse_sentences
from .trees import corpus_f1, left_branching, mean_sentence_f1, random_tree, right_branching, to_bracketed


def _batches(sentences, vocab, batch, rng):
    order = rng.permutation(len(sentences))
    for start in range(0, len(order), batch):
        chunk = [sentences[i] for i in order[start:start + batch]]
        ids, mask = encode(chunk, vocab)
        yield ids[:-1], ids[1:], mask[:, 1:]          # predict each next token; mask the targets


def perplexity(params, sentences, vocab, batch=200) -> float:
    total = count = 0.0
    for start in range(0, len(sentences), batch):
        ids, mask = encode(sentences[start:start + batch], vocab)
        loss, _ = lm_forward(ids[:-1], ids[1:], params, mask[:, 1:])
        n = mask[:, 1:].sum()
        total += float(loss) * n
        count += n
    return float(np.exp(total / count))


def run(*, epochs: int = 12, seed: int = 0, n_train: int = 3000, n_test: int = 300, sizes=(48, 96, 96, 48),
        chunk_size: int = 8, batch: int = 32, lr: float = 4e-3, clip: float = 1.0, dtype="float32",
        save: str | None = None, progress: Callable[[str], None] | None = None) -> dict:
    """Train, parse and score; ``dtype`` is the model's float type ("float32", the authors'
    PyTorch default and about 1.5x faster here, or "float64")."""
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype: expected float32 or float64, got {dtype}")
    rng = np.random.default_rng(seed)
    vocab = pcfg.vocabulary()
    train, _ = pcfg.generate(n_train, rng)
    test, gold = pcfg.generate(n_test, rng)
    params = LMParams.init(len(vocab), sizes, chunk_size, rng, dtype=dtype)
    opt = Adam(lr=lr)
    state = opt.init(params)
    history = []
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        losses, n_tok = 0.0, 0.0
        for step, (inp, tgt, mask) in enumerate(_batches(train, vocab, batch, rng)):
            loss, cache = lm_forward(inp, tgt, params, mask)
            grads, _ = clip_by_global_norm(lm_backward(np.array(1.0), cache)[2], clip)
            params, state = opt.step(params, grads, state)
            losses += float(loss) * mask.sum()
            n_tok += mask.sum()
            if progress is not None and step % 20 == 0:
                progress(f"epoch {epoch}/{epochs} batch {step}: train loss {float(loss):.3f}")
        row = {"epoch": epoch, "train_ppl": float(np.exp(losses / n_tok)), "test_ppl": perplexity(params, test, vocab),
               "seconds": time.perf_counter() - start}
        history.append(row)
        if progress is not None:
            progress(f"epoch {epoch}/{epochs}: train ppl {row['train_ppl']:.3f}, held-out ppl {row['test_ppl']:.3f}, "
                     f"{row['seconds']:.0f} s")
    if save:
        save_lm(save, params, vocab)
    scores = {}
    trees_by_layer = {}
    for layer in range(len(params.layers)):
        trees, _ = parse_sentences(params, vocab, test, layer=layer)
        trees_by_layer[layer] = trees
        scores[f"ON-LSTM layer {layer + 1}"] = (mean_sentence_f1(trees, gold), corpus_f1(trees, gold))
    base_rng = np.random.default_rng(seed + 7)
    for name, make in (("right-branching", right_branching), ("left-branching", left_branching),
                       ("random", lambda w: random_tree(w, base_rng))):
        trees = [make(w) for w in test]
        scores[name] = (mean_sentence_f1(trees, gold), corpus_f1(trees, gold))
    default_layer = 1 if len(params.layers) >= 2 else 0
    examples = [{"words": " ".join(w), "model": to_bracketed(trees_by_layer[default_layer][i]),
                 "gold": to_bracketed(gold[i])} for i, w in enumerate(test[:4])]
    return {"history": history, "scores": scores, "examples": examples, "parse_layer": default_layer + 1,
            "n_train": n_train, "n_test": n_test, "sizes": list(sizes), "chunk_size": chunk_size,
            "dtype": dtype.name}
