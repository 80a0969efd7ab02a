"""Every public op refuses bad input naming the argument, never with a raw IndexError, never NaN for
an empty batch (issue 27, item 6). The table is generated from the op declarations: for every op's
first seeded case, every array it takes (inputs, dataclass fields, array attributes) is replaced in
turn by a complex, a text, a one-axis-more and a one-axis-less version.

- complex and text arrays must be refused with TypeError/ValueError whose message starts with that
  argument's public name (``params.W1g``, ``params[1].U``, ``mask``), or the name of the argument
  that holds it;
- wrong numbers of axes must be refused (or accepted, for shape-polymorphic ops) with
  TypeError/ValueError, never another exception;
- the batch emptied (its leading axis of size 0) must give finite outputs or an error.

Named probes from the issue follow the generated table.
"""
import re

import numpy as np
import pytest

from reference.core.pytree import leaves, map_leaves
from reference.verify.convention import templates

TEMPLATES = {op: tpls[0] for op, tpls in templates().items()}


def _arrays(tpl):
    """(public name, array, is an attribute) for every array the op's first case takes."""
    out = [(path, a, False) for name, value in zip(tpl.names, tpl.inputs) for path, a in leaves(value, name)]
    return out + [(k, v, True) for k, v in tpl.attrs.items() if isinstance(v, np.ndarray)]


def _replace(tpl, target, new, is_attr):
    if is_attr:
        return tpl.inputs, {**tpl.attrs, target: new}
    inputs = tuple(map_leaves(lambda p, a: new if p == target else a, value, name)
                   for name, value in zip(tpl.names, tpl.inputs))
    return inputs, tpl.attrs


MUTATIONS = {
    "complex": lambda a: a.astype(np.complex128) + 0.5j,
    "text": lambda a: a.astype(str),
    "one axis more": lambda a: a[None],
    "one axis less": lambda a: a[0] if a.ndim else a,
}
ROWS = [(op, name, kind) for op, tpl in TEMPLATES.items() for name, _, _ in _arrays(tpl) for kind in MUTATIONS]


def _call(tpl, inputs, attrs):
    with np.errstate(all="ignore"):
        return tpl.base(*inputs, **attrs)


def _root(name):
    return re.split(r"[.\[]", name)[0]


@pytest.mark.parametrize("op, name, kind", ROWS, ids=[f"{o}-{n}-{k}" for o, n, k in ROWS])
def test_bad_arrays_are_refused_naming_the_argument(op, name, kind):
    tpl = TEMPLATES[op]
    array, is_attr = next((a, attr) for n, a, attr in _arrays(tpl) if n == name)
    inputs, attrs = _replace(tpl, name, MUTATIONS[kind](array), is_attr)
    if kind in ("complex", "text"):
        with pytest.raises((TypeError, ValueError)) as info:
            _call(tpl, inputs, attrs)
        head = str(info.value).split(":")[0]
        assert head == name or _root(head) == _root(name) or head.startswith(name), str(info.value)
    else:
        try:
            _call(tpl, inputs, attrs)
        except (TypeError, ValueError):
            pass                       # refused with a message (shape-polymorphic ops may accept instead)


SUBSTITUTES = {"text": "abc", "number": 1.5, "tuple": (1, 2), "dict": {"a": 1}}
SLOTS = [(op, k, kind) for op, tpl in TEMPLATES.items() for k in range(len(tpl.inputs)) for kind in SUBSTITUTES]


@pytest.mark.parametrize("op, k, kind", SLOTS, ids=[f"{o}-{TEMPLATES[o].names[k]}-{kind}" for o, k, kind in SLOTS])
def test_a_wrong_kind_of_value_is_refused_with_a_message(op, k, kind):
    # no raw IndexError/AttributeError from deep inside: TypeError/ValueError (or acceptance)
    tpl = TEMPLATES[op]
    inputs = tpl.inputs[:k] + (SUBSTITUTES[kind],) + tpl.inputs[k + 1:]
    try:
        _call(tpl, inputs, tpl.attrs)
    except (TypeError, ValueError) as exc:
        assert "object is not" not in str(exc) and "could not be broadcast" not in str(exc), str(exc)


@pytest.mark.filterwarnings("error::RuntimeWarning")     # a "mean of empty slice" is a NaN in the making
@pytest.mark.parametrize("axis", [0, 1])                  # batch-major and time-major batches
@pytest.mark.parametrize("op", sorted(TEMPLATES))
def test_an_empty_batch_gives_finite_values_or_an_error(op, axis):
    tpl = TEMPLATES[op]
    first = tpl.names[0]

    def empty(_, a):
        if a.ndim > axis and a.dtype.kind in "fiub":
            return a[(slice(None),) * axis + (slice(0, 0),)]
        return a

    inputs = (map_leaves(empty, tpl.inputs[0], first),) + tuple(tpl.inputs[1:])
    attrs = {k: (empty(k, v) if isinstance(v, np.ndarray) and k in ("mask", "lengths", "indices", "targets") else v)
             for k, v in tpl.attrs.items()}
    try:
        out, _ = tpl.base(*inputs, **attrs)
    except (TypeError, ValueError):
        return
    for path, o in leaves(out, "out"):
        assert o.dtype.kind != "f" or np.all(np.isfinite(o)), f"{op}: {path} is not finite on an empty batch"


GRAD_MUTATIONS = {"complex": lambda a: a.astype(np.complex128) + 0.5j, "text": lambda a: a.astype(str),
                  "one axis more": lambda a: a[None]}
SHAPE_FREE = {"residual", "const_input"}     # backwards whose cache does not hold the output's shape
BACKWARD_ROWS = [(op, kind) for op in TEMPLATES for kind in GRAD_MUTATIONS
                 if not (kind == "one axis more" and op in SHAPE_FREE)]


@pytest.mark.parametrize("op, kind", BACKWARD_ROWS, ids=[f"{o}-{k}" for o, k in BACKWARD_ROWS])
def test_a_backward_refuses_a_bad_incoming_gradient_naming_it(op, kind):
    tpl = TEMPLATES[op]
    out, cache = _call(tpl, tpl.inputs, tpl.attrs)
    rng = np.random.default_rng(0)
    cot = map_leaves(lambda _, o: GRAD_MUTATIONS[kind](rng.standard_normal(o.shape)) if o.dtype.kind == "f" else None,
                     out, "out")
    with pytest.raises((TypeError, ValueError)) as info:
        with np.errstate(all="ignore"):
            tpl.backward(cot, cache)
    assert re.match(r"^[\w.\[\]']+(, [\w.]+)?: ", str(info.value)) and "operands could not" not in str(info.value), \
        str(info.value)


# --- the issue's own probes -------------------------------------------------------------------

def _raises(fn, error, words):
    with pytest.raises(error, match=re.escape(words)):
        fn()


def test_every_layer_of_a_stack_is_validated():
    from reference.onlstm.layer import onlstm_stack_forward
    from reference.onlstm.params import ONLSTMParams

    rng = np.random.default_rng(0)
    layers = [ONLSTMParams.init(3, 4, 2, rng), ONLSTMParams.init(4, 4, 2, rng)]
    x = rng.standard_normal((2, 3, 3))
    bad = ONLSTMParams(layers[1].W, layers[1].U[0], layers[1].b)              # 1-d U in layer 1
    _raises(lambda: onlstm_stack_forward(x, [layers[0], bad]), ValueError, "params[1].U: expected a 2-d array")
    cplx = ONLSTMParams(layers[1].W + 1j, layers[1].U, layers[1].b)
    _raises(lambda: onlstm_stack_forward(x, [layers[0], cplx]), TypeError, "params[1].W:")
    _raises(lambda: onlstm_stack_forward(x, layers, h0=[None, np.zeros((3, 5))]), ValueError, "h0[1]: expected shape")


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning", "ignore:invalid value:RuntimeWarning")
def test_selfmod_names_z_and_the_codebook_overflow_names_the_codebook():
    from reference.gan.selfmod import SelfModParams, selfmod_bn_forward
    from reference.vq.assign import nearest_codes

    rng = np.random.default_rng(1)
    p = SelfModParams(*(rng.standard_normal(s) for s in [(4, 5), (5,), (5, 3), (3,)] * 2))
    _raises(lambda: selfmod_bn_forward(rng.standard_normal((2, 3)), np.ones((2, 4), complex), p), TypeError, "z:")
    E = rng.standard_normal((4, 3))
    E[2, 0] = 1e308
    _raises(lambda: nearest_codes(rng.standard_normal((5, 3)), E), ValueError, "codebook, z: squared distances")


@pytest.mark.parametrize("call, error, words", [
    ("running_update(np.zeros(3), np.ones(3), np.zeros((0, 3)))", ValueError, "x: expected at least one value"),
    ("lfq_entropy_forward(np.zeros((0, 4)))", ValueError, "z: expected at least one vector"),
    ("reverse_sequence(np.ones((2, 3), complex), np.array([1, 2]))", TypeError, "x: expected real numbers"),
    ("build_tree(np.array([0.5, 1 + 1j, 0.2]), ['a', 'b', 'c'])", TypeError, "depth: expected real distances"),
    ("build_tree(np.array([0.5, np.nan, 0.2]), ['a', 'b', 'c'])", ValueError, "depth: expected finite"),
    ("sequence_mask(np.array([1, 2]), 2.5)", TypeError, "max_len: expected an integer"),
    ("ema_update(np.zeros((3, 2)), EMAState(np.ones(3) + 1j, np.ones((3, 2)), 0, 'bias_corrected'), "
     "np.ones((4, 2)), np.array([0, 1, 2, 0]))", TypeError, "state.counts:"),
])
def test_named_probes(call, error, words):
    from reference.gan.norm import running_update
    from reference.masking.masks import sequence_mask
    from reference.masking.reverse import reverse_sequence
    from reference.onlstm.trees import build_tree
    from reference.vq.ema import EMAState, ema_update
    from reference.vq.lfq import lfq_entropy_forward

    namespace = dict(np=np, running_update=running_update, sequence_mask=sequence_mask, build_tree=build_tree,
                     reverse_sequence=reverse_sequence, EMAState=EMAState, ema_update=ema_update,
                     lfq_entropy_forward=lfq_entropy_forward)
    _raises(lambda: eval(call, namespace), error, words)
