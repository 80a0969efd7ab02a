"""Reading and writing dicts of arrays as ``.npz``: numeric (optionally unicode) arrays, written atomically.

Files are written to a temporary file in the target's folder and renamed into place, so an
interrupted write never leaves a half-written file under the target name; they get the
permissions the umask asks for. Loading never
unpickles (``allow_pickle=False``).

Example
-------
>>> import os, tempfile, numpy as np
>>> path = os.path.join(tempfile.mkdtemp(), "w.npz")
>>> save_npz(path, {"W": np.eye(2)})
>>> load_npz(path)["W"]
array([[1., 0.],
       [0., 1.]])
"""
from __future__ import annotations

import os
import zipfile

import numpy as np

from .files import atomic_path


def save_npz(path, arrays: dict, *, allow_text: bool = False) -> None:
    """Write ``arrays`` (name -> numeric array) to ``path`` atomically (temp file + rename).

    ``allow_text=True`` also accepts fixed-width unicode arrays (e.g. a vocabulary), which
    load without pickling too; object arrays are always refused."""
    if not isinstance(arrays, dict):
        raise TypeError(f"arrays: expected a dict of name -> array, got {type(arrays).__name__}")
    clean = {}
    for name, value in arrays.items():
        a = np.asarray(value)
        if a.dtype == object or not (np.issubdtype(a.dtype, np.number) or a.dtype == bool or
                                     (allow_text and a.dtype.kind == "U")):
            raise TypeError(f"arrays[{name!r}]: expected a numeric array, got dtype {a.dtype}")
        clean[name] = a
    with atomic_path(path, suffix=".npz") as tmp, open(tmp, "wb") as fh:
        np.savez(fh, **clean)


def load_npz(path) -> dict[str, np.ndarray]:
    """Read an ``.npz`` into a plain dict; a missing, truncated or non-npz file is a ``ValueError``."""
    try:
        with np.load(os.fspath(path), allow_pickle=False) as data:
            return {name: data[name] for name in data.files}
    except FileNotFoundError:
        raise ValueError(f"{path}: no such file") from None
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ValueError(f"{path}: not a readable .npz file ({exc})") from None
