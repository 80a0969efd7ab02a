"""ON-LSTM (ordered neurons): https://kexue.fm/archives/6621 and Shen et al., ICLR 2019.

Article index (equation labels of the Chinese original):

=====================  =====================================================================
eq. lstm               the plain LSTM baseline: :mod:`reference.lstm`
eq. update-o0          the cell's outputs o, c_hat, h as in the LSTM: :func:`~reference.onlstm.cell.onlstm_cell_forward`
eq. update-o1, -o2     the hard integer-level case analysis (d_f, d_i): :func:`~reference.onlstm.cell.onlstm_cell_hard`
eq. update-o3          the soft cell with master gates: :func:`~reference.onlstm.cell.onlstm_cell_forward`
cumax                  ``cumsum(softmax(.))``: :func:`reference.ops.activations.cumax_forward`, ``rev_cumax_forward``
master input variants  "paper" (1 - cumax) and "article": :data:`~reference.onlstm.params.MASTER_INPUT_VARIANTS`
over time              :func:`~reference.onlstm.layer.onlstm_layer_forward` (padding, DropConnect), stacks
distances d_f          ``1 - mean f~`` per step: :func:`~reference.onlstm.parse.distances`
tree building          greedy split at the largest distance: :func:`~reference.onlstm.trees.build_tree`
=====================  =====================================================================

Modules:

- :mod:`~reference.onlstm.params`: ``ONLSTMParams``, master-input variants
- :mod:`~reference.onlstm.dropconnect`: DropConnect masks on the recurrent weights, both conventions
- :mod:`~reference.onlstm.cell`: one step (eq. update-o3), its backward, the hard form
- :mod:`~reference.onlstm.layer`: sequences (BPTT) with padding and DropConnect, stacks
- :mod:`~reference.onlstm.layouts`: converters to/from the authors' and the article author's layouts
- :mod:`~reference.onlstm.lm`: a language model (embedding, stack, softmax output), ``.npz`` files
- :mod:`~reference.onlstm.parse`, :mod:`~reference.onlstm.trees`: distances, greedy trees, both F1s
- :mod:`~reference.onlstm.pcfg`, :mod:`~reference.onlstm.demo`: the synthetic grammar and ``refspace demo parse``
"""
from .cell import onlstm_cell_backward, onlstm_cell_forward, onlstm_cell_hard
from .layer import onlstm_layer_backward, onlstm_layer_forward, onlstm_stack_backward, onlstm_stack_forward
from .dropconnect import dropconnect_mask
from .params import MASTER_INPUT_VARIANTS, ONLSTMParams

__all__ = [
    "MASTER_INPUT_VARIANTS", "ONLSTMParams", "dropconnect_mask", "onlstm_cell_backward", "onlstm_cell_forward",
    "onlstm_cell_hard", "onlstm_layer_backward", "onlstm_layer_forward", "onlstm_stack_backward",
    "onlstm_stack_forward",
]
