"""Tied embedding/output weights, and the functional graph: Model, intermediate outputs, split."""
import numpy as np
import pytest

from reference.modules import Add, Dense, Embedding, EmbeddingDense, Input, Model, Sequential, split
from reference.modules.parameter import Parameter

from .helpers import param_numerical_grads


def _tied(rng, V=7, D=3):
    emb = Embedding(V, D, rng=rng)
    out = EmbeddingDense(emb, activation=None)
    out.b.value = rng.standard_normal(V)
    return emb, out, Sequential(emb, Dense(D, D, activation="tanh", rng=rng), out)


def test_the_tied_output_reads_e_transposed_with_its_own_bias():
    rng = np.random.default_rng(0)
    emb, out, model = _tied(rng)
    assert out.W.base is emb.weight and out.b is not None and out.b.shape == (7,)
    ids = np.array([[1, 4, 4], [0, 6, 1]])
    onehot = np.eye(7)[ids]
    np.testing.assert_array_equal(emb(ids), onehot @ emb.weight.value)          # lookup == one-hot product
    h = rng.standard_normal((2, 3))
    np.testing.assert_allclose(out(h), h @ emb.weight.value.T + out.b.value, rtol=1e-15)
    assert len(model.parameters()) == 4                                         # E, dense W and b, output b
    softmax = EmbeddingDense(emb)                                               # the article's default
    p = softmax(h)
    np.testing.assert_allclose(p.sum(-1), 1.0, rtol=1e-15)


def test_the_tied_gradient_is_the_sum_of_both_uses_with_duplicate_ids():
    rng = np.random.default_rng(1)
    emb, out, model = _tied(rng)
    ids = np.array([[3, 3, 5], [3, 0, 5]])                                      # repeated ids
    cot = rng.standard_normal((2, 3, 7))
    model.zero_grad()
    y, vjp = model.forward(ids)
    vjp(cot)
    dE = emb.weight.grad.copy()
    # untied: the same values in two separate parameters, their gradients summed
    untied_out = Dense(kernel=Parameter(emb.weight.value.T.copy()))
    untied_out.b.value = out.b.value.copy()
    untied = Sequential(Embedding(7, 3, rng=rng), model.layers[1], untied_out)
    untied.layers[0].weight.value = emb.weight.value.copy()
    untied.zero_grad()
    y2, vjp2 = untied.forward(ids)
    vjp2(cot)
    np.testing.assert_array_equal(y, y2)
    np.testing.assert_allclose(dE, untied.layers[0].weight.grad + untied_out.W.grad.T, rtol=1e-12, atol=1e-15)
    num = param_numerical_grads(model, lambda: model(ids), cot)
    np.testing.assert_allclose(dE, num[0], rtol=1e-6, atol=1e-8)        # repeated ids included


def test_the_tied_gradient_against_pytorch_autograd():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    emb, out, model = _tied(rng)
    ids = np.array([2, 2, 6, 1])
    cot = rng.standard_normal((4, 7))
    model.zero_grad()
    y, vjp = model.forward(ids)
    vjp(cot)
    E = torch.tensor(emb.weight.value, requires_grad=True)
    dense = model.layers[1]
    W, b = torch.tensor(dense.W.value), torch.tensor(dense.b.value)
    logits = torch.tanh(torch.nn.functional.embedding(torch.from_numpy(ids), E) @ W + b) @ E.T \
        + torch.tensor(out.b.value)
    logits.backward(torch.from_numpy(cot))
    np.testing.assert_allclose(y, logits.detach().numpy(), rtol=1e-13)
    np.testing.assert_allclose(emb.weight.grad, E.grad.numpy(), rtol=1e-12, atol=1e-14)


def _residual(rng, n=3):
    """x -> a = tanh(D1 x) -> m = tanh(D2 a) -> r = m + a -> y = D3 r: a residual block, cut mid-block."""
    x = Input("x")
    a = Dense(n, n, activation="tanh", rng=rng, name="d1")(x)
    m = Dense(n, n, activation="tanh", rng=rng, name="d2")(a)
    r = Add()(m, a)
    y = Dense(n, 2, rng=rng, name="d3")(r)
    return x, a, m, r, y, Model(x, y)


def test_a_residual_model_cut_mid_block_is_its_head_then_its_tail_exactly():
    rng = np.random.default_rng(3)
    x, a, m, r, y, model = _residual(rng)
    head = Model(x, [m, a])                                     # intermediate outputs, weights shared
    tail = split(model, [m, a])                                 # two starts: the skip crosses the cut
    xs = rng.standard_normal((5, 3))
    np.testing.assert_array_equal(model(xs), tail(*head(xs)))   # bitwise
    assert {id(p) for p in tail.parameters()} <= {id(p) for p in model.parameters()}
    assert tail.parameter_count() == 3 * 2 + 2                  # only d3 (Add has none) is reached
    assert split(model, [r]).parameter_count() == 3 * 2 + 2
    assert split(model, [a]).parameter_count() == (9 + 3) + (3 * 2 + 2)
    # the tail's gradients equal the full model's for the tail's parameters
    cot = rng.standard_normal((5, 2))
    model.zero_grad()
    _, vjp = model.forward(xs)
    vjp(cot)
    full = {id(p): p.grad.copy() for p in model.parameters()}
    model.zero_grad()
    _, vjp_tail = tail.forward(*head(xs))
    dm, da = vjp_tail(cot)
    for p in tail.parameters():
        np.testing.assert_allclose(p.grad, full[id(p)], rtol=1e-14, atol=1e-16)
    # and the cotangents at the cut, pulled through the head, give the full model's gradient of d1, d2
    model.zero_grad()
    _, vjp_head = head.forward(xs)
    vjp_head([dm, da])
    for p in head.parameters():
        np.testing.assert_allclose(p.grad, full[id(p)], rtol=1e-13, atol=1e-16)


def test_a_cut_that_misses_a_skip_path_raises_naming_the_tensor():
    rng = np.random.default_rng(4)
    x, a, m, r, y, model = _residual(rng)
    with pytest.raises(ValueError, match=rf"outputs: {y.name!r} depends on 'x', which the inputs \({m.name!r}\) "
                                         "do not cover"):
        split(model, [m])
    with pytest.raises(ValueError, match="is not a tensor of this model"):
        split(model, [Input("elsewhere")])


def test_model_inputs_and_symbolic_calls_are_checked():
    rng = np.random.default_rng(5)
    x, a, m, r, y, model = _residual(rng)
    with pytest.raises(ValueError, match=r"expected 1 inputs \(x\), got 2"):
        model.forward(np.zeros((1, 3)), np.zeros((1, 3)))
    with pytest.raises(TypeError, match="symbolic tensors only"):
        Add()(a, np.zeros(3))
    with pytest.raises(TypeError, match="inputs: expected symbolic tensors"):
        Model([np.zeros(3)], y)
