"""Layout converters: round trips, and converted weights computing the same as independent
straightforward implementations written in each foreign layout's own column order."""
import os

import numpy as np
import pytest
from hypothesis import given

from reference.core.npzio import load_npz, save_npz
from reference.onlstm import ONLSTMParams, onlstm_layer_backward, onlstm_layer_forward
from reference.onlstm.layouts import from_authors_layout, from_keras_layout, to_authors_layout, to_keras_layout

from .helpers import layer_inputs

sig = lambda v: 1 / (1 + np.exp(-v))


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def authors_order_layer(x, state, n_chunk, chunk_size):
    """The authors' cell as spec section 3 describes it: PyTorch (out, in) weights, two biases,
    rows [master-in | master-forget | 4H block viewed (4L, chunk) split o, c_hat, i, f],
    master input 1 - cumax, cell state held as (B, L, chunk)."""
    w_ih, b_ih, w_hh, b_hh = (state[f"cells.0.{k}"] for k in ("ih.0.weight", "ih.0.bias", "hh.weight", "hh.bias"))
    L, cs = n_chunk, chunk_size
    T, B, _ = x.shape
    h, c = np.zeros((B, L * cs)), np.zeros((B, L, cs))
    outs = []
    for t in range(T):
        g = x[t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh
        m_in, m_forget = g[:, :L], g[:, L:2 * L]
        o, c_hat, i, f = np.split(g[:, 2 * L:].reshape(B, 4 * L, cs), 4, axis=1)
        cin = (1 - np.cumsum(_softmax(m_in), -1))[:, :, None]
        cforget = np.cumsum(_softmax(m_forget), -1)[:, :, None]
        overlap = cforget * cin
        c = (sig(f) * overlap + cforget - overlap) * c + (sig(i) * overlap + cin - overlap) * np.tanh(c_hat)
        h = (sig(o) * np.tanh(c)).reshape(B, L * cs)
        outs.append(h)
    return np.stack(outs)


def keras_order_layer(x, state, levels):
    """The article author's Keras cell: kernel columns [f_master (L) | i_master (L) | f | i | o | c],
    master input = reverse, softmax, cumsum, reverse."""
    K, R, b = state["kernel"], state["recurrent_kernel"], state["bias"]
    T, B, _ = x.shape
    units = R.shape[0]
    cs = units // levels
    h, c = np.zeros((B, units)), np.zeros((B, units))
    outs = []
    for t in range(T):
        z = x[t] @ K + h @ R + b
        fm = np.cumsum(_softmax(z[:, :levels]), -1)[:, :, None]
        im = np.cumsum(_softmax(z[:, levels:2 * levels][:, ::-1]), -1)[:, ::-1][:, :, None]
        rest = z[:, 2 * levels:].reshape(B, 4 * levels, cs)
        f, i, o, ci = (rest[:, k * levels:(k + 1) * levels] for k in range(4))
        cl = c.reshape(B, levels, cs)
        overlap = fm * im
        c3 = overlap * (sig(f) * cl + sig(i) * np.tanh(ci)) + (fm - overlap) * cl + (im - overlap) * np.tanh(ci)
        h = (sig(o) * np.tanh(c3)).reshape(B, units)
        c = c3.reshape(B, units)
        outs.append(h)
    return np.stack(outs)


@given(layer_inputs())
def test_round_trips_are_exact(inputs):
    _, p, _, _ = inputs
    for to, back in ((to_authors_layout, from_authors_layout), (to_keras_layout, from_keras_layout)):
        q = back(to(p))
        for a, b in ((q.W, p.W), (q.U, p.U), (q.b, p.b)):
            np.testing.assert_array_equal(a, b)


def test_weights_in_the_authors_layout_compute_the_same():
    rng = np.random.default_rng(30)
    I, L, cs, T, B = 3, 3, 2, 4, 2
    H, G = L * cs, 4 * L * cs + 2 * L
    state = {"cells.0.ih.0.weight": rng.standard_normal((G, I)), "cells.0.ih.0.bias": rng.standard_normal(G),
             "cells.0.hh.weight": rng.standard_normal((G, H)), "cells.0.hh.bias": rng.standard_normal(G)}
    x = rng.standard_normal((T, B, I))
    ours = onlstm_layer_forward(x, from_authors_layout(state), master_input="paper")[0][0]
    np.testing.assert_allclose(ours, authors_order_layer(x, state, L, cs), rtol=1e-12, atol=1e-13)
    # and back: the converted-back weights (bias moved to ih) compute the same again
    again = to_authors_layout(from_authors_layout(state))
    np.testing.assert_allclose(authors_order_layer(x, again, L, cs), ours, rtol=1e-12, atol=1e-13)


def test_weights_in_the_keras_layout_compute_the_same():
    rng = np.random.default_rng(31)
    I, L, cs, T, B = 4, 2, 3, 3, 2
    H, G = L * cs, 4 * L * cs + 2 * L
    state = {"kernel": rng.standard_normal((I, G)), "recurrent_kernel": rng.standard_normal((H, G)),
             "bias": rng.standard_normal(G)}
    x = rng.standard_normal((T, B, I))
    ours = onlstm_layer_forward(x, from_keras_layout(state), master_input="article")[0][0]
    np.testing.assert_allclose(ours, keras_order_layer(x, state, L), rtol=1e-12, atol=1e-13)


def test_layouts_through_npz_files(tmp_path):
    p = ONLSTMParams.init(3, 4, 2, np.random.default_rng(0))
    path = tmp_path / "authors.npz"
    save_npz(path, to_authors_layout(p, layer=1))
    q = from_authors_layout(load_npz(path), layer=1)
    np.testing.assert_array_equal(q.U, p.U)
    assert sorted(os.listdir(tmp_path)) == ["authors.npz"]            # no temporary file left behind
    path.write_bytes(path.read_bytes()[:50])                           # truncate it
    with pytest.raises(ValueError, match="not a readable .npz file"):
        load_npz(path)
    with pytest.raises(ValueError, match="no such file"):
        load_npz(tmp_path / "missing.npz")
    with pytest.raises(TypeError, match=r"arrays\['s'\]: expected a numeric array"):
        save_npz(tmp_path / "bad.npz", {"s": np.array(["text"])})
    assert not (tmp_path / "bad.npz").exists()


def test_bad_layout_inputs():
    p = ONLSTMParams.init(3, 4, 2, np.random.default_rng(0))
    state = to_authors_layout(p)
    with pytest.raises(ValueError, match=r"state: missing key 'cells.1.ih.0.weight'"):
        from_authors_layout(state, layer=1)
    with pytest.raises(ValueError, match=r"state\['cells.0.hh.weight'\]: 21 gate columns do not fit"):
        from_authors_layout({**state, "cells.0.ih.0.weight": np.zeros((21, 3)), "cells.0.hh.weight": np.zeros((21, 4))})
    with pytest.raises(ValueError, match=r"state: missing key 'recurrent_kernel'"):
        from_keras_layout({"kernel": np.zeros((3, 20)), "bias": np.zeros(20)})


def test_independent_torch_implementation_agrees_when_installed():
    torch = pytest.importorskip("torch")
    from reference.bench.onlstm import torch_onlstm_layer

    rng = np.random.default_rng(32)
    p = ONLSTMParams.init(3, 6, 2, rng)
    x = rng.standard_normal((4, 2, 3))
    (hs, _, _), cache = onlstm_layer_forward(x, p)
    W, U, b = (torch.from_numpy(a.copy()).requires_grad_(True) for a in (p.W, p.U, p.b))
    xt = torch.from_numpy(x).requires_grad_(True)
    out = torch_onlstm_layer(torch, xt, W, U, b, 6, 3)
    np.testing.assert_allclose(hs, out.detach().numpy(), rtol=1e-12, atol=1e-13)
    g = rng.standard_normal(hs.shape)
    out.backward(torch.from_numpy(g))
    dx, dp, _, _ = onlstm_layer_backward((g, None, None), cache)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dp.U, U.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dp.b, b.grad.numpy(), rtol=1e-10, atol=1e-12)
