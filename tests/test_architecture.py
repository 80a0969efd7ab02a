"""The package's layers, read from the source with ``ast``: ``core`` (knows no article) <- ``ops``
<- the article areas <- ``verify``, ``bench``, ``commands`` <- the command line. No module imports
one of a higher layer, no import cycle exists at any level (function-level imports included), the
puzzles never import the command line, and loading the declarations or building the parser
imports only what they need."""
import ast
import pathlib
import subprocess
import sys

import pytest

import reference

ROOT = pathlib.Path(reference.__file__).parent
LAYERS = {"core": 0, "ops": 1, "verify": 3, "bench": 3, "commands": 3, "cli": 4, "console": 4, "__main__": 4}


def _modules(root=ROOT, package="reference"):
    out = {}
    for path in root.rglob("*.py"):
        parts = path.relative_to(root).with_suffix("").parts
        name = ".".join((package,) + (parts[:-1] if parts[-1] == "__init__" else parts))
        out[name] = path
    return out


MODULES = _modules()


def _targets(name, path, known):
    """The modules of ``known`` that ``name`` imports, anywhere in its source."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(base + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            # ``from P import m`` imports the module P.m when there is one, else a name of P
            candidates = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        elif isinstance(node, ast.Import):
            candidates = [a.name for a in node.names]
        else:
            continue
        for c in candidates:
            while c and c not in known and "." in c:
                c = c.rsplit(".", 1)[0]
            if c in known and c != name and not name.startswith(c + "."):   # a package's own parents
                found.add(c)
    return found


GRAPH = {name: _targets(name, path, MODULES) for name, path in MODULES.items()}


def _layer(name):
    parts = name.split(".")
    return 0 if len(parts) == 1 else LAYERS.get(parts[1], 2)


def _cycles(graph):
    """The strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_the_graph_is_read_from_the_source():
    # the reader finds the imports it must: relative, absolute, inside functions
    assert "reference.core.registry" in GRAPH["reference.lstm.cases"]
    assert "reference.ops.activations" in GRAPH["reference.lstm.cell"]
    assert "reference.verify.live" in GRAPH["reference.commands.conformance"]      # a function-level import
    assert len(MODULES) > 100


def test_no_module_imports_a_higher_layer():
    upward = sorted(f"{a} -> {b}" for a, targets in GRAPH.items() for b in targets if _layer(b) > _layer(a))
    assert upward == []


def test_there_is_no_import_cycle():
    assert _cycles(GRAPH) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_puzzles_never_import_the_command_line_or_the_kit():
    puzzles = _modules(ROOT.parent / "puzzles", "puzzles")
    if not puzzles:
        pytest.skip("no puzzles beside the package")
    known = {**MODULES, **puzzles}
    bad = sorted(f"{p} -> {t}" for p, path in puzzles.items() for t in _targets(p, path, known)
                 if t.startswith(("reference.cli", "reference.commands", "reference.console", "reference.bench",
                                  "reference.verify")))
    assert bad == []


def _imported_after(code):
    done = subprocess.run([sys.executable, "-c", code + "\nimport sys\nprint(' '.join(sorted(sys.modules)))"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


def test_discovering_the_declarations_imports_no_command_benchmark_or_kit():
    loaded = _imported_after("from reference.core.registry import discover; discover()")
    on_disk = {f"reference.{p.parent.name}.cases" for p in ROOT.glob("*/cases.py")}
    assert on_disk and on_disk <= loaded
    heavy = sorted(m for m in loaded if m.startswith(("reference.commands", "reference.bench", "reference.cli",
                                                      "reference.verify", "torch", "matplotlib", "puzzles")))
    assert heavy == []


def test_building_the_parser_imports_no_numerical_library():
    # what `refspace --help` runs: each command imports its modules when it runs, not before
    loaded = _imported_after("from reference.cli import build_parser; build_parser()")
    assert "reference.cli" in loaded
    assert sorted(m for m in loaded if m.split(".")[0] in ("numpy", "scipy", "sympy", "mpmath", "hypothesis",
                                                           "torch", "matplotlib")) == []


@pytest.mark.parametrize("argv, command, module", [(["words", "x.txt"], "words", "words"),
                                                   (["verify", "--help"], "verify", "conformance"),
                                                   (["--version", "check"], "check", "check")])
def test_a_command_builds_only_its_own_parser(argv, command, module):
    from reference.cli import build_parser
    from reference.commands import COMMANDS

    loaded = _imported_after(f"from reference.cli import build_parser; build_parser({argv!r})")
    assert sorted(m for m in loaded if m.startswith("reference.commands.")) == sorted(
        {"reference.commands.common", f"reference.commands.{module}"})
    full = build_parser()._subparsers._group_actions[0].choices                  # every command, in help order
    one = build_parser(argv)._subparsers._group_actions[0].choices
    assert list(full) == list(COMMANDS)
    assert set(one) == {c for c, m in COMMANDS.items() if m == module}
    assert [a.dest for a in one[command]._actions] == [a.dest for a in full[command]._actions]


def test_spec_forms_share_nothing_with_the_kernels():
    # a spec module imports NumPy, scipy.special, other spec modules and the parameter dataclasses only
    specs = [name for name in MODULES if name.endswith(".spec")]
    assert len(specs) >= 7
    for name in specs:
        inside = sorted(t for t in GRAPH[name] if not t.endswith((".spec", ".params")))
        assert inside == [], (name, inside)
        tree = ast.parse(MODULES[name].read_text())
        outside = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        outside |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
                    and n.level == 0 and n.module}
        assert outside <= {"numpy", "scipy", "itertools", "__future__"}, (name, outside)
        froms = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level == 0
                 and n.module and n.module.startswith("scipy")}
        assert froms <= {"scipy.special"}, (name, froms)


def test_the_recurrent_checks_moved_out_of_core_with_a_deprecated_alias():
    import warnings

    import reference.core.validate as validate
    from reference.ops import recurrent

    for name in ("state_array", "sequence_inputs"):
        with pytest.warns(DeprecationWarning, match=f"validate.{name} is deprecated; import it from "
                                                    "reference.ops.recurrent"):
            assert getattr(validate, name) is getattr(recurrent, name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(AttributeError, match="no attribute 'nosuch'"):
            validate.nosuch
