"""``refspace demo vq``: a tiny VQ-VAE trained end to end with the reference's own backward passes.

Data: seeded synthetic clusters in R^16 (``n_clusters`` centres plus small noise).
Model: encoder ``x -> tanh(x W1 + b1) W2 + b2 = z`` (R^16 -> R^32 -> R^4), a VQ bottleneck
with K codes, decoder ``z_q -> tanh(z_q V1 + c1) V2 + c2`` (R^4 -> R^32 -> R^16), trained
with Adam on ``mse(x_hat, x) + VQ terms`` (kexue.fm/archives/6760, last loss equation):

``"loss"`` codebook
    ``beta ||sg[z] - z_q||^2 + gamma ||z - sg[z_q]||^2`` (beta 1, gamma 0.25); Adam moves the
    codes too.
``"ema"`` codebook
    commitment term only; codes follow the bias-corrected EMA (decay 0.99, eps 1e-5),
    updated after the step's lookup.

Both start from the same weights and the same codebook (K encoder outputs of random
training points). The decoder sees ``z + sg[z_q - z]`` (straight-through).
"""
from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np

from ..ops.activations import tanh_backward, tanh_forward
from ..ops.affine import affine_backward, affine_forward
from ..ops.mse import mse_backward, mse_forward
from ..core.validate import generator
from ..optim import Adam
from .ema import ema_init, ema_update
from .losses import vq_loss_backward, vq_loss_forward
from .quantise import quantise, vq_st_backward, vq_st_forward


@dataclasses.dataclass(frozen=True)
class MLP:
    """Two affine maps with a tanh between: ``tanh(x W1 + b1) W2 + b2``."""

    W1: np.ndarray
    b1: np.ndarray
    W2: np.ndarray
    b2: np.ndarray

    @classmethod
    def init(cls, sizes, rng):
        generator("rng", rng)
        a, h, b = sizes
        return cls(rng.normal(0, 1 / np.sqrt(a), (a, h)), np.zeros(h), rng.normal(0, 1 / np.sqrt(h), (h, b)),
                   np.zeros(b))


def mlp_forward(x, p: MLP):
    u, c1 = affine_forward(x, p.W1, p.b1)
    h, c2 = tanh_forward(u)
    y, c3 = affine_forward(h, p.W2, p.b2)
    return y, (c1, c2, c3)


def mlp_backward(dy, cache):
    c1, c2, c3 = cache
    dh, dW2, db2 = affine_backward(dy, c3)
    dx, dW1, db1 = affine_backward(tanh_backward(dh, c2), c1)
    return dx, MLP(dW1, db1, dW2, db2)


N_TRAIN, N_HELD_OUT = 3584, 512
MAX_CODES = N_TRAIN  # the codebook is initialised from distinct training points


def make_data(rng, n, dim=16, n_clusters=24, noise=0.05):
    generator("rng", rng)
    centres = rng.normal(size=(n_clusters, dim))
    return centres[rng.integers(0, n_clusters, n)] + noise * rng.normal(size=(n, dim))


def train(codebook_mode: str, steps: int, seed: int, *, codes: int = 32, batch: int = 128, lr: float = 3e-3,
          log_every: int = 100, on_log: Callable[[dict], None] | None = None) -> list[dict]:
    """Train one model; returns the logged rows (step, recon, perplexity, usage, held-out recon)."""
    if codebook_mode not in ("loss", "ema"):
        raise ValueError(f"codebook_mode: expected 'loss' or 'ema', got {codebook_mode!r}")
    if not 1 <= codes <= MAX_CODES:
        raise ValueError(f"codes: expected 1 to {MAX_CODES} (the codebook starts from distinct training points), "
                         f"got {codes}")
    rng = np.random.default_rng(seed)
    data = make_data(rng, N_TRAIN + N_HELD_OUT)
    held_out = data[-N_HELD_OUT:]
    data = data[:-N_HELD_OUT]
    enc, dec = MLP.init((16, 32, 4), rng), MLP.init((4, 32, 16), rng)
    E = mlp_forward(data[rng.choice(len(data), codes, replace=False)], enc)[0]
    params = {"enc": enc, "dec": dec, "E": E} if codebook_mode == "loss" else {"enc": enc, "dec": dec}
    opt = Adam(lr=lr)
    state, ema = opt.init(params), ema_init(E)
    batch_rng = np.random.default_rng(seed + 1)
    rows = []
    for step in range(1, steps + 1):
        x = data[batch_rng.integers(0, len(data), batch)]
        codebook = params["E"] if codebook_mode == "loss" else E
        z, enc_cache = mlp_forward(x, params["enc"])
        z_q, st_cache = vq_st_forward(z, codebook)
        q = st_cache[0]
        x_hat, dec_cache = mlp_forward(z_q, params["dec"])
        recon, mse_cache = mse_forward(x_hat, x)
        beta = 1.0 if codebook_mode == "loss" else 0.0
        _, vq_cache = vq_loss_forward(z, codebook, q.indices, beta=beta, gamma=0.25)
        dz_q, ddec = mlp_backward(mse_backward(np.array(1.0), mse_cache)[0], dec_cache)
        dz_st, _ = vq_st_backward(dz_q, st_cache)
        dz_vq, dE, _ = vq_loss_backward(np.array(1.0), vq_cache)
        _, denc = mlp_backward(dz_st + dz_vq, enc_cache)
        grads = {"enc": denc, "dec": ddec, "E": dE} if codebook_mode == "loss" else {"enc": denc, "dec": ddec}
        params, state = opt.step(params, grads, state)
        if codebook_mode == "ema":
            E, ema = ema_update(E, ema, z, q.indices, decay=0.99, eps=1e-5)
        if step == 1 or step % log_every == 0 or step == steps:
            codebook = params["E"] if codebook_mode == "loss" else E
            zh = mlp_forward(held_out, params["enc"])[0]
            qh = quantise(zh, codebook)
            held = float(mse_forward(mlp_forward(qh.z_q, params["dec"])[0], held_out)[0])
            row = {"codebook": codebook_mode, "step": step, "recon": float(recon), "perplexity": q.perplexity,
                   "usage": q.usage, "held_out_recon": held, "held_out_perplexity": qh.perplexity}
            rows.append(row)
            if on_log is not None:
                on_log(row)
    return rows


def run(steps: int = 1500, seed: int = 0, codes: int = 32, on_log=None) -> dict:
    """Both codebook modes from the same seed. Returns {"loss": rows, "ema": rows}."""
    return {mode: train(mode, steps, seed, codes=codes, on_log=on_log) for mode in ("loss", "ema")}
