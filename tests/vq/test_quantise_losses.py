"""Quantise outputs, straight-through (designed gradients), and the codebook/commitment losses."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference.core.gradcheck import check_vjp
from reference.vq.assign import brute_force_codes
from reference.vq.losses import vq_loss_backward, vq_loss_forward
from reference.vq.quantise import quantise, vq_st_backward, vq_st_forward
from reference.vq.straight_through import straight_through_backward, straight_through_forward


@st.composite
def separated(draw, layout="KD"):
    """z each clearly nearest to one code (so the assignment is stable under finite differences)."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    N, K, D = draw(st.integers(1, 6)), draw(st.integers(1, 5)), draw(st.integers(1, 4))
    E = 3.0 * rng.standard_normal((K, D))
    k = rng.integers(0, K, N)
    z = E[k] + 0.05 * rng.standard_normal((N, D))
    return z, (E if layout == "KD" else E.T.copy())


def test_quantise_outputs():
    rng = np.random.default_rng(0)
    E = rng.standard_normal((6, 3))
    z = rng.standard_normal((4, 5, 3))
    q = quantise(z, E, return_encodings=True, return_distances=True)
    idx = brute_force_codes(z, E)
    np.testing.assert_array_equal(q.indices, idx)
    np.testing.assert_array_equal(q.z_q, E[idx])
    counts = np.array([(idx == k).sum() for k in range(6)])
    np.testing.assert_array_equal(q.counts, counts)
    p = counts[counts > 0] / 20
    assert q.perplexity == pytest.approx(np.exp(-(p * np.log(p)).sum()), rel=1e-12)
    assert q.usage == (counts > 0).mean()
    np.testing.assert_array_equal(q.encodings.argmax(1), idx.reshape(-1))
    np.testing.assert_array_equal(q.encodings.sum(1), 1)
    direct = ((z.reshape(-1, 1, 3) - E[None]) ** 2).sum(-1)
    np.testing.assert_allclose(q.distances, direct, rtol=1e-12, atol=1e-12)
    one = quantise(np.zeros((5, 3)), E)
    assert one.perplexity == pytest.approx(1.0) and one.usage == pytest.approx(1 / 6)


@given(st.integers(0, 1000))
def test_straight_through_backward_is_exactly_the_identity(seed):
    rng = np.random.default_rng(seed)
    x, g = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    y, cache = straight_through_forward(x, lambda a: np.maximum(a, 0))
    np.testing.assert_array_equal(y, np.maximum(x, 0))          # the value is f(x) itself
    dx = straight_through_backward(g, cache)
    np.testing.assert_array_equal(dx, g)
    assert dx is not g


@given(separated(), st.sampled_from(["KD", "DK"]))
def test_vq_straight_through_value_and_gradient(zE, layout):
    z, E = zE
    E = E if layout == "KD" else E.T.copy()
    z_q, cache = vq_st_forward(z, E, layout=layout)
    rows = E if layout == "KD" else E.T
    np.testing.assert_array_equal(z_q, rows[brute_force_codes(z, rows)])
    g = np.random.default_rng(0).standard_normal(z.shape)
    dz, dE = vq_st_backward(g, cache)
    np.testing.assert_array_equal(dz, g)                          # identity to z, exactly
    assert dE.shape == E.shape and not dE.any()                   # nothing to the codebook


# --- losses -----------------------------------------------------------------------------------

def _surrogate(z0, E0, beta, gamma, **kw):
    """The loss with its stop-gradient operands frozen at (z0, E0)."""
    return lambda z, E, k: (vq_loss_forward(z0, E, k, beta=beta, gamma=0.0, **kw)[0]
                            + vq_loss_forward(z, E0, k, beta=0.0, gamma=gamma, **kw)[0])


@given(st.sampled_from(["KD", "DK"]).flatmap(lambda lay: st.tuples(st.just(lay), separated(lay))),
       st.sampled_from(["mean", "sum"]), st.floats(0.1, 2.0), st.floats(0.0, 1.0))
def test_loss_gradients_are_the_stop_gradient_gradients(layout_zE, reduction, beta, gamma):
    layout, (z, E) = layout_zE
    kw = dict(reduction=reduction, layout=layout)
    rows = E if layout == "KD" else E.T
    idx = brute_force_codes(z, rows)
    vjp = lambda g, z, E, k: vq_loss_backward(g, vq_loss_forward(z, E, k, beta=beta, gamma=gamma, **kw)[1])
    check_vjp(_surrogate(z, E, beta, gamma, **kw), vjp, (z, E, idx), names=("z", "E", "k")).raise_if_failed()


@given(separated())
def test_the_articles_split_identity(zE):
    """grad ||z - z_q||^2 = grad ||sg[z] - z_q||^2 + grad ||z - sg[z_q]||^2 (beta = gamma = 1)."""
    z, E = zE
    idx = brute_force_codes(z, E)
    plain = lambda z, E, k: vq_loss_forward(z, E, k, beta=1.0, gamma=0.0, reduction="sum")[0]  # ||z - E[k]||^2
    vjp = lambda g, z, E, k: vq_loss_backward(g, vq_loss_forward(z, E, k, beta=1.0, gamma=1.0, reduction="sum")[1])
    check_vjp(plain, vjp, (z, E, idx), names=("z", "E", "k")).raise_if_failed()


def test_each_weight_reaches_only_its_own_side():
    """Guards against known bugs: a codebook that gets no gradient (losses computed after the
    straight-through rewrite) and the commitment weight applied to the wrong term."""
    rng = np.random.default_rng(5)
    E = rng.standard_normal((4, 3))
    z = rng.standard_normal((6, 3))
    idx = brute_force_codes(z, E)
    grads = lambda b, g: vq_loss_backward(np.array(1.0), vq_loss_forward(z, E, idx, beta=b, gamma=g,
                                                                         reduction="sum")[1])
    dz1, dE1, _ = grads(1.0, 0.25)
    dz2, dE2, _ = grads(3.0, 0.25)
    dz3, dE3, _ = grads(1.0, 0.5)
    np.testing.assert_array_equal(dz1, dz2)                       # beta does not touch the encoder
    np.testing.assert_array_equal(dE1, dE3)                       # gamma does not touch the codebook
    expected_dE = np.zeros_like(E)
    for n, k in enumerate(idx):
        expected_dE[k] += 2 * 1.0 * (E[k] - z[n])
    np.testing.assert_allclose(dE1, expected_dE, rtol=1e-13)
    assert np.abs(dE1).sum() > 0
    np.testing.assert_allclose(dz1, 2 * 0.25 * (z - E[idx]), rtol=1e-13)


def test_mean_is_sum_over_n_times_d():
    rng = np.random.default_rng(6)
    E, z = rng.standard_normal((4, 3)), rng.standard_normal((2, 5, 3))
    idx = brute_force_codes(z, E)
    s = vq_loss_forward(z, E, idx, reduction="sum")[0]
    m = vq_loss_forward(z, E, idx, reduction="mean")[0]
    assert float(s) == pytest.approx(30 * float(m), rel=1e-13)
    assert float(s) == pytest.approx(1.25 * ((z - E[idx]) ** 2).sum(), rel=1e-13)


@pytest.mark.parametrize("kwargs, indices, error, message", [
    ({"reduction": "avg"}, np.array([0, 1]), ValueError, "reduction: expected one of"),
    ({"beta": -1.0}, np.array([0, 1]), ValueError, "beta: expected a finite non-negative weight"),
    ({}, np.array([0, 4]), ValueError, r"indices: expected values in \[0, 3\]"),
    ({}, np.array([0.0, 1.0]), TypeError, "indices: expected integer code indices"),
    ({}, np.array([0, 1, 2]), ValueError, r"indices: expected shape \(2,\)"),
])
def test_bad_loss_arguments(kwargs, indices, error, message):
    with pytest.raises(error, match=message):
        vq_loss_forward(np.zeros((2, 3)), np.zeros((4, 3)), indices, **kwargs)
