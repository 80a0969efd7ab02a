"""Golden vectors: frozen inputs, outputs and VJPs of every registered op, readable anywhere.

``refspace golden --out DIR`` writes one ``.npz`` per case and a ``manifest.json``. The format,
field by field (schema version 1):

``manifest.json``
    ``schema_version`` (1), ``generator`` ("refspace <version>"), ``seed`` (cotangent seed),
    ``cases``: a list of objects with
    - ``id``: "<op>/<n>", unique; ``op``: the op name; ``label``: the case's description;
    - ``file``: the ``.npz`` beside the manifest;
    - ``inputs``: input names in call order (flat, e.g. "params.W"); ``differentiable``: the
      names that have a VJP entry;
    - ``attributes``: plain attributes (numbers, strings, null); ``array_attributes``: names
      of attributes stored as arrays; ``function_attributes``: attributes that are functions,
      as "module:name" (e.g. the f of straight-through ``x + sg[f(x) - x]``);
    - ``outputs``: output names ("out" or "out[0]", "out[1]", ...);
    - ``tolerances``: ``rtol``, ``atol`` for comparing a float64 implementation:
      ``|got - ref| <= atol + rtol |ref|`` entry-wise;
    - ``flags``: "designed_gradient" (the VJP is a designed gradient such as straight-through,
      not the derivative of the forward), "integer_inputs", "forward_only" (no VJP),
      "tie_nearby" (a VQ case with a near-tie in the assignment);
    - ``sha256``: hash of the arrays (each name, dtype, shape and bytes, in sorted name
      order) to detect corrupted files.
``<op>-<n>.npz`` (load with ``allow_pickle=False``; every array float64 or int64)
    ``input.<name>``, ``attr.<name>``, ``output.<name>``, ``cotangent.<name>`` (fixed random
    normal cotangents, one per output) and ``vjp.<name>`` (the reference's gradients).

Files are written atomically, the manifest last: a directory without a manifest is incomplete.
"""
from __future__ import annotations

import hashlib
import importlib
import json
import os
import tempfile

import numpy as np

from .. import __version__
from ..core.npzio import load_npz, save_npz
from .adapters import forward_in_layout, vjp_in_layout
from .compare import compare
from .convention import ReferenceImpl, flatten, templates

SCHEMA_VERSION = 1
TOLERANCES = {"rtol": 1e-7, "atol": 1e-9}


def content_hash(arrays: dict) -> str:
    h = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _plain(value):
    return value.item() if isinstance(value, (np.floating, np.integer)) else value


def resolve_function(path: str):
    """"module:name" -> the function (for ``function_attributes``)."""
    module, name = path.split(":", 1)
    return getattr(importlib.import_module(module), name)


def _cases(ops=None):
    """(op, label, flat inputs, attrs, designed, differentiable) for every case to export."""
    from .extra_ops import EXTRA

    for op, tpls in templates().items():
        if ops is None or op in ops:
            for tpl in tpls:
                yield op, tpl.label, flatten(tpl.inputs, tpl.names), tpl.attrs, tpl.designed, True
    for op, extra in EXTRA.items():
        if ops is None or op in ops:
            inputs, attrs = extra.example(np.random.default_rng(0))
            yield op, "example", inputs, attrs, False, False


def write_golden(out_dir, *, ops=None, seed: int = 0) -> dict:
    """Write the golden set for ``ops`` (all by default) into ``out_dir``; returns the manifest."""
    os.makedirs(out_dir, exist_ok=True)
    impl = ReferenceImpl()
    unknown = sorted(set(ops or ()) - set(impl.ops))
    if unknown:
        raise ValueError(f"op: unknown op {unknown[0]!r}; expected one of {sorted(impl.ops)}")
    rng = np.random.default_rng(seed)
    entries, counters = [], {}
    for op, label, inputs, attrs, designed, differentiable in _cases(ops):
        n = counters.get(op, 0)
        counters[op] = n + 1
        inputs = {k: np.asarray(v) for k, v in inputs.items()}
        outputs = impl.forward(op, inputs, attrs)
        arrays = {f"input.{k}": v for k, v in inputs.items()}
        arrays.update({f"output.{k}": np.asarray(v) for k, v in outputs.items()})
        array_attrs = {k: np.asarray(v) for k, v in attrs.items() if isinstance(v, np.ndarray)}
        arrays.update({f"attr.{k}": v for k, v in array_attrs.items()})
        functions = {k: f"{v.__module__}:{v.__qualname__}" for k, v in attrs.items() if callable(v)}
        plain = {k: _plain(v) for k, v in attrs.items() if k not in array_attrs and k not in functions}
        flags = []
        if designed:
            flags.append("designed_gradient")
        if any(np.issubdtype(v.dtype, np.integer) for v in inputs.values()):
            flags.append("integer_inputs")
        grads = {}
        if differentiable:
            cot = {k: rng.standard_normal(np.shape(v)) for k, v in outputs.items()
                   if np.issubdtype(np.asarray(v).dtype, np.floating)}
            grads = impl.vjp(op, inputs, attrs, cot)
            arrays.update({f"cotangent.{k}": v for k, v in cot.items()})
            arrays.update({f"vjp.{k}": np.asarray(v) for k, v in grads.items()})
        else:
            flags.append("forward_only")
        if _tie_nearby(inputs):
            flags.append("tie_nearby")
        fname = f"{op}-{n}.npz"
        save_npz(os.path.join(out_dir, fname), arrays)
        entries.append({"id": f"{op}/{n}", "op": op, "label": label, "file": fname, "inputs": list(inputs),
                        "differentiable": list(grads), "attributes": plain, "array_attributes": list(array_attrs),
                        "function_attributes": functions,
                        "outputs": list(outputs), "tolerances": dict(TOLERANCES), "flags": flags,
                        "sha256": content_hash(arrays)})
    manifest = {"schema_version": SCHEMA_VERSION, "generator": f"refspace {__version__}", "seed": seed,
                "cases": entries}
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=out_dir)
    with os.fdopen(fd, "w") as fh:
        json.dump(manifest, fh, indent=1, sort_keys=True)
    os.replace(tmp, os.path.join(out_dir, "manifest.json"))
    return manifest


def _tie_nearby(inputs, margin: float = 1e-6) -> bool:
    z, E = inputs.get("z"), inputs.get("codebook")
    if z is None or E is None or np.ndim(E) != 2 or np.shape(z)[-1] not in np.shape(E):
        return False
    rows = E if E.shape[1] == np.shape(z)[-1] else E.T
    d = ((np.reshape(z, (-1, rows.shape[1]))[:, None, :] - rows[None]) ** 2).sum(-1)
    if d.shape[1] < 2:
        return False
    part = np.sort(d, axis=1)
    return bool(np.any(part[:, 1] - part[:, 0] <= margin * (1 + part[:, 0])))


def load_manifest(golden_dir) -> dict:
    path = os.path.join(os.fspath(golden_dir), "manifest.json")
    try:
        with open(path) as fh:
            manifest = json.load(fh)
    except FileNotFoundError:
        raise ValueError(f"{path}: no manifest (not a golden directory, or an interrupted write)") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("schema_version") != SCHEMA_VERSION:
        raise ValueError(f"{path}: expected schema_version {SCHEMA_VERSION}, got "
                         f"{manifest.get('schema_version') if isinstance(manifest, dict) else type(manifest).__name__}")
    return manifest


def load_case(golden_dir, entry) -> dict:
    """The arrays of one manifest entry, checked against its hash."""
    path = os.path.join(os.fspath(golden_dir), entry["file"])
    arrays = load_npz(path)
    if content_hash(arrays) != entry.get("sha256"):
        raise ValueError(f"{path}: contents do not match the manifest's sha256 (corrupted or edited)")
    return arrays


def verify_golden(golden_dir, impl, *, ops=None) -> list[dict]:
    """Check ``impl`` against every golden case it supports. Returns one result per case."""
    manifest = load_manifest(golden_dir)
    results = []
    for entry in manifest["cases"]:
        op = entry["op"]
        if ops is not None and op not in ops:
            continue
        if op not in getattr(impl, "ops", ()):
            results.append({"id": entry["id"], "op": op, "status": "skipped", "detail": "not implemented by impl"})
            continue
        arrays = load_case(golden_dir, entry)
        inputs = {k: arrays[f"input.{k}"] for k in entry["inputs"]}
        attrs = dict(entry["attributes"])
        attrs.update({k: resolve_function(v) for k, v in entry.get("function_attributes", {}).items()})
        attrs.update({k: arrays[f"attr.{k}"] for k in entry["array_attributes"]})
        supports = getattr(impl, "supports", None)
        if supports is not None and not supports(op, attrs):
            results.append({"id": entry["id"], "op": op, "status": "skipped", "detail": "declined by supports()"})
            continue
        tol = entry["tolerances"]
        checks = []
        try:
            got = forward_in_layout(impl, op, inputs, attrs)
            checks.append(("forward", compare({k: arrays[f"output.{k}"] for k in entry["outputs"]}, got, **tol)))
            if entry["differentiable"] and hasattr(impl, "vjp"):
                cot = {k[len("cotangent."):]: v for k, v in arrays.items() if k.startswith("cotangent.")}
                got_vjp = vjp_in_layout(impl, op, inputs, attrs, cot)
                checks.append(("vjp", compare({k: arrays[f"vjp.{k}"] for k in entry["differentiable"]}, got_vjp,
                                              what="gradient", **tol)))
        except Exception as exc:  # the implementation under test failed: report, do not crash
            results.append({"id": entry["id"], "op": op, "status": "error",
                            "detail": f"impl raised {type(exc).__name__}: {exc}"})
            continue
        failed = [(what, c) for what, c in checks if not c.passed]
        status = "pass" if not failed else "mismatch"
        detail = "; ".join(f"{what}: {c.describe()}" for what, c in (failed or checks))
        results.append({"id": entry["id"], "op": op, "status": status, "detail": detail,
                        "worst_ratio": max((c.ratio for _, c in checks), default=0.0)})
    return results
