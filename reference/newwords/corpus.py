"""Reading corpora for ``refspace words``: UTF-8 files, gzip files, or standard input.

Each line is a document (for ``dedup``); sentences never cross lines. A file that is not valid
UTF-8 is refused with the byte offset of the first bad byte; a missing file is named.
"""
from __future__ import annotations

import gzip
import os
import sys


def _decode(name: str, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{name}: not valid UTF-8 at byte {exc.start} ({exc.reason})") from None


def read_documents(paths) -> list[str]:
    """The lines of every file in ``paths`` ("-" is standard input; gzip is recognised by its
    magic bytes)."""
    docs = []
    for path in paths:
        if path == "-":
            name, data = "<stdin>", sys.stdin.buffer.read()
        else:
            name = os.fspath(path)
            if os.path.isdir(name):
                raise ValueError(f"{name}: is a folder; expected a UTF-8 text file")
            try:
                with open(name, "rb") as fh:
                    data = fh.read()
            except FileNotFoundError:
                raise ValueError(f"{name}: no such file") from None
            except OSError as exc:
                raise ValueError(f"{name}: cannot read ({exc.strerror or exc})") from None
        if data[:2] == b"\x1f\x8b":
            try:
                data = gzip.decompress(data)
            except (OSError, EOFError) as exc:
                raise ValueError(f"{name}: a damaged gzip file ({exc})") from None
        docs.extend(_decode(name, data).splitlines())
    return docs
