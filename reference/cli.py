"""The ``refspace`` command (also ``python -m reference``).

Subcommands (each in :mod:`reference.commands`):
  check   seeded gradient checks of every registered op, one table row per op
  bench   benchmarks (lstm, onlstm, vq): time and ratios to the lower bound and to peers, measured in one run
  demo    end-to-end demonstrations (vq, parse)
  parse   unsupervised trees from a trained ON-LSTM language model
  words   new-word discovery: a lexicon from raw text
  golden  golden vectors for other implementations
  verify  check another implementation (live with hypothesis, or against golden files)
  puzzle  the maths sandbox (list, ellipse, identities)

Exit status: 0 success, 1 a check failed, 2 usage or input error (one line on stderr; set
REFSPACE_TRACEBACK=1 to see the traceback instead), 3 an internal error (a bug in refspace:
one line too, please report it with the traceback), 130 interrupted.
"""
from __future__ import annotations

import argparse
import os
import sys

from . import __version__
from .commands import modules_for
from .commands.common import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, Formatter, Parser


def _command(argv) -> str | None:
    """The command named in ``argv`` (its first argument that is not an option), if any."""
    return next((a for a in argv if not a.startswith("-")), None) if argv is not None else None


def build_parser(argv=None) -> argparse.ArgumentParser:
    """The whole parser; given the arguments, only the parser of the command they name (a
    command imports only its own module), or the whole one if they name none."""
    parser = Parser(
        prog="refspace", formatter_class=Formatter,
        description="NumPy reference implementations with hand-written backward passes.",
        epilog="examples:\n  refspace check\n  refspace check --op lstm_layer --json\n  refspace bench lstm\n"
               "  refspace demo vq\n  refspace puzzle ellipse --a 2 --b 1")
    parser.add_argument("--version", action="version", version=f"refspace {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for module in modules_for(_command(argv)):
        module.register(sub)
    return parser


def _one_line(text) -> str:
    return " ".join(str(text).split()) or "(no message)"


def main(argv=None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    args = build_parser(argv).parse_args(argv)
    name = f"refspace {args.command}"
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print(f"{name}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. `refspace check | head`: the reader left; stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:
        if os.environ.get("REFSPACE_TRACEBACK"):
            raise
        if isinstance(exc, (ValueError, TypeError)):
            message, code = _one_line(exc), EXIT_USAGE
        elif isinstance(exc, OverflowError):   # a number too large for NumPy's C types
            message, code = f"a number is out of range ({_one_line(exc)}); choose smaller values", EXIT_USAGE
        elif isinstance(exc, MemoryError):
            message, code = f"not enough memory ({_one_line(exc)}); choose smaller sizes", EXIT_USAGE
        elif isinstance(exc, OSError):
            where = f"{exc.filename}: " if exc.filename else ""
            message, code = f"{where}{exc.strerror or _one_line(exc)}", EXIT_USAGE
        else:
            message = (f"internal error, a bug in refspace: {type(exc).__name__}: {_one_line(exc)} "
                       "(please report it; REFSPACE_TRACEBACK=1 shows the traceback)")
            code = EXIT_INTERNAL
        print(f"{name}: error: {message}", file=sys.stderr)
        return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
