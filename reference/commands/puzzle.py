"""``refspace puzzle list|ellipse|identities|denoising``: the maths sandbox."""
from __future__ import annotations

from .common import EXIT_FAILED, EXIT_OK, Formatter, progress


def _cmd_puzzle_list(args) -> int:
    from puzzles import EXPLORATIONS

    for name, (module, summary) in EXPLORATIONS.items():
        print(f"{name:<12} {summary}  (python -m {module})")
    return EXIT_OK


def _cmd_puzzle_ellipse(args) -> int:
    from puzzles.ellipse import command

    return command.run(args, progress=progress)


def _cmd_puzzle_identities(args) -> int:
    from puzzles import identities

    results = identities.run_all()
    print(identities.format_report(results))
    return EXIT_OK if all(r.holds for r in results) else EXIT_FAILED


def _cmd_puzzle_denoising(args) -> int:
    from puzzles import denoising, identities

    results = denoising.run_all()
    print(identities.format_report(results))
    return EXIT_OK if all(r.holds for r in results) else EXIT_FAILED


def register(sub) -> None:
    puzzle = sub.add_parser("puzzle", formatter_class=Formatter, help="maths sandbox explorations",
                            description="Runnable explorations: claim, symbolic derivation, two numeric checks.",
                            epilog="examples:\n  refspace puzzle list\n  refspace puzzle ellipse --a 2 --b 1\n"
                                   "  refspace puzzle identities\n  refspace puzzle denoising")
    psub = puzzle.add_subparsers(dest="puzzle", metavar="PUZZLE")
    psub.required = True
    psub.add_parser("list", help="list the explorations").set_defaults(func=_cmd_puzzle_list)
    from puzzles.ellipse import command

    pe = psub.add_parser(
        "ellipse", formatter_class=Formatter, help="two elliptical sheets glued into a solid (kexue.fm 6818)",
        description=command.DESCRIPTION,
        epilog="examples:\n  refspace puzzle ellipse --a 2 --b 1\n"
               "  refspace puzzle ellipse --a 3 --b 1 --mesh solid.stl --plot solid.png --no-table")
    command.add_arguments(pe)
    pe.set_defaults(func=_cmd_puzzle_ellipse)
    psub.add_parser("identities", help="ON-LSTM level identity, cumax backward, VQ split, straight-through"
                    ).set_defaults(func=_cmd_puzzle_identities)
    psub.add_parser("denoising", help="Tweedie, the DDE energy and gradient, Langevin variance, shrinkage, "
                                      "tempering, MDSM (kexue.fm 7038)").set_defaults(func=_cmd_puzzle_denoising)
