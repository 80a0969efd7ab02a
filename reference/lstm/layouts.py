"""Converting LSTM parameters to and from PyTorch's ``nn.LSTM`` and Keras's ``LSTM`` layouts.

PyTorch packs the gates in the order i, f, g, o (g is c_hat), stores weights (out, in) and
keeps two biases whose sum is the bias; a bidirectional LSTM's backward direction has the
same arrays with the suffix ``_reverse`` (``direction="reverse"``). Keras packs i, f, c, o
(the same order), stores ``kernel`` (I, 4H) and ``recurrent_kernel`` (H, 4H) as (in, out),
and keeps one ``bias`` (4H,). This project packs f, i, o, c_hat, stores (in, out) and keeps
one bias.
"""
from __future__ import annotations

import numpy as np

from ..core.validate import check_shape, float_array, instance
from .params import LSTMParams

_TORCH_FROM_OURS = (1, 0, 3, 2)  # torch block j (i, f, g, o) is our block _TORCH_FROM_OURS[j]; self-inverse
DIRECTIONS = {"forward": "", "reverse": "_reverse"}   # a bidirectional nn.LSTM's key suffixes


def _suffix(layer, direction) -> str:
    if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)) or layer < 0:
        raise ValueError(f"layer: expected a layer index >= 0, got {layer!r}")
    if direction not in DIRECTIONS:
        raise ValueError(f"direction: expected one of {sorted(DIRECTIONS)}, got {direction!r}")
    return f"l{layer}{DIRECTIONS[direction]}"


def _reorder(a: np.ndarray, axis: int) -> np.ndarray:
    blocks = np.split(a, 4, axis=axis)
    return np.concatenate([blocks[k] for k in _TORCH_FROM_OURS], axis=axis)


def to_torch_layout(params: LSTMParams, layer: int = 0, *, direction: str = "forward") -> dict[str, np.ndarray]:
    """Arrays for ``torch.nn.LSTM``'s state dict (layer ``layer``; ``direction="reverse"`` for the
    backward direction of a bidirectional LSTM, keys ending ``_reverse``).

    ``weight_ih_l{k}`` (4H, I) and ``weight_hh_l{k}`` (4H, H) in gate order i, f, g, o;
    the whole bias goes to ``bias_ih_l{k}`` and ``bias_hh_l{k}`` is zeros (PyTorch adds the
    two, so only their sum is defined). Load into torch with
    ``module.load_state_dict({k: torch.from_numpy(v) for k, v in d.items()})``.
    """
    p = instance("params", params, LSTMParams).validated()
    k = _suffix(layer, direction)
    return {f"weight_ih_{k}": _reorder(p.W, 1).T.copy(),
            f"weight_hh_{k}": _reorder(p.U, 1).T.copy(),
            f"bias_ih_{k}": _reorder(p.b, 0),
            f"bias_hh_{k}": np.zeros_like(p.b)}


def from_torch_layout(state, layer: int = 0, *, direction: str = "forward") -> LSTMParams:
    """LSTMParams from ``torch.nn.LSTM`` arrays (a mapping name -> array, e.g. a state dict
    converted with ``.detach().numpy()``). The two biases are summed; missing biases
    (``bias=False``) count as zeros."""
    def get(key, required=True):
        if key not in state:
            if required:
                raise ValueError(f"state: missing key {key!r} (have {sorted(state)})")
            return None
        return float_array(f"state[{key!r}]", np.asarray(state[key]))

    if not hasattr(state, "keys"):
        raise TypeError(f"state: expected a mapping name -> array (a state dict), got {type(state).__name__}")
    k = _suffix(layer, direction)
    w_ih, w_hh = get(f"weight_ih_{k}"), get(f"weight_hh_{k}")
    if w_ih.ndim != 2 or w_ih.shape[0] % 4:
        raise ValueError(f"state['weight_ih_{k}']: expected shape (4H, I), got {w_ih.shape}")
    H = w_ih.shape[0] // 4
    check_shape(f"state['weight_hh_{k}']", w_hh, [("4H", 4 * H), ("H", H)])
    b = np.zeros(4 * H, dtype=w_ih.dtype)
    for key in (f"bias_ih_{k}", f"bias_hh_{k}"):
        bias = get(key, required=False)
        if bias is not None:
            check_shape(f"state[{key!r}]", bias, [("4H", 4 * H)])
            b = b + bias
    return LSTMParams(W=_reorder(w_ih.T, 1), U=_reorder(w_hh.T, 1), b=_reorder(b, 0)).validated()


def to_keras_layout(params: LSTMParams, prefix: str = "") -> dict[str, np.ndarray]:
    """Keras ``LSTM`` arrays ``kernel`` (I, 4H), ``recurrent_kernel`` (H, 4H) and ``bias`` (4H,),
    gate order i, f, c, o (each name after ``prefix``, e.g. ``"lstm/"``)."""
    p = instance("params", params, LSTMParams).validated()
    return {prefix + "kernel": _reorder(p.W, 1), prefix + "recurrent_kernel": _reorder(p.U, 1),
            prefix + "bias": _reorder(p.b, 0)}


def from_keras_layout(state, prefix: str = "") -> LSTMParams:
    """LSTMParams from Keras ``LSTM`` arrays (``use_bias=False``: no ``bias``, zeros)."""
    if not hasattr(state, "keys"):
        raise TypeError(f"state: expected a mapping name -> array, got {type(state).__name__}")
    for name in ("kernel", "recurrent_kernel"):
        if prefix + name not in state:
            raise ValueError(f"state: missing key {prefix + name!r} (have {sorted(state)})")
    W = float_array(f"state[{prefix + 'kernel'!r}]", np.asarray(state[prefix + "kernel"]), ndim=2)
    U = float_array(f"state[{prefix + 'recurrent_kernel'!r}]", np.asarray(state[prefix + "recurrent_kernel"]), ndim=2)
    H = U.shape[0]
    check_shape(f"state[{prefix + 'recurrent_kernel'!r}]", U, [("H", H), ("4H", 4 * H)])
    check_shape(f"state[{prefix + 'kernel'!r}]", W, [("I", None), ("4H", 4 * H)])
    b = np.zeros(4 * H, dtype=W.dtype)
    if prefix + "bias" in state:
        b = float_array(f"state[{prefix + 'bias'!r}]", np.asarray(state[prefix + "bias"]), ndim=1)
        check_shape(f"state[{prefix + 'bias'!r}]", b, [("4H", 4 * H)])
    return LSTMParams(W=_reorder(W, 1), U=_reorder(U, 1), b=_reorder(b, 0)).validated()
