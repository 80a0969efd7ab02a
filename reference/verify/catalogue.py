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


def text_table(rows) -> str:
    lines = [f"{'op':<18} {'kind':<18} {'covered by':<18} source"]
    lines += [f"{r['op']:<18} {r['kind']:<18} {_covered(r):<18} {r['source']}" for r in rows]
    return "\n".join(lines)


def markdown_table(rows) -> str:
    lines = ["| op | what | kind | source | covered by |", "| --- | --- | --- | --- | --- |"]
    cell = lambda text: text.replace("|", "&#124;")
    lines += [f"| `{r['op']}` | {cell(r['summary'])} | {r['kind']} | {cell(r['source'])} | {_covered(r)} |"
              for r in rows]
    return "\n".join(lines)
