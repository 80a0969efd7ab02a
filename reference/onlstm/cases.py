"""Seeded gradient-check cases for ON-LSTM, run by ``refspace check``.

Both master-input variants; chunk_size = 1 (one level per neuron), a middle value, and
= H (one level); padding masks with a length-1 row; DropConnect masks in both conventions;
non-zero biases and initial states; a two-layer stack with different widths.
"""
from __future__ import annotations


import numpy as np
from hypothesis import strategies as st

from ..core.layouts import params_layout, register_layout
from ..core.masks import mask_from_lengths
from ..core.registry import CheckCase, register, register_forward_only
from ..core.strategies import recurrent_inputs, sequence_lengths
from .cell import onlstm_cell_backward, onlstm_cell_forward, onlstm_cell_hard
from .layer import onlstm_layer_backward, onlstm_layer_forward, onlstm_stack_backward, onlstm_stack_forward
from .dropconnect import dropconnect_mask
from .layouts import from_authors_layout, from_keras_layout, to_authors_layout, to_keras_layout
from .params import ONLSTMParams
from .parse import distances
from .trees import build_tree, spans


def _params(rng, I, H, chunk_size):
    p = ONLSTMParams.init(I, H, chunk_size, rng)
    b = rng.uniform(0.2, 1.0, p.b.shape) * rng.choice([-1.0, 1.0], p.b.shape)  # never-zero bias
    return ONLSTMParams(2.0 * p.W, 2.0 * p.U, b)


def _states(rng, B, H):
    return rng.standard_normal((B, H)), rng.standard_normal((B, H))


def _levels(draw):
    L, chunk = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    return L * chunk, 2 * L


@st.composite
def _live(draw, with_time):
    """Live examples: both master-input variants; layers also with a padding mask (or none)."""
    inputs, T, B = recurrent_inputs(draw, _levels, with_time=with_time)
    attrs = {"master_input": draw(st.sampled_from(["paper", "article"]))}
    if with_time:
        attrs["mask"] = draw(st.none() | sequence_lengths(B, T).map(lambda n: mask_from_lengths(n, T)))
        attrs["weight_mask"] = None
    return inputs, attrs


@register("onlstm_cell", "one ON-LSTM step (article eq. update-o3)",
          source="kexue.fm/archives/6621, eq. update-o3",
          inputs=('x', 'params', 'h_prev', 'c_prev'), attributes=('master_input',), live=_live(False))
def _cell(rng):
    cases = []
    for variant in ("paper", "article"):
        for B, I, H, cs in ((3, 2, 6, 2), (1, 3, 4, 1), (2, 5, 3, 3)):
            cases.append(CheckCase(f"{variant} B={B} I={I} H={H} chunk={cs}", onlstm_cell_forward, onlstm_cell_backward,
                                   (rng.standard_normal((B, I)), _params(rng, I, H, cs), *_states(rng, B, H)),
                                   ("x", "params", "h_prev", "c_prev"), attrs={"master_input": variant}))
    return cases


@register("onlstm_layer", "ON-LSTM over (T, B, I) with padding and DropConnect",
          source="kexue.fm/archives/6621, eq. update-o3 over time",
          inputs=('x', 'params', 'h0', 'c0'), attributes=('mask', 'weight_mask', 'master_input'), live=_live(True))
def _layer(rng):
    cases = []
    mask = np.array([[1, 1, 1, 1], [1, 1, 0, 0], [1, 0, 0, 0]])
    for variant in ("paper", "article"):
        for label, T, B, I, H, cs, m, conv in (
                ("", 4, 3, 2, 6, 2, None, None),
                (" masked, DropConnect authors", 4, 3, 2, 6, 3, mask, "authors"),
                (" masked, DropConnect inverted", 4, 3, 3, 4, 1, mask, "inverted"),
                (" T=1 B=1", 1, 1, 2, 3, 3, None, None)):
            p = _params(rng, I, H, cs)
            wm = None if conv is None else dropconnect_mask(p.U.shape, 0.3, rng, convention=conv)
            cases.append(CheckCase(f"{variant} T={T} B={B} I={I} H={H} chunk={cs}{label}", onlstm_layer_forward,
                                   onlstm_layer_backward, (rng.standard_normal((T, B, I)), p, *_states(rng, B, H)),
                                   ("x", "params", "h0", "c0"),
                                   attrs={"mask": m, "weight_mask": wm, "master_input": variant}))
    return cases


@register("onlstm_stack", "two ON-LSTM layers chained",
          source="Shen et al. 2019, the authors' ONLSTMStack",
          inputs=('x', 'params', 'h0', 'c0'), attributes=('mask', 'weight_masks', 'master_input'))
def _stack(rng):
    T, B, I, sizes = 3, 2, 3, (6, 4)
    params = (_params(rng, I, sizes[0], 2), _params(rng, sizes[0], sizes[1], 2))
    h0 = tuple(rng.standard_normal((B, H)) for H in sizes)
    c0 = tuple(rng.standard_normal((B, H)) for H in sizes)
    mask = np.array([[1, 1, 1], [1, 1, 0]])
    return [CheckCase(f"{v} T={T} B={B} I={I} H={sizes} masked", onlstm_stack_forward, onlstm_stack_backward,
                      (rng.standard_normal((T, B, I)), params, h0, c0), ("x", "params", "h0", "c0"),
                      attrs={"mask": mask, "master_input": v})
            for v in ("paper", "article")]


@register("onlstm_lm", "embedding -> ON-LSTM stack -> softmax output, masked cross-entropy",
          source="Shen et al. 2019, the language model",
          inputs=('inputs', 'targets', 'params'), attributes=('mask', 'master_input', 'weight_masks'))
def _lm(rng):
    from .lm import LMParams, lm_backward, lm_forward

    p = LMParams.init(7, (3, 4, 6), 2, rng)
    p = LMParams(5 * p.embedding, tuple(ONLSTMParams(3 * q.W, 3 * q.U, q.b + 0.3) for q in p.layers), 5 * p.W_out,
                 p.b_out + 0.2)
    T, B = 4, 3
    mask = np.array([[1, 1, 1, 1], [1, 1, 0, 0], [1, 0, 0, 0]])
    return [CheckCase(f"V=7 sizes (3, 4, 6) T={T} B={B} masked", lm_forward, lm_backward,
                      (rng.integers(0, 7, (T, B)), rng.integers(0, 7, (T, B)), p), ("inputs", "targets", "params"),
                      options={"mode": "vjp"}, attrs={"mask": mask})]


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


def _levels_of(inputs):
    H, G = np.shape(inputs["params.U"])
    return (G - 4 * H) // 2


def _hard_example(rng):
    p = _params(rng, 2, 6, 2)
    B = 3
    inputs = {"x": rng.standard_normal((B, 2)), "params.W": p.W, "params.U": p.U, "params.b": p.b,
              "h_prev": rng.standard_normal((B, 6)), "c_prev": rng.standard_normal((B, 6)),
              "d_f": np.array([0, 2, 1]), "d_i": np.array([2, 0, 1])}
    return inputs, {"master_input": "article"}


@st.composite
def _hard_live(draw):
    inputs, _, B = recurrent_inputs(draw, _levels, with_time=False)
    L = _levels_of(inputs)
    for name in ("d_f", "d_i"):
        inputs[name] = np.array(draw(st.lists(st.integers(0, L - 1), min_size=B, max_size=B)), dtype=np.int64)
    return inputs, {"master_input": draw(st.sampled_from(["paper", "article"]))}


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


register_forward_only("onlstm_cell_hard", "one ON-LSTM step with integer master levels d_f, d_i",
                      source="kexue.fm/archives/6621, eqs. update-o1, update-o2",
                      inputs=('x', 'params.W', 'params.U', 'params.b', 'h_prev', 'c_prev', 'd_f', 'd_i'),
                      attributes=('master_input',),
                      forward=_hard_forward, example=_hard_example, live=_hard_live())
register_forward_only("distances", "d_f = 1 - mean f~, d_i = mean i~ per step of one layer",
                      source="Shen et al. 2019, the parsing distances",
                      inputs=('x', 'params.W', 'params.U', 'params.b', 'h0', 'c0'),
                      attributes=('master_input', 'mask', 'weight_mask'),
                      forward=_distances_forward, example=_distances_example, live=_live(True))
register_forward_only("build_tree", "greedy top-down split at the first largest distance, as spans",
                      source="Shen et al. 2019, the authors' build_tree",
                      inputs=('depth',), attributes=(),
                      forward=_tree_forward, example=_tree_example, live=_tree_live())


register_layout(params_layout(
    "authors", ("onlstm_cell", "onlstm_layer"), ONLSTMParams, to_authors_layout, from_authors_layout,
    ignore_grads=("cells.0.hh.bias",),
    doc="the ON-LSTM authors' cells.0.ih.0.weight, cells.0.hh.weight, biases (rows [i~ | f~ | o | c_hat | i | f]), "
        "under params.; the whole bias in the ih bias"))
register_layout(params_layout(
    "keras", ("onlstm_cell", "onlstm_layer"), ONLSTMParams, to_keras_layout, from_keras_layout,
    doc="the article author's Keras kernel, recurrent_kernel, bias (columns [f~ | i~ | f | i | o | c_hat]), "
        "under params."))
