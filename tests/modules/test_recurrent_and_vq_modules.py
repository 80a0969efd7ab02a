"""The recurrent and VQ modules are the areas' functions behind the module shell: same outputs,
gradients accumulated over calls, multi-output symbolic calls, state updated by forward."""
import numpy as np

from reference.lstm.layer import lstm_layer_backward, lstm_layer_forward
from reference.modules import LSTM, ONLSTM, Dense, Input, Model, VectorQuantizer
from reference.onlstm.layer import onlstm_layer_forward
from reference.vq.quantise import quantise

from .helpers import param_numerical_grads


def test_an_lstm_called_on_two_sequences_adds_both_gradients():
    rng = np.random.default_rng(0)
    lstm = LSTM(2, 3, rng=rng)
    xs = [rng.standard_normal((4, 2, 2)), rng.standard_normal((3, 2, 2))]
    cots = [tuple(rng.standard_normal(s) for s in ((T, 2, 3), (2, 3), (2, 3))) for T in (4, 3)]
    lstm.zero_grad()
    want = {k: 0 for k in "WUb"}
    for x, cot in zip(xs, cots):
        out, vjp = lstm.forward(x)
        ref, cache = lstm_layer_forward(x, lstm._params())
        for a, b in zip(out, ref):
            np.testing.assert_array_equal(a, b)
        (dx,) = vjp(cot)                                    # one input given: one cotangent
        dp = lstm_layer_backward(cot, cache)[1]
        want = {k: want[k] + getattr(dp, k) for k in "WUb"}
    for k in "WUb":
        np.testing.assert_allclose(getattr(lstm, k).grad, want[k], rtol=1e-13, atol=1e-15)


def test_a_symbolic_lstm_feeds_its_final_state_to_a_dense_head():
    rng = np.random.default_rng(1)
    x = Input("x")
    hs, hT, cT = LSTM(2, 3, rng=rng)(x)
    model = Model(x, Dense(3, 1, rng=rng)(hT))                # hs and cT unused downstream
    xs, cot = rng.standard_normal((3, 2, 2)), rng.standard_normal((2, 1))
    model.zero_grad()
    y, vjp = model.forward(xs)
    (dx,) = vjp(cot)
    num = param_numerical_grads(model, lambda: model(xs), cot)
    for p, n in zip(model.parameters(), num):
        np.testing.assert_allclose(p.grad, n, rtol=1e-6, atol=1e-8)


def test_the_onlstm_module_is_the_layer_function_with_its_mask():
    rng = np.random.default_rng(2)
    layer = ONLSTM(2, 4, 2, master_input="article", rng=rng)
    x, mask = rng.standard_normal((3, 2, 2)), np.array([[1, 1, 1], [1, 0, 0]])
    out, _ = layer.forward(x, mask=mask)
    ref, _ = onlstm_layer_forward(x, layer._params(), mask=mask, master_input="article")
    for a, b in zip(out, ref):
        np.testing.assert_array_equal(a, b)


def test_the_vector_quantizer_is_straight_through_with_an_ema_codebook():
    rng = np.random.default_rng(3)
    vq = VectorQuantizer(5, 2, rng=rng)
    z = rng.standard_normal((7, 2))
    before = vq.codebook.value.copy()
    z_q, vjp = vq.forward(z)
    np.testing.assert_array_equal(z_q, quantise(z, before).z_q)
    dz = rng.standard_normal(z.shape)
    np.testing.assert_array_equal(vjp(dz)[0], dz)                     # straight-through
    assert int(vq.steps.value) == 1 and vq.parameters() == [] and len(vq.states()) == 4
    vq.training = False
    frozen = vq.codebook.value.copy()
    vq(z)
    np.testing.assert_array_equal(vq.codebook.value, frozen)           # evaluation leaves the state alone
