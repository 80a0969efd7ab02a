"""Reading and writing dicts of arrays as ``.npz``: numeric (optionally unicode) arrays, written atomically.

Files are written to a temporary file in the target's folder and renamed into place, so an
interrupted write never leaves a half-written file under the target name; they get the
permissions the umask asks for. Loading never unpickles (``allow_pickle=False``), reads only
regular files, and bounds memory before reading anything: the file's size, the uncompressed
sizes its zip directory declares (at most ``max_bytes`` in all, :data:`MAX_NPZ_BYTES` by
default, and above 16 MiB at most ``max_inflation`` times the file's size, so a small file
cannot inflate to gigabytes; what this package writes is stored uncompressed) and each
member's ``.npy`` header (its shape times its item size must fit the
member's declared size, so a header cannot make NumPy allocate more than the file holds).

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

from .files import atomic_path, input_file

MAX_NPZ_BYTES = 1 << 30   # uncompressed bytes an .npz may declare (models, golden cases, checkpoints)
MAX_INFLATION = 64        # declared uncompressed size over file size, above 16 MiB declared (np.savez stores)


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


def _check_members(path, max_bytes: int, max_inflation) -> None:
    """Every member's declared size, and its .npy header, within bounds (before any array is read)."""
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        total = sum(i.file_size for i in infos)
        if total > max_bytes:
            raise ValueError(f"{path}: its members declare {total / 2**20:.0f} MiB uncompressed, more than the "
                             f"{max_bytes / 2**20:.0f} MiB allowed")
        size = os.path.getsize(path)
        if max_inflation is not None and total > 16 << 20 and total > max_inflation * size:
            raise ValueError(f"{path}: {size / 2**20:.1f} MiB that declare {total / 2**20:.0f} MiB uncompressed "
                             f"(more than {max_inflation} times the file; pass max_inflation=None to read it anyway)")
        for info in infos:
            if not info.filename.endswith(".npy"):
                continue
            with zf.open(info) as fh:
                version = np.lib.format.read_magic(fh)
                read = {(1, 0): np.lib.format.read_array_header_1_0,
                        (2, 0): np.lib.format.read_array_header_2_0}.get(version)
                if read is None:
                    raise ValueError(f"{path}: member {info.filename!r} has .npy format {version}, expected 1.0 or 2.0")
                shape, _, dtype = read(fh)
                need = int(np.prod(shape, dtype=object)) * dtype.itemsize
                if need > info.file_size:
                    raise ValueError(f"{path}: member {info.filename!r} declares shape {shape} of {dtype} "
                                     f"({need} bytes) in {info.file_size} bytes (damaged or crafted)")


def load_npz(path, *, max_bytes: int = MAX_NPZ_BYTES, max_inflation=MAX_INFLATION) -> dict[str, np.ndarray]:
    """Read an ``.npz`` into a plain dict; a missing, truncated, oversized or non-npz file (or one
    that is not a regular file) is a ``ValueError`` naming it."""
    try:
        path = input_file("path", path, max_bytes=max_bytes)
        _check_members(path, max_bytes, max_inflation)
        with np.load(path, allow_pickle=False) as data:
            return {name: data[name] for name in data.files}
    except (zipfile.BadZipFile, OSError, EOFError, KeyError) as exc:
        raise ValueError(f"{path}: not a readable .npz file ({exc})") from None
    except ValueError as exc:
        if str(exc).startswith(f"{path}:"):
            raise
        raise ValueError(f"{path}: not a readable .npz file ({exc})") from None
