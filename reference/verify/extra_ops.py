"""Ops verified by the kit that are not differentiable and so not in ``refspace check``.

``ema_update`` (:func:`reference.vq.ema.ema_update`): inputs ``codebook`` (K, D), ``counts``
(K,), ``sums`` (K, D), ``z`` (N, D), ``indices`` int (N,); attrs ``steps`` (int, taken so far),
``decay``, ``eps``, ``convention`` ("bias_corrected" or "ones"); outputs ``codebook``,
``counts``, ``sums`` after one update.
"""
from __future__ import annotations

import numpy as np

from ..vq.ema import EMAState, ema_update


class EMAUpdateOp:
    name = "ema_update"
    summary = "one EMA codebook update (counts, sums, codebook), forward only"
    source = "van den Oord et al. 2017, appendix A.1 (the EMA codebook)"
    input_names = ("codebook", "counts", "sums", "z", "indices")

    def forward(self, inputs, attrs):
        missing = [k for k in self.input_names if k not in inputs]
        if missing:
            raise ValueError(f"inputs: missing {missing}")
        state = EMAState(np.asarray(inputs["counts"]), np.asarray(inputs["sums"]), int(attrs.get("steps", 0)),
                         attrs.get("convention", "bias_corrected"))
        new, st = ema_update(inputs["codebook"], state, inputs["z"], inputs["indices"],
                             decay=attrs.get("decay", 0.99), eps=attrs.get("eps", 1e-5))
        return {"codebook": new, "counts": st.counts, "sums": st.sums}

    def example(self, rng):
        """A seeded case (inputs, attrs) for golden files: two codes far away stay unused."""
        E = rng.standard_normal((5, 3))
        E[3:] += 40.0
        z = rng.standard_normal((12, 3))
        idx = np.argmin(((z[:, None] - E[None]) ** 2).sum(-1), axis=1)
        return ({"codebook": E, "counts": np.zeros(5), "sums": np.zeros((5, 3)), "z": z, "indices": idx},
                {"steps": 0, "decay": 0.99, "eps": 1e-5, "convention": "bias_corrected"})


EXTRA = {"ema_update": EMAUpdateOp()}
