"""EMA codebook: the first-step facts, both conventions against a loop oracle, the known
initialisation bug, update order, dead-code restart."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference.vq.assign import brute_force_codes
from reference.vq.ema import EMAState, ema_init, ema_update, restart_dead_codes, vq_ema_step
from reference.vq.quantise import quantise


def _batch(seed, N=60, K=5, D=3, unused=(3, 4)):
    """Codes 3 and 4 sit far away so they stay unused."""
    rng = np.random.default_rng(seed)
    E = rng.standard_normal((K, D))
    for k in unused:
        E[k] += 50.0
    z = rng.standard_normal((N, D))
    return z, E, brute_force_codes(z, E)


def loop_ema(E0, batches, decay, eps, convention):
    """The appendix-A.1 equations code by code, with explicit sums."""
    K, D = E0.shape
    N = np.zeros(K) if convention == "bias_corrected" else np.ones(K)
    m = np.zeros((K, D)) if convention == "bias_corrected" else E0.copy()
    E = E0.copy()
    for t, z in enumerate(batches, start=1):
        idx = brute_force_codes(z, E)
        for k in range(K):
            members = z[idx == k]
            N[k] = decay * N[k] + (1 - decay) * len(members)
            m[k] = decay * m[k] + (1 - decay) * members.sum(axis=0)
        Nh, mh = (N / (1 - decay ** t), m / (1 - decay ** t)) if convention == "bias_corrected" else (N, m)
        n = Nh.sum()
        smoothed = [(Nh[k] + eps) / (n + K * eps) * n for k in range(K)]
        E = np.array([mh[k] / smoothed[k] if smoothed[k] > 0 else np.zeros(D) for k in range(K)])  # 0/0 := 0
    return E


def test_bias_corrected_first_step_used_code_is_its_batch_mean_unused_is_zero():
    z, E, idx = _batch(0)
    new, state = ema_update(E, ema_init(E), z, idx, decay=0.99, eps=0.0)
    for k in range(3):
        np.testing.assert_allclose(new[k], z[idx == k].mean(axis=0), rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(new[3:], 0.0)
    assert state.steps == 1
    smoothed, _ = ema_update(E, ema_init(E), z, idx, decay=0.99, eps=1e-5)   # Laplace: within O(eps)
    np.testing.assert_allclose(smoothed[:3], new[:3], rtol=1e-4)


def test_ones_convention_keeps_unused_codes_near_their_initial_value():
    z, E, idx = _batch(1)
    new, _ = ema_update(E, ema_init(E, convention="ones"), z, idx, decay=0.8, eps=1e-5)
    np.testing.assert_allclose(new[3:], E[3:], rtol=0.2)    # kept (shrunk a little by the smoothing)
    assert (np.abs(new[3:]) <= np.abs(E[3:]) + 1e-12).all()


def test_the_mismatched_initialisation_blows_unused_codes_up():
    """Zero counts, sums at the initial codebook, no bias correction: unused e -> decay e / eps."""
    z, E, idx = _batch(2)
    broken = EMAState(np.zeros(5), E.copy(), 0, "ones")
    new, _ = ema_update(E, broken, z, idx, decay=0.99, eps=1e-5)
    ratio = np.linalg.norm(new[3:], axis=1) / np.linalg.norm(E[3:], axis=1)
    assert (ratio > 5e4).all() and (ratio < 2e5).all()


@given(st.integers(0, 10_000), st.sampled_from(["bias_corrected", "ones"]), st.floats(0.5, 0.999),
       st.sampled_from([0.0, 1e-5, 1e-2]))
def test_matches_the_loop_oracle_over_several_steps(seed, convention, decay, eps):
    rng = np.random.default_rng(seed)
    E0 = 2.0 * rng.standard_normal((4, 2))
    batches = [rng.standard_normal((12, 2)) * 2 for _ in range(3)]
    E, state = E0, ema_init(E0, convention=convention)
    for z in batches:
        E, state = ema_update(E, state, z, brute_force_codes(z, E), decay=decay, eps=eps)
    expected = loop_ema(E0, batches, decay, eps, convention)
    np.testing.assert_allclose(E, expected, rtol=1e-10, atol=1e-12)


def test_step_quantises_with_the_old_codebook_and_layouts_agree():
    z, E, idx = _batch(3)
    q, new, state = vq_ema_step(z, E, ema_init(E))
    np.testing.assert_array_equal(q.indices, idx)
    np.testing.assert_array_equal(q.z_q, E[idx])                 # not new[...]
    q2, new2, _ = vq_ema_step(z, E.T.copy(), ema_init(E.T.copy(), layout="DK"), layout="DK")
    np.testing.assert_allclose(new2, new.T, rtol=1e-14)


def test_dead_code_restart_is_seeded_and_only_touches_dead_codes():
    z, E, idx = _batch(4)
    _, state = ema_update(E, ema_init(E), z, idx)
    a = restart_dead_codes(E, state, z, np.random.default_rng(7), threshold=1e-3)
    b = restart_dead_codes(E, state, z, np.random.default_rng(7), threshold=1e-3)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[2], [3, 4])
    np.testing.assert_array_equal(a[0][:3], E[:3])
    for k in (3, 4):
        assert any(np.array_equal(a[0][k], row) for row in z)  # replaced by batch vectors
    after = quantise(z, a[0])
    assert after.usage > quantise(z, E).usage


@pytest.mark.parametrize("kwargs, message", [
    ({"decay": 1.0}, r"decay: expected a value in \[0.0, 1.0\)"),
    ({"eps": -1.0}, "eps: expected a finite value >= 0"),
])
def test_bad_ema_arguments(kwargs, message):
    z, E, idx = _batch(5)
    with pytest.raises(ValueError, match=message):
        ema_update(E, ema_init(E), z, idx, **kwargs)
    with pytest.raises(ValueError, match="convention: expected one of"):
        ema_init(E, convention="sonnet")
    with pytest.raises(ValueError, match=r"state: expected counts \(5,\)"):
        ema_update(E, EMAState(np.zeros(4), np.zeros((4, 3)), 0, "ones"), z, idx)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("N,K", [(0, 3), (1, 1), (50, 7), (2000, 40000)])
def test_code_sums_equal_np_add_at_bit_for_bit(dtype, N, K):
    """The sorted sparse-product path adds each code's rows in their original order, exactly
    as np.add.at does (an independent, sequential oracle); K > 32767 takes the int64 sort."""
    from reference.vq.ema import code_sums

    rng = np.random.default_rng(N + K)
    Z = (rng.standard_normal((N, 5)) * 10.0 ** rng.integers(-3, 4, (N, 1))).astype(dtype)
    idx = rng.integers(0, min(K, 37), N) if N else np.zeros(0, dtype=np.int64)
    expected = np.zeros((K, 5), dtype=dtype)
    np.add.at(expected, idx, Z)
    got = code_sums(Z, idx, np.bincount(idx, minlength=K))
    assert got.dtype == dtype and got.shape == (K, 5)
    np.testing.assert_array_equal(got, expected)
