"""Files and folders the tools write: atomically, with the user's permissions, checked before work.

- :func:`atomic_path` yields a temporary name beside the target; the caller writes it, and only
  a complete file is renamed into place (an interrupted or failed write leaves the target as it
  was and no temporary behind).
- :func:`atomic_directory` does the same for a whole folder (the golden set): it is built
  beside the target and swapped in, so old and new files are never mixed.
- Both give the result the permissions the umask asks for (``tempfile`` alone creates 0600
  files and 0700 folders, which other users of a shared folder could not read).
- :func:`output_file` and :func:`output_directory` check an output path *before* long work
  starts (a training run is never lost to a typo in ``--save``): the folder exists, is
  writable, the name is not a folder, the extension is one the writer understands, and an
  existing target is a regular file (a FIFO or a device such as ``/dev/null`` is never
  replaced by a file).
- :func:`input_file` checks a file the tools read: it exists, is a regular file (a FIFO would
  block, a device never end) and is at most a given size, so nothing is read unbounded.

Example
-------
>>> import os, tempfile
>>> target = os.path.join(tempfile.mkdtemp(), "notes.txt")
>>> with atomic_path(target) as tmp:
...     with open(tmp, "w") as fh:
...         _ = fh.write("complete")
>>> open(target).read()
'complete'
"""
from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile


def _umask() -> int:
    old = os.umask(0o022)
    os.umask(old)
    return old


@contextlib.contextmanager
def atomic_path(path, *, suffix: str = ""):
    """Yield a temporary file name in ``path``'s folder; on success it replaces ``path``."""
    path = os.fspath(path)
    _regular_or_absent("path", path)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=suffix, dir=os.path.dirname(os.path.abspath(path)))
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_text(path, text: str) -> None:
    """Write ``text`` to ``path`` atomically."""
    with atomic_path(path) as tmp, open(tmp, "w") as fh:
        fh.write(text)


@contextlib.contextmanager
def atomic_directory(path, *, may_replace=lambda name: False):
    """Yield a temporary folder beside ``path``; on success it takes ``path``'s place.

    An existing ``path`` is replaced only if every entry in it satisfies ``may_replace(name)``
    (so a folder of someone's own files is never deleted); otherwise ``ValueError`` before
    anything is written. The swap is two renames: an interruption between them leaves the
    complete old folder as ``.old-*`` beside ``path``, never a mix.
    """
    path = os.path.abspath(os.fspath(path))
    if os.path.lexists(path):
        if not os.path.isdir(path) or os.path.islink(path):
            raise ValueError(f"{path}: exists and is not a folder")
        foreign = sorted(n for n in os.listdir(path) if not may_replace(n))
        if foreign:
            raise ValueError(f"{path}: not empty and holds {foreign[0]!r}, which this command did not write; "
                             "refusing to replace the folder (choose another or empty it)")
    parent = os.path.dirname(path)
    tmp = tempfile.mkdtemp(prefix=".tmp-", dir=parent)
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~_umask())
        if os.path.exists(path):
            old = tempfile.mkdtemp(prefix=".old-", dir=parent)
            os.replace(path, os.path.join(old, "previous"))
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _regular_or_absent(name: str, path: str) -> None:
    """An output target must not exist or be a regular file (a symlink to one is followed)."""
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):   # the folder checks that follow name the problem
        return
    except OSError as exc:
        raise ValueError(f"{name}: {path!r}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        raise ValueError(f"{name}: {path!r} exists and is not a regular file (a FIFO, socket or device); "
                         "refusing to replace it")


def input_file(name: str, path, *, max_bytes: int) -> str:
    """Check a file to be read: it exists, is a regular file and holds at most ``max_bytes``;
    returns it as a str. Problems are ``ValueError`` naming the file (``name`` when it is empty)."""
    path = os.fspath(path) if path is not None else ""
    if not path.strip():
        raise ValueError(f"{name}: expected a file name, got an empty one")
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ValueError(f"{path}: no such file") from None
    except OSError as exc:
        raise ValueError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise ValueError(f"{path}: is a folder; expected a file")
    if not stat.S_ISREG(st.st_mode):
        raise ValueError(f"{path}: not a regular file (a FIFO, socket or device); refusing to read it")
    if st.st_size > max_bytes:
        raise ValueError(f"{path}: {st.st_size / 2**20:.1f} MiB, more than the {max_bytes / 2**20:.0f} MiB "
                         "this file may hold")
    return path


def _writable_folder(name: str, folder: str) -> None:
    if not os.path.isdir(folder):
        what = "the folder {!r} does not exist" if not os.path.exists(folder) else "{!r} is a file, not a folder"
        raise ValueError(f"{name}: " + what.format(folder))
    try:  # the honest test (os.access is always true for root, and wrong on some file systems)
        fd, probe = tempfile.mkstemp(prefix=".tmp-", dir=folder)
    except OSError as exc:
        raise ValueError(f"{name}: cannot write in {folder!r} ({exc.strerror or exc})") from None
    os.close(fd)
    os.unlink(probe)


def output_file(name: str, path, extensions=None) -> str:
    """Check that ``path`` can be written as a file, before any work; returns it as a str.

    ``extensions``: allowed endings such as ``(".npz",)`` (case-insensitive), or None for any."""
    path = os.fspath(path) if path is not None else ""
    if not path.strip():
        raise ValueError(f"{name}: expected a file name, got an empty one")
    if os.path.isdir(path):
        raise ValueError(f"{name}: {path!r} is a folder; expected a file name")
    _regular_or_absent(name, path)
    ext = os.path.splitext(path)[1].lower()
    if extensions is not None and ext not in extensions:
        raise ValueError(f"{name}: expected a file name ending in {' or '.join(extensions)}, got {path!r}")
    _writable_folder(name, os.path.dirname(os.path.abspath(path)))
    return path


def output_directory(name: str, path) -> str:
    """Check that ``path`` is a folder that exists or can be created (its parent must exist)."""
    path = os.fspath(path) if path is not None else ""
    if not path.strip():
        raise ValueError(f"{name}: expected a folder name, got an empty one")
    if os.path.exists(path) and not os.path.isdir(path):
        raise ValueError(f"{name}: {path!r} is a file; expected a folder")
    _writable_folder(name, os.path.dirname(os.path.abspath(path)))
    return path
