"""Identities behind the reference code, each stated, derived with sympy, checked numerically.

Run ``python -m puzzles.identities`` or ``refspace puzzle identities``.

1. ON-LSTM level identity (kexue.fm/archives/6621, the soft argmax of the master forget
   gate): with p = softmax over n levels and f~ = cumsum(p),
   ``sum_{k=1}^n k p_k = n (1 - mean_k f~_k) + 1``. Proof: sum_k f~_k = sum_k sum_{j<=k} p_j =
   sum_j (n - j + 1) p_j = (n + 1) - sum_j j p_j. With levels counted from 0 the same steps
   give ``sum_k (k-1) p_k = n (1 - mean f~)``: the "+1" is the index origin. The article
   notes that the paper's eq. 15 gets this identity wrong (authors' repo issue #2); either
   way the distance 1 - mean f~ is an increasing affine function of the expected level, so
   parse trees built from it are the same.
2. cumax backward: for y = cumsum(softmax(x)), ``J^T g = p * (r - <p, r>)`` with
   r = reverse_cumsum(g) (checked symbolically for n = 4 against sympy's Jacobian).
3. VQ gradient split: grad of ||z - e||^2 = grad ||sg[z] - e||^2 + grad ||z - sg[e]||^2,
   taken with respect to (z, e) (sympy, stop-gradient as a function with zero derivative).
4. Straight-through: x + sg[f(x) - x] has value f(x) and derivative 1 (sympy); in floating
   point z + (z_q - z) can differ from z_q by rounding, which is why the reference returns
   z_q itself.
5. SELF-MOD (kexue.fm/archives/6549): gamma near one by a +1 offset or by an output bias
   initialised to one is the same function class (b2' = b2 + 1, both ways; sympy).
"""
from __future__ import annotations

import dataclasses

import numpy as np
import sympy as sp


class sg(sp.Function):
    """Stop-gradient: the identity in value, zero derivative."""

    @classmethod
    def eval(cls, arg):
        return None

    def fdiff(self, argindex=1):
        return sp.Integer(0)


@dataclasses.dataclass
class Exploration:
    name: str
    claim: str
    symbolic: dict
    numeric: dict

    @property
    def holds(self) -> bool:
        return all(bool(v) for v in self.symbolic.values()) and all(bool(v) for v in self.numeric.values())


def level_identity(max_n: int = 8, rng=None) -> Exploration:
    rng = np.random.default_rng(0) if rng is None else rng
    symbolic = {}
    j, k, n = sp.symbols("j k n", integer=True, positive=True)
    symbolic["sum_{k=j}^n 1 = n - j + 1"] = sp.simplify(sp.Sum(1, (k, j, n)).doit() - (n - j + 1)) == 0
    for size in range(1, max_n + 1):
        p = sp.symbols(f"p1:{size + 1}")
        f = [sum(p[:i + 1]) for i in range(size)]
        lhs = sum((i + 1) * p[i] for i in range(size))
        rhs = size * (1 - sum(f) / size) + 1
        symbolic[f"n={size}"] = sp.simplify((lhs - rhs).subs(p[-1], 1 - sum(p[:-1]))) == 0
    from reference.ops.activations import cumax_forward, softmax_forward

    x = 3 * rng.standard_normal((5, 115))
    p = softmax_forward(x)[0]
    f = cumax_forward(x)[0]
    levels = np.arange(1, 116)
    one_based = (p * levels).sum(1)
    numeric = {"n=115, 1-based": np.allclose(one_based, 115 * (1 - f.mean(1)) + 1, rtol=1e-12),
               "n=115, 0-based": np.allclose(one_based - 1, 115 * (1 - f.mean(1)), rtol=1e-10, atol=1e-10)}
    return Exploration("ON-LSTM level identity", "sum_k k p_k = n (1 - mean f~) + 1", symbolic, numeric)


def cumax_backward_formula(n: int = 4, rng=None) -> Exploration:
    rng = np.random.default_rng(1) if rng is None else rng
    x = sp.symbols(f"x1:{n + 1}", real=True)
    g = sp.symbols(f"g1:{n + 1}", real=True)
    e = [sp.exp(v) for v in x]
    p = [v / sum(e) for v in e]
    y = [sum(p[:i + 1]) for i in range(n)]
    J = sp.Matrix(n, n, lambda r, c: sp.diff(y[r], x[c]))
    vjp = J.T * sp.Matrix(g)
    r = [sum(g[i:]) for i in range(n)]
    inner = sum(pi * ri for pi, ri in zip(p, r))
    formula = sp.Matrix([p[i] * (r[i] - inner) for i in range(n)])
    symbolic = {f"J^T g == p (r - <p, r>), n={n}": sp.simplify(vjp - formula) == sp.zeros(n, 1)}
    from reference.ops.activations import cumax_backward, cumax_forward
    from reference.core.gradcheck import check_op

    xv = rng.standard_normal((3, 7))
    numeric = {"reference cumax backward passes the gradient check": check_op(cumax_forward, cumax_backward,
                                                                             (xv,)).passed}
    return Exploration("cumax backward", "J^T g = p * (reverse_cumsum(g) - <p, reverse_cumsum(g)>)", symbolic, numeric)


def vq_split(dim: int = 3, rng=None) -> Exploration:
    rng = np.random.default_rng(2) if rng is None else rng
    z = sp.symbols(f"z1:{dim + 1}", real=True)
    e = sp.symbols(f"e1:{dim + 1}", real=True)
    full = sum((zi - ei) ** 2 for zi, ei in zip(z, e))
    codebook_term = sum((sg(zi) - ei) ** 2 for zi, ei in zip(z, e))
    commit_term = sum((zi - sg(ei)) ** 2 for zi, ei in zip(z, e))
    variables = list(z) + list(e)
    split = [sp.diff(codebook_term + commit_term, v).subs({sg(w): w for w in variables}) for v in variables]
    direct = [sp.diff(full, v) for v in variables]
    symbolic = {"grad full == grad codebook + grad commitment": all(sp.simplify(a - b) == 0
                                                                      for a, b in zip(split, direct)),
                "value of the split is twice the full loss": sp.simplify(
                    (codebook_term + commit_term).subs({sg(w): w for w in variables}) - 2 * full) == 0}
    from reference.vq.assign import brute_force_codes
    from reference.vq.losses import vq_loss_backward, vq_loss_forward

    E = rng.standard_normal((4, dim))
    zv = rng.standard_normal((6, dim))
    idx = brute_force_codes(zv, E)
    dz, dE, _ = vq_loss_backward(np.array(1.0), vq_loss_forward(zv, E, idx, beta=1.0, gamma=1.0, reduction="sum")[1])
    expected_dE = np.zeros_like(E)
    np.add.at(expected_dE, idx, 2 * (E[idx] - zv))
    numeric = {"reference dz == 2 (z - z_q)": np.allclose(dz, 2 * (zv - E[idx])),
               "reference dE == sum 2 (e - z)": np.allclose(dE, expected_dE)}
    return Exploration("VQ gradient split", "grad||z-e||^2 = grad||sg[z]-e||^2 + grad||z-sg[e]||^2", symbolic, numeric)


def straight_through(rng=None) -> Exploration:
    rng = np.random.default_rng(3) if rng is None else rng
    x = sp.symbols("x", real=True)
    f = sp.Function("f")
    expr = x + sg(f(x) - x)
    symbolic = {"value is f(x)": sp.simplify(expr.subs(sg(f(x) - x), f(x) - x) - f(x)) == 0,
                "derivative is 1": sp.diff(expr, x) == 1}
    from reference.vq.quantise import quantise

    z = (rng.standard_normal((20000, 4)) * 3).astype(np.float32)
    z_q = quantise(z, rng.standard_normal((16, 4)).astype(np.float32)).z_q
    naive = z + (z_q - z)
    numeric = {"z + (z_q - z) != z_q somewhere in float32": bool(np.any(naive != z_q)),
               "but within rounding": bool(np.allclose(naive, z_q, rtol=0, atol=4 * np.finfo(np.float32).eps * 12))}
    return Exploration("straight-through", "x + sg[f(x) - x]: value f(x), gradient 1", symbolic, numeric)


def selfmod_offset(hidden: int = 3, rng=None) -> Exploration:
    """SELF-MOD's two ways to start gamma near one describe one family of functions: for any
    parameters with the +1 offset, the bias-init form with b2' = b2 + 1 is the same function
    (and back with b2 = b2' - 1): a bijection of the parameters."""
    rng = np.random.default_rng(4) if rng is None else rng
    xh, beta, b2, b2p = sp.symbols("x_hat beta b2 b2p", real=True)
    h = sp.symbols(f"h1:{hidden + 1}", real=True)
    w = sp.symbols(f"w1:{hidden + 1}", real=True)
    gamma = sum(a * b for a, b in zip(h, w))                       # one channel of h W2
    offset = xh * (gamma + b2 + 1) + beta                         # the article author's x_hat (gamma + 1) + beta
    bias_init = xh * (gamma + b2p) + beta                         # compare_gan: the bias starts at one
    symbolic = {"offset(b2) == bias_init(b2 + 1)": sp.simplify(offset - bias_init.subs(b2p, b2 + 1)) == 0,
                "bias_init(b2') == offset(b2' - 1)": sp.simplify(bias_init - offset.subs(b2, b2p - 1)) == 0}
    from reference.gan import selfmod

    x, z = rng.standard_normal((6, 2)), rng.standard_normal((6, 3))
    p = selfmod.init_params(3, 4, 2, rng)
    p = selfmod.SelfModParams(p.W1g, p.b1g, rng.standard_normal((4, 2)), rng.standard_normal(2), p.W1b, p.b1b,
                              rng.standard_normal((4, 2)), rng.standard_normal(2))
    moved = selfmod.SelfModParams(p.W1g, p.b1g, p.W2g, p.b2g + 1, p.W1b, p.b1b, p.W2b, p.b2b)
    a = selfmod.selfmod_bn_forward(x, z, p, gamma_mode="offset")[0]
    b = selfmod.selfmod_bn_forward(x, z, moved, gamma_mode="bias_init")[0]
    numeric = {"reference selfmod_bn: offset == bias_init with b2 + 1": bool(np.allclose(a, b, rtol=1e-14))}
    return Exploration("SELF-MOD gamma offset", "x_hat (gamma + 1) + beta == x_hat gamma' + beta with b2' = b2 + 1",
                       symbolic, numeric)


ALL = (level_identity, cumax_backward_formula, vq_split, straight_through, selfmod_offset)


def run_all() -> list[Exploration]:
    return [fn() for fn in ALL]


def format_report(results) -> str:
    lines = []
    for r in results:
        lines.append(f"{r.name}: {r.claim}  [{'holds' if r.holds else 'FAILS'}]")
        for kind, checks in (("symbolic", r.symbolic), ("numeric", r.numeric)):
            for label, ok in checks.items():
                lines.append(f"  {kind:<8} {'ok  ' if ok else 'FAIL'} {label}")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    import sys

    results = run_all()
    print(format_report(results))
    sys.exit(0 if all(r.holds for r in results) else 1)
