"""Declarations of the core ops: seeded edge cases, sizes for hypothesis, and signatures.

Shapes have distinct dimensions, biases are non-zero, and each op gets its edge cases:
a single row, a length-1 axis, large logits (softmax/cumax), saturated inputs (sigmoid/tanh).
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from . import activations as act
from . import spec
from .affine import affine_backward, affine_forward
from .crossentropy import softmax_cross_entropy_backward, softmax_cross_entropy_forward
from .embedding import embedding_backward, embedding_forward
from .mse import mse_backward, mse_forward
from ..core.registry import register

# --- element-wise and row-wise activations: x of any shape ----------------------------------------

UNARY_EDGES = (dict(shape=(3, 5)), dict(shape=(1, 1)), dict(shape=(2, 3, 4), scale=8.0))
UNARY_SIZES = st.fixed_dictionaries({"shape": st.lists(st.integers(1, 5), min_size=1, max_size=3).map(tuple),
                                     "scale": st.sampled_from([1.0, 8.0])})


def _unary_label(s):
    return f"{s['shape']}" + (" large" if s.get("scale", 1.0) > 1 else "") + \
        (f" axis={s['axis']}" if "axis" in s else "")


def _unary(rng, shape, scale=1.0, **attrs):
    """x = scale * N(0, 1) of ``shape``; ``attrs`` (e.g. axis) passed through."""
    return (scale * rng.standard_normal(shape),), attrs


def _unary_op(name, summary, source, forward, backward, attributes=(), edges=UNARY_EDGES, sizes=UNARY_SIZES,
              spec=None):
    register(name, summary, source=source, inputs=("x",), attributes=attributes, forward=forward,
             backward=backward, edges=edges, sizes=sizes, label=_unary_label, spec=spec)(_unary)


_unary_op("sigmoid", "logistic sigmoid", "kexue.fm/archives/6621, sigma in eq. lstm",
          act.sigmoid_forward, act.sigmoid_backward, spec=(spec.sigmoid, spec.sigmoid_backward))
_unary_op("tanh", "hyperbolic tangent", "kexue.fm/archives/6621, tanh in eq. lstm",
          act.tanh_forward, act.tanh_backward, spec="kernel")
_unary_op("softmax", "stable softmax along an axis", "kexue.fm/archives/6621, softmax in cumax",
          act.softmax_forward, act.softmax_backward, attributes=("axis",), spec="kernel",
          edges=UNARY_EDGES + (dict(shape=(4, 3), axis=0),),
          sizes=UNARY_SIZES.flatmap(lambda s: st.integers(-len(s["shape"]), len(s["shape"]) - 1).map(
              lambda axis: {**s, "axis": axis})))
_unary_op("cumax", "cumsum(softmax(x)), left to right", "kexue.fm/archives/6621, cumax = cumsum(softmax)",
          act.cumax_forward, act.cumax_backward, spec=(spec.cumax, spec.cumax_backward))
_unary_op("rev_cumax", "inclusive right-to-left cumsum of softmax(x)",
          "kexue.fm/archives/6621, the reverse cumax of the master input gate",
          act.rev_cumax_forward, act.rev_cumax_backward, spec=(spec.rev_cumax, spec.rev_cumax_backward))


# --- affine -----------------------------------------------------------------------------------------

@register("affine", "x W + b", source="the x W + b of every gate", forward=affine_forward, backward=affine_backward,
          spec="kernel",
          edges=(dict(lead=(3,), i=4, o=5), dict(lead=(2, 3), i=4, o=2), dict(lead=(1,), i=2, o=1),
                 dict(lead=(3,), i=2, o=4, bias=False)),
          sizes=st.fixed_dictionaries({"lead": st.lists(st.integers(1, 4), min_size=1, max_size=2).map(tuple),
                                       "i": st.integers(1, 4), "o": st.integers(1, 4), "bias": st.booleans()}),
          label=lambda s: ("" if s.get("bias", True) else "no bias ") + f"{s['lead'] + (s['i'],)} -> {s['o']}")
def _affine(rng, lead, i, o, bias=True):
    x = rng.standard_normal(lead + (i,))
    W = rng.standard_normal((i, o))
    b = rng.uniform(0.5, 1.5, o) * rng.choice([-1, 1], o)          # never-zero bias
    return ((x, W, b) if bias else (x, W)), {}


# --- losses and lookups ------------------------------------------------------------------------------

@register("mse", "mean((pred - target)^2)", source="kexue.fm/archives/6760, the reconstruction loss",
          forward=mse_forward, backward=mse_backward, spec="kernel", edges=(dict(shape=(3, 4)),),
          sizes=st.fixed_dictionaries({"shape": st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)}),
          label=lambda s: f"{s['shape']}")
def _mse(rng, shape):
    return (rng.standard_normal(shape), rng.standard_normal(shape)), {}


@register("embedding", "E[ids], scatter-add backward", source="the language model's input layer",
          forward=embedding_forward, backward=embedding_backward, spec="kernel",
          edges=(dict(ids=((0, 2, 2), (4, 1, 0)), V=5, D=4),),
          sizes=st.fixed_dictionaries({"V": st.integers(1, 5), "D": st.integers(1, 4),
                                       "shape": st.lists(st.integers(1, 4), min_size=1, max_size=2).map(tuple)}),
          label=lambda s: f"ids {np.shape(s['ids']) if 'ids' in s else s['shape']}, V={s['V']}, D={s['D']}")
def _embedding(rng, V, D, ids=None, shape=None):
    """Repeated ids on purpose (their gradients add up)."""
    ids = np.array(ids) if ids is not None else rng.integers(0, V, shape)
    return (ids, rng.standard_normal((V, D))), {}


@register("cross_entropy", "softmax cross-entropy averaged over counted positions",
          source="the language model's loss",
          forward=softmax_cross_entropy_forward,
          backward=softmax_cross_entropy_backward, spec=(spec.cross_entropy, spec.cross_entropy_backward),
          edges=(dict(T=3, B=4, V=5), dict(T=3, B=4, V=5, masked=True)),
          sizes=st.fixed_dictionaries({"T": st.integers(1, 4), "B": st.integers(1, 4), "V": st.integers(1, 5),
                                       "masked": st.booleans()}),
          label=lambda s: f"({s['T']}, {s['B']}, {s['V']})" + (" masked" if s.get("masked") else ""))
def _cross_entropy(rng, T, B, V, masked=False):
    """``masked``: a prefix mask with a length-1 row and at least one counted position."""
    logits, targets = 3 * rng.standard_normal((T, B, V)), rng.integers(0, V, (T, B))
    if not masked:
        return (logits, targets), {}
    lengths = rng.integers(1, B + 1, T)
    lengths[-1] = 1
    weights = (np.arange(B)[None, :] < lengths[:, None]).astype(int)
    return (logits, targets), {"weights": weights}
