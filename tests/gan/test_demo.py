"""The GAN demo: its verdict follows the numbers, the command's output and options, the digits
part skipped cleanly without scikit-learn, and (slow) both generators learn."""
import json

import pytest

from reference import cli
from reference.gan import demo, digits


def _ring(seed, bn, sm):
    return [{"norm": "bn", "seed": seed, "modes": bn, "high_quality": 0.1 * bn},
            {"norm": "selfmod", "seed": seed, "modes": sm, "high_quality": 0.1 * sm}]


def _digits(bn, sm):
    return {"rows": [{"norm": "bn", "fd": bn}, {"norm": "selfmod", "fd": sm}]}


def test_the_verdict_follows_the_numbers():
    better = demo.summarise(_ring(0, 3, 6) + _ring(1, 4, 5), [_digits(3.0, 2.0), _digits(2.5, 2.4)])
    assert better["verdict"].startswith("SELF-MOD helped on both measures (2 seeds")
    assert better["ring"]["selfmod_more_modes"] == 2 and better["digits"]["selfmod_lower_fd"] == 2
    worse = demo.summarise(_ring(0, 6, 3), [_digits(2.0, 3.0)])
    assert worse["verdict"].startswith("SELF-MOD did not help on either measure (one seed")
    mixed = demo.summarise(_ring(0, 3, 6), [_digits(2.0, 3.0)])
    assert mixed["verdict"].startswith("SELF-MOD helped on one measure and not on the other")
    assert "4.50" not in mixed["verdict"] and "6.00 modes on average against BN's 3.00" in mixed["verdict"]


def test_the_command_prints_both_parts_and_json(capsys):
    assert cli.main(["demo", "gan", "--ring-steps", "2", "--digits-steps", "2", "--seeds", "1", "--quiet",
                     "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [(r["norm"], r["seed"]) for r in data["ring"]] == [("bn", 0), ("selfmod", 0)]
    assert all(0 <= r["modes"] <= 8 and 0 <= r["high_quality"] <= 1 for r in data["ring"])
    if data["digits_skipped"] is None:
        (run,) = data["digits"]
        assert [r["norm"] for r in run["rows"]] == ["bn", "selfmod"] and run["classifier_accuracy"] > 0.5
    assert cli.main(["demo", "gan", "--part", "ring", "--ring-steps", "2", "--seeds", "2", "--seed", "5",
                     "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "     5  selfmod" in out and "     6  bn" in out and "(b)" not in out
    assert "(2 seeds: differences within the seed-to-seed spread are not evidence)" in out
    assert cli.main(["demo", "gan", "--seeds", "0"]) == 2


def test_without_scikit_learn_the_digits_part_is_skipped_with_the_reason(capsys, monkeypatch):
    def missing():
        raise ValueError("the 8x8 digits: sklearn is not installed: pip install \"refspace[data]\"")

    monkeypatch.setattr(digits, "digits_path", missing)
    assert cli.main(["demo", "gan", "--ring-steps", "2", "--seeds", "1", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "(b) DCGAN on the 8x8 digits: skipped, the 8x8 digits: sklearn is not installed" in out
    assert "on the digits" not in out.splitlines()[-1]


@pytest.mark.slow
def test_both_generators_learn_the_ring():
    rows = demo.run_ring([0], steps=2000)
    for r in rows:      # an untrained generator puts no sample within 3 std of a centre (0.000 here)
        assert r["high_quality"] > 0.1 and r["modes"] >= 3, r


@pytest.mark.slow
def test_the_dcgan_learns_the_digits():
    pytest.importorskip("sklearn")
    start = demo.run_digits(0, steps=1)["rows"]
    end = demo.run_digits(0, steps=1500)["rows"]
    for a, b in zip(start, end):
        assert b["fd"] < a["fd"] / 4, (a, b)
