"""``refspace puzzle list|ellipse|identities``: the maths sandbox."""
from __future__ import annotations

import json
import sys

from ..core.extras import install_hint
from ..core.files import output_file
from .common import EXIT_FAILED, EXIT_OK, Formatter, json_safe, progress

MIN_DPS, MAX_DPS = 15, 100


def _cmd_puzzle_list(args) -> int:
    from puzzles import EXPLORATIONS

    for name, (module, summary) in EXPLORATIONS.items():
        print(f"{name:<12} {summary}  (python -m {module})")
    return EXIT_OK


def _cmd_puzzle_ellipse(args) -> int:
    from puzzles.ellipse import report

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
        from puzzles.ellipse.mesh import solid_mesh, write_mesh
        from puzzles.ellipse.numeric import EllipseSciPy

        verts, tris = solid_mesh(EllipseSciPy(a, b), n=args.mesh_resolution, m=max(4, args.mesh_resolution // 8))
        fmt = write_mesh(args.mesh, verts, tris)
        print(f"wrote {fmt.upper()} mesh {args.mesh} ({len(verts)} vertices, {len(tris)} triangles)", file=sys.stderr)
    if args.plot:
        from puzzles.ellipse.plot import draw

        draw(a, b, args.plot)
        print(f"wrote picture {args.plot}", file=sys.stderr)
    print(json.dumps(json_safe(result), indent=2) if args.json else report.format_report(result))
    glues = result["ellipse"]["gluing"]["min"] >= -1e-12
    return EXIT_OK if glues else EXIT_FAILED


def _cmd_puzzle_identities(args) -> int:
    from puzzles import identities

    results = identities.run_all()
    print(identities.format_report(results))
    return EXIT_OK if all(r.holds for r in results) else EXIT_FAILED


def register(sub) -> None:
    puzzle = sub.add_parser("puzzle", formatter_class=Formatter, help="maths sandbox explorations",
                            description="Runnable explorations: claim, symbolic derivation, two numeric checks.",
                            epilog="examples:\n  refspace puzzle list\n  refspace puzzle ellipse --a 2 --b 1\n"
                                   "  refspace puzzle identities")
    psub = puzzle.add_subparsers(dest="puzzle", metavar="PUZZLE")
    psub.required = True
    psub.add_parser("list", help="list the explorations").set_defaults(func=_cmd_puzzle_list)
    pe = psub.add_parser(
        "ellipse", formatter_class=Formatter, help="two elliptical sheets glued into a solid (kexue.fm 6818)",
        description="Compute the two-ellipse solid for semi-axes a, b (SciPy and mpmath), run the geometric "
                    "checks, print a table over a/b and the two-curve generalisation; optionally write a "
                    "mesh (.obj/.stl) and a picture (needs matplotlib). If b > a the axes are swapped, "
                    "with a note. Exit 1 if the sheets do not glue.",
        epilog="examples:\n  refspace puzzle ellipse --a 2 --b 1\n"
               "  refspace puzzle ellipse --a 3 --b 1 --mesh solid.stl --plot solid.png --no-table")
    pe.add_argument("--a", type=float, default=2.0, help="semi-axis along the bending axis (default 2)")
    pe.add_argument("--b", type=float, default=1.0, help="the other semi-axis (default 1)")
    pe.add_argument("--dps", type=int, default=20, help="mpmath digits, 15 to 100 (default 20)")
    pe.add_argument("--mesh", metavar="FILE", help="write a closed mesh, .obj or .stl")
    pe.add_argument("--mesh-resolution", type=int, default=200, help="seam samples of the mesh (default 200)")
    pe.add_argument("--plot", metavar="FILE", help="write a picture (.png/.svg/.pdf; needs matplotlib)")
    pe.add_argument("--no-table", action="store_true", help="skip the table over a/b and the curve pairs")
    pe.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    pe.set_defaults(func=_cmd_puzzle_ellipse)
    psub.add_parser("identities", help="ON-LSTM level identity, cumax backward, VQ split, straight-through"
                    ).set_defaults(func=_cmd_puzzle_identities)
