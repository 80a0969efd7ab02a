"""Layers: each one a :class:`~reference.modules.module.Module` over an existing op pair.

No maths is written here: ``Dense`` calls :mod:`reference.ops.affine` and
:mod:`reference.ops.activations`, ``Embedding`` :mod:`reference.ops.embedding`, ``LSTM`` and
``ONLSTM`` the layer functions of their areas. Each ``forward`` returns ``(y, vjp)`` with the
call's context in the closure; ``vjp`` accumulates into the parameters.

Initialisers take an explicit generator (``rng``) and are kept on each parameter, so
``clone(..., policy="fresh")`` can draw new values.
"""
from __future__ import annotations

import numpy as np

from ..core.validate import generator, positive_int
from ..ops import activations
from ..ops.affine import affine_backward, affine_forward
from ..ops.embedding import embedding_backward, embedding_forward
from .module import Module, zeros_like_outputs
from .parameter import Parameter, State, Transposed

ACTIVATIONS = {
    "tanh": (activations.tanh_forward, activations.tanh_backward),
    "sigmoid": (activations.sigmoid_forward, activations.sigmoid_backward),
    "softmax": (activations.softmax_forward, activations.softmax_backward),
}


def uniform_init(fan_in: int):
    """U(-1/sqrt(fan_in), 1/sqrt(fan_in)), as ``torch.nn.Linear`` initialises."""
    k = 1.0 / np.sqrt(fan_in)
    return lambda rng, shape: rng.uniform(-k, k, shape)


def normal_init(std: float = 1.0):
    return lambda rng, shape: std * rng.standard_normal(shape)


def zeros_init(rng, shape):
    return np.zeros(shape)


def new_parameter(shape, init, rng, name) -> Parameter:
    return Parameter(init(generator("rng", rng), shape), name=name, init=init)


def _activation(name):
    if name is not None and name not in ACTIVATIONS:
        raise ValueError(f"activation: expected None or one of {sorted(ACTIVATIONS)}, got {name!r}")
    return ACTIVATIONS.get(name)


class Activation(Module):
    """An activation on its own: ``"tanh"``, ``"sigmoid"`` or ``"softmax"`` (last axis)."""

    def __init__(self, name: str):
        self.name = name
        self._pair = _activation(name)

    def forward(self, x):
        y, cache = self._pair[0](x)
        return y, lambda dy: (self._pair[1](dy, cache),)


class Dense(Module):
    """``y = act(x W + b)``, W (in, out) drawn by ``init(rng, shape)`` (default U(+-1/sqrt(in)))
    with a zero bias. ``kernel`` may be given instead of drawn: a :class:`Parameter` to share,
    or a declared tie such as ``embedding.weight.T``."""

    def __init__(self, in_features: int | None = None, out_features: int | None = None, *, activation=None,
                 bias: bool = True, rng=None, kernel=None, init=None, name: str = "dense"):
        if kernel is None:
            i, o = positive_int("in_features", in_features), positive_int("out_features", out_features)
            kernel = new_parameter((i, o), init or uniform_init(i), rng, f"{name}.W")
        elif not isinstance(kernel, (Parameter, Transposed)):
            raise TypeError(f"kernel: expected a Parameter or a declared tie (p.T), got {type(kernel).__name__}")
        self.W = kernel
        self.b = Parameter(np.zeros(self.W.shape[1]), name=f"{name}.b", init=zeros_init) if bias else None
        self.activation = activation
        self._act = _activation(activation)

    @classmethod
    def of(cls, W, b=None, *, activation=None, name: str = "dense") -> "Dense":
        """A Dense layer holding copies of the arrays ``W`` (in, out) and ``b`` (out,) (or no bias)."""
        layer = cls(kernel=Parameter(W, name=f"{name}.W"), activation=activation, bias=b is not None, name=name)
        if b is not None:
            layer.b = Parameter(b, name=f"{name}.b", init=zeros_init)
        return layer

    def forward(self, x):
        z, cache = affine_forward(x, self.W.value, None if self.b is None else self.b.value)
        act_cache = None
        if self._act is not None:
            z, act_cache = self._act[0](z)

        def vjp(dy):
            dz = dy if self._act is None else self._act[1](dy, act_cache)
            dx, dW, db = affine_backward(dz, cache)
            self.W.accumulate(dW)
            if self.b is not None:
                self.b.accumulate(db)
            return (dx,)

        return z, vjp


class Embedding(Module):
    """Rows of ``weight`` (V, D) looked up by integer ids; repeated ids add their gradients.
    ``weight`` may be given (a Parameter to share) instead of drawn."""

    def __init__(self, vocab_size: int | None = None, dim: int | None = None, *, rng=None, weight=None,
                 name: str = "embedding"):
        if weight is None:
            V, D = positive_int("vocab_size", vocab_size), positive_int("dim", dim)
            weight = new_parameter((V, D), normal_init(1.0), rng, f"{name}.weight")
        elif not isinstance(weight, Parameter) or weight.value.ndim != 2:
            raise TypeError(f"weight: expected a 2-d Parameter (V, D) to share, got {weight!r}")
        self.weight = weight

    def forward(self, ids):
        x, cache = embedding_forward(ids, self.weight.value)

        def vjp(dx):
            self.weight.accumulate(embedding_backward(dx, cache)[1])
            return (None,)

        return x, vjp


class EmbeddingDense(Dense):
    """The article's output layer tied to an embedding: ``act(h E^T + b)``, E the embedding's
    weight (V, D) read transposed, ``b`` (V,) its own bias (zeros), softmax by default as in the
    article (``activation=None`` gives the logits, for a cross-entropy on logits). E's gradient is
    the sum of its two uses."""

    def __init__(self, embedding: Embedding, *, activation="softmax", name: str = "embedding_dense"):
        if not isinstance(embedding, Embedding):
            raise TypeError(f"embedding: expected an Embedding, got {type(embedding).__name__}")
        super().__init__(kernel=embedding.weight.T, activation=activation, name=name)


class Add(Module):
    """The sum of its inputs (same shapes): a residual connection's merge."""

    def forward(self, *xs):
        if not xs:
            raise ValueError("Add: expected at least one input")
        shapes = {np.shape(x) for x in xs}
        if len(shapes) != 1:
            raise ValueError(f"Add: inputs must have one shape, got {sorted(shapes)}")
        return sum(np.asarray(x) for x in xs[1:]) + np.asarray(xs[0]), lambda dy: (dy,) * len(xs)


class TwoDense(Module):
    """The article's layer-in-layer example (kexue.fm/archives/6810, ``OurDense``): a custom
    layer made of two Dense layers, ``o_dense(h_dense(x))``. Its parameters are its children's."""

    def __init__(self, in_features: int, hidden: int, out_features: int, *, hidden_activation=None,
                 output_activation=None, rng=None):
        rng = generator("rng", rng)
        self.h_dense = Dense(in_features, hidden, activation=hidden_activation, rng=rng, name="h_dense")
        self.o_dense = Dense(hidden, out_features, activation=output_activation, rng=rng, name="o_dense")

    def forward(self, x):
        h, vjp_h = self.h_dense.forward(x)
        y, vjp_o = self.o_dense.forward(h)
        return y, lambda dy: vjp_h(vjp_o(dy)[0])


class _Recurrent(Module):
    """Shared shell of the LSTM and ON-LSTM layers: params W, U, b as three Parameters."""

    n_outputs = 3   # (hs, h_T, c_T)

    def _params(self):
        return self._cls(self.W.value, self.U.value, self.b.value)

    def _run(self, layer_forward, layer_backward, x, h0, c0, **attrs):
        (hs, hT, cT), cache = layer_forward(x, self._params(), h0, c0, **attrs)
        n_inputs = 3 if c0 is not None else 2 if h0 is not None else 1

        def vjp(dys):
            dx, dp, dh0, dc0 = layer_backward(zeros_like_outputs((hs, hT, cT), dys), cache)
            for name in ("W", "U", "b"):
                getattr(self, name).accumulate(getattr(dp, name))
            return (dx, dh0, dc0)[:n_inputs]    # one cotangent per input given

        return (hs, hT, cT), vjp


class LSTM(_Recurrent):
    """The plain LSTM layer over (T, B, I): outputs (hs, h_T, c_T); inputs x, h0, c0."""

    def __init__(self, input_size: int, hidden_size: int, *, rng=None):
        from ..lstm.params import LSTMParams

        p = LSTMParams.init(input_size, hidden_size, generator("rng", rng))
        init = uniform_init(hidden_size)
        self._cls = LSTMParams
        self.W, self.U, self.b = (Parameter(getattr(p, k), name=f"lstm.{k}", init=init) for k in "WUb")

    def forward(self, x, h0=None, c0=None):
        from ..lstm.layer import lstm_layer_backward, lstm_layer_forward

        return self._run(lstm_layer_forward, lstm_layer_backward, x, h0, c0)


class ONLSTM(_Recurrent):
    """The ON-LSTM layer over (T, B, I) with an optional (B, T) padding ``mask`` at construction
    of the call (``forward(x, h0, c0, mask=...)``); outputs (hs, h_T, c_T)."""

    def __init__(self, input_size: int, hidden_size: int, chunk_size: int, *, master_input="paper", rng=None):
        from ..onlstm.params import ONLSTMParams

        p = ONLSTMParams.init(input_size, hidden_size, chunk_size, generator("rng", rng))
        init = uniform_init(hidden_size)
        self._cls = ONLSTMParams
        self.master_input = master_input
        self.W, self.U, self.b = (Parameter(getattr(p, k), name=f"onlstm.{k}", init=init) for k in "WUb")

    def forward(self, x, h0=None, c0=None, *, mask=None):
        from ..onlstm.layer import onlstm_layer_backward, onlstm_layer_forward

        return self._run(onlstm_layer_forward, onlstm_layer_backward, x, h0, c0, mask=mask,
                         master_input=self.master_input)


class VectorQuantizer(Module):
    """VQ with the straight-through estimator (:mod:`reference.vq.quantise`) and an EMA codebook
    (:mod:`reference.vq.ema`, bias-corrected): the codebook and the EMA statistics are
    non-trainable :class:`State`, updated by each forward while ``training`` is True; ``z``
    gets the straight-through gradient."""

    def __init__(self, num_codes: int, dim: int, *, decay: float = 0.99, rng=None):
        from ..vq.ema import ema_init

        K, D = positive_int("num_codes", num_codes), positive_int("dim", dim)
        init = normal_init(1.0)
        self.codebook = State(init(generator("rng", rng), (K, D)), name="vq.codebook", init=init)
        stats = ema_init(self.codebook.value)
        self.counts = State(stats.counts, name="vq.counts", init=lambda rng, shape: np.zeros(shape))
        self.sums = State(stats.sums, name="vq.sums", init=lambda rng, shape: np.zeros(shape))
        self.steps = State(np.array(0), name="vq.steps", init=lambda rng, shape: np.zeros(shape, dtype=np.int64))
        self.decay = decay
        self.training = True

    def forward(self, z):
        from ..vq.ema import EMAState, ema_update
        from ..vq.quantise import vq_st_backward, vq_st_forward

        z_q, cache = vq_st_forward(z, self.codebook.value)
        if self.training:
            state = EMAState(self.counts.value, self.sums.value, int(self.steps.value), "bias_corrected")
            codebook, state = ema_update(self.codebook.value, state, z, cache[0].indices, decay=self.decay)
            self.codebook.assign(codebook)
            self.counts.assign(state.counts)
            self.sums.assign(state.sums)
            self.steps.assign(np.array(state.steps))
        return z_q, lambda dz_q: (vq_st_backward(dz_q, cache)[0],)


class Bidirectional(Module):
    """The aligned bidirectional RNN (kexue.fm/archives/6810) over an ``LSTM`` or ``ONLSTM``
    module: the backward direction is a fresh clone of it (same configuration, independent
    weights drawn from ``rng``). ``forward(x, lengths)`` with x time-major (T, B, I) returns
    ``(out (T, B, 2H), h_n (2, B, H))``, see :mod:`reference.masking.birnn` (``method``:
    "reverse", "carry" or "packed")."""

    n_outputs = 2

    def __init__(self, layer: "_Recurrent", *, rng=None, method: str = "reverse"):
        from ..masking.birnn import METHODS
        from .clone import clone

        if not isinstance(layer, (LSTM, ONLSTM)):
            raise TypeError(f"layer: expected an LSTM or ONLSTM module, got {type(layer).__name__}")
        if method not in METHODS[:3]:
            raise ValueError(f"method: expected one of {METHODS[:3]}, got {method!r}")
        self.forward_layer = layer
        self.backward_layer = clone(layer, "fresh", rng=rng)
        self.method = method

    def forward(self, x, lengths):
        from ..masking.birnn import birnn_backward, birnn_forward

        f, b = self.forward_layer, self.backward_layer
        cell = "lstm" if isinstance(f, LSTM) else "onlstm"
        (out, h_n), cache = birnn_forward(x, f._params(), b._params(), lengths, cell=cell, method=self.method,
                                          master_input=getattr(f, "master_input", "paper"))

        def vjp(dys):
            dx, dpf, dpb = birnn_backward(dys, cache)
            for layer, dp in ((f, dpf), (b, dpb)):
                for name in ("W", "U", "b"):
                    getattr(layer, name).accumulate(getattr(dp, name))
            return dx, None

        return (out, h_n), vjp
