"""Every denoising exploration holds (each symbolic step and both numeric checks), and the
``refspace puzzle denoising`` command reports and exits by them."""
import pytest

from puzzles import denoising
from puzzles.identities import Exploration, format_report
from reference import cli


@pytest.mark.parametrize("exploration", denoising.ALL, ids=lambda f: f.__name__)
def test_the_exploration_holds(exploration):
    result = exploration()
    assert len(result.numeric) == 2 and result.symbolic
    assert result.holds, format_report([result])


def test_the_command_prints_every_check_and_fails_on_a_failed_one(capsys, monkeypatch):
    monkeypatch.setattr(denoising, "ALL", (denoising.ula_variance, denoising.shrinkage))
    assert cli.main(["puzzle", "denoising"]) == 0
    out = capsys.readouterr().out
    assert "ULA variance: stationary variance" in out and out.count("numeric  ok") == 4
    broken = lambda: Exploration("broken", "a claim", {"a step": False}, {"one": True, "two": True})
    monkeypatch.setattr(denoising, "ALL", (denoising.shrinkage, broken))
    assert cli.main(["puzzle", "denoising"]) == 1
    assert "symbolic FAIL a step" in capsys.readouterr().out
