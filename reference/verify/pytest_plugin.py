"""A pytest plug-in for porters: run the golden and live checks of every op a port implements.

Installed with refspace (entry point ``pytest11``), it adds options and does nothing until
they are used::

    pytest --pyargs reference.verify.conformance_tests --refspace-impl mypkg.port:impl

One test per golden case (``test_golden[lstm_layer/t_4_b_3_i_2_h_5]``) and one live test per
op (``test_live[lstm_layer]``); ops the port does not list in ``ops`` are reported as skipped.
At the end a summary gives the coverage: ops checked, gradients compared, gradients the port
declared it does not compute.

Options (each also an ini setting in ``pytest.ini`` / ``[tool.pytest.ini_options]``, so a
port keeps its lists in its own repository):

``--refspace-impl MODULE:ATTR``   the implementation (required by the conformance tests)
``--refspace-golden DIR``         golden folder (default: the set shipped with refspace)
``--refspace-skip PATTERN``       skip matching tests (repeatable; ini ``refspace_skip``, one per line)
``--refspace-xfail PATTERN``      expect matching tests to fail (strict: one that passes is
                                  reported, so fixed bugs leave the list; ini ``refspace_xfail``)
``--refspace-max-examples N``     live examples per op (default 50)
``--refspace-seed N``             random live search reproducible by N (default: derandomized)
``--refspace-rtol R``, ``--refspace-atol A``   override the tolerance (finite, >= 0, at most 0.1)
``--refspace-timeout S``          seconds per call into the port before it fails as hung (default 60; 0: none)

A pattern matches a test's id with ``fnmatch``: ``golden/fsq/*rounding_boundary``,
``live/onlstm_lm``, ``*/onlstm_*`` (golden ids are ``golden/<case id>``, live ids
``live/<op>``).
"""
from __future__ import annotations

import dataclasses
import fnmatch

import pytest

_OPTIONS = (
    ("impl", dict(metavar="MODULE:ATTR", help="refspace conformance: the implementation under test")),
    ("golden", dict(metavar="DIR", help="refspace conformance: golden folder (default: the shipped set)")),
    ("skip", dict(action="append", metavar="PATTERN", help="refspace conformance: skip tests matching PATTERN")),
    ("xfail", dict(action="append", metavar="PATTERN",
                   help="refspace conformance: tests matching PATTERN are expected to fail (strict)")),
    ("max-examples", dict(type=int, metavar="N", help="refspace conformance: live examples per op (default 50)")),
    ("seed", dict(type=int, metavar="N", help="refspace conformance: random live search reproducible by N")),
    ("rtol", dict(type=float, metavar="R", help="refspace conformance: relative tolerance override")),
    ("atol", dict(type=float, metavar="A", help="refspace conformance: absolute tolerance override")),
    ("timeout", dict(type=float, metavar="S", help="refspace conformance: seconds per call into the port "
                                                    "(default 60; 0: none)")),
)


def pytest_addoption(parser):
    group = parser.getgroup("refspace", "refspace conformance kit (reference.verify.conformance_tests)")
    for name, kwargs in _OPTIONS:
        group.addoption(f"--refspace-{name}", dest=f"refspace_{name.replace('-', '_')}", **kwargs)
    for name in ("impl", "golden", "max_examples", "seed", "rtol", "atol", "timeout"):
        parser.addini(f"refspace_{name}", f"refspace conformance: default of --refspace-{name.replace('_', '-')}")
    parser.addini("refspace_skip", "refspace conformance: patterns of tests to skip", type="linelist")
    parser.addini("refspace_xfail", "refspace conformance: patterns of tests expected to fail", type="linelist")


@dataclasses.dataclass
class Settings:
    spec: str
    impl: object
    golden: str
    skip: tuple
    xfail: tuple
    max_examples: int
    seed: int | None
    rtol: float | None
    atol: float | None
    timeout: float | None = None
    outcomes: dict = dataclasses.field(default_factory=dict)    # test id -> (op, covered, not covered)


_KEY = pytest.StashKey[Settings]()


def _option(config, name, kind=str):
    value = config.getoption(f"refspace_{name}")
    if value is None or value == []:
        value = config.getini(f"refspace_{name}") or None
        if value is not None and kind is not list:
            try:
                value = kind(value)
            except ValueError:
                _usage(f"refspace_{name}: expected {kind.__name__}, got {value!r}")
    return value


class _SettingsError(ValueError):
    pass


_ERROR = pytest.StashKey[str]()


def _usage(message: str):
    raise _SettingsError(f"refspace: {message}")


def settings(config) -> Settings:
    """The conformance settings of this run (``_SettingsError`` without a loadable ``--refspace-impl``:
    the run ends as a usage error, exit 4)."""
    if _KEY in config.stash:
        return config.stash[_KEY]
    from .adapters import load_impl
    from .golden import FROZEN_DIR

    spec = _option(config, "impl")
    if not spec:
        _usage("reference.verify.conformance_tests needs --refspace-impl MODULE:ATTR (the implementation under test)")
    try:
        impl = load_impl(spec)
    except ValueError as exc:
        _usage(str(exc))
    from .compare import checked_tolerances
    from .sandbox import DEFAULT_TIMEOUT, checked_timeout

    max_examples = _option(config, "max_examples", int)
    max_examples = 50 if max_examples is None else max_examples
    if max_examples < 1:
        _usage(f"--refspace-max-examples: expected a positive integer, got {max_examples}")
    seed = _option(config, "seed", int)
    if seed is not None and seed < 0:
        _usage(f"--refspace-seed: expected a non-negative integer, got {seed}")
    try:
        rtol, atol = checked_tolerances(_option(config, "rtol", float), _option(config, "atol", float),
                                        "--refspace-")
        timeout = _option(config, "timeout", float)
        timeout = checked_timeout(DEFAULT_TIMEOUT if timeout is None else timeout)
    except (TypeError, ValueError) as exc:
        _usage(str(exc))
    s = Settings(spec, impl, _option(config, "golden") or FROZEN_DIR,
                 tuple(_option(config, "skip", list) or ()), tuple(_option(config, "xfail", list) or ()),
                 max_examples, seed, rtol, atol, timeout)
    config.stash[_KEY] = s
    return s


def _marks(s: Settings, test_id: str, implemented: bool):
    if not implemented:
        return [pytest.mark.skip(reason="not implemented by the port (not in its ops)")]
    for pattern in s.skip:
        if fnmatch.fnmatchcase(test_id, pattern):
            return [pytest.mark.skip(reason=f"--refspace-skip {pattern}")]
    for pattern in s.xfail:
        if fnmatch.fnmatchcase(test_id, pattern):
            return [pytest.mark.xfail(reason=f"--refspace-xfail {pattern}", strict=True)]
    return []


def pytest_generate_tests(metafunc):
    names = metafunc.fixturenames
    if "refspace_golden_case" not in names and "refspace_live_op" not in names:
        return
    try:
        _generate(metafunc, names)
    except _SettingsError as exc:   # reported once collection ends, as a usage error (exit 4)
        metafunc.config.stash[_ERROR] = str(exc)
        for name in ("refspace_golden_case", "refspace_live_op"):
            if name in names:
                metafunc.parametrize(name, [])


def pytest_collection_modifyitems(config, items):
    if _ERROR in config.stash:
        raise pytest.UsageError(config.stash[_ERROR])


def _generate(metafunc, names):
    s = settings(metafunc.config)
    ops = set(getattr(s.impl, "ops", ()))
    if "refspace_golden_case" in names:
        from .golden import load_manifest

        try:
            manifest = load_manifest(s.golden)
        except _SettingsError:
            raise
        except ValueError as exc:
            _usage(str(exc))
        params = [pytest.param((manifest, entry), id=entry["id"],
                               marks=_marks(s, f"golden/{entry['id']}", entry["op"] in ops))
                  for entry in manifest["cases"]]
        metafunc.parametrize("refspace_golden_case", params)
    if "refspace_live_op" in names:
        from .live import strategies

        params = [pytest.param(op, id=op, marks=_marks(s, f"live/{op}", op in ops)) for op in sorted(strategies())]
        metafunc.parametrize("refspace_live_op", params)


@pytest.fixture
def refspace_conformance(request) -> Settings:
    """The run's conformance settings (implementation, golden folder, search, tolerances)."""
    return settings(request.config)


def record(s: Settings, test_id: str, op: str, covered, not_covered) -> None:
    s.outcomes[test_id] = (op, set(covered), set(not_covered))


def pytest_terminal_summary(terminalreporter, config):
    if _KEY not in config.stash:
        return
    s = config.stash[_KEY]
    write = terminalreporter.write_line
    terminalreporter.section("refspace conformance coverage")
    write(f"implementation: {s.spec}; golden: {s.golden}")
    ops = sorted({op for op, _, _ in s.outcomes.values()})
    all_ops = sorted({op for op, _, _ in s.outcomes.values()} | set(getattr(s.impl, "ops", ())))
    write(f"ops checked: {len(ops)} ({', '.join(ops) or 'none'})")
    for op in ops:
        covered = set().union(*(c for o, c, _ in s.outcomes.values() if o == op))
        lacking = set().union(*(n for o, _, n in s.outcomes.values() if o == op))
        line = f"  {op}: forward, gradients {', '.join(sorted(covered)) or 'none'}"
        write(line + (f"; not covered (declared by the port): {', '.join(sorted(lacking))}" if lacking else ""))
    unchecked = [op for op in all_ops if op not in ops]
    if unchecked:
        write(f"listed by the port but not checked (skipped or deselected): {', '.join(unchecked)}")
