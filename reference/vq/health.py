"""Codebook health over training: which codes are alive, and a picture of their use.

:class:`UsageTracker` counts, for every code, how often it was chosen and the last step it was.
A code is *dead* at step t when it has not been chosen in the last ``window`` steps (never
chosen counts as dead once ``window`` steps have passed); the *active fraction* is the share of
codes chosen at least once in the window. Perplexity (``exp`` of the entropy of the window's
code frequencies) is 1 when one code takes everything and K when use is uniform.

:func:`plot_usage` draws, for each training run, the share of each code in every logged window
(a heat map, codes sorted by total use) and the number of dead codes over the steps (matplotlib,
the ``plot`` extra), written atomically.

>>> t = UsageTracker(4, window=2)
>>> t.update(np.array([0, 0, 1]))
>>> t.update(np.array([0]))
>>> t.update(np.array([0]))
>>> t.dead(), t.active_fraction()          # code 1 last used 2 steps ago; 2 and 3 never
(3, 0.25)
"""
from __future__ import annotations

import numpy as np

from ..core.plotting import pyplot, save_figure
from ..core.validate import positive_int


class UsageTracker:
    def __init__(self, K: int, *, window: int = 100):
        self.K, self.window = positive_int("K", K), positive_int("window", window)
        self.step = 0
        self.last_used = np.full(self.K, -1, dtype=np.int64)
        self.total = np.zeros(self.K, dtype=np.int64)
        self._recent: list[np.ndarray] = []

    def update(self, indices) -> None:
        """One training step's code indices."""
        counts = np.bincount(np.asarray(indices).reshape(-1), minlength=self.K)
        if len(counts) != self.K:
            raise ValueError(f"indices: expected codes in [0, {self.K - 1}]")
        self.step += 1
        self.last_used[counts > 0] = self.step
        self.total += counts
        self._recent.append(counts)
        if len(self._recent) > self.window:
            self._recent.pop(0)

    def window_counts(self) -> np.ndarray:
        return np.sum(self._recent, axis=0) if self._recent else np.zeros(self.K, dtype=np.int64)

    def dead(self) -> int:
        """Codes not chosen in the last ``window`` steps."""
        never = (self.last_used < 0) & (self.step >= self.window)
        return int(np.count_nonzero(never | ((self.last_used >= 0) & (self.step - self.last_used >= self.window))))

    def active_fraction(self) -> float:
        return float(np.count_nonzero(self.window_counts()) / self.K)

    def perplexity(self) -> float:
        c = self.window_counts()
        if c.sum() == 0:
            return 0.0
        p = c[c > 0] / c.sum()
        return float(np.exp(-(p * np.log(p)).sum()))


def plot_usage(runs: dict, path) -> None:
    """``runs``: name -> list of logged rows holding "step", "window_share" (K,) and "dead"."""
    plt = pyplot()
    fig, axes = plt.subplots(2, len(runs), figsize=(5.5 * len(runs), 6), squeeze=False,
                             gridspec_kw={"height_ratios": [3, 1]})
    for col, (name, rows) in enumerate(runs.items()):
        share = np.array([r["window_share"] for r in rows]).T               # (K, logs)
        order = np.argsort(-share.sum(axis=1), kind="stable")
        steps = [r["step"] for r in rows]
        ax = axes[0, col]
        im = ax.imshow(share[order], aspect="auto", origin="lower", cmap="viridis", interpolation="nearest",
                       extent=(steps[0], steps[-1], -0.5, share.shape[0] - 0.5))
        ax.set_title(f"{name}: share of each code per window")
        ax.set_ylabel("code (sorted by total use)")
        fig.colorbar(im, ax=ax)
        axes[1, col].plot(steps, [r["dead"] for r in rows], color="tab:red")
        axes[1, col].set_xlabel("training step")
        axes[1, col].set_ylabel("dead codes")
    save_figure(fig, path, dpi=100)
