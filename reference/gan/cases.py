"""Declarations of the normalisation ops: seeded edge cases (both eps placements, a +1 gamma
offset, 2-d and NHWC inputs) and sizes for hypothesis; the running-statistics update as a
forward-only op with every convention."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from ..core.layouts import Layout, register_layout
from ..core.registry import register
from . import conv, losses, norm, resample, selfmod, spec, spectral

SHAPES = st.sampled_from([(4, 3), (3, 2, 2, 3), (2, 3, 1, 2), (5, 1)])
MODES = st.sampled_from(list(norm.EPS_MODES))


def _x(rng, shape):
    return 1.5 * rng.standard_normal(shape) + rng.uniform(-1, 1, shape[-1])


def _nonzero(rng, n):
    return rng.uniform(0.5, 1.5, n) * rng.choice([-1.0, 1.0], n)


@register("batch_norm", "training-mode batch norm per channel (eps inside the root or on the std)",
          source="kexue.fm/archives/6549, batch norm", forward=norm.batch_norm_forward,
          backward=norm.batch_norm_backward, spec=(spec.batch_norm, spec.batch_norm_backward),
          edges=(dict(shape=(4, 3), eps_mode="sqrt_var_eps"), dict(shape=(3, 2, 2, 3), eps_mode="std_plus_eps")),
          sizes=st.fixed_dictionaries({"shape": SHAPES, "eps_mode": MODES}),
          label=lambda s: f"{s['shape']} {s['eps_mode']}")
def _bn(rng, shape, eps_mode):
    C = shape[-1]
    return (_x(rng, shape), _nonzero(rng, C), rng.standard_normal(C)), {"eps": 1e-3, "eps_mode": eps_mode}


@register("batch_norm_eval", "evaluation-mode batch norm with running statistics",
          source="kexue.fm/archives/6549, batch norm at test time",
          forward=norm.batch_norm_eval_forward, backward=norm.batch_norm_eval_backward, spec="kernel",
          edges=(dict(shape=(4, 3), eps_mode="sqrt_var_eps"), dict(shape=(2, 2, 2, 3), eps_mode="std_plus_eps")),
          sizes=st.fixed_dictionaries({"shape": SHAPES, "eps_mode": MODES}),
          label=lambda s: f"{s['shape']} {s['eps_mode']}")
def _bn_eval(rng, shape, eps_mode):
    C = shape[-1]
    return (_x(rng, shape), _nonzero(rng, C), rng.standard_normal(C)), \
        {"running_mean": rng.standard_normal(C), "running_var": rng.uniform(0.5, 2.0, C), "eps": 1e-3,
         "eps_mode": eps_mode}


def _modulated(name, summary, source, forward, backward, min_rank):
    shapes = SHAPES if min_rank == 2 else st.sampled_from([(3, 2, 2, 3), (2, 3, 1, 2), (2, 4, 3)])

    @register(name, summary, source=source, inputs=("x", "gamma", "beta"),
              spec=(getattr(spec, name), getattr(spec, f"{name}_backward")),
              attributes=("eps", "eps_mode", "gamma_offset"), forward=forward, backward=backward,
              edges=(dict(shape=(3, 2, 2, 3), eps_mode="sqrt_var_eps", offset=1.0),
                     dict(shape=(2, 3, 1, 2), eps_mode="std_plus_eps", offset=0.0)),
              sizes=st.fixed_dictionaries({"shape": shapes, "eps_mode": MODES,
                                           "offset": st.sampled_from([0.0, 1.0])}),
              label=lambda s: f"{s['shape']} {s['eps_mode']} gamma offset {s['offset']}")
    def _make(rng, shape, eps_mode, offset):
        B, C = shape[0], shape[-1]
        return (_x(rng, shape), 0.5 * rng.standard_normal((B, C)), rng.standard_normal((B, C))), \
            {"eps": 1e-3, "eps_mode": eps_mode, "gamma_offset": offset}

    return _make


_modulated("conditional_bn", "conditional BN: batch statistics, per-sample gamma(c) and beta(c) (SELF-MOD: c = z)",
           "kexue.fm/archives/6549, conditional BN and SELF-MOD", norm.conditional_bn_forward,
           norm.conditional_bn_backward, 2)
_modulated("adain", "AdaIN: per-sample, per-channel statistics over the spatial axes, then gamma, beta",
           "kexue.fm/archives/6549, AdaIN", norm.adain_forward, norm.adain_backward, 3)


def _running_forward(inputs, attrs):
    """``running_update`` over flat inputs ``running_mean``, ``running_var``, ``x``; attrs
    ``momentum``, ``convention``, ``variance``, ``eps`` (or a ``preset``); outputs ``mean`` and ``var``."""
    m, v = norm.running_update(inputs["running_mean"], inputs["running_var"], inputs["x"], **attrs)
    return {"mean": m, "var": v}


def _running_example(rng):
    return {"running_mean": rng.standard_normal(3), "running_var": rng.uniform(0.5, 2, 3),
            "x": rng.standard_normal((4, 3))}, {"momentum": 0.99, "convention": "keras", "variance": "keras2",
                                                "eps": 1e-3}


@st.composite
def _running_live(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    shape = draw(st.sampled_from([(4, 3), (2, 2, 2, 3), (3, 1)]))
    C = shape[-1]
    convention = draw(st.sampled_from(list(norm.CONVENTIONS)))
    attrs = {"momentum": draw(st.sampled_from([0.0, 0.1, 0.9, 0.99, 1.0])), "convention": convention,
             "variance": draw(st.sampled_from(list(norm.VARIANCES))), "eps": draw(st.sampled_from([1e-3, 1e-5]))}
    if draw(st.booleans()):                                 # or a library's four settings by name
        attrs = {"preset": draw(st.sampled_from(sorted(norm.PRESETS)))}
    return {"running_mean": rng.standard_normal(C), "running_var": rng.uniform(0.5, 2, C),
            "x": rng.standard_normal(shape)}, attrs


register("bn_running_update", "the running mean and variance after one batch, in every convention",
         forward_only=True, source="kexue.fm/archives/6549; Keras and PyTorch conventions",
         inputs=("running_mean", "running_var", "x"),
         attributes=("momentum", "convention", "variance", "eps", "preset"),
         forward=_running_forward, example=_running_example, live=_running_live(),
         spec=spec.bn_running_update)


def _sn_surrogate(W0, semantics, u=None, v=None, n_iter=None, training=True, eps=1e-12):
    """u and v are constants of the step: W / (u^T W v) with them frozen at W0's values."""
    from .spectral import spectral_norm_forward

    c = spectral_norm_forward(W0, semantics=semantics, u=u, v=v, n_iter=n_iter, training=training, eps=eps)[1]
    return lambda W: W / float(c.u @ W @ c.v)


@register("spectral_norm", "W / sigma with u, v state (persistent: no update in evaluation; every_call; "
          "parametrization: each step from the stored v)",
          source="kexue.fm/archives/6051; Miyato et al. 2018, compare_gan, torch.nn.utils.parametrizations",
          forward=spectral.spectral_norm_forward, backward=spectral.spectral_norm_backward,
          spec=(spec.spectral_norm, spec.spectral_norm_backward),
          edges=(dict(m=6, n=4, semantics="persistent", training=True),
                 dict(m=3, n=5, semantics="persistent", training=False),
                 dict(m=4, n=4, semantics="every_call", training=False),
                 dict(m=5, n=3, semantics="parametrization", training=True),
                 dict(m=3, n=4, semantics="parametrization", training=False)),
          sizes=st.fixed_dictionaries({"m": st.integers(1, 6), "n": st.integers(1, 6),
                                       "semantics": st.sampled_from(["persistent", "every_call", "parametrization"]),
                                       "training": st.booleans()}),
          surrogate=_sn_surrogate,
          label=lambda s: f"({s['m']}, {s['n']}) {s['semantics']} {'training' if s['training'] else 'evaluation'}")
def _sn(rng, m, n, semantics, training):
    u = rng.standard_normal(m)
    v = rng.standard_normal(n)
    return (rng.standard_normal((m, n)),), {"semantics": semantics, "u": u, "v": v / np.linalg.norm(v), "n_iter": 1,
                                            "training": training, "eps": 1e-12}


@register("spectral_norm_article", "W / sigma with the article's stateless all-ones start, differentiated through r steps",
          source="kexue.fm/archives/6051, spectral_norm(w, r=5)", inputs=("W",), attributes=("semantics", "n_iter"),
          forward=spectral.spectral_norm_forward, backward=spectral.spectral_norm_backward,
          spec=(spec.spectral_norm_article, spec.spectral_norm_article_backward),
          edges=(dict(m=6, n=4, r=5), dict(m=3, n=3, r=1)),
          sizes=st.fixed_dictionaries({"m": st.integers(1, 5), "n": st.integers(1, 5), "r": st.integers(1, 6)}),
          label=lambda s: f"({s['m']}, {s['n']}) r={s['r']}")
def _sn_article(rng, m, n, r):
    W = rng.standard_normal((m, n)) + 0.5                      # columns never sum to zero
    return (W,), {"semantics": "article", "n_iter": r}


CONV_SIZES = st.fixed_dictionaries({
    "B": st.integers(1, 2), "H": st.integers(3, 6), "W": st.integers(3, 6), "cin": st.integers(1, 3),
    "cout": st.integers(1, 3), "k": st.sampled_from([(1, 1), (2, 2), (3, 3), (3, 2)]),
    "stride": st.sampled_from([1, 2, (2, 1)]), "dilation": st.sampled_from([1, 2]),
    "padding": st.sampled_from(list(conv.PADDINGS))})


def _conv_label(s):
    return (f"({s['B']}, {s['H']}, {s['W']}, {s['cin']}) k={s['k']} -> {s['cout']} stride {s['stride']} "
            f"dilation {s['dilation']} {s['padding']}")


def _conv_fits(H, W, k, dilation, padding):
    d = (dilation, dilation) if isinstance(dilation, int) else dilation
    return padding == "same" or (H >= (k[0] - 1) * d[0] + 1 and W >= (k[1] - 1) * d[1] + 1)


@register("conv2d", "Conv2D, NHWC, 'same' (TensorFlow's padding split) or 'valid', stride, dilation",
          source="kexue.fm/archives/6549, DCGAN's strided convolutions", forward=conv.conv2d_forward,
          backward=conv.conv2d_backward, spec=(spec.conv2d, spec.conv2d_backward),
          edges=(dict(B=2, H=5, W=6, cin=3, cout=2, k=(3, 3), stride=2, dilation=1, padding="same"),
                 dict(B=1, H=7, W=6, cin=2, cout=3, k=(3, 2), stride=(2, 1), dilation=2, padding="valid")),
          sizes=CONV_SIZES.filter(lambda s: _conv_fits(s["H"], s["W"], s["k"], s["dilation"], s["padding"])),
          label=_conv_label)
def _conv2d(rng, B, H, W, cin, cout, k, stride, dilation, padding):
    return (rng.standard_normal((B, H, W, cin)), rng.standard_normal(k + (cin, cout)) / np.sqrt(k[0] * k[1] * cin),
            _nonzero(rng, cout)), {"stride": stride, "padding": padding, "dilation": dilation}


def _conv_t_label(s):
    return _conv_label(s) + (f" sizes {s['sizes']}" if s.get("sizes") else "")


@register("conv2d_transpose", "Conv2DTranspose as the exact adjoint of Conv2D (Keras's output sizes, or PyTorch's)",
          source="kexue.fm/archives/6549, DCGAN's strided deconvolutions", inputs=("y", "W", "b"),
          attributes=("stride", "padding", "dilation", "sizes"), forward=conv.conv2d_transpose_forward,
          spec=(spec.conv2d_transpose, spec.conv2d_transpose_backward),
          backward=conv.conv2d_transpose_backward,
          edges=(dict(B=2, H=3, W=2, cin=3, cout=2, k=(3, 3), stride=2, dilation=1, padding="same"),
                 dict(B=1, H=2, W=3, cin=2, cout=3, k=(3, 2), stride=(2, 1), dilation=2, padding="valid"),
                 # the stride beyond the kernel, where the two conventions differ (Keras 9 rows, PyTorch 8)
                 dict(B=1, H=3, W=2, cin=2, cout=2, k=(2, 2), stride=3, dilation=1, padding="valid", sizes="keras"),
                 dict(B=1, H=3, W=2, cin=2, cout=2, k=(2, 2), stride=3, dilation=1, padding="valid", sizes="torch")),
          sizes=st.tuples(CONV_SIZES, st.sampled_from([None, "keras", "torch"])).map(lambda t: {**t[0], "sizes": t[1]}),
          label=_conv_t_label)
def _conv2d_t(rng, B, H, W, cin, cout, k, stride, dilation, padding, sizes=None):
    """y (B, H, W, cout) -> (B, ~H s, ~W s, cin); the kernel (KH, KW, cin, cout) is the convolution's."""
    attrs = {"stride": stride, "padding": padding, "dilation": dilation}
    if sizes is not None:
        attrs["sizes"] = sizes
    return (rng.standard_normal((B, H, W, cout)), rng.standard_normal(k + (cin, cout)) / np.sqrt(k[0] * k[1] * cout),
            _nonzero(rng, cin)), attrs


def _nchw(a):
    return np.ascontiguousarray(np.moveaxis(a, -1, 1))


def _torch_conv_layout(first, doc):
    """x or y (NHWC) -> NCHW, W -> weight (PyTorch's (Cout, Cin, KH, KW), :func:`conv.to_torch_kernel`),
    b -> bias, out -> NCHW. Only transpositions, so gradients and cotangents convert as the values."""
    def inputs(values):
        out = {k: v for k, v in values.items() if k not in (first, "W", "b")}
        if first in values:
            out[first] = _nchw(values[first])
        if "W" in values:
            out["weight"] = conv.to_torch_kernel(values["W"])
        if "b" in values:
            out["bias"] = values["b"]
        return out

    return Layout("torch", (("conv2d",) if first == "x" else ("conv2d_transpose",)),
                  lambda values, attrs: (inputs(values), dict(attrs)), lambda grads, attrs: inputs(grads), doc,
                  outputs_to_foreign=lambda outs, attrs: {k: _nchw(v) for k, v in outs.items()})


register_layout(_torch_conv_layout(
    "x", "PyTorch's F.conv2d: x (B, C, H, W), weight (Cout, Cin, KH, KW), bias; out (B, Cout, Ho, Wo); 'same' is "
         "TensorFlow's split (the odd pixel at the bottom/right: F.pad(x, (left, right, top, bottom)) then padding=0, "
         "which PyTorch's padding='same' gives only for stride 1)"))
register_layout(_torch_conv_layout(
    "y", "PyTorch's F.conv_transpose2d: y (B, Cout, H, W), weight (Cout, Cin, KH, KW) (y's channels first, the "
         "convolution's kernel), bias (Cin,); out (B, Cin, Ho, Wo); sizes='torch' for (n-1)s+k on 'valid'"))


@register("upsample_nearest", "nearest-neighbour upsampling, NHWC",
          source="kexue.fm/archives/6549, ResNet G's upsampling",
          inputs=("x",), attributes=("factor",), forward=resample.upsample_nearest_forward, spec="kernel",
          backward=resample.upsample_nearest_backward,
          edges=(dict(shape=(2, 2, 3, 2), factor=2), dict(shape=(1, 3, 2, 1), factor=(1, 3))),
          sizes=st.fixed_dictionaries({"shape": st.sampled_from([(1, 2, 2, 1), (2, 3, 2, 2), (1, 1, 3, 3)]),
                                       "factor": st.sampled_from([1, 2, 3, (2, 1)])}),
          label=lambda s: f"{s['shape']} x{s['factor']}")
def _up(rng, shape, factor):
    return (rng.standard_normal(shape),), {"factor": factor}


@register("avg_pool", "non-overlapping average pooling, NHWC (a remainder refused, or dropped as PyTorch/Keras)",
          source="kexue.fm/archives/6549, ResNet D's downsampling",
          inputs=("x",), attributes=("size", "remainder"), forward=resample.avg_pool_forward, spec="kernel",
          backward=resample.avg_pool_backward,
          edges=(dict(shape=(2, 4, 6, 2), size=2), dict(shape=(1, 3, 4, 1), size=(3, 2)),
                 dict(shape=(2, 5, 7, 2), size=(2, 3), remainder="drop")),
          sizes=st.one_of(
              st.fixed_dictionaries({"shape": st.sampled_from([(1, 4, 4, 1), (2, 2, 6, 2), (1, 6, 6, 3)]),
                                     "size": st.sampled_from([1, 2])}),
              st.fixed_dictionaries({"shape": st.sampled_from([(1, 5, 4, 1), (2, 3, 7, 2), (1, 6, 5, 3)]),
                                     "size": st.sampled_from([2, 3, (2, 3)]), "remainder": st.just("drop")})),
          label=lambda s: f"{s['shape']} /{s['size']}" + (f" {s['remainder']}" if s.get("remainder") else ""))
def _pool(rng, shape, size, remainder=None):
    return (rng.standard_normal(shape),), ({"size": size} if remainder is None else {"size": size, "remainder": remainder})


@register("leaky_relu", "x where positive, alpha x elsewhere", source="kexue.fm/archives/6549, DCGAN's discriminator",
          inputs=("x",), attributes=("alpha",), forward=resample.leaky_relu_forward, spec="kernel",
          backward=resample.leaky_relu_backward,
          edges=(dict(shape=(3, 4), alpha=0.2), dict(shape=(2, 2, 2, 3), alpha=0.01)),
          sizes=st.fixed_dictionaries({"shape": st.sampled_from([(3, 4), (2, 2, 3)]),
                                       "alpha": st.sampled_from([0.0, 0.2, 0.5])}),
          label=lambda s: f"{s['shape']} alpha {s['alpha']}")
def _leaky(rng, shape, alpha):
    x = rng.standard_normal(shape)
    return (np.where(np.abs(x) < 0.05, 0.3, x),), {"alpha": alpha}     # away from the kink at 0


@register("residual", "x + alpha f(x): the residual merge", source="kexue.fm/archives/6549, the ResNet blocks",
          inputs=("x", "fx"), attributes=("alpha",), forward=resample.residual_forward, spec="kernel",
          backward=resample.residual_backward,
          edges=(dict(shape=(2, 3, 3, 2), alpha=1.0), dict(shape=(4, 3), alpha=0.1)),
          sizes=st.fixed_dictionaries({"shape": st.sampled_from([(3, 2), (1, 2, 2, 3)]),
                                       "alpha": st.sampled_from([1.0, 0.1, 0.0])}),
          label=lambda s: f"{s['shape']} alpha {s['alpha']}")
def _residual(rng, shape, alpha):
    return (rng.standard_normal(shape), rng.standard_normal(shape)), {"alpha": alpha}


@register("selfmod_bn", "SELF-MOD: conditional BN with gamma(z), beta(z) small ReLU networks of z (+1 or bias 1)",
          source="kexue.fm/archives/6549, SELF-MOD", forward=selfmod.selfmod_bn_forward,
          backward=selfmod.selfmod_bn_backward,
          spec=(spec.selfmod_bn, spec.selfmod_bn_backward),
          edges=(dict(shape=(3, 2, 2, 3), zd=4, hid=5, shared=False, mode="offset"),
                 dict(shape=(4, 2), zd=3, hid=2, shared=False, mode="bias_init")),
          sizes=st.fixed_dictionaries({"shape": st.sampled_from([(3, 2), (2, 2, 1, 3), (4, 1, 2, 2)]),
                                       "zd": st.integers(1, 4), "hid": st.integers(1, 4),
                                       "mode": st.sampled_from(list(selfmod.GAMMA_MODES))}),
          label=lambda s: f"{s['shape']} z {s['zd']} hidden {s['hid']} {s['mode']}")
def _selfmod(rng, shape, zd, hid, mode, shared=False):
    """Separate hidden layers (a shared one is tested in tests/gan: its gradient is one array
    reported twice, which a flat gradient check would count twice)."""
    B, C = shape[0], shape[-1]
    w = lambda a, b: rng.standard_normal((a, b)) / np.sqrt(a)
    params = selfmod.SelfModParams(w(zd, hid), rng.uniform(0.2, 1, hid), w(hid, C), _nonzero(rng, C),
                                   w(zd, hid), rng.uniform(0.2, 1, hid), w(hid, C), _nonzero(rng, C))
    return (_x(rng, shape), rng.standard_normal((B, zd)), params), \
        {"shared": shared, "gamma_mode": mode, "eps": 1e-3, "eps_mode": "sqrt_var_eps"}


@register("cgan_code", "the cGAN SELF-MOD input z' = z + E(c) + E'(c) * z",
          source="kexue.fm/archives/6549, cGAN SELF-MOD",
          forward=selfmod.cgan_code_forward, backward=selfmod.cgan_code_backward, spec="kernel",
          edges=(dict(B=4, zd=3, K=3), dict(B=1, zd=2, K=1)),
          sizes=st.fixed_dictionaries({"B": st.integers(1, 4), "zd": st.integers(1, 4), "K": st.integers(1, 4)}),
          label=lambda s: f"B={s['B']} z {s['zd']} classes {s['K']}")
def _cgan(rng, B, zd, K):
    c = rng.integers(0, K, B)
    if B > 1:
        c[-1] = c[0]                                            # a repeated label: its gradients add up
    return (rng.standard_normal((B, zd)), c, rng.standard_normal((K, zd)), rng.standard_normal((K, zd))), {}


@register("style_mod", "StyleGAN's modulation: AdaIN with gamma = w A + a, beta = w B + b, applied as x_hat (gamma + 1) + beta",
          source="kexue.fm/archives/6549, StyleGAN as SELF-MOD", forward=selfmod.style_mod_forward,
          backward=selfmod.style_mod_backward, spec=(spec.style_mod, spec.style_mod_backward),
          edges=(dict(shape=(2, 3, 2, 3), wd=4), dict(shape=(3, 2, 2, 1), wd=1)),
          sizes=st.fixed_dictionaries({"shape": st.sampled_from([(2, 2, 2, 2), (1, 3, 1, 3), (3, 2, 3, 1)]),
                                       "wd": st.integers(1, 4)}),
          label=lambda s: f"{s['shape']} w {s['wd']}")
def _style(rng, shape, wd):
    B, C = shape[0], shape[-1]
    return (_x(rng, shape), rng.standard_normal((B, wd)), 0.5 * rng.standard_normal((wd, C)), _nonzero(rng, C),
            0.5 * rng.standard_normal((wd, C)), _nonzero(rng, C)), {"eps": 1e-8, "eps_mode": "sqrt_var_eps"}


@register("const_input", "StyleGAN's learned constant input, broadcast over the batch",
          source="kexue.fm/archives/6549, StyleGAN's constant input", forward=selfmod.const_input_forward,
          backward=selfmod.const_input_backward, spec="kernel",
          edges=(dict(shape=(4, 4, 3), batch=2), dict(shape=(2, 1, 2), batch=1)),
          sizes=st.fixed_dictionaries({"shape": st.sampled_from([(2, 2, 1), (1, 3, 2), (4, 4, 2)]),
                                       "batch": st.integers(1, 3)}),
          label=lambda s: f"{s['shape']} x{s['batch']}")
def _const(rng, shape, batch):
    return (rng.standard_normal(shape),), {"batch": batch}


@register("gan_logistic_loss", "the GAN's logistic loss: mean(softplus(l) - t l), targets 1 real / 0 fake",
          source="kexue.fm/archives/6549, the GAN losses of the demos", inputs=("logits",), attributes=("targets",),
          forward=losses.logistic_loss_forward, backward=losses.logistic_loss_backward, spec="kernel",
          edges=(dict(B=4, kind="real"), dict(B=3, kind="soft")),
          sizes=st.fixed_dictionaries({"B": st.integers(1, 6), "kind": st.sampled_from(["real", "fake", "soft"])}),
          label=lambda s: f"({s['B']}, 1) targets {s['kind']}")
def _logistic(rng, B, kind):
    """Large logits on purpose (|l| up to 30: softplus must not overflow); soft targets in [0, 1]."""
    logits = rng.standard_normal((B, 1)) * np.array([[1.0], [30.0]] * B)[:B]
    t = {"real": np.ones((B, 1)), "fake": np.zeros((B, 1))}.get(kind)
    return (logits,), {"targets": rng.uniform(0, 1, (B, 1)) if t is None else t}
