"""The GEMMs a recurrent layer cannot avoid: the lower bound benchmarks compare against."""
from __future__ import annotations

import numpy as np


def recurrent_layer_gemms(T: int, B: int, I: int, H: int, G: int, dtype, rng: np.random.Generator):
    """A callable doing exactly the GEMMs of one recurrent layer's forward+backward with
    ``G`` gate columns (4H for the LSTM, 4H + 2L for ON-LSTM), on arrays of the same shapes
    and memory layouts as the layer's own:

    forward ``X W`` (TB x I x G) once and ``h U`` (B x H x G) T times; backward ``dz U^T``
    T times, then ``X^T dZ``, ``H^T dZ`` and ``dZ W^T`` once each.
    """
    X = rng.standard_normal((T * B, I)).astype(dtype)
    W = rng.standard_normal((I, G)).astype(dtype)
    U = rng.standard_normal((H, G)).astype(dtype)
    h = rng.standard_normal((B, H)).astype(dtype)
    dZ = rng.standard_normal((T * B, G)).astype(dtype)
    Hs = rng.standard_normal((T * B, H)).astype(dtype)

    def run():
        X @ W
        for _ in range(T):
            h @ U
        UT = U.T
        for t in range(T):
            dZ[t * B:(t + 1) * B] @ UT
        X.T @ dZ
        Hs.T @ dZ
        dZ @ W.T

    return run
