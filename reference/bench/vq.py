"""``refspace bench vq``: nearest-code assignment, time and peak extra memory.

Sizes (N x D x K, float32) default to the VQ issue's 65536 x 64 x 512 and 16384 x 256 x 1024.
Compared in the same run: the bare GEMM ``Z @ E.T`` (the lower bound, building the full
N x K product), ``scipy.cluster.vq.vq`` and, when installed, faiss ``IndexFlatL2``. Peak
extra memory is what ``tracemalloc`` sees NumPy allocate during one call (faiss allocates
outside NumPy, so its figure is not comparable and is left out).
"""
from __future__ import annotations

import tracemalloc

import numpy as np

from ..vq.assign import nearest_codes
from .timing import bench_result, time_interleaved

DEFAULT_SIZES = ((65536, 64, 512), (16384, 256, 1024))


def _peak_mib(fn) -> float:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def run_size(N, D, K, *, dtype="float32", repeat=5, seed=0, with_peers=True) -> dict:
    dt = np.dtype(dtype)
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((N, D)).astype(dt)
    E = rng.standard_normal((K, D)).astype(dt)
    fns = {"refspace": lambda: nearest_codes(Z, E), "bare GEMM": lambda: Z @ E.T}
    if with_peers:
        import scipy.cluster.vq

        fns["scipy vq"] = lambda: scipy.cluster.vq.vq(Z, E, check_finite=False)
        try:
            import faiss  # noqa: F401  (optional peer)

            index = faiss.IndexFlatL2(D)
            index.add(np.ascontiguousarray(E, dtype=np.float32))
            fns["faiss IndexFlatL2"] = lambda: index.search(np.ascontiguousarray(Z, dtype=np.float32), 1)
        except ImportError:
            pass
    timings = time_interleaved(fns, repeat=repeat)
    result = bench_result("vq", "nearest-code assignment", {"N": N, "D": D, "K": K, "dtype": dt.name}, timings, None)
    for row in result["rows"]:
        row["peak_mib"] = None if row["name"].startswith("faiss") else _peak_mib(fns[row["name"]])
    return result


def run(sizes=DEFAULT_SIZES, *, dtype="float32", repeat=5, seed=0, with_peers=True) -> list[dict]:
    return [run_size(N, D, K, dtype=dtype, repeat=repeat, seed=seed, with_peers=with_peers) for N, D, K in sizes]
