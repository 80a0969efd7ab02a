"""The ``refspace`` subcommands, one module per group; each has ``register(subparsers)``.

:data:`COMMANDS` maps each command to the module that registers it, in the order of
``refspace --help``; a module is imported only when its command's parser is built
(:func:`modules_for`), so a command does not pay for the others' imports.
"""
from __future__ import annotations

import importlib

COMMANDS = {"check": "check", "bench": "bench", "demo": "demo", "parse": "parse", "words": "words",
            "golden": "conformance", "verify": "conformance", "puzzle": "puzzle"}


def modules_for(command: str | None = None) -> tuple:
    """The command modules to register: the one that defines ``command``, or all of them (in
    help order) when ``command`` is None or unknown (so a usage error lists every command)."""
    names = [COMMANDS[command]] if command in COMMANDS else list(dict.fromkeys(COMMANDS.values()))
    return tuple(importlib.import_module(f"{__name__}.{name}") for name in names)


def __getattr__(name):
    if name == "MODULES":                       # every command module, as before (imports them all)
        return modules_for()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
