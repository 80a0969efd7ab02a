"""The toolkit: knows no article and declares no op (the ops live in :mod:`reference.ops` and the areas).

- :mod:`.registry`: op declarations and their discovery (what ``refspace check``, the golden
  files, the live verifier and the generic tests read); :mod:`.layouts`: foreign parameter layouts;
- :mod:`.gradcheck`: gradient checking for any forward/backward or function/VJP pair;
- :mod:`.strategies`: hypothesis strategies for testing ops and ports; :mod:`.masks`: prefix masks;
- :mod:`.validate`, :mod:`.pytree`, :mod:`.npzio`, :mod:`.files`, :mod:`.extras`: argument checks,
  nested structures, ``.npz`` files, atomic writes and output checks, optional extras.
"""
