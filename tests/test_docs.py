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


def test_the_readme_sample_of_refspace_check_is_current(check_output):
    import pathlib
    import re

    readme = pathlib.Path(__file__).resolve().parents[1] / "README.md"
    if not readme.exists():
        pytest.skip("no README beside the tests")
    text = readme.read_text()
    sample = text[re.search(r"^op +cases +worst rel error", text, re.M).start():]
    sample = sample[:sample.index("```")].strip().splitlines()
    code, out = check_output
    assert code == 0
    actual = out.strip().splitlines()
    shape = lambda lines: [re.sub(r"\d\.\d\de-\d\d", "E", line) for line in lines]   # errors vary with BLAS
    assert shape(sample) == shape(actual)


def test_the_readme_ops_table_is_the_catalogue():
    import pathlib

    from reference.verify.catalogue import catalogue, markdown_table

    readme = pathlib.Path(__file__).resolve().parents[1] / "README.md"
    if not readme.exists():
        pytest.skip("no README beside the tests")
    text = readme.read_text()
    start = text.index("<!-- ops table: refspace check --list --markdown -->\n")
    end = text.index("\n<!-- end of ops table -->")
    assert text[start:end].split("\n", 1)[1] == markdown_table(catalogue())


def test_every_op_names_its_source_and_is_covered():
    from reference.core.registry import registered_ops
    from reference.verify.catalogue import catalogue

    rows = catalogue()
    assert [r["op"] for r in rows] == [op.name for op in registered_ops()]
    for r in rows:
        assert r["source"] and r["summary"], r["op"]
        assert r["golden"], f"{r['op']} has no golden vectors"
        assert r["check"] or r["kind"] == "forward only", r["op"]


@pytest.mark.parametrize("heading", ["### Modules: shared weights", "### Masking and the aligned", "### GAN building blocks", "### Denoising autoencoders"])
def test_the_readme_examples_run(tmp_path, heading):
    import pathlib
    import re

    readme = pathlib.Path(__file__).resolve().parents[1] / "README.md"
    if not readme.exists():
        pytest.skip("no README beside the tests")
    text = readme.read_text()
    section = text[text.index(heading):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    code = code.replace("/tmp/lm.npz", str(tmp_path / "lm.npz"))
    exec(compile(code, "README modules example", "exec"), {})     # its asserts are the checks
