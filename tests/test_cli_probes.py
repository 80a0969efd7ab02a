"""What a user can type or point the CLI at never gives a traceback: exit 2 and one line naming the problem.

The table is the probe list: arguments (with {tmp}, {file}, {dir}, {npz} for planted paths), the
exit code, and words the one-line message must contain. Every probe stops before long work
starts, so the whole table runs in seconds.
"""
import os
import subprocess
import sys

import numpy as np
import pytest

from reference import __version__, cli
from reference.onlstm.lm import LMParams, save_lm

PROBES = [
    # outputs checked before the work starts
    ("golden --out {file}/sub", 2, "is a file, not a folder"),
    ("golden --out {file}", 2, "is a file; expected a folder"),
    ("golden --out {tmp}/missing/deeper", 2, "does not exist"),
    ("golden --out ''", 2, "empty"),
    ("golden --out {dir} --op sigmoid", 2, "did not write"),
    ("golden --out {tmp}/g --op nosuch", 2, "unknown op 'nosuch'"),
    ("demo parse --save {tmp}/missing/lm.npz", 2, "--save: the folder"),
    ("demo parse --save {dir}", 2, "is a folder"),
    ("demo parse --save {tmp}/lm.txt", 2, "ending in .npz"),
    ("demo parse --save {file}/lm.npz", 2, "is a file, not a folder"),
    ("demo parse --epochs 0", 2, "--epochs"),
    ("demo vq --codes 100000000", 2, "--codes: expected at most"),
    ("demo vq --steps -3", 2, "--steps"),
    ("puzzle ellipse --mesh {tmp}/solid.txt", 2, "--mesh: expected a file name ending in .obj or .stl"),
    ("puzzle ellipse --mesh {tmp}/missing/solid.stl", 2, "--mesh: the folder"),
    ("puzzle ellipse --mesh {dir}", 2, "is a folder"),
    ("puzzle ellipse --plot {tmp}/solid.gif", 2, "--plot: expected a file name ending in .png"),
    ("puzzle ellipse --plot {tmp}/missing/solid.png", 2, "--plot: the folder"),
    # numbers out of range
    ("puzzle ellipse --a 1e300", 2, "a: expected a semi-axis in"),
    ("puzzle ellipse --a 2 --b 1e-300", 2, "b: expected a semi-axis in"),
    ("puzzle ellipse --a nan", 2, "argument --a: expected a finite number, got nan"),
    ("puzzle ellipse --a -1", 2, "a: expected a finite positive"),
    ("puzzle ellipse --a 1 --b 1e-6", 2, "outside what this exploration computes soundly"),
    ("puzzle ellipse --dps 100000", 2, "--dps: expected 15 to 100"),
    ("puzzle ellipse --dps 3", 2, "--dps"),
    ("puzzle ellipse --mesh-resolution 0", 2, "--mesh-resolution"),
    # sizes that cannot be allocated say how much they need
    ("bench lstm --hidden 1000000 --no-torch", 2, "need about"),
    ("bench onlstm --hidden 1000 --chunk-size 7", 2, "--chunk-size: expected a divisor"),
    ("bench vq --size 100000000 1000 1000", 2, "need about"),
    ("bench vq --size 0 4 4", 2, "--size N"),
    ("bench lstm --repeat 0", 2, "--repeat"),
    # model files
    ("parse --model {tmp}/missing.npz a", 2, "no such file"),
    ("parse --model {file} a", 2, "not a readable .npz"),
    ("parse --model {npz} a", 2, "no array 'layer0.U'"),
    ("parse --model {dir} a", 2, "is a folder; expected a file"),
    # the conformance kit
    ("verify --golden {file} --impl reference", 2, "is a file"),
    ("verify --golden {tmp}/missing --impl reference", 2, "does not exist"),
    ("verify --golden {dir} --impl reference", 2, "no manifest"),
    ("verify lstm_layer --impl nosuchmodule:impl", 2, "cannot import module 'nosuchmodule'"),
    ("verify lstm_layer --impl refspace_probe_raises:impl", 2, "RuntimeError: planted failure at import"),
    ("verify lstm_layer --impl refspace_probe_exits:impl", 2, "called sys.exit(3)"),
    ("verify lstm_layer --impl reference.verify.examples.numpy_ports:nothing", 2, "has no attribute 'nothing'"),
    ("verify lstm_layer --impl reference:__version__", 2, "must have 'ops'"),
    ("verify lstm_layer --impl no-colon", 2, "expected 'module:attribute'"),
    ("verify nosuch_op --impl reference", 2, "no live strategy"),
    ("verify --impl reference", 2, "give either an OP"),
    ("verify lstm_layer --impl reference --max-examples 0", 2, "--max-examples"),
    ("check --op nosuch", 2, "unknown op 'nosuch'"),
    ("verify softmax --impl reference --rtol -1", 2, "argument --rtol: expected a finite number >= 0"),
    ("verify softmax --impl reference --atol nan", 2, "argument --atol: expected a finite number >= 0"),
    ("verify softmax --impl reference --rtol big", 2, "argument --rtol: expected a number"),
    ("verify softmax --impl reference --seed -2", 2, "argument --seed: expected a non-negative integer"),
    ("parse --model {lm} --layer 0 a", 2, "--layer: expected 1 to"),
    ("words {tmp}/nothing.txt", 2, "nothing.txt: no such file"),
    ("words {dir}", 2, "is a folder; expected a UTF-8 text file"),
    ("words {npz}", 2, "not valid UTF-8 at byte"),
    ("words {file} --out {dir}", 2, "--out: "),
    ("words {file} --out {tmp}/missing/lex.txt", 2, "--out: the folder"),
    ("words {file} --min-count 0", 2, "--min-count"),
    ("words {file} --order 3 --thresholds 2,4,6", 2, "--thresholds: expected 2 values"),
    ("words {file} --thresholds a,b", 2, "argument --thresholds: expected comma-separated numbers"),
    ("words {file} --order 20", 2, "more than 64"),
    # argparse's own errors: one line too, pointing at --help
    ("frobnicate", 2, "invalid choice"),
    ("bench lstm --hidden many", 2, "invalid int value"),
    ("check --seed -1", 2, "argument --seed: expected a non-negative integer, got -1"),
    ("golden --out {tmp}/g --seed x", 2, "argument --seed: expected a non-negative integer"),
    ("demo vq --seed -5", 2, "argument --seed"),
    ("bench lstm --dtype float16", 2, "invalid choice: 'float16'"),
    ("verify", 2, "the following arguments are required: --impl"),
]


@pytest.fixture
def planted(tmp_path, monkeypatch):
    (tmp_path / "file.txt").write_text("not what was expected")
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "notes.txt").write_text("someone's notes")
    np.savez(tmp_path / "partial.npz", embedding=np.zeros((2, 3)), W_out=np.zeros((3, 2)), b_out=np.zeros(2),
             vocab=np.array(["a", "b"]), master_input=np.array("paper"), **{"layer0.W": np.zeros((3, 10))})
    lm = LMParams.init(4, (3, 4), 2, np.random.default_rng(0))
    save_lm(tmp_path / "lm.npz", lm, ["<eos>", "a", "b", "c"])
    (tmp_path / "refspace_probe_raises.py").write_text("raise RuntimeError('planted failure at import')\n")
    (tmp_path / "refspace_probe_exits.py").write_text("import sys\nsys.exit(3)\n")
    monkeypatch.chdir(tmp_path)                      # --impl modules are found in the current folder
    return {"tmp": str(tmp_path), "file": str(tmp_path / "file.txt"), "dir": str(tmp_path / "folder"),
            "npz": str(tmp_path / "partial.npz"), "lm": str(tmp_path / "lm.npz")}


def _argv(text, paths):
    import shlex

    return [a.format(**paths) for a in shlex.split(text)]


@pytest.mark.parametrize("command, code, words", PROBES, ids=[p[0] for p in PROBES])
def test_probe(planted, capsys, command, code, words):
    try:
        got = cli.main(_argv(command, planted))
    except SystemExit as exc:                         # argparse exits itself
        got = exc.code
    err = capsys.readouterr().err.strip()
    assert got == code, err
    assert words in err, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    left = set(os.listdir(planted["tmp"])) - {"__pycache__"}
    assert left == {"file.txt", "folder", "partial.npz", "lm.npz", "refspace_probe_raises.py",
                    "refspace_probe_exits.py"}
    assert os.listdir(planted["dir"]) == ["notes.txt"]  # nothing written, nothing half-written


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0 and capsys.readouterr().out.strip() == f"refspace {__version__}"


def test_impl_modules_are_found_in_the_current_folder_by_the_console_script(tmp_path):
    # the port lives beside the user, not on sys.path: `refspace verify` finds it as `python -m` would
    (tmp_path / "myport.py").write_text("from reference.verify.examples.numpy_ports import correct as impl\n")
    script = os.path.join(os.path.dirname(sys.executable), "refspace")
    if not os.path.exists(script):
        pytest.skip("the refspace console script is not installed beside this Python")
    done = subprocess.run([script, "verify", "softmax", "--impl", "myport:impl", "--max-examples", "5"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "verdict: pass" in done.stdout
    assert not (tmp_path / ".hypothesis").exists()       # verify leaves nothing in the user's folder


def test_a_missing_optional_extra_is_exit_2_naming_it_not_a_mismatch(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "torch", None)   # `import torch` now fails as if it were not installed
    code = cli.main(["verify", "lstm_layer", "--impl", "reference.verify.examples.torch_ports:torch_lstm",
                     "--max-examples", "3"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert 'pip install "refspace[torch]"' in err and "cpu" in err and "MISMATCH" not in err
    gold = os.path.join(os.path.dirname(cli.__file__), "verify", "golden_data")
    code = cli.main(["verify", "--golden", gold, "--impl", "reference.verify.examples.torch_ports:torch_lstm"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and 'refspace[torch]' in err


def test_a_missing_matplotlib_names_the_plot_extra(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    code = cli.main(["puzzle", "ellipse", "--plot", str(tmp_path / "s.png"), "--no-table"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and 'pip install "refspace[plot]"' in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("error, code, words", [
    (MemoryError("Unable to allocate 3.7 TiB for an array with shape (1000000, 1000000)"), 2, "not enough memory"),
    (OSError(28, "No space left on device", "/tmp/out.npz"), 2, "/tmp/out.npz: No space left on device"),
    (KeyError("planted"), 3, "internal error, a bug in refspace: KeyError"),
])
def test_out_of_memory_file_system_and_internal_errors_are_one_line(monkeypatch, capsys, error, code, words):
    def fail(*a, **k):
        raise error

    monkeypatch.setattr("reference.core.registry.run_checks", fail)
    assert cli.main(["check"]) == code
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and words in err, err
    if code == 3:
        assert "REFSPACE_TRACEBACK=1" in err


def test_ellipse_json_is_strict_json_with_null_for_non_finite(capsys):
    import json

    from puzzles.ellipse.command import json_safe

    assert json_safe({"a": [1.0, float("nan")], "b": (float("-inf"), 2), "c": "x"}) == \
        {"a": [1.0, None], "b": [None, 2], "c": "x"}
    assert cli.main(["puzzle", "ellipse", "--no-table", "--json"]) == 0

    def refuse(constant):
        raise AssertionError(f"non-standard JSON constant {constant}")

    data = json.loads(capsys.readouterr().out, parse_constant=refuse)
    assert data["ellipse"]["a"] == 2.0


def test_an_unwritable_folder_is_refused_before_any_work(monkeypatch, tmp_path, capsys):
    # root may write anywhere, so the refusal is planted where the check asks the file system
    from reference.core import files

    def denied(*a, **k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(files.tempfile, "mkstemp", denied)
    for argv in (["demo", "parse", "--save", str(tmp_path / "lm.npz")],
                 ["golden", "--out", str(tmp_path / "g")],
                 ["puzzle", "ellipse", "--mesh", str(tmp_path / "s.stl")]):
        assert cli.main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "cannot write in" in err and "Permission denied" in err
