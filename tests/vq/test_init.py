"""k-means++ and k-means codebook initialisation: Lloyd's iterations equal scikit-learn's from
the same start, D^2 sampling has the right law, the EMA statistics agree with the codebook, and
the vector-quantize-pytorch #66 state (sums at the centroids, counts not) collapses while this
initialisation does not."""
import numpy as np
import pytest

from reference.vq.ema import ema_update
from reference.vq.init import kmeans, kmeans_codebook, kmeans_plus_plus
from reference.vq.quantise import quantise


def _blobs(rng, n_per=(300, 100, 50, 200), dim=3, spread=8.0):
    centres = spread * rng.standard_normal((len(n_per), dim))
    return np.concatenate([c + rng.standard_normal((n, dim)) for c, n in zip(centres, n_per)])


def test_lloyd_iterations_equal_scikit_learn_from_the_same_start():
    KMeans = pytest.importorskip("sklearn.cluster").KMeans
    rng = np.random.default_rng(0)
    x = _blobs(rng)
    start = kmeans_plus_plus(x, 6, np.random.default_rng(1))
    ours, sizes, history = kmeans(x, 6, np.random.default_rng(1), n_iter=50)
    ref = KMeans(6, init=start, n_init=1, max_iter=50, tol=0, algorithm="lloyd").fit(x)
    order = np.lexsort(ours.T[::-1]), np.lexsort(ref.cluster_centers_.T[::-1])
    np.testing.assert_allclose(ours[order[0]], ref.cluster_centers_[order[1]], rtol=1e-10, atol=1e-10)
    assert history[-1] == pytest.approx(ref.inertia_, rel=1e-10)
    assert sizes.sum() == len(x) and all(a >= b - 1e-9 for a, b in zip(history, history[1:]))


def test_d2_sampling_picks_the_second_centre_in_proportion_to_squared_distance():
    x = np.array([[0.0], [1.0], [3.0], [6.0]])
    counts = np.zeros(4)
    for seed in range(20000):
        C = kmeans_plus_plus(x, 2, np.random.default_rng(seed))
        if C[0, 0] == 0.0:                     # given the first centre at 0: D^2 = 0, 1, 9, 36
            counts[int(np.flatnonzero(x[:, 0] == C[1, 0])[0])] += 1
    p = np.array([0.0, 1.0, 9.0, 36.0]) / 46.0
    n = counts.sum()
    assert counts[0] == 0 and np.all(np.abs(counts / n - p) < 4 * np.sqrt(p * (1 - p) / n) + 1e-12)


def test_every_cluster_gets_a_centre_and_too_few_distinct_rows_are_refused():
    rng = np.random.default_rng(2)
    x = _blobs(rng, spread=50.0)
    C = kmeans_plus_plus(x, 4, rng)
    assert len(set(quantise(C, kmeans(x, 4, rng)[0]).indices.tolist())) == 4
    with pytest.raises(ValueError, match="only 2 distinct rows, fewer than K=3"):
        kmeans_plus_plus(np.array([[1.0], [1.0], [2.0]]), 3, rng)
    with pytest.raises(ValueError, match="at most 3"):
        kmeans(np.zeros((3, 1)), 4, rng, init="random")


def test_the_ema_statistics_agree_with_the_codebook():
    rng = np.random.default_rng(3)
    x = _blobs(rng)
    E, state = kmeans_codebook(x, 5, rng, convention="ones")
    np.testing.assert_allclose(state.sums / state.counts[:, None], E, rtol=1e-14)
    E0, s0 = kmeans_codebook(x, 5, np.random.default_rng(4), convention="bias_corrected")
    assert s0.steps == 0 and not s0.counts.any() and not s0.sums.any()


def _usage_after(E, state, x, steps, decay=0.8):
    for _ in range(steps):
        idx = quantise(x, E).indices
        E, state = ema_update(E, state, x, idx, decay=decay)
    return len(np.unique(quantise(x, E).indices))


def test_the_sums_at_the_centroids_bug_collapses_the_codes_and_this_init_does_not():
    rng = np.random.default_rng(5)
    x = _blobs(rng, n_per=(200,) * 8, dim=4, spread=6.0) + 20.0          # data away from the origin
    E, state = kmeans_codebook(x, 8, rng, convention="ones")
    assert _usage_after(E, state, x, 2) == 8
    buggy = type(state)(state.counts, E.copy(), 0, "ones")               # #66: sums = centroids, counts = sizes
    assert _usage_after(E, buggy, x, 2) <= 2
