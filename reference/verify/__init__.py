"""The conformance kit: does another implementation agree with the reference, and if not, where?

- :mod:`.convention`: how an implementation is called (flat named arrays, ``forward``,
  optional ``vjp``, ``ops``, ``layouts``, ``supports``) and the reference behind it;
- :mod:`.golden`: golden vectors (``refspace golden``), their format field by field, and
  verification against them; a frozen set ships in ``golden_data/``;
- :mod:`.adapters`: loading ``module:attribute`` and converting parameter layouts
  (PyTorch ``nn.LSTM``, the ON-LSTM authors', the article author's Keras, codebook (D, K));
- :mod:`.live`: ``refspace verify OP --impl ...``, hypothesis with shrinking and a
  reproduction snippet;
- :mod:`.examples`: a correct port, four deliberately wrong ones, and PyTorch ports.
"""
