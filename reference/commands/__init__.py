"""The ``refspace`` subcommands, one module per group; each has ``register(subparsers)``.

Order here is the order in ``refspace --help``.
"""
from . import bench, check, conformance, demo, parse, puzzle

MODULES = (check, bench, demo, parse, conformance, puzzle)
