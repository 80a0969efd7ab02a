"""``refspace demo vq``: a tiny VQ-VAE trained end to end with the reference's own backward passes.

Spec form: :mod:`reference.vq.spec`, the same equations in plain NumPy, line by line
(``refspace check --spec`` holds the two equal).

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

from ..core.validate import dense_chain, generator, instance
from ..modules import Dense, Parameter, ParameterOptimizer, Sequential
from ..modules.layers import normal_init
from ..ops.mse import mse_backward, mse_forward
from ..optim import Adam
from .ema import ema_init, ema_update
from .health import UsageTracker
from .losses import vq_loss_backward, vq_loss_forward
from .quantise import quantise, vq_st_backward, vq_st_forward


def mlp(sizes, rng) -> Sequential:
    """The demo's encoder/decoder: Dense(a, h, tanh) then Dense(h, b), weights N(0, 1/fan_in),
    zero biases."""
    a, h, b = sizes
    return Sequential(Dense(a, h, activation="tanh", init=normal_init(1 / np.sqrt(a)), rng=rng),
                      Dense(h, b, init=normal_init(1 / np.sqrt(h)), rng=rng))


@dataclasses.dataclass(frozen=True)
class MLP:
    """The arrays of :func:`mlp` ``tanh(x W1 + b1) W2 + b2``, as the ``vq_demo_mlp`` op takes them."""

    W1: np.ndarray
    b1: np.ndarray
    W2: np.ndarray
    b2: np.ndarray


def mlp_forward(x, params: MLP):
    """:func:`mlp` holding ``params``' arrays, on ``x``; returns (y, cache)."""
    p = instance("params", params, MLP)
    dense_chain("x", x, [("params.W1", p.W1, "params.b1", p.b1), ("params.W2", p.W2, "params.b2", p.b2)],
                x_ndim=None)
    net = Sequential(Dense.of(p.W1, p.b1, activation="tanh"), Dense.of(p.W2, p.b2))
    y, vjp = net.forward(x)
    return y, (net, vjp)


def mlp_backward(dy, cache):
    net, vjp = cache
    (dx,) = vjp(dy)
    return dx, MLP(*(param.grad for param in net.parameters()))


N_TRAIN, N_HELD_OUT = 3584, 512
MAX_CODES = N_TRAIN  # the codebook is initialised from distinct training points


def make_data(rng, n, dim=16, n_clusters=24, noise=0.05):
    rng = generator("rng", rng)
    centres = rng.normal(size=(n_clusters, dim))
    return centres[rng.integers(0, n_clusters, n)] + noise * rng.normal(size=(n, dim))


def train(codebook_mode: str, steps: int, seed: int, *, codes: int = 32, batch: int = 128, lr: float = 3e-3,
          log_every: int = 100, on_log: Callable[[dict], None] | None = None) -> list[dict]:
    """Train one model; returns the logged rows: step, batch recon, perplexity and usage, held-out
    recon and perplexity, and the codebook's health over the last ``log_every`` steps (active
    fraction, dead codes, perplexity, each code's share; :mod:`.health`)."""
    if codebook_mode not in ("loss", "ema"):
        raise ValueError(f"codebook_mode: expected 'loss' or 'ema', got {codebook_mode!r}")
    if not 1 <= codes <= MAX_CODES:
        raise ValueError(f"codes: expected 1 to {MAX_CODES} (the codebook starts from distinct training points), "
                         f"got {codes}")
    rng = np.random.default_rng(seed)
    data = make_data(rng, N_TRAIN + N_HELD_OUT)
    held_out = data[-N_HELD_OUT:]
    data = data[:-N_HELD_OUT]
    enc, dec = mlp((16, 32, 4), rng), mlp((4, 32, 16), rng)
    E = enc(data[rng.choice(len(data), codes, replace=False)])
    codebook = Parameter(E, name="codebook")        # trained by Adam ("loss") or moved by the EMA
    params = enc.parameters() + dec.parameters() + ([codebook] if codebook_mode == "loss" else [])
    opt, ema = ParameterOptimizer(Adam(lr=lr), params), ema_init(E)
    beta = 1.0 if codebook_mode == "loss" else 0.0
    batch_rng = np.random.default_rng(seed + 1)
    tracker = UsageTracker(codes, window=log_every)
    rows = []
    for step in range(1, steps + 1):
        x = data[batch_rng.integers(0, len(data), batch)]
        opt.zero_grad()
        z, enc_vjp = enc.forward(x)
        z_q, st_cache = vq_st_forward(z, codebook.value)
        q = st_cache[0]
        tracker.update(q.indices)
        x_hat, dec_vjp = dec.forward(z_q)
        recon, mse_cache = mse_forward(x_hat, x)
        _, vq_cache = vq_loss_forward(z, codebook.value, q.indices, beta=beta, gamma=0.25)
        (dz_q,) = dec_vjp(mse_backward(np.array(1.0), mse_cache)[0])
        dz_st, _ = vq_st_backward(dz_q, st_cache)
        dz_vq, dE, _ = vq_loss_backward(np.array(1.0), vq_cache)
        enc_vjp(dz_st + dz_vq)
        if codebook_mode == "loss":
            codebook.accumulate(dE)
        opt.step()
        if codebook_mode == "ema":
            E, ema = ema_update(codebook.value, ema, z, q.indices, decay=0.99, eps=1e-5)
            codebook.assign(E)
        if step == 1 or step % log_every == 0 or step == steps:
            qh = quantise(enc(held_out), codebook.value)
            held = float(mse_forward(dec(qh.z_q), held_out)[0])
            window = tracker.window_counts()
            row = {"codebook": codebook_mode, "step": step, "recon": float(recon), "perplexity": q.perplexity,
                   "usage": q.usage, "held_out_recon": held, "held_out_perplexity": qh.perplexity,
                   "active": tracker.active_fraction(), "dead": tracker.dead(),
                   "window_perplexity": tracker.perplexity(), "window_share": (window / window.sum()).tolist()}
            rows.append(row)
            if on_log is not None:
                on_log(row)
    return rows


def run(steps: int = 1500, seed: int = 0, codes: int = 32, on_log=None) -> dict:
    """Both codebook modes from the same seed. Returns {"loss": rows, "ema": rows}."""
    return {mode: train(mode, steps, seed, codes=codes, on_log=on_log) for mode in ("loss", "ema")}
