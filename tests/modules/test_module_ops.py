"""The module-level ops declared for check/golden/live, against forwards written out in NumPy
and VJPs from PyTorch autograd (an implementation nobody here wrote)."""
import numpy as np
import pytest

from reference.core.registry import registered_ops
from reference.modules import cases as m

OPS = {op.name: op for op in registered_ops()}
FWD = {"dense_reuse": m.dense_reuse_forward, "tied_embedding_dense": m.tied_embedding_dense_forward,
       "residual_mlp": m.residual_mlp_forward}
BWD = {"dense_reuse": m.dense_reuse_backward, "tied_embedding_dense": m.tied_embedding_dense_backward,
       "residual_mlp": m.residual_mlp_backward}


def _case(name, **sizes):
    inputs, attrs = OPS[name].make(np.random.default_rng(7), **sizes)
    return inputs, attrs


def test_forwards_written_out():
    (x, p), attrs = _case("dense_reuse", B=3, n=4, K=3)
    y = x
    for _ in range(3):
        y = np.tanh(y @ p.W + p.b)
    np.testing.assert_allclose(FWD["dense_reuse"](x, p, **attrs)[0], y, rtol=1e-14)
    (ids, E, b), _ = _case("tied_embedding_dense", V=5, D=3, shape=(2, 3))
    np.testing.assert_allclose(FWD["tied_embedding_dense"](ids, E, b)[0], E[ids] @ E.T + b, rtol=1e-14)
    (x, q), _ = _case("residual_mlp", B=3, n=4, o=2)
    a = np.tanh(x @ q.W1 + q.b1)
    want = (np.tanh(a @ q.W2 + q.b2) + a) @ q.W3 + q.b3
    np.testing.assert_allclose(FWD["residual_mlp"](x, q)[0], want, rtol=1e-14)


def test_vjps_against_pytorch_autograd():
    torch = pytest.importorskip("torch")
    t = lambda a: torch.tensor(a, requires_grad=True)
    rng = np.random.default_rng(8)

    (x, p), attrs = _case("dense_reuse", B=2, n=3, K=4)
    y, cache = FWD["dense_reuse"](x, p, **attrs)
    cot = rng.standard_normal(y.shape)
    dx, dp = BWD["dense_reuse"](cot, cache)
    tx, tW, tb = t(x), t(p.W), t(p.b)
    h = tx
    for _ in range(4):
        h = torch.tanh(h @ tW + tb)
    h.backward(torch.from_numpy(cot))
    for ours, theirs in ((dx, tx), (dp.W, tW), (dp.b, tb)):
        np.testing.assert_allclose(ours, theirs.grad.numpy(), rtol=1e-12, atol=1e-14)

    (ids, E, b), _ = _case("tied_embedding_dense", V=4, D=3, shape=(3, 2))
    y, cache = FWD["tied_embedding_dense"](ids, E, b)
    cot = rng.standard_normal(y.shape)
    _, dE, db = BWD["tied_embedding_dense"](cot, cache)
    tE, tb = t(E), t(b)
    (torch.nn.functional.embedding(torch.from_numpy(ids), tE) @ tE.T + tb).backward(torch.from_numpy(cot))
    np.testing.assert_allclose(dE, tE.grad.numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(db, tb.grad.numpy(), rtol=1e-12, atol=1e-14)

    (x, q), _ = _case("residual_mlp", B=2, n=3, o=2)
    y, cache = FWD["residual_mlp"](x, q)
    cot = rng.standard_normal(y.shape)
    dx, dq = BWD["residual_mlp"](cot, cache)
    tx = t(x)
    tq = {k: t(getattr(q, k)) for k in ("W1", "b1", "W2", "b2", "W3", "b3")}
    a = torch.tanh(tx @ tq["W1"] + tq["b1"])
    ((torch.tanh(a @ tq["W2"] + tq["b2"]) + a) @ tq["W3"] + tq["b3"]).backward(torch.from_numpy(cot))
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-12, atol=1e-14)
    for k, v in tq.items():
        np.testing.assert_allclose(getattr(dq, k), v.grad.numpy(), rtol=1e-12, atol=1e-14)
