"""Every public forward/backward pair in the package is registered with `refspace check`."""
import functools
import importlib
import inspect
import pkgutil

from hypothesis import strategies as st

import reference
from reference.core.registry import checked_ops


def _all_forwards():
    found = set()
    for m in pkgutil.walk_packages(reference.__path__, "reference."):
        if m.name.endswith("__main__"):
            continue
        module = importlib.import_module(m.name)
        functions = dict(inspect.getmembers(module, inspect.isfunction))
        for name, fn in functions.items():
            # an op is a public *_forward with its *_backward beside it (README, "Adding an op")
            if (name.endswith("_forward") and not name.startswith("_") and fn.__module__ == m.name
                    and name[:-len("_forward")] + "_backward" in functions):
                found.add(fn)
    return found


def _unwrap(fn):
    while isinstance(fn, functools.partial):
        fn = fn.func
    return fn


def test_every_public_forward_has_registered_check_cases():
    import numpy as np

    registered = {_unwrap(case.forward) for op in checked_ops() for case in op.make_cases(np.random.default_rng(0))}
    missing = sorted(f"{f.__module__}.{f.__name__}" for f in _all_forwards() - registered)
    assert not missing, f"forwards without `refspace check` cases: {missing}"


def test_every_registered_op_has_cases_with_distinct_labels():
    import numpy as np

    for op in checked_ops():
        labels = [c.label for c in op.make_cases(np.random.default_rng(0))]
        assert labels and len(labels) == len(set(labels)), op.name


def test_every_cases_module_on_disk_is_discovered():
    import pathlib

    from reference.core import registry

    on_disk = {f"reference.{p.parent.name}.cases" for p in pathlib.Path(reference.__file__).parent.glob("*/cases.py")}
    assert len(on_disk) >= 8 and set(registry.discover()) == on_disk
    # and an op registered nowhere else than its area: the registry module declares none
    # (tests/test_architecture.py: the core imports no area)


def test_the_op_order_does_not_depend_on_what_was_imported_first():
    import subprocess
    import sys

    code = ("import {first}\nfrom reference.core.registry import registered_ops\n"
            "print(' '.join(op.name for op in registered_ops()))")
    orders = {subprocess.run([sys.executable, "-c", code.format(first=m)], capture_output=True, text=True,
                             timeout=300).stdout.strip()
              for m in ("reference.vq.cases", "reference.onlstm.cases", "reference.ops.cases")}
    assert len(orders) == 1 and len(orders.pop().split()) >= 21


def test_the_calling_signature_is_declared_and_enforced():
    import numpy as np
    import pytest

    from reference.core import registry
    from reference.ops.activations import tanh_backward, tanh_forward
    from reference.verify.convention import ReferenceImpl

    ops = {op.name: op for op in registry.registered_ops()}
    assert ops["onlstm_layer"].inputs == ("x", "params", "h0", "c0")
    assert ops["onlstm_layer"].attributes == ("mask", "weight_mask", "master_input")

    for bad, words in ((((np.ones((2, 3)), np.ones(3)), {}), "make returned 2 inputs"),
                       (((np.ones((2, 3)),), {"axis": 0}), "attribute 'axis' is not declared")):
        registry.register("zz_misdeclared", "a case that does not follow its declaration", source="a test",
                          inputs=("x",), forward=tanh_forward, backward=tanh_backward, edges=(dict(n=2),),
                          sizes=st.just(dict(n=2)))(
            lambda rng, n, bad=bad: bad)
        try:
            with pytest.raises(ValueError, match=words):
                registry.registered_ops()[-1].cases(np.random.default_rng(0))
        finally:
            registry.unregister("zz_misdeclared")
    with pytest.raises(ValueError, match="'master_inptu' is not an attribute of 'onlstm_cell'"):
        ReferenceImpl().forward("onlstm_cell", {}, {"master_inptu": "paper"})


def test_a_new_op_needs_only_its_kernel_its_spec_form_and_one_declaration(tmp_path, capsys):
    # "Adding an op" from scratch: y = x W + c (a kernel with a preallocated buffer), its spec form,
    # and a declaration stating neither inputs nor attributes; everything else follows
    import numpy as np

    from reference import cli
    from reference.core.registry import register, registered_ops, unregister
    from reference.verify.convention import ReferenceImpl
    from reference.verify.examples import numpy_ports
    from reference.verify.golden import verify_golden, write_golden
    from reference.verify.live import verify_live

    def toy_forward(x, W, *, c=0.5):
        out = np.empty((x.shape[0], W.shape[1]), dtype=x.dtype)
        np.matmul(x, W, out=out)
        out += c
        return out, (x, W)

    def toy_backward(dy, cache):
        x, W = cache
        return dy @ W.T, x.T @ dy

    def toy_spec(x, W, *, c=0.5):
        """y = x W + c."""
        return x @ W + c, (x, W)

    register("toy_affine_shift", "x W + c", source="a test", forward=toy_forward, backward=toy_backward,
             spec=(toy_spec, toy_backward), edges=(dict(n=3, i=2, o=4),),
             sizes=st.fixed_dictionaries({"n": st.integers(1, 3), "i": st.integers(1, 3), "o": st.integers(1, 3)}))(
        lambda rng, n, i, o: ((rng.standard_normal((n, i)), rng.standard_normal((i, o))), {"c": 0.25}))
    try:
        op = next(o for o in registered_ops() if o.name == "toy_affine_shift")
        assert (op.inputs, op.attributes) == (("x", "W"), ("c",))           # read from the forward's signature
        assert cli.main(["check", "--op", "toy_affine_shift"]) == 0
        assert cli.main(["check", "--spec", "--op", "toy_affine_shift"]) == 0
        capsys.readouterr()
        write_golden(str(tmp_path / "g"), ops=["toy_affine_shift"])
        assert [r["status"] for r in verify_golden(str(tmp_path / "g"), ReferenceImpl())] == ["pass"]
        port = numpy_ports.Port(ops=("toy_affine_shift",))
        assert verify_live(port, "toy_affine_shift", max_examples=5).passed
    finally:
        unregister("toy_affine_shift")


def test_one_registration_api_for_both_kinds_and_the_old_name_warns():
    import numpy as np
    import pytest

    from reference.core.registry import register, register_forward_only, registered_ops, unregister

    forward = lambda inputs, attrs: {"out": np.asarray(inputs["x"]) + 1}            # noqa: E731
    example = lambda rng: ({"x": rng.standard_normal(3)}, {})                       # noqa: E731
    assert register("toy_plus_one", "x + 1", source="a test", forward=forward, example=example, inputs=("x",),
                    forward_only=True, spec="kernel") is None
    try:
        op = next(o for o in registered_ops() if o.name == "toy_plus_one")
        assert not op.differentiable and op.inputs == ("x",) and op.spec == "kernel"
    finally:
        unregister("toy_plus_one")
    with pytest.warns(DeprecationWarning, match="register_forward_only is deprecated"):
        register_forward_only("toy_plus_one", "x + 1", source="a test", forward=forward, example=example,
                              inputs=("x",))
    unregister("toy_plus_one")
    with pytest.raises(TypeError, match="takes no backward"):
        register("toy_bad", "x", source="a test", forward=forward, backward=forward, example=example, inputs=("x",),
                 forward_only=True)
    with pytest.raises(TypeError, match="needs backward, edges and sizes"):
        register("toy_bad", "x", source="a test", forward=forward)
