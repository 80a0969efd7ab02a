"""Codebook health: the tracker against a recomputation from the whole history, the demo's health
columns, and the usage picture (matplotlib) with its path checked before training."""
import json

import numpy as np
import pytest

from reference import cli
from reference.vq.health import UsageTracker


def test_the_tracker_agrees_with_the_whole_history():
    rng = np.random.default_rng(0)
    K, window = 12, 5
    tracker, history = UsageTracker(K, window=window), []
    for step in range(1, 40):
        idx = rng.integers(0, K // (1 + step // 10), rng.integers(1, 6))      # fewer codes as training goes
        tracker.update(idx)
        history.append(np.bincount(idx, minlength=K))
        recent = np.sum(history[-window:], axis=0)
        used_ever = np.sum(history, axis=0) > 0
        last = np.array([max([s for s, h in enumerate(history, 1) if h[k]], default=-1) for k in range(K)])
        dead = sum((last[k] < 0 and step >= window) or (last[k] >= 0 and step - last[k] >= window) for k in range(K))
        assert tracker.dead() == dead and tracker.active_fraction() == np.count_nonzero(recent) / K
        p = recent[recent > 0] / recent.sum()
        assert tracker.perplexity() == pytest.approx(np.exp(-(p * np.log(p)).sum()))
        assert used_ever.sum() == np.count_nonzero(tracker.total)
    with pytest.raises(ValueError, match="codes in"):
        tracker.update(np.array([K]))


def test_the_demo_reports_health_and_draws_it(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    path = tmp_path / "usage.png"
    assert cli.main(["demo", "vq", "--steps", "120", "--codes", "16", "--plot", str(path), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    for mode in ("loss", "ema"):
        last = rows[mode][-1]
        assert 0 <= last["dead"] <= 16 and last["active"] == pytest.approx(1 - last["dead"] / 16)
        assert sum(last["window_share"]) == pytest.approx(1.0)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert cli.main(["demo", "vq", "--plot", str(tmp_path / "usage.txt")]) == 2
    assert "--plot" in capsys.readouterr().err
