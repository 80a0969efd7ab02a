"""``refspace bench ema`` and ``refspace bench fsq``: the VQ update and scalar quantiser against
their PyTorch peers, measured in the same run.

- EMA (:func:`reference.vq.ema.ema_update`, sizes (N, D, K) as ``bench vq``'s defaults) against
  a bare PyTorch EMA of the same statistics: ``index_add_`` for counts and sums, decay,
  Laplace smoothing, divide (no validation, no bias correction).
- FSQ forward+backward (:mod:`reference.vq.fsq`, N x 4 channels, levels 8, 5, 5, 5) against
  vector-quantize-pytorch's ``FSQ`` forward and autograd backward, when that package is
  installed (the torch extra).
"""
from __future__ import annotations

import numpy as np

from ..vq.ema import ema_init, ema_update
from ..vq.fsq import fsq_backward, fsq_forward
from .timing import bench_result, optional_torch, time_interleaved

EMA_SIZES = ((65536, 64, 512), (16384, 256, 1024))
FSQ_LEVELS = (8, 5, 5, 5)


def run_ema(N, D, K, *, repeat=5, seed=0, with_torch=True) -> dict:
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((N, D)).astype(np.float32)
    E = rng.standard_normal((K, D)).astype(np.float32)
    idx = rng.integers(0, K, N)
    state = ema_init(E)
    fns = {"refspace": lambda: ema_update(E, state, z, idx)}
    peer = None
    torch = optional_torch() if with_torch else None
    if torch is not None:
        zt, it, ones = torch.from_numpy(z), torch.from_numpy(idx), torch.ones(N)
        counts, sums = torch.zeros(K), torch.zeros(K, D)

        def torch_ema(decay=0.99, eps=1e-5):
            n_k = torch.zeros(K).index_add_(0, it, ones)
            s_k = torch.zeros(K, D).index_add_(0, it, zt)
            c = counts * decay + (1 - decay) * n_k
            m = sums * decay + (1 - decay) * s_k
            total = c.sum()
            return m / ((c + eps) / (total + K * eps) * total)[:, None]

        fns["torch index_add_ EMA"] = torch_ema
        peer = {"version": torch.__version__, "threads": torch.get_num_threads()}
    timings = time_interleaved(fns, repeat=repeat)
    return bench_result("ema", "EMA codebook update", {"N": N, "D": D, "K": K, "dtype": "float32"}, timings, peer)


def run_fsq(N=2**20, *, repeat=5, seed=0, with_torch=True) -> dict:
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((N, len(FSQ_LEVELS))).astype(np.float32)
    g = rng.standard_normal(z.shape).astype(np.float32)

    def ours():
        _, cache = fsq_forward(z, FSQ_LEVELS)
        fsq_backward(g, cache)

    fns = {"refspace": ours}
    peer = None
    if with_torch:
        try:
            import torch
            from vector_quantize_pytorch import FSQ
        except ImportError:
            FSQ = None
        if FSQ is not None:
            module = FSQ(levels=list(FSQ_LEVELS))
            zt = torch.from_numpy(z).view(1, N, -1).requires_grad_(True)
            gt = torch.from_numpy(g).view(1, N, -1)

            def theirs():
                zt.grad = None
                out, _ = module(zt)
                out.backward(gt)

            fns["vector-quantize-pytorch FSQ"] = theirs
            peer = {"version": torch.__version__, "threads": torch.get_num_threads()}
    timings = time_interleaved(fns, repeat=repeat)
    sizes = {"N": N, "levels": "x".join(map(str, FSQ_LEVELS)), "dtype": "float32"}
    return bench_result("fsq", "FSQ forward+backward", sizes, timings, peer)
