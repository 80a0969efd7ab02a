"""GAN layers as :class:`~reference.modules.Module` objects over the area's op pairs: no maths
is written here, each ``forward`` calls a forward of :mod:`.conv`, :mod:`.norm`,
:mod:`.resample` or :mod:`.selfmod` and its ``vjp`` the matching backward.

- ``Conv2D`` / ``Conv2DTranspose``: NHWC, kernel (KH, KW, Cin, Cout) (the transpose keeps the
  convolution's layout), weights N(0, 0.02) as DCGAN and the article author's code, zero bias.
- ``BatchNorm``: gamma ones, beta zeros; ``training`` (default True) normalises with the batch
  and updates the running statistics (:class:`~reference.modules.State`), else uses them.
- ``SelfModBN``: SELF-MOD's BN, ``forward(x, z)``; its own two small networks of z.
- ``LeakyReLU`` (``alpha=0`` is ReLU), ``UpSample``, ``AvgPool``, ``Reshape``,
  ``Flatten``; tanh is :class:`~reference.modules.Activation` (``"tanh"``).

>>> import numpy as np
>>> conv = Conv2D(1, 4, 4, stride=2, rng=np.random.default_rng(0))
>>> y, vjp = conv.forward(np.ones((2, 8, 8, 1)))
>>> y.shape, vjp(np.ones_like(y))[0].shape
((2, 4, 4, 4), (2, 8, 8, 1))
"""
from __future__ import annotations

import numpy as np

from ..core.validate import generator, positive_int
from ..modules.layers import new_parameter, normal_init, zeros_init
from ..modules.module import Module
from ..modules.parameter import Parameter, State
from . import conv, norm, resample, selfmod

DCGAN_INIT = normal_init(0.02)


def _ones(rng, shape):
    return np.ones(shape)


def _conv_geometry(kernel_size, stride, padding, dilation):
    """(KH, KW), stride, padding and dilation checked when the module is built, not at its first call."""
    if isinstance(kernel_size, bool):
        raise TypeError(f"kernel_size: expected a positive integer or a pair of them, got {kernel_size!r}")
    k = conv._pair("kernel_size", kernel_size)
    conv._pair("stride", stride), conv._pair("dilation", dilation)
    if padding not in conv.PADDINGS:
        raise ValueError(f"padding: expected one of {conv.PADDINGS}, got {padding!r}")
    return k


class Conv2D(Module):
    """``conv.conv2d_forward`` with a kernel (KH, KW, in, out); ``kernel_size`` an integer or a
    pair (KH, KW), like PyTorch's ``nn.Conv2d`` and Keras's ``Conv2D``; stride and dilation too."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, *, stride=1, padding: str = "same",
                 dilation=1, bias: bool = True, rng=None, init=None, name: str = "conv"):
        i, o = (positive_int(n, v) for n, v in (("in_channels", in_channels), ("out_channels", out_channels)))
        kh, kw = _conv_geometry(kernel_size, stride, padding, dilation)
        self.W = new_parameter((kh, kw, i, o), init or DCGAN_INIT, rng, f"{name}.W")
        self.b = Parameter(np.zeros(o), name=f"{name}.b", init=zeros_init) if bias else None
        self.stride, self.padding, self.dilation = stride, padding, dilation

    def forward(self, x):
        y, cache = conv.conv2d_forward(x, self.W.value, None if self.b is None else self.b.value,
                                       stride=self.stride, padding=self.padding, dilation=self.dilation)

        def vjp(dy):
            dx, dW, db = conv.conv2d_backward(dy, cache)
            self.W.accumulate(dW)
            if self.b is not None:
                self.b.accumulate(db)
            return (dx,)

        return y, vjp


class Conv2DTranspose(Module):
    """The adjoint of a Conv2D from ``out_channels`` to ``in_channels``: kernel (KH, KW, out, in),
    ``kernel_size`` an integer or a pair, with stride and dilation. The output size is
    ``forward(y, output_size=(H, W))`` when given (as PyTorch's ``ConvTranspose2d.forward``
    takes it: any size whose convolution gives y's), else the one ``sizes`` names: "keras"
    (default) or "torch" (they differ for "valid" with the stride beyond the dilated kernel,
    see :mod:`.conv`)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, *, stride=1, padding: str = "same",
                 dilation=1, sizes: str = "keras", bias: bool = True, rng=None, init=None, name: str = "deconv"):
        i, o = (positive_int(n, v) for n, v in (("in_channels", in_channels), ("out_channels", out_channels)))
        kh, kw = _conv_geometry(kernel_size, stride, padding, dilation)
        if sizes not in conv.SIZES:
            raise ValueError(f"sizes: expected one of {conv.SIZES}, got {sizes!r}")
        self.W = new_parameter((kh, kw, o, i), init or DCGAN_INIT, rng, f"{name}.W")
        self.b = Parameter(np.zeros(o), name=f"{name}.b", init=zeros_init) if bias else None
        self.stride, self.padding, self.dilation, self.sizes = stride, padding, dilation, sizes

    def forward(self, y, output_size=None):
        z, cache = conv.conv2d_transpose_forward(y, self.W.value, None if self.b is None else self.b.value,
                                                 stride=self.stride, padding=self.padding, dilation=self.dilation,
                                                 output_size=output_size, sizes=self.sizes)

        def vjp(dz):
            dy, dW, db = conv.conv2d_transpose_backward(dz, cache)
            self.W.accumulate(dW)
            if self.b is not None:
                self.b.accumulate(db)
            return (dy,)

        return z, vjp


class _Normalisation(Module):
    """Running statistics shared by the two BN modules: ``preset`` ("keras", default: momentum 0.99
    in the Keras convention, eps 1e-3, biased variance; or "torch": PyTorch's BatchNorm, momentum
    0.1, eps 1e-5, unbiased variance) fills every :func:`.norm.running_update` setting not given."""

    def _setup(self, channels, eps, eps_mode, momentum, convention, variance, name, preset="keras"):
        C = positive_int("channels", channels)
        settings = norm.preset_settings(preset, momentum=momentum, convention=convention, variance=variance, eps=eps)
        momentum, convention, variance, eps = (settings[k] for k in ("momentum", "convention", "variance", "eps"))
        norm._check_mode(eps, eps_mode)
        norm.running_update(np.zeros(C), np.ones(C), np.zeros((2, C)), momentum=momentum, convention=convention,
                            variance=variance, eps=eps)       # validates the options now, not at the first call
        self.running_mean = State(np.zeros(C), name=f"{name}.running_mean", init=lambda rng, s: np.zeros(s))
        self.running_var = State(np.ones(C), name=f"{name}.running_var", init=lambda rng, s: np.ones(s))
        self.eps, self.eps_mode = eps, eps_mode
        self.momentum, self.convention, self.variance = momentum, convention, variance
        self.training = True

    def _update(self, x):
        m, v = norm.running_update(self.running_mean.value, self.running_var.value, x, momentum=self.momentum,
                                   convention=self.convention, variance=self.variance, eps=self.eps)
        self.running_mean.assign(m)
        self.running_var.assign(v)

    def _eval_normalise(self, x):
        C = x.shape[-1]
        x_hat, cache = norm.batch_norm_eval_forward(x, np.ones(C), np.zeros(C), running_mean=self.running_mean.value,
                                                    running_var=self.running_var.value, eps=self.eps,
                                                    eps_mode=self.eps_mode)
        return x_hat, cache


class BatchNorm(_Normalisation):
    def __init__(self, channels: int, *, eps: float | None = None, eps_mode: str = "sqrt_var_eps",
                 momentum: float | None = None, convention: str | None = None, variance: str | None = None,
                 preset: str = "keras", name: str = "bn"):
        self._setup(channels, eps, eps_mode, momentum, convention, variance, name, preset)
        C = self.running_mean.value.shape[0]
        self.gamma = Parameter(np.ones(C), name=f"{name}.gamma", init=_ones)
        self.beta = Parameter(np.zeros(C), name=f"{name}.beta", init=zeros_init)

    def forward(self, x):
        if self.training:
            y, cache = norm.batch_norm_forward(x, self.gamma.value, self.beta.value, eps=self.eps,
                                               eps_mode=self.eps_mode)
            self._update(x)
            back = norm.batch_norm_backward
        else:
            y, cache = norm.batch_norm_eval_forward(x, self.gamma.value, self.beta.value,
                                                    running_mean=self.running_mean.value,
                                                    running_var=self.running_var.value, eps=self.eps,
                                                    eps_mode=self.eps_mode)
            back = norm.batch_norm_eval_backward

        def vjp(dy):
            dx, dgamma, dbeta = back(dy, cache)
            self.gamma.accumulate(dgamma)
            self.beta.accumulate(dbeta)
            return (dx,)

        return y, vjp


class SelfModBN(_Normalisation):
    """SELF-MOD BN: ``x_hat (gamma(z) + offset) + beta(z)`` (:func:`.selfmod.selfmod_bn_forward`),
    ``forward(x, z) -> y`` with ``vjp(dy) -> (dx, dz)``. ``shared=True`` gives one hidden layer to
    both networks (one Parameter pair). In evaluation (``training=False``) x is normalised with
    the running statistics, the modulation by z is unchanged."""

    takes_z = True
    _FIELDS = ("W1g", "b1g", "W2g", "b2g", "W1b", "b1b", "W2b", "b2b")

    def __init__(self, channels: int, z_dim: int, hidden: int = 32, *, shared: bool = False,
                 gamma_mode: str = "offset", eps: float | None = None, eps_mode: str = "sqrt_var_eps",
                 momentum: float | None = None, convention: str | None = None, variance: str | None = None,
                 preset: str = "keras", rng=None, name: str = "smbn"):
        if gamma_mode not in selfmod.GAMMA_MODES:
            raise ValueError(f"gamma_mode: expected one of {selfmod.GAMMA_MODES}, got {gamma_mode!r}")
        self._setup(channels, eps, eps_mode, momentum, convention, variance, name, preset)
        C, zd, h = self.running_mean.value.shape[0], positive_int("z_dim", z_dim), positive_int("hidden", hidden)
        p = selfmod.init_params(zd, h, C, generator("rng", rng), shared=shared, gamma_mode=gamma_mode)
        self.shared, self.gamma_mode = shared, gamma_mode
        for field in self._FIELDS:
            if shared and field in ("W1b", "b1b"):
                setattr(self, field, getattr(self, field[:2] + "g"))     # one Parameter: shared hidden layer
            else:
                setattr(self, field, Parameter(getattr(p, field), name=f"{name}.{field}"))

    def _params(self):
        return selfmod.SelfModParams(*(getattr(self, f).value for f in self._FIELDS))

    def _accumulate(self, dp):
        for f in self._FIELDS:
            if self.shared and f in ("W1b", "b1b"):
                continue                         # the shared layer's gradient is reported in both places
            getattr(self, f).accumulate(getattr(dp, f))

    def forward(self, x, z):
        p = self._params()
        if self.training:
            y, cache = selfmod.selfmod_bn_forward(x, z, p, shared=self.shared, gamma_mode=self.gamma_mode,
                                                  eps=self.eps, eps_mode=self.eps_mode)
            self._update(x)

            def vjp(dy):
                dx, dz, dp = selfmod.selfmod_bn_backward(dy, cache)
                self._accumulate(dp)
                return dx, dz

            return y, vjp
        x_hat, ncache = self._eval_normalise(x)
        gamma, cg = selfmod._mlp(z, p.W1g, p.b1g, p.W2g, p.b2g)
        beta, cb = selfmod._mlp(z, p.W1b, p.b1b, p.W2b, p.b2b)
        expand = (slice(None),) + (None,) * (x_hat.ndim - 2) + (slice(None),)
        g = gamma[expand] + (1.0 if self.gamma_mode == "offset" else 0.0)

        def vjp_eval(dy):
            dy = np.asarray(dy, dtype=x_hat.dtype)
            spatial = tuple(range(1, x_hat.ndim - 1))
            dx = norm.batch_norm_eval_backward(dy * g, ncache)[0]
            dzg, dW1g, db1g, dW2g, db2g = selfmod._mlp_backward((dy * x_hat).sum(axis=spatial), cg)
            dzb, dW1b, db1b, dW2b, db2b = selfmod._mlp_backward(dy.sum(axis=spatial), cb)
            if self.shared:
                dW1g, db1g = dW1g + dW1b, db1g + db1b
            self._accumulate(selfmod.SelfModParams(dW1g, db1g, dW2g, db2g, dW1b, db1b, dW2b, db2b))
            return dx, dzg + dzb

        return x_hat * g + beta[expand], vjp_eval


class LeakyReLU(Module):
    """``x`` where positive, ``alpha x`` elsewhere; ``LeakyReLU(0.0)`` is ReLU."""

    def __init__(self, alpha: float = 0.2):
        self.alpha = float(alpha)

    def forward(self, x):
        y, cache = resample.leaky_relu_forward(x, self.alpha)
        return y, lambda dy: (resample.leaky_relu_backward(dy, cache),)


class UpSample(Module):
    """Nearest-neighbour upsampling (UpSampling2D)."""

    def __init__(self, factor: int = 2):
        self.factor = factor

    def forward(self, x):
        y, cache = resample.upsample_nearest_forward(x, self.factor)
        return y, lambda dy: (resample.upsample_nearest_backward(dy, cache),)


class AvgPool(Module):
    """Non-overlapping average pooling (AvgPooling2D); ``remainder="drop"`` as PyTorch and Keras."""

    def __init__(self, size: int = 2, *, remainder: str = "error"):
        if remainder not in resample.REMAINDERS:
            raise ValueError(f"remainder: expected one of {resample.REMAINDERS}, got {remainder!r}")
        self.size, self.remainder = size, remainder

    def forward(self, x):
        y, cache = resample.avg_pool_forward(x, self.size, remainder=self.remainder)
        return y, lambda dy: (resample.avg_pool_backward(dy, cache),)


class Reshape(Module):
    """(B, ...) to (B, *shape)."""

    def __init__(self, *shape: int):
        self.shape = tuple(int(s) for s in shape)

    def forward(self, x):
        x = np.asarray(x)
        return x.reshape((x.shape[0],) + self.shape), lambda dy: (np.asarray(dy).reshape(x.shape),)


class Flatten(Reshape):
    """(B, ...) to (B, n)."""

    def __init__(self):
        super().__init__(-1)
