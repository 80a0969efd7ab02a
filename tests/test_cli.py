"""The refspace command: exit codes, output, JSON, errors as one line."""
import json
import subprocess
import sys

import pytest
from hypothesis import strategies as st

from reference import cli
from reference.core import registry
from reference.ops.activations import tanh_backward, tanh_forward


def test_check_passes_and_prints_one_row_per_registered_op(check_output):
    code, out = check_output
    assert code == 0
    for op in registry.checked_ops():
        assert any(line.split()[:1] == [op.name] and line.endswith("pass") for line in out.splitlines())
    assert "all passed" in out


def test_check_json_and_op_filter(capsys):
    assert cli.main(["check", "--op", "softmax", "--op", "lstm_cell", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["passed"] is True and {o["op"] for o in data["ops"]} == {"softmax", "lstm_cell"}
    assert all(o["worst_rel_error"] < 1e-6 and o["cases"] >= 1 for o in data["ops"])


@pytest.fixture
def broken_op():
    def make(rng, shape):
        return (rng.standard_normal(shape),), {}

    registry.register("broken_tanh", "planted wrong backward", source="a test", inputs=("x",), forward=tanh_forward,
                      backward=lambda dy, c: 2 * tanh_backward(dy, c), edges=(dict(shape=(2, 3)),),
                      sizes=st.just(dict(shape=(2, 3))), label=lambda s: "2x3")(make)
    yield "broken_tanh"
    registry.unregister("broken_tanh")


def test_check_exits_1_and_shows_the_report_when_an_op_fails(capsys, broken_op):
    assert cli.main(["check", "--op", broken_op]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "broken_tanh [2x3]" in out and "analytic" in out


def test_unknown_op_is_a_usage_error_on_one_line(capsys):
    assert cli.main(["check", "--op", "nope"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "unknown op 'nope'" in err


def test_check_list_has_one_row_per_registered_op_in_order(capsys):
    from reference.core.registry import registered_ops

    assert cli.main(["check", "--list"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    names = [op.name for op in registered_ops()]
    first = [line.split()[0] for line in lines[1:] if line.strip()]
    assert first == names                             # the header, then every op once, as registered


def test_bench_lstm_small_json(capsys):
    assert cli.main(["bench", "lstm", "--batch", "2", "--steps", "3", "--input-size", "4", "--hidden", "5",
                     "--repeat", "1", "--no-torch", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in data["rows"]] == ["refspace", "bare GEMMs"]
    assert data["sizes"] == {"B": 2, "T": 3, "I": 4, "H": 5, "dtype": "float32"}


def test_bench_onlstm_small_and_chunk_size_errors(capsys):
    assert cli.main(["bench", "onlstm", "--batch", "2", "--steps", "3", "--input-size", "4", "--hidden", "6",
                     "--chunk-size", "3", "--repeat", "1", "--no-torch", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["sizes"]["chunk_size"] == 3 and data["rows"][1]["name"] == "bare GEMMs"
    assert cli.main(["bench", "onlstm", "--hidden", "10", "--chunk-size", "4"]) == 2
    assert "--chunk-size: expected a divisor of --hidden 10, got 4" in capsys.readouterr().err


def test_bench_rejects_non_positive_sizes(capsys):
    assert cli.main(["bench", "lstm", "--hidden", "0"]) == 2
    assert "--hidden: expected a positive integer, got 0" in capsys.readouterr().err


def test_python_dash_m_reference_runs_the_same_cli():
    done = subprocess.run([sys.executable, "-m", "reference", "check", "--op", "affine"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "affine" in done.stdout
    done = subprocess.run([sys.executable, "-m", "reference", "check", "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "examples:" in done.stdout
    done = subprocess.run([sys.executable, "-m", "reference", "frobnicate"], capture_output=True, text=True)
    assert done.returncode == 2
