"""Declarations of the LSTM cell and layer: seeded edge cases, sizes for hypothesis, the torch layout.

Distinct sizes (I != H != B != T), non-zero biases and non-zero initial states; T = 1 and
B = 1 edge cases included.
"""
from __future__ import annotations

from hypothesis import strategies as st

from ..core.layouts import params_layout, register_layout
from ..core.registry import register
from .cell import lstm_cell_backward, lstm_cell_forward
from .layer import lstm_layer_backward, lstm_layer_forward
from .layouts import to_keras_layout, to_torch_layout
from . import spec
from .params import LSTMParams

SIZES = {"B": st.integers(1, 3), "I": st.integers(1, 3), "H": st.integers(1, 4)}


def _params(rng, I, H):
    p = LSTMParams.init(I, H, rng)
    b = rng.uniform(0.2, 1.0, 4 * H) * rng.choice([-1.0, 1.0], 4 * H)  # never-zero bias
    return LSTMParams(p.W * 2.0, p.U * 2.0, b)


@register("lstm_cell", "one LSTM step (article eq. lstm)", source="kexue.fm/archives/6621, eq. lstm",
          forward=lstm_cell_forward, backward=lstm_cell_backward,
          spec=(spec.lstm_cell, spec.lstm_cell_backward),
          edges=(dict(B=3, I=4, H=5), dict(B=1, I=2, H=3)), sizes=st.fixed_dictionaries(SIZES))
def _cell(rng, B, I, H):
    x, h, c = rng.standard_normal((B, I)), rng.standard_normal((B, H)), rng.standard_normal((B, H))
    return (x, _params(rng, I, H), h, c), {}


@register("lstm_layer", "LSTM over (T, B, I), backpropagation through time",
          source="kexue.fm/archives/6621, eq. lstm over time",
          forward=lstm_layer_forward, backward=lstm_layer_backward,
          spec=(spec.lstm_layer, spec.lstm_layer_backward),
          edges=(dict(T=4, B=3, I=2, H=5), dict(T=1, B=2, I=3, H=4), dict(T=6, B=1, I=3, H=2)),
          sizes=st.fixed_dictionaries({"T": st.integers(1, 4), **SIZES}))
def _layer(rng, T, B, I, H):
    x = rng.standard_normal((T, B, I))
    h0, c0 = rng.standard_normal((B, H)), rng.standard_normal((B, H))
    return (x, _params(rng, I, H), h0, c0), {}


_KERAS_DOC = ("params.W/U/b become params.kernel (I, 4H), params.recurrent_kernel (H, 4H) and params.bias (4H,), gate "
              "order i, f, c, o, as Keras's LSTM stores them (in, out)")
register_layout(params_layout("keras", ("lstm_cell", "lstm_layer"), LSTMParams, to_keras_layout, doc=_KERAS_DOC))
# the name it had before a layout name could be registered for several op families; kept for a release
register_layout(params_layout("keras_lstm", ("lstm_cell", "lstm_layer"), LSTMParams, to_keras_layout,
                              doc=_KERAS_DOC + " (deprecated name of 'keras' for the LSTM ops)"))
register_layout(params_layout(
    "torch", ("lstm_cell", "lstm_layer"), LSTMParams, to_torch_layout, biases=("bias_ih_l0", "bias_hh_l0"),
    doc="params.W/U/b become params.weight_ih_l0 (4H, I), params.weight_hh_l0 (4H, H), params.bias_ih_l0 and "
        "params.bias_hh_l0 (gate order i, f, g, o); the bias is split unevenly between the two biases (both "
        "non-zero), each gets its own gradient"))
