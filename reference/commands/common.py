"""Pieces every ``refspace`` subcommand shares: exit codes, help formatting, progress lines."""
from __future__ import annotations

import argparse
import math
import sys

from ..core.limits import MAX_ATOL, MAX_RTOL

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class Formatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the examples in each epilog on their own lines."""


MAX_INT_ARG = 2**31 - 1   # counts, sizes, steps and indices typed on the command line


def _bounded(convert, what: str, *, low=None, high=None, unparsable: str | None = None):
    """An argparse type: ``convert(text)`` (int or float), finite, within [low, high]; the
    messages say ``expected <what>`` (``unparsable`` when the text is not a number at all)."""
    def parse(text: str):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{unparsable or 'expected ' + what}, got {text!r}") from None
        in_range = (low is None or value >= low) and (high is None or value <= high)
        if not ((convert is int or math.isfinite(value)) and in_range):   # ints may exceed any float
            raise argparse.ArgumentTypeError(f"expected {what}, got {text}")
        return value
    return parse


_integer = _bounded(int, f"an integer of magnitude at most {MAX_INT_ARG}", low=-MAX_INT_ARG, high=MAX_INT_ARG,
                    unparsable="invalid int value")
_finite = _bounded(float, "a finite number", unparsable="invalid float value")


class Parser(argparse.ArgumentParser):
    """argparse with usage errors on one line, like every other refspace error (exit 2), and the
    value checks every option shares: ``type=int`` is an integer of magnitude at most
    :data:`MAX_INT_ARG` (no overflow deep inside NumPy), ``type=float`` a finite number, and a
    string value (paths, names) is never empty."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.register("type", int, _integer)
        self.register("type", float, _finite)

    def _get_value(self, action, arg_string):
        if action.type is None and not isinstance(action, argparse._SubParsersAction) and not arg_string.strip():
            raise argparse.ArgumentError(action, "expected a non-empty value, got an empty one")
        return super()._get_value(action, arg_string)

    def error(self, message):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {' '.join(message.split())} (see {self.prog} --help)\n")


#: argparse types of ``--rtol`` and ``--atol``: finite, >= 0, capped as everywhere tolerances enter
rtol_value = _bounded(float, f"a finite number >= 0 and <= {MAX_RTOL:g}", low=0, high=MAX_RTOL,
                      unparsable="expected a number")
atol_value = _bounded(float, f"a finite number >= 0 and <= {MAX_ATOL:g}", low=0, high=MAX_ATOL,
                      unparsable="expected a number")
#: ``--timeout``: a finite number of seconds >= 0 (0: none)
seconds = _bounded(float, "a finite number of seconds >= 0 (0: none)", low=0, unparsable="expected a number of seconds")
#: ``--seed``: a non-negative integer (NumPy's seeds)
seed = _bounded(int, "a non-negative integer", low=0)


def positive_int(name: str, value, **kwargs) -> int:
    """:func:`reference.core.validate.positive_int`, imported when a command runs (``--help``
    imports no NumPy)."""
    from ..core.validate import positive_int as check

    return check(name, value, **kwargs)


def finite_or_none(v: float):
    """JSON has no infinity: report it as null."""
    return v if math.isfinite(v) else None


def progress(text: str) -> None:
    """A progress line on stderr, only when a person is watching (stderr is a terminal)."""
    if sys.stderr.isatty():
        print(f"... {text}", file=sys.stderr, flush=True)


class ProgressBar:
    """One self-rewriting line on stderr (only on a terminal): ``update(label, fraction)`` with a
    fraction in [0, 1], or None when the total is unknown; ``close()`` ends the line."""

    def __init__(self, width: int = 30):
        self.width, self.shown = width, False

    def update(self, label: str, fraction=None) -> None:
        if not sys.stderr.isatty():
            return
        if fraction is None:
            bar = ""
        else:
            done = int(round(self.width * min(max(fraction, 0.0), 1.0)))
            bar = f" [{'#' * done}{' ' * (self.width - done)}] {100 * fraction:3.0f}%"
        sys.stderr.write(f"\r... {label:<24}{bar}\x1b[K")
        sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\n")
            sys.stderr.flush()
            self.shown = False
