"""Fitting denoisers, scores and energies: closed-form least squares for models linear in
features, and a small noise-conditional MLP score trained by the reference's backward passes.

Features ``phi(y)`` (n, F) with their Jacobian (n, F, d):

- :class:`Polynomial`: every monomial of degree <= ``degree`` (the constant included); a
  quadratic energy is exact for Gaussian data;
- :class:`RandomFourier`: ``sqrt(2 / F) cos(y W + b)`` with W ~ N(0, 1 / scale^2), b ~ U[0, 2 pi).

Least squares (``numpy.linalg.lstsq``), with ``noise = y - x``:

- :func:`fit_score`: ``s(y) = phi(y) A`` against the DSM target ``-noise / sigma^2``;
- :func:`fit_denoiser`: ``r(y) = phi(y) B`` against the clean x;
- :func:`fit_energy`: the article's scalar ``E(y) = phi(y) a`` from ``||grad E(y) + noise||^2``
  (linear in a), so ``E = sigma^2 log p_sigma + C`` at the optimum.

:func:`train_score_mlp`: ``s(y, sigma) = net([y_scaled, log sigma]) / sigma`` (NCSN v2's output
scaling; the input scaled to unit size at each level) with a tanh MLP, trained on DSM with the
sigma^2 weighting over a set of levels, Adam.

>>> rng = np.random.default_rng(0)
>>> x = rng.standard_normal((20000, 1)) * 2.0 + 1.0                    # N(1, 4)
>>> noise = 1.0 * rng.standard_normal(x.shape)
>>> score = fit_score(Polynomial(1, 1), x + noise, noise, 1.0)          # exact: -(y - 1) / 5
>>> np.round(score.coef.ravel(), 1)                                    # [constant, slope]
array([ 0.2, -0.2])
"""
from __future__ import annotations

import dataclasses
import itertools
from typing import Callable

import numpy as np

from ..core.validate import float_array, generator, positive_int, real_array
from ..modules import Dense, ParameterOptimizer, Sequential
from ..optim import Adam
from .losses import dsm_loss_backward, dsm_loss_forward


class Polynomial:
    """All monomials of degree <= ``degree`` in ``dim`` variables (constant first)."""

    def __init__(self, degree: int, dim: int):
        self.degree, self.dim = int(degree), positive_int("dim", dim)
        if self.degree < 0:
            raise ValueError(f"degree: expected >= 0, got {degree}")
        self.powers = np.array([p for total in range(self.degree + 1)
                                for p in itertools.product(range(total + 1), repeat=self.dim) if sum(p) == total])

    def __call__(self, y):
        y = float_array("y", y, ndim=2)
        return np.prod(y[:, None, :] ** self.powers[None], axis=2)

    def jacobian(self, y):
        """(n, F, d): d phi_f / d y_i = p_i y_i^(p_i - 1) prod_{j != i} y_j^p_j."""
        y = float_array("y", y, ndim=2)
        out = np.zeros((len(y), len(self.powers), self.dim))
        for i in range(self.dim):
            p = self.powers.copy()
            coef = p[:, i].astype(float)
            p[:, i] = np.maximum(p[:, i] - 1, 0)
            out[:, :, i] = coef * np.prod(y[:, None, :] ** p[None], axis=2)
        return out


class RandomFourier:
    """``sqrt(2 / F) cos(y W + b)``, W (d, F) ~ N(0, 1 / scale^2), b ~ U[0, 2 pi)."""

    def __init__(self, n_features: int, dim: int, *, scale: float = 1.0, rng=None):
        F, d = positive_int("n_features", n_features), positive_int("dim", dim)
        rng = generator("rng", rng)
        self.W = rng.standard_normal((d, F)) / float(scale)
        self.b = rng.uniform(0, 2 * np.pi, F)
        self.dim, self.k = d, np.sqrt(2.0 / F)

    def __call__(self, y):
        return self.k * np.cos(float_array("y", y, ndim=2) @ self.W + self.b)

    def jacobian(self, y):
        s = -self.k * np.sin(float_array("y", y, ndim=2) @ self.W + self.b)      # (n, F)
        return s[:, :, None] * self.W.T[None]


@dataclasses.dataclass
class LinearModel:
    """``phi(y) coef``: a score or denoiser (coef (F, d)) or an energy (coef (F,)) with its gradient."""

    features: object
    coef: np.ndarray

    def __call__(self, y):
        return self.features(y) @ self.coef

    def grad(self, y):
        """The gradient of an energy model, (n, d)."""
        if self.coef.ndim != 1:
            raise ValueError("grad: this model is vector-valued (a score or denoiser), not an energy")
        return np.einsum("nfi,f->ni", self.features.jacobian(y), self.coef)


def _lstsq(A, b):
    return np.linalg.lstsq(A, b, rcond=None)[0]


def _noisy_pair(y, noise):
    y = float_array("y", y, ndim=2)
    noise = float_array("noise", noise, ndim=2)
    if noise.shape != y.shape:
        raise ValueError(f"noise: expected shape {y.shape}, got {noise.shape}")
    return y, noise


def fit_score(features, y, noise, sigma: float) -> LinearModel:
    """Least-squares DSM: ``phi(y) A ≈ -noise / sigma^2``."""
    y, noise = _noisy_pair(y, noise)
    return LinearModel(features, _lstsq(features(y), -noise / float(sigma) ** 2))


def fit_denoiser(features, y, x) -> LinearModel:
    """Least-squares DAE: ``phi(y) B ≈ x``."""
    y, x = _noisy_pair(y, x)
    return LinearModel(features, _lstsq(features(y), x))


def fit_energy(features, y, noise) -> LinearModel:
    """Least squares for the scalar ``E(y) = phi(y) a`` with ``grad E(y) ≈ -noise`` (the
    article's E_p objective); the constant feature is unidentified and gets coefficient 0."""
    y, noise = _noisy_pair(y, noise)
    if not callable(getattr(features, "jacobian", None)):
        raise TypeError(f"features: expected a feature map with jacobian(y) (Polynomial, RandomFourier), "
                        f"got {type(features).__name__}")
    J = features.jacobian(y)                                            # (n, F, d)
    A = np.swapaxes(J, 1, 2).reshape(-1, J.shape[1])                    # rows (n, i)
    return LinearModel(features, _lstsq(A, -noise.reshape(-1)))


def score_mlp(dim: int, hidden: int, rng) -> Sequential:
    return Sequential(Dense(dim + 1, hidden, activation="tanh", rng=rng),
                      Dense(hidden, hidden, activation="tanh", rng=rng), Dense(hidden, dim, rng=rng))


@dataclasses.dataclass
class MLPScore:
    """``s(y, sigma) = net([(y - center) / sqrt(sigma^2 + scale^2), log sigma]) / sigma``: the
    input is scaled to unit size at every level (``center``, ``scale``: the data's mean and
    root-mean-square deviation), so tanh units do not saturate at large sigma."""

    net: Sequential
    center: np.ndarray
    scale: float

    def _input(self, y, sigma):
        y = float_array("y", y, ndim=2)
        sig = np.broadcast_to(real_array("sigma", sigma), (len(y),))
        u = (y - self.center) / np.sqrt(sig ** 2 + self.scale ** 2)[:, None]
        return np.concatenate([u, np.log(sig)[:, None]], axis=1), sig

    def __call__(self, y, sigma):
        inp, sig = self._input(y, sigma)
        return self.net(inp) / sig[:, None]


def train_score_mlp(data, sigmas, rng, *, hidden: int = 64, steps: int = 3000, batch: int = 256,
                    lr: float = 3e-3, on_step: Callable | None = None) -> MLPScore:
    """DSM over the levels ``sigmas`` (each row draws one), sigma^2 weighting, Adam."""
    data = float_array("data", data, ndim=2)
    sigmas = float_array("sigmas", sigmas, ndim=1)
    rng = generator("rng", rng)
    center = data.mean(axis=0)
    scale = float(np.sqrt(((data - center) ** 2).sum(axis=1).mean() / data.shape[1]))
    model = MLPScore(score_mlp(data.shape[1], positive_int("hidden", hidden), rng), center, scale)
    opt = ParameterOptimizer(Adam(lr=lr), model.net.parameters())
    for step in range(positive_int("steps", steps)):
        x = data[rng.integers(0, len(data), batch)]
        sig = sigmas[rng.integers(0, len(sigmas), batch)]
        noise = sig[:, None] * rng.standard_normal(x.shape)
        inp, _ = model._input(x + noise, sig)
        out, vjp = model.net.forward(inp)
        loss, cache = dsm_loss_forward(out / sig[:, None], noise=noise, sigma=sig, power=2.0)
        opt.zero_grad()
        vjp(dsm_loss_backward(1.0, cache) / sig[:, None])
        opt.step()
        if on_step is not None:
            on_step(step + 1, float(loss))
    return model
