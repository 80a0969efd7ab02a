"""Nothing the user had is lost, nothing is read unbounded, nothing a user can type is exit 3
(issue 27, items 4 and 5): each probe one row, run in-process against planted files.

A row is (arguments, exit status, words in the one-line message); the fixture plants the files
and the test checks afterwards that every planted file is still there, unchanged, and that no
temporary file was left beside them.
"""
import gzip
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from reference import cli
from reference.onlstm.lm import LMParams, save_lm
from reference.verify.golden import FROZEN_DIR

PROBES = [
    # golden --out writes only into an empty folder, a new one, or a golden set refspace wrote
    ("golden --out {models} --op softmax", 2, "holds 'model.npz', which this command did not write"),
    ("golden --out {golden_plus} --op softmax", 2, "holds 'notes.txt'"),
    ("golden --out {foreign_manifest} --op softmax", 2, "did not write"),
    # outputs never replace a FIFO (or a device) with a file
    ("words {text} --out {fifo}", 2, "not a regular file"),
    ("golden --out {fifo}", 2, "is a file; expected a folder"),
    # inputs must be regular files, bounded before reading
    ("parse --model {fifo} a", 2, "not a regular file"),
    ("parse --model {huge_header} a", 2, "declares shape"),
    ("parse --model {nan_lm} a", 2, "holds NaN"),
    ("verify --golden {zero_manifest} --impl reference", 2, "not a regular file"),
    ("verify --golden {fifo_manifest} --impl reference", 2, "not a regular file"),
    ("verify --golden {deep_manifest} --impl reference", 2, "nested too deeply"),
    ("verify --golden {escape_id} --impl reference", 2, "expected printable characters"),
    ("verify --golden {fifo_case} --impl reference --only softmax", 2, "not a regular file"),
    ("words {fifo}", 2, "not a regular file"),
    ("words {long_line}", 2, "line 1 is longer than"),
    # what a user can type
    ("bench conv --stride 99999999999999999999999", 2, "expected an integer of magnitude at most"),
    ("bench conv --stride 1" + "0" * 400, 2, "expected an integer of magnitude at most"),   # beyond any float
    ("demo gan --seeds 99999999999999999999999", 2, "--seeds: expected an integer"),
    ("demo vq --plot ''", 2, "argument --plot: expected a non-empty value"),
    ("demo parse --save ''", 2, "argument --save: expected a non-empty value"),
    ("puzzle ellipse --mesh ''", 2, "argument --mesh: expected a non-empty value"),
    ("words {text} --tmpdir ''", 2, "argument --tmpdir: expected a non-empty value"),
    ("words {text} --thresholds nan,nan,nan", 2, "expected finite numbers"),
    ("words {text} --min-entropy inf", 2, "expected a finite number"),
    ("check --signature ''", 2, "argument --signature: expected a non-empty value"),
    ("check --op ''", 2, "argument --op: expected a non-empty value"),
    ("demo score --eps nan", 2, "argument --eps: expected a finite number"),
]


def _fifo(path):
    os.mkfifo(path)
    return str(path)


@pytest.fixture
def planted(tmp_path, monkeypatch):
    p = {"tmp": str(tmp_path)}
    (tmp_path / "text.txt").write_text("四是四十是十\n" * 20, encoding="utf-8")
    p["text"] = str(tmp_path / "text.txt")
    p["fifo"] = _fifo(tmp_path / "pipe")
    models = tmp_path / "models"
    models.mkdir()
    np.savez(models / "model.npz", W=np.ones(3))
    p["models"] = str(models)
    golden_plus = tmp_path / "golden_plus"
    shutil.copytree(FROZEN_DIR, golden_plus)
    (golden_plus / "notes.txt").write_text("mine")
    p["golden_plus"] = str(golden_plus)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "manifest.json").write_text(json.dumps({"schema_version": 2, "cases": [], "generator": "other"}))
    (foreign / "data.npz").write_bytes(b"someone's")
    p["foreign_manifest"] = str(foreign)
    # an .npy header that claims 10^12 floats in a few bytes
    huge = tmp_path / "huge.npz"
    np.savez(huge, embedding=np.zeros(2))
    with open(tmp_path / "huge.npy", "wb") as fh:
        np.lib.format.write_array_header_1_0(fh, {"descr": "<f8", "fortran_order": False, "shape": (10**12,)})
        fh.write(b"\0" * 16)
    import zipfile
    with zipfile.ZipFile(huge, "w") as zf:
        zf.write(tmp_path / "huge.npy", "embedding.npy")
    os.unlink(tmp_path / "huge.npy")
    p["huge_header"] = str(huge)
    lm = LMParams.init(4, (3, 4), 2, np.random.default_rng(0))
    lm.embedding[0, 0] = np.nan
    save_lm(tmp_path / "nan_lm.npz", lm, ["<eos>", "a", "b", "c"])
    p["nan_lm"] = str(tmp_path / "nan_lm.npz")
    for name in ("zero_manifest", "fifo_manifest", "deep_manifest", "escape_id", "fifo_case"):
        (tmp_path / name).mkdir()
        p[name] = str(tmp_path / name)
    os.symlink("/dev/zero", tmp_path / "zero_manifest" / "manifest.json")
    _fifo(tmp_path / "fifo_manifest" / "manifest.json")
    (tmp_path / "deep_manifest" / "manifest.json").write_text("[" * 100_000 + "]" * 100_000)
    manifest = json.loads(open(os.path.join(FROZEN_DIR, "manifest.json")).read())
    shutil.copytree(FROZEN_DIR, tmp_path / "escape_id", dirs_exist_ok=True)
    bad = json.loads(json.dumps(manifest))
    bad["cases"][0]["id"] = "softmax/\x1b[2Jcleared"
    (tmp_path / "escape_id" / "manifest.json").write_text(json.dumps(bad))
    shutil.copytree(FROZEN_DIR, tmp_path / "fifo_case", dirs_exist_ok=True)
    entry = next(e for e in manifest["cases"] if e["op"] == "softmax")
    os.unlink(tmp_path / "fifo_case" / entry["file"])
    _fifo(tmp_path / "fifo_case" / entry["file"])
    with gzip.open(tmp_path / "long.txt.gz", "wb") as fh:
        fh.write(b"a" * (3 << 20))                 # one 3 MiB line, with the limit set to 1 MiB below
    p["long_line"] = str(tmp_path / "long.txt.gz")
    monkeypatch.setattr("reference.newwords.corpus.MAX_LINE_BYTES", 1 << 20)
    monkeypatch.chdir(tmp_path)
    before = _snapshot(tmp_path)
    yield p
    assert _snapshot(tmp_path) == before             # nothing lost, changed or left half-written


def _snapshot(root):
    out = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(folder, name)
            st = os.lstat(path)
            kind = stat.S_IFMT(st.st_mode)
            digest = open(path, "rb").read() if stat.S_ISREG(st.st_mode) else None
            out[os.path.relpath(path, root)] = (kind, digest)
    return out


@pytest.mark.parametrize("command, code, words", PROBES, ids=[p[0] for p in PROBES])
def test_probe(planted, capsys, command, code, words):
    import shlex

    argv = [a.format(**planted) for a in shlex.split(command)]
    try:
        got = cli.main(argv)
    except SystemExit as exc:
        got = exc.code
    err = capsys.readouterr().err.strip()
    assert got == code, err
    assert words in err, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err and "\x1b" not in err, err


def test_golden_replaces_a_set_it_wrote_and_keeps_other_folders(tmp_path, capsys):
    out = tmp_path / "g"
    assert cli.main(["golden", "--out", str(out), "--op", "softmax"]) == 0
    first = sorted(os.listdir(out))
    assert cli.main(["golden", "--out", str(out), "--op", "sigmoid"]) == 0     # its own set: replaced whole
    second = sorted(os.listdir(out))
    assert "manifest.json" in second and not set(first) - {"manifest.json"} & set(second)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli.main(["golden", "--out", str(empty), "--op", "softmax"]) == 0   # an empty folder is fine


def test_an_npz_that_inflates_past_the_cap_is_refused_before_reading(tmp_path):
    from reference.core.npzio import load_npz

    path = tmp_path / "bomb.npz"
    np.savez_compressed(path, z=np.zeros(8 << 20))          # 64 MiB of zeros in about 64 KiB
    assert os.path.getsize(path) < 1 << 20
    with pytest.raises(ValueError, match="declare 64 MiB uncompressed, more than the 16 MiB allowed"):
        load_npz(path, max_bytes=16 << 20)
    with pytest.raises(ValueError, match="more than 64 times the file"):
        load_npz(path)                                          # the default: a 1000x inflation is refused
    assert load_npz(path, max_inflation=None)["z"].shape == (8 << 20,)   # asked for, within the cap, it loads


def test_a_missing_matplotlib_stops_demo_vq_before_training(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)

    def never(**kw):
        raise AssertionError("the demo ran before the missing dependency was reported")

    monkeypatch.setattr("reference.vq.demo.run", never)
    assert cli.main(["demo", "vq", "--plot", str(tmp_path / "usage.png")]) == 2
    err = capsys.readouterr().err.strip()
    assert "--plot" in err and 'pip install "refspace[plot]"' in err and len(err.splitlines()) == 1


def test_a_closed_stdin_is_a_usage_error(tmp_path):
    script = os.path.join(os.path.dirname(sys.executable), "refspace")
    if not os.path.exists(script):
        pytest.skip("the refspace console script is not installed beside this Python")
    done = subprocess.run([script, "words", "-"], stdin=None, capture_output=True, text=True, timeout=120,
                          preexec_fn=lambda: os.close(0))          # `refspace words - <&-`
    assert done.returncode == 2, done.stderr
    assert "standard input, which is closed" in done.stderr and "Traceback" not in done.stderr


def test_load_module_changes_nothing_when_a_later_entry_is_bad(tmp_path):
    from reference.modules import Dense, Sequential, load_module, save_module
    from reference.modules.io import TABLE

    def model(seed):
        rng = np.random.default_rng(seed)
        return Sequential(Dense(3, 4, rng=rng), Dense(4, 2, rng=rng))

    save_module(tmp_path / "m.npz", model(0))
    with np.load(tmp_path / "m.npz") as data:
        arrays = {k: data[k] for k in data.files}
    last = sorted(k for k in arrays if k != TABLE)[-1]
    for bad, words in ((arrays[last] + 1j, "expected real numbers"), (np.full_like(arrays[last], np.nan), "NaN")):
        np.savez(tmp_path / "bad.npz", **{**arrays, last: bad})   # written by hand: save_npz refuses complex
        dst = model(1)
        before = {k: v.value.copy() for k, v in dst.named_parameters()}
        with pytest.raises(ValueError, match=words):
            load_module(tmp_path / "bad.npz", dst)
        assert all(np.array_equal(v.value, before[k]) for k, v in dst.named_parameters())


SIGTERM_SCRIPT = textwrap.dedent('''
    import os, signal, sys
    import reference.newwords.discover as discover
    import reference.verify.golden as golden
    real_count, real_write = discover.count_stream, golden.save_npz
    written = []

    def count_then_term(*a, **k):            # words: once the spill folder exists and holds the corpus
        os.kill(os.getpid(), signal.SIGTERM)
        return real_count(*a, **k)

    def write_then_term(path, arrays):       # golden: after the tenth case file
        real_write(path, arrays)
        written.append(path)
        if len(written) == 10:
            os.kill(os.getpid(), signal.SIGTERM)

    discover.count_stream, golden.save_npz = count_then_term, write_then_term
    from reference.console import main
    sys.exit(main(sys.argv[1:]))
''')


@pytest.mark.parametrize("argv", [["golden", "--out", "{tmp}/g"],
                                  ["words", "{tmp}/text.txt", "--tmpdir", "{tmp}/spill", "--out", "{tmp}/lex.txt"]])
def test_sigterm_removes_temporary_files(tmp_path, argv):
    (tmp_path / "text.txt").write_text("四是四十是十\n" * 50, encoding="utf-8")
    (tmp_path / "spill").mkdir()
    (tmp_path / "run.py").write_text(SIGTERM_SCRIPT)
    done = subprocess.run([sys.executable, str(tmp_path / "run.py")] + [a.format(tmp=tmp_path) for a in argv],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 143, done.stderr
    assert "terminated" in done.stderr and "Traceback" not in done.stderr
    assert sorted(os.listdir(tmp_path)) == ["run.py", "spill", "text.txt"]     # no .tmp-*, no output
    assert os.listdir(tmp_path / "spill") == []                               # no refspace-words-*


def test_ctrl_c_during_parallel_counting_exits_130_and_removes_the_spill_folder(tmp_path):
    import random
    import time

    script = os.path.join(os.path.dirname(sys.executable), "refspace")
    if not os.path.exists(script):
        pytest.skip("the refspace console script is not installed beside this Python")
    rng = random.Random(0)
    alphabet = [chr(0x4E00 + k) for k in range(400)]
    with open(tmp_path / "big.txt", "w", encoding="utf-8") as fh:
        for _ in range(120_000):
            fh.write("".join(rng.choice(alphabet) for _ in range(60)) + "\n")
    (tmp_path / "spill").mkdir()
    p = subprocess.Popen([script, "words", str(tmp_path / "big.txt"), "--tmpdir", str(tmp_path / "spill"),
                          "--max-memory", "4", "--workers", "2", "--out", str(tmp_path / "lex.txt")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and p.poll() is None:      # until the counting has begun
        folders = os.listdir(tmp_path / "spill")
        if folders and len(os.listdir(tmp_path / "spill" / folders[0])) > 1:
            break
        time.sleep(0.05)
    assert p.poll() is None, "the run ended before it could be interrupted: make the corpus larger"
    os.killpg(p.pid, signal.SIGINT)                             # what a terminal sends: the whole group
    out, err = p.communicate(timeout=120)
    assert p.returncode == 130, err
    assert "Traceback" not in err and "ForkPoolWorker" not in err, err
    assert os.listdir(tmp_path / "spill") == [] and not (tmp_path / "lex.txt").exists()
