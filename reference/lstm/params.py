"""LSTM parameters in the article's notation, and the gate blocks of packed arrays.

kexue.fm/archives/6621, eq. "lstm": gates packed in the order **f, i, o, c_hat**, so
``W[:, 0:H]`` is W_f, ``W[:, H:2H]`` W_i, ``W[:, 2H:3H]`` W_o and ``W[:, 3H:4H]`` W_c.
Weights are (in, out): ``W`` (I, 4H), ``U`` (H, 4H); one bias ``b`` (4H,).
"""
from __future__ import annotations

import dataclasses

import numpy as np

from ..core.validate import check_shape, float_array, float_dtype, generator, positive_int

GATES = ("f", "i", "o", "c_hat")  # column-block order of W, U and b


def split_gates(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Views ``(f, i, o, c_hat)`` of the four gate blocks of the last axis of ``a`` (..., 4H).

    Writing into a view writes into ``a``, so backward passes fill ``dz`` block by block.

    >>> f, i, o, c_hat = split_gates(np.arange(8.0))
    >>> c_hat
    array([6., 7.])
    """
    if not isinstance(a, np.ndarray) or a.ndim == 0 or a.shape[-1] % 4:
        raise ValueError(f"a: expected an array (..., 4H), got {type(a).__name__} {getattr(a, 'shape', '')}")
    return _gate_views(a)


def _gate_views(a: np.ndarray):
    """:func:`split_gates` without its check, for the layers' time loops (``a`` is theirs)."""
    H = a.shape[-1] // 4
    return a[..., :H], a[..., H:2 * H], a[..., 2 * H:3 * H], a[..., 3 * H:]


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

    def validated(self, dtype=None, name: str = "params") -> "LSTMParams":
        """Return the params as arrays of one float dtype with consistent shapes, or raise (messages
        name the fields as ``{name}.W``, so a caller with two sets can say which)."""
        W = float_array(f"{name}.W", self.W, ndim=2, dtype=dtype)
        U = float_array(f"{name}.U", self.U, ndim=2, dtype=W.dtype)
        H = U.shape[0]
        check_shape(f"{name}.U", U, [("H", H), ("4H", 4 * H)])       # U alone fixes H: a transposed U is blamed
        check_shape(f"{name}.W", W, [("I", None), ("4H", 4 * H)])
        b = float_array(f"{name}.b", self.b, ndim=1, dtype=W.dtype)
        check_shape(f"{name}.b", b, [("4H", 4 * H)])
        return LSTMParams(W, U, b)
