"""Pieces every ``refspace`` subcommand shares: exit codes, help formatting, progress lines."""
from __future__ import annotations

import argparse
import math
import sys

from ..core.validate import positive_int  # noqa: F401  (re-exported for the command modules)

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class Formatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the examples in each epilog on their own lines."""


class Parser(argparse.ArgumentParser):
    """argparse with usage errors on one line, like every other refspace error (exit 2)."""

    def error(self, message):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {' '.join(message.split())} (see {self.prog} --help)\n")


def tolerance(text: str) -> float:
    """argparse type of ``--rtol``/``--atol``: a finite number >= 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0, got {text}")
    return value


def seed(text: str) -> int:
    """argparse type of ``--seed``: a non-negative integer (NumPy's seeds)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {value}")
    return value


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
