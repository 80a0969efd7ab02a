"""The ellipse exploration as a command: its arguments, the run, and ``python -m puzzles.ellipse``.

``refspace puzzle ellipse`` adds these same arguments to its own parser and calls :func:`run`;
``python -m puzzles.ellipse`` uses :func:`main`, which needs nothing from the ``refspace`` CLI.
Exit status as everywhere in refspace: 0 the sheets glue, 1 they do not, 2 bad input (one
line on stderr), 130 interrupted.
"""
from __future__ import annotations

import argparse
import json
import math
import sys

from reference.core.extras import install_hint
from reference.core.files import output_file


DESCRIPTION = ("Compute the two-ellipse solid for semi-axes a, b (SciPy and mpmath), run the geometric checks, "
               "print a table over a/b and the two-curve generalisation; optionally write a mesh (.obj/.stl) and a "
               "picture (needs matplotlib). If b > a the axes are swapped, with a note. Exit 1 if the sheets do not "
               "glue.")
MIN_DPS, MAX_DPS = 15, 100


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--a", type=float, default=2.0, help="semi-axis along the bending axis (default 2)")
    parser.add_argument("--b", type=float, default=1.0, help="the other semi-axis (default 1)")
    parser.add_argument("--dps", type=int, default=20, help=f"mpmath digits, {MIN_DPS} to {MAX_DPS} (default 20)")
    parser.add_argument("--mesh", metavar="FILE", help="write a closed mesh, .obj or .stl")
    parser.add_argument("--mesh-resolution", type=int, default=200, help="seam samples of the mesh (default 200)")
    parser.add_argument("--plot", metavar="FILE", help="write a picture (.png/.svg/.pdf; needs matplotlib)")
    parser.add_argument("--no-table", action="store_true", help="skip the table over a/b and the curve pairs")
    parser.add_argument("--json", action="store_true", help="machine-readable output on stdout")


def json_safe(obj):
    """``obj`` with every non-finite float replaced by None (JSON has no NaN or infinity)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    return obj


def run(args, progress=lambda text: None) -> int:
    """Validate every argument and output path, compute, write the files, print; returns the exit code."""
    from . import report          # SciPy and mpmath: imported when the puzzle runs, not for --help

    a, b, note = report.normalise_axes(args.a, args.b)
    if not MIN_DPS <= args.dps <= MAX_DPS:
        raise ValueError(f"--dps: expected {MIN_DPS} to {MAX_DPS} digits (100 takes about 30 s), got {args.dps}")
    if not 8 <= args.mesh_resolution <= 5000:
        raise ValueError(f"--mesh-resolution: expected 8 to 5000 seam samples, got {args.mesh_resolution}")
    # every output is checked before the computation starts
    if args.mesh:
        output_file("--mesh", args.mesh, (".obj", ".stl"))
    if args.plot:
        output_file("--plot", args.plot, (".png", ".svg", ".pdf"))
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            raise ValueError(f"--plot needs matplotlib: {install_hint('matplotlib')}") from None
    if note:
        print(note, file=sys.stderr)
    progress("computing the construction two ways (SciPy, mpmath)")
    result = report.run(a, b, dps=args.dps, table=not args.no_table, pairs=not args.no_table)
    if args.mesh:
        from .mesh import solid_mesh, write_mesh
        from .numeric import EllipseSciPy

        verts, tris = solid_mesh(EllipseSciPy(a, b), n=args.mesh_resolution, m=max(4, args.mesh_resolution // 8))
        fmt = write_mesh(args.mesh, verts, tris)
        print(f"wrote {fmt.upper()} mesh {args.mesh} ({len(verts)} vertices, {len(tris)} triangles)", file=sys.stderr)
    if args.plot:
        from .plot import draw

        draw(a, b, args.plot)
        print(f"wrote picture {args.plot}", file=sys.stderr)
    print(json.dumps(json_safe(result), indent=2) if args.json else report.format_report(result))
    return 0 if result["ellipse"]["gluing"]["min"] >= -1e-12 else 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m puzzles.ellipse", description=DESCRIPTION)
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except (ValueError, TypeError, OSError) as exc:
        print(f"{parser.prog}: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{parser.prog}: interrupted", file=sys.stderr)
        return 130
