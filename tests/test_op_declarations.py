"""One generic test per property, over every declared op: nothing here names an op.

For each op the registry declares (its area's ``cases`` module), derived from the declaration:
- its backward matches central differences on fresh hypothesis-drawn seeds of its edge cases,
  not only on ``refspace check``'s seed;
- float32 inputs give float32 outputs (dtype preserved);
- forward and backward never modify their inputs, and give the same result twice;
- its golden vectors round-trip: written, read back and verified against the reference;
- forward-only ops run on their example and on live draws without error, deterministically.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference.core.pytree import leaves, map_leaves
from reference.core.registry import checked_ops, registered_ops
from reference.verify.convention import ReferenceImpl
from reference.verify.golden import verify_golden, write_golden

CHECKED = [op.name for op in checked_ops()]
FORWARD_ONLY = [op.name for op in registered_ops() if not op.differentiable]
OPS = {op.name: op for op in registered_ops()}


def _declared_in_the_sources():
    """The op names the areas' cases.py files declare, read with ast: the first argument of each
    call to register, register_forward_only or a helper that passes its name on to them."""
    import ast
    import pathlib

    import reference

    declaring = {"register", "register_forward_only", "_unary_op", "_reduction", "_modulated"}
    names = []
    for path in pathlib.Path(reference.__file__).parent.glob("*/cases.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None) in declaring and node.args
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                names.append(node.args[0].value)
    return names


def test_every_op_is_declared_with_a_source_sizes_and_edges():
    assert sorted(CHECKED + FORWARD_ONLY) == sorted(_declared_in_the_sources())
    for op in registered_ops():
        assert op.summary and op.source and op.inputs, op.name
        if op.differentiable:
            assert op.make is not None and op.edges and op.sizes is not None, op.name
        else:
            assert op.live is not None and op.example is not None, op.name


@pytest.mark.parametrize("name", CHECKED)
@settings(max_examples=3)
@given(seed=st.integers(0, 2**32 - 1))
def test_backward_matches_central_differences_on_fresh_draws(name, seed):
    for case in OPS[name].cases(np.random.default_rng(seed)):
        report = case.run(seed)
        assert report.passed, f"{name} [{case.label}] seed {seed}\n{report}"


@pytest.mark.parametrize("name", CHECKED)
@settings(max_examples=5)
@given(data=st.data())
def test_backward_matches_central_differences_on_drawn_sizes(name, data):
    op = OPS[name]
    sizes, seed = data.draw(op.sizes, label="sizes"), data.draw(st.integers(0, 2**32 - 1), label="seed")
    case = op.make_case(np.random.default_rng(seed), sizes)
    report = case.run(seed)
    assert report.passed, f"{name} [{case.label}] seed {seed}\n{report}"


def _to32(value):
    return map_leaves(lambda _, a: a.astype(np.float32) if a.dtype == np.float64 else a, value)


@pytest.mark.parametrize("name", CHECKED)
def test_float32_in_float32_out_no_mutation_deterministic(name):
    for case in OPS[name].cases(np.random.default_rng(0)):
        inputs = tuple(_to32(x) for x in case.inputs)
        before = [a.copy() for _, a in leaves(inputs)]
        out, cache = case.bound_forward(*inputs)
        floats = [a for _, a in leaves(out) if np.issubdtype(a.dtype, np.floating)]
        assert floats and all(a.dtype == np.float32 for a in floats), f"{name} [{case.label}]"
        rng = np.random.default_rng(1)
        cot = map_leaves(lambda _, a: rng.standard_normal(a.shape).astype(a.dtype)
                         if np.issubdtype(a.dtype, np.floating) else None, out)
        grads = case.backward(cot, cache)
        again = case.backward(cot, case.bound_forward(*inputs)[1])
        for (_, g), (_, h) in zip(leaves(grads), leaves(again)):
            np.testing.assert_array_equal(g, h, err_msg=f"{name} [{case.label}]: backward not deterministic")
        for (_, g) in leaves(grads):
            if np.issubdtype(g.dtype, np.floating):
                assert g.dtype == np.float32, f"{name} [{case.label}]: gradient dtype {g.dtype}"
        for a, b in zip(before, [a for _, a in leaves(inputs)]):
            np.testing.assert_array_equal(a, b, err_msg=f"{name} [{case.label}]: an input was modified")


@pytest.mark.parametrize("name", CHECKED + FORWARD_ONLY)
def test_golden_round_trip(name, tmp_path):
    manifest = write_golden(tmp_path / "g", ops=[name])
    assert manifest["cases"] and all(c["op"] == name for c in manifest["cases"])
    results = verify_golden(tmp_path / "g", ReferenceImpl(), ops=[name])
    assert results and all(r["status"] == "pass" for r in results), results


@pytest.mark.parametrize("name", FORWARD_ONLY)
@settings(max_examples=10)
@given(data=st.data())
def test_forward_only_ops_run_deterministically_on_live_draws(name, data):
    op = OPS[name]
    inputs, attrs = data.draw(op.live)
    snapshot = {k: np.array(v, copy=True) for k, v in inputs.items()}
    first, second = op.forward(inputs, attrs), op.forward(inputs, attrs)
    assert first and set(first) == set(second)
    for k in first:
        np.testing.assert_array_equal(first[k], second[k])
    for k, v in inputs.items():
        np.testing.assert_array_equal(v, snapshot[k], err_msg=f"{name}: input {k} modified")


@pytest.mark.parametrize("name", CHECKED + FORWARD_ONLY)
def test_every_op_can_be_verified_live(name):
    from reference.verify.examples import numpy_ports
    from reference.verify.live import strategies, verify_live

    assert name in strategies()
    result = verify_live(numpy_ports.correct, name, max_examples=3)
    assert result.passed and result.examples == 3, result.failure


class _DoubledGradient:
    """A port of one op whose VJP is twice the reference's (a sum/mean or factor-2 slip)."""

    def __init__(self, op):
        self.ops, self._ref = (op,), ReferenceImpl()

    def forward(self, op, inputs, attrs):
        return self._ref.forward(op, inputs, attrs)

    def vjp(self, op, inputs, attrs, cotangents):
        return {k: 2 * v for k, v in self._ref.vjp(op, inputs, attrs, cotangents).items()}


@pytest.mark.parametrize("name", ["mse", "straight_through", "onlstm_stack"])
def test_a_doubled_gradient_is_caught_live(name):
    from reference.verify.live import verify_live

    r = verify_live(_DoubledGradient(name), name, max_examples=10, impl_spec="port:impl")
    assert not r.passed and "vjp" in r.failure
    assert "importlib" in r.reproduction or name != "straight_through"   # function attributes are importable
    compile(r.reproduction, "<reproduction>", "exec")                      # and the snippet is valid Python


@pytest.mark.parametrize("name", CHECKED + FORWARD_ONLY)
def test_the_signature_matches_what_the_golden_files_hold(name):
    from reference.verify.catalogue import signature, signature_text
    from reference.verify.golden import FROZEN_DIR, load_manifest

    sig = signature(name)
    first = next(c for c in load_manifest(FROZEN_DIR)["cases"] if c["op"] == name)
    assert [r["name"] for r in sig["inputs"]] == first["inputs"]
    assert [r["name"] for r in sig["outputs"]] == first["outputs"]
    assert set(sig["attributes"]) == set(OPS[name].attributes)
    if OPS[name].differentiable:
        assert {r["name"] for r in sig["gradients"]} == set(first["differentiable"])
    assert signature_text(sig).startswith(name)


def test_the_signature_command(capsys):
    from reference import cli

    assert cli.main(["check", "--signature", "onlstm_layer"]) == 0
    out = capsys.readouterr().out
    assert "params.U" in out and "mask: None | array (3, 4)" in out and "out[2]" in out
    assert "master_input: 'paper' | 'article'" in out
    # each layout: what a port declaring it receives, and one gradient per foreign parameter
    assert "layout 'authors'" in out and "gradients x (4, 3, 2) float64, h0 (3, 6) float64, c0 (3, 6) float64, " \
        "params.cells.0.ih.0.weight (30, 2) float64, params.cells.0.ih.0.bias (30,) float64, " \
        "params.cells.0.hh.weight (30, 6) float64, params.cells.0.hh.bias (30,) float64" in out
    assert cli.main(["check", "--signature", "nosuch"]) == 2


def test_every_golden_case_of_every_op_fails_for_a_port_off_by_a_little():
    # the companion of the reference passing its own golden files and live draws: the same checks fail
    from reference.verify.golden import FROZEN_DIR, verify_golden

    from reference.verify.examples.numpy_ports import off_by_a_little

    results = verify_golden(FROZEN_DIR, off_by_a_little)
    assert {r["op"] for r in results} == set(OPS)
    assert [r["id"] for r in results if r["status"] != "mismatch"] == []
