"""Declarations of the masking ops and the aligned bidirectional RNN: seeded edge cases (empty
rows, full rows, non-zero padding content) and sizes for hypothesis."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from ..core.layouts import register_layout
from ..core.masks import mask_from_lengths
from ..core.registry import register
from . import reductions as r
from . import spec
from .birnn import birnn_backward, birnn_forward
from .reverse import reverse_sequence_backward, reverse_sequence_forward


def _lengths(rng, B, T, empty=True):
    """Lengths with a full row first and (when allowed and B > 1) an empty row last."""
    L = rng.integers(0 if empty else 1, T + 1, B)
    L[0] = T
    if B > 1:
        L[-1] = 0 if empty else 1
    return L


def _padded(rng, B, T, D, empty=True):
    """x (B, T, D) with large, non-zero padding content, and its (B, T, 1) mask."""
    L = _lengths(rng, B, T, empty)
    m = mask_from_lengths(L, T)[:, :, None]
    x = rng.standard_normal((B, T, D))
    x = np.where(m > 0, x, 50.0 * rng.standard_normal((B, T, D)))          # padding is never zero
    return x, m


REDUCE_SIZES = st.fixed_dictionaries({"B": st.integers(1, 3), "T": st.integers(1, 4), "D": st.integers(1, 3)})


def _reduction(name, summary, forward, backward, *, empty=True, source="kexue.fm/archives/6810, masking",
               nonfinite=()):
    @register(name, summary, source=source, inputs=("x",), attributes=("mask", "axis"), forward=forward,
              nonfinite=nonfinite, spec=(getattr(spec, name), getattr(spec, f"{name}_backward")),
              backward=backward, edges=(dict(B=3, T=4, D=2), dict(B=2, T=1, D=3)), sizes=REDUCE_SIZES,
              label=lambda s: f"(B={s['B']}, T={s['T']}, D={s['D']}) over T")
    def _make(rng, B, T, D):
        x, m = _padded(rng, B, T, D, empty)
        return (x,), {"mask": m, "axis": 1}

    return _make


_reduction("masked_sum", "sum of the valid entries along an axis", r.masked_sum_forward, r.masked_sum_backward)
_reduction("masked_mean", "sum m x / sum m along an axis (0 for an empty row)", r.masked_mean_forward,
           r.masked_mean_backward)
_reduction("masked_max", "max of the valid entries (gradient to the first valid argmax; 0 for an empty row)",
           r.masked_max_forward, r.masked_max_backward)
_reduction("masked_var", "variance of the valid entries (biased; 0 for an empty row)", r.masked_var_forward,
           r.masked_var_backward)
_reduction("masked_softmax", "softmax over the valid entries, 0 on padding (an empty row is all zeros)",
           r.masked_softmax_forward, r.masked_softmax_backward)
# an empty row's logsumexp is -inf (defined, tested in tests/masking); cases and live draws keep rows non-empty
_reduction("masked_logsumexp", "log sum exp over the valid entries (-inf for an empty row)",
           r.masked_logsumexp_forward, r.masked_logsumexp_backward, empty=False, nonfinite=("out",))


@register("masked_loss", "sum m l / sum m over every entry (0 if nothing counts)",
          source="kexue.fm/archives/6810, masking the loss", inputs=("losses",), attributes=("mask",),
          forward=r.masked_loss_forward, backward=r.masked_loss_backward,
          spec=(spec.masked_loss, spec.masked_loss_backward),
          edges=(dict(B=3, T=4), dict(B=1, T=2)),
          sizes=st.fixed_dictionaries({"B": st.integers(1, 3), "T": st.integers(1, 4)}),
          label=lambda s: f"(B={s['B']}, T={s['T']})")
def _loss(rng, B, T):
    x, m = _padded(rng, B, T, 1)
    return (x[..., 0],), {"mask": m[..., 0]}


@register("reverse_sequence", "each row's valid prefix reversed, padding untouched (self-adjoint)",
          source="kexue.fm/archives/6810, reverse_sequence", inputs=("x",),
          attributes=("lengths", "time_axis", "batch_axis"),
          forward=reverse_sequence_forward, backward=reverse_sequence_backward,
          spec=(spec.reverse_sequence, spec.reverse_sequence_backward),
          edges=(dict(B=3, T=5, D=2, time_major=False), dict(B=2, T=3, D=1, time_major=True)),
          sizes=st.fixed_dictionaries({"B": st.integers(1, 3), "T": st.integers(1, 5), "D": st.integers(1, 3),
                                       "time_major": st.booleans()}),
          label=lambda s: f"{'(T, B, D)' if s['time_major'] else '(B, T, D)'} T={s['T']} B={s['B']} D={s['D']}")
def _reverse(rng, B, T, D, time_major):
    L = _lengths(rng, B, T)
    x = rng.standard_normal((T, B, D) if time_major else (B, T, D))
    axes = {"time_axis": 0, "batch_axis": 1} if time_major else {"time_axis": 1, "batch_axis": 0}
    return (x,), {"lengths": L, **axes}


def _rnn_params(rng, cell, I, H):
    if cell == "lstm":
        from ..lstm.params import LSTMParams as cls

        p = cls.init(I, H, rng)
    else:
        from ..onlstm.params import ONLSTMParams as cls

        p = cls.init(I, H, 2, rng)
    b = rng.uniform(0.2, 1.0, p.b.shape) * rng.choice([-1.0, 1.0], p.b.shape)   # never-zero bias
    return cls(2.0 * p.W, 2.0 * p.U, b)


@register("birnn", "the aligned bidirectional LSTM/ON-LSTM: [y_f | rev(RNN_b(rev(x, L)), L)] masked, and h_n",
          source="kexue.fm/archives/6810, the aligned bidirectional RNN", inputs=("x", "params_f", "params_b"),
          attributes=("lengths", "cell", "method", "master_input", "time_major"), forward=birnn_forward,
          backward=birnn_backward, spec=(spec.birnn, spec.birnn_backward),
          edges=tuple(dict(cell=c, method=m, T=4, B=3, I=2, H=4) for c in ("lstm", "onlstm")
                      for m in ("reverse", "carry", "packed"))
          + (dict(cell="lstm", method="reverse", T=4, B=3, I=2, H=4, time_major=False),
             dict(cell="onlstm", method="packed", T=3, B=2, I=3, H=4, time_major=False)),
          sizes=st.fixed_dictionaries({"cell": st.sampled_from(["lstm", "onlstm"]),
                                       "method": st.sampled_from(["reverse", "carry", "packed"]),
                                       "T": st.integers(1, 4), "B": st.integers(1, 3), "I": st.integers(1, 3),
                                       "H": st.sampled_from([2, 4]), "time_major": st.booleans()}),
          label=lambda s: f"{s['cell']} {s['method']} T={s['T']} B={s['B']} I={s['I']} H={s['H']}"
                          + ("" if s.get("time_major", True) else " batch-major"))
def _birnn(rng, cell, method, T, B, I, H, time_major=True):
    L = _lengths(rng, B, T)
    x = rng.standard_normal((T, B, I))
    x = np.where(mask_from_lengths(L, T).T[:, :, None] > 0, x, 3.0 * rng.standard_normal((T, B, I)))
    attrs = {"lengths": L, "cell": cell, "method": method, "master_input": "paper"}
    if not time_major:
        x, attrs["time_major"] = np.ascontiguousarray(np.moveaxis(x, 0, 1)), False
    return (x, _rnn_params(rng, cell, I, H), _rnn_params(rng, cell, I, H)), attrs


def _torch_direction(direction):
    from ..lstm.layouts import to_torch_layout

    return lambda p: to_torch_layout(p, direction=direction)


def _birnn_torch_layout():
    from ..core.layouts import ParamSet, param_sets_layout
    from ..lstm.params import LSTMParams

    return param_sets_layout(
        "torch", ("birnn",),
        [ParamSet("params_f", LSTMParams, _torch_direction("forward"), ("bias_ih_l0", "bias_hh_l0")),
         ParamSet("params_b", LSTMParams, _torch_direction("reverse"), ("bias_ih_l0_reverse", "bias_hh_l0_reverse"))],
        applies=lambda attrs: attrs.get("cell") == "lstm",
        doc="a bidirectional torch.nn.LSTM's arrays: params_f becomes params.weight_ih_l0 (4H, I), "
            "params.weight_hh_l0 (4H, H), params.bias_ih_l0, params.bias_hh_l0, and params_b the same keys ending "
            "_reverse (gate order i, f, g, o; each bias split unevenly between its two, each with its own gradient); "
            "outputs as nn.LSTM over a packed sequence gives them (out zero on padding, h_n (2, B, H)); cell='lstm' "
            "only (PyTorch has no ON-LSTM: those examples are declined)")


register_layout(_birnn_torch_layout())
