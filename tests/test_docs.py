"""Every docstring example in the package runs and prints what it claims."""
import doctest
import importlib
import pkgutil

import pytest

import reference
import puzzles

MODULES = sorted(
    m.name for pkg in (reference, puzzles) for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + ".")
    if not m.name.endswith("__main__"))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
