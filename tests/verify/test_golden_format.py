"""The golden format document is enough: a reader written from ``golden_format.md`` alone, with
``zipfile``, ``struct``, ``json``, ``re`` and ``hashlib`` (no NumPy), reads every shipped case
and reproduces every hash; NumPy is only the oracle it is compared with."""
import hashlib
import json
import math
import os
import re
import struct
import zipfile

import numpy as np
import pytest

from reference.verify.golden import FROZEN_DIR, content_hash, format_document, load_manifest, verify_golden, write_golden

_STRUCT = {"<f8": "d", "<i8": "q"}


def _read_npy(raw: bytes):
    """(descr, shape, payload bytes, values) of one .npy member, as the document describes it."""
    assert raw[:6] == b"\x93NUMPY"
    major = raw[6]
    if major == 1:
        (n,), start = struct.unpack("<H", raw[8:10]), 10
    else:
        (n,), start = struct.unpack("<I", raw[8:12]), 12
    header = raw[start:start + n].decode("ascii")
    descr = re.search(r"'descr':\s*'([^']+)'", header).group(1)
    assert re.search(r"'fortran_order':\s*False", header)
    dims = re.search(r"'shape':\s*\(([^)]*)\)", header).group(1)
    shape = tuple(int(d) for d in dims.replace(" ", "").split(",") if d)
    count = math.prod(shape)                          # 1 for a 0-d array
    payload = raw[start + n:]
    values = struct.unpack(f"<{count}{_STRUCT[descr]}", payload[:8 * count])
    return descr, shape, payload[:8 * count], values


def _read_case(folder, entry):
    arrays = {}
    with zipfile.ZipFile(os.path.join(folder, entry["file"])) as z:
        for member in z.namelist():
            arrays[member[:-len(".npy")]] = _read_npy(z.read(member))
    h = hashlib.sha256()
    for name in sorted(arrays):
        descr, shape, payload, _ = arrays[name]
        h.update(f"{name}\n{descr}\n{','.join(map(str, shape))}\n".encode("ascii"))
        h.update(payload)
    return arrays, h.hexdigest()


def test_a_reader_written_from_the_document_reads_every_case_and_its_hash():
    with open(os.path.join(FROZEN_DIR, "manifest.json"), encoding="utf-8") as fh:
        manifest = json.load(fh)
    assert manifest["schema_version"] == 2
    zero_d = 0
    for entry in manifest["cases"]:
        arrays, digest = _read_case(FROZEN_DIR, entry)
        assert digest == entry["sha256"], entry["id"]
        names = ([f"input.{k}" for k in entry["inputs"]] + [f"output.{k}" for k in entry["outputs"]]
                 + [f"attr.{k}" for k in entry["array_attributes"]] + [f"vjp.{k}" for k in entry["differentiable"]])
        assert set(names) <= set(arrays)
        with np.load(os.path.join(FROZEN_DIR, entry["file"]), allow_pickle=False) as oracle:
            for name, (descr, shape, _, values) in arrays.items():
                expected = oracle[name]
                assert shape == expected.shape and descr == expected.dtype.str
                np.testing.assert_array_equal(np.array(values).reshape(shape), expected)
                zero_d += shape == ()
    assert zero_d > 0                                  # 0-d arrays (losses) are read and hashed as shape ()


def test_the_document_ships_and_names_the_framing():
    text = format_document()
    assert 'name + "\\n" + descr + "\\n" + dims + "\\n"' in text and "`()` for a 0-d array" in text
    assert content_hash({"a": np.float64(1.5)}) == hashlib.sha256(
        b"a\n<f8\n\n" + struct.pack("<d", 1.5)).hexdigest()           # the 0-d example, by hand


def test_version_1_folders_are_still_read(tmp_path):
    folder = tmp_path / "g"
    manifest = write_golden(folder, ops=["mse"])
    for entry in manifest["cases"]:
        with np.load(folder / entry["file"]) as data:
            entry["sha256"] = content_hash({k: data[k] for k in data.files}, schema_version=1)
    (folder / "manifest.json").write_text(json.dumps({**manifest, "schema_version": 1}))
    from reference.verify.convention import ReferenceImpl

    results = verify_golden(folder, ReferenceImpl())
    assert results and all(r["status"] == "pass" for r in results)
    entry = manifest["cases"][0]
    entry["sha256"] = content_hash({"x": np.zeros(())}, schema_version=1)  # a wrong hash is still refused
    (folder / "manifest.json").write_text(json.dumps({**manifest, "schema_version": 1}))
    with pytest.raises(ValueError, match="do not match the manifest's sha256"):
        verify_golden(folder, ReferenceImpl())


def test_rounding_boundary_cases_are_flagged_and_sit_on_the_boundary():
    cases = [c for c in load_manifest(FROZEN_DIR)["cases"] if "rounding_boundary" in c["flags"]]
    assert {c["op"] for c in cases} == {"fsq"} and len(cases) >= 2


class _ScalarFSQ:
    """FSQ from the paper's formula, one scalar at a time with Python's math module, rounding
    with ``rounding``; the VJP (straight-through) is the reference's."""

    ops = ("fsq",)

    def __init__(self, rounding):
        from reference.verify.convention import ReferenceImpl

        self.rounding, self._ref = rounding, ReferenceImpl()

    def forward(self, op, inputs, attrs):
        factor = {"shrink": 1 - 1e-3, "expand": 1 + 1e-3}[attrs.get("bound", "shrink")]
        z, levels = np.asarray(inputs["z"]), attrs["levels"]
        codes = np.zeros_like(z)
        for idx in np.ndindex(z.shape):
            L = levels[idx[-1]]
            half_l, offset = (L - 1) * factor / 2, (0.5 if L % 2 == 0 else 0.0)
            bounded = math.tanh(z[idx] + math.atanh(offset / half_l)) * half_l - offset
            codes[idx] = self.rounding(bounded) / (L // 2)
        return {"out": codes}

    def vjp(self, op, inputs, attrs, cotangents):
        return self._ref.vjp(op, inputs, attrs, cotangents)


def test_rounding_half_away_from_zero_fails_the_boundary_cases_and_half_to_even_passes():
    half_even = _ScalarFSQ(round)                                     # Python's round: half to even
    away = _ScalarFSQ(lambda x: math.copysign(math.floor(abs(x) + 0.5), x))   # C++ std::round
    good = verify_golden(FROZEN_DIR, half_even, ops=["fsq"])
    assert good and all(r["status"] == "pass" for r in good), good
    bad = {r["id"]: r["status"] for r in verify_golden(FROZEN_DIR, away, ops=["fsq"])}
    assert {k for k, v in bad.items() if v == "mismatch"} == {k for k in bad if "rounding_boundary" in k}
