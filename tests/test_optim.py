"""Optimisers against hand-written update rules; clipping; MSE."""
import numpy as np
import pytest

from reference.core.gradcheck import check_op
from reference.ops.mse import mse_backward, mse_forward
from reference.lstm import LSTMParams
from reference.optim import SGD, Adam, clip_by_global_norm


def test_adam_matches_the_update_rule_written_out():
    rng = np.random.default_rng(0)
    p0 = rng.standard_normal(5)
    grads = [rng.standard_normal(5) for _ in range(4)]
    opt = Adam(lr=0.01, beta1=0.8, beta2=0.95, eps=1e-6)
    p0_copy = p0.copy()
    params, state = {"w": p0}, opt.init({"w": p0})
    m = v = np.zeros(5)
    p = p0.copy()
    for t, g in enumerate(grads, start=1):
        params, state = opt.step(params, {"w": g}, state)
        m = 0.8 * m + 0.2 * g
        v = 0.95 * v + 0.05 * g * g
        p = p - 0.01 * (m / (1 - 0.8 ** t)) / (np.sqrt(v / (1 - 0.95 ** t)) + 1e-6)
        np.testing.assert_allclose(params["w"], p, rtol=1e-14)
    np.testing.assert_array_equal(p0, p0_copy)  # the step never modifies its inputs


def test_sgd_and_dataclass_params():
    p = LSTMParams(np.ones((2, 4)), np.ones((1, 4)), np.zeros(4))
    g = LSTMParams(np.full((2, 4), 2.0), np.zeros((1, 4)), np.ones(4))
    new, _ = SGD(lr=0.5).step(p, g)
    assert isinstance(new, LSTMParams)
    np.testing.assert_array_equal(new.W, 0.0)
    np.testing.assert_array_equal(new.b, -0.5)
    with pytest.raises(ValueError, match=r"grads\.U: expected shape \(1, 4\)"):
        SGD(lr=0.5).step(p, LSTMParams(g.W, np.zeros((4, 1)), g.b))


def test_clip_by_global_norm():
    grads = {"a": np.array([3.0]), "b": np.array([4.0])}
    clipped, norm = clip_by_global_norm(grads, 1.0)
    assert norm == 5.0
    np.testing.assert_allclose([clipped["a"][0], clipped["b"][0]], [0.6, 0.8])
    same, _ = clip_by_global_norm(grads, 10.0)
    np.testing.assert_array_equal(same["a"], grads["a"])
    with pytest.raises(ValueError, match="max_norm: expected a positive number"):
        clip_by_global_norm(grads, 0.0)


def test_mse_gradient_and_value():
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    check_op(mse_forward, mse_backward, (a, b), names=("pred", "target")).raise_if_failed()
    assert float(mse_forward(a, b)[0]) == pytest.approx(sum((x - y) ** 2 for x, y in zip(a.flat, b.flat)) / 12)
    with pytest.raises(ValueError, match=r"target: expected the shape of pred \(3, 4\), got \(4, 3\)"):
        mse_forward(a, b.T)
