"""Identity explorations hold; the puzzle commands and ``python -m`` entry points work."""
import json
import subprocess
import sys

import pytest

from puzzles import EXPLORATIONS, identities
from reference import cli


def test_every_identity_holds():
    for result in identities.run_all():
        assert result.holds, identities.format_report([result])


def test_puzzle_commands(capsys):
    assert cli.main(["puzzle", "list"]) == 0
    listing = capsys.readouterr().out
    assert all(name in listing for name in EXPLORATIONS)
    assert cli.main(["puzzle", "ellipse", "--a", "1", "--b", "2", "--no-table", "--json"]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["ellipse"]["a"] == 2.0 and "swapped" in captured.err
    assert abs(data["ellipse"]["X"]["scipy"] - 1.5697573788407) < 1e-10
    assert cli.main(["puzzle", "ellipse", "--a", "-1"]) == 2
    assert "a: expected a finite positive semi-axis" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:            # argparse refuses a NaN before the command runs
        cli.main(["puzzle", "ellipse", "--a", "nan"])
    assert exc.value.code == 2 and "expected a finite number" in capsys.readouterr().err
    assert cli.main(["puzzle", "identities"]) == 0


def test_modules_run_on_their_own():
    for args in (["-m", "puzzles.identities"], ["-m", "puzzles.ellipse", "--a", "1.5", "--no-table"]):
        done = subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        assert "holds" in done.stdout or "glues: yes" in done.stdout


def test_puzzle_modules_run_without_the_refspace_cli():
    code = ("import sys, runpy\n"
            "sys.argv = ['x', '--a', '1e9']\n"
            "try:\n    runpy.run_module('puzzles.ellipse', run_name='__main__')\n"
            "except SystemExit as e:\n    print('exit', e.code, 'reference.cli' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.stdout.strip() == "exit 2 False", (done.stdout, done.stderr)
    assert len(done.stderr.strip().splitlines()) == 1 and "a: expected a semi-axis" in done.stderr
