"""The ``refspace`` subcommands, one module per group; each has ``register(subparsers)``.

Order here is the order in ``refspace --help``.
"""
from . import bench, check, conformance, demo, parse, puzzle, words

MODULES = (check, bench, demo, parse, words, conformance, puzzle)
