"""Article-independent building blocks, each a forward/backward op pair, and their declarations.

- :mod:`~reference.ops.activations`: sigmoid, tanh, stable softmax, ``cumax = cumsum(softmax)``
  and its right-to-left twin ``rev_cumax`` (the master gates of kexue.fm/archives/6621)
- :mod:`~reference.ops.affine`: ``y = x W + b``, weights stored (in, out)
- :mod:`~reference.ops.embedding`, :mod:`~reference.ops.crossentropy`: the language model's input
  and loss (padding weights)
- :mod:`~reference.ops.mse`: mean squared error (the VQ-VAE reconstruction loss)
- :mod:`~reference.ops.recurrent`: the argument checks the recurrent layers share (a sequence
  and its states)
- :mod:`~reference.ops.cases`: their declarations (edge cases, sizes, signatures)
"""
