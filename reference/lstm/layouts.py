"""Converting LSTM parameters to and from PyTorch's ``nn.LSTM`` layout.

PyTorch packs the gates in the order i, f, g, o (g is c_hat), stores weights (out, in) and
keeps two biases whose sum is the bias; this project packs f, i, o, c_hat, stores (in, out)
and keeps one bias.
"""
from __future__ import annotations

import numpy as np

from ..core.validate import check_shape, float_array, instance
from .params import LSTMParams

_TORCH_FROM_OURS = (1, 0, 3, 2)  # torch block j (i, f, g, o) is our block _TORCH_FROM_OURS[j]; self-inverse


def _reorder(a: np.ndarray, axis: int) -> np.ndarray:
    blocks = np.split(a, 4, axis=axis)
    return np.concatenate([blocks[k] for k in _TORCH_FROM_OURS], axis=axis)


def to_torch_layout(params: LSTMParams, layer: int = 0) -> dict[str, np.ndarray]:
    """Arrays for ``torch.nn.LSTM``'s state dict (layer ``layer``, forward direction).

    ``weight_ih_l{k}`` (4H, I) and ``weight_hh_l{k}`` (4H, H) in gate order i, f, g, o;
    the whole bias goes to ``bias_ih_l{k}`` and ``bias_hh_l{k}`` is zeros (PyTorch adds the
    two, so only their sum is defined). Load into torch with
    ``module.load_state_dict({k: torch.from_numpy(v) for k, v in d.items()})``.
    """
    p = instance("params", params, LSTMParams).validated()
    return {f"weight_ih_l{layer}": _reorder(p.W, 1).T.copy(),
            f"weight_hh_l{layer}": _reorder(p.U, 1).T.copy(),
            f"bias_ih_l{layer}": _reorder(p.b, 0),
            f"bias_hh_l{layer}": np.zeros_like(p.b)}


def from_torch_layout(state, layer: int = 0) -> LSTMParams:
    """LSTMParams from ``torch.nn.LSTM`` arrays (a mapping name -> array, e.g. a state dict
    converted with ``.detach().numpy()``). The two biases are summed; missing biases
    (``bias=False``) count as zeros."""
    def get(key, required=True):
        if key not in state:
            if required:
                raise ValueError(f"state: missing key {key!r} (have {sorted(state)})")
            return None
        return float_array(f"state[{key!r}]", np.asarray(state[key]))

    w_ih, w_hh = get(f"weight_ih_l{layer}"), get(f"weight_hh_l{layer}")
    if w_ih.ndim != 2 or w_ih.shape[0] % 4:
        raise ValueError(f"state['weight_ih_l{layer}']: expected shape (4H, I), got {w_ih.shape}")
    H = w_ih.shape[0] // 4
    check_shape(f"state['weight_hh_l{layer}']", w_hh, [("4H", 4 * H), ("H", H)])
    b = np.zeros(4 * H, dtype=w_ih.dtype)
    for key in (f"bias_ih_l{layer}", f"bias_hh_l{layer}"):
        bias = get(key, required=False)
        if bias is not None:
            check_shape(f"state[{key!r}]", bias, [("4H", 4 * H)])
            b = b + bias
    return LSTMParams(W=_reorder(w_ih.T, 1), U=_reorder(w_hh.T, 1), b=_reorder(b, 0)).validated()
