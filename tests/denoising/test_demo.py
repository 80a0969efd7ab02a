"""The score demo: its W2 distance against brute force and the 1-D sorted matching, the stratified
reference, the command's output and errors, and (slow) the annealing claim with a learnt score."""
import itertools
import json

import numpy as np
import pytest

from reference import cli
from reference.denoising import demo


def test_w2_is_the_best_matching():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((6, 2)), rng.standard_normal((6, 2)) + 1
    brute = min(np.mean(((a - b[list(p)]) ** 2).sum(1)) for p in itertools.permutations(range(6)))
    assert demo.w2_distance(a, b) == pytest.approx(np.sqrt(brute), rel=1e-12)
    u, v = rng.standard_normal((300, 1)), rng.exponential(size=(300, 1))
    assert demo.w2_distance(u, v) == pytest.approx(np.sqrt(np.mean((np.sort(u[:, 0]) - np.sort(v[:, 0])) ** 2)))
    with pytest.raises(ValueError, match="equal shapes"):
        demo.w2_distance(a, b[:5])


def test_the_stratified_reference_has_the_exact_weights():
    x = demo.stratified_sample(demo.target(), 1000, np.random.default_rng(1), 0.1)
    assert x.shape == (1000, 2) and demo.small_mode_weight(x) == 0.2


def test_the_command(capsys):
    argv = ["demo", "score", "--train-steps", "20", "--chains", "50", "--levels", "3", "--steps-per-level", "5",
            "--quiet"]
    assert cli.main(argv + ["--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert [(row["score"], row["sampler"]) for row in r["rows"]] == [
        ("learnt", "plain"), ("learnt", "annealed"), ("exact", "plain"), ("exact", "annealed")]
    assert r["score_evaluations"] == 15 and len(r["levels"]) == 3 and r["levels"][0] == pytest.approx(20)
    assert all(abs(row["weight_error"] - abs(row["weight"] - 0.2)) < 1e-12 for row in r["rows"])
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "  exact   annealed" in out and "recovered the 0.2 weight within 0.05:" in out
    assert cli.main(["demo", "score", "--chains", "0"]) == 2
    assert cli.main(["demo", "score", "--eps", "-1"]) == 2


@pytest.mark.slow
def test_annealing_recovers_the_small_mode_with_a_learnt_score_and_plain_langevin_does_not():
    r = demo.run(seed=0)
    rows = {(row["score"], row["sampler"]): row for row in r["rows"]}
    assert rows["learnt", "annealed"]["weight_error"] <= 0.05
    assert rows["exact", "annealed"]["weight_error"] <= 0.05
    assert abs(rows["exact", "plain"]["weight"] - r["initial_weight"]) < 0.05      # keeps its initial split
    assert rows["learnt", "plain"]["weight_error"] > 0.1
    assert rows["learnt", "annealed"]["w2"] < rows["learnt", "plain"]["w2"] / 2
