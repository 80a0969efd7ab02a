"""Ways a wrong or misbehaving port could make the kit say "pass", end it, or hang it: each probe of
issue 27 (items 1 and 2) as one row. A row plants a port (the source below, imported by
``refspace verify`` from the current folder as a user's would be), runs the command in-process,
and states the exit status and the words the report must contain.

The expectations are independent of the kit: each planted port is wrong by construction (a VJP
1.5 times too large, an input zeroed in place, a sleep past the time-out), or right by
construction (the reference itself), so the row says what a truthful verdict is.
"""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from reference import cli
from reference.verify.compare import compare
from reference.verify.convention import ReferenceImpl

PORTS = textwrap.dedent('''
    import os, signal, sys, time
    import numpy as np
    from reference.verify.examples.numpy_ports import Port

    class Scaled(Port):                 # the VJP 1.5 times too large: wrong
        def vjp(self, op, inputs, attrs, cot):
            return {k: 1.5 * v for k, v in super().vjp(op, inputs, attrs, cot).items()}

    class Exits(Port):
        def forward(self, op, inputs, attrs):
            sys.exit(0)

    class OwnInterrupt(Port):
        def forward(self, op, inputs, attrs):
            raise KeyboardInterrupt

    class Raises(Port):
        def forward(self, op, inputs, attrs):
            raise ValueError("planted port failure")

    class ZeroesInputs(Port):           # right values, computed before it zeroes what it was given
        def forward(self, op, inputs, attrs):
            out = super().forward(op, inputs, attrs)
            for v in inputs.values():
                v[...] = 0
            return out

    class ZeroesCotangents(Port):
        def vjp(self, op, inputs, attrs, cot):
            grads = super().vjp(op, inputs, attrs, cot)
            for v in cot.values():
                v[...] = 0
            return grads

    class Sleeps(Port):
        def forward(self, op, inputs, attrs):
            time.sleep(30)

    class Swallows(Port):               # even `except Exception` around a sleep does not outlast the timer
        def forward(self, op, inputs, attrs):
            try:
                time.sleep(30)
            except Exception:
                pass

    class Prints(Port):
        def forward(self, op, inputs, attrs):
            print("port chatter on stdout")
            os.write(1, b"and on file descriptor 1\\n")
            return super().forward(op, inputs, attrs)

    class Extra(Port):                  # an output the op does not define
        def forward(self, op, inputs, attrs):
            return {**super().forward(op, inputs, attrs), "debug": np.zeros(3, np.float16)}

    class Loosener(Port):               # 0.5% off in float32, plus an unrelated float16 array
        def forward(self, op, inputs, attrs):
            out = super().forward(op, inputs, attrs)
            return {**{k: (v * 1.005).astype(np.float32) for k, v in out.items()}}

    class SupportsRaises(Port):
        def supports(self, op, attrs):
            raise RuntimeError("planted supports failure")

    class DeclinesAll(Port):
        def supports(self, op, attrs):
            return False

    class BadTolerances(Port):
        tolerances = {"softmax": {"rtol": 1e300}}

    class NaNTolerances(Port):
        tolerances = {"softmax": {"atol": float("nan")}}

    scaled = Scaled(ops=("masked_softmax", "softmax"))
    exits = Exits(ops=("softmax",))
    own_interrupt = OwnInterrupt(ops=("softmax",))
    raises = Raises(ops=("softmax",))
    zeroes_inputs = ZeroesInputs(ops=("softmax",))
    zeroes_cotangents = ZeroesCotangents(ops=("softmax",))
    sleeps = Sleeps(ops=("softmax",))
    swallows = Swallows(ops=("softmax",))
    prints = Prints(ops=("softmax",))
    extra = Extra(ops=("softmax",))
    loosener = Loosener(ops=("softmax",))
    string_ops = Port(ops=("masked_softmax",)); string_ops.ops = "masked_softmax"
    supports_raises = SupportsRaises(ops=("softmax",))
    declines_all = DeclinesAll(ops=("softmax",))
    bad_tolerances = BadTolerances(ops=("softmax",))
    nan_tolerances = NaNTolerances(ops=("softmax",))
    slow = Port(ops=("softmax",))
    _fwd = slow.forward
    slow.forward = lambda *a: (time.sleep(0.02), _fwd(*a))[1]
''')

# (arguments after `refspace verify`, exit status, words in stdout+stderr)
PROBES = [
    ("masked_softmax --impl probe_ports:scaled --atol 0", 1, "MISMATCH"),
    ("masked_softmax --impl probe_ports:scaled --atol 0 --rtol 0", 1, "MISMATCH"),
    ("softmax --impl probe_ports:exits", 1, "forward called sys.exit(0)"),
    ("softmax --impl probe_ports:own_interrupt", 1, "forward raised KeyboardInterrupt"),
    ("softmax --impl probe_ports:raises", 1, "planted port failure"),
    ("softmax --impl probe_ports:raises", 1, "the port's traceback:"),
    ("softmax --impl probe_ports:zeroes_inputs", 1, "forward modified its input 'x' in place"),
    ("softmax --impl probe_ports:zeroes_cotangents", 1, "vjp modified its cotangent 'out' in place"),
    ("softmax --impl probe_ports:sleeps --timeout 0.5", 1, "did not return within 0.5 s"),
    ("softmax --impl probe_ports:swallows --timeout 0.5", 1, "did not return within 0.5 s"),
    ("softmax --impl probe_ports:sleeps --timeout 0.5", 1, "not shrunk"),
    ("softmax --impl probe_ports:extra", 1, "output 'debug' is not one this op defines"),
    ("softmax --impl probe_ports:loosener", 1, "MISMATCH"),
    ("softmax --impl probe_ports:string_ops", 2, "'ops' must be a list of op names"),
    ("softmax --impl probe_ports:supports_raises", 1, "supports() raised RuntimeError: planted supports failure"),
    ("softmax --impl probe_ports:declines_all", 1, "nothing compared: supports() (or the declared layout) declined all"),
    ("softmax --impl probe_ports:bad_tolerances", 2, "tolerances['softmax'].rtol: expected a finite number >= 0"),
    ("softmax --impl probe_ports:nan_tolerances", 2, "tolerances['softmax'].atol: expected a finite number >= 0"),
    ("softmax --impl reference --atol 1e300", 2, "argument --atol: expected a finite number >= 0 and <= 0.1"),
    ("softmax --impl reference --rtol 0.5", 2, "argument --rtol: expected a finite number >= 0 and <= 0.1"),
    ("softmax --impl reference --timeout -1", 2, "argument --timeout"),
    ("--golden {gold} --impl probe_ports:sleeps --timeout 0.5 --only softmax", 1, "not run, the port failed fatally"),
    ("--golden {gold} --impl probe_ports:exits --only softmax", 1, "forward called sys.exit(0)"),
    ("--golden {gold} --impl probe_ports:zeroes_inputs --only softmax", 1, "modified its input 'x'"),
    ("--golden {gold} --impl probe_ports:supports_raises --only softmax", 1, "planted supports failure"),
]


@pytest.fixture
def ports(tmp_path, monkeypatch):
    (tmp_path / "probe_ports.py").write_text(PORTS)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("probe_ports", None)
    gold = os.path.join(os.path.dirname(cli.__file__), "verify", "golden_data")
    yield {"gold": gold}
    sys.modules.pop("probe_ports", None)


@pytest.mark.parametrize("args, code, words", PROBES, ids=[p[0].split(" --impl ")[1] + " " + p[0].split()[0]
                                                          for p in PROBES])
def test_probe(ports, capfd, args, code, words):
    argv = ["verify"] + [a.format(**ports) for a in args.split()] + ["--max-examples", "20"]
    try:
        got = cli.main(argv)
    except SystemExit as exc:       # argparse exits itself
        got = exc.code
    out, err = capfd.readouterr()
    assert got == code, out + err
    assert words in out + err, out + err
    assert "Traceback" not in err and "internal error" not in err, err


def test_port_output_goes_to_stderr_so_json_stays_valid(ports, capfd):
    assert cli.main(["verify", "softmax", "--impl", "probe_ports:prints", "--max-examples", "5", "--json"]) == 0
    out, err = capfd.readouterr()
    assert json.loads(out)["passed"] is True
    assert "port chatter on stdout" in err and "and on file descriptor 1" in err


# --- the comparison itself -------------------------------------------------------------------

def test_a_nan_error_ratio_is_a_failure():
    # entry 0: 0 error over 0 tolerance (0/0); entry 1: 0.5 over 1e-7, far outside
    c = compare({"g": np.array([0.0, 1.0])}, {"g": np.array([0.0, 1.5])}, rtol=1e-7, atol=0)
    assert not c.passed and c.worst[1] == (1,)
    assert compare({"g": np.array([0.0, 1.0])}, {"g": np.array([0.0, 1.0])}, rtol=1e-7, atol=0).passed


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_non_finite_expected_value_is_not_comparable(bad):
    ref = {"out": np.array([1.0, bad, 3.0])}
    for got in (np.array([1.0, 2.0, 3.0]), np.array([1.0, bad, 3.0])):
        c = compare(ref, {"out": got})
        assert not c.passed and "out'[1]" in c.describe() and "does not define" in c.describe()


def test_documented_non_finite_values_must_match_position_and_value():
    ref = {"out": np.array([-np.inf, 2.0])}
    assert compare(ref, {"out": np.array([-np.inf, 2.0])}, nonfinite=("out",)).passed
    for wrong in ([np.nan, 2.0], [np.inf, 2.0], [-1e308, 2.0], [-np.inf, np.nan]):
        assert not compare(ref, {"out": np.array(wrong)}, nonfinite=("out",)).passed


def test_the_reference_passes_itself_on_an_empty_masked_logsumexp_row():
    from reference.verify.example import check_example

    x = np.random.default_rng(0).standard_normal((3, 4, 2))
    mask = np.ones((3, 4, 1))
    mask[2] = 0                                   # an empty row: -inf, documented
    attrs = {"mask": mask, "axis": 1}
    ref = ReferenceImpl()
    expected = ref.forward("masked_logsumexp", {"x": x}, attrs)
    assert np.isneginf(expected["out"][2]).all() and np.isfinite(expected["out"][:2]).all()
    assert check_example(ref, "masked_logsumexp", {"x": x}, attrs, expected).passed

    class FiniteThere:                            # a port giving a large finite value instead
        ops = ("masked_logsumexp",)

        def forward(self, op, inputs, attrs):
            out = ref.forward(op, inputs, attrs)
            return {"out": np.where(np.isinf(out["out"]), -1e300, out["out"])}

    assert not check_example(FiniteThere(), "masked_logsumexp", {"x": x}, attrs, expected).passed


@pytest.mark.parametrize("rtol, atol, words", [
    (np.nan, None, "rtol: expected a finite number"), (-1, None, "rtol: expected a finite number >= 0"),
    (0.5, None, "<= 0.1"), (None, 1e300, "atol: expected a finite number >= 0 and <= 0.1"),
    (None, np.inf, "atol"), ("1e-3", None, "rtol: expected a number"),
])
def test_tolerances_are_validated_in_the_api(rtol, atol, words):
    from reference.verify.examples.numpy_ports import correct
    from reference.verify.golden import FROZEN_DIR, verify_golden
    from reference.verify.live import verify_live

    with pytest.raises((ValueError, TypeError), match=words.replace("(", r"\(")):
        compare({"out": np.ones(2)}, {"out": np.ones(2)}, rtol=rtol, atol=atol)
    with pytest.raises((ValueError, TypeError), match=words):
        verify_live(correct, "softmax", rtol=rtol, atol=atol, max_examples=2)
    with pytest.raises((ValueError, TypeError), match=words):
        verify_golden(FROZEN_DIR, correct, rtol=rtol, atol=atol, ops=("softmax",))


def test_a_manifest_tolerance_beyond_the_cap_is_refused(tmp_path):
    import shutil

    from reference.verify.examples.numpy_ports import correct
    from reference.verify.golden import FROZEN_DIR, verify_golden

    gold = tmp_path / "g"
    shutil.copytree(FROZEN_DIR, gold)
    manifest = json.loads((gold / "manifest.json").read_text())
    manifest["cases"][0]["tolerances"]["rtol"] = 1e300
    (gold / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match=r"tolerances.rtol: expected a finite number >= 0 and <= 0.1"):
        verify_golden(gold, correct)


def test_a_nan_in_an_expected_golden_array_fails_the_right_port(tmp_path):
    import shutil

    from reference.verify.examples.numpy_ports import correct
    from reference.verify.golden import FROZEN_DIR, content_hash, verify_golden
    from reference.core.npzio import load_npz, save_npz

    gold = tmp_path / "g"
    shutil.copytree(FROZEN_DIR, gold)
    manifest = json.loads((gold / "manifest.json").read_text())
    entry = next(e for e in manifest["cases"] if e["op"] == "softmax")
    arrays = load_npz(gold / entry["file"])
    arrays["output.out"] = arrays["output.out"].copy()
    arrays["output.out"].flat[0] = np.nan         # the hash is recomputed: a crafted, consistent folder
    save_npz(gold / entry["file"], arrays)
    entry["sha256"] = content_hash(arrays)
    (gold / "manifest.json").write_text(json.dumps(manifest))
    result = next(r for r in verify_golden(gold, correct, ops=("softmax",)) if r["id"] == entry["id"])
    assert result["status"] == "mismatch" and "does not define" in result["detail"]


def test_the_pytest_plugin_refuses_bad_tolerances(tmp_path):
    for option in ("--refspace-rtol=nan", "--refspace-rtol=-1", "--refspace-atol=1e300"):
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--pyargs",
                               "reference.verify.conformance_tests", "--refspace-impl",
                               "reference.verify.examples.numpy_ports:correct", option, "-k", "softmax"],
                              cwd=tmp_path, capture_output=True, text=True, timeout=600)
        assert done.returncode == 4, done.stdout + done.stderr
        assert "expected a finite number >= 0" in done.stdout + done.stderr


# --- Ctrl-C ----------------------------------------------------------------------------------

def _refspace():
    script = os.path.join(os.path.dirname(sys.executable), "refspace")
    if not os.path.exists(script):
        pytest.skip("the refspace console script is not installed beside this Python")
    return script


@pytest.mark.parametrize("delay", [0.05, 1.5, 3.0, 4.5])
def test_ctrl_c_always_exits_130(tmp_path, delay):
    # at start-up (imports), while the port runs, and inside hypothesis between calls
    (tmp_path / "probe_ports.py").write_text(PORTS)
    p = subprocess.Popen([_refspace(), "verify", "softmax", "--impl", "probe_ports:slow", "--max-examples",
                          "100000", "--seed", "3"], cwd=tmp_path, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    time.sleep(delay)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 130, (out, err)
    assert "Traceback" not in err and "interrupted" in err
