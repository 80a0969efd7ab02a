"""Settings under which the gradient checker could pass a zero or wrong gradient (issue 27, item 3),
one row each, and the detection floor of each mode measured against planted one-entry errors.

Every planted gradient is wrong (or right) by construction: the true gradient of sum(g * x**2) is
2 g x, so the rows need no other oracle.
"""
import numpy as np
import pytest

from reference.core import gradcheck
from reference.core.gradcheck import check_vjp, numerical_vjp

RNG = np.random.default_rng(27)
X = RNG.standard_normal((3, 4))


def square(x):
    return x ** 2


def right(g, x):
    return 2 * x * g


def zero(g, x):
    return np.zeros_like(x)


# (keywords of check_vjp, error type, words)
REFUSED = [
    (dict(eps=1e-20), ValueError, "eps: 1e-20 is below the resolution of input"),
    (dict(eps=1e-14), ValueError, "below the resolution"),
    (dict(eps=1e10), ValueError, "too large for the scale"),
    (dict(eps=0.5), ValueError, "too large for the scale"),
    (dict(atol=1e300), ValueError, "atol: expected a finite number >= 0 and <= 0.1"),
    (dict(atol=0.5), ValueError, "atol"),
    (dict(rtol=0.5), ValueError, "rtol"),
    (dict(names=("a", "a"), inputs=(X, X.copy()), fn=lambda a, b: a * b, vjp=lambda g, a, b: (g * b, g * a)),
     ValueError, "names: 'a' names two inputs"),
    (dict(inputs=(X, 3)), TypeError, "a Python int is not differentiated"),
    (dict(inputs=(X, True)), TypeError, "a Python bool"),
    (dict(wrt=("idx",), names=("x", "idx"), inputs=(X, np.arange(3)),
          fn=lambda x, i: x[i], vjp=lambda g, x, i: (np.zeros_like(x), None)), ValueError, "wrt: 'idx' has no float"),
    (dict(block_size=0), ValueError, "block_size"),
]


@pytest.mark.parametrize("kw, error, words", REFUSED, ids=[r[2][:40] for r in REFUSED])
def test_settings_that_could_pass_a_wrong_gradient_are_refused(kw, error, words):
    kw = dict(kw)
    fn, vjp, inputs = kw.pop("fn", square), kw.pop("vjp", zero), kw.pop("inputs", (X,))
    with pytest.raises(error, match=words.replace("(", r"\(")):
        check_vjp(fn, vjp, inputs, **kw)


def test_eps_is_checked_against_the_inputs_scale():
    big = 1e8 * X                      # 1e-6 is still resolvable at 1e8 (ulp 1.5e-8): accepted
    assert check_vjp(square, right, (big,), eps=1e-2, rtol=1e-5).passed
    with pytest.raises(ValueError, match="below the resolution"):
        check_vjp(square, right, (1e12 * X,), eps=1e-6)        # ulp(1e12) = 1.2e-4 > eps
    with pytest.raises(ValueError, match="below the resolution"):
        numerical_vjp(square, (X,), np.ones_like(X), eps=1e-20)


def test_a_python_float_input_is_converted_and_differentiated():
    report = check_vjp(lambda a, s: a * s, lambda g, a, s: (g * s, np.sum(g * a)), (X, 1.5), names=("a", "s"))
    assert report.passed and [c.name for c in report.inputs] == ["a", "s"]
    wrong = check_vjp(lambda a, s: a * s, lambda g, a, s: (g * s, 0.0 * np.sum(g * a)), (X, 1.5), names=("a", "s"))
    assert wrong.failed_inputs() == ["s"]      # before, a Python float was silently never checked


def test_integer_inputs_are_listed_as_not_differentiated():
    idx = np.array([2, 0])
    report = check_vjp(lambda x, i: x[i], lambda g, x, i: (np.add.at(z := np.zeros_like(x), i, g) or z, None),
                       (X, idx), names=("x", "idx"))
    assert report.passed and report.not_differentiated == ("idx (int64)",)
    assert "not differentiated (integer or boolean): idx" in str(report)


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_a_low_precision_forward_fails_naming_the_output(dtype):
    report = check_vjp(lambda x: (x ** 2).astype(dtype), zero, (X,))
    assert not report.passed
    assert any(c.name == "output out" and str(np.dtype(dtype)) in c.problem for c in report.inputs)
    assert not check_vjp(lambda x: (x ** 2).astype(dtype), right, (X,)).passed   # not a verdict either way


def _one_entry_error(n, factor, mode, **kw):
    """sum(g x^2) on n entries, with entry 7's gradient off by ``factor`` times the root mean
    square of the entries' own tolerances (atol + rtol |d_k|)."""
    x = np.random.default_rng(n).uniform(0.5, 1.5, n)
    atol, rtol = 1e-6, 1e-5

    def planted(g, a):
        d = 2 * a * g
        d[7] += factor * np.sqrt(np.mean((atol + rtol * np.abs(d)) ** 2))
        return d

    return check_vjp(square, planted, (x,), mode=mode, atol=atol, rtol=rtol, **kw)


@pytest.mark.parametrize("n", [3_000, 20_000])
def test_auto_detects_a_one_entry_error_of_a_few_times_its_tolerance(n):
    report = _one_entry_error(n, 8.0, "auto")
    assert report.mode == "blocks" and not report.passed
    assert "block of 16 entries" in str(report)
    for seed in range(1, 6):                                     # the floor is about sqrt(16) = 4: 8 is caught
        assert not _one_entry_error(n, 8.0, "auto", seed=seed).passed
        assert _one_entry_error(n, 0.0, "auto", seed=seed).passed   # and the right gradient passes


def test_the_dense_direction_floor_is_about_sqrt_n_times_the_tolerance():
    # stated in the docstring: a dense direction misses a one-entry error well below sqrt(N) x its tolerance
    n = 20_000                                                   # sqrt(N) = 141
    assert _one_entry_error(n, 8.0, "direction").passed          # missed: why auto no longer uses it
    assert not _one_entry_error(n, 50 * np.sqrt(n), "direction").passed
