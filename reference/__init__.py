"""refspace: readable NumPy reference implementations, with hand-written backward passes, of
the models in a set of Scientific Spaces (kexue.fm) articles.

Layout: ``reference.core`` (the toolkit: op declarations and their discovery, gradient
checking, hypothesis strategies, masks, files), ``reference.ops`` (article-independent op
pairs: activations, affine, embedding, losses), the article areas ``reference.lstm``,
``reference.onlstm`` and ``reference.vq`` (each with its ``cases`` declarations), the
conformance kit ``reference.verify``, and the ``refspace`` command in ``reference.cli``.
"""
__version__ = "0.1.0"
