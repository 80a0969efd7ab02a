"""A golden folder is data: planted attacks and malformed manifests are refused with one clear line."""
import copy
import json
import os
import shutil
import stat
import sys

import numpy as np
import pytest

import reference.verify as verify_pkg
from reference import cli
from reference.verify import golden
from reference.verify.convention import ReferenceImpl
from reference.verify.golden import allowed_functions, content_hash, load_manifest, verify_golden, write_golden

FROZEN = os.path.join(os.path.dirname(verify_pkg.__file__), "golden_data")


@pytest.fixture
def gdir(tmp_path):
    d = tmp_path / "g"
    shutil.copytree(FROZEN, d)
    return d


def _edit_manifest(d, edit):
    path = d / "manifest.json"
    manifest = json.loads(path.read_text())
    edit(manifest)
    path.write_text(json.dumps(manifest))


def _run(capsys, *argv):
    code = cli.main(list(argv))
    err = capsys.readouterr().err.strip()
    return code, err


def _case(manifest, op):
    return next(c for c in manifest["cases"] if c["op"] == op)


def test_a_function_attribute_outside_the_allow_list_is_never_imported(gdir, capsys, monkeypatch):
    planted = gdir.parent / "planted_payload.py"
    planted.write_text("import pathlib\npathlib.Path(__file__).with_suffix('.ran').write_text('ran')\n"
                       "def run(*a, **k):\n    pathlib.Path(__file__).with_suffix('.called').write_text('x')\n")
    monkeypatch.syspath_prepend(str(gdir.parent))
    for target in ("pickle:loads", "os:system", "planted_payload:run"):
        _edit_manifest(gdir, lambda m: _case(m, "straight_through")["function_attributes"].update(fn=target))
        code, err = _run(capsys, "verify", "--golden", str(gdir), "--impl", "reference")
        assert code == 2 and "\n" not in err
        assert "function_attributes.fn" in err and repr(target) in err
        with pytest.raises(ValueError, match="function_attributes"):
            verify_golden(gdir, ReferenceImpl())
    assert not planted.with_suffix(".ran").exists() and not planted.with_suffix(".called").exists()
    assert "planted_payload" not in sys.modules
    with pytest.raises(ValueError, match="never names code"):
        golden.resolve_function("pickle:loads")


def test_every_function_the_generator_emits_is_allowed():
    manifest = load_manifest(FROZEN)
    emitted = {v for c in manifest["cases"] for v in c["function_attributes"].values()}
    assert emitted and emitted <= set(allowed_functions())
    assert all(callable(golden.resolve_function(name)) for name in emitted)


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", "sub/../../x.npz", "..", ""])
def test_a_case_file_must_stay_inside_the_folder(gdir, capsys, name):
    _edit_manifest(gdir, lambda m: _case(m, "sigmoid").update(file=name))
    code, err = _run(capsys, "verify", "--golden", str(gdir), "--impl", "reference", "--only", "sigmoid")
    assert code == 2 and "\n" not in err and "file" in err


def test_a_symlink_leading_out_of_the_folder_is_refused(gdir, tmp_path, capsys):
    outside = tmp_path / "outside.npz"
    shutil.copy(gdir / "sigmoid-3_5.npz", outside)
    os.symlink(outside, gdir / "link.npz")
    _edit_manifest(gdir, lambda m: _case(m, "sigmoid").update(file="link.npz"))
    with pytest.raises(ValueError, match="inside the golden folder"):
        verify_golden(gdir, ReferenceImpl(), ops=["sigmoid"])


def _set(path, value):
    def edit(m):
        target, keys = m, path[:-1]
        for k in keys:
            target = target[k]
        if value is KeyError:
            del target[path[-1]]
        else:
            target[path[-1]] = value
    return edit


MALFORMED = [  # (edit, the field the one-line message must name)
    (_set(["cases"], KeyError), "cases"),
    (_set(["cases"], {"a": 1}), "cases"),
    (_set(["schema_version"], 3), "schema_version"),
    (_set(["cases", 0, "file"], KeyError), "cases[0].file"),
    (_set(["cases", 0, "file"], 3), "cases[0].file"),
    (_set(["cases", 0, "tolerances"], [1e-7, 1e-9]), "cases[0].tolerances"),
    (_set(["cases", 0, "tolerances", "rtol"], -1.0), "cases[0].tolerances.rtol"),
    (_set(["cases", 0, "tolerances", "atol"], "big"), "cases[0].tolerances.atol"),
    (_set(["cases", 0, "inputs"], "x"), "cases[0].inputs"),
    (_set(["cases", 0, "attributes"], []), "cases[0].attributes"),
    (_set(["cases", 0, "attributes", "axis"], {"$type": "x"}), "cases[0].attributes.axis"),
    (_set(["cases", 0, "function_attributes"], "fn"), "cases[0].function_attributes"),
    (_set(["cases", 0], "a string"), "cases[0]"),
    (_set(["cases", 0, "op"], KeyError), "cases[0].op"),
]


@pytest.mark.parametrize("edit, field", MALFORMED)
def test_malformed_manifests_give_exit_2_and_one_line_naming_the_field(gdir, capsys, edit, field):
    _edit_manifest(gdir, edit)
    code, err = _run(capsys, "verify", "--golden", str(gdir), "--impl", "reference")
    assert code == 2
    assert "\n" not in err and field in err, err


def test_a_manifest_that_is_not_json_or_not_an_object(gdir, capsys):
    (gdir / "manifest.json").write_text("[1, 2]")
    assert _run(capsys, "verify", "--golden", str(gdir), "--impl", "reference")[0] == 2
    (gdir / "manifest.json").write_bytes(b"\xff\xfe{")
    code, err = _run(capsys, "verify", "--golden", str(gdir), "--impl", "reference")
    assert code == 2 and "\n" not in err and "manifest.json" in err


def test_golden_given_a_file_or_a_missing_folder(tmp_path, capsys):
    f = tmp_path / "file.json"
    f.write_text("{}")
    for target, words in ((f, "is a file"), (tmp_path / "missing", "does not exist")):
        code, err = _run(capsys, "verify", "--golden", str(target), "--impl", "reference")
        assert code == 2 and "\n" not in err and words in err


def test_a_pickled_array_is_never_loaded(gdir, capsys):
    victim = gdir / "sigmoid-3_5.npz"
    with np.load(victim) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["input.x"] = np.array([print], dtype=object)      # unpickling this would call code
    np.savez(victim, **arrays)
    code, err = _run(capsys, "verify", "--golden", str(gdir), "--impl", "reference", "--only", "sigmoid")
    assert code == 2 and "\n" not in err and "sigmoid-3_5.npz" in err


def test_an_array_the_manifest_lists_but_the_file_lacks_is_named(gdir, capsys):
    victim = gdir / "sigmoid-3_5.npz"
    with np.load(victim) as data:
        arrays = {k: data[k] for k in data.files if k != "output.out"}
    np.savez(victim, **arrays)
    _edit_manifest(gdir, lambda m: _case(m, "sigmoid").update(sha256=content_hash(arrays)))
    code, err = _run(capsys, "verify", "--golden", str(gdir), "--impl", "reference", "--only", "sigmoid")
    assert code == 2 and "output.out" in err


def test_regeneration_interrupted_midway_leaves_the_old_set_whole(tmp_path, monkeypatch):
    out = tmp_path / "g"
    write_golden(out, ops=["sigmoid", "tanh"])
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real_save, calls = golden.save_npz, []

    def interrupted(path, arrays):
        calls.append(path)
        if len(calls) == 3:
            raise KeyboardInterrupt
        real_save(path, arrays)

    monkeypatch.setattr(golden, "save_npz", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_golden(out, ops=["softmax", "cumax"])
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g"]          # no temporary folder left behind


def test_regeneration_replaces_the_whole_set_and_never_mixes(tmp_path):
    out = tmp_path / "g"
    write_golden(out, ops=["sigmoid"])
    manifest = write_golden(out, ops=["tanh"])
    assert sorted(p.name for p in out.iterdir()) == sorted(["manifest.json"] + [c["file"] for c in manifest["cases"]])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g"]


def test_a_folder_of_other_files_is_never_replaced(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("precious")
    code, err = _run(capsys, "golden", "--out", str(out), "--op", "sigmoid")
    assert code == 2 and "\n" not in err and "thesis.tex" in err
    assert (out / "thesis.tex").read_text() == "precious"


def test_written_files_honour_the_umask(tmp_path):
    old = os.umask(0o002)
    try:
        write_golden(tmp_path / "g", ops=["sigmoid"])
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "g").stat().st_mode) == 0o775
    for p in (tmp_path / "g").iterdir():
        assert stat.S_IMODE(p.stat().st_mode) == 0o664, p.name


def test_unchanged_manifest_still_verifies(gdir):
    # the checks above refuse only what is wrong: a copy of the frozen set, re-serialised, passes
    _edit_manifest(gdir, lambda m: copy.deepcopy(m))
    assert all(r["status"] == "pass" for r in verify_golden(gdir, ReferenceImpl(), ops=["straight_through"]))
