"""Declarations of the denoising losses: seeded edge cases (one shared level and one level per
row, small sigma where DSM's target is large) and sizes for hypothesis."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from ..core.registry import register
from . import losses, spec

SIZES = st.fixed_dictionaries({"n": st.integers(1, 5), "d": st.integers(1, 3), "per_row": st.booleans(),
                               "reduction": st.sampled_from(list(losses.REDUCTIONS))})
EDGES = (dict(n=4, d=2, per_row=False), dict(n=3, d=3, per_row=True),
         dict(n=3, d=2, per_row=True, reduction="none"), dict(n=2, d=3, per_row=False, reduction="sum"))
LABEL = lambda s: (f"({s['n']}, {s['d']}) " + ("sigma per row" if s["per_row"] else "one sigma")   # noqa: E731
                   + (f" {s['reduction']}" if s.get("reduction", "mean") != "mean" else ""))


def _reduced(make):
    """``make`` with a ``reduction`` size: the attribute is set when not the default "mean"."""
    def with_reduction(rng, n, d, per_row, reduction="mean"):
        inputs, attrs = make(rng, n, d, per_row)
        return inputs, (attrs if reduction == "mean" else {**attrs, "reduction": reduction})
    return with_reduction
SOURCE = "kexue.fm/archives/7038"


def _noise(rng, n, d, per_row):
    sigma = rng.uniform(0.05, 1.5, n) if per_row else float(rng.uniform(0.05, 1.5))
    return np.reshape(sigma, (-1, 1)) * rng.standard_normal((n, d)), sigma


@register("dae_loss", "the denoising autoencoder's mean_n ||r_n - x_n||^2", source=f"{SOURCE}, eq. 1's objective",
          forward=losses.dae_loss_forward, backward=losses.dae_loss_backward,
          spec=(spec.dae_loss, spec.dae_loss_backward),
          edges=EDGES, sizes=SIZES, label=LABEL)
@_reduced
def _dae(rng, n, d, per_row):
    return (rng.standard_normal((n, d)),), {"x": rng.standard_normal((n, d))}


@register("dsm_loss", "denoising score matching with NCSN's sigma^power weighting",
          source=f"{SOURCE}, the ADSM route; NCSN's weighting", forward=losses.dsm_loss_forward,
          backward=losses.dsm_loss_backward, spec=(spec.dsm_loss, spec.dsm_loss_backward), edges=EDGES, sizes=SIZES,
          label=LABEL)
@_reduced
def _dsm(rng, n, d, per_row):
    noise, sigma = _noise(rng, n, d, per_row)
    return (rng.standard_normal((n, d)),), {"noise": noise, "sigma": sigma, "power": 2.0}


@register("dsm_cv_loss", "DSM with a control variate for small sigma (inputs: the model at y and at x)",
          source=f"{SOURCE}; the small-sigma variance of DSM", forward=losses.dsm_cv_loss_forward,
          backward=losses.dsm_cv_loss_backward, spec=(spec.dsm_cv_loss, spec.dsm_cv_loss_backward), edges=EDGES,
          sizes=SIZES, label=LABEL)
@_reduced
def _dsm_cv(rng, n, d, per_row):
    noise, sigma = _noise(rng, n, d, per_row)
    return (rng.standard_normal((n, d)), rng.standard_normal((n, d))), {"noise": noise, "sigma": sigma, "power": 2.0}


@register("mdsm_loss", "Annealed DSM's multi-scale loss 1/sigma^2 ||grad E - noise / sigma0^2||^2",
          source=f"{SOURCE}, the ADSM paper's loss", forward=losses.mdsm_loss_forward,
          backward=losses.mdsm_loss_backward, spec=(spec.mdsm_loss, spec.mdsm_loss_backward), edges=EDGES,
          sizes=SIZES, label=LABEL)
@_reduced
def _mdsm(rng, n, d, per_row):
    noise, sigma = _noise(rng, n, d, per_row)
    return (rng.standard_normal((n, d)) * 10,), {"noise": noise, "sigma": sigma, "sigma0": 0.3}


@register("esm_loss", "explicit score matching 1/2 ||s - grad log p||^2 against a known score",
          source=f"{SOURCE}; DSM = ESM + const (Vincent 2011)", forward=losses.esm_loss_forward,
          backward=losses.esm_loss_backward, spec=(spec.esm_loss, spec.esm_loss_backward), edges=EDGES, sizes=SIZES,
          label=LABEL)
@_reduced
def _esm(rng, n, d, per_row):
    return (rng.standard_normal((n, d)),), {"target": rng.standard_normal((n, d))}
