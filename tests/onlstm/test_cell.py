"""ON-LSTM cell: gradients, a scalar oracle of eq. update-o3, the hard case analysis, and
the exact conditions under which it reduces to the plain LSTM."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference.core.gradcheck import check_op
from reference.lstm import lstm_cell_forward, lstm_layer_backward, lstm_layer_forward
from reference.onlstm import (
    ONLSTMParams, onlstm_cell_backward, onlstm_cell_forward, onlstm_cell_hard, onlstm_layer_backward,
    onlstm_layer_forward)

from .helpers import layer_inputs, random_inputs, variants


@given(layer_inputs(max_T=1), variants)
def test_cell_gradient_for_every_input_and_parameter(inputs, variant):
    x, p, h0, c0 = inputs
    fwd = lambda *a: onlstm_cell_forward(*a, master_input=variant)
    check_op(fwd, onlstm_cell_backward, (x[0], p, h0, c0), names=("x", "params", "h_prev", "c_prev")).raise_if_failed()


# --- forward oracle: the article's equations, entry by entry ---------------------------------

def scalar_cell(x, p, h, c, variant):
    """Eq. update-o3 with math.exp and explicit loops; neuron j is in level j // chunk_size."""
    B, I = x.shape
    H, L = p.hidden_size, p.n_chunk
    cs = H // L
    sig = lambda v: 1.0 / (1.0 + math.exp(-v))
    h_out, c_out = np.zeros((B, H)), np.zeros((B, H))
    for n in range(B):
        z = [sum(x[n, k] * p.W[k, j] for k in range(I)) + sum(h[n, k] * p.U[k, j] for k in range(H)) + p.b[j]
             for j in range(4 * H + 2 * L)]
        ef = [math.exp(v) for v in z[4 * H:4 * H + L]]
        ei = [math.exp(v) for v in z[4 * H + L:]]
        pf = [v / sum(ef) for v in ef]
        pi = [v / sum(ei) for v in ei]
        f_t = [sum(pf[:k + 1]) for k in range(L)]                          # ->cs(softmax)
        if variant == "paper":
            i_t = [1 - sum(pi[:k + 1]) for k in range(L)]                  # 1 - cumax
        else:
            i_t = [sum(pi[k:]) for k in range(L)]                          # <-cs(softmax)
        for j in range(H):
            f, i, o = sig(z[j]), sig(z[H + j]), sig(z[2 * H + j])
            c_hat = math.tanh(z[3 * H + j])
            F, Im = f_t[j // cs], i_t[j // cs]
            w = F * Im
            c_out[n, j] = w * (f * c[n, j] + i * c_hat) + (F - w) * c[n, j] + (Im - w) * c_hat
            h_out[n, j] = o * math.tanh(c_out[n, j])
    return h_out, c_out


@given(layer_inputs(max_T=1), variants)
def test_cell_matches_the_article_equations_entry_by_entry(inputs, variant):
    x, p, h0, c0 = inputs
    (h, c), cache = onlstm_cell_forward(x[0], p, h0, c0, master_input=variant)
    eh, ec = scalar_cell(x[0], p, h0, c0, variant)
    np.testing.assert_allclose(h, eh, rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(c, ec, rtol=1e-11, atol=1e-12)


# --- hard form: eqs. update-o1 / update-o2 ----------------------------------------------------

def case_analysis(f, i, c_hat, c_prev, d_f, d_i, cs):
    """The article's intervals, level k = j // cs (d_f <= d_i: overwrite below d_f, LSTM
    merge on [d_f, d_i], copy above d_i; d_f > d_i: input up to d_i, zeros between, copy from d_f)."""
    out = np.empty_like(c_prev)
    for j in range(c_prev.shape[0]):
        k = j // cs
        if d_f <= d_i:
            out[j] = c_hat[j] if k < d_f else (f[j] * c_prev[j] + i[j] * c_hat[j] if k <= d_i else c_prev[j])
        else:
            out[j] = c_hat[j] if k <= d_i else (0.0 if k < d_f else c_prev[j])
    return out


def _plain_gates(x, p, h):
    H = p.hidden_size
    z = x @ p.W + h @ p.U + p.b
    sig = lambda v: 1 / (1 + np.exp(-v))
    return sig(z[:, :H]), sig(z[:, H:2 * H]), sig(z[:, 2 * H:3 * H]), np.tanh(z[:, 3 * H:4 * H])


@pytest.mark.parametrize("chunk_size", [1, 2])
def test_hard_form_reproduces_the_case_analysis_for_every_level_pair(chunk_size):
    x, p, h0, c0 = random_inputs(11, B=2, I=3, H=4 * chunk_size, chunk_size=chunk_size)
    L = p.n_chunk
    f, i, o, c_hat = _plain_gates(x[0], p, h0)
    for d_f in range(L):
        for d_i in range(L):
            _, c = onlstm_cell_hard(x[0], p, h0, c0, d_f, d_i, master_input="article")
            for n in range(2):
                np.testing.assert_allclose(c[n], case_analysis(f[n], i[n], c_hat[n], c0[n], d_f, d_i, chunk_size),
                                           rtol=1e-14, atol=1e-15, err_msg=f"article d_f={d_f} d_i={d_i}")
            # the paper's 1 - cumax is exclusive: its level d_i is the article's level d_i - 1
            _, c = onlstm_cell_hard(x[0], p, h0, c0, d_f, d_i, master_input="paper")
            for n in range(2):
                np.testing.assert_allclose(c[n], case_analysis(f[n], i[n], c_hat[n], c0[n], d_f, d_i - 1, chunk_size),
                                           rtol=1e-14, atol=1e-15, err_msg=f"paper d_f={d_f} d_i={d_i}")


def test_hard_form_per_row_levels_and_bad_levels():
    x, p, h0, c0 = random_inputs(12, B=3, H=6, chunk_size=2)
    h, c = onlstm_cell_hard(x[0], p, h0, c0, np.array([0, 1, 2]), np.array([2, 0, 1]))
    for n, (d_f, d_i) in enumerate(((0, 2), (1, 0), (2, 1))):
        hn, cn = onlstm_cell_hard(x[0, n:n + 1], p, h0[n:n + 1], c0[n:n + 1], d_f, d_i)
        np.testing.assert_allclose(c[n], cn[0], rtol=1e-14, atol=1e-15)  # GEMM row count may change rounding
    with pytest.raises(ValueError, match=r"d_f: expected levels in \[0, 2\], got range \[3, 3\]"):
        onlstm_cell_hard(x[0], p, h0, c0, 3, 0)
    with pytest.raises(TypeError, match="d_i: expected integer levels"):
        onlstm_cell_hard(x[0], p, h0, c0, 0, 1.5)


# --- master-gate properties --------------------------------------------------------------------

@given(layer_inputs(max_T=1), variants)
def test_master_gates_are_monotone_with_exact_ends(inputs, variant):
    x, p, h0, c0 = inputs
    _, cache = onlstm_cell_forward(x[0], p, h0, c0, master_input=variant)
    F, I = cache.f_tilde, cache.i_tilde
    assert (np.diff(F, axis=1) >= 0).all() and (F[:, -1] == 1).all()
    assert (np.diff(I, axis=1) <= 1e-15).all()
    if variant == "paper":
        assert (I[:, -1] == 0).all()
    else:
        assert (I[:, 0] == 1).all()


def test_paper_variant_never_writes_the_top_chunk_but_article_variant_does():
    x, p, h0, c0 = random_inputs(13, T=6, H=6, chunk_size=2)
    top = slice(4, 6)
    (_, _, cT), cache = onlstm_layer_forward(x, p, h0, c0, master_input="paper")
    np.testing.assert_array_equal(cT[:, top], c0[:, top])            # exactly: authors' repo issue #27
    np.testing.assert_array_equal(cache.c_states[:, :, top], np.broadcast_to(c0[:, top], (6, 3, 2)))
    (_, _, cT), _ = onlstm_layer_forward(x, p, h0, c0, master_input="article")
    assert np.abs(cT[:, top] - c0[:, top]).min() > 1e-6


def test_float32_paper_input_gate_may_dip_below_zero_only_by_rounding():
    x, p, h0, c0 = random_inputs(14, T=8, B=5, H=40, chunk_size=1, dtype=np.float32, scale=6.0)
    _, cache = onlstm_layer_forward(x, p, h0, c0)
    assert cache.i_tilde.dtype == np.float32 and cache.i_tilde.min() >= -1e-6


# --- when does ON-LSTM reduce to the plain LSTM? --------------------------------------------------

@given(layer_inputs(), st.data())
def test_article_variant_with_one_level_is_exactly_the_lstm(inputs, data):
    """n_chunk = 1: f_tilde = i_tilde = 1, so w = 1 and eq. update-o3 is c = f c_prev + i c_hat,
    whatever the master weights are."""
    x, p, h0, c0 = inputs
    H = p.hidden_size
    p1 = ONLSTMParams(np.concatenate([p.W[:, :4 * H], p.W[:, -2:]], 1), np.concatenate([p.U[:, :4 * H], p.U[:, -2:]], 1),
                      np.concatenate([p.b[:4 * H], p.b[-2:]]))
    (hs, hT, cT), cache = onlstm_layer_forward(x, p1, h0, c0, master_input="article")
    (lhs, lhT, lcT), lcache = lstm_layer_forward(x, p1.lstm_part(), h0, c0)
    np.testing.assert_allclose(hs, lhs, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(cT, lcT, rtol=1e-13, atol=1e-14)
    g = np.random.default_rng(0).standard_normal(hs.shape)
    dx, dp, dh0, dc0 = onlstm_layer_backward((g, None, None), cache)
    ldx, ldp, ldh0, ldc0 = lstm_layer_backward((g, None, None), lcache)
    np.testing.assert_allclose(dx, ldx, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dp.U[:, :4 * H], ldp.U, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(dp.U[:, 4 * H:], 0)                  # master logits have no influence


def test_article_variant_with_saturated_master_gates_is_the_lstm_at_any_level_count():
    """With zero master weights and biases putting all softmax mass on level 0 (forget) and
    level L-1 (input), f_tilde = i_tilde = 1 exactly in float64."""
    x, p, h0, c0 = random_inputs(15, H=6, chunk_size=2)
    H, L = 6, 3
    W, U, b = p.W.copy(), p.U.copy(), p.b.copy()
    W[:, 4 * H:] = 0
    U[:, 4 * H:] = 0
    b[4 * H:] = 0
    b[4 * H] = 1000.0            # master forget: level 0
    b[4 * H + 2 * L - 1] = 1000.0  # master input: level L-1
    hs = onlstm_layer_forward(x, ONLSTMParams(W, U, b), h0, c0, master_input="article")[0][0]
    np.testing.assert_array_equal(hs, lstm_layer_forward(x, p.lstm_part(), h0, c0)[0][0])


def test_paper_variant_with_one_level_never_writes_memory():
    """n_chunk = 1 with 1 - cumax: i_tilde = 0 and f_tilde = 1, so c_t = c_{t-1} = c_0 exactly
    and h_t = o_t tanh(c_0): the paper's variant can never be the plain LSTM."""
    x, p, h0, c0 = random_inputs(16, H=4, chunk_size=4)
    (hs, hT, cT), cache = onlstm_layer_forward(x, p, h0, c0, master_input="paper")
    np.testing.assert_array_equal(cT, c0)
    o = cache.acts[:, :, 8:12]
    np.testing.assert_allclose(hs, o * np.tanh(c0), rtol=1e-15)
    assert np.abs(cT - lstm_cell_forward(x[0], p.lstm_part(), h0, c0)[0][1]).max() > 1e-3


@pytest.mark.parametrize("variant", ["paper", "article"])
def test_padded_steps_carry_the_state_and_their_master_gates_come_from_it(variant):
    """The loop runs every row unmasked and applies the padding afterwards; what the cache
    reports at a padded step must still be what a step from the carried state gives."""
    x, p, h0, c0 = random_inputs(21, T=5, B=3, H=6, chunk_size=2)
    mask = np.array([[1, 1, 1, 1, 1], [1, 1, 0, 0, 0], [0, 0, 0, 0, 0]])
    (hs, hT, cT), cache = onlstm_layer_forward(x, p, h0, c0, mask=mask, master_input=variant)
    alone = onlstm_layer_forward(x[:2, 1:2], p, h0[1:2], c0[1:2], master_input=variant)[0]
    np.testing.assert_allclose(hT[1], alone[1][0], rtol=1e-13, atol=1e-15)      # frozen at its last valid step
    np.testing.assert_array_equal(cT[2], c0[2])                                 # an empty row keeps its
    np.testing.assert_array_equal(hT[2], h0[2])                                 # initial state
    np.testing.assert_array_equal(hs[2:, 1], 0)
    for t, b in [(2, 1), (4, 1), (0, 2), (3, 2)]:
        h_prev = h0[b:b + 1] if t == 0 else cache.h_states[t - 1, b:b + 1]
        c_prev = c0[b:b + 1] if t == 0 else cache.c_states[t - 1, b:b + 1]
        step = onlstm_cell_forward(x[t, b:b + 1], p, h_prev, c_prev, master_input=variant)[1]
        np.testing.assert_allclose(cache.f_tilde[t, b], step.f_tilde[0], rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(cache.i_tilde[t, b], step.i_tilde[0], rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(cache.p_f[t, b], step.p_f[0], rtol=1e-13, atol=1e-15)
    dx, _, dh0, dc0 = onlstm_layer_backward((np.ones_like(hs), 2 * np.ones_like(hT), 3 * np.ones_like(cT)), cache)
    np.testing.assert_array_equal(dx[2:, 1], 0)
    np.testing.assert_array_equal(dx[:, 2], 0)
    np.testing.assert_array_equal(dh0[2], 2)                                    # an empty row passes
    np.testing.assert_array_equal(dc0[2], 3)                                    # dh_T, dc_T straight through
