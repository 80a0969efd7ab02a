"""An ON-LSTM language model built from the reference ops (the authors' setting, scaled down).

Spec form: :mod:`reference.onlstm.spec`, the same equations in plain NumPy, line by line
(``refspace check --spec`` holds the two equal).

    x_t      = E[w_t]                                   (embedding, (V, D))
    h^k      = ON-LSTM layer k over h^{k-1}             (:func:`onlstm_stack_forward`)
    logits_t = h^n_t W_out + b_out                      ((H_n, V), (V,))
    L        = mean over unpadded t of -log softmax(logits_t)[w_{t+1}]

Inputs and targets are (T, B) token ids, time-major; ``mask`` (B, T) is the 0/1 prefix
mask of real tokens (padded positions are not counted in the loss and carry the state).
The model has no dropout (a reference, not a training recipe); DropConnect masks can be
passed per layer. Weights are saved as ``.npz`` with the vocabulary and the master-input
variant (:func:`save_lm`, :func:`load_lm`).
"""
from __future__ import annotations

import dataclasses

import numpy as np

from ..ops.affine import affine_backward, affine_forward
from ..ops.crossentropy import softmax_cross_entropy_backward, softmax_cross_entropy_forward
from ..ops.embedding import check_ids, embedding_backward, embedding_forward
from ..core.npzio import load_npz, save_npz
from ..core.validate import dense_chain, float_array, generator, instance, positive_int
from .layer import onlstm_stack_backward, onlstm_stack_forward
from .params import ONLSTMParams, check_variant


@dataclasses.dataclass(frozen=True)
class LMParams:
    """embedding (V, D); layers: tuple of ONLSTMParams; W_out (H_last, V); b_out (V,)."""

    embedding: np.ndarray
    layers: tuple
    W_out: np.ndarray
    b_out: np.ndarray

    @classmethod
    def init(cls, vocab_size: int, sizes, chunk_size: int, rng: np.random.Generator, dtype=np.float64):
        """``sizes`` = (D, H_1, ..., H_n): embedding size then each layer's hidden size."""
        rng = generator("rng", rng)
        sizes = [positive_int(f"sizes[{k}]", s) for k, s in enumerate(sizes)]
        vocab_size = positive_int("vocab_size", vocab_size)
        if len(sizes) < 2:
            raise ValueError(f"sizes: expected (D, H_1, ..., H_n) with at least one layer, got {sizes}")
        layers = tuple(ONLSTMParams.init(sizes[k], sizes[k + 1], chunk_size, rng, dtype=dtype)
                       for k in range(len(sizes) - 1))
        E = rng.uniform(-0.1, 0.1, (vocab_size, sizes[0])).astype(dtype)
        W = rng.uniform(-0.1, 0.1, (sizes[-1], vocab_size)).astype(dtype)
        return cls(E, layers, W, np.zeros(vocab_size, dtype=dtype))


def _checked(params, inputs) -> None:
    """Every array of ``params`` and the token ids, named as the caller knows them."""
    instance("params", params, LMParams)
    E = float_array("params.embedding", params.embedding, ndim=2)
    if isinstance(params.layers, (ONLSTMParams, str, dict)) or not isinstance(params.layers, (tuple, list)) \
            or not params.layers:
        raise TypeError(f"params.layers: expected a non-empty tuple of ONLSTMParams, got {type(params.layers).__name__}")
    width = E.shape[1]
    for k, layer in enumerate(params.layers):
        p = instance(f"params.layers[{k}]", layer, ONLSTMParams).validated(E.dtype, name=f"params.layers[{k}]")
        if p.input_size != width:
            raise ValueError(f"params.layers[{k}].W: expected {width} input rows, got {p.input_size}")
        width = p.hidden_size
    dense_chain("hs", np.zeros((1, width), E.dtype), [("params.W_out", params.W_out, "params.b_out", params.b_out)])
    if np.shape(params.W_out)[1] != E.shape[0]:
        raise ValueError(f"params.W_out: expected {E.shape[0]} columns (the vocabulary of params.embedding), "
                         f"got shape {np.shape(params.W_out)}")
    ids = check_ids("inputs", inputs, E.shape[0])
    if ids.ndim != 2:
        raise ValueError(f"inputs: expected time-major token ids (T, B), got shape {ids.shape}")


def lm_forward(inputs, targets, params: LMParams, mask=None, *, master_input: str = "paper", weight_masks=None):
    """Mean next-token cross-entropy. Returns (0-d loss, cache); ``cache[1]`` is the StackCache
    (per-layer master gates for distances)."""
    check_variant(master_input)
    _checked(params, inputs)
    x, e_cache = embedding_forward(inputs, params.embedding)
    (hs, _, _), s_cache = onlstm_stack_forward(x, params.layers, mask=mask, weight_masks=weight_masks,
                                               master_input=master_input)
    logits, a_cache = affine_forward(hs, params.W_out, params.b_out)
    weights = None if mask is None else np.asarray(mask).T
    loss, c_cache = softmax_cross_entropy_forward(logits, targets, weights=weights)
    return loss, (e_cache, s_cache, a_cache, c_cache)


def lm_backward(dloss, cache):
    """Returns (None for inputs, None for targets, LMParams of gradients)."""
    e_cache, s_cache, a_cache, c_cache = cache
    dlogits = softmax_cross_entropy_backward(dloss, c_cache)[0]
    dhs, dW, db = affine_backward(dlogits, a_cache)
    dx, dlayers, _, _ = onlstm_stack_backward((dhs, None, None), s_cache)
    _, dE = embedding_backward(dx, e_cache)
    return None, None, LMParams(dE, tuple(dlayers), dW, db)


def save_lm(path, params: LMParams, vocab, master_input: str = "paper") -> None:
    """Write weights, vocabulary and master-input variant to ``path`` (.npz, atomically)."""
    instance("params", params, LMParams)
    arrays = {"embedding": params.embedding, "W_out": params.W_out, "b_out": params.b_out,
              "vocab": np.array(list(vocab), dtype=str), "master_input": np.array(check_variant(master_input))}
    for k, layer in enumerate(params.layers):
        arrays.update({f"layer{k}.W": layer.W, f"layer{k}.U": layer.U, f"layer{k}.b": layer.b})
    save_npz(path, arrays, allow_text=True)


def load_lm(path):
    """Returns (params, vocab list, master_input). A missing or malformed file is a ValueError."""
    data = load_npz(path)
    missing = [k for k in ("embedding", "W_out", "b_out", "vocab", "master_input", "layer0.W") if k not in data]
    if missing:
        raise ValueError(f"{path}: not a refspace language model (no array {missing[0]!r})")
    layers, k = [], 0
    while f"layer{k}.W" in data:
        for name in ("U", "b"):
            if f"layer{k}.{name}" not in data:
                raise ValueError(f"{path}: not a refspace language model (no array 'layer{k}.{name}')")
        layers.append(ONLSTMParams(data[f"layer{k}.W"], data[f"layer{k}.U"], data[f"layer{k}.b"]).validated())
        k += 1
    if data["vocab"].dtype.kind != "U" or data["vocab"].ndim != 1:
        raise ValueError(f"{path}: 'vocab' must be a 1-d array of words, got dtype {data['vocab'].dtype}")
    params = LMParams(data["embedding"], tuple(layers), data["W_out"], data["b_out"])
    for name, value in data.items():
        if name not in ("vocab", "master_input") and (value.dtype.kind not in "fiub"
                                                     or not np.all(np.isfinite(value))):
            raise ValueError(f"{path}: array {name!r} holds NaN, infinity or non-real values (dtype {value.dtype})")
    vocab = [str(w) for w in data["vocab"]]
    widths = [params.embedding.shape[-1]] + [p.hidden_size for p in layers]
    for j, p in enumerate(layers):
        if p.input_size != widths[j]:
            raise ValueError(f"{path}: layer{j}.W expects inputs of width {p.input_size}, the layer below gives "
                             f"{widths[j]}")
    if params.embedding.ndim != 2 or params.W_out.ndim != 2 or params.W_out.shape[0] != widths[-1]:
        raise ValueError(f"{path}: embedding {params.embedding.shape} / W_out {params.W_out.shape} do not fit "
                         f"the layers (last width {widths[-1]})")
    if params.embedding.shape[0] != len(vocab) or params.W_out.shape[1] != len(vocab):
        raise ValueError(f"{path}: vocabulary of {len(vocab)} words does not match the weights")
    return params, vocab, check_variant(str(data["master_input"]))
