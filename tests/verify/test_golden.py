"""Golden files: regeneration reproduces the frozen set; format; corruption is detected."""
import json
import os
import shutil

import numpy as np
import pytest
from hypothesis import strategies as st

import reference.verify as verify_pkg
from reference import cli
from reference.core.registry import registered_ops
from reference.verify.convention import ReferenceImpl
from reference.verify.golden import load_manifest, verify_golden, write_golden

FROZEN = os.path.join(os.path.dirname(verify_pkg.__file__), "golden_data")


def test_regenerating_reproduces_the_frozen_set(tmp_path):
    fresh = write_golden(tmp_path)
    frozen = load_manifest(FROZEN)
    strip = lambda m: [{k: v for k, v in c.items() if k != "sha256"} for c in m["cases"]]
    assert strip(fresh) == strip(frozen)
    for case in frozen["cases"]:
        with np.load(os.path.join(FROZEN, case["file"]), allow_pickle=False) as a, \
                np.load(tmp_path / case["file"], allow_pickle=False) as b:
            assert sorted(a.files) == sorted(b.files)
            for name in a.files:
                np.testing.assert_allclose(b[name], a[name], rtol=1e-12, atol=1e-14, err_msg=f"{case['id']} {name}")


def test_format_is_plain_and_covers_every_registered_op():
    manifest = load_manifest(FROZEN)
    assert manifest["schema_version"] == 2
    assert {op.name for op in registered_ops()} == {c["op"] for c in manifest["cases"]}
    for case in manifest["cases"]:
        with np.load(os.path.join(FROZEN, case["file"]), allow_pickle=False) as data:
            assert all(data[k].dtype in (np.float64, np.int64, np.bool_) for k in data.files)
            assert {f"input.{k}" for k in case["inputs"]} <= set(data.files)
            assert {f"vjp.{k}" for k in case["differentiable"]} <= set(data.files)
        json.dumps(case["attributes"])                               # plain JSON values only
    assert all(set(c["tolerances"]) == {"rtol", "atol"} for c in manifest["cases"])
    assert any("designed_gradient" in c["flags"] for c in manifest["cases"])
    assert any("forward_only" in c["flags"] for c in manifest["cases"])


def test_the_reference_passes_its_own_golden_files():
    results = verify_golden(FROZEN, ReferenceImpl())
    assert results and all(r["status"] == "pass" for r in results), [r for r in results if r["status"] != "pass"]


def test_corrupted_truncated_and_missing_files(tmp_path, capsys):
    d = tmp_path / "g"
    shutil.copytree(FROZEN, d)
    victim = d / "lstm_layer-t_4_b_3_i_2_h_5.npz"
    with np.load(victim) as data:
        arrays = {k: data[k].copy() for k in data.files}
    arrays["input.x"][0, 0, 0] += 1.0                                 # edited content
    np.savez(victim, **arrays)
    with pytest.raises(ValueError, match="do not match the manifest's sha256"):
        verify_golden(d, ReferenceImpl(), ops=["lstm_layer"])
    victim.write_bytes(victim.read_bytes()[:100])                     # truncated
    with pytest.raises(ValueError, match="not a readable .npz file"):
        verify_golden(d, ReferenceImpl(), ops=["lstm_layer"])
    assert cli.main(["verify", "--golden", str(d), "--impl", "reference"]) == 2
    assert "not a readable .npz" in capsys.readouterr().err
    (d / "manifest.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        load_manifest(d)
    (d / "manifest.json").write_text(json.dumps({"schema_version": 99}))
    with pytest.raises(ValueError, match="schema_version: expected 1"):
        load_manifest(d)
    with pytest.raises(ValueError, match="no manifest"):
        load_manifest(tmp_path)


def test_golden_command_writes_atomically(tmp_path, capsys):
    assert cli.main(["golden", "--out", str(tmp_path), "--op", "softmax", "--op", "ema_update"]) == 0
    names = sorted(os.listdir(tmp_path))
    assert names == ["ema_update-example.npz", "manifest.json", "softmax-1_1.npz", "softmax-2_3_4_large.npz",
                     "softmax-3_5.npz", "softmax-4_3_axis_0.npz"]
    assert cli.main(["golden", "--out", str(tmp_path), "--op", "nope"]) == 2


def test_adding_an_op_rewrites_only_its_own_files_and_entries(tmp_path):
    from reference.core import registry
    from reference.ops.activations import tanh_backward, tanh_forward

    before = write_golden(tmp_path / "before")

    @registry.register("zz_throwaway", "a throwaway op for this test", source="a test", inputs=("x",),
                       forward=tanh_forward, backward=tanh_backward, edges=(dict(shape=(2, 3)),),
                       sizes=st.just(dict(shape=(2, 3))),
                       label=lambda s: f"{s['shape']}")
    def _make(rng, shape):
        return (rng.standard_normal(shape),), {}

    try:
        after = write_golden(tmp_path / "after")
    finally:
        registry.unregister("zz_throwaway")
    old = {c["id"]: c for c in before["cases"]}
    new = {c["id"]: c for c in after["cases"]}
    assert set(new) - set(old) == {"zz_throwaway/2_3"}
    assert all(new[i] == old[i] for i in old)                       # every other entry unchanged
    for c in before["cases"]:                                        # and every other file, byte for byte
        assert (tmp_path / "before" / c["file"]).read_bytes() == (tmp_path / "after" / c["file"]).read_bytes()
