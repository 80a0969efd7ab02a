"""Public functions validate their containers: the wrong kind of object is a TypeError naming the
argument (never an AttributeError from deep inside), and non-finite values follow one documented rule."""
import numpy as np
import pytest

from reference.lstm import LSTMParams, lstm_cell_forward, lstm_layer_forward, to_torch_layout
from reference.onlstm import ONLSTMParams, dropconnect_mask, onlstm_layer_forward
from reference.onlstm.cell import onlstm_cell_forward
from reference.onlstm.layer import onlstm_stack_forward
from reference.onlstm.layouts import to_authors_layout
from reference.core.npzio import save_npz
from reference.onlstm.lm import LMParams, lm_forward, save_lm
from reference.onlstm.pcfg import generate
from reference.onlstm.trees import from_bracketed, random_tree, right_branching
from reference.vq.assign import nearest_codes
from reference.vq.ema import ema_init, ema_update, restart_dead_codes, vq_ema_step
from reference.vq.fsq import fsq_forward
from reference.vq.quantise import quantise

rng = np.random.default_rng(0)
LP = LSTMParams.init(3, 4, rng)
OP = ONLSTMParams.init(3, 4, 2, rng)
X = rng.standard_normal((2, 1, 3))
Z, E = rng.standard_normal((5, 3)), rng.standard_normal((4, 3))
ZEROS = np.zeros((1, 4))

WRONG_CONTAINERS = [  # (call, error, the message starts with)
    (lambda: LSTMParams.init(3, 4, np.random.RandomState(0)), TypeError, "rng: expected an int seed, a numpy.random.Generator"),
    (lambda: ONLSTMParams.init(3, 4, 2, "42"), TypeError, "rng: expected an int seed"),
    (lambda: LMParams.init(5, (3, 4), 2, 7.5), TypeError, "rng: expected an int seed"),
    (lambda: dropconnect_mask((4, 4), 0.5, True), TypeError, "rng: expected an int seed"),
    (lambda: restart_dead_codes(E, ema_init(E), Z, -3), ValueError, "rng: expected a seed >= 0"),
    (lambda: LSTMParams.init(3, 4, rng, dtype=np.int64), TypeError, "dtype: expected float32 or float64"),
    (lambda: ONLSTMParams.init(3, 4, 2, rng, dtype="int32"), TypeError, "dtype: expected float32 or float64"),
    (lambda: onlstm_layer_forward(X, LP), TypeError, "params: expected ONLSTMParams, got LSTMParams"),
    (lambda: onlstm_cell_forward(X[0], LP, ZEROS, ZEROS), TypeError, "params: expected ONLSTMParams"),
    (lambda: lstm_layer_forward(X, OP), TypeError, "params: expected LSTMParams, got ONLSTMParams"),
    (lambda: lstm_layer_forward(X, (LP.W, LP.U, LP.b)), TypeError, "params: expected LSTMParams, got tuple"),
    (lambda: lstm_layer_forward(X, {"W": LP.W}), TypeError, "params: expected LSTMParams, got dict"),
    (lambda: lstm_cell_forward(X[0], (LP.W, LP.U, LP.b), ZEROS, ZEROS), TypeError, "params: expected LSTMParams"),
    (lambda: to_torch_layout((LP.W, LP.U, LP.b)), TypeError, "params: expected LSTMParams"),
    (lambda: to_authors_layout(LP), TypeError, "params: expected ONLSTMParams"),
    (lambda: onlstm_stack_forward(X, OP), TypeError, "params: expected a sequence of ONLSTMParams"),
    (lambda: onlstm_stack_forward(X, [OP, LP]), TypeError, "params[1]: expected ONLSTMParams, got LSTMParams"),
    (lambda: lm_forward(np.zeros((2, 1), int), np.zeros((2, 1), int), (OP,)), TypeError, "params: expected LMParams"),
    (lambda: vq_ema_step(Z, E, None), TypeError, "state: expected EMAState, got NoneType"),
    (lambda: ema_update(E, (1, 2), Z, np.zeros(5, int)), TypeError, "state: expected EMAState, got tuple"),
    (lambda: restart_dead_codes(E, None, Z, rng), TypeError, "state: expected EMAState"),
    (lambda: generate(3, "0"), TypeError, "rng: expected an int seed"),
    (lambda: random_tree(["a", "b"], "seed"), TypeError, "rng: expected an int seed"),
    (lambda: right_branching({"a": 1}), TypeError, "words: expected a sequence of words"),
    (lambda: right_branching([]), ValueError, "words: expected at least one word"),
    (lambda: from_bracketed(None), TypeError, "text: expected a string"),
    (lambda: save_lm("never-written.npz", (OP,), ["a"]), TypeError, "params: expected LMParams"),
    (lambda: save_npz("never-written.npz", [np.zeros(2)]), TypeError, "arrays: expected a dict"),
    # a transposed recurrent matrix is blamed on U, not on W
    (lambda: lstm_layer_forward(X, LSTMParams(LP.W, LP.U.T.copy(), LP.b)), ValueError, "params.U: expected shape"),
    (lambda: onlstm_layer_forward(X, ONLSTMParams(OP.W, OP.U.T.copy(), OP.b)), ValueError, "params.U: expected"),
    # integer parameters are refused
    (lambda: lstm_layer_forward(X, LSTMParams(LP.W.astype(np.int64), LP.U, LP.b)), TypeError,
     "params.W: expected a floating"),
    (lambda: onlstm_layer_forward(X, ONLSTMParams(OP.W, OP.U, OP.b.astype(np.int32))), TypeError, "params.b: expected"),
    # values that would become integers must be finite
    (lambda: fsq_forward(Z * np.nan, [3, 5, 7]), ValueError, "z: expected finite values"),
    (lambda: fsq_forward(np.full((2, 3), np.inf), [3, 5, 7]), ValueError, "z: expected finite values"),
    (lambda: nearest_codes(Z * np.nan, E), ValueError, "z: expected finite values"),
    (lambda: quantise(Z, E * np.inf), ValueError, "codebook: expected finite values"),
]


@pytest.mark.parametrize("call, error, start", WRONG_CONTAINERS, ids=[w[2] for w in WRONG_CONTAINERS])
def test_the_wrong_kind_of_argument_is_named(call, error, start):
    with pytest.raises(error) as exc:
        call()
    assert str(exc.value).startswith(start), str(exc.value)


def test_float_ops_propagate_non_finite_values_where_they_enter():
    # The documented rule: ops whose outputs are floats propagate NaN/inf as IEEE arithmetic does
    # (they are not rejected: a NaN in row 1 must not hide what row 0 computed).
    x = rng.standard_normal((3, 2, 3))
    x[:, 1] = np.nan
    for forward, params in ((lstm_layer_forward, LP), (onlstm_layer_forward, OP)):
        (hs, _, _), _ = forward(x, params)
        clean, _ = forward(x[:, :1], params)
        assert np.all(np.isnan(hs[:, 1]))
        np.testing.assert_allclose(hs[:, 0], clean[0][:, 0], rtol=1e-12, atol=1e-15)  # the finite row is unharmed


SEEDED = [  # (call with the rng as its one argument, what it returns)
    ("LSTMParams.init", lambda rng: LSTMParams.init(3, 4, rng).W),
    ("ONLSTMParams.init", lambda rng: ONLSTMParams.init(3, 4, 2, rng).U),
    ("dropconnect_mask", lambda rng: dropconnect_mask((4, 4), 0.5, rng)),
    ("restart_dead_codes", lambda rng: restart_dead_codes(E, ema_init(E), Z, rng)[0]),
    ("generate", lambda rng: generate(3, rng)),
    ("random_tree", lambda rng: random_tree(["a", "b", "c", "d"], rng)),
]


@pytest.mark.parametrize("name, call", SEEDED, ids=[s[0] for s in SEEDED])
def test_rng_takes_an_int_seed_a_generator_or_none_as_spec_7_says(name, call):
    def same(a, b):
        return np.array_equal(a, b) if isinstance(a, np.ndarray) else a == b

    assert same(call(7), call(np.random.default_rng(7)))          # an int seed is default_rng(seed)
    assert same(call(np.int64(7)), call(np.random.default_rng(np.random.SeedSequence(7))))
    call(None)                                                   # fresh entropy: runs, not reproducible
