"""Spectral normalisation ``W / sigma(W)`` (kexue.fm/archives/6051) in the four semantics found
in the wild, with the power iteration ``v = W^T u / |W^T u|``, ``u = W v / |W v|``,
``sigma = u^T W v`` on a 2-d ``W`` (m, n): a conv kernel (KH, KW, Cin, Cout) is reshaped to
(KH KW Cin, Cout), as Keras and compare_gan do (PyTorch's (Cout, ...) is the transpose).

Spec form: :mod:`reference.gan.spec`, the same equations in plain NumPy, line by line
(``refspace check --spec`` holds the two equal).

``"persistent"`` (Miyato et al.; PyTorch's legacy hook)
    the vectors ``u``, ``v`` are state; in training ``n_iter`` steps (default 1) update them
    with no gradient through them; in evaluation nothing is updated (the stored ``u``, ``v``
    are used as they are);
    this is the legacy ``torch.nn.utils.spectral_norm`` (each step ``v`` from ``u``, then ``u``);
``"parametrization"`` (the current ``torch.nn.utils.parametrizations.spectral_norm``)
    the same state, but each training step starts from the stored ``v``: ``u = W v / |W v|``,
    then ``v = W^T u / |W^T u|``, and ``sigma = u^T W v`` (half a step apart from "persistent";
    in evaluation the two are identical). PyTorch also runs 15 steps when the parametrization
    is registered: pass the ``u``, ``v`` it holds, or run 15 steps yourself;
``"every_call"`` (compare_gan)
    the same steps as "persistent" on every call, training or not;
``"article"`` (the article's Keras ``spectral_norm(w, r=5)``)
    stateless: ``u`` starts at all ones on every call, ``n_iter`` steps (default 5) and the
    gradient flows through every step. It fails when the columns of ``W`` sum to zero (then
    ``W^T 1 = 0``), and starts from round-off when they nearly do (a mean-centred kernel's
    sums are ~1e-16 of its entries, so implementations then disagree): ``|W^T 1|`` at most
    :data:`ARTICLE_START_TOLERANCE` times ``eps(dtype) sqrt(m) |W|_F`` is refused with a clear error.

For a PyTorch ``weight`` (out, in), pass ``W = weight`` (u in R^out, v in R^in), as PyTorch's
own ``weight_mat``; a conv kernel in refspace's (KH, KW, Cin, Cout) layout reshapes to the
transpose of PyTorch's (Cout, Cin KH KW) matrix, so there u and v swap roles.

Vectors are normalised as ``a / max(|a|, eps)`` (PyTorch's ``F.normalize``, eps 1e-12).
``spectral_norm_forward`` returns ``(W / sigma, cache)``; ``cache.u``, ``cache.v`` and
``cache.sigma`` hold the new state and the estimate. :func:`estimate_errors` reports how far
sigma is from the largest singular value after a number of steps.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from ..core.validate import check_finite, float_array, gradient

SEMANTICS = ("persistent", "parametrization", "every_call", "article")
ARTICLE_START_TOLERANCE = 1e3   # times eps(dtype) sqrt(m) |W|_F: the all-ones start's least usable |W^T 1|


@dataclasses.dataclass
class SNCache:
    W: np.ndarray
    u: np.ndarray
    v: np.ndarray
    sigma: float
    semantics: str
    trace: list            # article: [(u_k, a_k norm, v_k+1, b norm, u_k+1), ...]


def _normalize(a, eps):
    n = float(np.linalg.norm(a))
    return a / max(n, eps), max(n, eps)


def _iterate(W, u, n_iter, eps, keep):
    trace, v = [], None
    for _ in range(n_iter):
        a = W.T @ u
        v, na = _normalize(a, eps)
        b = W @ v
        u_next, nb = _normalize(b, eps)
        if keep:
            trace.append((u, na, v, nb, u_next))
        u = u_next
    return u, v, trace


def spectral_norm_forward(W, *, semantics: str = "persistent", u=None, v=None, n_iter: int | None = None,
                          training: bool = True, eps: float = 1e-12):
    """``(W / sigma, cache)``; see the module docstring for ``semantics``, ``u``, ``v``."""
    if semantics not in SEMANTICS:
        raise ValueError(f"semantics: expected one of {SEMANTICS}, got {semantics!r}")
    W = float_array("W", W, ndim=2)
    check_finite("W", W)
    m, n = W.shape
    if v is not None:      # validated even when the iteration replaces it
        v = float_array("v", v, ndim=1)
        if v.shape != (n,):
            raise ValueError(f"v: expected shape ({n},), got {v.shape}")
    n_iter = (5 if semantics == "article" else 1) if n_iter is None else int(n_iter)
    if n_iter < 0 or (semantics == "article" and n_iter < 1):
        raise ValueError(f"n_iter: expected a number of steps >= {1 if semantics == 'article' else 0}, got {n_iter}")
    trace = []
    if semantics == "article":
        ones = np.ones(m, dtype=W.dtype)
        start, floor = float(np.linalg.norm(W.T @ ones)), \
            ARTICLE_START_TOLERANCE * float(np.finfo(W.dtype).eps) * np.sqrt(m) * float(np.linalg.norm(W))
        if start <= floor:
            raise ValueError(f"W: its columns sum to (nearly) zero (|W^T 1| = {start:.3g}, at most {floor:.3g}, "
                             f"{ARTICLE_START_TOLERANCE:g} eps sqrt(m) |W|), so the article's all-ones start has no "
                             "direction beyond round-off; start from a random u (semantics 'persistent')")
        u, v, trace = _iterate(W, ones, n_iter, eps, keep=True)
    else:
        if u is None:
            raise ValueError(f"u: the '{semantics}' semantics keeps u as state; pass u (m,) (e.g. random normal)")
        u = float_array("u", u, ndim=1).astype(W.dtype)            # state: in W's precision
        if u.shape != (m,):
            raise ValueError(f"u: expected shape ({m},), got {u.shape}")
        if semantics == "parametrization":
            if v is None:
                raise ValueError("v: the 'parametrization' semantics keeps v as state and starts each step from it; "
                                 "pass v (n,)")
            v = v.astype(W.dtype)
            if training:
                for _ in range(n_iter):           # from the stored v: u first, then v (PyTorch's _power_method)
                    u, _ = _normalize(W @ v, eps)
                    v, _ = _normalize(W.T @ u, eps)
        elif semantics == "every_call" or training:
            if n_iter == 0 and v is None:
                raise ValueError("n_iter 0 needs the stored v")
            if n_iter > 0:
                u, v, _ = _iterate(W, u, n_iter, eps, keep=False)
        if v is None:
            v, _ = _normalize(W.T @ u, eps)
        v = float_array("v", v, ndim=1).astype(W.dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        sigma = float(u @ W @ v)
    if not np.isfinite(sigma):
        raise ValueError(f"W: the spectral-norm estimate overflows {W.dtype} (largest |W| entry "
                         f"{float(np.abs(W).max()):.3g}); rescale W")
    if sigma == 0:
        raise ValueError("W: the spectral-norm estimate sigma is 0 (W is zero on the iteration's vectors)")
    return W / sigma, SNCache(W, u, v, sigma, semantics, trace)


def spectral_norm_backward(dWsn, cache: SNCache):
    """dW. With u, v state (persistent, parametrization, every_call) they are constants: ``d(W/sigma)`` with
    ``dsigma/dW = u v^T``. The article's version differentiates through every step."""
    W, u, v, sigma = cache.W, cache.u, cache.v, cache.sigma
    G = gradient("dWsn", dWsn, W.shape, W.dtype)
    dsigma = -float(np.sum(G * W)) / sigma ** 2
    dW = G / sigma + dsigma * np.outer(u, v)
    if cache.semantics != "article":
        return dW
    du, dv = dsigma * (W @ v), dsigma * (W.T @ u)             # sigma = u^T W v, u and v depending on W
    for u_k, na, v_k1, nb, u_k1 in reversed(cache.trace):
        db = (du - u_k1 * (u_k1 @ du)) / nb                    # u_{k+1} = b / |b|, b = W v_{k+1}
        dW += np.outer(db, v_k1)
        dv = dv + W.T @ db
        da = (dv - v_k1 * (v_k1 @ dv)) / na                    # v_{k+1} = a / |a|, a = W^T u_k
        dW += np.outer(u_k, da)
        du, dv = W @ da, np.zeros_like(dv)                     # u_0 is the constant all-ones start
    return dW


def reshape_kernel(kernel) -> np.ndarray:
    """A conv kernel (KH, KW, Cin, Cout) as the (KH KW Cin, Cout) matrix spectral norm sees."""
    k = float_array("kernel", kernel, min_ndim=2)
    return k.reshape(-1, k.shape[-1])


def estimate_errors(W, iterations=(1, 5, 15), *, seed: int = 0) -> dict:
    """Relative error of sigma after each number of steps against the largest singular value
    (SVD): the article's all-ones start, and a random-normal start (PyTorch's)."""
    W = float_array("W", W, ndim=2)
    top = float(np.linalg.svd(W, compute_uv=False)[0])
    u0 = np.random.default_rng(seed).standard_normal(W.shape[0])
    out = {}
    for r in iterations:
        ones = spectral_norm_forward(W, semantics="article", n_iter=r)[1].sigma
        rand = spectral_norm_forward(W, semantics="every_call", u=u0, n_iter=r)[1].sigma
        out[r] = {"ones": abs(ones - top) / top, "random": abs(rand - top) / top}
    return out
