"""Example implementations for the conformance kit: import paths for ``--impl``.

- ``reference.verify.examples.numpy_ports:correct`` delegates to the reference (passes);
- ``...numpy_ports:other_master_input``, ``:transposed_recurrent``, ``:ema_no_bias_correction``,
  ``:mean_as_sum`` are deliberately wrong ports of the bugs found in the wild;
- ``reference.verify.examples.torch_ports:torch_lstm`` and ``:torch_onlstm`` are independent
  PyTorch implementations (needs PyTorch; ``torch_lstm`` uses ``torch.nn.LSTM`` in its own
  layout, ``torch_onlstm`` the ON-LSTM authors' packed layout).
"""
