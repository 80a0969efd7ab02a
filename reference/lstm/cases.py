"""Seeded gradient-check cases for the LSTM cell and layer, run by ``refspace check``.

Distinct sizes (I != H != B != T), non-zero biases and non-zero initial states; T = 1 and
B = 1 edge cases included.
"""
from __future__ import annotations

from hypothesis import strategies as st

from ..core.layouts import params_layout, register_layout
from ..core.registry import CheckCase, register
from ..core.strategies import recurrent_inputs
from .cell import lstm_cell_backward, lstm_cell_forward
from .layer import lstm_layer_backward, lstm_layer_forward
from .layouts import from_torch_layout, to_torch_layout
from .params import LSTMParams


def _params(rng, I, H):
    p = LSTMParams.init(I, H, rng)
    b = rng.uniform(0.2, 1.0, 4 * H) * rng.choice([-1.0, 1.0], 4 * H)  # never-zero bias
    return LSTMParams(p.W * 2.0, p.U * 2.0, b)


def _hidden(draw):
    return draw(st.integers(1, 4)), 0


@st.composite
def _live(draw, with_time):
    return recurrent_inputs(draw, _hidden, with_time=with_time)[0], {}


@register("lstm_cell", "one LSTM step (article eq. lstm)",
          source="kexue.fm/archives/6621, eq. lstm",
          inputs=('x', 'params', 'h_prev', 'c_prev'), live=_live(False))
def _cell(rng):
    cases = []
    for B, I, H in ((3, 4, 5), (1, 2, 3)):
        x, h, c = rng.standard_normal((B, I)), rng.standard_normal((B, H)), rng.standard_normal((B, H))
        cases.append(CheckCase(f"B={B} I={I} H={H}", lstm_cell_forward, lstm_cell_backward,
                               (x, _params(rng, I, H), h, c), ("x", "params", "h_prev", "c_prev")))
    return cases


@register("lstm_layer", "LSTM over (T, B, I), backpropagation through time",
          source="kexue.fm/archives/6621, eq. lstm over time",
          inputs=('x', 'params', 'h0', 'c0'), live=_live(True))
def _layer(rng):
    cases = []
    for T, B, I, H in ((4, 3, 2, 5), (1, 2, 3, 4), (6, 1, 3, 2)):
        x = rng.standard_normal((T, B, I))
        h0, c0 = rng.standard_normal((B, H)), rng.standard_normal((B, H))
        cases.append(CheckCase(f"T={T} B={B} I={I} H={H}", lstm_layer_forward, lstm_layer_backward,
                               (x, _params(rng, I, H), h0, c0), ("x", "params", "h0", "c0")))
    return cases


register_layout(params_layout(
    "torch", ("lstm_cell", "lstm_layer"), LSTMParams, to_torch_layout, from_torch_layout,
    ignore_grads=("bias_hh_l0",),
    doc="params.W/U/b become params.weight_ih_l0 (4H, I), params.weight_hh_l0 (4H, H), params.bias_ih_l0, "
        "params.bias_hh_l0 (gate order i, f, g, o; the whole bias in bias_ih, zeros in bias_hh); gradients come "
        "back through the bias_ih gradient"))
