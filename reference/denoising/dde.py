"""The denoising density estimator (DDE) loop of kexue.fm/archives/7038.

Scalar estimators ``E(y)`` are fitted so that ``grad E + y`` is the optimal denoiser, hence
``E_p = sigma^2 log p_sigma + C1`` and ``E_q = sigma^2 log q_sigma + C2``; then

    L(theta) = E_{z, eps}[E_q(G(z) + eps) - E_p(G(z) + eps)] = sigma^2 KL(q_sigma || p_sigma) + const.

With E_q frozen (not differentiated through its dependence on theta), ``grad_theta L`` is still
the exact gradient of ``sigma^2 KL``: the dropped term is ``E_q[grad_theta log q_theta] = 0``.

:func:`generator_gradient` gives ``dL/dx`` per sample (to feed a generator's backward pass);
:func:`train_dde` runs the loop: fit E_p once on the data, then repeat: draw ``x = G(z) + eps``,
refit E_q on it, take ``g_steps`` Adam steps on the generator with both estimators frozen.
Estimators are least-squares energies over features (:func:`.fit.fit_energy`); the generator is
any :class:`reference.modules.Module` mapping z (n, k) to x (n, d).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..core.validate import float_array, generator, positive_int
from ..modules import ParameterOptimizer
from ..optim import Adam
from .fit import fit_energy


def generator_gradient(grad_e_q: Callable, grad_e_p: Callable, y) -> np.ndarray:
    """``dL/dy`` (n, d) for ``L = mean_n [E_q(y_n) - E_p(y_n)]`` with y = G(z) + eps (n, d):
    ``(grad E_q - grad E_p) / n`` (the noise does not depend on theta, so this is also dL/dG(z))."""
    y = float_array("y", y, ndim=2)
    return (grad_e_q(y) - grad_e_p(y)) / len(y)


def train_dde(data, G, features_p, features_q, *, sigma: float, rng, z_dim: int, steps: int = 200,
              batch: int = 4096, g_steps: int = 5, lr: float = 0.05,
              on_step: Callable | None = None) -> dict:
    """The loop of the module docstring; returns the fitted E_p and the last E_q."""
    data = float_array("data", data, ndim=2)
    rng = generator("rng", rng)
    sigma = float(sigma)
    noise = sigma * rng.standard_normal(data.shape)
    e_p = fit_energy(features_p, data + noise, noise)
    opt = ParameterOptimizer(Adam(lr=lr, beta1=0.5), G.parameters())
    e_q = None
    for step in range(positive_int("steps", steps)):
        z = rng.standard_normal((batch, positive_int("z_dim", z_dim)))
        eps = sigma * rng.standard_normal((batch, data.shape[1]))
        e_q = fit_energy(features_q, G(z) + eps, eps)
        for _ in range(positive_int("g_steps", g_steps)):
            z = rng.standard_normal((batch, z_dim))
            x, vjp = G.forward(z)
            y = x + sigma * rng.standard_normal(x.shape)
            opt.zero_grad()
            vjp(generator_gradient(e_q.grad, e_p.grad, y))
            opt.step()
        if on_step is not None:
            on_step(step + 1, G)
    return {"e_p": e_p, "e_q": e_q}
