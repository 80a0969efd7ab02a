"""Tolerances follow the port's precision: a correct float32 port passes every op; overrides work."""
import os

import numpy as np
import pytest

from reference import cli
from reference.core.registry import registered_ops
from reference.verify.compare import DTYPE_TOLERANCES, compare
from reference.verify.examples import numpy_ports
from reference.verify.golden import FROZEN_DIR, verify_golden
from reference.verify.live import verify_live

OPS = [op.name for op in registered_ops()]


def test_each_array_is_compared_at_the_tolerance_of_its_own_dtype():
    ref = {"a": np.ones(3), "b": np.ones(3)}
    off = 1 + 5e-3                                   # 0.5% off: within float16's 1e-2, far outside float32's
    c = compare(ref, {"a": np.full(3, off, np.float32), "b": np.ones(3, np.float16)})
    assert not c.passed and c.worst[0] == "a"        # an unrelated float16 array loosens nothing
    assert c.tolerances == {"a": (*DTYPE_TOLERANCES["float32"], "float32 outputs"),
                            "b": (*DTYPE_TOLERANCES["float16"], "float16 outputs")}
    assert compare(ref, {"a": np.full(3, off, np.float16), "b": np.ones(3, np.float16)}).passed
    given = compare(ref, {"a": np.ones(3, np.float32), "b": np.ones(3)}, rtol=1e-3)
    assert given.tolerances["a"] == (1e-3, DTYPE_TOLERANCES["float32"][1], "given")
    assert compare({"i": np.arange(2)}, {"i": np.arange(2)}).tolerance_text() == "integer outputs, compared exactly"


@pytest.mark.parametrize("op", OPS)
def test_a_correct_float32_port_passes_every_op_live(op):
    r = verify_live(numpy_ports.float32, op, max_examples=10)
    assert r.passed, r.failure
    assert "float32" in r.tolerance or "integer" in r.tolerance


def test_the_float64_tolerance_would_fail_a_correct_float32_port_and_overrides_apply():
    # what porters hit before: a correct float32 LSTM failed the fixed float64 tolerance
    strict = verify_live(numpy_ports.float32, "lstm_layer", max_examples=20, rtol=1e-7, atol=1e-9)
    assert not strict.passed and strict.tolerance.endswith("(given)")
    loose = verify_live(numpy_ports.correct, "lstm_layer", max_examples=5, rtol=1e-3, atol=1e-4)
    assert loose.passed and loose.tolerance == "rtol=0.001, atol=0.0001 (given)"


def test_a_port_may_set_its_own_tolerance_per_op():
    class Declared(numpy_ports.Float32):
        tolerances = {"lstm_layer": {"rtol": 1e-7, "atol": 1e-9}}

    assert not verify_live(Declared(), "lstm_layer", max_examples=20).passed
    assert verify_live(Declared(), "softmax", max_examples=5).passed


def test_golden_files_accept_a_correct_float32_port():
    results = verify_golden(FROZEN_DIR, numpy_ports.float32)
    boundary = {r["id"] for r in results if r["status"] == "skipped"}
    # cases on a rounding boundary hold it in float64 only: skipped, saying why
    assert boundary and all(r["detail"].startswith("rounding boundary") and r["op"] == "fsq"
                            for r in results if r["status"] == "skipped")
    assert all(r["status"] == "pass" for r in results if r["id"] not in boundary), \
        [r for r in results if r["status"] != "pass"]
    assert any("float32" in r["tolerance"] for r in results)


def test_the_command_prints_the_tolerance_and_takes_overrides(capsys):
    spec = "reference.verify.examples.numpy_ports:float32"
    assert cli.main(["verify", "softmax", "--impl", spec, "--max-examples", "5"]) == 0
    assert "tolerance: rtol=0.0001, atol=1e-05 (float32 outputs)" in capsys.readouterr().out
    assert cli.main(["verify", "lstm_layer", "--impl", spec, "--max-examples", "20", "--rtol", "1e-7",
                     "--atol", "1e-9"]) == 1
    capsys.readouterr()
    assert cli.main(["verify", "--golden", os.fspath(FROZEN_DIR), "--impl", spec, "--only", "softmax"]) == 0
    assert "float32 outputs" in capsys.readouterr().out


class _Recorder(numpy_ports.Port):
    """The correct port, recording the x it was given."""

    def __init__(self):
        super().__init__(ops=("softmax",))
        self.seen = []

    def forward(self, op, inputs, attrs):
        self.seen.append(np.asarray(inputs["x"]).tobytes())
        return super().forward(op, inputs, attrs)


def _examples(**kw):
    port = _Recorder()
    assert verify_live(port, "softmax", max_examples=15, **kw).passed
    return port.seen


def test_seeds_give_reproducible_and_different_searches():
    assert _examples() == _examples()                          # derandomized: the same every run
    assert _examples(seed=1) == _examples(seed=1)              # a seed reproduces its search
    assert _examples(seed=1) != _examples(seed=2) != _examples()
    with pytest.raises(ValueError, match="seed: expected a non-negative integer"):
        verify_live(numpy_ports.correct, "softmax", seed=-1)


def test_the_command_reports_its_search(capsys):
    assert cli.main(["verify", "softmax", "--impl", "reference", "--max-examples", "3", "--seed", "7"]) == 0
    assert "search: random, seed 7" in capsys.readouterr().out
    assert cli.main(["verify", "softmax", "--impl", "reference", "--max-examples", "3"]) == 0
    assert "search: derandomized" in capsys.readouterr().out


def test_the_reproduction_of_a_gradient_only_bug_runs_and_shows_the_vjps():
    import contextlib
    import io

    spec = "reference.verify.examples.numpy_ports:mean_as_sum"
    r = verify_live(numpy_ports.mean_as_sum, "vq_loss", max_examples=30, impl_spec=spec)
    assert not r.passed and "show_example(impl, 'vq_loss', inputs, attrs, cotangent_seed=" in r.reproduction
    namespace = {}
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        exec(r.reproduction, namespace)                       # runs as printed
    text = printed.getvalue()
    assert "gradients (cotangents from seed" in text and "verdict: MISMATCH" in text
    assert r.failure.split(" (")[0] in text                   # the same worst entry as the verifier's


class _Float32OffByALittle(numpy_ports.Float32):
    """The float32 port with each float output 1e-3 off (relative and absolute, beyond float32's
    tolerances) and each integer output off by one: the float32 tolerances must not let it pass."""

    def forward(self, op, inputs, attrs):
        out = super().forward(op, inputs, attrs)
        return {k: (v * np.float32(1 + 1e-3) + np.float32(1e-3) if np.issubdtype(np.asarray(v).dtype, np.floating)
                    else np.asarray(v) + 1) for k, v in out.items()}


def test_a_float32_port_off_by_a_little_fails_every_golden_case():
    results = verify_golden(FROZEN_DIR, _Float32OffByALittle())
    assert {r["op"] for r in results} == set(OPS)
    # (the cases on FSQ's rounding boundary are skipped for lower-precision ports, by design)
    skipped = [r for r in results if r["status"] == "skipped"]
    assert all("rounding boundary" in r["detail"] for r in skipped)
    assert [r["id"] for r in results if r["status"] not in ("mismatch", "skipped")] == []
