"""How much memory a benchmark will take, checked against what the machine has before it starts.

Sizes a user types (``--hidden 1000000``) can ask for more memory than exists; the benchmark is
refused up front with the amount it would need, instead of a ``MemoryError`` half-way or the
machine swapping. The estimates count the large arrays (inputs, per-step activations kept for
the backward pass, weights and their gradients, the peers' copies) and are meant to be within
a small factor, not exact.
"""
from __future__ import annotations

import os


def available_bytes() -> int | None:
    """MemAvailable from /proc/meminfo (Linux), else physical memory, else None (unknown)."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def _human(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    raise AssertionError("unreachable")


def require(what: str, nbytes: int, available: int | None = None) -> None:
    """ValueError naming the memory ``what`` needs when it is more than is available."""
    available = available_bytes() if available is None else available
    if available is not None and nbytes > available:
        raise ValueError(f"{what}: these sizes need about {_human(nbytes)} of memory and {_human(available)} "
                         "is available; choose smaller sizes")


def recurrent_layer_bytes(batch, steps, input_size, hidden, gate_width, itemsize, with_torch) -> int:
    """A recurrent layer's forward+backward: x and its gradient, per step the pre-activations,
    gates and their gradients and the states; weights, gradients and one working copy."""
    per_step = batch * (2 * input_size + 3 * gate_width + 6 * hidden)
    weights = 3 * (input_size + hidden + 1) * gate_width
    return itemsize * (steps * per_step + weights) * (2 if with_torch else 1)


def vq_bytes(N, D, K, itemsize, with_peers) -> int:
    """Assignment: Z, the codebook and the bare GEMM's N x K output; SciPy's float64 N x K."""
    return itemsize * (N * D + K * D + N * K) + (8 * N * K if with_peers else 0)
