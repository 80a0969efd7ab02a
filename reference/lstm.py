"""The plain LSTM of the ON-LSTM article, the baseline ON-LSTM is read against.

kexue.fm/archives/6621, first equation block (eq. "lstm"), in row-vector form::

    f_t     = sigma(x_t W_f + h_{t-1} U_f + b_f)
    i_t     = sigma(x_t W_i + h_{t-1} U_i + b_i)
    o_t     = sigma(x_t W_o + h_{t-1} U_o + b_o)
    c_hat_t = tanh (x_t W_c + h_{t-1} U_c + b_c)
    c_t     = f_t * c_{t-1} + i_t * c_hat_t
    h_t     = o_t * tanh(c_t)

Conventions
-----------
- **Gate order** of the packed columns is the article's: ``f, i, o, c_hat``, so
  ``W[:, 0:H]`` is W_f, ``W[:, H:2H]`` is W_i, ``W[:, 2H:3H]`` is W_o, ``W[:, 3H:4H]`` is W_c.
  PyTorch uses ``i, f, g, o`` and Keras ``i, f, c, o``; see :func:`to_torch_layout`.
- Weights are (in, out): ``W`` (I, 4H), ``U`` (H, 4H); one bias ``b`` (4H,).
- Shapes are time-major: ``x`` (T, B, I), like ``torch.nn.LSTM`` with ``batch_first=False``.
- Speed: the input projection of all T steps is one GEMM, the recurrent-weight gradient
  is one GEMM over the stored (h_{t-1}, dz_t); only ``h_{t-1} U`` and its backward run
  inside the time loop.

Example
-------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> params = LSTMParams.init(input_size=3, hidden_size=4, rng=rng)
>>> x = rng.standard_normal((5, 2, 3))                   # T=5, B=2, I=3
>>> (hs, h_T, c_T), cache = lstm_layer_forward(x, params)
>>> hs.shape, bool(np.array_equal(hs[-1], h_T))
((5, 2, 4), True)
>>> dx, dparams, dh0, dc0 = lstm_layer_backward((np.ones_like(hs), None, None), cache)
>>> dparams.U.shape
(4, 16)
"""
from __future__ import annotations

import dataclasses

import numpy as np

from .core.activations import sigmoid
from .core.validate import check_shape, float_array, float_dtype, generator, instance, positive_int, sequence_inputs, state_array

GATES = ("f", "i", "o", "c_hat")  # column-block order of W, U and b


@dataclasses.dataclass(frozen=True)
class LSTMParams:
    """LSTM weights in the article's notation, gates packed in the order f, i, o, c_hat.

    Attributes
    ----------
    W : ndarray (I, 4H)  input weights  [W_f | W_i | W_o | W_c]
    U : ndarray (H, 4H)  recurrent weights [U_f | U_i | U_o | U_c]
    b : ndarray (4H,)    bias [b_f | b_i | b_o | b_c]
    """

    W: np.ndarray
    U: np.ndarray
    b: np.ndarray

    @property
    def input_size(self) -> int:
        return self.W.shape[0]

    @property
    def hidden_size(self) -> int:
        return self.U.shape[0]

    @staticmethod
    def shapes(input_size: int, hidden_size: int) -> dict[str, tuple[int, ...]]:
        """Field shapes for the given sizes (for strategies and initialisers)."""
        return {"W": (input_size, 4 * hidden_size), "U": (hidden_size, 4 * hidden_size), "b": (4 * hidden_size,)}

    @classmethod
    def init(cls, input_size: int, hidden_size: int, rng: np.random.Generator, dtype=np.float64):
        """Uniform(-1/sqrt(H), 1/sqrt(H)) for every entry, as ``torch.nn.LSTM`` initialises."""
        input_size = positive_int("input_size", input_size)
        hidden_size = positive_int("hidden_size", hidden_size)
        rng, dtype = generator("rng", rng), float_dtype("dtype", dtype)
        k = 1.0 / np.sqrt(hidden_size)
        return cls(**{name: rng.uniform(-k, k, shape).astype(dtype)
                      for name, shape in cls.shapes(input_size, hidden_size).items()})

    def gate(self, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Views (W_g, U_g, b_g) of one gate, ``name`` in ``GATES``."""
        if name not in GATES:
            raise ValueError(f"name: expected one of {GATES}, got {name!r}")
        H = self.hidden_size
        k = GATES.index(name)
        cols = slice(k * H, (k + 1) * H)
        return self.W[:, cols], self.U[:, cols], self.b[cols]

    def validated(self, dtype=None) -> "LSTMParams":
        """Return the params as arrays of one float dtype with consistent shapes, or raise."""
        W = float_array("params.W", self.W, ndim=2, dtype=dtype)
        U = float_array("params.U", self.U, ndim=2, dtype=W.dtype)
        H = U.shape[0]
        check_shape("params.U", U, [("H", H), ("4H", 4 * H)])       # U alone fixes H: a transposed U is blamed
        check_shape("params.W", W, [("I", None), ("4H", 4 * H)])
        b = float_array("params.b", self.b, ndim=1, dtype=W.dtype)
        check_shape("params.b", b, [("4H", 4 * H)])
        return LSTMParams(W, U, b)


# --- the gate arithmetic of one step, shared by the cell and the layer ---------------------

def _gates(z: np.ndarray, H: int) -> np.ndarray:
    """Pre-activations z (B, 4H) -> activations [f | i | o | c_hat] (B, 4H), in place."""
    z[:, :3 * H] = sigmoid(z[:, :3 * H])
    np.tanh(z[:, 3 * H:], out=z[:, 3 * H:])
    return z


def _step_backward(dh, dc, a, c_prev, tanh_c, H):
    """Backward of c = f c_prev + i c_hat, h = o tanh(c) for one step.

    a : gate activations (B, 4H); returns (dz (B, 4H) w.r.t. pre-activations, dc_prev).
    """
    f, i, o, c_hat = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
    dc = dc + dh * o * (1 - tanh_c * tanh_c)              # through h = o tanh(c)
    dz = np.empty_like(a)
    dz[:, :H] = dc * c_prev * f * (1 - f)                  # d/dz_f
    dz[:, H:2 * H] = dc * c_hat * i * (1 - i)              # d/dz_i
    dz[:, 2 * H:3 * H] = dh * tanh_c * o * (1 - o)         # d/dz_o
    dz[:, 3 * H:] = dc * i * (1 - c_hat * c_hat)           # d/dz_c
    return dz, dc * f


# --- cell ----------------------------------------------------------------------------------

def lstm_cell_forward(x, params: LSTMParams, h_prev=None, c_prev=None):
    """One LSTM step (article eq. "lstm").

    Parameters
    ----------
    x : ndarray (B, I), float32 or float64
    params : LSTMParams of x's dtype
    h_prev, c_prev : ndarray (B, H), or None for zeros

    Returns
    -------
    (h, c) : ndarrays (B, H)
    cache : for :func:`lstm_cell_backward`
    """
    x = float_array("x", x, ndim=2)
    p = instance("params", params, LSTMParams).validated(x.dtype)
    check_shape("x", x, [("B", None), ("I", p.input_size)])
    B, H = x.shape[0], p.hidden_size
    h_prev = state_array("h_prev", h_prev, B, H, x.dtype)
    c_prev = state_array("c_prev", c_prev, B, H, x.dtype)
    a = _gates(x @ p.W + h_prev @ p.U + p.b, H)
    c = a[:, :H] * c_prev + a[:, H:2 * H] * a[:, 3 * H:]
    tanh_c = np.tanh(c)
    h = a[:, 2 * H:3 * H] * tanh_c
    return (h, c), (x, p, h_prev, c_prev, a, tanh_c)


def lstm_cell_backward(grads, cache):
    """Backward of :func:`lstm_cell_forward`.

    Parameters
    ----------
    grads : (dh, dc), each (B, H) or None for zero
    cache : from the forward

    Returns
    -------
    (dx (B, I), dparams LSTMParams, dh_prev (B, H), dc_prev (B, H))
    """
    x, p, h_prev, c_prev, a, tanh_c = cache
    B, H = h_prev.shape
    dh, dc = (state_array(n, g, B, H, x.dtype) for n, g in zip(("dh", "dc"), grads))
    dz, dc_prev = _step_backward(dh, dc, a, c_prev, tanh_c, H)
    dparams = LSTMParams(W=x.T @ dz, U=h_prev.T @ dz, b=dz.sum(axis=0))
    return dz @ p.W.T, dparams, dz @ p.U.T, dc_prev


# --- layer (backpropagation through time) ------------------------------------------------

def lstm_layer_forward(x, params: LSTMParams, h0=None, c0=None):
    """Run the LSTM over a sequence.

    Parameters
    ----------
    x : ndarray (T, B, I), float32 or float64, T >= 1
    params : LSTMParams of x's dtype
    h0, c0 : ndarray (B, H), or None for zeros

    Returns
    -------
    (hs, h_T, c_T) : hs (T, B, H) every step's h_t; h_T, c_T (B, H) the final states
    cache : for :func:`lstm_layer_backward`
    """
    x, p, h0, c0 = sequence_inputs(x, params, h0, c0, LSTMParams)
    (T, B, _), H = x.shape, p.hidden_size

    acts = (x.reshape(T * B, -1) @ p.W).reshape(T, B, 4 * H)   # x_t W for all t: one GEMM
    acts += p.b
    cs, tanh_cs, hs = (np.empty((T, B, H), dtype=x.dtype) for _ in range(3))
    h, c = h0, c0
    for t in range(T):
        acts[t] += h @ p.U                                      # + h_{t-1} U
        a = _gates(acts[t], H)
        c = cs[t] = a[:, :H] * c + a[:, H:2 * H] * a[:, 3 * H:]  # c_t = f c_{t-1} + i c_hat
        np.tanh(c, out=tanh_cs[t])
        h = np.multiply(a[:, 2 * H:3 * H], tanh_cs[t], out=hs[t])  # h_t = o tanh(c_t)
    return (hs, h.copy(), c), (x, p, h0, c0, acts, cs, tanh_cs, hs)


def lstm_layer_backward(grads, cache):
    """Backpropagation through time for :func:`lstm_layer_forward`.

    Parameters
    ----------
    grads : (dhs, dh_T, dc_T): dhs (T, B, H), dh_T and dc_T (B, H); any may be None (zero)
    cache : from the forward

    Returns
    -------
    (dx (T, B, I), dparams LSTMParams, dh0 (B, H), dc0 (B, H))
    """
    x, p, h0, c0, acts, cs, tanh_cs, hs = cache
    T, B, H = hs.shape
    dhs, dh_next, dc_next = grads
    if dhs is None:
        dhs = np.zeros_like(hs)
    else:
        dhs = float_array("dhs", dhs, dtype=x.dtype)
        check_shape("dhs", dhs, [("T", T), ("B", B), ("H", H)])
    dh_next = state_array("dh_T", dh_next, B, H, x.dtype)
    dc_next = state_array("dc_T", dc_next, B, H, x.dtype)

    dZ = np.empty_like(acts)
    UT = p.U.T
    for t in range(T - 1, -1, -1):
        c_prev = cs[t - 1] if t > 0 else c0
        dz, dc_next = _step_backward(dhs[t] + dh_next, dc_next, acts[t], c_prev, tanh_cs[t], H)
        dZ[t] = dz
        dh_next = dz @ UT

    dZ2 = dZ.reshape(T * B, 4 * H)
    h_prev = np.concatenate([h0[None], hs[:-1]]).reshape(T * B, H)
    dparams = LSTMParams(W=x.reshape(T * B, -1).T @ dZ2,      # one GEMM each
                         U=h_prev.T @ dZ2,
                         b=dZ2.sum(axis=0))
    dx = (dZ2 @ p.W.T).reshape(x.shape)
    return dx, dparams, dh_next, dc_next


# --- PyTorch nn.LSTM layout ----------------------------------------------------------------

_TORCH_FROM_OURS = (1, 0, 3, 2)  # torch block j (i, f, g, o) is our block _TORCH_FROM_OURS[j]; self-inverse


def _reorder(a: np.ndarray, axis: int) -> np.ndarray:
    blocks = np.split(a, 4, axis=axis)
    return np.concatenate([blocks[k] for k in _TORCH_FROM_OURS], axis=axis)


def to_torch_layout(params: LSTMParams, layer: int = 0) -> dict[str, np.ndarray]:
    """Arrays for ``torch.nn.LSTM``'s state dict (layer ``layer``, forward direction).

    ``weight_ih_l{k}`` (4H, I) and ``weight_hh_l{k}`` (4H, H) in gate order i, f, g, o;
    the whole bias goes to ``bias_ih_l{k}`` and ``bias_hh_l{k}`` is zeros (PyTorch adds the
    two, so only their sum is defined). Load into torch with
    ``module.load_state_dict({k: torch.from_numpy(v) for k, v in d.items()})``.
    """
    p = instance("params", params, LSTMParams).validated()
    return {f"weight_ih_l{layer}": _reorder(p.W, 1).T.copy(),
            f"weight_hh_l{layer}": _reorder(p.U, 1).T.copy(),
            f"bias_ih_l{layer}": _reorder(p.b, 0),
            f"bias_hh_l{layer}": np.zeros_like(p.b)}


def from_torch_layout(state, layer: int = 0) -> LSTMParams:
    """LSTMParams from ``torch.nn.LSTM`` arrays (a mapping name -> array, e.g. a state dict
    converted with ``.detach().numpy()``). The two biases are summed; missing biases
    (``bias=False``) count as zeros."""
    def get(key, required=True):
        if key not in state:
            if required:
                raise ValueError(f"state: missing key {key!r} (have {sorted(state)})")
            return None
        return float_array(f"state[{key!r}]", np.asarray(state[key]))

    w_ih, w_hh = get(f"weight_ih_l{layer}"), get(f"weight_hh_l{layer}")
    if w_ih.ndim != 2 or w_ih.shape[0] % 4:
        raise ValueError(f"state['weight_ih_l{layer}']: expected shape (4H, I), got {w_ih.shape}")
    H = w_ih.shape[0] // 4
    check_shape(f"state['weight_hh_l{layer}']", w_hh, [("4H", 4 * H), ("H", H)])
    b = np.zeros(4 * H, dtype=w_ih.dtype)
    for key in (f"bias_ih_l{layer}", f"bias_hh_l{layer}"):
        bias = get(key, required=False)
        if bias is not None:
            check_shape(f"state[{key!r}]", bias, [("4H", 4 * H)])
            b = b + bias
    return LSTMParams(W=_reorder(w_ih.T, 1), U=_reorder(w_hh.T, 1), b=_reorder(b, 0)).validated()
