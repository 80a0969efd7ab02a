"""reverse_sequence, the aligned bidirectional RNN in three formulations, the naive full-row
reversal as the counterexample, final states, and the padding-invariance checker."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference.core.masks import mask_from_lengths
from reference.lstm.params import LSTMParams
from reference.masking.birnn import birnn_backward, birnn_forward, birnn_states, birnn_states_backward, final_hidden
from reference.masking.invariance import check_padding_invariance
from reference.masking.reverse import reverse_sequence, reverse_sequence_backward, reverse_sequence_forward
from reference.onlstm.params import ONLSTMParams


@settings(max_examples=30)
@given(L=st.lists(st.integers(0, 5), min_size=1, max_size=4), extra=st.integers(0, 3), seed=st.integers(0, 2**31))
def test_reverse_sequence_against_a_loop_involution_and_adjoint(L, extra, seed):
    rng = np.random.default_rng(seed)
    L = np.array(L)
    T = max(int(L.max()) + extra, 1)
    x, y = rng.standard_normal((len(L), T, 2)), rng.standard_normal((len(L), T, 2))
    want = x.copy()
    for b, n in enumerate(L):                                     # the definition, written as a loop
        for t in range(n):
            want[b, t] = x[b, n - 1 - t]
    got = reverse_sequence(x, L)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(reverse_sequence(got, L), x)     # its own inverse
    assert np.isclose((got * y).sum(), (x * reverse_sequence(y, L)).sum(), rtol=1e-13)   # its own adjoint
    _, cache = reverse_sequence_forward(x, L)
    np.testing.assert_array_equal(reverse_sequence_backward(y, cache), reverse_sequence(y, L))
    tm = reverse_sequence(x.transpose(1, 0, 2), L, time_axis=0, batch_axis=1)
    np.testing.assert_array_equal(tm, got.transpose(1, 0, 2))
    full = np.full(len(L), T)
    np.testing.assert_array_equal(reverse_sequence(x, full), np.flip(x, axis=1))


def test_reverse_sequence_refuses_bad_lengths():
    with pytest.raises(ValueError, match=r"lengths\[1\]: expected a length in \[0, 3\], got 4"):
        reverse_sequence(np.zeros((2, 3)), [1, 4])
    with pytest.raises(ValueError, match="expected 2 lengths"):
        reverse_sequence(np.zeros((2, 3)), [1])


def _params(rng, cell, I=2, H=4):
    p = LSTMParams.init(I, H, rng) if cell == "lstm" else ONLSTMParams.init(I, H, 2, rng)
    return type(p)(2 * p.W, 2 * p.U, rng.uniform(0.2, 1, p.b.shape) * rng.choice([-1, 1], p.b.shape))


@settings(max_examples=15)
@given(cell=st.sampled_from(["lstm", "onlstm"]), L=st.lists(st.integers(0, 4), min_size=1, max_size=3),
       extra=st.integers(0, 2), seed=st.integers(0, 2**31))
def test_the_three_formulations_agree_and_the_naive_one_does_not(cell, L, extra, seed):
    rng = np.random.default_rng(seed)
    L = np.array(L)
    T = max(int(L.max()) + extra, 1)
    x = rng.standard_normal((T, len(L), 2))
    pf, pb = _params(rng, cell), _params(rng, cell)
    cot = rng.standard_normal((T, len(L), 8)), rng.standard_normal((2, len(L), 4))
    results = {}
    for method in ("reverse", "carry", "packed"):
        (out, h_n), cache = birnn_forward(x, pf, pb, L, cell=cell, method=method)
        results[method] = (out, h_n, birnn_backward(cot, cache))
    ref = results["reverse"]
    for method in ("carry", "packed"):
        out, h_n, grads = results[method]
        np.testing.assert_allclose(out, ref[0], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(h_n, ref[1], rtol=1e-12, atol=1e-14)
        for a, b in zip(grads, ref[2]):
            for (_, u), (_, v) in zip(*(leaves_of(g) for g in (a, b))):
                np.testing.assert_allclose(u, v, rtol=1e-11, atol=1e-13)
    (carry_out, carry_h, carry_c), _ = birnn_states(x, pf, pb, L, cell=cell, method="carry")
    (packed_out, packed_h, packed_c), _ = birnn_states(x, pf, pb, L, cell=cell, method="packed")
    np.testing.assert_allclose(carry_c, packed_c, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(carry_h, final_hidden(carry_out, L))          # forward at L-1, backward at 0
    (naive, _), _ = birnn_forward(x, pf, pb, L, cell=cell, method="naive")
    if (L < T).any() and (L > 0).any():                                          # padding before a valid step
        assert not np.allclose(naive, ref[0])                                    # the counterexample differs
    if (L == T).all():
        np.testing.assert_allclose(naive, ref[0], rtol=1e-12, atol=1e-14)        # without padding it is right


def leaves_of(g):
    from reference.core.pytree import leaves

    return leaves(g)


def test_the_backward_final_state_is_at_t0_not_the_last_row():
    rng = np.random.default_rng(0)
    pf, pb = _params(rng, "lstm"), _params(rng, "lstm")
    L = np.array([4, 2])
    x = rng.standard_normal((4, 2, 2))
    (out, h_n), _ = birnn_forward(x, pf, pb, L)
    np.testing.assert_array_equal(h_n[1], out[0, :, 4:])
    np.testing.assert_array_equal(h_n[0, 1], out[1, 1, :4])                     # row 1 ends at t = L-1 = 1
    assert np.all(out[-1, 1] == 0)                                              # out[-1] is padding for row 1


def _birnn_fn(cell, method, seed=1):
    rng = np.random.default_rng(seed)
    pf, pb = _params(rng, cell, I=3), _params(rng, cell, I=3)

    def fn(x, L):
        return birnn_forward(x, pf, pb, L, cell=cell, method=method)[0][0]

    def vjp(x, L, dy):
        return birnn_backward((dy, None), birnn_forward(x, pf, pb, L, cell=cell, method=method)[1])[0]

    return fn, vjp


@pytest.mark.parametrize("cell", ["lstm", "onlstm"])
@pytest.mark.parametrize("method", ["reverse", "carry", "packed"])
def test_the_aligned_birnn_passes_the_padding_invariance_checker(cell, method):
    fn, vjp = _birnn_fn(cell, method)
    assert check_padding_invariance(fn, vjp=vjp, time_major=True, max_examples=15) == 15


def test_the_checker_catches_a_full_row_reversal():
    fn, vjp = _birnn_fn("lstm", "naive")
    with pytest.raises(AssertionError, match="padding changed a valid output"):
        check_padding_invariance(fn, time_major=True, max_examples=30)


def test_the_checker_catches_a_gradient_that_leaks_into_padding():
    def fn(x, L):                                  # right outputs, wrong gradient (no mask in the vjp)
        return x * mask_from_lengths(L, x.shape[1])[:, :, None]

    def vjp(x, L, dy):
        return dy + 0.0 * x + 1e-3

    with pytest.raises(AssertionError, match="a padded input gets a non-zero gradient"):
        check_padding_invariance(fn, vjp=vjp, max_examples=20)
    assert check_padding_invariance(fn, vjp=lambda x, L, dy: dy * mask_from_lengths(L, x.shape[1])[:, :, None],
                                    max_examples=20) == 20


def test_state_carry_gradients_include_the_final_cell_state():
    rng = np.random.default_rng(3)
    pf, pb = _params(rng, "onlstm"), _params(rng, "onlstm")
    x, L = rng.standard_normal((3, 2, 2)), np.array([3, 1])
    from reference.core.gradcheck import check_vjp

    def fn(x, pf, pb):
        return birnn_states(x, pf, pb, L, cell="onlstm", method="packed")[0]

    def vjp(cot, x, pf, pb):
        return birnn_states_backward(cot, birnn_states(x, pf, pb, L, cell="onlstm", method="packed")[1])[:3]

    check_vjp(fn, vjp, (x, pf, pb), names=("x", "params_f", "params_b")).raise_if_failed()


def test_the_bidirectional_module_clones_a_fresh_backward_direction_and_accumulates_both():
    from reference.modules import LSTM, ONLSTM, Bidirectional

    from ..modules.helpers import param_numerical_grads

    rng = np.random.default_rng(5)
    for layer in (LSTM(2, 3, rng=rng), ONLSTM(2, 4, 2, rng=rng)):
        bi = Bidirectional(layer, rng=np.random.default_rng(6), method="packed")
        assert bi.backward_layer.W is not layer.W and not np.array_equal(bi.backward_layer.W.value, layer.W.value)
        assert len(bi.parameters()) == 6
        x, L = rng.standard_normal((3, 2, 2)), np.array([3, 1])
        (out, h_n), vjp = bi.forward(x, L)
        cot = (rng.standard_normal(out.shape), rng.standard_normal(h_n.shape))
        bi.zero_grad()
        vjp(cot)
        num = param_numerical_grads(bi, lambda: bi.forward(x, L)[0], cot)
        for p, n in zip(bi.parameters(), num):
            np.testing.assert_allclose(p.grad, n, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("method", ["reverse", "carry", "packed"])
def test_batch_major_input_is_the_time_major_computation_transposed(method):
    rng = np.random.default_rng(12)
    from reference.lstm.params import LSTMParams

    pf, pb = LSTMParams.init(3, 4, rng), LSTMParams.init(3, 4, rng)
    x, L = rng.standard_normal((5, 2, 3)), np.array([5, 3])
    (out_t, h_t), cache_t = birnn_forward(x, pf, pb, L, method=method)
    (out_b, h_b), cache_b = birnn_forward(np.moveaxis(x, 0, 1), pf, pb, L, method=method, time_major=False)
    np.testing.assert_array_equal(out_b, np.moveaxis(out_t, 0, 1))
    np.testing.assert_array_equal(h_b, h_t)
    dout = rng.standard_normal(out_t.shape)
    dx_t, dpf_t, _ = birnn_backward((dout, None), cache_t)
    dx_b, dpf_b, _ = birnn_backward((np.moveaxis(dout, 0, 1), None), cache_b)
    np.testing.assert_array_equal(dx_b, np.moveaxis(dx_t, 0, 1))
    np.testing.assert_array_equal(dpf_b.W, dpf_t.W)
    if method != "reverse":
        (o, h, c), sc = birnn_states(np.moveaxis(x, 0, 1), pf, pb, L, method=method, time_major=False)
        np.testing.assert_array_equal(o, out_b)
        dx = birnn_states_backward((np.moveaxis(dout, 0, 1), None, None), sc)[0]
        np.testing.assert_array_equal(dx, dx_b)
    with pytest.raises(TypeError, match="time_major: expected True"):
        birnn_forward(x, pf, pb, L, time_major="yes")
