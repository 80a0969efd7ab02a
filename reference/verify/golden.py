"""Golden vectors: frozen inputs, outputs and VJPs of every registered op, readable anywhere.

``refspace golden --out DIR`` writes one ``.npz`` per case and a ``manifest.json``. The format
(schema version 2) is specified in ``golden_format.md`` beside this module, enough to read
every case and verify its hash from another language: manifest fields, array names
(``input.``, ``attr.``, ``output.``, ``cotangent.``, ``vjp.``), the ``.npy`` layout and the
hash framing. :func:`format_document` returns that text.

Case ids are stable (``op/label-slug``) and each case's cotangents come from the seed and its
id alone, so adding, removing or changing one op's cases rewrites only that op's files and
manifest entries.

The set is built in a temporary folder and swapped in whole, so a folder never mixes two
generations. Reading treats every file as data: the manifest is checked field by field (a
malformed one is a ``ValueError`` naming the field), a case's ``file`` must name a file inside
the folder, arrays load without pickling, and ``function_attributes`` may only name the
functions the generator itself emits (:func:`allowed_functions`): names are looked up
in that table, never imported. Version-1 folders (an older hash framing) are still read.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import zlib

import numpy as np

from .. import __version__
from ..core.registry import registered_ops
from ..core.files import atomic_directory, input_file, write_text
from ..core.npzio import load_npz, save_npz
from ..core.validate import MAX_ATOL, MAX_RTOL
from .adapters import layout_applies, port_layout, port_ops, port_supports
from .compare import checked_tolerances
from .example import check_example
from .sandbox import DEFAULT_TIMEOUT, PortError, checked_timeout, user_interrupts
from .convention import ReferenceImpl, flatten, templates

SCHEMA_VERSION = 2
READABLE_VERSIONS = (1, 2)   # version 1 differs only in the hash framing
FROZEN_DIR = os.path.join(os.path.dirname(__file__), "golden_data")   # the set shipped with the package
TOLERANCES = {"rtol": 1e-7, "atol": 1e-9}


def format_document() -> str:
    """The golden format specification (``golden_format.md``, shipped with the package)."""
    with open(os.path.join(os.path.dirname(__file__), "golden_format.md"), encoding="utf-8") as fh:
        return fh.read()


def content_hash(arrays: dict, schema_version: int = SCHEMA_VERSION) -> str:
    """SHA-256 of a case's arrays, framed as ``golden_format.md`` says: per array in name order,
    ``name\\n descr\\n dims\\n`` (dims "2,3"; "" for 0-d) then the C-order bytes. Version 1
    framed ``name|descr|repr(shape)|`` with 0-d arrays as shape (1,); it is kept to read old folders."""
    h = hashlib.sha256()
    for name in sorted(arrays):
        a = np.asarray(arrays[name])
        if schema_version == 1:
            a = np.ascontiguousarray(a)
            h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        else:
            h.update(f"{name}\n{a.dtype.str}\n{','.join(str(n) for n in a.shape)}\n".encode("ascii"))
        h.update(a.tobytes(order="C"))
    return h.hexdigest()


def _plain(value):
    """A JSON value: NumPy scalars as Python numbers, tuples as lists (as JSON reads them back)."""
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value.item() if isinstance(value, (np.floating, np.integer)) else value


def allowed_functions() -> dict:
    """The only functions a manifest may name (``function_attributes``): "module:qualname" -> the
    function, for the function-valued attributes of the registered cases, i.e. exactly what the
    generator can emit. Names are looked up in this table; nothing is ever imported by name."""
    out = {}
    for tpls in templates().values():
        for tpl in tpls:
            out.update({f"{v.__module__}:{v.__qualname__}": v for v in tpl.attrs.values() if callable(v)})
    return out


def resolve_function(path, allowed=None):
    """"module:name" -> the function, if :func:`allowed_functions` has it; else a ValueError."""
    allowed = allowed_functions() if allowed is None else allowed
    if not isinstance(path, str) or path not in allowed:
        raise ValueError(f"function {path!r} is not one the golden generator emits (allowed: "
                         f"{', '.join(sorted(allowed))}); a golden folder is data and never names code to run")
    return allowed[path]


def _cases(ops=None):
    """(op, label, flat inputs, attrs, designed, differentiable) for every case to export."""
    tpls = templates()
    for op in registered_ops():
        if ops is not None and op.name not in ops:
            continue
        if op.differentiable:
            for tpl in tpls[op.name]:
                yield op.name, tpl.label, flatten(tpl.inputs, tpl.names), tpl.attrs, tpl.designed, True
        else:
            inputs, attrs = op.example(np.random.default_rng(0))
            yield op.name, "example", inputs, attrs, False, False


MAX_MANIFEST_BYTES = 64 << 20   # a manifest.json larger than this is refused before it is read
MAX_CASE_BYTES = 256 << 20      # one case's .npz, declared uncompressed size


def _replaceable(folder: str):
    """What :func:`write_golden` may replace in an existing ``folder``: nothing in a folder that is
    not a golden set refspace wrote (its manifest.json names "refspace" as its generator), and
    there only ``manifest.json`` and the case files the manifest lists: any other file (a model
    copied in, someone's notes) makes the folder refused, never deleted."""
    if not os.path.isdir(folder) or not os.listdir(folder):
        return lambda name: False
    try:
        manifest = load_manifest(folder)
    except ValueError:
        return lambda name: False
    if not str(manifest.get("generator", "")).startswith("refspace "):
        return lambda name: False
    listed = {entry["file"] for entry in manifest["cases"]} | {"manifest.json"}
    return lambda name: name in listed


def write_golden(out_dir, *, ops=None, seed: int = 0) -> dict:
    """Write the golden set for ``ops`` (all by default) as the folder ``out_dir``; returns the manifest.

    The set is written to a temporary folder beside ``out_dir`` and swapped in when complete: an
    existing golden set written by refspace is replaced whole (never a mix of old and new files);
    a folder holding anything else (a file its manifest does not list, or no refspace manifest)
    is refused before anything is written. The parent folder must exist."""
    impl = ReferenceImpl()
    unknown = sorted(set(ops or ()) - set(impl.ops))
    if unknown:
        raise ValueError(f"op: unknown op {unknown[0]!r}; expected one of {sorted(impl.ops)}")
    with atomic_directory(out_dir, may_replace=_replaceable(os.fspath(out_dir))) as tmp:
        return _write_cases(tmp, ops, seed, impl)


def case_name(label: str) -> str:
    """A case's stable name from its label: "(2, 3, 4) large" -> "2_3_4_large"."""
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_") or "case"


def case_rng(seed: int, case_id: str) -> np.random.Generator:
    """The cotangent generator of one case: from the seed and the case's id only, so adding or
    changing another case never changes this one's vectors."""
    return np.random.default_rng([seed, zlib.crc32(case_id.encode())])


def _write_cases(out_dir, ops, seed, impl) -> dict:
    entries, seen = [], set()
    for op, label, inputs, attrs, designed, differentiable in _cases(ops):
        name, k = case_name(label), 2
        while f"{op}/{name}" in seen:               # two cases with one label: number the later ones
            name, k = f"{case_name(label)}_{k}", k + 1
        case_id = f"{op}/{name}"
        seen.add(case_id)
        rng = case_rng(seed, case_id)
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
        if "rounding boundary" in label:    # the declaration's label says the inputs sit on one
            flags.append("rounding_boundary")
        fname = f"{op}-{name}.npz"
        arrays = {k: np.asarray(v, order="C") for k, v in arrays.items()}   # C order, as the format says
        save_npz(os.path.join(out_dir, fname), arrays)
        entries.append({"id": case_id, "op": op, "label": label, "file": fname, "inputs": list(inputs),
                        "differentiable": list(grads), "attributes": plain, "array_attributes": list(array_attrs),
                        "function_attributes": functions,
                        "outputs": list(outputs), "tolerances": dict(TOLERANCES), "flags": flags,
                        "sha256": content_hash(arrays)})
    manifest = {"schema_version": SCHEMA_VERSION, "generator": f"refspace {__version__}", "seed": seed,
                "cases": entries}
    write_text(os.path.join(out_dir, "manifest.json"), json.dumps(manifest, indent=1, sort_keys=True))
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


def _fail(where: str, field: str, expected: str, got) -> ValueError:
    shown = repr(got) if isinstance(got, (str, int, float, bool, type(None))) else type(got).__name__
    return ValueError(f"{where}: {field}: expected {expected}, got {shown}")


def _str_list(where, field, value):
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(where, field, "a list of strings", value)


def _check_entry(where: str, at: str, entry, allowed) -> None:
    """Raise ValueError naming the first malformed field of the case ``at`` (e.g. "cases[3]")."""
    if not isinstance(entry, dict):
        raise _fail(where, at, "an object", entry)
    for field in ("id", "op", "file", "sha256"):
        if not isinstance(entry.get(field), str) or not entry.get(field):
            raise _fail(where, f"{at}.{field}", "a non-empty string", entry.get(field))
    for field in ("id", "op", "file", "label"):
        value = entry.get(field)
        if isinstance(value, str) and not value.isprintable():   # escape sequences never reach a terminal
            raise ValueError(f"{where}: {at}.{field}: expected printable characters, got "
                             f"{value.encode('unicode_escape').decode()[:80]!r}")
    for field in ("inputs", "differentiable", "array_attributes", "outputs"):
        _str_list(where, f"{at}.{field}", entry.get(field))
    _str_list(where, f"{at}.flags", entry.get("flags", []))
    attributes = entry.get("attributes")
    if not isinstance(attributes, dict):
        raise _fail(where, f"{at}.attributes", "a mapping", attributes)
    for name, value in attributes.items():
        plain = (str, int, float, bool, type(None))
        if not (isinstance(value, plain) or (isinstance(value, list) and all(isinstance(v, plain) for v in value))):
            raise _fail(where, f"{at}.attributes.{name}", "a number, string, null or list of them", value)
    functions = entry.get("function_attributes", {})
    if not isinstance(functions, dict):
        raise _fail(where, f"{at}.function_attributes", "a mapping", functions)
    for name, value in functions.items():
        if value not in allowed:
            raise _fail(where, f"{at}.function_attributes.{name}",
                        f"one of the functions the generator emits ({', '.join(sorted(allowed))})", value)
    tol = entry.get("tolerances")
    if not isinstance(tol, dict):
        raise _fail(where, f"{at}.tolerances", "a mapping with rtol and atol", tol)
    for name, cap in (("rtol", MAX_RTOL), ("atol", MAX_ATOL)):
        value = tol.get(name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not (0 <= value <= cap):
            raise _fail(where, f"{at}.tolerances.{name}", f"a finite number >= 0 and <= {cap:g}", value)


def load_manifest(golden_dir) -> dict:
    """Read and check ``golden_dir/manifest.json``; a malformed one is a ValueError naming the field."""
    golden_dir = os.fspath(golden_dir)
    if not os.path.isdir(golden_dir):
        what = "is a file" if os.path.exists(golden_dir) else "does not exist"
        raise ValueError(f"--golden: {golden_dir!r} {what}; expected a golden folder (written by refspace golden)")
    path = os.path.join(golden_dir, "manifest.json")
    if not os.path.lexists(path):
        raise ValueError(f"{path}: no manifest (not a golden folder, or an interrupted write)")
    input_file("manifest.json", path, max_bytes=MAX_MANIFEST_BYTES)
    try:
        with open(path, encoding="utf-8") as fh:
            manifest = json.load(fh)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from None
    except RecursionError:
        raise ValueError(f"{path}: JSON nested too deeply to be a golden manifest") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not a readable text file ({exc})") from None
    if not isinstance(manifest, dict):
        raise _fail(path, "manifest", "an object", manifest)
    if manifest.get("schema_version") not in READABLE_VERSIONS:
        raise _fail(path, "schema_version", " or ".join(map(str, READABLE_VERSIONS)), manifest.get("schema_version"))
    if not isinstance(manifest.get("cases"), list):
        raise _fail(path, "cases", "a list", manifest.get("cases"))
    allowed = allowed_functions()
    for k, entry in enumerate(manifest["cases"]):
        _check_entry(path, f"cases[{k}]", entry, allowed)
    return manifest


def _case_path(golden_dir, entry) -> str:
    """The case's file, which must be a file directly inside the golden folder."""
    name = entry["file"]
    root = os.path.realpath(golden_dir)
    path = os.path.realpath(os.path.join(root, name))
    if os.path.dirname(path) != root or os.path.basename(name) != name:
        raise ValueError(f"{os.path.join(golden_dir, 'manifest.json')}: case {entry['id']!r}: file: expected a "
                         f"file name inside the golden folder, got {name!r}")
    return path


def load_case(golden_dir, entry, schema_version: int = SCHEMA_VERSION) -> dict:
    """The arrays of one manifest entry, checked against its hash and against the names it lists."""
    _check_entry(os.path.join(os.fspath(golden_dir), "manifest.json"), "case", entry, allowed_functions())
    path = _case_path(golden_dir, entry)
    arrays = load_npz(path, max_bytes=MAX_CASE_BYTES)
    if content_hash(arrays, schema_version) != entry.get("sha256"):
        raise ValueError(f"{path}: contents do not match the manifest's sha256 (corrupted or edited)")
    wanted = ([f"input.{k}" for k in entry["inputs"]] + [f"output.{k}" for k in entry["outputs"]]
              + [f"attr.{k}" for k in entry["array_attributes"]] + [f"vjp.{k}" for k in entry["differentiable"]])
    missing = [name for name in wanted if name not in arrays]
    if missing:
        raise ValueError(f"{path}: has no array {missing[0]!r}, which the manifest lists")
    for name, a in arrays.items():
        if a.dtype.kind not in "fiub":
            raise ValueError(f"{path}: array {name!r} has dtype {a.dtype}; expected numbers")
    return arrays


def verify_golden(golden_dir, impl, *, ops=None, rtol=None, atol=None, timeout=DEFAULT_TIMEOUT) -> list[dict]:
    """Check ``impl`` against every golden case it supports. Returns one result per case
    (:func:`verify_case`)."""
    checked_tolerances(rtol, atol)
    checked_timeout(timeout)
    port_ops(impl)
    manifest = load_manifest(golden_dir)
    allowed = allowed_functions()
    results, fatal = [], None
    with user_interrupts():
        for entry in manifest["cases"]:
            if ops is not None and entry["op"] not in ops:
                continue
            if fatal is not None and entry["op"] in impl.ops:   # a hung or exited port is not called again
                results.append({"id": entry["id"], "op": entry["op"], "status": "error",
                                "detail": f"impl: not run, the port failed fatally on {fatal}"})
                continue
            r = verify_case(golden_dir, manifest, entry, impl, rtol=rtol, atol=atol, allowed=allowed,
                            timeout=timeout)
            if r.get("fatal"):
                fatal = r["id"]
            results.append(r)
    return results


def verify_case(golden_dir, manifest, entry, impl, *, rtol=None, atol=None, allowed=None,
                timeout=DEFAULT_TIMEOUT) -> dict:
    """Check ``impl`` on one case of a loaded manifest: a dict with ``id``, ``op``, ``status``
    ("pass", "mismatch", "error" or "skipped"), ``detail`` and, when compared, ``tolerance``,
    ``worst_ratio``, ``covered`` and ``not_covered`` (gradient names, the port's); an "error"
    (the port raised, exited, hung past ``timeout`` or modified what it was given) has the
    port's ``traceback`` too.

    Tolerances: ``rtol``/``atol`` when given, else the port's ``tolerances[op]``, else the larger
    of the manifest's (for float64) and the default of the port's output precision."""
    allowed = allowed_functions() if allowed is None else allowed
    op = entry["op"]
    result = {"id": entry["id"], "op": op}
    if op not in port_ops(impl):
        return {**result, "status": "skipped", "detail": "not implemented by impl"}
    arrays = load_case(golden_dir, entry, manifest["schema_version"])
    inputs = {k: arrays[f"input.{k}"] for k in entry["inputs"]}
    attrs = dict(entry["attributes"])
    attrs.update({k: resolve_function(v, allowed) for k, v in entry.get("function_attributes", {}).items()})
    attrs.update({k: arrays[f"attr.{k}"] for k in entry["array_attributes"]})
    try:
        if not layout_applies(impl, op, attrs):
            return {**result, "status": "skipped", "detail": f"declined: layout {port_layout(impl, op)!r} cannot express it"}
        if not port_supports(impl, op, attrs, timeout=timeout):
            return {**result, "status": "skipped", "detail": "declined by supports()"}
    except PortError as exc:
        return {**result, "status": "error", "detail": f"impl: {exc.message}", "traceback": exc.traceback,
                "fatal": exc.fatal}
    ref_out = {k: arrays[f"output.{k}"] for k in entry["outputs"]}
    vjp = None
    if entry["differentiable"] and hasattr(impl, "vjp"):
        cot = {k[len("cotangent."):]: v for k, v in arrays.items() if k.startswith("cotangent.")}
        vjp = (cot, {k: arrays[f"vjp.{k}"] for k in entry["differentiable"]})
    check = check_example(impl, op, inputs, attrs, ref_out, vjp=vjp, rtol=rtol, atol=atol, timeout=timeout,
                          at_least=(entry["tolerances"]["rtol"], entry["tolerances"]["atol"]))
    if "rounding_boundary" in entry["flags"] and check.error is None and not check.float64:
        return {**result, "status": "skipped",
                "detail": "rounding boundary: the inputs sit on it in float64 only, and the port returns lower precision"}
    result.update(covered=list(check.covered), not_covered=list(check.not_covered))
    if check.error is not None:
        return {**result, "status": "error", "detail": f"impl: {check.error}", "traceback": check.traceback,
                "fatal": check.fatal}
    failed = [(what, c) for what, c in check.checks if not c.passed]
    return {**result, "status": "mismatch" if failed else "pass",
            "detail": "; ".join(f"{what}: {c.describe()}" for what, c in (failed or check.checks)),
            "worst_ratio": max((c.ratio for _, c in check.checks), default=0.0), "tolerance": check.tolerance}
