"""Vector quantisation as the articles write it: the spec forms.

kexue.fm/archives/6760 (VQ-VAE) and its successors, in plain NumPy, one line per equation::

    k_n     = argmin_k ||z_n - e_k||^2                    (every distance, ties to the lowest k)
    z_q     = z + sg[e_k - z]                              (value e_k, gradient identity to z)
    L_vq    = beta ||sg[z] - z_q||^2 + gamma ||z - sg[z_q]||^2        (mean over N D, or sum)
    rotation trick (Fifty et al. 2024):  z~ = sg[lambda R] z, R e = q, lambda = ||z_q|| / ||z||
    residual VQ:  r_0 = z,  q_l = e(l, argmin ||r_l - e||),  r_{l+1} = r_l - q_l,  z_q = sum_l q_l
    orthogonal regulariser:  ||U U^T||_F^2 / (h n^2) - 1/n,  U the unit active codes
    cosine codebook:  u = z / ||z||,  k = argmax_k u . e_k / ||e_k||,  z_q = e_k / ||e_k||

The kernels (:mod:`.assign`'s chunked, exactly re-checked search; :mod:`.losses`;
:mod:`.rotation`'s three dot products; :mod:`.residual`; :mod:`.codebook`) compute the same
values; here every distance matrix, one-hot matrix and rotation matrix is formed explicitly.
Spec forms do not validate their arguments.
"""
from __future__ import annotations

import numpy as np

NORM_EPS = 1e-12     # F.normalize's floor: a / max(||a||, eps)


def _rows(codebook, layout):
    """The codes as rows (K, D), whatever the declared layout."""
    return codebook if layout == "KD" else codebook.T


def _argmin_codes(z, E):
    """k_n = argmin_k ||z_n - e_k||^2 from the full (N, K) distance matrix."""
    d = ((z[..., None, :] - E) ** 2).sum(axis=-1)
    return np.argmin(d, axis=-1)


def vq_st(z, codebook, *, layout="KD"):
    """(z_q = e_k, cache): the nearest code, straight-through."""
    E = _rows(codebook, layout)
    return E[_argmin_codes(z, E)], (codebook.shape, z.dtype)


def vq_st_backward(dz_q, cache):
    """(dz = dz_q, zeros for the codebook)."""
    shape, dtype = cache
    return dz_q, np.zeros(shape, dtype=dtype)


def _onehot(indices, K, dtype):
    return np.eye(K, dtype=dtype)[indices]


def vq_loss(z, codebook, indices, *, beta=1.0, gamma=0.25, reduction="mean", layout="KD"):
    """(beta ||sg[z] - z_q||^2 + gamma ||z - sg[z_q]||^2, cache), z_q = onehot(indices) E."""
    E = _rows(codebook, layout)
    Z = z.reshape(-1, z.shape[-1])
    P = _onehot(np.asarray(indices).reshape(-1), E.shape[0], z.dtype)       # (N, K)
    z_q = P @ E
    scale = 1.0 / Z.size if reduction == "mean" and Z.size else 1.0
    loss = beta * scale * ((Z - z_q) ** 2).sum() + gamma * scale * ((Z - z_q) ** 2).sum()
    return np.asarray(loss, dtype=z.dtype), (z.shape, layout, Z, z_q, P, beta, gamma, scale)


def vq_loss_backward(dloss, cache):
    """(dz = 2 gamma (z - z_q) s, dE = P^T 2 beta (z_q - z) s, None): s the reduction's scale."""
    shape, layout, Z, z_q, P, beta, gamma, scale = cache
    dz = 2 * gamma * scale * dloss * (Z - z_q)
    dE = P.T @ (2 * beta * scale * dloss * (z_q - Z))
    return dz.reshape(shape), (dE if layout == "KD" else dE.T), None


def rotation_trick(z, z_q):
    """(z_q, cache): the value, with lambda R formed per row for the gradient."""
    return z_q.copy(), (z, z_q)


def rotation_trick_backward(dy, cache):
    """(dz = (lambda R)^T dy per row, zeros for z_q). Where z_q = 0 (lambda = 0) the gradient is 0;
    where z = 0 or z_q points exactly away from z (R undefined) it is dy (straight-through)."""
    z, z_q = cache
    Z, Q, G = (a.reshape(-1, a.shape[-1]) for a in (z, z_q, dy))
    dz = np.empty_like(G)
    tiny = np.sqrt(np.finfo(z.dtype).eps)
    for n in range(Z.shape[0]):
        nz, nq = np.linalg.norm(Z[n]), np.linalg.norm(Q[n])
        if nz > 0 and nq == 0:
            dz[n] = 0
            continue
        e = Z[n] / nz if nz > 0 else Z[n]
        q = Q[n] / nq if nq > 0 else Q[n]
        if nz == 0 or np.linalg.norm(e + q) <= tiny:
            dz[n] = G[n]
            continue
        r = (e + q) / np.linalg.norm(e + q)
        R = np.eye(Z.shape[1]) - 2 * np.outer(r, r) + 2 * np.outer(q, e)        # R e = q
        dz[n] = (nq / nz) * (R.T @ G[n])
    return dz.reshape(dy.shape), np.zeros_like(dy)


def _level_books(codebooks, levels):
    return codebooks if codebooks.ndim == 3 else np.stack([codebooks] * levels)


def rvq_st(z, codebooks, *, levels=None, gradient="total"):
    """(sum_l q_l, cache): each level quantises the residual the previous ones left."""
    C = _level_books(codebooks, levels)
    r, out = z, np.zeros_like(z)
    for E in C:
        q = E[_argmin_codes(r, E)]
        out = out + q
        r = r - q
    return out, (codebooks.shape, len(C), gradient)


def rvq_st_backward(dz_q, cache):
    """(dz, zeros): dz_q in the "total" chain (z_q = z + sg[sum q - z]); L dz_q "per_level"
    (each level's straight-through output z + sg[q_l - z] summed)."""
    shape, L, gradient = cache
    return (dz_q if gradient == "total" else L * dz_q), np.zeros(shape, dtype=dz_q.dtype)


def rvq_loss(z, codebooks, indices, *, levels=None, beta=1.0, gamma=0.25, reduction="mean", gradient="total",
             level_losses=False):
    """(the levels' VQ losses on r_l = z - sum_{j<l} e_j, summed or per level; cache)."""
    C = _level_books(codebooks, levels)
    r, losses, caches = z, [], []
    for E, k in zip(C, np.asarray(indices)):
        loss, c = vq_loss(r, E, k, beta=beta, gamma=gamma, reduction=reduction)
        losses.append(loss)
        caches.append(c)
        r = r - E[k]
    out = np.asarray(losses, dtype=z.dtype) if level_losses else np.asarray(sum(losses), dtype=z.dtype)
    return out, (caches, codebooks.shape, codebooks.ndim == 2, gradient, level_losses)


def rvq_loss_backward(dloss, cache):
    """(dz, dcodebooks, None). r_l's gradient to z is the identity for every level ("per_level":
    the codes subtracted are constants) or for level 0 only ("total": r_l = z - sg[...] - ... is
    built from straight-through outputs, so r_l for l >= 1 carries none)."""
    caches, shape, shared, gradient, level_losses = cache
    dz, dEs = 0, []
    for level, c in enumerate(caches):
        d, dE, _ = vq_loss_backward(dloss[level] if level_losses else dloss, c)
        if gradient == "per_level" or level == 0:
            dz = dz + d
        dEs.append(dE)
    dE = np.sum(dEs, axis=0) if shared else np.stack(dEs)
    return dz, dE.reshape(shape), None


def _normalise(a):
    """(a / max(||a||, eps), the norms) along the last axis."""
    n = np.linalg.norm(a, axis=-1, keepdims=True)
    return a / np.maximum(n, NORM_EPS), n


def _normalise_backward(g, a, n):
    """The gradient through a / max(||a||, eps): (g - u (u . g)) / ||a|| above eps, g / eps below."""
    u = a / np.maximum(n, NORM_EPS)
    return np.where(n > NORM_EPS, (g - u * (u * g).sum(axis=-1, keepdims=True)) / np.maximum(n, NORM_EPS),
                    g / NORM_EPS)


def orthogonal_loss(codebook, *, indices=None):
    """(sum_heads ||U U^T||_F^2 / (h n^2) - 1/n over the active codes, cache)."""
    E = codebook if codebook.ndim == 3 else codebook[None]
    active = np.arange(E.shape[1]) if indices is None else np.unique(np.asarray(indices))
    A = E[:, active]
    U, n = _normalise(A)
    S = U @ np.swapaxes(U, 1, 2)
    h, k = A.shape[:2]
    return np.asarray((S ** 2).sum() / (h * k * k) - 1.0 / k, dtype=codebook.dtype), (codebook.shape, active, A, U, n, S)


def orthogonal_loss_backward(dloss, cache):
    """dcodebook: d||S||^2 / dU = 4 S U, through the normalisation; zeros on inactive codes."""
    shape, active, A, U, n, S = cache
    h, k = A.shape[:2]
    dU = 4 * dloss / (h * k * k) * (S @ U)
    dE = np.zeros((h,) + tuple(shape[-2:]), dtype=A.dtype)
    dE[:, active] = _normalise_backward(dU, A, n)
    return dE.reshape(shape)


def cosine_vq(z, codebook):
    """(e_k / ||e_k||, cache): k the code of largest cosine with z (ties to the lowest k)."""
    u, n = _normalise(z)
    Eu, _ = _normalise(codebook)
    k = np.argmax(u @ Eu.T, axis=-1)
    return Eu[k], (z, n, codebook.shape)


def cosine_vq_backward(dz_q, cache):
    """(dz through u = z / ||z||, zeros for the codebook): straight-through past the rounding."""
    z, n, shape = cache
    return _normalise_backward(dz_q, z, n), np.zeros(shape, dtype=z.dtype)


def cosine_commitment(z, codebook, indices, *, gamma=0.25, reduction="mean"):
    """(gamma ||u - sg[e_k / ||e_k||]||^2, mean over N D or summed; cache)."""
    u, n = _normalise(z)
    e = _normalise(codebook)[0][np.asarray(indices)]
    scale = 1.0 / u.size if reduction == "mean" and u.size else 1.0
    return np.asarray(gamma * scale * ((u - e) ** 2).sum(), dtype=z.dtype), (z, n, u, e, gamma * scale, codebook.shape)


def cosine_commitment_backward(dloss, cache):
    """(dz = through u of 2 gamma s (u - e), zeros for the codebook, None)."""
    z, n, u, e, weight, shape = cache
    return _normalise_backward(2 * weight * dloss * (u - e), z, n), np.zeros(shape, dtype=z.dtype), None


def vq_demo_mlp(x, params):
    """(tanh(x W1 + b1) W2 + b2, cache): the demo's encoder/decoder."""
    h = np.tanh(x @ params.W1 + params.b1)
    return h @ params.W2 + params.b2, (x, h, params)


def vq_demo_mlp_backward(dy, cache):
    """(dx, dparams): back through the linear layer, tanh and the first layer."""
    x, h, p = cache
    da = dy @ p.W2.T * (1 - h ** 2)
    X, A, H_, D = (a.reshape(-1, a.shape[-1]) for a in (x, da, h, dy))
    return da @ p.W1.T, type(p)(W1=X.T @ A, b1=A.sum(axis=0), W2=H_.T @ D, b2=D.sum(axis=0))


def _corners(d, scale, dtype):
    """The implicit LFQ codebook {-scale, +scale}^d, row k = the bits of k (first channel most significant)."""
    import itertools

    return scale * np.array(list(itertools.product([-1.0, 1.0], repeat=d)), dtype=dtype)


def _H(p, clamp):
    """-sum p log p along the last axis (0 log 0 = 0), or -sum p log max(p, clamp)."""
    logs = np.log(np.maximum(p, clamp if clamp is not None else np.finfo(p.dtype).tiny))
    return -(np.where(p > 0, p * logs, 0)).sum(axis=-1)


def _dH(p, clamp):
    """dH/dp: -(log p + 1) (0 where p = 0); with a clamp, -log(clamp) where it holds."""
    if clamp is None:
        return np.where(p > 0, -(np.log(np.where(p > 0, p, 1)) + 1), 0)
    return np.where(p > clamp, -(np.log(np.maximum(p, clamp)) + 1), -float(np.log(clamp)))


def lfq_entropy(z, *, inv_temperature=100.0, diversity_gamma=1.0, clamp=None, scale=1.0):
    """(mean_n H(p_n) - gamma H(mean_n p_n), cache) with p_n = softmax(2 tau C z_n) over the 2^d corners."""
    from scipy.special import softmax

    Z = z.reshape(-1, z.shape[-1])
    C = _corners(Z.shape[1], float(scale), z.dtype)
    p = softmax(2 * inv_temperature * Z @ C.T, axis=-1)
    avg = p.mean(axis=0)
    loss = _H(p, clamp).mean() - diversity_gamma * _H(avg, clamp)
    return np.asarray(loss, dtype=z.dtype), (z.shape, C, p, avg, inv_temperature, diversity_gamma, clamp)


def lfq_entropy_backward(dloss, cache):
    """dz: dL/dp_n = (dH(p_n) - gamma dH(avg)) / N, then through the softmax and 2 tau C z."""
    shape, C, p, avg, tau, gamma, clamp = cache
    N = p.shape[0]
    dp = (_dH(p, clamp) - gamma * _dH(avg, clamp)[None]) / N
    dlogits = p * (dp - (p * dp).sum(axis=-1, keepdims=True))
    return (dloss * 2 * tau * dlogits @ C).reshape(shape)


# --- forward-only ops: spec(inputs, attrs) -> outputs, over flat named arrays ------------------

def nearest_codes(inputs, attrs):
    """{"indices"}: argmin_k ||z - e_k||^2 over the full distance matrix, ties to the lowest k."""
    E = _rows(np.asarray(inputs["codebook"], dtype=np.float64), attrs.get("layout", "KD"))
    return {"indices": _argmin_codes(np.asarray(inputs["z"], dtype=np.float64), E).astype(np.int64)}


def quantise(inputs, attrs):
    """{"z_q", "indices", "counts", "perplexity", "usage"}: the nearest codes, how often each is used,
    exp(entropy of the usage) and the fraction of codes used."""
    z = np.asarray(inputs["z"])
    E = _rows(np.asarray(inputs["codebook"]), attrs.get("layout", "KD"))
    k = nearest_codes(inputs, attrs)["indices"]
    counts = np.array([np.sum(k == j) for j in range(E.shape[0])], dtype=np.int64)
    p = counts / max(counts.sum(), 1)
    entropy = -sum(float(q * np.log(q)) for q in p if q > 0)
    return {"z_q": E[k].astype(z.dtype), "indices": k, "counts": counts,
            "perplexity": np.asarray(np.exp(entropy) if counts.sum() else 0.0),
            "usage": np.asarray(np.count_nonzero(counts) / E.shape[0] if counts.sum() else 0.0)}


def ema_update(inputs, attrs):
    """{"codebook", "counts", "sums"} after one EMA step (van den Oord et al. 2017, A.1):
    N <- decay N + (1 - decay) n,  m <- decay m + (1 - decay) s,  (/ (1 - decay^t) if bias-corrected),
    N~ = (N + eps) / (sum N + K eps) sum N,  e = m / N~ (0 where N~ = 0)."""
    E, counts, sums = (np.asarray(inputs[k]) for k in ("codebook", "counts", "sums"))
    z, k = np.asarray(inputs["z"]), np.asarray(inputs["indices"])
    decay, eps, steps = attrs.get("decay", 0.99), attrs.get("eps", 1e-5), int(attrs.get("steps", 0)) + 1
    K = E.shape[0]
    n = np.array([np.sum(k == j) for j in range(K)], dtype=z.dtype)
    s = np.stack([z[k == j].sum(axis=0) for j in range(K)])
    N = decay * counts + (1 - decay) * n
    m = decay * sums + (1 - decay) * s
    N_hat, m_hat = (N / (1 - decay ** steps), m / (1 - decay ** steps)) \
        if attrs.get("convention", "bias_corrected") == "bias_corrected" else (N, m)
    smoothed = (N_hat + eps) / (N_hat.sum() + K * eps) * N_hat.sum()
    new = np.stack([m_hat[j] / smoothed[j] if smoothed[j] > 0 else np.zeros(E.shape[1]) for j in range(K)])
    return {"codebook": new.astype(z.dtype), "counts": N.astype(z.dtype), "sums": m.astype(z.dtype)}


def kmeans_lloyd(inputs, attrs):
    """{"centroids", "sizes"}: Lloyd's iterations from ``start``: assign each point to its nearest
    centre, move each centre to its points' mean (an empty cluster keeps its centre), stop when
    nothing changes or after n_iter."""
    X, C = np.asarray(inputs["x"], dtype=np.float64), np.array(inputs["start"], dtype=np.float64)
    labels = None
    for _ in range(int(attrs.get("n_iter", 20))):
        new = _argmin_codes(X, C)
        for j in range(len(C)):
            if np.any(new == j):
                C[j] = X[new == j].mean(axis=0)
        if labels is not None and np.array_equal(new, labels):
            break
        labels = new
    final = _argmin_codes(X, C)
    return {"centroids": C, "sizes": np.array([np.sum(final == j) for j in range(len(C))], dtype=np.float64)}


def fsq_indices_to_codes(inputs, attrs):
    """{"codes"}: the digits of each index in radix ``levels`` (digit 0 varies fastest), each
    mapped to (digit - L // 2) / (L // 2)."""
    L = [int(v) for v in attrs["levels"]]
    idx = np.asarray(inputs["indices"]).reshape(-1)
    codes = np.zeros((idx.size, len(L)))
    for n, index in enumerate(idx):
        rest = int(index)
        for c, base in enumerate(L):
            rest, digit = divmod(rest, base)
            codes[n, c] = (digit - base // 2) / (base // 2)
    return {"codes": codes.reshape(np.shape(inputs["indices"]) + (len(L),))}


def fsq_codes_to_indices(inputs, attrs):
    """{"indices"}: sum_c digit_c prod_{j < c} L_j with digit_c = code_c (L_c // 2) + L_c // 2."""
    L = [int(v) for v in attrs["levels"]]
    codes = np.asarray(inputs["codes"], dtype=np.float64).reshape(-1, len(L))
    out = []
    for row in codes:
        index, place = 0, 1
        for c, base in enumerate(L):
            index += int(round(row[c] * (base // 2) + base // 2)) * place
            place *= base
        out.append(index)
    return {"indices": np.array(out, dtype=np.int64).reshape(np.shape(inputs["codes"])[:-1])}
