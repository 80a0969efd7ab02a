"""The pipeline over a corpus larger than memory: an encoded stream on disk, chunked counting
with sorted runs spilled to disk and merged k ways, and a chunked cut.

Memory is bounded by ``max_memory`` (bytes, default 1 GiB) plus the kept tables (the n-grams
at ``min_count`` or more, and the distinct pieces): chunk sizes are derived from it, and when
the sorted runs of one order outgrow a quarter of it they are written to a temporary folder
(``.npy`` files) and merged at the end, block by block, before ``min_count`` is applied, so the
counts stay exact and do not depend on the chunking.

Step 0 is vectorised over code points: full-width forms are mapped to half-width, every code
point outside CJK ideographs (U+4E00-U+9FA5), ASCII digits and letters becomes a break (0);
the stream is stored as uint16 (every kept code point is below 2^16) in a temporary file.
"""
from __future__ import annotations

import dataclasses
import os
import tempfile
from collections import Counter

import numpy as np

from ..core.validate import numeric_array
from .counting import _HASH_BITS, Tables, _count_chunk, _hash, count_all_orders, key_bits, merge_tables

DEFAULT_MAX_MEMORY = 1 << 30


def _normalise_table(to_half_width: bool) -> np.ndarray:
    """code point (below 2^16) -> its normalised code point, or 0 for a non-word character."""
    cps = np.arange(1 << 16, dtype=np.uint32)
    if to_half_width:
        wide = (cps >= 0xFF01) & (cps <= 0xFF5E)
        cps[wide] -= 0xFEE0
        cps[0x3000] = 0x20
    low = cps | 0x20                                        # ASCII letters folded to lower case for the test
    keep = ((cps >= 0x4E00) & (cps <= 0x9FA5)) | ((cps >= 0x30) & (cps <= 0x39)) | ((low >= 0x61) & (low <= 0x7A))
    return np.where(keep, cps, 0).astype(np.uint16)


_NORMALISE: dict = {}


def normalise_codepoints(text: str, to_half_width: bool = True) -> np.ndarray:
    """uint16 code points of ``text`` with every non-word character (spaces, punctuation,
    line breaks, everything outside ideographs, digits and ASCII letters) as 0: one look-up in
    a table of the 2^16 code points (every kept one is below 2^16; the rest map to 0)."""
    if not isinstance(text, str):
        raise TypeError(f"text: expected a str, got {type(text).__name__}")
    table = _NORMALISE.get(to_half_width)
    if table is None:
        table = _NORMALISE[to_half_width] = _normalise_table(to_half_width)
    cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    return table[np.minimum(cps, 0xFFFF)]


@dataclasses.dataclass
class Stream:
    """An encoded corpus: uint16 code points (0 = break) in ``path``, starting and ending with 0."""

    path: str
    length: int
    alphabet: np.ndarray          # sorted code points present (uint32)

    def codepoints(self) -> np.ndarray:
        return np.memmap(self.path, dtype=np.uint16, mode="r", shape=(self.length,))

    held: np.ndarray | None = dataclasses.field(default=None, repr=False, compare=False)

    def lut(self) -> np.ndarray:
        """code point -> dense id 1..V (0 for a break)."""
        table = np.zeros(1 << 16, np.int64)
        table[self.alphabet] = np.arange(1, len(self.alphabet) + 1)
        return table

    def ids(self, a: int, b: int, lut: np.ndarray) -> np.ndarray:
        """The ids of code points ``a:b``; the whole stream's, once read, are held (in
        :attr:`held`) for the next pass when it is a single chunk, until :meth:`release`."""
        if self.held is not None and (a, b) == (0, self.length):
            return self.held
        ids = lut[np.asarray(self.codepoints()[a:b])]
        if (a, b) == (0, self.length):
            self.held = ids
        return ids

    def release(self) -> None:
        self.held = None


def encode_stream(texts, folder: str, *, to_half_width: bool = True, block_chars: int = 1 << 22,
                  on_progress=None) -> Stream:
    """Write the code points of ``texts`` (an iterable of str; a break after each) to a file in
    ``folder``, about ``block_chars`` characters at a time (short texts are joined first, long
    ones cut: a cut never matters, the stream is continuous)."""
    path = os.path.join(folder, "stream.u16")
    seen = np.zeros(1 << 16, bool)
    length = 1
    buffer, size = [], 0

    def flush(fh):
        nonlocal length, buffer, size
        if buffer:
            text = "\n".join(buffer) + "\n"               # "\n" is a break like any non-word character
            for a in range(0, len(text), block_chars):
                cps = normalise_codepoints(text[a:a + block_chars], to_half_width)
                seen[cps] = True
                cps.tofile(fh)
                length += len(cps)
            if on_progress is not None:
                on_progress(f"read {length / 1e6:.1f} M characters", None)
        buffer, size = [], 0

    with open(path, "wb") as fh:
        np.zeros(1, np.uint16).tofile(fh)
        for text in texts:
            if not isinstance(text, str):
                raise TypeError(f"documents: expected str, got {type(text).__name__}")
            buffer.append(text)
            size += len(text) + 1
            if size >= block_chars:
                flush(fh)
        flush(fh)
    seen[0] = False
    return Stream(path, length, np.flatnonzero(seen).astype(np.uint32))


def _chunk_ids(stream: Stream, lut, a: int, b: int) -> np.ndarray:
    return lut[np.asarray(stream.codepoints()[a:b])]


def kway_merge(runs, min_count: int, block: int = 1 << 20):
    """Merge sorted (keys, counts) runs (arrays or memmaps) block by block; keep ``>= min_count``."""
    pos = [0] * len(runs)
    out_k, out_c = [], []
    while True:
        live = [i for i, (k, _) in enumerate(runs) if pos[i] < len(k)]
        if not live:
            break
        bound = min(runs[i][0][min(pos[i] + block, len(runs[i][0])) - 1] for i in live)
        parts = []
        for i in live:
            k, c = runs[i]
            stop = pos[i] + int(np.searchsorted(k[pos[i]:pos[i] + block], bound, side="right"))
            parts.append((np.asarray(k[pos[i]:stop]), np.asarray(c[pos[i]:stop])))
            pos[i] = stop
        uk, uc = merge_tables(parts)
        keep = uc >= min_count
        out_k.append(uk[keep])
        out_c.append(uc[keep])
    if not out_k:
        return np.zeros(0, np.uint64), np.zeros(0, np.int64)
    return np.concatenate(out_k), np.concatenate(out_c)


@dataclasses.dataclass
class CountReport:
    spilled_runs: int = 0          # sorted runs written to disk, all orders


_SHARED: dict = {}


def _count_span(span):
    a, b = span
    sh = _SHARED
    return _count_chunk(_chunk_ids(sh["stream"], sh["lut"], a, b), sh["prev"], sh["n"], sh["bits"])


def _worker_signals() -> None:
    """In a counting worker: Ctrl-C and SIGTERM are the parent's to handle (it ends the pool and
    removes the spill folder), so a worker neither prints a traceback nor outlives it."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _pool_results(pool, spans):
    """``pool.imap(_count_span, spans)``, with Ctrl-C and SIGTERM held off while the main thread
    waits inside the pool's locks: a signal that interrupts a wait there can leave a lock taken,
    and ``pool.terminate()`` then waits for it forever. A held signal is raised between two
    results (within 0.1 s), through the handler it would have met."""
    import multiprocessing
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield from pool.imap(_count_span, spans)
        return
    caught = []
    held = [s for s in (signal.SIGINT, signal.SIGTERM) if signal.getsignal(s) != signal.SIG_IGN]
    previous = {s: signal.signal(s, lambda signum, frame: caught.append(signum)) for s in held}
    try:
        results = pool.imap(_count_span, spans)
        while not caught:
            try:
                item = results.next(timeout=0.1)
            except multiprocessing.TimeoutError:
                continue
            except StopIteration:
                return
            yield item
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    signum = caught[0]
    handler = previous[signum]
    if callable(handler):
        handler(signum, None)                          # Python's Ctrl-C (KeyboardInterrupt), the CLI's SIGTERM
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    if handler == signal.SIG_DFL:
        os.kill(os.getpid(), signum)


def count_stream(stream: Stream, *, order: int, min_count: int, folder: str, max_memory: int = DEFAULT_MAX_MEMORY,
                 workers: int = 1, report: CountReport | None = None, chunk_size: int | None = None,
                 on_progress=None) -> Tables:
    """Exact n-gram tables of the stream (see the module docstring); ``workers`` forked
    processes count the chunks (the same result)."""
    if order < 1 or min_count < 1 or workers < 1:
        raise ValueError(f"order, min_count and workers must be >= 1, got {order}, {min_count}, {workers}")
    V = len(stream.alphabet)
    bits = key_bits(max(V, 1), order)
    lut = stream.lut()
    chunk = chunk_size or max(1 << 12, max_memory // 96)   # windows per chunk: keys, masks, ids, sort copies
    budget = max_memory // 4                       # bytes of in-memory runs before they go to disk
    keys, counts = {}, {}
    if stream.length <= chunk:                     # one chunk: every order from a single sort
        if on_progress is not None:
            on_progress("counting", None)
        for n, (u, c) in count_all_orders(stream.ids(0, stream.length, lut), order, bits).items():
            keep = c >= min_count
            keys[n], counts[n] = u[keep], c[keep]
        return Tables(keys, counts, bits, order, min_count)
    for n in range(1, order + 1):
        runs, held, disk = [], 0, []
        starts = max(stream.length - n + 1, 0)
        spans = [(a, min(a + chunk, starts) + n - 1) for a in range(0, starts, chunk)]
        _SHARED.update(stream=stream, lut=lut, prev=keys.get(n - 1), n=n, bits=bits)
        pool = None
        try:
            if workers > 1 and len(spans) > 1:
                import multiprocessing

                pool = multiprocessing.get_context("fork").Pool(min(workers, len(spans)),
                                                                initializer=_worker_signals)
                results = _pool_results(pool, spans)
            else:
                results = map(_count_span, spans)
            for done, (u, c) in enumerate(results, 1):
                if on_progress is not None:
                    on_progress(f"counting {n}-grams", ((n - 1) + done / len(spans)) / order)
                runs.append((u, c))
                held += 16 * len(u)
                if held > budget:
                    u, c = merge_tables(runs)
                    runs, held = [(u, c)], 16 * len(u)
                    if held > budget:                  # still too big: a sorted run to disk
                        base = os.path.join(folder, f"run-{n}-{len(disk)}")
                        np.save(base + "-k.npy", u)
                        np.save(base + "-c.npy", c)
                        disk.append(base)
                        runs, held = [], 0
        finally:
            if pool is not None:
                pool.terminate()
            _SHARED.clear()
        if disk:
            if report is not None:
                report.spilled_runs += len(disk)
            sources = [(np.load(p + "-k.npy", mmap_mode="r"), np.load(p + "-c.npy", mmap_mode="r")) for p in disk]
            if runs:
                sources.append(merge_tables(runs))
            keys[n], counts[n] = kway_merge(sources, min_count)
            del sources
            for p in disk:
                os.remove(p + "-k.npy")
                os.remove(p + "-c.npy")
        else:
            uk, uc = merge_tables(runs)
            keep = uc >= min_count
            keys[n], counts[n] = uk[keep], uc[keep]
    return Tables(keys, counts, bits, order, min_count)


def _member(keys, table):
    """Whether each key is in the sorted ``table``: a bitmap of the table's hashes rules most keys
    out in one cached lookup; only the rest are looked up exactly (so the answer is exact)."""
    out = np.zeros(len(keys), bool)
    if len(table) == 0 or len(keys) == 0:
        return out
    bitmap = np.zeros(1 << _HASH_BITS, bool)
    bitmap[_hash(table)] = True
    idx = np.flatnonzero(bitmap[_hash(keys)])
    q = keys[idx]
    pos = np.minimum(np.searchsorted(table, q), len(table) - 1)
    out[idx] = table[pos] == q
    return out


_DENSE_PAIRS = 1 << 25          # the largest bigram table held densely (bytes)


def _pair_member(ids: np.ndarray, table: np.ndarray, bits: int):
    """Whether each adjacent pair ``(ids[i], ids[i + 1])`` is a key of the sorted bigram
    ``table``: a dense table of booleans indexed by (rank of the first character among the
    table's first characters, rank of the second among its second characters), rank 0 meaning
    absent, so breaks and characters outside the table fall on a false row or column. Exact, and
    no search; None when that table would exceed ``_DENSE_PAIRS`` bytes."""
    mask = np.uint64((1 << bits) - 1)
    first, second = (table >> np.uint64(bits)).astype(np.intp), (table & mask).astype(np.intp)
    size = max(int(ids.max()), int(first.max()), int(second.max())) + 1
    ranks = []
    for chars in (first, second):
        present = np.unique(chars)
        rank = np.zeros(size, np.int32)
        rank[present] = np.arange(1, len(present) + 1, dtype=np.int32)
        ranks.append(rank)
    width = int(ranks[1].max()) + 1
    rows = int(ranks[0].max()) + 1
    if rows * width > _DENSE_PAIRS:
        return None
    dense = np.zeros(rows * width, bool)
    dense[ranks[0][first] * width + ranks[1][second]] = True
    index = ranks[0][ids[:-1]]
    index *= width
    index += ranks[1][ids[1:]]
    return dense[index]


def _piece_keys(u: np.ndarray, starts: np.ndarray, n: int, bits: int) -> np.ndarray:
    """Packed keys of the n characters from each of ``starts`` (``u``: the ids as uint64)."""
    key = u[starts]
    for k in range(1, n):
        key <<= np.uint64(bits)
        key |= u[starts + k]
    return key


def _unique_counts(keys: np.ndarray, n: int, bits: int):
    if n * bits <= 32:                                  # short keys sort faster as uint32
        uk, uc = np.unique(keys.astype(np.uint32), return_counts=True)
        return uk.astype(np.uint64), uc
    return np.unique(keys, return_counts=True)


def cut_chunk(ids: np.ndarray, G: dict, bits: int, order: int):
    """The pieces of one chunk of ids that starts and ends on breaks: ({n: (keys, counts)} for
    pieces of 1..order characters, Counter of longer pieces as id bytes). Gap g (between ids g
    and g + 1) is linked when a G n-gram starts at one of g - n + 2 .. g. Bigrams are looked up
    in a dense table (:func:`_pair_member`), longer n-grams by key (:func:`_member`); a key with
    a break never equals a G key (its characters are nonzero), so no window needs masking."""
    ids = numeric_array("ids", ids, kinds="iu", ndim=1)
    u = ids.astype(np.uint64)
    linked = np.zeros(max(len(ids) - 1, 0), bool)
    keys = u[:-1] << np.uint64(bits) if len(ids) > 1 else np.zeros(0, np.uint64)
    if len(keys):
        keys |= u[1:]
    for n in range(2, order + 1):
        if n > 2:                                       # the length-n window keys from the length n - 1
            keys = keys[:-1]                            # a view: shifted in place
            keys <<= np.uint64(bits)
            keys |= u[n - 1:]
        table = G.get(n)
        if table is None or len(table) == 0 or len(keys) == 0:
            continue
        hit = _pair_member(ids, table, bits) if n == 2 else None
        if hit is None:
            hit = _member(keys, table)
        for d in range(n - 1):                         # an occurrence at j links gaps j .. j + n - 2
            linked[d:d + len(hit)] |= hit
    del keys
    real = ids != 0
    starts = np.flatnonzero(real & ~np.concatenate([[False], linked]))
    ends = np.flatnonzero(real & ~np.concatenate([linked, [False]])) + 1
    lengths = ends - starts
    short = {}
    for n in range(1, order + 1):
        sel = starts[lengths == n]
        if len(sel) == 0:
            continue
        if n == 1:                                      # single characters: a histogram, no sort
            hist = np.bincount(ids[sel])
            present = np.flatnonzero(hist)
            short[1] = (present.astype(np.uint64), hist[present])
        else:
            short[n] = _unique_counts(_piece_keys(u, sel, n, bits), n, bits)
    long_sel = lengths > order
    ids64 = ids.astype(np.int64, copy=False)
    long_pieces = Counter(ids64[s:e].tobytes() for s, e in zip(starts[long_sel].tolist(), ends[long_sel].tolist()))
    return short, long_pieces


def merge_cuts(parts):
    """Merge :func:`cut_chunk` results (sums, exact)."""
    short, long_pieces = {}, Counter()
    for k, part in enumerate(parts):
        if not (isinstance(part, tuple) and len(part) == 2 and isinstance(part[0], dict)):
            raise TypeError(f"parts[{k}]: expected a cut_chunk result ({{n: (keys, counts)}}, Counter), "
                            f"got {type(part).__name__}")
        s, lp = part
        for n, kc in s.items():
            short.setdefault(n, []).append(kc)
        long_pieces.update(lp)
    return {n: merge_tables(v) for n, v in short.items()}, long_pieces


def decode_keys(keys: np.ndarray, n: int, bits: int, alphabet: np.ndarray) -> list[str]:
    """The strings of packed n-gram keys: the code points of each row viewed as NumPy's UTF-32
    strings (no Python loop over characters)."""
    if len(keys) == 0:
        return []
    mask = np.uint64((1 << bits) - 1)
    codes = np.stack([((keys >> np.uint64(bits * (n - 1 - k))) & mask).astype(np.int64) for k in range(n)], axis=1)
    chars = np.ascontiguousarray(alphabet[codes - 1].astype("<u4"))
    return chars.view(f"<U{n}").ravel().tolist()


def decode_pieces(merged, alphabet, bits: int, min_count: int = 1) -> Counter:
    """Counter of piece strings from merged :func:`cut_chunk` results: the pieces seen at least
    ``min_count`` times (the rarer ones are dropped before they are decoded)."""
    short, long_pieces = merged
    pieces = Counter()
    for n, (uk, uc) in short.items():
        keep = uc >= min_count
        pieces.update(dict(zip(decode_keys(uk[keep], n, bits, alphabet), uc[keep].tolist())))
    raws = [raw for raw, c in long_pieces.items() if c >= min_count]
    if raws:                         # every long piece decoded in one pass, then sliced
        text = alphabet[np.frombuffer(b"".join(raws), np.int64) - 1].astype("<u4").tobytes().decode("utf-32-le")
        ends = np.cumsum([len(raw) // 8 for raw in raws]).tolist()
        for start, end, raw in zip([0] + ends[:-1], ends, raws):
            pieces[text[start:end]] += long_pieces[raw]
    return pieces


def cut_stream(stream: Stream, G: dict, tables: Tables, *, max_memory: int = DEFAULT_MAX_MEMORY,
               chunk_size: int | None = None, on_progress=None, min_count: int = 1) -> Counter:
    """Counts of the pieces seen at least ``min_count`` times (default: every piece): chunks end
    on breaks, so no piece or G occurrence crosses a chunk."""
    lut, bits, order = stream.lut(), tables.bits, tables.order
    cps = stream.codepoints()
    chunk = chunk_size or max(1 << 12, max_memory // 96)
    parts = []
    a = 0
    while a < stream.length - 1:
        b = min(a + chunk, stream.length)
        if b < stream.length:                          # end just after a break (a sentence is never split)
            zeros = np.flatnonzero(np.asarray(cps[a + 1:b]) == 0)
            while len(zeros) == 0 and b < stream.length:   # a sentence longer than a chunk: look further
                b = min(b + chunk, stream.length)
                zeros = np.flatnonzero(np.asarray(cps[a + 1:b]) == 0)
            b = a + 1 + int(zeros[-1]) + 1
        parts.append(cut_chunk(stream.ids(a, b, lut), G, bits, order))
        if on_progress is not None:
            on_progress("cutting", b / stream.length)
        if len(parts) > 8:                             # keep the partial results small
            parts = [merge_cuts(parts)]
        a = b - 1 if b < stream.length else b
    stream.release()
    return decode_pieces(merge_cuts(parts), stream.alphabet, bits, min_count)


def workspace(folder: str | None = None):
    """A temporary folder for the stream and the spilled runs (removed afterwards)."""
    return tempfile.TemporaryDirectory(prefix="refspace-words-", dir=folder)
