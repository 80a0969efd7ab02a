"""Every op's spec form (its article's equations in plain NumPy, the area's ``spec`` module)
against its kernel: forward and VJP with the same cotangents, on the declared edge cases and on
hypothesis-drawn sizes and seeds, in float64 and float32; forward-only ops on their example and
on live draws. Nothing here names an op, and a new op without a spec form fails."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference.core.registry import SPEC_IS_KERNEL, registered_ops
from reference.core.specform import spec_agreement

OPS = {op.name: op for op in registered_ops()}
WITH_SPEC = [name for name, op in OPS.items() if op.spec is not None and op.differentiable]


def test_every_op_has_a_spec_form():
    without = {name for name, op in OPS.items() if op.spec is None}
    assert without == set(), "these ops have no spec form (spec= in their declaration)"


def test_spec_forms_live_in_their_areas_spec_modules():
    for name in WITH_SPEC:
        spec = OPS[name].spec
        if spec == SPEC_IS_KERNEL:
            continue
        area = OPS[name].make.__module__.rsplit(".", 1)[0]
        for fn in spec:
            assert fn.__module__ == f"{area}.spec", (name, fn.__module__)
            assert fn.__doc__, (name, fn.__name__)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("name", WITH_SPEC)
def test_kernel_equals_spec_on_the_edge_cases(name, dtype):
    for case in OPS[name].cases(np.random.default_rng(0)):
        a = spec_agreement(case, 1, dtype=dtype)
        assert a.passed, f"{name} [{case.label}] {dtype.__name__}: {a}"


@pytest.mark.parametrize("name", WITH_SPEC)
@settings(max_examples=5, deadline=None)
@given(data=st.data())
def test_kernel_equals_spec_on_drawn_sizes_and_seeds(name, data):
    op = OPS[name]
    sizes, seed = data.draw(op.sizes, label="sizes"), data.draw(st.integers(0, 2**32 - 1), label="seed")
    dtype = data.draw(st.sampled_from([np.float64, np.float32]), label="dtype")
    case = op.make_case(np.random.default_rng(seed), sizes)
    a = spec_agreement(case, seed, dtype=dtype)
    assert a.passed, f"{name} [{case.label}] seed {seed} {dtype.__name__}: {a}"


@pytest.mark.parametrize("name", [n for n in WITH_SPEC if OPS[n].spec != SPEC_IS_KERNEL])
def test_the_spec_forms_own_gradients_match_central_differences(name):
    for case in OPS[name].cases(np.random.default_rng(2)):
        report = case.spec_case().run(2)
        assert report.passed, f"{name} [{case.label}] (spec form)\n{report}"


def test_a_wrong_spec_form_is_caught():
    # the comparison can fail: a spec form with f and i swapped in the cell's update
    import dataclasses

    from reference.lstm import spec

    def swapped(x, params, h_prev, c_prev):
        (h, c), cache = spec.lstm_cell(x, params, h_prev, c_prev)
        _, _, _, f, i, o, c_hat, _ = cache[1:]
        c2 = i * c_prev + f * c_hat
        return (o * np.tanh(c2), c2), cache

    case = OPS["lstm_cell"].cases(np.random.default_rng(0))[0]
    bad = dataclasses.replace(case, spec=(swapped, spec.lstm_cell_backward))
    a = spec_agreement(bad, 1)
    assert not a.passed and a.where.startswith("forward")


FORWARD_ONLY_WITH_SPEC = [name for name, op in OPS.items() if op.spec is not None and not op.differentiable]


@pytest.mark.parametrize("name", FORWARD_ONLY_WITH_SPEC)
def test_forward_only_kernels_equal_their_spec_on_the_example(name):
    from reference.core.specform import forward_only_agreement

    op = OPS[name]
    inputs, attrs = op.example(np.random.default_rng(0))
    a = forward_only_agreement(op, inputs, attrs)
    assert a.passed, f"{name}: {a}"


@pytest.mark.parametrize("name", FORWARD_ONLY_WITH_SPEC)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_forward_only_kernels_equal_their_spec_on_live_draws(name, data):
    from reference.core.specform import forward_only_agreement

    op = OPS[name]
    inputs, attrs = data.draw(op.live, label="example")
    a = forward_only_agreement(op, inputs, attrs)
    assert a.passed, f"{name}: {a}"


def test_refspace_check_spec_reports_each_op_and_fails_on_a_wrong_spec(capsys):
    import json

    from reference import cli
    from reference.core.registry import register, unregister

    assert cli.main(["check", "--spec", "--op", "lstm_cell", "--op", "nearest_codes", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["passed"] and [o["op"] for o in data["ops"]] == ["lstm_cell"]
    assert [o["op"] for o in data["forward_only"]] == ["nearest_codes"]
    assert data["ops"][0]["kernel_vs_spec"]["float64"]["rel_error"] < 1e-12

    def twice(x):
        return 2 * x, None

    def twice_backward(dy, cache):
        return 2 * dy

    def thrice(x):                      # a spec form that disagrees with its kernel
        return 3 * x, None

    register("toy_twice", "2 x", source="a test", inputs=("x",), forward=twice, backward=twice_backward,
             edges=(dict(n=3),), sizes=st.fixed_dictionaries({"n": st.integers(1, 3)}),
             spec=(thrice, lambda dy, cache: 3 * dy))(lambda rng, n: ((rng.standard_normal(n),), {}))
    try:
        assert cli.main(["check", "--spec", "--op", "toy_twice"]) == 1
        out = capsys.readouterr().out
        assert "toy_twice" in out and "FAIL" in out and "kernel vs spec: worst forward" in out
    finally:
        unregister("toy_twice")


def test_a_spec_declaration_is_checked_when_the_op_is_declared():
    from reference.core.registry import register

    with pytest.raises(TypeError, match="spec must be"):
        register("toy_bad", "x", source="a test", inputs=("x",), forward=abs, backward=abs, edges=(dict(),),
                 sizes=st.just({}), spec=(abs,))


@pytest.mark.parametrize("name", [n for n in WITH_SPEC if OPS[n].spec != SPEC_IS_KERNEL])
def test_each_kernels_module_points_to_its_spec_form(name):
    import importlib

    kernel = OPS[name].cases(np.random.default_rng(0))[0].forward
    doc = importlib.import_module(kernel.__module__).__doc__ or ""
    assert f":mod:`{OPS[name].spec[0].__module__}`" in doc, kernel.__module__
