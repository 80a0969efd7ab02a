"""Saving and loading a module's parameters and states as ``.npz``, ties kept.

``save_module(path, module)`` stores each distinct parameter (and state) once, under the first
path that reaches it, and a table (JSON text in the array ``__refspace_module__``) listing every
path: ``{"path", "kind": "parameter"|"state", "tie": null or the path whose array it shares,
"transpose": whether this path reads the array transposed}`` (an output layer reading an
embedding as ``E.T`` is a transposed tie; the array is always stored untransposed).
``load_module(path, module)`` fills a module built by the same code:

- every path of the module must be in the file and every path of the file in the module, with
  the shapes the module expects; the first mismatch is a ``ValueError`` naming the entry;
- a tie in the file is a tie again after loading: the paths hold one ``Parameter`` object (or
  its declared ``.T``), even if the module was built untied; a module that ties paths the file
  stores separately is refused (the file's values could differ);
- the file is data: arrays load without pickling and the table is JSON, checked field by field.

Writing is atomic (a temporary file renamed into place).

Example
-------
>>> import os, tempfile, numpy as np
>>> from reference.modules import Dense, Embedding, EmbeddingDense, Sequential
>>> emb = Embedding(5, 3, rng=np.random.default_rng(0))
>>> model = Sequential(emb, EmbeddingDense(emb))
>>> path = os.path.join(tempfile.mkdtemp(), "tied.npz")
>>> save_module(path, model)
>>> sorted(k for k in np.load(path).files if k != TABLE)      # E stored once
['layers.0.weight', 'layers.1.b']
>>> untied = Sequential(Embedding(5, 3, rng=np.random.default_rng(1)),
...                     Dense(3, 5, activation="softmax", rng=np.random.default_rng(2)))
>>> load_module(path, untied)
>>> untied.layers[1].W.base is untied.layers[0].weight           # tied again
True
"""
from __future__ import annotations

import json

import numpy as np

from ..core.npzio import load_npz, save_npz
from .module import Module, walk
from .parameter import State, Transposed

TABLE = "__refspace_module__"
FORMAT = 1


def _base(leaf):
    return leaf.base if isinstance(leaf, Transposed) else leaf


def _entries(module: Module) -> tuple[list, dict]:
    """The table of ``module`` and the arrays to store (each distinct leaf once, under its first
    untransposed path when it has one, so an untied module can be re-tied on loading)."""
    leaves = walk(module)
    home = {}
    for path, leaf in leaves:
        key = id(_base(leaf))
        if key not in home or (home[key][1] and not isinstance(leaf, Transposed)):
            home[key] = (path, isinstance(leaf, Transposed))
    entries, arrays = [], {}
    for path, leaf in leaves:
        base = _base(leaf)
        stored_at = home[id(base)][0]
        if stored_at == path:
            arrays[path] = base.value
        entries.append({"path": path, "kind": "state" if isinstance(leaf, State) else "parameter",
                        "tie": None if stored_at == path else stored_at, "transpose": isinstance(leaf, Transposed)})
    return entries, arrays


def save_module(path, module: Module) -> None:
    """Write ``module``'s parameters and states to ``path`` (``.npz``), each distinct one once."""
    if not isinstance(module, Module):
        raise TypeError(f"module: expected a Module, got {type(module).__name__}")
    entries, arrays = _entries(module)
    if TABLE in arrays:
        raise ValueError(f"module: a path is named {TABLE!r}, which the file format reserves")
    arrays[TABLE] = np.array(json.dumps({"format": FORMAT, "entries": entries}))
    save_npz(path, arrays, allow_text=True)


def _read_table(path, arrays) -> list:
    if TABLE not in arrays:
        raise ValueError(f"{path}: no {TABLE!r} table (not written by save_module)")
    try:
        table = json.loads(str(arrays[TABLE]))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: {TABLE}: not valid JSON ({exc})") from None
    if not isinstance(table, dict) or table.get("format") != FORMAT or not isinstance(table.get("entries"), list):
        raise ValueError(f"{path}: {TABLE}: expected {{'format': {FORMAT}, 'entries': [...]}}")
    stored = {e.get("path") for e in table["entries"] if isinstance(e, dict) and e.get("tie") is None}
    for k, e in enumerate(table["entries"]):
        where = f"{path}: {TABLE}: entries[{k}]"
        if not isinstance(e, dict) or not isinstance(e.get("path"), str) or e.get("kind") not in ("parameter", "state") \
                or not isinstance(e.get("transpose"), bool) or not (e.get("tie") is None or isinstance(e.get("tie"), str)):
            raise ValueError(f"{where}: expected path (string), kind (parameter|state), tie (null|string), "
                             f"transpose (bool), got {e!r}")
        if e["tie"] is None and e["path"] not in arrays:
            raise ValueError(f"{path}: entry {e['path']!r} has no array")
        if e["tie"] is not None and e["tie"] not in stored:
            raise ValueError(f"{where}: ties {e['path']!r} to {e['tie']!r}, which is not stored")
    extra = sorted(set(arrays) - stored - {TABLE})
    if extra:
        raise ValueError(f"{path}: array {extra[0]!r} is not in the table")
    return table["entries"]


def _set_path(module, path: str, value) -> None:
    *parents, last = path.split(".")
    obj = module
    for part in parents:
        obj = obj[int(part)] if isinstance(obj, (list, tuple)) else obj[part] if isinstance(obj, dict) \
            else getattr(obj, part)
    if isinstance(obj, Module):
        setattr(obj, last, value)
    elif isinstance(obj, list):
        obj[int(last)] = value
    elif isinstance(obj, dict):
        obj[last] = value
    else:
        raise ValueError(f"{path}: cannot re-tie an entry inside a {type(obj).__name__}")


def load_module(path, module: Module) -> None:
    """Fill ``module`` (built by the same code) from ``path``; see the module docstring."""
    if not isinstance(module, Module):
        raise TypeError(f"module: expected a Module, got {type(module).__name__}")
    arrays = load_npz(path)
    entries = _read_table(path, arrays)
    ours = dict(walk(module))
    theirs = {e["path"]: e for e in entries}
    for p in ours:
        if p not in theirs:
            raise ValueError(f"{path}: missing entry {p!r} (the module has it, the file does not)")
    for p in theirs:
        if p not in ours:
            raise ValueError(f"{path}: extra entry {p!r} (the file has it, the module does not)")
    # check everything before changing anything: a refused file leaves the module as it was
    first_of, retie = {}, []
    for e in entries:
        leaf, p = ours[e["path"]], e["path"]
        if (e["kind"] == "state") != isinstance(leaf, State):
            raise ValueError(f"{path}: entry {p!r} is a {e['kind']} in the file, not in the module")
        if e["tie"] is None:
            base, value = _base(leaf), arrays[p]
            if value.dtype.kind not in "fiub":
                raise ValueError(f"{path}: entry {p!r}: dtype {value.dtype}, expected real numbers")
            if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
                raise ValueError(f"{path}: entry {p!r}: holds NaN or infinity")
            if value.shape != base.value.shape or e["transpose"] != isinstance(leaf, Transposed):
                raise ValueError(f"{path}: entry {p!r}: shape {value.shape}{' read transposed' * e['transpose']}, "
                                 f"the module expects {base.value.shape}"
                                 f"{' read transposed' * isinstance(leaf, Transposed)}")
            if id(base) in first_of:
                raise ValueError(f"{path}: entry {p!r} is stored on its own, but the module ties it to "
                                 f"{first_of[id(base)]!r}")
            first_of[id(base)] = p
    for e in entries:
        if e["tie"] is not None:
            target = _base(ours[e["tie"]])
            want = target.T if e["transpose"] else target
            leaf = ours[e["path"]]
            if want.shape != leaf.shape:
                raise ValueError(f"{path}: entry {e['path']!r}: tied to {e['tie']!r} with shape {want.shape}, "
                                 f"the module expects {leaf.shape}")
            if _base(leaf) is not target or isinstance(leaf, Transposed) != e["transpose"]:
                retie.append((e["path"], want))
    for e in entries:
        if e["tie"] is None:
            _base(ours[e["path"]]).assign(arrays[e["path"]])
    for p, want in retie:
        _set_path(module, p, want)
