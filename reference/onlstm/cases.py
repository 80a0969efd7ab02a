"""Declarations of the ON-LSTM ops: seeded edge cases, sizes for hypothesis, layouts, forward-only ops.

Both master-input variants; chunk_size = 1 (one level per neuron), a middle value, and
= H (one level); padding masks with a length-1 row; DropConnect masks in both conventions;
non-zero biases and initial states; a two-layer stack with different widths.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from ..core.layouts import params_layout, register_layout
from ..core.masks import mask_from_lengths
from ..core.pytree import leaves
from ..core.registry import register
from . import spec
from .cell import onlstm_cell_backward, onlstm_cell_forward, onlstm_cell_hard
from .dropconnect import dropconnect_mask
from .layer import onlstm_layer_backward, onlstm_layer_forward, onlstm_stack_backward, onlstm_stack_forward
from .layouts import to_authors_layout, to_keras_layout
from .lm import LMParams, lm_backward, lm_forward
from .params import ONLSTMParams
from .parse import distances
from .trees import build_tree, spans

VARIANTS = st.sampled_from(["paper", "article"])


def _with_levels(sizes: dict) -> dict:
    """{..., L, chunk} -> {..., H = L * chunk, chunk}: H is always a multiple of the chunk size."""
    out = {k: v for k, v in sizes.items() if k != "L"}
    return {**out, "H": sizes["L"] * sizes["chunk"]}


CELL_SIZES = st.fixed_dictionaries({"variant": VARIANTS, "B": st.integers(1, 3), "I": st.integers(1, 3),
                                    "L": st.integers(1, 3), "chunk": st.integers(1, 3)}).map(_with_levels)
LAYER_SIZES = st.fixed_dictionaries({
    "variant": VARIANTS, "T": st.integers(1, 4), "B": st.integers(1, 3), "I": st.integers(1, 3),
    "L": st.integers(1, 3), "chunk": st.integers(1, 3), "masked": st.booleans(),
    "dropconnect": st.sampled_from([None, "authors", "inverted"])}).map(_with_levels)


def _params(rng, I, H, chunk_size):
    p = ONLSTMParams.init(I, H, chunk_size, rng)
    b = rng.uniform(0.2, 1.0, p.b.shape) * rng.choice([-1.0, 1.0], p.b.shape)  # never-zero bias
    return ONLSTMParams(2.0 * p.W, 2.0 * p.U, b)


def _states(rng, B, H):
    return rng.standard_normal((B, H)), rng.standard_normal((B, H))


def _prefix_mask(rng, B, T):
    """A (B, T) prefix mask with a full row first and (when B > 1) a length-1 row last."""
    lengths = rng.integers(1, T + 1, B)
    lengths[0] = T
    if B > 1:
        lengths[-1] = 1
    return mask_from_lengths(lengths, T)


def _flat(inputs, names) -> dict:
    return {path: a for name, value in zip(names, inputs) for path, a in leaves(value, name)}


@register("onlstm_cell", "one ON-LSTM step (article eq. update-o3)", source="kexue.fm/archives/6621, eq. update-o3",
          forward=onlstm_cell_forward, backward=onlstm_cell_backward,
          spec=(spec.onlstm_cell, spec.onlstm_cell_backward),
          edges=tuple(dict(variant=v, B=B, I=I, H=H, chunk=c) for v in ("paper", "article")
                      for B, I, H, c in ((3, 2, 6, 2), (1, 3, 4, 1), (2, 5, 3, 3))),
          sizes=CELL_SIZES,
          label=lambda s: f"{s['variant']} B={s['B']} I={s['I']} H={s['H']} chunk={s['chunk']}")
def _cell(rng, variant, B, I, H, chunk):
    return (rng.standard_normal((B, I)), _params(rng, I, H, chunk), *_states(rng, B, H)), {"master_input": variant}


def _layer_label(s):
    extra = (" masked" if s.get("masked") else "") + (f", DropConnect {s['dropconnect']}" if s.get("dropconnect")
                                                      else "")
    return f"{s['variant']} T={s['T']} B={s['B']} I={s['I']} H={s['H']} chunk={s['chunk']}{extra}"


@register("onlstm_layer", "ON-LSTM over (T, B, I) with padding and DropConnect",
          source="kexue.fm/archives/6621, eq. update-o3 over time",
          forward=onlstm_layer_forward, backward=onlstm_layer_backward,
          spec=(spec.onlstm_layer, spec.onlstm_layer_backward),
          edges=tuple(dict(variant=v, T=T, B=B, I=I, H=H, chunk=c, masked=m, dropconnect=d)
                      for v in ("paper", "article")
                      for T, B, I, H, c, m, d in ((4, 3, 2, 6, 2, False, None), (4, 3, 2, 6, 3, True, "authors"),
                                                  (4, 3, 3, 4, 1, True, "inverted"), (1, 1, 2, 3, 3, False, None))),
          sizes=LAYER_SIZES, label=_layer_label)
def _layer(rng, variant, T, B, I, H, chunk, masked=False, dropconnect=None):
    p = _params(rng, I, H, chunk)
    wm = None if dropconnect is None else dropconnect_mask(p.U.shape, 0.3, rng, convention=dropconnect)
    mask = _prefix_mask(rng, B, T) if masked else None
    return ((rng.standard_normal((T, B, I)), p, *_states(rng, B, H)),
            {"mask": mask, "weight_mask": wm, "master_input": variant})


@register("onlstm_stack", "two ON-LSTM layers chained", source="Shen et al. 2019, the authors' ONLSTMStack",
          forward=onlstm_stack_forward, backward=onlstm_stack_backward,
          spec=(spec.onlstm_stack, spec.onlstm_stack_backward),
          edges=tuple(dict(variant=v, T=3, B=2, I=3, H=(6, 4)) for v in ("paper", "article")),
          sizes=st.fixed_dictionaries({"variant": VARIANTS, "T": st.integers(1, 3), "B": st.integers(1, 3),
                                       "I": st.integers(1, 3),
                                       "H": st.tuples(st.sampled_from([2, 4, 6]), st.sampled_from([2, 4]))}),
          label=lambda s: f"{s['variant']} T={s['T']} B={s['B']} I={s['I']} H={s['H']} masked")
def _stack(rng, variant, T, B, I, H):
    """Two layers of different widths (chunk size 2), a padding mask shared by both."""
    params = (_params(rng, I, H[0], 2), _params(rng, H[0], H[1], 2))
    h0 = tuple(rng.standard_normal((B, h)) for h in H)
    c0 = tuple(rng.standard_normal((B, h)) for h in H)
    return (rng.standard_normal((T, B, I)), params, h0, c0), {"mask": _prefix_mask(rng, B, T), "master_input": variant}


@register("onlstm_lm", "embedding -> ON-LSTM stack -> softmax output, masked cross-entropy",
          source="Shen et al. 2019, the language model",
          inputs=("inputs", "targets", "params"), attributes=("mask", "master_input", "weight_masks"),
          forward=lm_forward, backward=lm_backward, spec=(spec.onlstm_lm, spec.onlstm_lm_backward),
          edges=(dict(V=7, T=4, B=3),), options={"mode": "vjp"},
          sizes=st.fixed_dictionaries({"V": st.integers(2, 7), "T": st.integers(1, 4), "B": st.integers(1, 3)}),
          label=lambda s: f"V={s['V']} sizes (3, 4, 6) T={s['T']} B={s['B']} masked")
def _lm(rng, V, T, B):
    """Layer sizes (3, 4, 6), chunk 2; weights scaled up so the loss is far from uniform."""
    p = LMParams.init(V, (3, 4, 6), 2, rng)
    p = LMParams(5 * p.embedding, tuple(ONLSTMParams(3 * q.W, 3 * q.U, q.b + 0.3) for q in p.layers), 5 * p.W_out,
                 p.b_out + 0.2)
    return (rng.integers(0, V, (T, B)), rng.integers(0, V, (T, B)), p), {"mask": _prefix_mask(rng, B, T)}


# --- forward-only ops a porter must match ------------------------------------------------------

def _params_of(inputs):
    return ONLSTMParams(inputs["params.W"], inputs["params.U"], inputs["params.b"])


def _hard_forward(inputs, attrs):
    """``onlstm_cell_hard`` over flat inputs ``x`` (B, I), ``params.W/U/b``, ``h_prev``, ``c_prev``
    and integer levels ``d_f``, ``d_i`` (B,); attrs ``master_input``. Outputs ``out[0]`` h, ``out[1]`` c."""
    h, c = onlstm_cell_hard(inputs["x"], _params_of(inputs), inputs["h_prev"], inputs["c_prev"], inputs["d_f"],
                            inputs["d_i"], master_input=attrs.get("master_input", "article"))
    return {"out[0]": h, "out[1]": c}


def _distances_forward(inputs, attrs):
    """``distances`` of one layer: flat layer inputs (``x`` (T, B, I), ``params.*``, ``h0``, ``c0``),
    attrs ``master_input``, ``mask`` and ``weight_mask``; outputs ``d_f`` and ``d_i`` (T, B)."""
    _, cache = onlstm_layer_forward(inputs["x"], _params_of(inputs), inputs["h0"], inputs["c0"],
                                    mask=attrs.get("mask"), weight_mask=attrs.get("weight_mask"),
                                    master_input=attrs.get("master_input", "paper"))
    d_f, d_i = distances(cache)
    return {"d_f": d_f, "d_i": d_i}


def _tree_forward(inputs, attrs):
    """``build_tree`` on ``depth`` (n,): the tree as its sorted spans (S, 2) int64, root included
    (a binary tree is determined by them); words are the positions."""
    depth = np.asarray(inputs["depth"])
    tree = build_tree(depth, [str(k) for k in range(len(depth))])
    return {"spans": np.array(sorted(spans(tree, include_root=True)), dtype=np.int64).reshape(-1, 2)}


def _hard_example(rng):
    p = _params(rng, 2, 6, 2)
    B = 3
    inputs = {"x": rng.standard_normal((B, 2)), "params.W": p.W, "params.U": p.U, "params.b": p.b,
              "h_prev": rng.standard_normal((B, 6)), "c_prev": rng.standard_normal((B, 6)),
              "d_f": np.array([0, 2, 1]), "d_i": np.array([2, 0, 1])}
    return inputs, {"master_input": "article"}


@st.composite
def _hard_live(draw):
    """A cell drawn from the cell sizes, with integer levels d_f, d_i per row."""
    sizes = draw(CELL_SIZES)
    (x, p, h, c), _ = _cell(np.random.default_rng(draw(st.integers(0, 2**32 - 1))), **sizes)
    L = sizes["H"] // sizes["chunk"]
    inputs = _flat((x, p, h, c), ("x", "params", "h_prev", "c_prev"))
    for name in ("d_f", "d_i"):
        inputs[name] = np.array(draw(st.lists(st.integers(0, L - 1), min_size=sizes["B"], max_size=sizes["B"])),
                                dtype=np.int64)
    return inputs, {"master_input": sizes["variant"]}


@st.composite
def _distances_live(draw):
    """A layer drawn from the layer sizes (padding and DropConnect included)."""
    sizes = draw(LAYER_SIZES)
    ins, attrs = _layer(np.random.default_rng(draw(st.integers(0, 2**32 - 1))), **sizes)
    return _flat(ins, ("x", "params", "h0", "c0")), attrs


def _distances_example(rng):
    p = _params(rng, 3, 6, 2)
    inputs = {"x": rng.standard_normal((5, 2, 3)), "params.W": p.W, "params.U": p.U, "params.b": p.b,
              "h0": rng.standard_normal((2, 6)), "c0": rng.standard_normal((2, 6))}
    return inputs, {"master_input": "paper", "mask": mask_from_lengths(np.array([5, 3]), 5)}


def _tree_example(rng):
    """Distinct depths, then ties (the first argmax splits), then a single word."""
    return {"depth": np.array([0.3, 0.9, 0.1, 0.9, 0.5, 0.2, 0.5, 0.7])}, {}


@st.composite
def _tree_live(draw):
    """Depths on a coarse grid, so ties (first argmax wins) are common."""
    n = draw(st.integers(1, 8))
    return {"depth": np.array(draw(st.lists(st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]), min_size=n,
                                            max_size=n)))}, {}


register("onlstm_cell_hard", "one ON-LSTM step with integer master levels d_f, d_i",
         forward_only=True, source="kexue.fm/archives/6621, eqs. update-o1, update-o2",
         inputs=('x', 'params.W', 'params.U', 'params.b', 'h_prev', 'c_prev', 'd_f', 'd_i'),
         attributes=('master_input',),
         forward=_hard_forward, example=_hard_example, live=_hard_live(), spec=spec.onlstm_cell_hard)
register("distances", "d_f = 1 - mean f~, d_i = mean i~ per step of one layer",
         forward_only=True, source="Shen et al. 2019, the parsing distances",
         inputs=('x', 'params.W', 'params.U', 'params.b', 'h0', 'c0'),
         attributes=('master_input', 'mask', 'weight_mask'),
         forward=_distances_forward, example=_distances_example, live=_distances_live(),
         spec=spec.distances)
register("build_tree", "greedy top-down split at the first largest distance, as spans",
         forward_only=True, source="Shen et al. 2019, the authors' build_tree",
         inputs=('depth',), attributes=(),
         forward=_tree_forward, example=_tree_example, live=_tree_live(), spec=spec.build_tree)


register_layout(params_layout(
    "authors", ("onlstm_cell", "onlstm_layer"), ONLSTMParams, to_authors_layout,
    biases=("cells.0.ih.0.bias", "cells.0.hh.bias"), masks={"weight_mask": ("U", "cells.0.hh.weight")},
    doc="the ON-LSTM authors' params.cells.0.ih.0.weight (G, I), params.cells.0.hh.weight (G, H) and two biases "
        "(rows [i~ | f~ | o | c_hat | i | f]); the bias split unevenly between the two, each with its own gradient; "
        "weight_mask (G, H) like cells.0.hh.weight"))
register_layout(params_layout(
    "keras", ("onlstm_cell", "onlstm_layer"), ONLSTMParams, to_keras_layout,
    masks={"weight_mask": ("U", "recurrent_kernel")},
    doc="the article author's Keras params.kernel (I, G), params.recurrent_kernel (H, G), params.bias "
        "(columns [f~ | i~ | f | i | o | c_hat]); weight_mask (H, G) like recurrent_kernel"))
