"""refspace: readable NumPy reference implementations, with hand-written backward passes, of
the models in a set of Scientific Spaces (kexue.fm) articles.

Layout: ``reference.core`` (activations, affine map, gradient checking, hypothesis
strategies, the check registry), ``reference.lstm`` (the plain LSTM baseline), and the
``refspace`` command in ``reference.cli``.
"""
__version__ = "0.1.0"
