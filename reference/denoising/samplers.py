"""Langevin samplers, vectorised over chains (rows of x), with an explicit generator.

Two step conventions are in use, and confusing them changes the target:

``"eta"``   (the article, ADSM)   ``x + (eta / 2) s(x) + sqrt(T eta) z``
``"alpha"`` (NCSN, score_sde)     ``x + alpha s(x) + sqrt(2 T alpha) z``

They are the same chain for ``alpha = eta / 2`` (:func:`eta_to_alpha`, :func:`alpha_to_eta`).
With temperature T the chain targets ``p^(1/T)`` (T = 1: p itself), up to the discretisation
bias of the unadjusted algorithm: for N(mu, s^2) with the exact score the stationary law is
``N(mu, T s^2 / (1 - eta / (4 s^2)))`` (:func:`ula_stationary_variance`).

- :func:`langevin`: plain (unadjusted) Langevin at one noise level;
- :func:`annealed_langevin`: NCSN's sigma annealing (Song & Ermon 2019), geometric levels
  (:func:`geometric_sigmas`), ``alpha_i = eps sigma_i^2 / sigma_L^2``, ``n_steps`` per level;
- :func:`temperature_annealed_langevin` with :func:`mdsm_temperatures`, Annealed DSM's schedule
  (500 steps at T = 100, 2000 steps decaying geometrically to 1, 200 steps linearly to 0);
- :func:`predictor_corrector`: the VE-SDE reverse-diffusion predictor and the Langevin corrector
  whose step follows a signal-to-noise ratio (Song et al. 2021), in either order: the paper's
  Algorithm 1 runs the predictor first; score_sde's code runs the corrector first;
- ``denoise=True`` adds the final step ``x + sigma^2 s(x, sigma)`` (Tweedie: E[x | y]).

``score(x)`` (or ``score(x, sigma)`` for the annealed samplers) returns an array like x.

>>> rng = np.random.default_rng(0)
>>> x = langevin(lambda x: -x, np.zeros((20000, 1)), n_steps=200, step=0.2, rng=rng)
>>> round(float(x.var()) / ula_stationary_variance(1.0, 0.2), 1)      # N(0, 1) target, biased by the step
1.0
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..core.validate import float_array, generator, positive_int

CONVENTIONS = ("eta", "alpha")
ORDERS = ("predictor_first", "corrector_first")


def eta_to_alpha(eta: float) -> float:
    return float(eta) / 2.0


def alpha_to_eta(alpha: float) -> float:
    return 2.0 * float(alpha)


def ula_stationary_variance(s2: float, eta: float, temperature: float = 1.0, *, convention: str = "eta") -> float:
    """Stationary variance of ``x + (eta/2) s(x) + sqrt(T eta) z`` for N(mu, s2) with the exact
    score: the fixed point of ``v = (1 - a)^2 v + T eta``, a = eta / (2 s2). ``eta`` is the step in
    ``convention`` (as :func:`langevin`): "eta" (default), or "alpha" for ``x + alpha s(x) +
    sqrt(2 T alpha) z`` (NCSN's), i.e. eta = 2 alpha."""
    if convention not in CONVENTIONS:
        raise ValueError(f"convention: expected one of {CONVENTIONS}, got {convention!r}")
    s2, eta = float(s2), float(eta) if convention == "eta" else alpha_to_eta(eta)
    if not 0 < eta < 4 * s2:
        name = "eta" if convention == "eta" else "alpha"
        bound = 4 * s2 if convention == "eta" else 2 * s2
        raise ValueError(f"{name}: the chain is stable for 0 < {name} < {bound} in the {convention!r} convention, "
                         f"got {eta if convention == 'eta' else eta / 2}")
    return float(temperature) * s2 / (1 - eta / (4 * s2))


def _start(x0):
    return float_array("x0", x0, ndim=2).copy()


def _alpha(step, convention):
    if convention not in CONVENTIONS:
        raise ValueError(f"convention: expected one of {CONVENTIONS}, got {convention!r}")
    step = float(step)
    if not step > 0:
        raise ValueError(f"step: expected a number > 0, got {step}")
    return eta_to_alpha(step) if convention == "eta" else step


def _move(x, s, alpha, temperature, rng):
    return x + alpha * s + np.sqrt(2 * alpha * temperature) * rng.standard_normal(x.shape)


def langevin(score: Callable, x0, *, n_steps: int, step: float, rng, temperature: float = 1.0,
             convention: str = "eta") -> np.ndarray:
    """``n_steps`` of unadjusted Langevin from ``x0`` (n_chains, d)."""
    rng, alpha = generator("rng", rng), _alpha(step, convention)
    if not float(temperature) >= 0:
        raise ValueError(f"temperature: expected a number >= 0, got {temperature}")
    x = _start(x0)
    for _ in range(positive_int("n_steps", n_steps)):
        x = _move(x, score(x), alpha, float(temperature), rng)
    return x


def geometric_sigmas(sigma_max: float, sigma_min: float, n_levels: int) -> np.ndarray:
    """sigma_1 > ... > sigma_L, geometric (NCSN)."""
    if not float(sigma_max) > float(sigma_min) > 0:
        raise ValueError(f"sigmas: expected sigma_max > sigma_min > 0, got {sigma_max}, {sigma_min}")
    return np.exp(np.linspace(np.log(sigma_max), np.log(sigma_min), positive_int("n_levels", n_levels)))


def annealed_langevin(score: Callable, x0, sigmas, *, n_steps: int, eps: float, rng, denoise: bool = False):
    """NCSN's annealed Langevin: at level i, ``n_steps`` of the "alpha" chain with
    ``alpha_i = eps sigma_i^2 / sigma_L^2`` on ``score(x, sigma_i)``."""
    rng = generator("rng", rng)
    sigmas = float_array("sigmas", sigmas, ndim=1)
    if len(sigmas) == 0 or np.any(sigmas <= 0):
        raise ValueError("sigmas: expected positive noise levels")
    if not float(eps) > 0:
        raise ValueError(f"eps: expected a number > 0, got {eps}")
    x = _start(x0)
    for sigma in sigmas:
        alpha = float(eps) * sigma ** 2 / sigmas[-1] ** 2
        for _ in range(positive_int("n_steps", n_steps)):
            x = _move(x, score(x, sigma), alpha, 1.0, rng)
    return x + sigmas[-1] ** 2 * score(x, sigmas[-1]) if denoise else x


def mdsm_temperatures(*, t0: float = 100.0, hold: int = 500, decay: int = 2000, tail: int = 200) -> np.ndarray:
    """Annealed DSM's schedule: ``hold`` steps at t0, ``decay`` steps of ``t0 exp(-k ln t0 / decay)``
    (k = 0..decay-1, reaching 1 after the last), ``tail`` steps linearly from 1 to 0."""
    k = np.arange(decay)
    return np.concatenate([np.full(hold, float(t0)), t0 * np.exp(-k * np.log(t0) / decay), np.linspace(1, 0, tail)])


def temperature_annealed_langevin(score: Callable, x0, temperatures, *, step: float, rng, convention: str = "eta",
                                  sigma: float | None = None, denoise: bool = False):
    """One Langevin step per entry of ``temperatures`` on a fixed-level ``score(x)``; with
    ``denoise`` (and the ``sigma`` the score was learnt at) the final Tweedie step."""
    rng, alpha = generator("rng", rng), _alpha(step, convention)
    temps = float_array("temperatures", temperatures, ndim=1)
    if np.any(temps < 0):
        raise ValueError("temperatures: expected values >= 0")
    x = _start(x0)
    for t in temps:
        x = _move(x, score(x), alpha, float(t), rng)
    if denoise:
        if sigma is None:
            raise ValueError("denoise: pass the sigma the score was learnt at")
        x = x + float(sigma) ** 2 * score(x)
    return x


def predictor_corrector(score: Callable, x0, sigmas, *, rng, snr: float = 0.16, n_corrector: int = 1,
                        order: str = "predictor_first", denoise: bool = True):
    """VE-SDE predictor-corrector sampling over decreasing ``sigmas``. Predictor (reverse
    diffusion, level i to i+1, the last level going to 0): ``x + (s_i^2 - s_{i+1}^2) score(x, s_i)
    + sqrt(s_i^2 - s_{i+1}^2) z``. Corrector: ``n_corrector`` Langevin steps at level i with
    ``alpha = 2 (snr ||z|| / ||score||)^2`` (norms averaged over chains, as score_sde). With
    ``denoise`` the last predictor step adds no noise (score_sde's ``noise_removal``)."""
    rng = generator("rng", rng)
    if order not in ORDERS:
        raise ValueError(f"order: expected one of {ORDERS}, got {order!r}")
    sigmas = float_array("sigmas", sigmas, ndim=1)
    if len(sigmas) == 0 or np.any(sigmas <= 0) or np.any(np.diff(sigmas) >= 0):
        raise ValueError("sigmas: expected strictly decreasing positive noise levels")
    x = _start(x0)
    nxt = np.append(sigmas[1:], 0.0)

    def corrector(x, sigma):
        for _ in range(int(n_corrector)):
            s = score(x, sigma)
            z = rng.standard_normal(x.shape)
            s_norm = np.linalg.norm(s, axis=1).mean()
            alpha = 2 * (snr * np.linalg.norm(z, axis=1).mean() / s_norm) ** 2 if s_norm > 0 else 0.0
            x = x + alpha * s + np.sqrt(2 * alpha) * z
        return x

    def predictor(x, i):
        d2 = sigmas[i] ** 2 - nxt[i] ** 2
        mean = x + d2 * score(x, sigmas[i])
        last = i == len(sigmas) - 1
        return mean if (last and denoise) else mean + np.sqrt(d2) * rng.standard_normal(x.shape)

    for i, sigma in enumerate(sigmas):
        if order == "predictor_first":
            x = predictor(x, i)
            if i + 1 < len(sigmas):
                x = corrector(x, sigmas[i + 1])
        else:
            x = predictor(corrector(x, sigma), i)
    return x
