"""The aligned bidirectional LSTM against PyTorch's nn.LSTM(bidirectional=True) on packed
sequences: outputs, final states and gradients, parameters converted with the LSTM layout
converters (PyTorch rejects length 0, so lengths start at 1 here)."""
import numpy as np
import pytest

from reference.lstm import LSTMParams, from_torch_layout, to_torch_layout
from reference.masking.birnn import birnn_states, birnn_states_backward


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_aligned_birnn_is_pytorchs_packed_bidirectional_lstm(seed):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    T, B, I, H = 5, 4, 3, 2
    L = np.array([5, 2, 4, 1])                                       # unsorted: enforce_sorted=False
    x = rng.standard_normal((T, B, I))
    pf, pb = LSTMParams.init(I, H, rng), LSTMParams.init(I, H, rng)
    pf, pb = (LSTMParams(p.W, p.U, rng.standard_normal(4 * H)) for p in (pf, pb))
    (out, h_n, c_n), cache = birnn_states(x, pf, pb, L, method="packed")
    cot = tuple(rng.standard_normal(a.shape) for a in (out, h_n, c_n))
    cot = (cot[0] * (np.arange(T)[:, None] < L[None, :])[:, :, None], cot[1], cot[2])   # no cotangent on padding
    dx, dpf, dpb, _, _ = birnn_states_backward(cot, cache)

    lstm = torch.nn.LSTM(I, H, bidirectional=True).double()
    state = {**to_torch_layout(pf), **{k + "_reverse": v for k, v in to_torch_layout(pb).items()}}
    lstm.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    tx = torch.tensor(x, requires_grad=True)
    packed = torch.nn.utils.rnn.pack_padded_sequence(tx, torch.from_numpy(L), enforce_sorted=False)
    tout, (th, tc) = lstm(packed)
    tout, _ = torch.nn.utils.rnn.pad_packed_sequence(tout, total_length=T)
    np.testing.assert_allclose(out, tout.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(h_n, th.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(c_n, tc.detach().numpy(), rtol=1e-12, atol=1e-14)
    torch.autograd.backward([tout, th, tc], [torch.from_numpy(c) for c in cot])
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-11, atol=1e-13)
    grads = {k: p.grad.numpy() for k, p in lstm.named_parameters()}
    for suffix, ours in (("", dpf), ("_reverse", dpb)):
        # the model adds bias_ih and bias_hh: their gradients are equal, each is b's gradient
        theirs = from_torch_layout({f"{k}_l0": grads[f"{k}_l0{suffix}"] for k in ("weight_ih", "weight_hh", "bias_ih")})
        np.testing.assert_allclose(grads[f"bias_hh_l0{suffix}"], grads[f"bias_ih_l0{suffix}"], rtol=1e-13)
        for name in "WUb":
            np.testing.assert_allclose(getattr(ours, name), getattr(theirs, name), rtol=1e-11, atol=1e-13)
