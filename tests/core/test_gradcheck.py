"""The gradient checker must pass correct backwards and catch planted bugs, in every mode."""
import numpy as np
import pytest

from reference.ops import activations as act
from reference.ops.affine import affine_backward, affine_forward
from reference.core.gradcheck import GradCheckError, check_op, check_vjp, numerical_vjp

MODES = ("jacobian", "vjp", "direction")
_init = np.random.default_rng(7)   # fixed inputs shared read-only by the tests below
X, W_SQUARE, B = _init.standard_normal((3, 4)), _init.standard_normal((4, 4)), _init.uniform(0.5, 1, 4)
W_RECT = _init.standard_normal((4, 2))
del _init


def _affine_transposed_dW(dy, cache):
    dx, dW, db = affine_backward(dy, cache)
    return dx, dW.T, db  # planted: transposed weight gradient (square W keeps the shape)


def _softmax_missing_term(dp, cache):
    p, axis = cache
    return p * dp  # planted: forgot "- <p, dp>"


@pytest.mark.parametrize("mode", MODES)
def test_passes_correct_backwards(mode):
    check_op(affine_forward, affine_backward, (X, W_RECT, B[:2]), names=("x", "W", "b"), mode=mode).raise_if_failed()
    check_op(act.softmax_forward, act.softmax_backward, (X,), mode=mode).raise_if_failed()


@pytest.mark.parametrize("mode", MODES)
def test_catches_transposed_weight_gradient_and_names_it(mode):
    report = check_op(affine_forward, _affine_transposed_dW, (X, W_SQUARE, B), names=("x", "W", "b"), mode=mode)
    assert not report.passed
    assert report.failed_inputs() == ["W"]
    with pytest.raises(GradCheckError, match="W .* FAIL"):
        report.raise_if_failed()


@pytest.mark.parametrize("mode", MODES)
def test_catches_missing_term(mode):
    report = check_op(act.softmax_forward, _softmax_missing_term, (X,), names=("x",), mode=mode)
    assert report.failed_inputs() == ["x"]


def test_reports_the_worst_entry_with_index_analytic_and_numeric():
    def off_by_half(dy, cache):
        dx, dW, db = affine_backward(dy, cache)
        dx = dx.copy()
        dx[1, 2] += 0.5
        return dx, dW, db

    report = check_op(affine_forward, off_by_half, (X, W_RECT, B[:2]), names=("x", "W", "b"), mode="vjp")
    (bad,) = [c for c in report.inputs if not c.passed]
    assert bad.name == "x" and bad.worst.index == (1, 2)
    assert bad.worst.analytic - bad.worst.numeric == pytest.approx(0.5, abs=1e-8)
    text = str(report)
    assert "FAILED" in text and "at (1, 2)" in text and "analytic" in text and "numeric" in text


def test_wrong_shape_and_missing_gradients_are_failures_not_crashes():
    def wrong_shape(dy, cache):
        dx, dW, db = affine_backward(dy, cache)
        return dx, dW.T, db  # rectangular W: transposing changes the shape

    report = check_op(affine_forward, wrong_shape, (X, W_RECT, B[:2]), names=("x", "W", "b"))
    (bad,) = [c for c in report.inputs if not c.passed]
    assert "gradient shape (2, 4) != input shape (4, 2)" in bad.problem

    report = check_op(affine_forward, lambda dy, c: (None,) + affine_backward(dy, c)[1:], (X, W_RECT, B[:2]))
    assert report.failed_inputs() == ["arg0"] and "no gradient" in str(report)


def test_detects_a_forward_that_modifies_its_input():
    def mutating_forward(x):
        x *= 2.0  # planted: in-place on the caller's array
        return act.tanh_forward(x)

    report = check_op(mutating_forward, act.tanh_backward, (X.copy(),), names=("x",))
    assert not report.passed and report.mutated == ("x",)
    assert "modified in place" in str(report)


def test_detects_a_backward_that_modifies_its_cotangent():
    def mutating_backward(dy, cache):
        dy *= 0.0
        return act.tanh_backward(dy, cache)

    report = check_op(act.tanh_forward, mutating_backward, (X,))
    assert "cotangent (by backward)" in report.mutated and not report.passed


def test_detects_nondeterminism():
    noise = np.random.default_rng()

    def noisy(x):
        y, cache = act.tanh_forward(x)
        return y + 1e-3 * noise.standard_normal(y.shape), cache

    report = check_op(noisy, act.tanh_backward, (X,))
    assert "forward" in report.nondeterministic and not report.passed


def test_numerical_vjp_matches_a_closed_form():
    rng = np.random.default_rng(11)
    x = rng.standard_normal((2, 3))
    g = rng.standard_normal((2, 3))
    (num,) = numerical_vjp(lambda a: a ** 3, (x,), g)
    np.testing.assert_allclose(num, 3 * x ** 2 * g, rtol=1e-8, atol=1e-10)


def test_integer_inputs_pass_through_and_wrt_selects_inputs():
    rng = np.random.default_rng(11)
    idx = np.array([2, 0, 1])

    def gather(x, index):
        return x[np.arange(3), index]

    def vjp(g, x, index):
        dx = np.zeros_like(x)
        dx[np.arange(3), index] = g
        return dx, None

    x = rng.standard_normal((3, 4))
    assert check_vjp(gather, vjp, (x, idx), names=("x", "index")).passed
    report = check_vjp(lambda x, y: x * y, lambda g, x, y: (g * y, None), (x, x + 1), wrt=[0])
    assert report.passed and [c.name for c in report.inputs] == ["arg0"]
    with pytest.raises(ValueError, match="wrt: expected input names"):
        check_vjp(gather, vjp, (x, idx), names=("x", "index"), wrt=["y"])


def test_float32_inputs_are_checked_in_float64():
    seen = []

    def fwd(x):
        seen.append(x.dtype)
        return act.sigmoid_forward(x)

    assert check_op(fwd, act.sigmoid_backward, (X.astype(np.float32),)).passed
    assert set(seen) == {np.dtype(np.float64)}


def test_auto_mode_picks_by_size():
    rng = np.random.default_rng(11)
    small = check_op(act.tanh_forward, act.tanh_backward, (rng.standard_normal((3, 4)),))
    medium = check_op(act.tanh_forward, act.tanh_backward, (rng.standard_normal((20, 10)),))
    large = check_op(act.tanh_forward, act.tanh_backward, (rng.standard_normal((150, 150)),))
    assert (small.mode, medium.mode, large.mode) == ("jacobian", "vjp", "blocks")
    assert small.passed and medium.passed and large.passed


def test_bad_arguments():
    with pytest.raises(ValueError, match="mode: expected one of"):
        check_op(act.tanh_forward, act.tanh_backward, (X,), mode="exact")
    with pytest.raises(ValueError, match="names: expected 1 names"):
        check_op(act.tanh_forward, act.tanh_backward, (X,), names=("x", "y"))


def test_a_check_that_compares_nothing_fails():
    report = check_vjp(lambda x: None, lambda g, x: (np.zeros_like(x),), (X,))
    assert not report.passed and "no float outputs" in str(report)
    report = check_vjp(lambda i: i * 1.0, lambda g, i: (None,), (np.arange(3),))
    assert not report.passed and "no float inputs" in str(report)


def test_numpy_scalar_outputs_are_checked():
    rng = np.random.default_rng(11)
    x = rng.standard_normal(4)
    good = check_vjp(lambda a: np.sum(a ** 2), lambda g, a: 2 * a * g, (x,))
    bad = check_vjp(lambda a: np.sum(a ** 2), lambda g, a: a * g, (x,))
    assert good.passed and not bad.passed


def _five_times(dy, cache):
    return tuple(5.0 * g for g in affine_backward(dy, cache))


REFUSED = [  # (keyword arguments or replaced inputs, error type, the argument the message names)
    (dict(atol=-1.0), ValueError, "atol"),          # a negative tolerance made every ratio negative: a pass
    (dict(atol=float("nan")), ValueError, "atol"),
    (dict(atol=float("inf")), ValueError, "atol"),
    (dict(rtol=-1e-5), ValueError, "rtol"),
    (dict(rtol=float("nan")), ValueError, "rtol"),
    (dict(rtol=1.0), ValueError, "rtol"),           # rtol 1 accepted the 5x gradient below
    (dict(rtol="1e-5"), TypeError, "rtol"),
    (dict(eps=0.0), ValueError, "eps"),
    (dict(eps=-1e-6), ValueError, "eps"),
    (dict(eps=float("nan")), ValueError, "eps"),
    (dict(n_directions=0), ValueError, "n_directions"),
    (dict(n_directions=1.5), ValueError, "n_directions"),
]


@pytest.mark.parametrize("kwargs, error, name", REFUSED)
def test_settings_under_which_a_wrong_gradient_could_pass_are_refused(kwargs, error, name):
    with pytest.raises(error, match=f"^{name}: "):
        check_op(affine_forward, _five_times, (X, W_RECT, B[:2]), **kwargs)


def test_a_5x_wrong_gradient_fails_at_the_loosest_allowed_tolerance():
    report = check_op(affine_forward, _five_times, (X, W_RECT, B[:2]), rtol=0.1, atol=0.0)
    assert not report.passed and set(report.failed_inputs()) == {"arg0", "arg1", "arg2"}


def test_inputs_that_cannot_be_checked_are_refused_naming_them():
    with pytest.raises(TypeError, match="^inputs: expected a tuple"):
        check_op(act.tanh_forward, act.tanh_backward, X)                 # a bare array, not (X,)
    with pytest.raises(ValueError, match="^inputs: expected at least one"):
        check_vjp(lambda: 1.0, lambda g: (), ())
    with pytest.raises(TypeError, match="^fn: expected a callable"):
        check_vjp("tanh", lambda g, x: g, (X,))
    with pytest.raises(TypeError, match="^vjp: expected a callable"):
        check_vjp(np.tanh, None, (X,))
    with pytest.raises(TypeError, match="^vjp: expected a callable"):
        check_vjp(np.tanh, 3, (X,))
    with pytest.raises(ValueError, match="^x: has zero size"):
        check_op(act.tanh_forward, act.tanh_backward, (np.zeros((0, 3)),), names=("x",))
    with pytest.raises(TypeError, match=r"^inputs\[0\]: complex inputs"):
        check_vjp(lambda z: z * 2, lambda g, z: 2 * g, (X + 1j,))
    with pytest.raises(TypeError, match=r"^inputs\[0\]: expected a numeric array"):
        check_vjp(lambda s: 1.0, lambda g, s: None, (np.array(["a"]),))
    with pytest.raises(ValueError, match="^eps: "):
        numerical_vjp(np.tanh, (X,), np.ones_like(X), eps=0.0)


def test_printing_any_report_never_raises():
    # exact zeros with atol = rtol = 0 used to divide by zero in the relative error
    zero = check_vjp(lambda x: 0.0 * x, lambda g, x: 0.0 * g, (X,), atol=0.0, rtol=0.0)
    assert zero.passed and "passed" in str(zero) and zero.worst_rel_error == 0.0
    nan = check_vjp(lambda x: x * np.nan, lambda g, x: g, (X,))
    assert not nan.passed and "FAIL" in str(nan)
    wrong = check_vjp(lambda x: x, lambda g, x: 0.0 * g, (X,), atol=0.0, rtol=0.0, mode="direction")
    assert not wrong.passed and "direction" in str(wrong) and wrong.worst_rel_error > 0


def test_jacobian_mode_calls_the_backward_once_per_output_entry_whatever_the_input_count():
    """Each unit cotangent's backward gives that Jacobian row for every input: with three
    inputs the rows are not recomputed per input (1 + 1 calls for the mutation and
    determinism checks, then one per output entry)."""
    rng = np.random.default_rng(3)
    x, W, b = rng.normal(size=(3, 4)), rng.normal(size=(4, 2)), rng.normal(size=2)
    calls = []

    def backward(dy, cache):
        calls.append(1)
        return affine_backward(dy, cache)

    report = check_op(affine_forward, backward, (x, W, b), names=("x", "W", "b"), mode="jacobian")
    assert report.passed and len(calls) == 2 + 3 * 2
    bad = lambda dy, cache: (affine_backward(dy, cache)[0], 2 * affine_backward(dy, cache)[1], dy.sum(0))
    assert check_op(affine_forward, bad, (x, W, b), names=("x", "W", "b"), mode="jacobian").failed_inputs() == ["W"]


def test_auto_mode_picks_random_directions_for_large_inputs():
    from reference.core import gradcheck

    rng = np.random.default_rng(4)
    small, large = rng.normal(size=(3, 4)), rng.normal(size=(gradcheck.VJP_MAX_INPUT + 1,))
    assert check_vjp(lambda a: a ** 2, lambda g, a: 2 * a * g, (small,)).mode == "jacobian"
    medium = rng.normal(size=(40, 50))
    assert check_vjp(lambda a: a.sum(0), lambda g, a: np.broadcast_to(g, a.shape), (medium,)).mode == "vjp"
    report = check_vjp(lambda a: a ** 2, lambda g, a: 2 * a * g, (large,))
    assert report.mode == "blocks" and report.passed
    assert not check_vjp(lambda a: a ** 2, lambda g, a: 2.001 * a * g, (large,)).passed   # still catches a bug
