"""ON-LSTM layer and stack: BPTT gradients, padding, DropConnect, equivalences, bad input."""
import functools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference.core.gradcheck import check_op
from reference.core.strategies import mask_from_lengths, sequence_lengths
from reference.onlstm import (
    ONLSTMParams, dropconnect_mask, onlstm_cell_backward, onlstm_cell_forward, onlstm_layer_backward,
    onlstm_layer_forward, onlstm_stack_backward, onlstm_stack_forward)

from .helpers import layer_inputs, random_inputs, variants

NAMES = ("x", "params", "h0", "c0")


@given(layer_inputs(), variants, st.data(), st.sampled_from([None, "authors", "inverted"]))
def test_layer_gradient_with_padding_and_dropconnect(inputs, variant, data, convention):
    x, p, h0, c0 = inputs
    T, B = x.shape[:2]
    mask = mask_from_lengths(data.draw(sequence_lengths(B, T)), T)
    wm = None
    if convention is not None:
        wm = dropconnect_mask(p.U.shape, 0.4, np.random.default_rng(data.draw(st.integers(0, 99))),
                              convention=convention)
    fwd = functools.partial(onlstm_layer_forward, mask=mask, weight_mask=wm, master_input=variant)
    check_op(fwd, onlstm_layer_backward, inputs, names=NAMES).raise_if_failed()


@given(layer_inputs(), variants)
def test_layer_equals_a_loop_of_cells(inputs, variant):
    x, p, h0, c0 = inputs
    (hs, hT, cT), cache = onlstm_layer_forward(x, p, h0, c0, master_input=variant)
    h, c, caches = h0, c0, []
    for t in range(x.shape[0]):
        (h, c), cc = onlstm_cell_forward(x[t], p, h, c, master_input=variant)
        np.testing.assert_allclose(hs[t], h, rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(cache.f_tilde[t], cc.f_tilde, rtol=1e-12, atol=1e-13)
        caches.append(cc)
    np.testing.assert_allclose(cT, c, rtol=1e-12, atol=1e-13)
    g = np.random.default_rng(0).standard_normal(hs.shape)
    dx, dp, dh0, dc0 = onlstm_layer_backward((g, None, None), cache)
    dh, dc, dU = np.zeros_like(h0), np.zeros_like(c0), np.zeros_like(p.U)
    for t in reversed(range(x.shape[0])):
        dxt, dpt, dh, dc = onlstm_cell_backward((g[t] + dh, dc), caches[t])
        np.testing.assert_allclose(dx[t], dxt, rtol=1e-10, atol=1e-12)
        dU += dpt.U
    np.testing.assert_allclose(dp.U, dU, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dc0, dc, rtol=1e-10, atol=1e-12)


# --- padding ------------------------------------------------------------------------------------

@given(layer_inputs(max_T=5), variants, st.data())
def test_padded_batch_equals_each_sequence_run_alone(inputs, variant, data):
    x, p, h0, c0 = inputs
    T, B = x.shape[:2]
    lengths = data.draw(sequence_lengths(B, T, min_len=0))
    mask = mask_from_lengths(lengths, T)
    g = np.random.default_rng(1).standard_normal((T, B, p.hidden_size))
    gT, gc = np.random.default_rng(2).standard_normal((2, B, p.hidden_size))
    (hs, hT, cT), cache = onlstm_layer_forward(x, p, h0, c0, mask=mask, master_input=variant)
    dx, dp, dh0, dc0 = onlstm_layer_backward((g, gT, gc), cache)
    assert (hs[mask.T == 0] == 0).all()                     # padded outputs are exactly zero
    assert (dx[mask.T == 0] == 0).all()                     # padded inputs get exactly zero gradient
    dU = np.zeros_like(p.U)
    for n, length in enumerate(lengths):
        if length == 0:                                     # nothing to run: the state passes through
            np.testing.assert_array_equal(hT[n], h0[n])
            np.testing.assert_array_equal(dh0[n], gT[n])
            continue
        sl = slice(n, n + 1)
        (ahs, ahT, acT), acache = onlstm_layer_forward(x[:length, sl], p, h0[sl], c0[sl], master_input=variant)
        np.testing.assert_allclose(hs[:length, n], ahs[:, 0], rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(hT[n], ahT[0], rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(cT[n], acT[0], rtol=1e-12, atol=1e-13)
        adx, adp, adh0, adc0 = onlstm_layer_backward((g[:length, sl], gT[sl], gc[sl]), acache)
        np.testing.assert_allclose(dx[:length, n], adx[:, 0], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(dh0[n], adh0[0], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(dc0[n], adc0[0], rtol=1e-10, atol=1e-12)
        dU += adp.U
    np.testing.assert_allclose(dp.U, dU, rtol=1e-10, atol=1e-11)


def test_all_ones_mask_changes_nothing():
    x, p, h0, c0 = random_inputs(20)
    a = onlstm_layer_forward(x, p, h0, c0)[0]
    b = onlstm_layer_forward(x, p, h0, c0, mask=np.ones((3, 4), dtype=bool))[0]
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)


# --- DropConnect ----------------------------------------------------------------------------------

def test_dropconnect_conventions():
    rng = np.random.default_rng(0)
    shape, p = (200, 300), 0.3
    authors = dropconnect_mask(shape, p, rng, convention="authors")
    inverted = dropconnect_mask(shape, p, rng, convention="inverted")
    assert set(np.unique(authors)) == {0.0, 1.0}                     # no rescale in training
    assert set(np.unique(inverted)) == {0.0, 1 / (1 - p)}            # kept weights scaled by 1/(1-p)
    # each weight is dropped with probability p: 60 000 draws, 5 standard deviations
    sd = np.sqrt(p * (1 - p) / authors.size)
    assert abs((authors == 0).mean() - p) < 5 * sd and abs((inverted == 0).mean() - p) < 5 * sd
    np.testing.assert_array_equal(dropconnect_mask(shape, p, None, convention="authors", training=False), 1 - p)
    np.testing.assert_array_equal(dropconnect_mask(shape, p, None, convention="inverted", training=False), 1.0)
    # same seed, same mask: randomness is an explicit input
    np.testing.assert_array_equal(dropconnect_mask(shape, p, np.random.default_rng(5)),
                                  dropconnect_mask(shape, p, np.random.default_rng(5)))


def test_weight_mask_is_the_same_as_masked_recurrent_weights():
    x, p, h0, c0 = random_inputs(21)
    M = dropconnect_mask(p.U.shape, 0.5, np.random.default_rng(3), convention="inverted")
    (hs, _, _), cache = onlstm_layer_forward(x, p, h0, c0, weight_mask=M)
    masked = ONLSTMParams(p.W, p.U * M, p.b)
    (hs2, _, _), cache2 = onlstm_layer_forward(x, masked, h0, c0)
    np.testing.assert_array_equal(hs, hs2)
    g = np.random.default_rng(4).standard_normal(hs.shape)
    dU = onlstm_layer_backward((g, None, None), cache)[1].U
    dU_used = onlstm_layer_backward((g, None, None), cache2)[1].U
    np.testing.assert_allclose(dU, dU_used * M, rtol=1e-13, atol=1e-15)  # chain rule through U * M
    assert (dU[M == 0] == 0).all()


# --- stack --------------------------------------------------------------------------------------

@given(layer_inputs(max_T=3), variants)
def test_stack_equals_chained_layers_and_its_gradient_checks(inputs, variant):
    x, p, h0, c0 = inputs
    p2 = ONLSTMParams.init(p.hidden_size, 3, 1, np.random.default_rng(0))
    p2 = ONLSTMParams(p2.W, p2.U, p2.b + 0.5)
    (hs, hT, cT), cache = onlstm_stack_forward(x, (p, p2), (h0, None), (c0, None), master_input=variant)
    (h1, h1T, _), cache1 = onlstm_layer_forward(x, p, h0, c0, master_input=variant)
    (h2, h2T, c2T), cache2 = onlstm_layer_forward(h1, p2, master_input=variant)
    np.testing.assert_array_equal(hs, h2)
    np.testing.assert_array_equal(hT[0], h1T)
    np.testing.assert_array_equal(cT[1], c2T)
    assert cache.layers[1].f_tilde.shape == (x.shape[0], x.shape[1], 3)
    g = np.random.default_rng(3).standard_normal(hs.shape)
    gT = np.random.default_rng(4).standard_normal(h1T.shape)
    dx, dps, dh0s, dc0s = onlstm_stack_backward((g, (gT, None), None), cache)
    dh1, dp2, _, _ = onlstm_layer_backward((g, None, None), cache2)
    dx1, dp1, dh0, _ = onlstm_layer_backward((dh1, gT, None), cache1)
    for a, b in ((dx, dx1), (dps[1].U, dp2.U), (dps[0].W, dp1.W), (dh0s[0], dh0)):
        np.testing.assert_array_equal(a, b)
    fwd = functools.partial(onlstm_stack_forward, master_input=variant)
    check_op(fwd, onlstm_stack_backward, (x, (p, p2), (h0, np.zeros((x.shape[1], 3))), None),
             names=NAMES, mode="direction").raise_if_failed()


# --- dtype and bad input -------------------------------------------------------------------------

def test_float32_in_float32_out():
    x, p, h0, c0 = random_inputs(22, dtype=np.float32)
    M = dropconnect_mask(p.U.shape, 0.2, np.random.default_rng(0))
    (hs, hT, cT), cache = onlstm_layer_forward(x, p, h0, c0, mask=np.ones((3, 4)), weight_mask=M)
    dx, dp, dh0, dc0 = onlstm_layer_backward((np.ones_like(hs), None, None), cache)
    assert {a.dtype for a in (hs, hT, cT, dx, dp.W, dp.U, dp.b, dh0, dc0, cache.f_tilde)} == {np.dtype(np.float32)}


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(mask=np.array([[1, 0, 1, 0]] * 3)), ValueError, r"mask: expected prefix rows .* row 0 has a 1 after a 0"),
    (dict(mask=np.full((3, 4), 0.5)), ValueError, r"mask: expected 0/1"),
    (dict(mask=np.ones((4, 3))), ValueError, r"mask: expected shape \(B=3, T=4\), got \(4, 3\)"),
    (dict(weight_mask=np.ones((6, 10))), ValueError, r"weight_mask: expected shape \(H=6, 4H\+2L=30\), got \(6, 10\)"),
    (dict(weight_mask=np.full((6, 30), np.nan)), ValueError, r"weight_mask: expected finite values"),
    (dict(master_input="keras"), ValueError, r"master_input: expected one of \('paper', 'article'\), got 'keras'"),
])
def test_bad_layer_arguments(kwargs, error, message):
    x, p, h0, c0 = random_inputs(23)
    with pytest.raises(error, match=message):
        onlstm_layer_forward(x, p, h0, c0, **kwargs)


def test_bad_sizes_and_params():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="chunk_size: expected a divisor of hidden_size=10, got 3"):
        ONLSTMParams.init(4, 10, 3, rng)
    x, p, h0, c0 = random_inputs(24)   # H=6, L=3
    bad = ONLSTMParams(np.zeros((2, 32)), np.zeros((6, 32)), np.zeros(32))  # L=4 does not divide H=6
    with pytest.raises(ValueError, match="n_chunk L=4 does not divide the hidden size H=6"):
        onlstm_layer_forward(x, bad)
    with pytest.raises(ValueError, match=r"params.U: expected shape \(H, 4H \+ 2L\)"):
        onlstm_layer_forward(x, ONLSTMParams(p.W, p.U[:, :24], p.b))
    with pytest.raises(ValueError, match=r"x: expected shape \(T, B, I=2\), got \(4, 3, 5\)"):
        onlstm_layer_forward(np.zeros((4, 3, 5)), p)
    with pytest.raises(ValueError, match=r"params\[1\].W: expected 6 input rows"):
        onlstm_stack_forward(x, (p, p))
    with pytest.raises(ValueError, match=r"h0: expected one entry per layer \(2\), got 1"):
        onlstm_stack_forward(x, (p, ONLSTMParams.init(6, 4, 2, rng)), h0=[h0])
    with pytest.raises(TypeError, match="rng: expected an int seed"):
        dropconnect_mask((2, 2), 0.5, 0.5)
    with pytest.raises(ValueError, match=r"p: expected a drop probability in \[0, 1\), got 1"):
        dropconnect_mask((2, 2), 1, rng)
