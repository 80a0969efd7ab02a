"""Foreign layouts: every foreign parameter gets its own gradient, layout-dependent attributes
(DropConnect weight masks) and outputs (NCHW maps) are converted, and the porting bugs that hid
behind the old conversion (an ignored recurrent bias, a zero gradient for it, a mask read in the
wrong order, swapped directions, a transposed kernel) are caught, live and against the golden
files.

Each layout is tested through the area's public converters (``from_torch_layout``,
``from_torch_kernel`` ...), written independently of the kit's maps in ``core.layouts``."""
import dataclasses
from typing import Callable

import numpy as np
import pytest

from reference.core.layouts import get_layout, layouts_for, registered_layouts
from reference.gan.conv import from_torch_kernel, to_torch_kernel
from reference.lstm import LSTMParams, from_torch_layout, to_torch_layout
from reference.lstm import from_keras_layout as lstm_from_keras, to_keras_layout as lstm_to_keras
from reference.onlstm.layouts import from_authors_layout, from_keras_layout, to_authors_layout, to_keras_layout
from reference.onlstm.params import ONLSTMParams
from reference.verify.convention import ReferenceImpl, flatten, templates
from reference.verify.golden import FROZEN_DIR, verify_golden
from reference.verify.live import verify_live


def _params_maps(sets):
    """(back, forth) for parameter sets ``(own prefix, class, to_foreign, from_foreign)``: back
    turns a port's inputs into this project's, forth this project's values (or gradients) into
    the foreign keys, the whole bias in the first of two biases."""
    def back(foreign):
        own = {k: v for k, v in foreign.items() if not k.startswith("params.")}
        state = {k[len("params."):]: v for k, v in foreign.items() if k.startswith("params.")}
        for prefix, _, _, from_foreign in sets:
            p = from_foreign(state)
            own.update({f"{prefix}.{k}": getattr(p, k) for k in "WUb"})
        return own

    def forth(own):
        out = {k: v for k, v in own.items() if not k.startswith(tuple(f"{s[0]}." for s in sets))}
        for prefix, cls, to_foreign, _ in sets:
            if all(f"{prefix}.{k}" in own for k in "WUb"):
                p = cls(*(own[f"{prefix}.{k}"] for k in "WUb"))
                out.update({f"params.{k}": v for k, v in to_foreign(p).items()})
        return out

    return back, forth


def _conv_maps(first):
    def back(foreign):
        own = dict(foreign)
        own[first] = np.moveaxis(own[first], 1, -1)
        own["W"] = from_torch_kernel(own.pop("weight"))
        own["b"] = own.pop("bias")
        return own

    def forth(own):
        out = dict(own)
        if first in out:
            out[first] = np.moveaxis(out[first], -1, 1)
        if "W" in out:
            out["weight"] = to_torch_kernel(out.pop("W"))
        if "b" in out:
            out["bias"] = out.pop("b")
        return out

    return back, forth


_nchw = (lambda outs: {k: np.moveaxis(v, -1, 1) for k, v in outs.items()},
         lambda outs: {k: np.moveaxis(v, 1, -1) for k, v in outs.items()})


@dataclasses.dataclass
class Case:
    layout: str
    ops: tuple
    maps: tuple                      # (back, forth) written with the area's converters
    biases: tuple = ()               # (first, second) foreign keys of two summed biases
    mask_key: str | None = None      # the foreign key the weight_mask is shaped like
    outputs: tuple | None = None     # (to foreign, back) for the outputs


LSTM_OPS, ONLSTM_OPS = ("lstm_cell", "lstm_layer"), ("onlstm_cell", "onlstm_layer")
_torch_f = lambda p: to_torch_layout(p)                                            # noqa: E731
_torch_b = lambda p: to_torch_layout(p, direction="reverse")                       # noqa: E731
_from_torch_b = lambda s: from_torch_layout(s, direction="reverse")                # noqa: E731
CASES = {
    "torch/lstm": Case("torch", LSTM_OPS, _params_maps([("params", LSTMParams, _torch_f, from_torch_layout)]),
                       (("bias_ih_l0", "bias_hh_l0"),), "weight_hh_l0"),
    "keras/lstm": Case("keras", LSTM_OPS, _params_maps([("params", LSTMParams, lstm_to_keras, lstm_from_keras)])),
    "keras_lstm/lstm": Case("keras_lstm", LSTM_OPS,
                            _params_maps([("params", LSTMParams, lstm_to_keras, lstm_from_keras)])),
    "authors/onlstm": Case("authors", ONLSTM_OPS,
                           _params_maps([("params", ONLSTMParams, to_authors_layout, from_authors_layout)]),
                           (("cells.0.ih.0.bias", "cells.0.hh.bias"),), "cells.0.hh.weight"),
    "keras/onlstm": Case("keras", ONLSTM_OPS,
                         _params_maps([("params", ONLSTMParams, to_keras_layout, from_keras_layout)]),
                         mask_key="recurrent_kernel"),
    "torch/birnn": Case("torch", ("birnn",),
                        _params_maps([("params_f", LSTMParams, _torch_f, from_torch_layout),
                                      ("params_b", LSTMParams, _torch_b, _from_torch_b)]),
                        (("bias_ih_l0", "bias_hh_l0"), ("bias_ih_l0_reverse", "bias_hh_l0_reverse"))),
    "torch/conv2d": Case("torch", ("conv2d",), _conv_maps("x"), outputs=_nchw),
    "torch/conv2d_transpose": Case("torch", ("conv2d_transpose",), _conv_maps("y"), outputs=_nchw),
}


def _cases(case):
    """Every seeded case of the layout's ops that it can express."""
    for op in case.ops:
        layout = get_layout(case.layout, op)
        for tpl in templates()[op]:
            attrs = dict(tpl.attrs)
            if layout.applies is None or layout.applies(attrs):
                yield op, flatten(tpl.inputs, tpl.names), attrs


def _floats(values):
    return {k: v for k, v in values.items() if np.issubdtype(np.asarray(v).dtype, np.floating)}


def test_every_registered_layout_is_tested_here():
    registered = {(layout.name, op) for layouts in registered_layouts().values() for layout in layouts
                  for op in layout.ops}
    tested = {(c.layout, op) for c in CASES.values() for op in c.ops}
    assert registered == tested | {("DK", op) for op in get_layout("DK", "vq_loss").ops}


def test_one_name_serves_several_op_families_and_each_op_has_one_layout_per_name():
    assert {layout.ops for layout in registered_layouts()["torch"]} >= {LSTM_OPS, ("birnn",), ("conv2d",)}
    for op in ("lstm_layer", "birnn", "conv2d", "onlstm_cell"):
        names = [layout.name for layout in layouts_for(op)]
        assert len(names) == len(set(names)) > 0
    assert get_layout("keras", "lstm_layer") is not get_layout("keras", "onlstm_layer")


@pytest.mark.parametrize("name", sorted(CASES))
def test_conversion_round_trips_and_splits_the_bias_unevenly(name):
    case = CASES[name]
    back, _ = case.maps
    for op, inputs, attrs in _cases(case):
        foreign, _ = get_layout(case.layout, op).to_foreign(inputs, attrs)
        again = back(foreign)
        assert set(again) == set(inputs)
        for k, v in inputs.items():
            np.testing.assert_allclose(again[k], v, rtol=1e-15, atol=1e-15, err_msg=k)
        for first, second in case.biases:
            a, b = foreign[f"params.{first}"], foreign[f"params.{second}"]
            assert np.all(a != 0) and np.all(b != 0) and np.all(a != b)


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradients_to_the_foreign_layout_are_the_adjoint_of_the_conversion(name):
    # <back(F), g> = <F, grads_to_foreign(g)> for random foreign F and own gradient g: the chain
    # rule through the area's converters (back is linear), which the kit's adjoint is checked against.
    case = CASES[name]
    back, _ = case.maps
    rng = np.random.default_rng(1)
    for op, inputs, attrs in _cases(case):
        layout = get_layout(case.layout, op)
        foreign, _ = layout.to_foreign(inputs, attrs)
        F = {k: rng.standard_normal(np.shape(v)) for k, v in _floats(foreign).items()}
        g = {k: rng.standard_normal(np.shape(v)) for k, v in _floats(inputs).items()}
        own = back({**foreign, **F})
        lhs = sum(float(np.sum(own[k] * g[k])) for k in g)
        to_port = layout.grads_to_foreign(g, attrs)
        rhs = sum(float(np.sum(F[k] * to_port[k])) for k in F)
        assert lhs == pytest.approx(rhs, rel=1e-12)
        assert set(to_port) == set(F)            # every foreign input has a gradient


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if c.outputs))
def test_outputs_move_to_the_foreign_layout(name):
    case = CASES[name]
    ref = ReferenceImpl()
    for op, inputs, attrs in _cases(case):
        out = ref.forward(op, inputs, attrs)
        moved = get_layout(case.layout, op).outputs_to_foreign(out, attrs)
        for k, v in case.outputs[1](moved).items():
            np.testing.assert_array_equal(v, out[k])
        assert all(moved[k].shape == (v.shape[0], v.shape[3], v.shape[1], v.shape[2]) for k, v in out.items())


@pytest.mark.parametrize("name", ["authors/onlstm", "keras/onlstm"])
def test_weight_masks_are_converted_as_the_recurrent_weights(name):
    case = CASES[name]
    _, forth = case.maps
    for op, inputs, attrs in _cases(case):
        if attrs.get("weight_mask") is None:
            continue
        _, fattrs = get_layout(case.layout, op).to_foreign(inputs, attrs)
        # the mask-times-weights product converts like the weights
        masked = forth({**inputs, "params.U": inputs["params.U"] * attrs["weight_mask"]})[f"params.{case.mask_key}"]
        np.testing.assert_array_equal(forth(inputs)[f"params.{case.mask_key}"] * fattrs["weight_mask"], masked)
        assert fattrs["weight_mask"].dtype == attrs["weight_mask"].dtype


class ForeignPort:
    """A port in a foreign layout written against the area's converters only: it turns its
    inputs (and cotangents) back into this project's, runs the reference, and returns its outputs
    and each foreign input's gradient (both biases get the bias gradient: the model adds them).
    ``bug`` plants one porting bug."""

    def __init__(self, name, bug=None):
        self.case, self.bug = CASES[name], bug
        self.ops, self._ref = self.case.ops, ReferenceImpl()
        self.layouts = {op: self.case.layout for op in self.ops}

    def _own(self, inputs, attrs):
        back, _ = self.case.maps
        inputs = dict(inputs)
        if self.bug == "ignores recurrent bias":          # the last pair's second bias
            key = f"params.{self.case.biases[-1][1]}"
            inputs[key] = np.zeros_like(inputs[key])
        if self.bug == "directions swapped":
            for k in [k for k in inputs if k.endswith("_reverse")]:
                inputs[k], inputs[k[:-len("_reverse")]] = inputs[k[:-len("_reverse")]], inputs[k]
        if self.bug == "kernel's spatial axes swapped":
            inputs["weight"] = np.swapaxes(inputs["weight"], 2, 3).copy()
        own = back(inputs)
        attrs = dict(attrs)
        if attrs.get("weight_mask") is not None:
            m = np.asarray(attrs["weight_mask"])
            if self.bug != "mask in refspace order":       # the mask arrives in this port's layout
                zero = {k: np.zeros_like(v) for k, v in inputs.items()}
                m = back({**zero, f"params.{self.case.mask_key}": m})["params.U"]
            attrs["weight_mask"] = m
        return own, attrs

    def _outputs(self, outs, to_foreign):
        if self.case.outputs is None or self.bug == "outputs left NHWC":
            return outs
        return self.case.outputs[0 if to_foreign else 1](outs)

    def forward(self, op, inputs, attrs):
        return self._outputs(self._ref.forward(op, *self._own(inputs, attrs)), True)

    def vjp(self, op, inputs, attrs, cotangents):
        g = self._ref.vjp(op, *self._own(inputs, attrs), self._outputs(cotangents, False))
        foreign = self.case.maps[1](g)
        for first, second in self.case.biases:
            foreign[f"params.{second}"] = (np.zeros_like(foreign[f"params.{first}"]) if self.bug == "zero recurrent bias grad"
                                           else foreign[f"params.{first}"].copy())
        return foreign


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_correct_port_in_a_foreign_layout_passes_live_and_golden(name):
    port = ForeignPort(name)
    for op in port.ops:
        r = verify_live(port, op, max_examples=40)
        assert r.passed and r.examples > 0, r.failure
        first = next((i, a) for o, i, a in _cases(port.case) if o == op)
        assert set(_floats(get_layout(port.case.layout, op).to_foreign(*first)[0])) <= set(r.covered)
    results = verify_golden(FROZEN_DIR, port)
    checked = [r for r in results if r["status"] != "skipped"]
    assert checked and all(r["status"] == "pass" for r in checked), [r["detail"] for r in checked if r["status"] != "pass"]
    assert {r["op"] for r in checked} == set(port.ops)


def test_examples_a_layout_cannot_express_are_declined():
    # PyTorch has no ON-LSTM: the torch BiRNN layout declines those examples, live and golden
    port = ForeignPort("torch/birnn")
    r = verify_live(port, "birnn", max_examples=40)
    assert r.passed and r.skipped > 0 and r.examples > 0
    results = verify_golden(FROZEN_DIR, port, ops=["birnn"])
    onlstm = [g for g in results if "onlstm" in g["id"]]
    assert onlstm and all(g["status"] == "skipped" for g in onlstm)
    assert any(g["status"] == "pass" for g in results)


@pytest.mark.parametrize("name, bug, op, tell", [
    ("torch/lstm", "ignores recurrent bias", "lstm_layer", "forward"),
    ("authors/onlstm", "ignores recurrent bias", "onlstm_cell", "forward"),
    ("torch/lstm", "zero recurrent bias grad", "lstm_cell", "vjp: worst params.bias_hh_l0"),
    ("authors/onlstm", "zero recurrent bias grad", "onlstm_layer", "vjp: worst params.cells.0.hh.bias"),
    ("authors/onlstm", "mask in refspace order", "onlstm_layer", "forward"),
    ("keras/onlstm", "mask in refspace order", "onlstm_layer", "forward"),
    ("torch/birnn", "ignores recurrent bias", "birnn", "forward"),
    ("torch/birnn", "directions swapped", "birnn", "forward"),
    ("torch/birnn", "zero recurrent bias grad", "birnn", "vjp: worst params.bias_hh_l0"),
    ("torch/conv2d", "kernel's spatial axes swapped", "conv2d", "forward"),
    ("torch/conv2d_transpose", "kernel's spatial axes swapped", "conv2d_transpose", "forward"),
    ("torch/conv2d", "outputs left NHWC", "conv2d", "forward"),
])
def test_porting_bugs_behind_layouts_are_caught(name, bug, op, tell):
    port = ForeignPort(name, bug)
    r = verify_live(port, op, max_examples=100)
    assert not r.passed and tell in r.failure, r.failure
    if bug == "mask in refspace order":
        assert r.counterexample[1].get("weight_mask") is not None   # live mode draws the masks
    results = [g for g in verify_golden(FROZEN_DIR, port, ops=[op]) if g["status"] != "skipped"]
    assert any(g["status"] in ("mismatch", "error") and tell.split()[0] in g["detail"] for g in results)


def test_the_readme_names_every_layout_and_the_ops_it_serves():
    import pathlib

    readme = (pathlib.Path(__file__).parents[2] / "README.md").read_text()
    para = readme[readme.index("The layouts:"):]
    para = para[:para.index("\n\n")]
    for name, layouts in registered_layouts().items():
        assert f'`"{name}"`' in para, name
        for layout in layouts:
            assert all(f"`{op}`" in para for op in layout.ops), (name, layout.ops)
