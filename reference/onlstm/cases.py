"""Seeded gradient-check cases for ON-LSTM, run by ``refspace check``.

Both master-input variants; chunk_size = 1 (one level per neuron), a middle value, and
= H (one level); padding masks with a length-1 row; DropConnect masks in both conventions;
non-zero biases and initial states; a two-layer stack with different widths.
"""
from __future__ import annotations

import functools

import numpy as np
from hypothesis import strategies as st

from ..core.masks import mask_from_lengths
from ..core.registry import CheckCase, register
from ..core.strategies import recurrent_inputs, sequence_lengths
from .cell import onlstm_cell_backward, onlstm_cell_forward
from .layer import onlstm_layer_backward, onlstm_layer_forward, onlstm_stack_backward, onlstm_stack_forward
from .dropconnect import dropconnect_mask
from .params import ONLSTMParams


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


@register("onlstm_cell", "one ON-LSTM step (article eq. update-o3)", source="kexue.fm/archives/6621, eq. update-o3", live=_live(False))
def _cell(rng):
    cases = []
    for variant in ("paper", "article"):
        for B, I, H, cs in ((3, 2, 6, 2), (1, 3, 4, 1), (2, 5, 3, 3)):
            fwd = functools.partial(onlstm_cell_forward, master_input=variant)
            cases.append(CheckCase(f"{variant} B={B} I={I} H={H} chunk={cs}", fwd, onlstm_cell_backward,
                                   (rng.standard_normal((B, I)), _params(rng, I, H, cs), *_states(rng, B, H)),
                                   ("x", "params", "h_prev", "c_prev")))
    return cases


@register("onlstm_layer", "ON-LSTM over (T, B, I) with padding and DropConnect", source="kexue.fm/archives/6621, eq. update-o3 over time", live=_live(True))
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
            fwd = functools.partial(onlstm_layer_forward, mask=m, weight_mask=wm, master_input=variant)
            cases.append(CheckCase(f"{variant} T={T} B={B} I={I} H={H} chunk={cs}{label}", fwd, onlstm_layer_backward,
                                   (rng.standard_normal((T, B, I)), p, *_states(rng, B, H)), ("x", "params", "h0", "c0")))
    return cases


@register("onlstm_stack", "two ON-LSTM layers chained", source="Shen et al. 2019, the authors' ONLSTMStack")
def _stack(rng):
    T, B, I, sizes = 3, 2, 3, (6, 4)
    params = (_params(rng, I, sizes[0], 2), _params(rng, sizes[0], sizes[1], 2))
    h0 = tuple(rng.standard_normal((B, H)) for H in sizes)
    c0 = tuple(rng.standard_normal((B, H)) for H in sizes)
    mask = np.array([[1, 1, 1], [1, 1, 0]])
    return [CheckCase(f"{v} T={T} B={B} I={I} H={sizes} masked",
                      functools.partial(onlstm_stack_forward, mask=mask, master_input=v), onlstm_stack_backward,
                      (rng.standard_normal((T, B, I)), params, h0, c0), ("x", "params", "h0", "c0"))
            for v in ("paper", "article")]


@register("onlstm_lm", "embedding -> ON-LSTM stack -> softmax output, masked cross-entropy", source="Shen et al. 2019, the language model")
def _lm(rng):
    from .lm import LMParams, lm_backward, lm_forward

    p = LMParams.init(7, (3, 4, 6), 2, rng)
    p = LMParams(5 * p.embedding, tuple(ONLSTMParams(3 * q.W, 3 * q.U, q.b + 0.3) for q in p.layers), 5 * p.W_out,
                 p.b_out + 0.2)
    T, B = 4, 3
    mask = np.array([[1, 1, 1, 1], [1, 1, 0, 0], [1, 0, 0, 0]])
    return [CheckCase(f"V=7 sizes (3, 4, 6) T={T} B={B} masked", functools.partial(lm_forward, mask=mask), lm_backward,
                      (rng.integers(0, 7, (T, B)), rng.integers(0, 7, (T, B)), p), ("inputs", "targets", "params"),
                      options={"mode": "vjp"})]
