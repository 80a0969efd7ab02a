"""Hypothesis profiles and the slow marker for the whole suite.

- Tests marked ``slow`` (training runs whose learning claims are tested) are deselected by
  default; ``pytest -m slow`` runs only them, and the ``thorough`` profile runs everything.
- ``default`` profile: derandomized (a green run stays green), few examples, no deadline; keeps the
  suite within a few minutes on 2 cores.
- ``thorough`` profile: many random examples; select with ``REFSPACE_HYPOTHESIS_PROFILE=thorough``.
"""
import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "default", max_examples=25, derandomize=True, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "thorough", max_examples=500, derandomize=False, deadline=None,
    suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("REFSPACE_HYPOTHESIS_PROFILE", "default"))


def pytest_report_header(config):
    """Which copy of the package is under test (the installed one, thanks to --import-mode=importlib)."""
    import puzzles
    import reference

    return [f"refspace {reference.__version__} under test: {os.path.dirname(reference.__file__)}, "
            f"{os.path.dirname(puzzles.__file__)}"]


def pytest_collection_modifyitems(config, items):
    """Deselect ``slow`` tests unless a -m expression or the thorough profile asks for them."""
    if config.option.markexpr or os.environ.get("REFSPACE_HYPOTHESIS_PROFILE") == "thorough":
        return
    slow = [item for item in items if item.get_closest_marker("slow")]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if not item.get_closest_marker("slow")]


pytest_plugins = ["pytester"]   # the conformance plug-in's tests run pytest in a subprocess


@pytest.fixture(scope="session")
def check_output():
    """``refspace check``'s exit status and stdout, run once per test session (every test that
    reads the full check shares this run)."""
    import contextlib
    import io

    from reference import cli

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli.main(["check"])
    return code, out.getvalue()
