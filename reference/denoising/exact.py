"""Exact references for Gaussian, Gaussian-mixture and empirical (KDE) data smoothed by
Gaussian noise (kexue.fm/archives/7038).

With x ~ p and y = x + eps, eps ~ N(0, sigma^2 I), the noisy density is ``p_sigma = p * N(0,
sigma^2 I)`` and the optimal denoiser ``r(y) = argmin_r E||r(x + eps) - x||^2 = E[x | y]`` is
Tweedie's formula (the article's eq. 1)::

    r(y) = y + sigma^2 grad log p_sigma(y),      grad r(y) = Cov[x | y] / sigma^2.

For a mixture ``sum_k pi_k N(mu_k, S_k)`` everything is closed-form: ``p_sigma = sum_k pi_k
N(mu_k, S_k + sigma^2 I)``; with ``P_k = (S_k + sigma^2 I)^-1`` and responsibilities
``w_k(y) ∝ pi_k N(y; mu_k, S_k + sigma^2 I)`` (log-sum-exp), the posterior of x given y is the
mixture of ``N(m_k, C_k)`` with ``m_k = mu_k + S_k P_k (y - mu_k)``, ``C_k = sigma^2 S_k P_k``,
so

- ``score(y) = sum_k w_k P_k (mu_k - y)``,
- ``denoiser(y) = sum_k w_k m_k``,
- ``posterior_cov(y) = sum_k w_k (C_k + m_k m_k^T) - r r^T``,
- ``MMSE = E_y tr Cov[x | y]`` (closed form ``tr(sigma^2 S (S + sigma^2 I)^-1)`` for one
  Gaussian, Monte Carlo otherwise).

A Gaussian is a mixture of one; the empirical distribution of points ``x_i`` (its smoothed
density is exactly the Gaussian KDE) is a mixture with zero covariances, where ``r(y)`` is
the softmax-weighted mean of the points. Energies in both sign conventions:
``dde_energy = sigma^2 log p_sigma`` (the article's E_p, bigger is likelier, constant 0) and
``ebm_energy = -log p_sigma`` (p ∝ exp(-E), the MDSM/NCSN convention).

Every method is vectorised over rows of ``y`` (n, d) and works in chunks so that no
intermediate exceeds a few million numbers.

>>> g = gaussian([0.0], [[1.0]])
>>> float(g.denoiser(np.array([[2.0]]), 1.0)[0, 0])          # shrinks half-way for sigma^2 = var
1.0
>>> float(g.score(np.array([[2.0]]), 1.0)[0, 0])             # -(y - mu) / (1 + sigma^2)
-1.0
"""
from __future__ import annotations

import dataclasses

import numpy as np
from scipy.special import logsumexp

from ..core.validate import float_array, generator, real_array

CHUNK = 2_000_000      # numbers per intermediate (n_chunk * K * d)


@dataclasses.dataclass(frozen=True)
class Mixture:
    """``sum_k weights[k] N(means[k], covs[k])``; ``covs`` (K, d, d) symmetric PSD (zeros allowed:
    point masses, the empirical distribution)."""

    weights: np.ndarray
    means: np.ndarray
    covs: np.ndarray

    def __post_init__(self):
        w = float_array("weights", self.weights, ndim=1)
        mu = float_array("means", self.means, ndim=2)
        S = float_array("covs", self.covs, ndim=3)
        K, d = mu.shape
        if w.shape != (K,) or S.shape != (K, d, d):
            raise ValueError(f"weights, covs: expected shapes ({K},) and ({K}, {d}, {d}) for means {mu.shape}, "
                             f"got {w.shape} and {S.shape}")
        if np.any(w < 0) or not np.isclose(w.sum(), 1.0, rtol=0, atol=1e-9):
            raise ValueError(f"weights: expected non-negative weights summing to 1, got sum {w.sum()}")
        if not np.allclose(S, np.swapaxes(S, 1, 2), atol=1e-12):
            raise ValueError("covs: expected symmetric matrices")
        if np.linalg.eigvalsh(S).min() < -1e-10 * max(1.0, float(np.abs(S).max())):
            raise ValueError("covs: expected positive semi-definite matrices")
        object.__setattr__(self, "weights", w)
        object.__setattr__(self, "means", mu)
        object.__setattr__(self, "covs", S)

    @property
    def dim(self) -> int:
        return self.means.shape[1]

    # --- the noisy components ------------------------------------------------------------
    def _noisy(self, sigma):
        sigma = float(sigma)
        if not sigma >= 0:
            raise ValueError(f"sigma: expected a number >= 0, got {sigma}")
        T = self.covs + sigma ** 2 * np.eye(self.dim)
        w, V = np.linalg.eigh(T)
        if w.min() <= 1e-300:
            raise ValueError("sigma: a component of the smoothed density is singular (a point mass with sigma 0)")
        P = (V / w[:, None, :]) @ np.swapaxes(V, 1, 2)                  # (S_k + sigma^2 I)^-1
        logdet = np.log(w).sum(axis=1)
        return sigma, P, logdet

    def _check_y(self, y):
        y = float_array("y", y, ndim=2)
        if y.shape[1] != self.dim:
            raise ValueError(f"y: expected rows of dimension {self.dim}, got shape {y.shape}")
        return y

    def _chunks(self, y):
        step = max(1, CHUNK // max(1, len(self.weights) * self.dim))
        return [slice(i, i + step) for i in range(0, len(y), step)] or [slice(0, 0)]

    def _log_terms(self, y, P, logdet):
        """log pi_k + log N(y; mu_k, S_k + sigma^2 I) for a chunk: (n, K), and y - mu_k (n, K, d)."""
        diff = y[:, None, :] - self.means[None]
        maha = np.einsum("nki,kij,nkj->nk", diff, P, diff)
        with np.errstate(divide="ignore"):
            logw = np.log(self.weights)
        return logw - 0.5 * (maha + logdet + self.dim * np.log(2 * np.pi)), diff

    def log_density(self, y, sigma) -> np.ndarray:
        """log p_sigma(y), (n,)."""
        y = self._check_y(y)
        sigma, P, logdet = self._noisy(sigma)
        return np.concatenate([logsumexp(self._log_terms(y[s], P, logdet)[0], axis=1) for s in self._chunks(y)])

    def responsibilities(self, y, sigma) -> np.ndarray:
        """w_k(y), (n, K): the posterior probability of each component given y."""
        y = self._check_y(y)
        sigma, P, logdet = self._noisy(sigma)
        out = []
        for s in self._chunks(y):
            lt = self._log_terms(y[s], P, logdet)[0]
            out.append(np.exp(lt - logsumexp(lt, axis=1, keepdims=True)))
        return np.concatenate(out)

    def _posterior(self, y, sigma, want_cov: bool):
        y = self._check_y(y)
        sigma, P, logdet = self._noisy(sigma)
        gain = self.covs @ P                                            # S_k P_k, (K, d, d)
        score, mean, cov = [], [], []
        for s in self._chunks(y):
            lt, diff = self._log_terms(y[s], P, logdet)
            w = np.exp(lt - logsumexp(lt, axis=1, keepdims=True))
            score.append(-np.einsum("nk,kij,nkj->ni", w, P, diff))
            m = self.means[None] + np.einsum("kij,nkj->nki", gain, diff)          # m_k(y), (n, K, d)
            r = np.einsum("nk,nki->ni", w, m)
            mean.append(r)
            if want_cov:
                C = sigma ** 2 * gain                                   # sigma^2 S_k P_k (symmetric)
                second = np.einsum("nk,kij->nij", w, C) + np.einsum("nk,nki,nkj->nij", w, m, m)
                cov.append(second - r[:, :, None] * r[:, None, :])
        return np.concatenate(score), np.concatenate(mean), (np.concatenate(cov) if want_cov else None)

    def score(self, y, sigma) -> np.ndarray:
        """grad log p_sigma(y), (n, d)."""
        return self._posterior(y, sigma, False)[0]

    def denoiser(self, y, sigma) -> np.ndarray:
        """r(y) = E[x | y], (n, d), from the posterior (not from the score: Tweedie is tested, not used)."""
        return self._posterior(y, sigma, False)[1]

    def posterior_cov(self, y, sigma) -> np.ndarray:
        """Cov[x | y], (n, d, d)."""
        return self._posterior(y, sigma, True)[2]

    def denoiser_jacobian(self, y, sigma) -> np.ndarray:
        """grad r(y) = Cov[x | y] / sigma^2, (n, d, d), symmetric PSD (sigma > 0)."""
        if not float(sigma) > 0:
            raise ValueError(f"sigma: the Jacobian Cov / sigma^2 needs sigma > 0, got {sigma}")
        return self.posterior_cov(y, sigma) / float(sigma) ** 2

    def dde_energy(self, y, sigma) -> np.ndarray:
        """The article's E_p = sigma^2 log p_sigma (the additive constant chosen 0): grad E_p + y = r."""
        return float(sigma) ** 2 * self.log_density(y, sigma)

    def ebm_energy(self, y, sigma) -> np.ndarray:
        """-log p_sigma: the energy of p ∝ exp(-E) (MDSM, NCSN, most EBM code); grad = -score."""
        return -self.log_density(y, sigma)

    def mmse(self, sigma, *, rng=None, n: int = 100_000) -> tuple[float, float]:
        """(E_y tr Cov[x | y], its standard error): exact for one Gaussian (error 0), otherwise a
        Monte Carlo mean over ``n`` draws of y ~ p_sigma (``rng`` required)."""
        sigma = float(sigma)
        if len(self.weights) == 1:
            _, P, _ = self._noisy(sigma)
            return float(sigma ** 2 * np.trace(self.covs[0] @ P[0])), 0.0
        y = self.sample(n, generator("rng", rng), sigma=sigma)
        t = np.trace(self.posterior_cov(y, sigma), axis1=1, axis2=2)
        return float(t.mean()), float(t.std(ddof=1) / np.sqrt(n))

    def sample(self, n: int, rng, *, sigma: float = 0.0) -> np.ndarray:
        """n draws of x ~ p, plus N(0, sigma^2 I) noise when ``sigma`` > 0 (draws of p_sigma)."""
        rng = generator("rng", rng)
        k = rng.choice(len(self.weights), size=int(n), p=self.weights)
        w, V = np.linalg.eigh(self.covs)
        roots = V * np.sqrt(np.clip(w, 0, None))[:, None, :]            # S_k = roots roots^T
        z = rng.standard_normal((int(n), self.dim))
        x = self.means[k] + np.einsum("nij,nj->ni", roots[k], z)
        return x + sigma * rng.standard_normal(x.shape) if sigma > 0 else x


def gaussian(mean, cov) -> Mixture:
    """N(mean, cov) as a mixture of one."""
    mean = float_array("mean", mean, ndim=1)
    return Mixture(np.ones(1), mean[None], float_array("cov", cov, ndim=2)[None])


def mixture(weights, means, covs) -> Mixture:
    """``covs`` (K, d, d), or (K,) / scalars for isotropic components ``c_k I``."""
    means = float_array("means", means, ndim=2)
    covs = real_array("covs", covs)
    if covs.ndim <= 1:
        covs = np.broadcast_to(covs, (len(means),))[:, None, None] * np.eye(means.shape[1])
    return Mixture(real_array("weights", weights), means, covs)


def empirical(points) -> Mixture:
    """The empirical distribution of ``points`` (N, d): equal weights, zero covariances; its
    smoothed density is the Gaussian KDE with bandwidth sigma."""
    x = float_array("points", points, ndim=2)
    if len(x) == 0:
        raise ValueError("points: expected at least one point")
    return Mixture(np.full(len(x), 1.0 / len(x)), x, np.zeros((len(x), x.shape[1], x.shape[1])))
