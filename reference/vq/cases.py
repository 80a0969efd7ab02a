"""Declarations of the VQ ops: seeded edge cases, sizes for hypothesis, the DK layout, forward-only ops.

All VQ backwards are *designed* gradients, so every case names a surrogate (see
:class:`reference.core.registry.CheckCase`): a function whose true gradient at the point is
the designed one and whose value there equals the forward's:

- straight-through ``x + sg[f(x) - x]``: ``x -> x + (f(x0) - x0)``;
- VQ straight-through: ``(z, E) -> z + (z_q0 - z0)`` (no dependence on E);
- losses: ``beta ||z0 - E[k]||^2 + gamma ||z - E0[k]||^2`` (stop-gradient operands frozen);
- rotation trick: ``z -> (lambda R)_0 z``;
- FSQ: ``z -> bounded(z) / (L // 2) + (rounding offset at z0)``.
Inputs are drawn away from ties (assignment margins checked).
"""
from __future__ import annotations


import numpy as np
from hypothesis import strategies as st

from ..core.layouts import Layout, register_layout
from ..core.registry import register
from . import codebook, fsq, lfq, losses, quantise, residual, rotation, spec, straight_through
from .assign import nearest_codes
from .demo import MLP, mlp, mlp_backward, mlp_forward
from .ema import EMAState, ema_update
from . import init as kmeans_init

SHAPES = st.lists(st.integers(1, 3), min_size=1, max_size=2).map(tuple)


def _separated(rng, shape, K, D, layout="KD"):
    """z and a codebook with every z clearly nearest to one code (no ties within 0.05)."""
    E = 2.0 * rng.standard_normal((K, D))
    k = rng.integers(0, K, size=shape)
    z = E[k] + 0.1 * rng.standard_normal(shape + (D,))
    return z, (E if layout == "KD" else E.T.copy())


def relu(a):
    """max(a, 0): the article's example of a function given the identity gradient."""
    return np.maximum(a, 0)


@register("straight_through", "x + sg[f(x) - x]: value f(x), identity gradient",
          source="kexue.fm/archives/6760, x + sg[f(x) - x]", inputs=("x",), attributes=("fn",),
          forward=straight_through.straight_through_forward, backward=straight_through.straight_through_backward,
          spec="kernel",
          edges=(dict(shape=(3, 4)),), sizes=st.fixed_dictionaries({"shape": SHAPES}),
          surrogate=lambda x0, fn: (lambda x: x + (fn(x0) - x0)), label=lambda s: f"relu {s['shape']}")
def _st(rng, shape):
    return (rng.standard_normal(shape),), {"fn": relu}


def _vq_st_surrogate(z0, E0, layout):
    zq0 = quantise.vq_st_forward(z0, E0, layout=layout)[0]
    return lambda z_, E_: z_ + (zq0 - z0)            # value z_q0, gradient identity to z, none to E


@register("vq_st", "VQ straight-through: value z_q, gradient identity to z, zero to the codebook",
          source="kexue.fm/archives/6760, z + sg[z_q - z]", forward=quantise.vq_st_forward,
          backward=quantise.vq_st_backward, spec=(spec.vq_st, spec.vq_st_backward),
          edges=(dict(layout="KD", shape=(2, 3), K=5, D=4), dict(layout="DK", shape=(2, 3), K=5, D=4)),
          sizes=st.fixed_dictionaries({"layout": st.sampled_from(["KD", "DK"]), "shape": SHAPES,
                                       "K": st.integers(1, 4), "D": st.integers(1, 3)}),
          surrogate=_vq_st_surrogate, label=lambda s: f"{s['layout']} z {s['shape'] + (s['D'],)} K={s['K']}")
def _vq_st(rng, layout, shape, K, D):
    z, E = _separated(rng, shape, K, D, layout)
    return (z, E), {"layout": layout}


def _vq_loss_surrogate(z0, E0, k, **kw):
    """The loss with its stop-gradient operands frozen at the point (beta to E, gamma to z)."""
    def fn(z_, E_, k_):
        return (losses.vq_loss_forward(z0, E_, k_, **{**kw, "gamma": 0.0})[0]
                + losses.vq_loss_forward(z_, E0, k_, **{**kw, "beta": 0.0})[0])
    return fn


@register("vq_loss", "beta ||sg[z] - z_q||^2 + gamma ||z - sg[z_q]||^2",
          source="kexue.fm/archives/6760, the VQ-VAE loss", forward=losses.vq_loss_forward,
          backward=losses.vq_loss_backward, spec=(spec.vq_loss, spec.vq_loss_backward),
          edges=(dict(layout="KD", reduction="mean", beta=1.0, gamma=0.25, shape=(4, 2), K=6, D=3),
                 dict(layout="DK", reduction="sum", beta=0.7, gamma=0.3, shape=(4, 2), K=6, D=3)),
          sizes=st.fixed_dictionaries({"layout": st.sampled_from(["KD", "DK"]),
                                       "reduction": st.sampled_from(["mean", "sum"]),
                                       "beta": st.sampled_from([1.0, 0.5]), "gamma": st.sampled_from([0.25, 1.0]),
                                       "shape": SHAPES, "K": st.integers(1, 4), "D": st.integers(1, 3)}),
          surrogate=_vq_loss_surrogate,
          label=lambda s: f"{s['layout']} {s['reduction']} beta={s['beta']} gamma={s['gamma']}")
def _vq_loss(rng, layout, reduction, beta, gamma, shape, K, D):
    z, E = _separated(rng, shape, K, D, layout)
    return (z, E, nearest_codes(z, E, layout=layout)), dict(beta=beta, gamma=gamma, reduction=reduction,
                                                            layout=layout)


def _rotation_surrogate(z0, zq0):
    mats = [rotation.rotation_matrix(a, b) for a, b in zip(z0, zq0)]
    return lambda z, zq: np.stack([m @ row for m, row in zip(mats, z)])


@register("rotation_trick", "value z_q, gradient lambda R^T g (Fifty et al. 2024)",
          source="Fifty et al. 2024 (beyond the article)", forward=rotation.rotation_trick_forward,
          backward=rotation.rotation_trick_backward, spec=(spec.rotation_trick, spec.rotation_trick_backward),
          edges=(dict(N=3, D=4),), sizes=st.fixed_dictionaries({"N": st.integers(1, 4), "D": st.integers(2, 4)}),
          surrogate=_rotation_surrogate, label=lambda s: f"({s['N']}, {s['D']})")
def _rotation(rng, N, D):
    """z_q near z (never opposite, where the rotation is not unique)."""
    z = rng.standard_normal((N, D))
    return (z, z + 0.8 * rng.standard_normal((N, D))), {}


def _fsq_surrogate(z0, levels, bound="shrink"):
    L = np.array(levels)
    smooth = lambda z: fsq._bound(z, L, bound)[0] / (L // 2)
    offset = fsq.fsq_forward(z0, levels, bound=bound)[0] - smooth(z0)
    return lambda z: smooth(z) + offset


def _fsq_label(s):
    return (f"levels {tuple(s['levels'])}" + (f" {s['bound']}" if "bound" in s else "")
            + (" at the rounding boundary" if s.get("boundary") else ""))


@register("fsq", "finite scalar quantisation, straight-through on the rounding",
          source="Mentzer et al. 2023 (beyond the article)", inputs=("z",), attributes=("levels", "bound"),
          forward=fsq.fsq_forward, backward=fsq.fsq_backward, spec="kernel",
          edges=(dict(N=4, levels=(3, 4, 5)), dict(N=5, levels=(2, 4, 3), bound="expand"),
                 dict(N=3, levels=(4, 6, 3), boundary=True), dict(N=3, levels=(2, 4, 5), bound="expand",
                 boundary=True)),
          sizes=st.one_of(
              st.fixed_dictionaries({"N": st.integers(1, 4),
                                     "levels": st.lists(st.integers(3, 6), min_size=1, max_size=3).map(tuple)}),
              st.fixed_dictionaries({"N": st.integers(1, 4), "bound": st.just("expand"),
                                     "levels": st.lists(st.integers(2, 6), min_size=1, max_size=3).map(tuple)})),
          surrogate=_fsq_surrogate, label=_fsq_label)
def _fsq(rng, N, levels, bound=None, boundary=False):
    """bound None: the default ("shrink", the attribute left out); "expand" supports 2 levels.
    ``boundary``: the first row (and the first channel of the second) sits on a rounding
    boundary: ``z = -shift`` makes ``tanh(z + shift) = 0`` exactly, so an even level count's
    bounded value is exactly -0.5 (half to even gives 0, half away from zero -1). Only in
    float64: the golden edge cases have it, the live search does not draw it (a correct
    float32 port sees a value one rounding away from the boundary)."""
    attrs = {"levels": list(levels), **({} if bound is None else {"bound": bound})}
    z = 1.5 * rng.standard_normal((N, len(levels)))
    if boundary:
        z[0] = -fsq.shifts(levels, bound or "shrink")
        if N > 1:
            z[1, 0] = z[0, 0]
    return (z,), attrs


@register("vq_demo_mlp", "the demo's tanh MLP (encoder/decoder of refspace demo vq)",
          source="the demo model of refspace demo vq", forward=mlp_forward, backward=mlp_backward,
          spec=(spec.vq_demo_mlp, spec.vq_demo_mlp_backward), edges=(dict(N=4, sizes=(3, 5, 2)),),
          sizes=st.fixed_dictionaries({"N": st.integers(1, 4),
                                       "sizes": st.tuples(*(st.integers(1, 4) for _ in range(3)))}),
          label=lambda s: " -> ".join(map(str, s["sizes"])))
def _mlp(rng, N, sizes):
    W1, _, W2, _ = (param.value for param in mlp(sizes, rng).parameters())
    p = MLP(W1, rng.uniform(0.2, 1, sizes[1]), W2, rng.uniform(0.2, 1, sizes[2]))   # non-zero biases
    return (rng.standard_normal((N, sizes[0])), p), {}


# --- forward-only ops a porter must match ------------------------------------------------------

def _ema_forward(inputs, attrs):
    """``ema_update`` over flat inputs ``codebook`` (K, D), ``counts`` (K,), ``sums`` (K, D), ``z`` (N, D),
    ``indices`` int (N,); attrs ``steps`` (taken so far), ``decay``, ``eps``, ``convention``
    ("bias_corrected" or "ones"). Outputs ``codebook``, ``counts``, ``sums`` after one update."""
    missing = [k for k in ("codebook", "counts", "sums", "z", "indices") if k not in inputs]
    if missing:
        raise ValueError(f"inputs: missing {missing}")
    state = EMAState(np.asarray(inputs["counts"]), np.asarray(inputs["sums"]), int(attrs.get("steps", 0)),
                     attrs.get("convention", "bias_corrected"))
    new, st_ = ema_update(inputs["codebook"], state, inputs["z"], inputs["indices"],
                          decay=attrs.get("decay", 0.99), eps=attrs.get("eps", 1e-5))
    return {"codebook": new, "counts": st_.counts, "sums": st_.sums}


def _ema_example(rng):
    """Two codes far away stay unused."""
    E = rng.standard_normal((5, 3))
    E[3:] += 40.0
    z = rng.standard_normal((12, 3))
    idx = np.argmin(((z[:, None] - E[None]) ** 2).sum(-1), axis=1)
    return ({"codebook": E, "counts": np.zeros(5), "sums": np.zeros((5, 3)), "z": z, "indices": idx},
            {"steps": 0, "decay": 0.99, "eps": 1e-5, "convention": "bias_corrected"})


@st.composite
def _ema_live(draw):
    K, D, N = draw(st.integers(1, 4)), draw(st.integers(1, 3)), draw(st.integers(1, 6))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    E = 2.0 * rng.standard_normal((K, D))
    z = 2.0 * rng.standard_normal((N, D))
    idx = np.argmin(((z[:, None] - E[None]) ** 2).sum(-1), axis=1)
    convention = draw(st.sampled_from(["bias_corrected", "ones"]))
    steps = draw(st.integers(0, 3))
    if convention == "ones" and steps == 0:
        counts, sums = np.ones(K), E.copy()
    elif steps == 0:
        counts, sums = np.zeros(K), np.zeros((K, D))
    else:
        counts = rng.uniform(0.1, 2.0, K)
        sums = E * counts[:, None]
    attrs = {"steps": steps, "decay": draw(st.sampled_from([0.99, 0.8])), "eps": 1e-5, "convention": convention}
    return {"codebook": E, "counts": counts, "sums": sums, "z": z, "indices": idx}, attrs


register("ema_update", "one EMA codebook update (counts, sums, codebook), forward only",
         forward_only=True, source="van den Oord et al. 2017, appendix A.1 (the EMA codebook)",
         inputs=('codebook', 'counts', 'sums', 'z', 'indices'),
         attributes=('steps', 'decay', 'eps', 'convention'),
         forward=_ema_forward, example=_ema_example, live=_ema_live(), spec=spec.ema_update)


def _codes_forward(inputs, attrs):
    """``nearest_codes`` over flat inputs ``z`` (..., D), ``codebook`` (K, D) (or (D, K) with
    attrs ``layout="DK"``): output ``indices`` int64, ties to the lowest index."""
    return {"indices": nearest_codes(inputs["z"], inputs["codebook"], layout=attrs.get("layout", "KD"))}


def _quantise_forward(inputs, attrs):
    """``quantise``: outputs ``z_q``, ``indices``, ``counts`` (K,), ``perplexity`` and ``usage`` (0-d)."""
    q = quantise.quantise(inputs["z"], inputs["codebook"], layout=attrs.get("layout", "KD"))
    return {"z_q": q.z_q, "indices": q.indices, "counts": q.counts, "perplexity": np.asarray(q.perplexity),
            "usage": np.asarray(q.usage)}


def _codes_example(rng):
    """Exact ties on purpose (code 4 duplicates code 1; points halfway between two codes: the
    lowest index wins), grid points, and a cloud far from the origin (where float32
    ||z||^2 - 2 z.e + ||e||^2 cancels)."""
    E = np.array([[0.0, 0, 0], [1, 0, 0], [0, 0, 2], [3, 3, 3], [1, 0, 0], [-2, 1, 0]])
    ties = np.array([[0.5, 0, 0], [0, 0, 1], [1, 0, 0], [-1, 0.5, 0]])
    z = np.concatenate([ties, rng.integers(-2, 3, size=(8, 3)).astype(float), rng.standard_normal((4, 3))])
    far_E, far_z = 1e4 + rng.standard_normal((2, 3)), 1e4 + rng.standard_normal((4, 3))
    return {"z": np.concatenate([z, far_z]), "codebook": np.concatenate([E, far_E])}, {"layout": "KD"}


@st.composite
def _codes_live(draw):
    """Small integer grids make exact ties common; a port must break them to the lowest index."""
    N, K, D = draw(st.integers(1, 6)), draw(st.integers(1, 5)), draw(st.integers(1, 3))
    grid = st.integers(-2, 2).map(float)
    E = np.array(draw(st.lists(st.lists(grid, min_size=D, max_size=D), min_size=K, max_size=K)))
    z = np.array(draw(st.lists(st.lists(grid, min_size=D, max_size=D), min_size=N, max_size=N)))
    if draw(st.booleans()):                                       # off the grid too
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        z = z + 0.5 * rng.standard_normal(z.shape)
    return {"z": z, "codebook": E}, {"layout": "KD"}


register("nearest_codes", "nearest code per vector, ties to the lowest index",
         forward_only=True, source="kexue.fm/archives/6760, k = argmin_j ||z - e_j||^2",
         inputs=('z', 'codebook'), attributes=('layout',),
         forward=_codes_forward, example=_codes_example, live=_codes_live(), spec=spec.nearest_codes)
register("quantise", "z_q, indices, code counts, perplexity and usage of a batch",
         forward_only=True, source="kexue.fm/archives/6760, z_q = e_k",
         inputs=('z', 'codebook'), attributes=('layout',),
         forward=_quantise_forward, example=_codes_example, live=_codes_live(), spec=spec.quantise)


def _to_dk(inputs, attrs):
    if attrs.get("layout", "KD") == "KD":
        return {**inputs, "codebook": np.ascontiguousarray(inputs["codebook"].T)}, {**attrs, "layout": "DK"}
    return inputs, attrs


def _grads_to_dk(grads, attrs):
    if attrs.get("layout", "KD") == "KD" and "codebook" in grads:
        return {**grads, "codebook": np.ascontiguousarray(np.asarray(grads["codebook"]).T)}
    return grads


register_layout(Layout("DK", ("vq_loss", "vq_st", "nearest_codes", "quantise"), _to_dk, _grads_to_dk,
                       doc="the codebook passed as (D, K) with attrs['layout'] = 'DK'; its gradient compared (D, K)"))


def _rvq_inputs(rng, L, K, D, N, shared):
    """Codebooks at decreasing scales (as trained ones are) and inputs drawn away from ties:
    each level's nearest code must win by a margin."""
    for _ in range(100):
        E = rng.standard_normal((K, D)) if shared else rng.standard_normal((L, K, D)) * (0.5 ** np.arange(L))[:, None, None]
        z = 2 * rng.standard_normal((N, D))
        r, ok = z, True
        for level in range(L):
            book = E if shared else E[level]
            d = ((r[:, None, :] - book[None]) ** 2).sum(-1)
            part = np.sort(d, axis=1)
            ok &= K == 1 or bool(np.all(part[:, 1] - part[:, 0] > 1e-3))
            r = r - book[d.argmin(axis=1)]
        if ok:
            return z, E
    raise RuntimeError("no tie-free residual VQ case drawn")


def _rvq_surrogate(z0, E0, levels=None, gradient="total"):
    zq0 = residual.rvq_forward(z0, E0, levels=levels, gradient=gradient)[0]
    c = 1.0 if gradient == "total" else (E0.shape[0] if E0.ndim == 3 else levels)
    return lambda z_, E_: c * z_ + (zq0 - c * z0)          # value z_q0, gradient c I to z, none to E


RVQ_SIZES = st.fixed_dictionaries({"L": st.integers(1, 3), "K": st.integers(1, 4), "D": st.integers(1, 3),
                                   "N": st.integers(1, 4), "shared": st.booleans()})


@register("rvq_st", "residual VQ: value sum_l q_l, gradient to z identity ('total') or L ('per_level')",
          source="residual VQ (SoundStream, EnCodec) beyond kexue.fm/archives/6760", forward=residual.rvq_forward,
          backward=residual.rvq_backward, spec=(spec.rvq_st, spec.rvq_st_backward),
          edges=(dict(L=3, K=5, D=2, N=4, shared=False, gradient="total"),
                 dict(L=2, K=4, D=3, N=3, shared=True, gradient="per_level")),
          sizes=st.fixed_dictionaries({"L": st.integers(1, 3), "K": st.integers(1, 4), "D": st.integers(1, 3),
                                       "N": st.integers(1, 4), "shared": st.booleans(),
                                       "gradient": st.sampled_from(list(residual.GRADIENTS))}),
          surrogate=_rvq_surrogate,
          label=lambda s: f"L={s['L']} K={s['K']} D={s['D']} {'shared' if s['shared'] else 'per level'} {s['gradient']}")
def _rvq(rng, L, K, D, N, shared, gradient):
    z, E = _rvq_inputs(rng, L, K, D, N, shared)
    return (z, E), {"levels": L if shared else None, "gradient": gradient}


def _rvq_loss_surrogate(z0, E0, k, levels=None, gradient="total", level_losses=False, **kw):
    """Codebook terms on the frozen residuals of (z0, E0); commitment terms on the residuals of z
    with the earlier codes frozen at E0 (the stop-gradients of the loss): every level's in the
    "per_level" chain, level 0's alone in the "total" chain (the later residuals frozen too)."""
    C0 = residual._codebooks(E0, levels, z0.shape[-1], z0.dtype)[0]

    def fn(z_, E_, k_):
        C = residual._codebooks(E_, levels, z0.shape[-1], z0.dtype)[0]
        out, r0, r = [], z0, z_
        for level in range(len(C0)):
            live = r if (gradient == "per_level" or level == 0) else r0
            out.append(losses.vq_loss_forward(r0, C[level], k_[level], **{**kw, "gamma": 0.0})[0]
                       + losses.vq_loss_forward(live, C0[level], k_[level], **{**kw, "beta": 0.0})[0])
            r0, r = r0 - C0[level][k_[level]], r - C0[level][k_[level]]
        return np.stack(out) if level_losses else sum(out)
    return fn


@register("rvq_loss", "residual VQ's per-level codebook and commitment losses, in the 'total' or 'per_level' chain",
          source="residual VQ beyond kexue.fm/archives/6760 (the VQ-VAE loss per level)",
          forward=residual.rvq_loss_forward, backward=residual.rvq_loss_backward,
          spec=(spec.rvq_loss, spec.rvq_loss_backward),
          edges=(dict(L=3, K=5, D=2, N=4, shared=False, reduction="mean", gradient="per_level"),
                 dict(L=2, K=4, D=3, N=3, shared=True, reduction="sum", gradient="per_level"),
                 dict(L=3, K=5, D=2, N=4, shared=False, reduction="mean", gradient="total"),
                 dict(L=3, K=4, D=3, N=3, shared=True, reduction="mean", gradient="total", level_losses=True)),
          sizes=st.fixed_dictionaries({"L": st.integers(1, 3), "K": st.integers(1, 4), "D": st.integers(1, 3),
                                       "N": st.integers(1, 4), "shared": st.booleans(),
                                       "reduction": st.sampled_from(["mean", "sum"]),
                                       "gradient": st.sampled_from(["total", "per_level"]),
                                       "level_losses": st.booleans()}),
          surrogate=_rvq_loss_surrogate,
          label=lambda s: f"L={s['L']} K={s['K']} D={s['D']} {'shared' if s['shared'] else 'per level'} "
                          f"{s['reduction']}" + ("" if s["gradient"] == "per_level" else f" {s['gradient']}")
                          + (" level losses" if s.get("level_losses") else ""))
def _rvq_loss(rng, L, K, D, N, shared, reduction, gradient, level_losses=False):
    z, E = _rvq_inputs(rng, L, K, D, N, shared)
    k = residual.rvq_forward(z, E, levels=L if shared else None)[1].indices
    attrs = {"levels": L if shared else None, "beta": 0.8, "gamma": 0.3, "reduction": reduction, "gradient": gradient}
    if level_losses:
        attrs["level_losses"] = True
    return (z, E, k), attrs


@register("lfq_st", "lookup-free quantisation: value scale sign(z) (0 to -scale), straight-through gradient",
          source="LFQ (MAGVIT-v2) beyond kexue.fm/archives/6760", forward=lfq.lfq_forward, backward=lfq.lfq_backward,
          spec="kernel",
          edges=(dict(N=4, d=3, scale=1.0), dict(N=2, d=5, scale=0.5)),
          sizes=st.fixed_dictionaries({"N": st.integers(1, 4), "d": st.integers(1, 5),
                                       "scale": st.sampled_from([1.0, 0.5])}),
          surrogate=lambda z0, scale: (lambda z: z + (lfq.lfq_forward(z0, scale=scale)[0] - z0)),
          label=lambda s: f"({s['N']}, {s['d']}) scale {s['scale']}")
def _lfq(rng, N, d, scale):
    z = rng.standard_normal((N, d))
    return (np.where(np.abs(z) < 0.05, 0.5, z),), {"scale": scale}       # away from the sign's jump


@register("lfq_entropy", "LFQ's entropy loss mean H(p_n) - gamma H(mean p_n), p_n = softmax(2 tau C z_n)",
          source="LFQ (MAGVIT-v2) beyond kexue.fm/archives/6760", inputs=("z",),
          attributes=("inv_temperature", "diversity_gamma", "clamp", "scale"),
          forward=lfq.lfq_entropy_forward, backward=lfq.lfq_entropy_backward,
          spec=(spec.lfq_entropy, spec.lfq_entropy_backward),
          edges=(dict(N=5, d=3, clamp=None), dict(N=4, d=2, clamp=1e-5), dict(N=4, d=3, clamp=None, scale=0.5)),
          sizes=st.fixed_dictionaries({"N": st.integers(1, 5), "d": st.integers(1, 4),
                                       "clamp": st.sampled_from([None, 1e-5]), "scale": st.sampled_from([1.0, 0.5])}),
          label=lambda s: f"({s['N']}, {s['d']}) clamp {s['clamp']}"
                          + (f" scale {s['scale']}" if s.get("scale", 1.0) != 1.0 else ""))
def _lfq_entropy(rng, N, d, clamp, scale=1.0):
    attrs = {"inv_temperature": 5.0, "diversity_gamma": 1.0, "clamp": clamp}
    if scale != 1.0:
        attrs["scale"] = scale
    return (0.1 * rng.standard_normal((N, d)),), attrs


@register("orthogonal_loss", "orthogonal codebook regularisation ||S||^2 / (h n^2) - 1/n on the (active) codes",
          source="orthogonal regularisation (Shin et al. 2021) beyond kexue.fm/archives/6760",
          forward=codebook.orthogonal_loss_forward,
          backward=codebook.orthogonal_loss_backward, spec=(spec.orthogonal_loss, spec.orthogonal_loss_backward),
          edges=(dict(heads=0, K=5, D=3, active=False), dict(heads=2, K=4, D=3, active=True)),
          sizes=st.fixed_dictionaries({"heads": st.integers(0, 2), "K": st.integers(2, 5), "D": st.integers(1, 3),
                                       "active": st.booleans()}),
          label=lambda s: f"{'(K, D)' if not s['heads'] else str(s['heads']) + ' heads'} K={s['K']} D={s['D']}"
                          + (" active codes" if s["active"] else ""))
def _ortho(rng, heads, K, D, active):
    E = rng.standard_normal((heads, K, D) if heads else (K, D))
    return (E,), ({"indices": rng.integers(0, K, 4)} if active else {})


@register("cosine_vq", "cosine-similarity codebook: the unit code of largest cosine, straight-through past the "
          "input's normalisation", source="use_cosine_sim (vector-quantize-pytorch) beyond kexue.fm/archives/6760",
          forward=codebook.cosine_vq_forward, backward=codebook.cosine_vq_backward,
          spec=(spec.cosine_vq, spec.cosine_vq_backward),
          edges=(dict(N=4, K=5, D=3),), sizes=st.fixed_dictionaries({"N": st.integers(1, 4), "K": st.integers(1, 4),
                                                                      "D": st.integers(2, 3)}),
          surrogate=lambda z0, E0: (lambda z, E: z / np.linalg.norm(z, axis=-1, keepdims=True)
                                    + (codebook.cosine_vq_forward(z0, E0)[0]
                                       - z0 / np.linalg.norm(z0, axis=-1, keepdims=True))),
          label=lambda s: f"({s['N']}, {s['D']}) K={s['K']}")
def _cosine(rng, N, K, D):
    E = rng.standard_normal((K, D))
    Eu = E / np.linalg.norm(E, axis=1, keepdims=True)
    z = (Eu[rng.integers(0, K, N)] + 0.05 * rng.standard_normal((N, D))) * rng.uniform(0.5, 3, (N, 1))
    return (z, E), {}


def _cosine_commitment_surrogate(z0, E0, k0, **kw):
    """The loss with its stop-gradient codes frozen at the point: a function of z alone."""
    return lambda z, E, k: codebook.cosine_commitment_forward(z, E0, k0, **kw)[0]


@register("cosine_commitment", "gamma mean (u - sg[e])^2 with u = z / norm(z): the cosine codebook's commitment loss",
          source="use_cosine_sim's commitment loss (vector-quantize-pytorch) beyond kexue.fm/archives/6760",
          forward=codebook.cosine_commitment_forward, backward=codebook.cosine_commitment_backward,
          spec=(spec.cosine_commitment, spec.cosine_commitment_backward),
          edges=(dict(N=4, K=5, D=3, gamma=0.25, reduction="mean"), dict(N=1, K=2, D=2, gamma=1.0, reduction="sum")),
          sizes=st.fixed_dictionaries({"N": st.integers(1, 4), "K": st.integers(1, 4), "D": st.integers(2, 3),
                                       "gamma": st.sampled_from([0.25, 1.0]),
                                       "reduction": st.sampled_from(["mean", "sum"])}),
          surrogate=_cosine_commitment_surrogate,
          label=lambda s: f"({s['N']}, {s['D']}) K={s['K']} gamma={s['gamma']} {s['reduction']}")
def _cosine_commitment(rng, N, K, D, gamma, reduction):
    (z, E), _ = _cosine(rng, N, K, D)
    return (z, E, codebook.cosine_vq_forward(z, E)[1][0]), {"gamma": gamma, "reduction": reduction}


@register("affine_codebook", "affine re-parameterised codebook scale * raw + shift (shared by all codes)",
          source="affine re-parameterisation (Huh et al. 2023) beyond kexue.fm/archives/6760",
          forward=codebook.affine_codebook_forward,
          backward=codebook.affine_codebook_backward, spec="kernel", edges=(dict(K=5, D=3),),
          sizes=st.fixed_dictionaries({"K": st.integers(1, 5), "D": st.integers(1, 3)}),
          label=lambda s: f"K={s['K']} D={s['D']}")
def _affine(rng, K, D):
    return (rng.standard_normal((K, D)), rng.uniform(0.5, 2, D), rng.standard_normal(D)), {}


def _lloyd_forward(inputs, attrs):
    """``lloyd`` over flat inputs ``x`` (N, D) and ``start`` (K, D), attr ``n_iter``: outputs
    ``centroids`` (K, D) and ``sizes`` (K,) (assignment ties to the lowest index, an empty cluster
    keeps its centre, early stop when no assignment changes)."""
    C, sizes, _ = kmeans_init.lloyd(inputs["x"], inputs["start"], n_iter=attrs.get("n_iter", 20))
    return {"centroids": C, "sizes": sizes}


def _lloyd_case(rng, N, D, K, n_iter):
    centres = 4.0 * rng.standard_normal((K, D))
    x = centres[rng.integers(0, K, N)] + rng.standard_normal((N, D))
    return {"x": x, "start": x[rng.choice(N, size=K, replace=False)]}, {"n_iter": n_iter}


@st.composite
def _lloyd_live(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    K = draw(st.integers(1, 4))
    return _lloyd_case(rng, draw(st.integers(K, 12)), draw(st.integers(1, 3)), K, draw(st.integers(1, 5)))


register("kmeans_lloyd", "Lloyd's k-means iterations from given centres (codebook initialisation)",
         forward_only=True, source="k-means codebook initialisation (SoundStream) beyond kexue.fm/archives/6760",
         inputs=("x", "start"), attributes=("n_iter",), forward=_lloyd_forward,
         example=lambda rng: _lloyd_case(rng, 40, 2, 3, 10), live=_lloyd_live(), spec=spec.kmeans_lloyd)


def _fsq_index_case(rng, levels, n):
    """Indices of n random codes of the grid, and the same codes (for the two index maps)."""
    idx = rng.integers(0, int(np.prod(levels)), n)
    return idx, fsq.indices_to_codes(idx, levels), {"levels": [int(L) for L in levels]}


@st.composite
def _fsq_index_live(draw, to_codes: bool):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    levels = draw(st.lists(st.integers(2, 8), min_size=1, max_size=4))
    idx, codes, attrs = _fsq_index_case(rng, levels, draw(st.integers(1, 6)))
    return ({"indices": idx} if to_codes else {"codes": codes}), attrs


def _fsq_index_example(rng, to_codes: bool):
    idx, codes, attrs = _fsq_index_case(rng, [8, 5, 5, 5], 12)
    return ({"indices": idx} if to_codes else {"codes": codes}), attrs


register("fsq_indices_to_codes", "FSQ code of each mixed-radix index (digit 0 varies fastest)",
         forward_only=True, source="Mentzer et al. 2023 (FSQ), the implicit codebook; vector-quantize-pytorch's "
                "FSQ.indices_to_codes", inputs=("indices",), attributes=("levels",),
         forward=lambda inputs, attrs: {"codes": fsq.indices_to_codes(inputs["indices"], attrs["levels"])},
         example=lambda rng: _fsq_index_example(rng, True), live=_fsq_index_live(True),
         spec=spec.fsq_indices_to_codes)
register("fsq_codes_to_indices", "mixed-radix index of each FSQ code (integers, exact)",
         forward_only=True, source="Mentzer et al. 2023 (FSQ), the implicit codebook; vector-quantize-pytorch's "
                "FSQ.codes_to_indices", inputs=("codes",), attributes=("levels",),
         forward=lambda inputs, attrs: {"indices": fsq.codes_to_indices(inputs["codes"], attrs["levels"])},
         example=lambda rng: _fsq_index_example(rng, False), live=_fsq_index_live(False),
         spec=spec.fsq_codes_to_indices)
