"""ON-LSTM parameters and the two master-input variants (DropConnect masks: :mod:`reference.onlstm.dropconnect`).

Packed column order (this project's, the article's equation order)::

    [ f (H) | i (H) | o (H) | c_hat (H) | f_tilde (L) | i_tilde (L) ]

so the first 4H columns are exactly an :class:`~reference.lstm.LSTMParams` layout and the
last 2L hold the master-gate logits. L = n_chunk levels; H = n_chunk * chunk_size; neuron
j belongs to level (chunk) j // chunk_size. Converters to the ON-LSTM authors' PyTorch
layout and the article author's Keras layout are in :mod:`reference.onlstm.layouts`.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from ..core.validate import check_shape, float_array, float_dtype, generator, positive_int
from ..lstm import LSTMParams

#: master input gate variants (kexue.fm/archives/6621, "Notes" after eq. update-o3):
#: "paper"   i_tilde = 1 - cumax(m_i): the exclusive reverse cumsum sum_{j>k} p_j (authors' code; default)
#: "article" i_tilde = rev_cumax(m_i): the inclusive reverse cumsum sum_{j>=k} p_j (article author's code)
MASTER_INPUT_VARIANTS = ("paper", "article")


def check_variant(master_input: str) -> str:
    if master_input not in MASTER_INPUT_VARIANTS:
        raise ValueError(f"master_input: expected one of {MASTER_INPUT_VARIANTS}, got {master_input!r}")
    return master_input


@dataclasses.dataclass(frozen=True)
class ONLSTMParams:
    """ON-LSTM weights (row-vector convention ``z = x W + h U + b``).

    Attributes
    ----------
    W : ndarray (I, 4H + 2L)  input weights, columns [f | i | o | c_hat | f_tilde | i_tilde]
    U : ndarray (H, 4H + 2L)  recurrent weights, same columns
    b : ndarray (4H + 2L,)    bias
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

    @property
    def n_chunk(self) -> int:
        return (self.U.shape[1] - 4 * self.U.shape[0]) // 2

    @property
    def chunk_size(self) -> int:
        return self.hidden_size // self.n_chunk

    @staticmethod
    def shapes(input_size: int, hidden_size: int, n_chunk: int) -> dict[str, tuple[int, ...]]:
        G = 4 * hidden_size + 2 * n_chunk
        return {"W": (input_size, G), "U": (hidden_size, G), "b": (G,)}

    @classmethod
    def init(cls, input_size: int, hidden_size: int, chunk_size: int, rng: np.random.Generator,
             dtype=np.float64) -> "ONLSTMParams":
        """Uniform(-1/sqrt(H), 1/sqrt(H)) entries (``nn.Linear``-like scale) for the given sizes.

        ``chunk_size`` must divide ``hidden_size``; ``chunk_size=1`` gives one level per neuron,
        ``chunk_size=hidden_size`` a single level.
        """
        input_size = positive_int("input_size", input_size)
        hidden_size = positive_int("hidden_size", hidden_size)
        chunk_size = positive_int("chunk_size", chunk_size)
        rng, dtype = generator("rng", rng), float_dtype("dtype", dtype)
        if hidden_size % chunk_size:
            raise ValueError(f"chunk_size: expected a divisor of hidden_size={hidden_size}, got {chunk_size}")
        k = 1.0 / np.sqrt(hidden_size)
        shapes = cls.shapes(input_size, hidden_size, hidden_size // chunk_size)
        return cls(**{name: rng.uniform(-k, k, s).astype(dtype) for name, s in shapes.items()})

    def validated(self, dtype=None, name: str = "params") -> "ONLSTMParams":
        """Return the params as arrays of one float dtype with consistent shapes, or raise (messages
        name the fields as ``{name}.W``, so a stack can say which layer)."""
        W = float_array(f"{name}.W", self.W, ndim=2, dtype=dtype)
        U = float_array(f"{name}.U", self.U, ndim=2, dtype=W.dtype)
        H, G = U.shape
        L2 = G - 4 * H
        if L2 <= 0 or L2 % 2:
            raise ValueError(f"{name}.U: expected shape (H, 4H + 2L) with L >= 1 levels, got {U.shape}")
        L = L2 // 2
        if H % L:
            raise ValueError(f"{name}: n_chunk L={L} does not divide the hidden size H={H} "
                             f"(chunk_size must be a whole number)")
        check_shape(f"{name}.W", W, [("I", None), ("4H+2L", G)])
        b = float_array(f"{name}.b", self.b, ndim=1, dtype=W.dtype)
        check_shape(f"{name}.b", b, [("4H+2L", G)])
        return ONLSTMParams(W, U, b)

    def lstm_part(self) -> LSTMParams:
        """The first 4H columns: the plain-LSTM gates f, i, o, c_hat."""
        H4 = 4 * self.hidden_size
        return LSTMParams(self.W[:, :H4], self.U[:, :H4], self.b[:H4])
