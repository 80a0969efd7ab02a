"""``refspace bench vq``: nearest-code assignment, time and peak extra memory.

Sizes (N x D x K, float32) default to the VQ issue's 65536 x 64 x 512 and 16384 x 256 x 1024;
:data:`GRID` is N in {1e4, 1e5} x D in {16, 64, 256} x K in {256, 1024, 8192}.
Compared in the same run:

- ``bare GEMM``: ``Z @ E.T``, the full N x K product, into an output allocated once (a fresh
  N x K array per call would time page faults, not the GEMM);
- ``chunked GEMM``: the same product in refspace's chunks (the augmented (D + 1)-column GEMM
  into one reused buffer): the lower bound of any assignment built on a GEMM;
- ``chunked GEMM + argmin``: that plus one argmin pass, the least work that yields indices
  (refspace also certifies each row against the GEMM's rounding, see :mod:`reference.vq.assign`);
- ``scipy.cluster.vq.vq`` and, when installed, faiss ``IndexFlatL2``.

Peak extra memory is what ``tracemalloc`` sees NumPy allocate during one call (faiss allocates
outside NumPy, so its figure is not comparable and is left out).
"""
from __future__ import annotations

import tracemalloc

import numpy as np

from ..vq.assign import chunk_rows, machine_chunk_bytes, nearest_codes
from .timing import bench_result, time_interleaved

DEFAULT_SIZES = ((65536, 64, 512), (16384, 256, 1024))
GRID = tuple((N, D, K) for N in (10_000, 100_000) for D in (16, 64, 256) for K in (256, 1024, 8192))


def _chunked(Z, E, argmin: bool):
    """The chunked, augmented GEMM of :func:`reference.vq.assign.nearest_codes` (and an argmin)."""
    N, D = Z.shape
    K = E.shape[0]
    rows = chunk_rows(N, D, K, Z.dtype.itemsize, machine_chunk_bytes())
    E_aug = np.empty((D + 1, K), dtype=Z.dtype)
    E_aug[:D] = -2 * E.T
    E_aug[D] = (E * E).sum(axis=1)
    Z_aug = np.empty((rows, D + 1), dtype=Z.dtype)
    Z_aug[:, D] = 1
    buf = np.empty((rows, K), dtype=Z.dtype)

    def run():
        for start in range(0, N, rows):
            n = min(rows, N - start)
            Z_aug[:n, :D] = Z[start:start + n]
            np.matmul(Z_aug[:n], E_aug, out=buf[:n])
            if argmin:
                buf[:n].argmin(axis=1)
    return run


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
    gemm_out = np.empty((N, K), dtype=dt)       # allocated once: the bound times only the arithmetic
    fns = {"refspace": lambda: nearest_codes(Z, E), "bare GEMM": lambda: np.matmul(Z, E.T, out=gemm_out),
           "chunked GEMM": _chunked(Z, E, False), "chunked GEMM + argmin": _chunked(Z, E, True)}
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
        if row["name"] == "bare GEMM":          # its N x K output, allocated before the timed calls
            row["peak_mib"] += gemm_out.nbytes / 2**20
    return result


def run(sizes=DEFAULT_SIZES, *, dtype="float32", repeat=5, seed=0, with_peers=True) -> list[dict]:
    return [run_size(N, D, K, dtype=dtype, repeat=repeat, seed=seed, with_peers=with_peers) for N, D, K in sizes]
