"""Wall-clock timing helpers for benchmarks (median of repeats after a warm-up)."""
from __future__ import annotations

import dataclasses
import statistics
import time
from typing import Callable


@dataclasses.dataclass(frozen=True)
class Timing:
    """Seconds of each repeat; ``median`` is what benchmarks compare."""

    seconds: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def best(self) -> float:
        return min(self.seconds)

    @property
    def spread(self) -> float:
        """(max - min) / median: how noisy the repeats were."""
        return (max(self.seconds) - min(self.seconds)) / self.median if self.median else 0.0

    def as_dict(self) -> dict:
        return {"median_s": self.median, "best_s": self.best, "spread": self.spread, "repeats": len(self.seconds)}


def time_interleaved(fns: dict[str, Callable[[], object]], repeat: int = 5, warmup: int = 1,
                     pause: float = 0.3, min_sample: float = 0.05) -> dict[str, Timing]:
    """Time several callables round-robin (one sample of each per round) so that machine noise
    (another process, frequency changes) hits all of them alike and their ratios stay fair.

    Each callable is called ``warmup`` times untimed first, then ``repeat`` samples are timed.
    A sample is ``n`` back-to-back calls, with ``n`` chosen from the warm-up so that a sample
    lasts at least ``min_sample`` seconds (``n = 1`` for anything slower); the time reported
    is per call. Without this a call of a few milliseconds would be timed straight after the
    pause below, with cold caches, which penalises many small NumPy calls more than one GEMM.

    Before each timed sample the process sleeps ``pause`` seconds: NumPy's OpenBLAS, SciPy's
    own bundled OpenBLAS and PyTorch's OpenMP keep their worker threads spinning for a while
    after a call, and on two cores those threads would otherwise slow whichever library runs
    next (measured: nearest-code assignment 50 ms alone, 90 ms right after a SciPy call).
    """
    calls = {}
    for name, fn in fns.items():
        elapsed = float("inf")
        for _ in range(warmup):
            start = time.perf_counter()
            fn()
            elapsed = time.perf_counter() - start
        calls[name] = 1 if elapsed >= min_sample or elapsed == float("inf") else \
            min(1000, int(min_sample / max(elapsed, 1e-6)) + 1)
    seconds: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            time.sleep(pause)
            n = calls[name]
            start = time.perf_counter()
            for _ in range(n):
                fn()
            seconds[name].append((time.perf_counter() - start) / n)
    return {name: Timing(tuple(s)) for name, s in seconds.items()}


def bench_result(benchmark: str, what: str, sizes: dict, timings: dict[str, Timing], peer: dict | None) -> dict:
    """The dict every benchmark returns (printed by the CLI, or as JSON with ``--json``).

    ``rows`` hold each implementation's timing and ``ratio_refspace_to_this`` = refspace's
    median / this one's median, both measured in the same run.
    """
    ref = timings["refspace"].median
    rows = [{"name": name, **t.as_dict(), "ratio_refspace_to_this": ref / t.median} for name, t in timings.items()]
    return {"benchmark": benchmark, "what": what, "sizes": sizes, "rows": rows, "torch": peer}


def optional_torch():
    """PyTorch when it is importable (a benchmark peer), else None."""
    try:
        import torch
    except ImportError:
        return None
    return torch
