"""Argument checks shared by every public op.

Every public function validates at its boundary and raises ``TypeError`` (wrong kind of
value, non-float dtype, mixed dtypes) or ``ValueError`` (wrong shape, out-of-range value)
with a message that names the argument, what was expected and what was given, e.g.::

    ValueError: h0: expected shape (B=2, H=5), got (3, 5)

The helpers return the validated array so a call site reads
``x = float_array("x", x, ndim=3)``.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .limits import MAX_ATOL, MAX_RTOL  # noqa: F401  (the tolerance caps, importable here as before)

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def float_array(name: str, value, *, ndim: int | None = None, dtype=None, min_ndim: int | None = None) -> np.ndarray:
    """Return ``value`` as a float32/float64 ndarray (no copy when it already is one).

    Parameters
    ----------
    name : str
        Argument name used in error messages.
    value : array_like
        Must hold float32 or float64 numbers. Python lists of floats become float64.
    ndim : int, optional
        Required number of dimensions.
    min_ndim : int, optional
        Least number of dimensions (e.g. 1 for ``(..., D)``).
    dtype : numpy dtype, optional
        Required dtype (used to insist that all arrays of one op share a dtype).
    """
    if isinstance(value, np.ndarray):
        arr = value
    else:
        try:
            arr = np.asarray(value)
        except Exception as exc:  # ragged lists and the like
            raise TypeError(f"{name}: expected a float array, got {type(value).__name__} ({exc})") from None
    if arr.dtype not in FLOAT_DTYPES:
        raise TypeError(f"{name}: expected a floating-point array (float32 or float64), got dtype {arr.dtype}")
    if dtype is not None and arr.dtype != np.dtype(dtype):
        raise TypeError(f"{name}: expected dtype {np.dtype(dtype)} (the dtype of the other inputs), got {arr.dtype}")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-d array, got shape {arr.shape} ({arr.ndim}-d)")
    if min_ndim is not None and arr.ndim < min_ndim:
        raise ValueError(f"{name}: expected at least {min_ndim} axes, got shape {arr.shape} ({arr.ndim}-d)")
    return arr


def check_shape(name: str, arr: np.ndarray, expected: Sequence[tuple[str, int | None]]) -> None:
    """Raise ``ValueError`` unless ``arr.shape`` matches ``expected``.

    ``expected`` is a sequence of ``(label, size)`` pairs; ``size=None`` accepts any size.
    The message spells the expectation with its labels, e.g. ``(B=2, H=5)``.
    """
    want = tuple(size for _, size in expected)
    ok = arr.ndim == len(want) and all(w is None or w == s for w, s in zip(want, arr.shape))
    if not ok:
        spelled = ", ".join(label if size is None else f"{label}={size}" for label, size in expected)
        raise ValueError(f"{name}: expected shape ({spelled}), got {arr.shape}")


def check_finite(name: str, arr: np.ndarray) -> None:
    """Raise ``ValueError`` if ``arr`` holds NaN or infinity."""
    if not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name}: expected finite values, got {bad} NaN/inf entr{'y' if bad == 1 else 'ies'}")


def float_dtype(name: str, dtype) -> np.dtype:
    """``dtype`` as a NumPy dtype, which must be float32 or float64 (parameters are never integers)."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{name}: expected float32 or float64, got {dtype!r}") from None
    if dt not in FLOAT_DTYPES:
        raise TypeError(f"{name}: expected float32 or float64, got {dt}")
    return dt


def generator(name: str, rng) -> np.random.Generator:
    """``rng`` as a ``numpy.random.Generator``, the scientific-Python convention (SPEC 7): a
    Generator is used as it is, an integer seed (or a ``SeedSequence``) becomes
    ``np.random.default_rng(seed)`` (so ``rng=0`` and ``rng=np.random.default_rng(0)`` give the
    same results), and ``None`` fresh entropy (a run that cannot be repeated). Anything else,
    the legacy ``RandomState`` included, is a TypeError naming ``name``."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, np.random.SeedSequence) or (
            isinstance(rng, (int, np.integer)) and not isinstance(rng, bool)):
        if isinstance(rng, (int, np.integer)) and rng < 0:
            raise ValueError(f"{name}: expected a seed >= 0, got {rng}")
        return np.random.default_rng(rng)
    raise TypeError(f"{name}: expected an int seed, a numpy.random.Generator (e.g. np.random.default_rng(0)) or "
                    f"None, got {type(rng).__name__} {rng!r}"[:200])


def instance(name: str, value, cls):
    """Return ``value`` if it is a ``cls``; anything else (a tuple, a dict, another model's
    params, None) is a TypeError naming the argument."""
    if not isinstance(value, cls):
        raise TypeError(f"{name}: expected {cls.__name__}, got {type(value).__name__}")
    return value


def positive_int(name: str, value, *, at_most: int | None = None) -> int:
    """Return ``value`` as an int, raising unless it is an integer >= 1 (and <= ``at_most``)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}: expected a positive integer, got {type(value).__name__} {value!r}")
    if value < 1:
        raise ValueError(f"{name}: expected a positive integer, got {value}")
    if at_most is not None and value > at_most:
        raise ValueError(f"{name}: expected a positive integer <= {at_most}, got {value}")
    return int(value)


def normalise_axis(name: str, axis, ndim: int) -> int:
    """Return ``axis`` as a non-negative index into an array of ``ndim`` dimensions."""
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{name}: expected an integer axis, got {type(axis).__name__}")
    if not -ndim <= axis < ndim:
        raise ValueError(f"{name}: expected an axis in [{-ndim}, {ndim - 1}], got {axis}")
    return int(axis) % ndim


def tolerance(name: str, value, *, cap: float) -> float:
    """``value`` as a float, which must be a real number, finite, >= 0 and <= ``cap``
    (``TypeError`` for a non-number, ``ValueError`` otherwise, naming ``name``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name}: expected a number, got {type(value).__name__} {value!r}"[:200])
    v = float(value)
    if not (np.isfinite(v) and 0.0 <= v <= cap):
        raise ValueError(f"{name}: expected a finite number >= 0 and <= {cap:g}, got {value!r}")
    return v


def dense_chain(x_name: str, x, layers, *, dtype=None, x_ndim: int | None = 2) -> tuple:
    """Validate an input ``x`` (N, d) (any number of leading axes with ``x_ndim=None``) and a
    chain of dense layers read ``x @ W + b`` in order,
    each given as ``(W_name, W, b_name, b)`` with the public names (``params.W1g``): every W a
    2-d float array of x's dtype whose rows match the previous width, every b 1-d of W's
    columns. Returns ``(x, ((W, b), ...))``; the messages name the argument at fault."""
    x = float_array(x_name, x, ndim=x_ndim, dtype=dtype)
    if x.ndim < 1:
        raise ValueError(f"{x_name}: expected at least 1 axis (features last), got a 0-d array")
    width, out = x.shape[-1], []
    for W_name, W, b_name, b in layers:
        W = float_array(W_name, W, ndim=2, dtype=x.dtype)
        if W.shape[0] != width:
            raise ValueError(f"{W_name}: expected {width} rows (the width of its input), got shape {W.shape}")
        b = float_array(b_name, b, ndim=1, dtype=x.dtype)
        check_shape(b_name, b, [("columns of " + W_name, W.shape[1])])
        out.append((W, b))
        width = W.shape[1]
    return x, tuple(out)


def gradient(name: str, value, shape, dtype=None) -> np.ndarray:
    """The incoming gradient of a backward pass: real numbers (any real dtype, cast to ``dtype``
    when given) of the forward output's ``shape`` (None: any shape). A complex or text gradient
    is a TypeError and a wrong shape a ValueError, both naming ``name``."""
    g = np.asarray(value)
    if g.dtype.kind not in "iuf":
        raise TypeError(f"{name}: expected a real floating-point gradient, got dtype {g.dtype}")
    if shape is not None and g.shape != tuple(shape):
        raise ValueError(f"{name}: expected shape {tuple(shape)} (the forward output's), got {g.shape}")
    return g if dtype is None else g.astype(dtype, copy=False)


def scalar_gradient(name: str, value) -> float:
    """The incoming gradient of a 0-d loss, as a float: one real number (shape ())."""
    return float(gradient(name, value, ()))


_KINDS = {"b": "booleans", "i": "integers", "u": "integers", "f": "floating-point numbers"}


def numeric_array(name: str, value, *, kinds: str = "iuf", ndim: int | None = None) -> np.ndarray:
    """``value`` as an ndarray whose dtype kind is one of ``kinds`` (``"iu"`` integers, ``"f"``
    floats, ``"b"`` booleans); complex, text and object arrays are a TypeError naming ``name``."""
    try:
        arr = np.asarray(value)
    except Exception as exc:   # ragged lists and the like
        raise TypeError(f"{name}: expected an array, got {type(value).__name__} ({exc})") from None
    if arr.dtype.kind not in kinds:
        wanted = " or ".join(dict.fromkeys(_KINDS[k] for k in kinds))
        raise TypeError(f"{name}: expected an array of {wanted}, got dtype {arr.dtype}")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-d array, got shape {arr.shape} ({arr.ndim}-d)")
    return arr


def text(name: str, value) -> str:
    """``value`` if it is a str, else a TypeError naming ``name``."""
    if not isinstance(value, str):
        raise TypeError(f"{name}: expected text (str), got {type(value).__name__}")
    return value


def real_array(name: str, value, dtype=np.float64, *, ndim: int | None = None) -> np.ndarray:
    """``value`` (real numbers of any dtype: booleans, integers, floats) as an array of ``dtype``;
    complex values are a TypeError naming ``name`` (``np.asarray(v, dtype=float)`` would drop
    their imaginary parts with only a warning)."""
    return numeric_array(name, value, kinds="biuf", ndim=ndim).astype(dtype)


_MOVED = {"state_array": "reference.ops.recurrent", "sequence_inputs": "reference.ops.recurrent"}


def __getattr__(name):
    """Deprecated names (for one release): the recurrent checks moved to
    :mod:`reference.ops.recurrent` (core knows no article)."""
    if name in _MOVED:
        import importlib
        import warnings

        warnings.warn(f"reference.core.validate.{name} is deprecated; import it from {_MOVED[name]}",
                      DeprecationWarning, stacklevel=2)
        return getattr(importlib.import_module(_MOVED[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
