"""Every op the project declares, with its source and what covers it (``refspace check --list``).

Coverage, per op: ``check`` (seeded gradient checks run by ``refspace check``), ``golden``
(vectors in the frozen set shipped in ``golden_data/``) and ``live`` (``refspace verify OP``
can draw examples). The README's op table is :func:`markdown_table` of this, checked by a test.
"""
from __future__ import annotations

import numpy as np

from ..core.registry import registered_ops

def catalogue() -> list[dict]:
    """One row per op: name, summary, source, kind, check, golden, live."""
    from .golden import FROZEN_DIR, load_manifest
    from .live import strategies

    golden = {c["op"] for c in load_manifest(FROZEN_DIR)["cases"]}
    live = strategies()
    rows = []
    for op in registered_ops():
        if op.differentiable:
            cases = op.cases(np.random.default_rng(0))
            kind = "designed gradient" if any(c.surrogate is not None for c in cases) else "gradient"
        else:
            kind = "forward only"
        rows.append({"op": op.name, "summary": op.summary, "source": op.source, "kind": kind,
                     "check": op.differentiable, "golden": op.name in golden, "live": op.name in live})
    return rows


def _covered(row) -> str:
    return " ".join(k for k in ("check", "golden", "live") if row[k]) or "-"


def _rows(rows) -> list:
    if not isinstance(rows, (list, tuple)) or not all(isinstance(r, dict) for r in rows):
        raise TypeError(f"rows: expected the list of dicts catalogue() returns, got {type(rows).__name__}")
    return list(rows)


def text_table(rows) -> str:
    rows = _rows(rows)
    lines = [f"{'op':<18} {'kind':<18} {'covered by':<18} source"]
    lines += [f"{r['op']:<18} {r['kind']:<18} {_covered(r):<18} {r['source']}" for r in rows]
    return "\n".join(lines)


def markdown_table(rows) -> str:
    rows = _rows(rows)
    lines = ["| op | what | kind | source | covered by |", "| --- | --- | --- | --- | --- |"]
    cell = lambda text: text.replace("|", "&#124;")
    lines += [f"| `{r['op']}` | {cell(r['summary'])} | {r['kind']} | {cell(r['source'])} | {_covered(r)} |"
              for r in rows]
    return "\n".join(lines)


def _attribute_values(values) -> str:
    """The values one attribute takes across the seeded cases, e.g. "None | array (3, 4) bool"."""
    seen = []
    for v in values:
        text = (f"array {tuple(v.shape)} {v.dtype}" if isinstance(v, np.ndarray)
                else v.__qualname__ if callable(v) else repr(v))
        if text not in seen:
            seen.append(text)
    return " | ".join(seen)


def signature(name: str) -> dict:
    """What a port of ``name`` receives and returns, in the calling convention of
    :mod:`reference.verify.convention`: flat input names with the shapes and dtypes of the first
    seeded case, each declared attribute with the values the seeded cases give it, the outputs,
    for differentiable ops the gradients, and each foreign layout that applies (the input and
    gradient names and shapes a port declaring it sees)."""
    from ..core.layouts import layouts_for
    from .convention import ReferenceImpl, flatten

    ops = {op.name: op for op in registered_ops()}
    if name not in ops:
        raise ValueError(f"op: unknown op {name!r}; expected one of {sorted(ops)}")
    op = ops[name]
    rng = np.random.default_rng(0)
    if op.differentiable:
        cases = [(flatten(c.inputs, c.names), dict(c.attrs)) for c in op.cases(rng)]
    else:
        cases = [op.example(rng)]
    inputs, attrs = cases[0]
    impl = ReferenceImpl()
    outputs = impl.forward(name, inputs, attrs)
    describe = lambda arrays: [{"name": k, "shape": list(np.shape(v)), "dtype": str(np.asarray(v).dtype)}
                               for k, v in arrays.items()]
    out = {"op": name, "source": op.source, "kind": "differentiable" if op.differentiable else "forward only",
           "declared_inputs": list(op.inputs), "inputs": describe(inputs),
           "attributes": {k: _attribute_values(a.get(k) for _, a in cases) for k in op.attributes},
           "outputs": describe(outputs), "layouts": {}}
    grads = None
    if op.differentiable:
        cot = {k: np.ones(np.shape(v)) for k, v in outputs.items() if np.issubdtype(np.asarray(v).dtype, np.floating)}
        grads = impl.vjp(name, inputs, attrs, cot)
        out["gradients"] = describe(grads)
    for layout in layouts_for(name):
        # the first seeded case the layout can express (the torch BiRNN has no ON-LSTM cell)
        case = next(((i, a) for i, a in cases if layout.applies is None or layout.applies(a)), None)
        if case is None:
            continue
        lin, lattrs = case
        louts = impl.forward(name, lin, lattrs)
        lgrads = impl.vjp(name, lin, lattrs, {k: np.ones(np.shape(v)) for k, v in louts.items()
                                              if np.issubdtype(np.asarray(v).dtype, np.floating)}) if grads else None
        foreign, _ = layout.to_foreign(lin, lattrs)
        entry = {"doc": layout.doc, "inputs": describe(foreign),
                 "gradients": describe(layout.grads_to_foreign(lgrads, lattrs)) if lgrads else []}
        if layout.outputs_to_foreign is not None:
            entry["outputs"] = describe(layout.outputs_to_foreign(louts, lattrs))
        out["layouts"][layout.name] = entry
    return out


def signature_text(sig: dict) -> str:
    if not isinstance(sig, dict):
        raise TypeError(f"sig: expected the dict signature() returns, got {type(sig).__name__}")
    fmt = lambda rows: ", ".join(f"{r['name']} {tuple(r['shape'])} {r['dtype']}" for r in rows) or "(none)"
    lines = [f"{sig['op']} ({sig['kind']}; {sig['source']})",
             f"  inputs      {fmt(sig['inputs'])}",
             "  attributes  " + ("; ".join(f"{k}: {v}" for k, v in sig["attributes"].items()) or "(none)"),
             f"  outputs     {fmt(sig['outputs'])}"]
    if "gradients" in sig:
        lines.append(f"  gradients   {fmt(sig['gradients'])}")
    for name, layout in sig.get("layouts", {}).items():
        lines.append(f"  layout {name!r}: {layout['doc']}")
        lines.append(f"    inputs    {fmt(layout['inputs'])}")
        if layout.get("outputs"):
            lines.append(f"    outputs   {fmt(layout['outputs'])}")
        if layout["gradients"]:
            lines.append(f"    gradients {fmt(layout['gradients'])}")
    lines.append("  (shapes of the first seeded case; attributes: the values the seeded cases give them; "
                 "parameters are flattened as params.<field>)")
    return "\n".join(lines)
