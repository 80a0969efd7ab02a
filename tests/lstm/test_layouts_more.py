"""The LSTM layouts porters need beyond the forward torch one: a bidirectional ``nn.LSTM``'s
``_reverse`` arrays (against torch itself) and Keras's ``LSTM`` arrays (against a scalar loop of
Keras's cell with its gate order i, f, c, o), both converted both ways."""
import numpy as np
import pytest

from reference.lstm import LSTMParams, from_keras_layout, from_torch_layout, lstm_layer_forward, to_keras_layout, \
    to_torch_layout
from reference.masking.birnn import birnn_forward


def _params(seed, I=3, H=4):
    rng = np.random.default_rng(seed)
    return LSTMParams(rng.standard_normal((I, 4 * H)), rng.standard_normal((H, 4 * H)), rng.standard_normal(4 * H))


def _same(a, b):
    return all(np.array_equal(x, y) for x, y in zip((a.W, a.U, a.b), (b.W, b.U, b.b)))


def test_both_directions_round_trip_and_name_torchs_keys():
    pf, pb = _params(0), _params(1)
    state = {**to_torch_layout(pf), **to_torch_layout(pb, direction="reverse")}
    assert {"weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse"} <= set(state)
    assert _same(from_torch_layout(state), pf) and _same(from_torch_layout(state, direction="reverse"), pb)
    with pytest.raises(ValueError, match="direction: expected one of"):
        to_torch_layout(pf, direction="backward")


def test_a_bidirectional_torch_lstm_loaded_from_both_directions_equals_birnn():
    torch = pytest.importorskip("torch")
    pf, pb = _params(2), _params(3)
    lstm = torch.nn.LSTM(3, 4, bidirectional=True).double()
    lstm.load_state_dict({k: torch.from_numpy(v) for k, v in
                          {**to_torch_layout(pf), **to_torch_layout(pb, direction="reverse")}.items()})
    x = np.random.default_rng(4).standard_normal((5, 2, 3))
    out, _ = lstm(torch.from_numpy(x))
    (ours, _), _ = birnn_forward(x, pf, pb, np.array([5, 5]), method="reverse")   # full rows: plain reversal
    np.testing.assert_allclose(ours, out.detach().numpy(), rtol=1e-12, atol=1e-13)
    back = from_torch_layout({k: v.detach().numpy() for k, v in lstm.state_dict().items()}, direction="reverse")
    np.testing.assert_allclose(back.W, pb.W, rtol=0, atol=0)


def _keras_lstm(x, kernel, recurrent, bias):
    """Keras's LSTM cell written out per unit: z = x K + h R + b split i, f, c, o; c = f c + i tanh(z_c),
    h = o tanh(c), with sigmoid recurrent activations (Keras 3's defaults)."""
    T, B, _ = x.shape
    H = recurrent.shape[0]
    sig = lambda a: 1 / (1 + np.exp(-a))                                      # noqa: E731
    h, c, hs = np.zeros((B, H)), np.zeros((B, H)), []
    for t in range(T):
        z = x[t] @ kernel + h @ recurrent + bias
        new_h, new_c = np.empty_like(h), np.empty_like(c)
        for b_ in range(B):
            for j in range(H):
                i, f, g, o = (z[b_, k * H + j] for k in range(4))
                new_c[b_, j] = sig(f) * c[b_, j] + sig(i) * np.tanh(g)
                new_h[b_, j] = sig(o) * np.tanh(new_c[b_, j])
        h, c = new_h, new_c
        hs.append(h)
    return np.stack(hs)


def test_keras_layout_round_trips_and_matches_keras_cell_equations():
    p = _params(5)
    keras = to_keras_layout(p, prefix="lstm/")
    assert {k: v.shape for k, v in keras.items()} == {"lstm/kernel": (3, 16), "lstm/recurrent_kernel": (4, 16),
                                                     "lstm/bias": (16,)}
    assert _same(from_keras_layout(keras, prefix="lstm/"), p)
    x = np.random.default_rng(6).standard_normal((4, 2, 3))
    (hs, _, _), _ = lstm_layer_forward(x, p)
    np.testing.assert_allclose(hs, _keras_lstm(x, keras["lstm/kernel"], keras["lstm/recurrent_kernel"],
                                               keras["lstm/bias"]), rtol=1e-12, atol=1e-13)
    no_bias = from_keras_layout({"kernel": keras["lstm/kernel"], "recurrent_kernel": keras["lstm/recurrent_kernel"]})
    assert not no_bias.b.any()
    with pytest.raises(ValueError, match="missing key 'kernel'"):
        from_keras_layout({"recurrent_kernel": keras["lstm/recurrent_kernel"]})


class _KerasLSTMPort:
    """An LSTM written as Keras computes it, reading the Keras arrays the kit hands a port that
    declares layouts={"lstm_layer": "keras"} (gate order i, f, c, o; (in, out) weights)."""

    ops = ("lstm_layer",)

    def __init__(self, gate_order=(0, 1, 2, 3), layout="keras"):
        self.gate_order, self.layouts = gate_order, {"lstm_layer": layout}

    def forward(self, op, inputs, attrs):
        x, K, R, b = (np.asarray(inputs[k]) for k in ("x", "params.kernel", "params.recurrent_kernel", "params.bias"))
        H = R.shape[0]
        zeros = np.zeros((x.shape[1], H))
        h, c = np.asarray(inputs.get("h0", zeros)), np.asarray(inputs.get("c0", zeros))
        sig = lambda a: 1 / (1 + np.exp(-a))                                  # noqa: E731
        hs = []
        for t in range(x.shape[0]):
            z = x[t] @ K + h @ R + b
            i, f, g, o = (z[:, k * H:(k + 1) * H] for k in self.gate_order)
            c = sig(f) * c + sig(i) * np.tanh(g)
            h = sig(o) * np.tanh(c)
            hs.append(h)
        return {"out[0]": np.stack(hs), "out[1]": h, "out[2]": c}


def test_a_keras_layout_port_is_verified_by_the_kit_and_a_gate_order_bug_is_caught():
    from reference.verify.live import verify_live

    assert verify_live(_KerasLSTMPort(), "lstm_layer", max_examples=25).passed
    assert verify_live(_KerasLSTMPort(layout="keras_lstm"), "lstm_layer", max_examples=10).passed  # the old name
    wrong = verify_live(_KerasLSTMPort(gate_order=(1, 0, 2, 3)), "lstm_layer", max_examples=25)   # f and i swapped
    assert not wrong.passed and wrong.failure.startswith("forward: worst out[")
