"""Seeded gradient-check cases for the core ops, run by ``refspace check``.

Shapes have distinct dimensions, biases are non-zero, and each op gets its edge cases:
a single row, a length-1 axis, large logits (softmax/cumax), saturated inputs (sigmoid/tanh).
"""
from __future__ import annotations


import numpy as np
from hypothesis import strategies as st

from . import activations as act
from .affine import affine_backward, affine_forward
from .registry import CheckCase, register
from .strategies import draw_array


@st.composite
def _matrix(draw):
    """Live examples of the row-wise ops: x (N, C) with logits up to +-4."""
    return {"x": draw_array(draw, (draw(st.integers(1, 4)), draw(st.integers(1, 6))), bound=4.0)}, {}


@st.composite
def _affine_live(draw):
    n, i, o = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    return {"x": draw_array(draw, (n, i)), "W": draw_array(draw, (i, o)),
            "b": draw_array(draw, (o,), min_magnitude=0.1)}, {}


def _unary(forward, backward, rng, *, scale=1.0):
    return [
        CheckCase("(3, 5)", forward, backward, (scale * rng.standard_normal((3, 5)),), ("x",)),
        CheckCase("(1, 1)", forward, backward, (scale * rng.standard_normal((1, 1)),), ("x",)),
        CheckCase("(2, 3, 4) large", forward, backward, (8.0 * scale * rng.standard_normal((2, 3, 4)),), ("x",)),
    ]


@register("sigmoid", "logistic sigmoid", source="kexue.fm/archives/6621, sigma in eq. lstm", inputs=('x',))
def _sigmoid(rng):
    return _unary(act.sigmoid_forward, act.sigmoid_backward, rng)


@register("tanh", "hyperbolic tangent", source="kexue.fm/archives/6621, tanh in eq. lstm", inputs=('x',))
def _tanh(rng):
    return _unary(act.tanh_forward, act.tanh_backward, rng)


@register("softmax", "stable softmax along an axis",
          source="kexue.fm/archives/6621, softmax in cumax",
          inputs=('x',), attributes=('axis',), live=_matrix())
def _softmax(rng):
    cases = _unary(act.softmax_forward, act.softmax_backward, rng)
    cases.append(CheckCase("(4, 3) axis=0", act.softmax_forward, act.softmax_backward, (rng.standard_normal((4, 3)),),
                           ("x",), attrs={"axis": 0}))
    return cases


@register("cumax", "cumsum(softmax(x)), left to right",
          source="kexue.fm/archives/6621, cumax = cumsum(softmax)",
          inputs=('x',), live=_matrix())
def _cumax(rng):
    return _unary(act.cumax_forward, act.cumax_backward, rng)


@register("rev_cumax", "inclusive right-to-left cumsum of softmax(x)",
          source="kexue.fm/archives/6621, the reverse cumax of the master input gate",
          inputs=('x',), live=_matrix())
def _rev_cumax(rng):
    return _unary(act.rev_cumax_forward, act.rev_cumax_backward, rng)


@register("affine", "x W + b", source="the x W + b of every gate", inputs=('x', 'W', 'b'), live=_affine_live())
def _affine(rng):
    def case(label, lead, i, o, bias=True):
        x = rng.standard_normal(lead + (i,))
        W = rng.standard_normal((i, o))
        b = rng.uniform(0.5, 1.5, o) * rng.choice([-1, 1], o)
        if not bias:
            return CheckCase(label, affine_forward, lambda dy, c: affine_backward(dy, c)[:2], (x, W), ("x", "W"))
        return CheckCase(label, affine_forward, affine_backward, (x, W, b), ("x", "W", "b"))

    return [case("(3, 4) -> 5", (3,), 4, 5), case("(2, 3, 4) -> 2", (2, 3), 4, 2),
            case("(1, 2) -> 1", (1,), 2, 1), case("no bias (3, 2) -> 4", (3,), 2, 4, bias=False)]


@register("mse", "mean((pred - target)^2)",
          source="kexue.fm/archives/6760, the reconstruction loss",
          inputs=('pred', 'target'))
def _mse(rng):
    from .mse import mse_backward, mse_forward

    return [CheckCase("(3, 4)", mse_forward, mse_backward, (rng.standard_normal((3, 4)), rng.standard_normal((3, 4))),
                      ("pred", "target"))]


@register("embedding", "E[ids], scatter-add backward", source="the language model's input layer", inputs=('ids', 'E'))
def _embedding(rng):
    from .embedding import embedding_backward, embedding_forward

    ids = np.array([[0, 2, 2], [4, 1, 0]])
    return [CheckCase("ids (2, 3), V=5, D=4", embedding_forward, embedding_backward,
                      (ids, rng.standard_normal((5, 4))), ("ids", "E"))]


@register("cross_entropy", "softmax cross-entropy averaged over counted positions",
          source="the language model's loss",
          inputs=('logits', 'targets'), attributes=('weights',))
def _cross_entropy(rng):
    from .crossentropy import softmax_cross_entropy_backward, softmax_cross_entropy_forward

    logits, targets = 3 * rng.standard_normal((3, 4, 5)), rng.integers(0, 5, (3, 4))
    weights = np.array([[1, 1, 1, 1], [1, 1, 0, 0], [1, 0, 0, 0]])
    return [CheckCase("(3, 4, 5)", softmax_cross_entropy_forward, softmax_cross_entropy_backward, (logits, targets),
                      ("logits", "targets")),
            CheckCase("(3, 4, 5) masked", softmax_cross_entropy_forward, softmax_cross_entropy_backward,
                      (logits, targets), ("logits", "targets"), attrs={"weights": weights})]
