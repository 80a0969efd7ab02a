"""NumPy "ports" for the conformance kit: one correct, four with classic porting bugs.

Each is an object following :mod:`reference.verify.convention`. The wrong ones reuse the
reference but change exactly one thing, so the kit's tests can show each bug is caught and
shrunk to a small example:

``other_master_input``      ON-LSTM with the other master-input variant (article vs paper)
``transposed_recurrent``    LSTM whose recurrent weights are read as PyTorch's (4H, H) block
                            and transposed: right shapes, wrong values
``ema_no_bias_correction``  the bias-corrected EMA without the 1 - decay^t correction
``mean_as_sum``             the VQ loss's "mean" reduction computed as a sum

``off_by_a_little`` moves every output and gradient just beyond the float64 tolerances (every
check fails), ``float32`` is a correct port in single precision (the reference run on float32 inputs);
``no_state_gradients``, a correct LSTM port that computes no gradient for the initial states
and declares the gradients it does compute (``no_state_gradients_undeclared`` does not declare
them, and fails).
"""
from __future__ import annotations

import numpy as np

from ..convention import ReferenceImpl


class Port:
    """Delegates every op to the reference, with ``patch`` hooks to change one thing."""

    def __init__(self, ops=None):
        self._ref = ReferenceImpl()
        self.ops = tuple(ops) if ops is not None else self._ref.ops
        self.layouts: dict = {}

    def patch(self, op, inputs, attrs):
        return inputs, attrs

    def forward(self, op, inputs, attrs):
        return self._ref.forward(op, *self.patch(op, inputs, attrs))

    def vjp(self, op, inputs, attrs, cotangents):
        return self._ref.vjp(op, *self.patch(op, inputs, attrs), cotangents)


class OtherMasterInput(Port):
    def patch(self, op, inputs, attrs):
        if op.startswith("onlstm") and "master_input" in attrs:
            other = {"paper": "article", "article": "paper"}[attrs["master_input"]]
            attrs = {**attrs, "master_input": other}
        return inputs, attrs


class TransposedRecurrent(Port):
    def patch(self, op, inputs, attrs):
        if op in ("lstm_layer", "lstm_cell"):
            U = np.asarray(inputs["params.U"])
            H = U.shape[0]
            inputs = {**inputs, "params.U": np.ascontiguousarray(U.reshape(4 * H, H).T)}
        return inputs, attrs


class EMANoBiasCorrection(Port):
    def forward(self, op, inputs, attrs):
        if op == "ema_update" and attrs.get("convention", "bias_corrected") == "bias_corrected":
            attrs = {**attrs, "convention": "ones"}   # same update, no 1 - decay^t correction
        return super().forward(op, inputs, attrs)


class MeanAsSum(Port):
    def patch(self, op, inputs, attrs):
        if op == "vq_loss" and attrs.get("reduction", "mean") == "mean":
            attrs = {**attrs, "reduction": "sum"}
        return inputs, attrs


class Float32(Port):
    """The reference computed in float32: a correct port in single precision (the kit picks the
    float32 tolerances from its outputs)."""

    @staticmethod
    def _single(arrays):
        return {k: (np.asarray(v, dtype=np.float32) if np.issubdtype(np.asarray(v).dtype, np.floating) else v)
                for k, v in arrays.items()}

    def patch(self, op, inputs, attrs):
        attrs = {k: (np.asarray(v, dtype=np.float32) if isinstance(v, np.ndarray)
                     and np.issubdtype(v.dtype, np.floating) else v) for k, v in attrs.items()}
        return self._single(inputs), attrs

    def forward(self, op, inputs, attrs):   # outputs in single precision too (integer inputs give float64)
        return self._single(super().forward(op, inputs, attrs))

    def vjp(self, op, inputs, attrs, cotangents):
        return self._ref.vjp(op, *self.patch(op, inputs, attrs), self._single(cotangents))


class NoStateGradients(Port):
    """Computes no gradient for the initial states (h0/c0, h_prev/c_prev) and says so in
    ``gradients``: those are reported as not covered, the rest is compared."""

    STATES = ("h0", "c0", "h_prev", "c_prev")

    def __init__(self, ops=("lstm_cell", "lstm_layer"), declare=True):
        super().__init__(ops)
        if declare:
            self.gradients = {"lstm_cell": ("x", "params.W", "params.U", "params.b"),
                              "lstm_layer": ("x", "params.W", "params.U", "params.b")}

    def vjp(self, op, inputs, attrs, cotangents):
        return {k: v for k, v in super().vjp(op, inputs, attrs, cotangents).items() if k not in self.STATES}


class OffByALittle(Port):
    """Every output and gradient moved just beyond the float64 tolerances (floats by a relative
    1e-5 plus 1e-6, integers by one): every golden case and every live op must fail. What a kit
    that compared nothing would let through."""

    @staticmethod
    def _nudge(arrays):
        return {k: (np.asarray(v) * (1 + 1e-5) + 1e-6 if np.issubdtype(np.asarray(v).dtype, np.floating)
                    else np.asarray(v) + 1) for k, v in arrays.items()}

    def forward(self, op, inputs, attrs):
        return self._nudge(super().forward(op, inputs, attrs))

    def vjp(self, op, inputs, attrs, cotangents):
        return self._nudge(super().vjp(op, inputs, attrs, cotangents))


correct = Port()
off_by_a_little = OffByALittle()
float32 = Float32()
no_state_gradients = NoStateGradients()
no_state_gradients_undeclared = NoStateGradients(declare=False)
other_master_input = OtherMasterInput(ops=("onlstm_cell", "onlstm_layer"))
transposed_recurrent = TransposedRecurrent(ops=("lstm_cell", "lstm_layer"))
ema_no_bias_correction = EMANoBiasCorrection(ops=("ema_update",))
mean_as_sum = MeanAsSum(ops=("vq_loss",))
