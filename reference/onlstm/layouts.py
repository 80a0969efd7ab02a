"""Converters between this project's ON-LSTM layout and the two found in the wild.

This project (:class:`~reference.onlstm.params.ONLSTMParams`), row-vector weights (in, out),
columns ``[f | i | o | c_hat | f_tilde (L) | i_tilde (L)]``, one bias.

Authors' PyTorch ``ONLSTMCell`` (github yikangshen/Ordered-Neurons, ``ON_LSTM.py``), as
``ONLSTMStack`` state-dict names for layer k:
``cells.{k}.ih.0.weight`` (G, I), ``cells.{k}.ih.0.bias`` (G,), ``cells.{k}.hh.weight``
(G, H), ``cells.{k}.hh.bias`` (G,), G = 4H + 2L, weights (out, in). Row order:
``[i_tilde (L) | f_tilde (L) | o | c_hat | i | f]`` (the 4H block is viewed as
(4L, chunk_size) and split in four, so each gate is a contiguous H block). Master input is
``1 - cumax`` (``master_input="paper"``). The two biases are added by the model; only
their sum is defined, so :func:`to_authors_layout` puts the whole bias in ``ih``.

Article author's Keras ``ONLSTM`` (github bojone/on-lstm, ``on_lstm_keras.py``):
``kernel`` (I, G), ``recurrent_kernel`` (H, G), ``bias`` (G,), columns
``[f_tilde (L) | i_tilde (L) | f | i | o | c_hat]``; master input is the inclusive reverse
cumsum (``master_input="article"``). (That code declares ``recurrent_kernel`` with the
input size, which only works when I == H; the shape used here is the correct (H, G).)

All converters work on plain NumPy arrays; :func:`reference.core.npzio.save_npz` /
``load_npz`` store them as ``.npz``.
"""
from __future__ import annotations

import numpy as np

from ..core.validate import float_array, instance
from .params import ONLSTMParams


def _blocks(H: int, L: int) -> dict[str, range]:
    """Column ranges of each block in this project's order."""
    sizes = (("f", H), ("i", H), ("o", H), ("c_hat", H), ("f_tilde", L), ("i_tilde", L))
    out, start = {}, 0
    for name, size in sizes:
        out[name] = range(start, start + size)
        start += size
    return out


AUTHORS_ORDER = ("i_tilde", "f_tilde", "o", "c_hat", "i", "f")
KERAS_ORDER = ("f_tilde", "i_tilde", "f", "i", "o", "c_hat")


def _perm(order, H, L) -> np.ndarray:
    """Indices: foreign column j holds our column perm[j]."""
    blocks = _blocks(H, L)
    return np.concatenate([np.asarray(blocks[name]) for name in order])


def _get(state, key, required=True):
    if key not in state:
        if required:
            raise ValueError(f"state: missing key {key!r} (have {sorted(state)})")
        return None
    return float_array(f"state[{key!r}]", np.asarray(state[key]))


def _sizes(G: int, H: int, where: str) -> int:
    L2 = G - 4 * H
    if L2 <= 0 or L2 % 2 or H % (L2 // 2):
        raise ValueError(f"{where}: {G} gate columns do not fit 4H + 2L with H={H} and L dividing H")
    return L2 // 2


def to_authors_layout(params: ONLSTMParams, layer: int = 0) -> dict[str, np.ndarray]:
    """Arrays named as the authors' ``ONLSTMStack`` state dict for layer ``layer``."""
    p = instance("params", params, ONLSTMParams).validated()
    perm = _perm(AUTHORS_ORDER, p.hidden_size, p.n_chunk)
    k = f"cells.{layer}."
    return {k + "ih.0.weight": p.W[:, perm].T.copy(), k + "ih.0.bias": p.b[perm].copy(),
            k + "hh.weight": p.U[:, perm].T.copy(), k + "hh.bias": np.zeros_like(p.b)}


def from_authors_layout(state, layer: int = 0) -> ONLSTMParams:
    """ONLSTMParams from the authors' arrays (biases summed; a missing bias counts as zero)."""
    k = f"cells.{layer}."
    w_ih, w_hh = _get(state, k + "ih.0.weight"), _get(state, k + "hh.weight")
    if w_ih.ndim != 2 or w_hh.ndim != 2 or w_ih.shape[0] != w_hh.shape[0]:
        raise ValueError(f"state: expected {k}ih.0.weight (G, I) and {k}hh.weight (G, H) with the same G, "
                         f"got {w_ih.shape} and {w_hh.shape}")
    G, H = w_hh.shape
    L = _sizes(G, H, f"state[{k + 'hh.weight'!r}]")
    b = np.zeros(G, dtype=w_ih.dtype)
    for key in (k + "ih.0.bias", k + "hh.bias"):
        bias = _get(state, key, required=False)
        if bias is not None:
            if bias.shape != (G,):
                raise ValueError(f"state[{key!r}]: expected shape (G={G},), got {bias.shape}")
            b = b + bias
    inv = np.argsort(_perm(AUTHORS_ORDER, H, L))
    return ONLSTMParams(W=w_ih.T[:, inv], U=w_hh.T[:, inv], b=b[inv]).validated()


def to_keras_layout(params: ONLSTMParams, prefix: str = "") -> dict[str, np.ndarray]:
    """Arrays ``kernel``, ``recurrent_kernel``, ``bias`` of the article author's Keras layer."""
    p = instance("params", params, ONLSTMParams).validated()
    perm = _perm(KERAS_ORDER, p.hidden_size, p.n_chunk)
    return {prefix + "kernel": p.W[:, perm], prefix + "recurrent_kernel": p.U[:, perm], prefix + "bias": p.b[perm]}


def from_keras_layout(state, prefix: str = "") -> ONLSTMParams:
    """ONLSTMParams from the Keras arrays (use ``master_input="article"`` to match that code)."""
    W, U, b = (_get(state, prefix + name) for name in ("kernel", "recurrent_kernel", "bias"))
    if U.ndim != 2:
        raise ValueError(f"state[{prefix + 'recurrent_kernel'!r}]: expected shape (H, G), got {U.shape}")
    H, G = U.shape
    L = _sizes(G, H, f"state[{prefix + 'recurrent_kernel'!r}]")
    inv = np.argsort(_perm(KERAS_ORDER, H, L))
    if W.ndim != 2 or W.shape[1] != G or b.shape != (G,):
        raise ValueError(f"state: expected kernel (I, {G}) and bias ({G},), got {W.shape} and {b.shape}")
    return ONLSTMParams(W=W[:, inv], U=U[:, inv], b=b[inv]).validated()
