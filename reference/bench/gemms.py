"""The GEMMs a recurrent layer cannot avoid: the lower bound benchmarks compare against."""
from __future__ import annotations

import numpy as np


def recurrent_layer_gemms(T: int, B: int, I: int, H: int, G: int, dtype, rng: np.random.Generator):
    """A callable doing exactly the GEMMs of one recurrent layer's forward+backward with
    ``G`` gate columns (4H for the LSTM, 4H + 2L for ON-LSTM), on arrays of the same shapes
    and memory layouts as the layer's own:

    forward ``X W`` (TB x I x G) once and ``h U`` (B x H x G) T times; backward ``dz U^T``
    T times, then ``X^T dZ``, ``H^T dZ`` and ``dZ W^T`` once each.

    Every product writes into an array allocated once, outside the timed call, and U^T is
    made contiguous outside it too, so the bound holds only the arithmetic (a fresh output
    per call, or a transposed view, would make the "bound" slower than it must be).
    """
    X = rng.standard_normal((T * B, I)).astype(dtype)
    W = rng.standard_normal((I, G)).astype(dtype)
    U = rng.standard_normal((H, G)).astype(dtype)
    h = rng.standard_normal((B, H)).astype(dtype)
    dZ = rng.standard_normal((T * B, G)).astype(dtype)
    Hs = rng.standard_normal((T * B, H)).astype(dtype)
    XW, hU, dh = np.empty((T * B, G), dtype), np.empty((B, G), dtype), np.empty((B, H), dtype)
    dW, dU, dX = np.empty((I, G), dtype), np.empty((H, G), dtype), np.empty((T * B, I), dtype)

    UT = np.ascontiguousarray(U.T)    # the fastest layout for dz U^T (a transposed view is slower)

    def run():
        np.matmul(X, W, out=XW)
        for _ in range(T):
            np.matmul(h, U, out=hU)
        for t in range(T):
            np.matmul(dZ[t * B:(t + 1) * B], UT, out=dh)
        np.matmul(X.T, dZ, out=dW)
        np.matmul(Hs.T, dZ, out=dU)
        np.matmul(dZ, W.T, out=dX)

    return run
