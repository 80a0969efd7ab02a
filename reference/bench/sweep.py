"""``refspace bench lstm|onlstm --sweep``: the recurrent layers over a grid of sizes.

Grid: H in {128, 256, 512, 1150} x B in {1, 8, 64} x T in {10, 100}, input size I = H,
float32. ON-LSTM uses chunk size 10 where it divides H (1150: the authors' 115 levels)
and 8 otherwise (16, 32 and 64 levels). Each point times the layer's forward+backward, its
bare GEMMs (:func:`reference.bench.gemms.recurrent_layer_gemms`) and, when PyTorch is
installed, the PyTorch peer, interleaved in the same run.

Threads: NumPy's BLAS thread count is read with ``threadpoolctl`` when it is installed,
else from ``OPENBLAS_NUM_THREADS``/``OMP_NUM_THREADS``, else taken as the core count
(OpenBLAS's default); PyTorch is set to the same count for the sweep, so both sides use the
same cores. Run ``OPENBLAS_NUM_THREADS=1 refspace bench lstm --sweep`` for one thread.
"""
from __future__ import annotations

import contextlib
import os

SWEEP = tuple((H, B, T) for H in (128, 256, 512, 1150) for B in (1, 8, 64) for T in (10, 100))


def chunk_size_for(H: int) -> int:
    """The ON-LSTM chunk size the sweep uses at hidden size H."""
    return 10 if H % 10 == 0 else 8


def blas_threads() -> tuple[int, str]:
    """(threads NumPy's BLAS uses, how that was found)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        threadpool_info = None
    if threadpool_info is not None:
        counts = [p["num_threads"] for p in threadpool_info() if p.get("user_api") == "blas"]
        if counts:
            return max(counts), "threadpoolctl"
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        value = os.environ.get(var, "")
        if value.isdigit() and int(value) > 0:
            return int(value), var
    return os.cpu_count() or 1, "core count (OpenBLAS default)"


@contextlib.contextmanager
def torch_threads(n: int):
    """PyTorch's intra-op thread count set to ``n`` inside the block (no-op without torch)."""
    try:
        import torch
    except ImportError:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def run(benchmark: str, *, points=None, dtype="float32", repeat=3, seed=0, with_torch=True, on_progress=None) -> dict:
    """Time every point of the sweep; returns {"benchmark", "threads", "points": [bench results]}."""
    import importlib

    module = importlib.import_module(f".{benchmark}", __package__)
    threads, source = blas_threads()
    results = []
    with torch_threads(threads):
        for H, B, T in SWEEP if points is None else points:
            sizes = dict(batch=B, steps=T, input_size=H, hidden=H)
            if benchmark == "onlstm":
                sizes["chunk_size"] = chunk_size_for(H)
            if on_progress is not None:
                on_progress(f"sweep: H={H} B={B} T={T}")
            results.append(module.run(**sizes, dtype=dtype, repeat=repeat, seed=seed, with_torch=with_torch))
    return {"benchmark": benchmark, "threads": {"numpy_blas": threads, "found_by": source}, "points": results}


def table(result: dict) -> list[str]:
    """Lines of the sweep's table: time, ratio to the bare GEMMs and to each peer."""
    peers = [row["name"] for row in result["points"][0]["rows"] if row["name"] not in ("refspace", "bare GEMMs")] \
        if result["points"] else []
    lines = []
    for r in result["points"]:
        rows = {row["name"]: row for row in r["rows"]}
        s = r["sizes"]
        line = (f"  {s['H']:>5} {s['B']:>3} {s['T']:>4}  {1e3 * rows['refspace']['median_s']:>11.2f} "
                f"{1e3 * rows['bare GEMMs']['median_s']:>9.2f} {rows['bare GEMMs']['ratio_refspace_to_this']:>7.2f}x")
        for name in peers:
            line += f" {1e3 * rows[name]['median_s']:>9.2f} {rows[name]['ratio_refspace_to_this']:>7.2f}x"
        lines.append(line)
    t = result["threads"]
    head = [f"{result['benchmark']} forward+backward sweep (float32, I = H; medians; BLAS threads: "
            f"{t['numpy_blas']}, from {t['found_by']}; PyTorch set to the same)",
            f"  {'H':>5} {'B':>3} {'T':>4}  {'refspace ms':>11} {'GEMMs ms':>9} {'/GEMMs':>8}"
            + "".join(f" {'peer' + str(k + 1) + ' ms':>9} {'/peer' + str(k + 1):>8}" for k in range(len(peers)))]
    head += [f"  peer{k + 1}: {name}" for k, name in enumerate(peers)] or ["  (no PyTorch: no peer)"]
    return head + lines
