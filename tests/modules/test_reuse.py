"""Parameters, reuse and deduplication: one layer called K times is one parameter set whose
gradient is the sum over its uses (checked against untied copies, central differences and
PyTorch autograd); separate layers are independent; a model used as a layer shares its
parameters; optimisers step each parameter once."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference.modules import (Dense, Embedding, Model, Input, ParameterOptimizer, Sequential, TwoDense,
                               VectorQuantizer)
from reference.optim import SGD, Adam

from .helpers import param_numerical_grads


def _run_and_grads(module, x, cot):
    module.zero_grad()
    y, vjp = module.forward(x)
    vjp(cot)
    return y, [p.grad.copy() for p in module.parameters()]


@settings(max_examples=15)
@given(K=st.integers(1, 4), n=st.integers(1, 4), B=st.integers(1, 3), seed=st.integers(0, 2**31))
def test_one_dense_called_k_times_sums_the_gradients_of_k_untied_copies(K, n, B, seed):
    rng = np.random.default_rng(seed)
    layer = Dense(n, n, activation="tanh", rng=rng)
    layer.b.value = rng.standard_normal(n)                  # a non-zero bias
    shared = Sequential(*[layer] * K)
    copies = []
    for _ in range(K):                                      # K separately built layers, same values
        c = Dense(n, n, activation="tanh", rng=rng)
        c.W.value, c.b.value = layer.W.value.copy(), layer.b.value.copy()
        copies.append(c)
    untied = Sequential(*copies)
    x, cot = rng.standard_normal((B, n)), rng.standard_normal((B, n))
    y, (dW, db) = _run_and_grads(shared, x, cot)
    y2, grads = _run_and_grads(untied, x, cot)
    # the forward, written out
    h = x
    for _ in range(K):
        h = np.tanh(h @ layer.W.value + layer.b.value)
    np.testing.assert_allclose(y, h, rtol=1e-14, atol=1e-15)
    np.testing.assert_array_equal(y, y2)
    assert len(shared.parameters()) == 2 and len(untied.parameters()) == 2 * K
    np.testing.assert_allclose(dW, sum(grads[0::2]), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(db, sum(grads[1::2]), rtol=1e-13, atol=1e-15)
    num = param_numerical_grads(shared, lambda: shared(x), cot)
    np.testing.assert_allclose(dW, num[0], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(db, num[1], rtol=1e-6, atol=1e-8)


def test_reuse_against_pytorch_autograd():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    layer = Dense(4, 4, activation="tanh", rng=rng)
    layer.b.value = rng.standard_normal(4)
    x, cot = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    _, (dW, db) = _run_and_grads(Sequential(layer, layer, layer), x, cot)
    lin = torch.nn.Linear(4, 4).double()
    with torch.no_grad():
        lin.weight.copy_(torch.from_numpy(layer.W.value.T))
        lin.bias.copy_(torch.from_numpy(layer.b.value))
    h = torch.from_numpy(x)
    for _ in range(3):
        h = torch.tanh(lin(h))
    h.backward(torch.from_numpy(cot))
    np.testing.assert_allclose(dW, lin.weight.grad.numpy().T, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(db, lin.bias.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_separately_built_layers_are_independent():
    rng = np.random.default_rng(0)
    a, b = Dense(3, 3, rng=rng), Dense(3, 3, rng=rng)
    assert not {id(p) for p in a.parameters()} & {id(p) for p in b.parameters()}
    x = rng.standard_normal((2, 3))
    before = b(x)
    a.W.value += 1.0
    np.testing.assert_array_equal(b(x), before)


def test_parameters_are_recursive_deduplicated_and_in_a_stable_order():
    rng = np.random.default_rng(0)
    inner = TwoDense(3, 4, 3, hidden_activation="tanh", rng=rng)
    outer = Sequential(inner, Dense(3, 3, rng=rng), inner)
    names = [n for n, _ in outer.named_parameters()]
    assert names == ["layers.0.h_dense.W", "layers.0.h_dense.b", "layers.0.o_dense.W", "layers.0.o_dense.b",
                     "layers.1.W", "layers.1.b"]
    assert len({id(p) for p in outer.parameters()}) == len(outer.parameters()) == 6
    assert outer.parameter_count() == (3 * 4 + 4 + 4 * 3 + 3) + (9 + 3)
    assert [n for n, _ in outer.named_parameters()] == names                      # the same every time


def test_a_model_used_as_a_layer_shares_its_parameters_and_gets_their_gradient():
    rng = np.random.default_rng(1)
    x_in = Input("x")
    encoder = Model(x_in, Dense(3, 3, activation="tanh", rng=rng)(x_in))
    z = Input("z")
    outer = Model(z, Dense(3, 2, rng=rng)(encoder(encoder(z))))                 # the encoder twice, nested
    assert all(any(p is q for q in outer.parameters()) for p in encoder.parameters())
    x, cot = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    outer.zero_grad()
    y, vjp = outer.forward(x)
    vjp(cot)
    num = param_numerical_grads(outer, lambda: outer(x), cot)
    for p, n in zip(outer.parameters(), num):
        np.testing.assert_allclose(p.grad, n, rtol=1e-6, atol=1e-8)
    before_inner, before_outer = encoder(x), outer(x)
    encoder.parameters()[0].value *= 0.5                                         # one object, two views
    assert not np.allclose(encoder(x), before_inner) and not np.allclose(outer(x), before_outer)


def test_the_layer_in_layer_example_is_its_two_dense_layers():
    rng = np.random.default_rng(2)
    layer = TwoDense(3, 5, 2, hidden_activation="tanh", rng=rng)
    x = rng.standard_normal((4, 3))
    h = np.tanh(x @ layer.h_dense.W.value + layer.h_dense.b.value)
    np.testing.assert_allclose(layer(x), h @ layer.o_dense.W.value + layer.o_dense.b.value, rtol=1e-14)
    assert layer.parameters() == layer.h_dense.parameters() + layer.o_dense.parameters()


def test_states_are_collected_once_and_updated_by_forward():
    rng = np.random.default_rng(0)
    vq = VectorQuantizer(4, 2, rng=rng)
    model = Sequential(vq, Dense(2, 2, rng=rng), vq)
    assert [n for n, _ in model.named_states()] == ["layers.0.codebook", "layers.0.counts", "layers.0.sums",
                                                    "layers.0.steps"]
    before = vq.codebook.value.copy()
    model(rng.standard_normal((6, 2)))
    assert int(vq.steps.value) == 2 and not np.array_equal(vq.codebook.value, before)
    assert all(s not in model.parameters() for s in model.states())


def test_an_optimiser_steps_a_shared_parameter_once_and_refuses_duplicates():
    rng = np.random.default_rng(0)
    layer = Dense(2, 2, rng=rng)
    model = Sequential(layer, layer)
    x = rng.standard_normal((3, 2))
    model.zero_grad()
    y, vjp = model.forward(x)
    vjp(np.ones_like(y))
    W0, g = layer.W.value.copy(), layer.W.grad.copy()
    opt = ParameterOptimizer(SGD(lr=0.1), model.parameters())
    opt.step()
    np.testing.assert_allclose(layer.W.value, W0 - 0.1 * g, rtol=1e-15)          # one update, not two
    with pytest.raises(ValueError, match=r"parameters\[2\]: Parameter\(dense.W.*already given at position 0"):
        ParameterOptimizer(Adam(), [layer.W, layer.b, layer.W])
    with pytest.raises(TypeError, match="a declared tie"):
        ParameterOptimizer(Adam(), [Embedding(3, 2, rng=rng).weight.T])
    opt.zero_grad()
    assert not layer.W.grad.any()
