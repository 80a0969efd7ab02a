"""Reading corpora for ``refspace words``: UTF-8 files, gzip files, or standard input, streamed.

Each line is a document (for ``dedup``); sentences never cross lines. Every file is checked
before any work (missing, a folder, unreadable); lines are then read one at a time
(:func:`iter_documents`) or in blocks of whole lines (:func:`iter_blocks`), so a corpus never
has to fit in memory. A line that is not valid UTF-8 is refused with the file's
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


def _decode(name: str, raw: bytes, offset: int) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{name}: not valid UTF-8 at byte {offset + exc.start} ({exc.reason})") from None


def _too_long(name: str, number: int) -> ValueError:
    return ValueError(f"{name}: line {number} is longer than {MAX_LINE_BYTES >> 20} MiB (one line "
                      "is one document; split the text into lines)")


def _reading(name: str, fh, close: bool, lines):
    """``lines(fh)``'s items, with gzip and read errors told in one line each."""
    try:
        yield from lines(fh)
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise ValueError(f"{name}: a damaged gzip file ({exc or type(exc).__name__})") from None
    except OSError as exc:
        raise ValueError(f"{name}: cannot read ({exc.strerror or exc})") from None
    finally:
        if close:
            fh.close()


def iter_documents(paths):
    """The lines of every file, decoded; see the module docstring."""
    for path in check_inputs(paths):
        name, fh, close = _binary(path)

        def lines(fh, name=name):
            offset, number = 0, 0
            for raw in iter(lambda: fh.readline(MAX_LINE_BYTES + 1), b""):
                number += 1
                if len(raw) > MAX_LINE_BYTES:
                    raise _too_long(name, number)
                line = _decode(name, raw, offset)
                offset += len(raw)
                yield line.rstrip("\r\n")

        yield from _reading(name, fh, close, lines)


def iter_blocks(paths, block_bytes: int = 1 << 22):
    """The text of every file in blocks of whole lines (about ``block_bytes`` each; at most
    :data:`MAX_LINE_BYTES`), decoded, with the same checks as :func:`iter_documents`: for the
    pipeline without ``dedup``, where a document boundary is only a break, it gives the same
    lexicon with one decode per block instead of one per line."""
    for path in check_inputs(paths):
        name, fh, close = _binary(path)

        def blocks(fh, name=name, size=max(1, min(block_bytes, MAX_LINE_BYTES))):
            carry, offset, number = b"", 0, 0      # offset: of carry's first byte; number: lines before it
            while True:
                data = fh.read(size)
                if not data:
                    break
                first = data.find(b"\n")
                if first < 0:
                    carry += data
                    if len(carry) > MAX_LINE_BYTES:
                        raise _too_long(name, number + 1)
                    continue
                if len(carry) + first + 1 > MAX_LINE_BYTES:
                    raise _too_long(name, number + 1)
                end = data.rfind(b"\n") + 1
                block = carry + data[:end]
                yield _decode(name, block, offset)
                offset += len(block)
                number += block.count(b"\n")
                carry = data[end:]
            if carry:
                if len(carry) > MAX_LINE_BYTES:
                    raise _too_long(name, number + 1)
                yield _decode(name, carry, offset)

        yield from _reading(name, fh, close, blocks)
