"""``refspace demo score``: learn a score by denoising score matching and sample it with plain and
annealed Langevin (kexue.fm/archives/7038, the ADSM route; NCSN's toy geometry).

Data: the 2-D mixture ``0.2 N(-5 (1, 1), I) + 0.8 N(5 (1, 1), I)``: two well separated modes.
Score: :class:`.fit.MLPScore`, a tanh MLP trained by DSM over 20 geometric noise levels from 20
to 0.1 (sigma^2 weighting, Adam, the reference's backward passes).

Samplers, each with the same number of score evaluations, from chains uniform on [-8, 8]^2
(so half of them start nearer each mode):

- plain Langevin at the smallest level (the "eta" convention, step 2 alpha_L);
- annealed Langevin (NCSN: ``alpha_i = eps sigma_i^2 / sigma_L^2``, eps 2e-3, 100 steps per level).

Both run once with the learnt score and once with the exact score of the smoothed mixture (the
ceiling). Reported: the weight of the 0.2 mode (chains nearer its centre), its error, and the
2-D Wasserstein-2 distance to as many exact draws of the target ``p_sigma_L``, stratified so that
exactly 20% come from the small mode (an optimal assignment,
``scipy.optimize.linear_sum_assignment``). The same numbers for independent exact draws show the
noise level of these measures at this sample size.
"""
from __future__ import annotations

import time
from typing import Callable

import numpy as np
from scipy.optimize import linear_sum_assignment

from ..core.validate import generator, instance, numeric_array, positive_int
from .exact import Mixture, mixture
from .fit import train_score_mlp
from .samplers import annealed_langevin, geometric_sigmas, langevin

WEIGHTS, CENTRE = (0.2, 0.8), 5.0


def target():
    c = CENTRE * np.ones(2)
    return mixture(list(WEIGHTS), [-c, c], [1.0, 1.0])


def small_mode_weight(x) -> float:
    """Fraction of rows nearer -5 (1, 1) than 5 (1, 1): the side of the line x + y = 0."""
    x = numeric_array("x", x, ndim=2)
    if not len(x):
        raise ValueError("x: expected at least one row (the fraction of no rows is undefined)")
    return float((x.sum(axis=1) < 0).mean())


def w2_distance(a, b) -> float:
    """Wasserstein-2 between two equal-size point clouds (uniform weights): the optimal assignment."""
    a, b = (numeric_array(k, v, ndim=2).astype(float) for k, v in (("a", a), ("b", b)))
    if a.shape != b.shape:
        raise ValueError(f"a, b: expected equal shapes, got {a.shape} and {b.shape}")
    if not len(a):
        raise ValueError("a, b: expected at least one point each (the distance of empty clouds is undefined)")
    cost = ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)
    rows, cols = linear_sum_assignment(cost)
    return float(np.sqrt(cost[rows, cols].mean()))


def stratified_sample(m, n: int, rng, sigma: float) -> np.ndarray:
    """n draws of the smoothed mixture with exactly round(w_k n) from each component, so the
    reference of the W2 distance carries no sampling noise in its mode weights."""
    instance("m", m, Mixture)
    n = positive_int("n", n)
    rng = generator("rng", rng)
    counts = np.round(np.asarray(m.weights) * n).astype(int)
    counts[-1] = n - counts[:-1].sum()
    parts = [mixture([1.0], [mu], [S]).sample(c, rng, sigma=sigma) for c, mu, S in zip(counts, m.means, m.covs)]
    return np.concatenate(parts)


def run(*, seed: int = 0, train_steps: int = 4000, chains: int = 2000, levels: int = 20, steps_per_level: int = 100,
        eps: float = 2e-3, progress: Callable | None = None) -> dict:
    rng = np.random.default_rng(seed)
    m = target()
    sigmas = geometric_sigmas(20.0, 0.1, levels)
    t0 = time.perf_counter()
    learnt = train_score_mlp(m.sample(20_000, rng), sigmas, rng, hidden=128, steps=train_steps)
    train_seconds = time.perf_counter() - t0
    if progress:
        progress(f"score trained: {train_steps} DSM steps in {train_seconds:.1f} s")
    scores = {"learnt": learnt, "exact": lambda y, s: m.score(y, s)}
    x0 = rng.uniform(-8, 8, (chains, 2))
    reference = stratified_sample(m, chains, rng, sigmas[-1])
    exact_draws = m.sample(chains, rng, sigma=sigmas[-1])
    floor = w2_distance(exact_draws, reference)
    budget = levels * steps_per_level
    rows = []
    for name, score in scores.items():
        for sampler in ("plain", "annealed"):
            srng = np.random.default_rng([seed, 1])
            if sampler == "plain":
                x = langevin(lambda y: score(y, sigmas[-1]), x0, n_steps=budget, step=2 * eps, rng=srng)
            else:
                x = annealed_langevin(score, x0, sigmas, n_steps=steps_per_level, eps=eps, rng=srng)
            w = small_mode_weight(x)
            rows.append({"score": name, "sampler": sampler, "weight": w, "weight_error": abs(w - WEIGHTS[0]),
                         "w2": w2_distance(x, reference)})
            if progress:
                progress(f"{name} score, {sampler} Langevin: weight {w:.3f}")
    return {"seed": seed, "train_steps": train_steps, "train_seconds": train_seconds, "chains": chains,
            "levels": [float(s) for s in sigmas], "steps_per_level": steps_per_level, "eps": eps,
            "score_evaluations": budget, "initial_weight": small_mode_weight(x0),
            "exact_draws": {"weight": small_mode_weight(exact_draws), "w2": floor}, "rows": rows}
