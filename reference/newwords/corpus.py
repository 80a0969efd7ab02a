"""Reading corpora for ``refspace words``: UTF-8 files, gzip files, or standard input, streamed.

Each line is a document (for ``dedup``); sentences never cross lines. Every file is checked
before any work (missing, a folder, unreadable); lines are then read one at a time, so a
corpus never has to fit in memory. A line that is not valid UTF-8 is refused with the file's
byte offset of the first bad byte (in the decompressed data for gzip). Inputs must be regular
files (a FIFO or a device would block or never end), standard input must be open, and no line
may be longer than :data:`MAX_LINE_BYTES` (a small gzip can inflate to one enormous line).
"""
from __future__ import annotations

import gzip
import os
import stat
import sys
import zlib

MAX_LINE_BYTES = 64 << 20   # one document (line) at most 64 MiB, decompressed


def check_inputs(paths) -> list[str]:
    """The paths, each an existing readable file (or "-" once, standard input)."""
    out = []
    for path in paths:
        if path == "-":
            out.append(path)
            continue
        name = os.fspath(path)
        if os.path.isdir(name):
            raise ValueError(f"{name}: is a folder; expected a UTF-8 text file")
        if not os.path.exists(name):
            raise ValueError(f"{name}: no such file")
        if not stat.S_ISREG(os.stat(name).st_mode):
            raise ValueError(f"{name}: not a regular file (a FIFO, socket or device); expected a UTF-8 text file")
        if not os.access(name, os.R_OK):
            raise ValueError(f"{name}: cannot read (permission denied)")
        out.append(name)
    if out.count("-") > 1:
        raise ValueError("CORPUS: standard input (-) can be read once")
    if "-" in out and (sys.stdin is None or getattr(sys.stdin, "buffer", None) is None):
        raise ValueError("CORPUS: - names standard input, which is closed")
    return out


def _binary(path):
    if path == "-":
        return "<stdin>", sys.stdin.buffer, False
    fh = open(path, "rb")
    if fh.peek(2)[:2] == b"\x1f\x8b":
        return path, gzip.GzipFile(fileobj=fh), True
    return path, fh, True


def iter_documents(paths):
    """The lines of every file, decoded; see the module docstring."""
    for path in check_inputs(paths):
        name, fh, close = _binary(path)
        offset, number = 0, 0
        try:
            for raw in iter(lambda: fh.readline(MAX_LINE_BYTES + 1), b""):
                number += 1
                if len(raw) > MAX_LINE_BYTES:
                    raise ValueError(f"{name}: line {number} is longer than {MAX_LINE_BYTES >> 20} MiB (one line "
                                     "is one document; split the text into lines)")
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise ValueError(f"{name}: not valid UTF-8 at byte {offset + exc.start} ({exc.reason})") from None
                offset += len(raw)
                yield line.rstrip("\r\n")
        except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
            raise ValueError(f"{name}: a damaged gzip file ({exc or type(exc).__name__})") from None
        except OSError as exc:
            raise ValueError(f"{name}: cannot read ({exc.strerror or exc})") from None
        finally:
            if close:
                fh.close()

