"""Unsupervised parsing with a trained ON-LSTM (kexue.fm/archives/6621, "unsupervised syntax").

Distances per step and layer: ``d_f = 1 - mean_k f~_k`` (in [0, 1)) and
``d_i = mean_k i~_k``. The article's identity ``sum_k k p_k = n (1 - mean f~) + 1`` makes d_f
the soft expected level of the master forget gate (see ``puzzles.identities``).

:func:`parse_sentences` follows the authors' evaluation: each sentence is read from a zero
state as ``<eos> w_1 .. w_n <eos>`` (``boundary="both"``; the article author used a start
token only, ``boundary="start"``), distances are taken from one layer (the authors: layer 2
of 3, index 1; the article author: layer 1), the boundary positions are dropped so that
depth_t is d_f at the step that reads w_t, and the greedy :func:`~reference.onlstm.trees.build_tree`
splits the sentence. Sentences are run as one padded batch; padding does not change any
sentence's distances (see the layer's padding semantics).
"""
from __future__ import annotations

import numpy as np

from ..core.validate import instance
from ..ops.embedding import embedding_forward
from .layer import LayerCache, onlstm_stack_forward
from .lm import LMParams
from .trees import build_tree

BOUNDARIES = ("both", "start")


def distances(cache: LayerCache) -> tuple[np.ndarray, np.ndarray]:
    """(d_f, d_i), each (T, B), from one layer's forward cache."""
    instance("cache", cache, LayerCache)
    return 1 - cache.f_tilde.mean(axis=-1), cache.i_tilde.mean(axis=-1)


def encode(sentences, vocab, *, eos: str = "<eos>", unk: str = "<unk>", boundary: str = "both"):
    """Token ids (T, B) and the (B, T) prefix mask for the sentences with boundary tokens."""
    if boundary not in BOUNDARIES:
        raise ValueError(f"boundary: expected one of {BOUNDARIES}, got {boundary!r}")
    index = {w: i for i, w in enumerate(vocab)}
    if eos not in index:
        raise ValueError(f"vocab: expected the boundary token {eos!r}")
    rows = []
    for sentence in sentences:
        if not sentence:
            raise ValueError("sentences: expected non-empty sentences, got an empty one")
        ids = []
        for w in sentence:
            if w in index:
                ids.append(index[w])
            elif unk in index:
                ids.append(index[unk])
            else:
                raise ValueError(f"sentences: unknown word {w!r} and no {unk!r} in the vocabulary")
        rows.append([index[eos]] + ids + ([index[eos]] if boundary == "both" else []))
    T = max(len(r) for r in rows)
    ids = np.zeros((T, len(rows)), dtype=np.int64)
    mask = np.zeros((len(rows), T))
    for b, r in enumerate(rows):
        ids[:len(r), b] = r
        mask[b, :len(r)] = 1
    return ids, mask


def parse_sentences(params, vocab, sentences, *, layer: int | None = None, boundary: str = "both",
                    master_input: str = "paper"):
    """Trees (nested lists) and per-word depths for each sentence (a list of words).

    ``layer`` defaults to 1 (the second layer) when the model has at least two, else 0.
    """
    n_layers = len(instance("params", params, LMParams).layers)
    layer = (1 if n_layers >= 2 else 0) if layer is None else int(layer)
    if not 0 <= layer < n_layers:
        raise ValueError(f"layer: expected an index in [0, {n_layers - 1}], got {layer}")
    ids, mask = encode(sentences, vocab, boundary=boundary)
    x, _ = embedding_forward(ids, params.embedding)
    _, cache = onlstm_stack_forward(x, params.layers, mask=mask, master_input=master_input)
    d_f, _ = distances(cache.layers[layer])
    trees, depths = [], []
    for b, sentence in enumerate(sentences):
        depth = d_f[1:1 + len(sentence), b]          # drop the leading <eos> (and the trailing one)
        depths.append(depth)
        trees.append(build_tree(depth, list(sentence)))
    return trees, depths
