"""The plain LSTM: gradients, independent forward oracles, layouts, dtypes and bad input."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference.core.gradcheck import check_op
from reference.core.strategies import dataclass_params, distinct_dims, float_arrays
from reference.lstm import (
    GATES, LSTMParams, from_torch_layout, lstm_cell_backward, lstm_cell_forward, lstm_layer_backward,
    lstm_layer_forward, to_torch_layout)


@st.composite
def layer_inputs(draw, max_T=4):
    T = draw(st.integers(1, max_T))
    B, I, H = draw(distinct_dims(3, 1, 4))
    params = draw(dataclass_params(LSTMParams, LSTMParams.shapes(I, H), bound=1.5))
    x = draw(float_arrays((T, B, I)))
    h0 = draw(float_arrays((B, H)))
    c0 = draw(float_arrays((B, H)))
    return x, params, h0, c0


def _random_inputs(seed, T=3, B=2, I=4, H=5, dtype=np.float64):
    rng = np.random.default_rng(seed)
    p = LSTMParams.init(I, H, rng, dtype=dtype)
    p = LSTMParams(p.W, p.U, (p.b + 0.3).astype(dtype))
    x, h0, c0 = (rng.standard_normal(s).astype(dtype) for s in ((T, B, I), (B, H), (B, H)))
    return x, p, h0, c0


# --- gradients -------------------------------------------------------------------------------

@given(layer_inputs())
def test_layer_gradient_for_every_input_and_parameter(inputs):
    check_op(lstm_layer_forward, lstm_layer_backward, inputs, names=("x", "params", "h0", "c0")).raise_if_failed()


@given(layer_inputs(max_T=1))
def test_cell_gradient_for_every_input_and_parameter(inputs):
    x, params, h0, c0 = inputs
    check_op(lstm_cell_forward, lstm_cell_backward, (x[0], params, h0, c0),
             names=("x", "params", "h_prev", "c_prev")).raise_if_failed()


def test_none_cotangents_mean_zero():
    x, p, h0, c0 = _random_inputs(0)
    (hs, hT, cT), cache = lstm_layer_forward(x, p, h0, c0)
    g = np.random.default_rng(1).standard_normal(hs.shape)
    a = lstm_layer_backward((g, None, None), cache)
    b = lstm_layer_backward((g, np.zeros_like(hT), np.zeros_like(cT)), cache)
    for ga, gb in zip((a[0], a[1].W, a[1].U, a[1].b, a[2], a[3]), (b[0], b[1].W, b[1].U, b[1].b, b[2], b[3])):
        np.testing.assert_array_equal(ga, gb)


# --- forward oracles -------------------------------------------------------------------------

def _scalar_lstm(x, p, h0, c0):
    """The article's equations entry by entry, with math.exp/math.tanh and explicit sums."""
    T, B, I = x.shape
    H = p.hidden_size
    sig = lambda v: 1.0 / (1.0 + math.exp(-v))
    blocks = {g: p.gate(g) for g in GATES}
    hs = np.zeros((T, B, H))
    h, c = h0.tolist(), c0.tolist()
    for t in range(T):
        new_h, new_c = [], []
        for n in range(B):
            pre = {g: [sum(x[t, n, k] * Wg[k, j] for k in range(I)) + sum(h[n][k] * Ug[k, j] for k in range(H))
                       + bg[j] for j in range(H)] for g, (Wg, Ug, bg) in blocks.items()}
            f, i, o = ([sig(v) for v in pre[g]] for g in ("f", "i", "o"))
            c_hat = [math.tanh(v) for v in pre["c_hat"]]
            c_n = [f[j] * c[n][j] + i[j] * c_hat[j] for j in range(H)]
            new_c.append(c_n)
            new_h.append([o[j] * math.tanh(c_n[j]) for j in range(H)])
        h, c = new_h, new_c
        hs[t] = h
    return hs, np.array(h), np.array(c)


@given(layer_inputs(max_T=3))
def test_layer_matches_the_article_equations_entry_by_entry(inputs):
    x, p, h0, c0 = inputs
    (hs, hT, cT), _ = lstm_layer_forward(x, p, h0, c0)
    ehs, ehT, ecT = _scalar_lstm(x, p, h0, c0)
    np.testing.assert_allclose(hs, ehs, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(hT, ehT, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(cT, ecT, rtol=1e-12, atol=1e-13)


@given(layer_inputs())
def test_layer_equals_a_loop_of_cells_forward_and_backward(inputs):
    x, p, h0, c0 = inputs
    (hs, hT, cT), cache = lstm_layer_forward(x, p, h0, c0)
    h, c, caches = h0, c0, []
    for t in range(x.shape[0]):
        (h, c), cc = lstm_cell_forward(x[t], p, h, c)
        np.testing.assert_allclose(hs[t], h, rtol=1e-13, atol=1e-14)
        caches.append(cc)
    np.testing.assert_allclose(cT, c, rtol=1e-13, atol=1e-14)

    rng = np.random.default_rng(0)
    dhs, dhT, dcT = rng.standard_normal(hs.shape), rng.standard_normal(hT.shape), rng.standard_normal(cT.shape)
    dx, dp, dh0, dc0 = lstm_layer_backward((dhs, dhT, dcT), cache)
    dh, dc = dhT, dcT
    acc = LSTMParams(*(np.zeros_like(a) for a in (p.W, p.U, p.b)))
    for t in reversed(range(x.shape[0])):
        dxt, dpt, dh, dc = lstm_cell_backward((dhs[t] + dh, dc), caches[t])
        np.testing.assert_allclose(dx[t], dxt, rtol=1e-11, atol=1e-12)
        acc = LSTMParams(acc.W + dpt.W, acc.U + dpt.U, acc.b + dpt.b)
    for got, want in ((dp.W, acc.W), (dp.U, acc.U), (dp.b, acc.b), (dh0, dh), (dc0, dc)):
        np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-12)


# --- PyTorch layout ----------------------------------------------------------------------------

def _torch_formulation(x, state, h0, c0):
    """PyTorch's documented nn.LSTM equations (column vectors, gate rows i, f, g, o, two biases)."""
    w_ih, w_hh, b_ih, b_hh = (state[k] for k in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"))
    H = w_hh.shape[1]
    sig = lambda v: 1 / (1 + np.exp(-v))
    h, c, out = h0.T, c0.T, []
    for t in range(x.shape[0]):
        gates = w_ih @ x[t].T + b_ih[:, None] + w_hh @ h + b_hh[:, None]  # (4H, B)
        i, f, g, o = sig(gates[:H]), sig(gates[H:2 * H]), np.tanh(gates[2 * H:3 * H]), sig(gates[3 * H:])
        c = f * c + i * g
        h = o * np.tanh(c)
        out.append(h.T)
    return np.stack(out), h.T, c.T


def test_torch_layout_round_trips_and_matches_torch_equations():
    x, p, h0, c0 = _random_inputs(3)
    state = to_torch_layout(p)
    assert state["weight_ih_l0"].shape == (20, 4) and state["weight_hh_l0"].shape == (20, 5)
    back = from_torch_layout(state)
    for a, b in ((back.W, p.W), (back.U, p.U), (back.b, p.b)):
        np.testing.assert_array_equal(a, b)
    # a state dict with a genuinely split bias: only the sum matters
    state["bias_hh_l0"] = np.random.default_rng(4).standard_normal(20)
    ref = _torch_formulation(x, state, h0, c0)
    got = lstm_layer_forward(x, from_torch_layout(state), h0, c0)[0]
    for a, b in zip(got, ref):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)


def test_torch_layout_layer_index_and_missing_biases():
    _, p, _, _ = _random_inputs(5)
    state = {k: v for k, v in to_torch_layout(p, layer=2).items() if k.startswith("weight")}
    q = from_torch_layout(state, layer=2)
    np.testing.assert_array_equal(q.W, p.W)
    np.testing.assert_array_equal(q.b, np.zeros_like(p.b))
    with pytest.raises(ValueError, match=r"state: missing key 'weight_ih_l0'"):
        from_torch_layout(state)
    with pytest.raises(ValueError, match=r"weight_hh_l2'\]: expected shape \(4H=20, H=5\), got \(20, 4\)"):
        from_torch_layout({**state, "weight_hh_l2": np.zeros((20, 4))}, layer=2)


def test_matches_torch_nn_lstm_when_installed():
    torch = pytest.importorskip("torch")
    x, p, h0, c0 = _random_inputs(6, T=4, B=3, I=2, H=5)
    module = torch.nn.LSTM(2, 5).double()
    module.load_state_dict({k: torch.from_numpy(v) for k, v in to_torch_layout(p).items()})
    xt = torch.from_numpy(x).requires_grad_(True)
    h0t, c0t = torch.from_numpy(h0[None]).requires_grad_(True), torch.from_numpy(c0[None]).requires_grad_(True)
    out, (hT, cT) = module(xt, (h0t, c0t))
    (hs, rhT, rcT), cache = lstm_layer_forward(x, p, h0, c0)
    np.testing.assert_allclose(hs, out.detach().numpy(), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(rcT, cT[0].detach().numpy(), rtol=1e-12, atol=1e-13)
    g = np.random.default_rng(0).standard_normal(hs.shape)
    out.backward(torch.from_numpy(g))
    dx, dp, dh0, dc0 = lstm_layer_backward((g, None, None), cache)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dh0, h0t.grad[0].numpy(), rtol=1e-10, atol=1e-12)
    dstate = to_torch_layout(dp)
    np.testing.assert_allclose(dstate["weight_hh_l0"], module.weight_hh_l0.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dstate["bias_ih_l0"], module.bias_ih_l0.grad.numpy(), rtol=1e-10, atol=1e-12)


# --- params, dtype, bad input ------------------------------------------------------------------

def test_gate_views_follow_the_documented_order():
    _, p, _, _ = _random_inputs(2)
    W_o, U_o, b_o = p.gate("o")
    np.testing.assert_array_equal(W_o, p.W[:, 10:15])
    np.testing.assert_array_equal(b_o, p.b[10:15])
    with pytest.raises(ValueError, match="name: expected one of"):
        p.gate("g")


def test_float32_in_float32_out_and_inputs_untouched():
    x, p, h0, c0 = _random_inputs(1, dtype=np.float32)
    before = [a.copy() for a in (x, p.W, p.U, p.b, h0, c0)]
    (hs, hT, cT), cache = lstm_layer_forward(x, p, h0, c0)
    grads = lstm_layer_backward((np.ones_like(hs), None, None), cache)
    assert {a.dtype for a in (hs, hT, cT, grads[0], grads[1].W, grads[1].U, grads[1].b, grads[2], grads[3])} == {
        np.dtype(np.float32)}
    for a, b in zip((x, p.W, p.U, p.b, h0, c0), before):
        np.testing.assert_array_equal(a, b)
    hT[...] = 0  # returned final state is not a view into hs
    assert np.abs(hs[-1]).sum() > 0


def test_default_initial_state_is_zero():
    x, p, h0, c0 = _random_inputs(8)
    a = lstm_layer_forward(x, p)[0][0]
    b = lstm_layer_forward(x, p, np.zeros_like(h0), np.zeros_like(c0))[0][0]
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("change, error, message", [
    (lambda x, p, h, c: (x[0], p, h, c), ValueError, r"x: expected a 3-d array, got shape \(2, 4\)"),
    (lambda x, p, h, c: (x[..., :3], p, h, c), ValueError, r"x: expected shape \(T, B, I=4\), got \(3, 2, 3\)"),
    (lambda x, p, h, c: (x.astype(int), p, h, c), TypeError, r"x: expected a floating-point array"),
    (lambda x, p, h, c: (x, p, h[:1], c), ValueError, r"h0: expected shape \(B=2, H=5\), got \(1, 5\)"),
    (lambda x, p, h, c: (x, p, h, c.astype(np.float32)), TypeError, r"c0: expected dtype float64"),
    (lambda x, p, h, c: (x, LSTMParams(p.W, p.U[:, :-1], p.b), h, c), ValueError,
     r"params.U: expected shape \(H=5, 4H=20\), got \(5, 19\)"),
    (lambda x, p, h, c: (x, LSTMParams(p.W, p.U, p.b[:-1]), h, c), ValueError,
     r"params.b: expected shape \(4H=20\), got \(19,\)"),
    (lambda x, p, h, c: (x[:0], p, h, c), ValueError, r"x: expected T >= 1 and B >= 1"),
])
def test_bad_input_names_argument_expected_and_actual(change, error, message):
    with pytest.raises(error, match=message):
        lstm_layer_forward(*change(*_random_inputs(0)))


def test_bad_cotangent_and_init_arguments():
    x, p, h0, c0 = _random_inputs(0)
    _, cache = lstm_layer_forward(x, p, h0, c0)
    with pytest.raises(ValueError, match=r"dhs: expected shape \(T=3, B=2, H=5\)"):
        lstm_layer_backward((np.zeros((3, 5, 2)), None, None), cache)
    with pytest.raises(ValueError, match="hidden_size: expected a positive integer, got 0"):
        LSTMParams.init(3, 0, np.random.default_rng())


def test_gradient_check_catches_a_backward_that_drops_the_final_state_gradient():
    def drops_dh_T(grads, cache):
        dhs, _, dc_T = grads
        return lstm_layer_backward((dhs, None, dc_T), cache)  # planted: the h_T term is missing

    report = check_op(lstm_layer_forward, drops_dh_T, _random_inputs(9), names=("x", "params", "h0", "c0"))
    assert set(report.failed_inputs()) >= {"x", "params.W", "params.U", "params.b", "h0", "c0"}
