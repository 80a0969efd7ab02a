"""Foreign layouts: every foreign parameter gets its own gradient, layout-dependent attributes
(DropConnect weight masks) are converted, and the porting bugs that hid behind the old
conversion (an ignored recurrent bias, a zero gradient for it, a mask read in the wrong order)
are caught, live and against the golden files."""
import numpy as np
import pytest

from reference.core.layouts import get_layout, registered_layouts
from reference.lstm import LSTMParams, from_torch_layout, to_torch_layout
from reference.lstm import from_keras_layout as lstm_from_keras, to_keras_layout as lstm_to_keras
from reference.onlstm.layouts import from_authors_layout, from_keras_layout, to_authors_layout, to_keras_layout
from reference.onlstm.params import ONLSTMParams
from reference.verify.convention import ReferenceImpl, flatten, templates
from reference.verify.golden import FROZEN_DIR, verify_golden
from reference.verify.live import verify_live

# layout -> (ops, class, the area's converters: to foreign, from foreign, foreign key of U)
PARAMS_LAYOUTS = {
    "torch": (("lstm_cell", "lstm_layer"), LSTMParams, to_torch_layout, from_torch_layout, "weight_hh_l0"),
    "authors": (("onlstm_cell", "onlstm_layer"), ONLSTMParams, to_authors_layout, from_authors_layout,
                "cells.0.hh.weight"),
    "keras": (("onlstm_cell", "onlstm_layer"), ONLSTMParams, to_keras_layout, from_keras_layout, "recurrent_kernel"),
    "keras_lstm": (("lstm_cell", "lstm_layer"), LSTMParams, lstm_to_keras, lstm_from_keras, "recurrent_kernel"),
}
BIASES = {"torch": ("bias_ih_l0", "bias_hh_l0"), "authors": ("cells.0.ih.0.bias", "cells.0.hh.bias")}


def _foreign(inputs):
    return {k[len("params."):]: v for k, v in inputs.items() if k.startswith("params.")}


def _cases(layout):
    for op in PARAMS_LAYOUTS[layout][0]:
        for tpl in templates()[op]:
            yield op, flatten(tpl.inputs, tpl.names), dict(tpl.attrs)


def test_every_registered_layout_is_tested_here():
    assert set(registered_layouts()) == set(PARAMS_LAYOUTS) | {"DK"}


@pytest.mark.parametrize("layout", sorted(PARAMS_LAYOUTS))
def test_conversion_round_trips_and_splits_the_bias_unevenly(layout):
    ops, cls, _, from_foreign, _ = PARAMS_LAYOUTS[layout]
    for op, inputs, attrs in _cases(layout):
        foreign, _ = get_layout(layout, op).to_foreign(inputs, attrs)
        back = from_foreign(_foreign(foreign))
        for name in "WUb":
            np.testing.assert_allclose(getattr(back, name), inputs[f"params.{name}"], rtol=1e-15, atol=1e-15)
        if layout in BIASES:
            first, second = (foreign[f"params.{k}"] for k in BIASES[layout])
            assert np.all(first != 0) and np.all(second != 0) and np.all(first != second)


@pytest.mark.parametrize("layout", sorted(PARAMS_LAYOUTS))
def test_gradients_to_the_foreign_layout_are_the_adjoint_of_the_conversion(layout):
    # <from_foreign(F), g> = <F, grads_to_foreign(g)> for random foreign F and own gradient g:
    # the chain rule through the area's converter, which the adjoint is checked against.
    ops, cls, _, from_foreign, _ = PARAMS_LAYOUTS[layout]
    rng = np.random.default_rng(1)
    for op, inputs, attrs in _cases(layout):
        conv = get_layout(layout, op)
        foreign, _ = conv.to_foreign(inputs, attrs)
        F = {k: rng.standard_normal(np.shape(v)) for k, v in _foreign(foreign).items()}
        g = {f"params.{k}": rng.standard_normal(np.shape(inputs[f"params.{k}"])) for k in "WUb"}
        own = from_foreign(F)
        lhs = sum(float(np.sum(getattr(own, k) * g[f"params.{k}"])) for k in "WUb")
        back = conv.grads_to_foreign(g, attrs)
        rhs = sum(float(np.sum(F[k] * back[f"params.{k}"])) for k in F)
        assert lhs == pytest.approx(rhs, rel=1e-12)
        assert set(back) == {f"params.{k}" for k in F}            # every foreign parameter has a gradient


@pytest.mark.parametrize("layout", ["authors", "keras"])
def test_weight_masks_are_converted_as_the_recurrent_weights(layout):
    ops, cls, to_foreign, _, key = PARAMS_LAYOUTS[layout]
    for op, inputs, attrs in _cases(layout):
        if attrs.get("weight_mask") is None:
            continue
        _, fattrs = get_layout(layout, op).to_foreign(inputs, attrs)
        # the mask-times-weights product converts like the weights
        masked = cls(inputs["params.W"], inputs["params.U"] * attrs["weight_mask"], inputs["params.b"])
        foreign = to_foreign(cls(inputs["params.W"], inputs["params.U"], inputs["params.b"]))[key]
        np.testing.assert_array_equal(foreign * fattrs["weight_mask"], to_foreign(masked)[key])
        assert fattrs["weight_mask"].dtype == attrs["weight_mask"].dtype


class ForeignPort:
    """A port in a foreign layout written against the area's converters only: it turns its
    inputs back into this project's (from_* converters), runs the reference, and returns each
    foreign parameter's gradient (both biases get the bias gradient: the model adds them).
    ``bug`` plants one porting bug."""

    def __init__(self, layout, bug=None):
        self.layout, self.bug = layout, bug
        ops, self.cls, self.to_foreign, self.from_foreign, self.key = PARAMS_LAYOUTS[layout]
        self.ops, self.layouts, self._ref = ops, {op: layout for op in ops}, ReferenceImpl()

    def _own(self, inputs, attrs):
        foreign = _foreign(inputs)
        if self.bug == "ignores recurrent bias":
            foreign = {k: (np.zeros_like(v) if k == BIASES[self.layout][1] else v) for k, v in foreign.items()}
        p = self.from_foreign(foreign)
        own = {k: v for k, v in inputs.items() if not k.startswith("params.")}
        own.update({"params.W": p.W, "params.U": p.U, "params.b": p.b})
        attrs = dict(attrs)
        if attrs.get("weight_mask") is not None:
            m = np.asarray(attrs["weight_mask"])
            if self.bug != "mask in refspace order":       # the mask arrives in this port's layout
                zero = {k: np.zeros_like(v) for k, v in foreign.items()}
                m = self.from_foreign({**zero, self.key: m}).U
            attrs["weight_mask"] = m
        return own, attrs

    def forward(self, op, inputs, attrs):
        return self._ref.forward(op, *self._own(inputs, attrs))

    def vjp(self, op, inputs, attrs, cotangents):
        g = self._ref.vjp(op, *self._own(inputs, attrs), cotangents)
        p = self.cls(g.pop("params.W"), g.pop("params.U"), g.pop("params.b"))
        foreign = self.to_foreign(p)
        if self.layout in BIASES:
            first, second = BIASES[self.layout]
            foreign[second] = np.zeros_like(foreign[first]) if self.bug == "zero recurrent bias grad" \
                else foreign[first].copy()
        g.update({f"params.{k}": v for k, v in foreign.items()})
        return g


@pytest.mark.parametrize("layout", sorted(PARAMS_LAYOUTS))
def test_a_correct_port_in_a_foreign_layout_passes_live_and_golden(layout):
    port = ForeignPort(layout)
    for op in port.ops:
        r = verify_live(port, op, max_examples=40)
        assert r.passed, r.failure
        assert {f"params.{k}" for k in _foreign(get_layout(layout, op).to_foreign(
            *next((i, a) for o, i, a in _cases(layout) if o == op))[0])} <= r.covered
    results = verify_golden(FROZEN_DIR, port)
    checked = [r for r in results if r["status"] != "skipped"]
    assert checked and all(r["status"] == "pass" for r in checked), [r["detail"] for r in checked if r["status"] != "pass"]


@pytest.mark.parametrize("layout, bug, op, tell", [
    ("torch", "ignores recurrent bias", "lstm_layer", "forward"),
    ("authors", "ignores recurrent bias", "onlstm_cell", "forward"),
    ("torch", "zero recurrent bias grad", "lstm_cell", "vjp: worst params.bias_hh_l0"),
    ("authors", "zero recurrent bias grad", "onlstm_layer", "vjp: worst params.cells.0.hh.bias"),
    ("authors", "mask in refspace order", "onlstm_layer", "forward"),
    ("keras", "mask in refspace order", "onlstm_layer", "forward"),
])
def test_porting_bugs_behind_layouts_are_caught(layout, bug, op, tell):
    port = ForeignPort(layout, bug)
    r = verify_live(port, op, max_examples=100)
    assert not r.passed and tell in r.failure, r.failure
    if bug == "mask in refspace order":
        assert r.counterexample[1].get("weight_mask") is not None   # live mode draws the masks
    results = [g for g in verify_golden(FROZEN_DIR, port, ops=[op]) if g["status"] != "skipped"]
    assert any(g["status"] in ("mismatch", "error") and tell.split()[0] in g["detail"] for g in results)
