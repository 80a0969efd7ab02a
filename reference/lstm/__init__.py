"""The plain LSTM of the ON-LSTM article, the baseline ON-LSTM is read against.

Article index: https://kexue.fm/archives/6621 (Chinese original), first equation block

=====================  =========================================================
eq. "lstm" (one step)  :func:`~reference.lstm.cell.lstm_cell_forward` / ``_backward``
eq. "lstm" over time   :func:`~reference.lstm.layer.lstm_layer_forward` / ``_backward``
gate blocks f,i,o,c    :class:`~reference.lstm.params.LSTMParams`, :func:`split_gates`
PyTorch layout         :func:`~reference.lstm.layouts.to_torch_layout`, ``from_torch_layout`` (both directions)
Keras layout           :func:`~reference.lstm.layouts.to_keras_layout`, ``from_keras_layout``
=====================  =========================================================

The equations, in row-vector form, head :mod:`reference.lstm.cell`.

Conventions
-----------
- **Gate order** of the packed columns is the article's: ``f, i, o, c_hat``, so
  ``W[:, 0:H]`` is W_f, ``W[:, H:2H]`` is W_i, ``W[:, 2H:3H]`` is W_o, ``W[:, 3H:4H]`` is W_c.
  PyTorch uses ``i, f, g, o`` and Keras ``i, f, c, o``; see :func:`to_torch_layout`.
- Modules: ``params`` (LSTMParams, split_gates), ``cell``, ``layer``, ``layouts``, ``cases``.
- Weights are (in, out): ``W`` (I, 4H), ``U`` (H, 4H); one bias ``b`` (4H,).
- Shapes are time-major: ``x`` (T, B, I), like ``torch.nn.LSTM`` with ``batch_first=False``.
- Speed: the input projection of all T steps is one GEMM, the recurrent-weight gradient
  is one GEMM over the stored (h_{t-1}, dz_t); only ``h_{t-1} U`` and its backward run
  inside the time loop.

Example
-------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> params = LSTMParams.init(input_size=3, hidden_size=4, rng=rng)
>>> x = rng.standard_normal((5, 2, 3))                   # T=5, B=2, I=3
>>> (hs, h_T, c_T), cache = lstm_layer_forward(x, params)
>>> hs.shape, bool(np.array_equal(hs[-1], h_T))
((5, 2, 4), True)
>>> dx, dparams, dh0, dc0 = lstm_layer_backward((np.ones_like(hs), None, None), cache)
>>> dparams.U.shape
(4, 16)
"""
from .cell import lstm_cell_backward, lstm_cell_forward
from .layer import lstm_layer_backward, lstm_layer_forward
from .layouts import from_keras_layout, from_torch_layout, to_keras_layout, to_torch_layout
from .params import GATES, LSTMParams, split_gates

__all__ = ["GATES", "LSTMParams", "split_gates", "lstm_cell_forward", "lstm_cell_backward", "lstm_layer_forward",
           "lstm_layer_backward", "to_torch_layout", "from_torch_layout", "to_keras_layout", "from_keras_layout"]
