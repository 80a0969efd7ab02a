"""Limits shared by the toolkit and the command line, importable without NumPy (``refspace
--help`` reads them and imports nothing heavy).

``DEFAULT_TIMEOUT``: seconds per call into a port under verification (0: no limit).
``MAX_RTOL``, ``MAX_ATOL``: caps on comparison tolerances (the gradient checker's and the
conformance kit's): a looser rtol accepts values off by a large factor (rtol 0.8 accepts 5x),
and an atol above the scale of the values compared accepts anything of that scale.
"""
DEFAULT_TIMEOUT = 60.0
MAX_RTOL = 0.1
MAX_ATOL = 0.1
