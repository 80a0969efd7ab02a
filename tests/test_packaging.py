"""The package as users get it: the tests import the installed copy, and the wheel carries its data."""
import os
import pathlib
import shutil
import subprocess
import sys
import zipfile

import pytest

import reference

REPO = pathlib.Path(__file__).resolve().parents[1]


def test_golden_data_is_installed_with_the_package():
    from importlib import resources

    data = resources.files("reference.verify") / "golden_data"
    names = {p.name for p in data.iterdir()}
    assert "manifest.json" in names
    assert sum(n.endswith(".npz") for n in names) >= 50


@pytest.mark.skipif(os.environ.get("REFSPACE_TEST_SOURCE") == "1",
                    reason="REFSPACE_TEST_SOURCE=1: testing the source tree on purpose")
def test_the_suite_imports_the_installed_package_not_the_source_tree():
    # pytest runs with --import-mode=importlib (pyproject.toml), so a packaging mistake (a module or
    # data file left out of the wheel) fails here instead of being hidden by the checkout.
    # An editable install (pip install -e .) legitimately points at the checkout: set REFSPACE_TEST_SOURCE=1.
    here = pathlib.Path(reference.__file__).resolve().parent
    assert here != REPO / "reference", f"tests imported {here}, the source tree: install the package first"


def test_the_wheel_contains_every_module_and_the_golden_data(tmp_path):
    pytest.importorskip("setuptools", reason="the test extra installs setuptools to build the wheel offline")
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    for package in ("reference", "puzzles"):
        shutil.copytree(REPO / package, src / package, ignore=shutil.ignore_patterns("__pycache__"))
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                           "-w", str(tmp_path / "dist"), str(src)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    (wheel,) = (tmp_path / "dist").glob("refspace-*.whl")
    inside = set(zipfile.ZipFile(wheel).namelist())
    expected = {p.relative_to(REPO).as_posix() for package in ("reference", "puzzles")
                for p in (REPO / package).rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert expected - inside == set()
    assert "reference/verify/golden_data/manifest.json" in inside
    entry_points = next(n for n in inside if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[pytest11]" in text and "refspace = reference.verify.pytest_plugin" in text   # porters' plug-in
