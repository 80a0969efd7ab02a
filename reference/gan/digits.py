"""The 8x8 handwritten digits (1797 images, pixel values 0..16, about 180 per class) that ship
inside scikit-learn's wheel as ``sklearn/datasets/data/digits.csv.gz``, read as a CSV through
the package metadata: scikit-learn is never imported (the ``data`` extra installs it). The
file is data: 65 integer columns a row (64 pixels row-major, then the label), checked on read.

Images are scaled to [-1, 1] as the article does for 0..255 (``x / 255 * 2 - 1``), with 16 as
the peak here; :func:`from_unit` is the exact inverse.

>>> to_unit(np.array([0.0, 8.0, 16.0]))
array([-1.,  0.,  1.])
>>> from_unit(to_unit(np.array([3.0, 11.0])))
array([ 3., 11.])
"""
from __future__ import annotations

import gzip
import importlib.metadata
import os
import zlib

import numpy as np

from ..core.validate import real_array

PEAK = 16.0
RELATIVE = "sklearn/datasets/data/digits.csv.gz"


def digits_path() -> str:
    """The table's path inside the installed scikit-learn, or a ValueError saying how to install it."""
    try:
        dist = importlib.metadata.distribution("scikit-learn")
    except importlib.metadata.PackageNotFoundError:
        dist = None
    path = None if dist is None else os.fspath(dist.locate_file(RELATIVE))
    if path is None or not os.path.isfile(path):
        from ..core.extras import install_hint

        raise ValueError(f"the 8x8 digits: {install_hint('sklearn')}")
    return path


def load_digits(path: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(images (n, 8, 8, 1) float64 in 0..16, labels (n,) int64) from the table at ``path``
    (default: the installed scikit-learn's)."""
    path = digits_path() if path is None else os.fspath(path)
    try:
        with gzip.open(path, "rt", encoding="ascii") as fh:
            table = np.loadtxt(fh, delimiter=",", ndmin=2)
    except (OSError, EOFError, zlib.error, UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"{path}: not a readable gzip CSV of numbers ({exc})") from None
    if table.shape[1] != 65 or len(table) == 0:
        raise ValueError(f"{path}: expected rows of 64 pixels and a label, got shape {table.shape}")
    if np.any(table != np.round(table)) or table[:, :64].min() < 0 or table[:, :64].max() > PEAK \
            or not set(np.unique(table[:, 64])) <= set(range(10)):
        raise ValueError(f"{path}: expected integer pixels 0..16 and labels 0..9")
    return table[:, :64].reshape(-1, 8, 8, 1), table[:, 64].astype(np.int64)


def to_unit(x, peak: float = PEAK) -> np.ndarray:
    """Pixels 0..peak to [-1, 1]: ``x / peak * 2 - 1``."""
    return real_array("x", x) / peak * 2 - 1


def from_unit(x, peak: float = PEAK) -> np.ndarray:
    """The inverse of :func:`to_unit`: ``(x + 1) / 2 * peak``."""
    return (real_array("x", x) + 1) / 2 * peak
