"""Shared building blocks.

- :mod:`.activations`, :mod:`.affine`, :mod:`.mse`, :mod:`.embedding`, :mod:`.crossentropy`:
  op pairs ``*_forward`` / ``*_backward``;
- :mod:`.gradcheck`: gradient checking for any forward/backward or function/VJP pair;
- :mod:`.strategies`: hypothesis strategies for testing ops and ports;
- :mod:`.registry` and :mod:`.cases`: what ``refspace check`` runs;
- :mod:`.validate`, :mod:`.pytree`, :mod:`.npzio`: argument checks, nested structures, ``.npz`` files.
"""
