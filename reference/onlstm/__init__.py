"""ON-LSTM (ordered neurons), kexue.fm/archives/6621 and Shen et al., ICLR 2019.

- :mod:`~reference.onlstm.params`: ``ONLSTMParams``, master-input variants, DropConnect masks
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
