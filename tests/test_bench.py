"""Benchmarks: the recurrent sweep (structure, thread handling, CLI), every row timed by its own
callable, the bounds' preallocated outputs, the ON-LSTM chunk sizes. Timings are never asserted."""
import json

import numpy as np
import pytest

from reference import cli
from reference.bench import gemms, sweep


def test_sweep_grid_is_the_one_the_readme_documents():
    import itertools
    import pathlib
    import re

    readme = pathlib.Path(__file__).resolve().parents[1] / "README.md"
    if not readme.exists():
        pytest.skip("no README beside the tests")
    m = re.search(r"`--sweep` runs H x B x T over \{([\d, ]+)\} x \{([\d, ]+)\} x \{([\d, ]+)\}", readme.read_text())
    assert m, "the README's description of the sweep grid moved"
    H, B, T = ([int(v) for v in g.split(",")] for g in m.groups())
    assert sorted(sweep.SWEEP) == sorted(itertools.product(H, B, T))
    for H, _, _ in sweep.SWEEP:                          # every ON-LSTM point is a valid layer
        assert H % sweep.chunk_size_for(H) == 0
    assert sweep.chunk_size_for(1150) == 10                 # the authors' 115 levels


def test_blas_threads_reads_the_environment_without_threadpoolctl(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_threadpoolctl(name, *args, **kwargs):
        if name == "threadpoolctl":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_threadpoolctl)
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "3")
    assert sweep.blas_threads() == (3, "OPENBLAS_NUM_THREADS")
    monkeypatch.delenv("OPENBLAS_NUM_THREADS")
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    n, how = sweep.blas_threads()
    assert how.startswith("core count") and n >= 1


@pytest.mark.parametrize("benchmark", ["lstm", "onlstm"])
def test_sweep_runs_points_and_tabulates_ratios_from_its_own_rows(benchmark):
    result = sweep.run(benchmark, points=((16, 2, 3),), repeat=1, with_torch=False)
    (point,) = result["points"]
    assert point["sizes"]["H"] == point["sizes"]["I"] == 16 and point["sizes"]["B"] == 2
    rows = {r["name"]: r for r in point["rows"]}
    assert set(rows) == {"refspace", "bare GEMMs"}
    # the ratio printed is refspace's median over the bound's, both from this run
    assert rows["bare GEMMs"]["ratio_refspace_to_this"] == pytest.approx(
        rows["refspace"]["median_s"] / rows["bare GEMMs"]["median_s"])
    lines = sweep.table(result)
    assert "BLAS threads" in lines[0] and "no PyTorch" in lines[2] and len(lines) == 4
    assert f"{rows['bare GEMMs']['ratio_refspace_to_this']:.2f}x" in lines[3]


def test_bound_gemms_write_into_preallocated_outputs():
    """The bound allocates nothing per call beyond small views (no fresh T B x G outputs)."""
    import tracemalloc

    run = gemms.recurrent_layer_gemms(5, 4, 32, 32, 128, np.float32, np.random.default_rng(0))
    run()
    tracemalloc.start()
    try:
        run()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * 20 * 128 // 2          # less than half of one T B x G float32 output


def test_cli_sweep_refuses_explicit_sizes(capsys):
    assert cli.main(["bench", "lstm", "--sweep", "--hidden", "64"]) == 2
    assert "--sweep runs its own grid of sizes: drop --hidden" in capsys.readouterr().err


def test_cli_sweep_json(monkeypatch, capsys):
    monkeypatch.setattr(sweep, "SWEEP", ((8, 1, 2), (8, 2, 2)))
    assert cli.main(["bench", "onlstm", "--sweep", "--repeat", "1", "--no-torch", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["benchmark"] == "onlstm" and [p["sizes"]["B"] for p in data["points"]] == [1, 2]
    assert data["points"][0]["sizes"]["chunk_size"] == 8 and data["threads"]["numpy_blas"] >= 1


@pytest.mark.parametrize("name,kwargs", [
    ("lstm", dict(batch=2, steps=3, input_size=4, hidden=5)),
    ("onlstm", dict(batch=2, steps=3, input_size=4, hidden=6, chunk_size=3)),
    ("conv", dict(batch=2, size=6, in_channels=3, out_channels=4, kernel=3, stride=2)),
])
def test_every_row_reports_its_own_timing_and_the_bound_runs_its_own_work(monkeypatch, name, kwargs):
    """Each row's number comes from its own callable: the fake timer gives every callable a
    distinct time, and the rows must carry exactly those (no row borrows another's)."""
    import importlib

    from reference.bench.timing import Timing

    module = importlib.import_module(f"reference.bench.{name}")
    seen = {}

    def fake(fns, repeat=5, **_):
        assert len({id(f) for f in fns.values()}) == len(fns)          # one callable per row
        for k, (row, fn) in enumerate(fns.items()):
            fn()                                                       # every row's work runs
            seen[row] = (k + 1) * 1e-3
        return {row: Timing((t, t)) for row, t in seen.items()}

    monkeypatch.setattr(module, "time_interleaved", fake)
    result = module.run(**kwargs, repeat=1, with_torch=False)
    rows = {r["name"]: r for r in result["rows"]}
    assert set(rows) == set(seen) and len(rows) >= 2
    for row, t in seen.items():
        assert rows[row]["median_s"] == t
        assert rows[row]["ratio_refspace_to_this"] == pytest.approx(seen["refspace"] / t)


def test_vq_rows_report_their_own_timing_and_the_bound_its_output_memory(monkeypatch):
    from reference.bench import vq
    from reference.bench.timing import Timing

    monkeypatch.setattr(vq, "time_interleaved",
                        lambda fns, repeat=5: {row: Timing(((k + 1) * 1e-3,)) for k, row in enumerate(fns)})
    result = vq.run_size(300, 4, 20, repeat=1, with_peers=False)
    rows = {r["name"]: r for r in result["rows"]}
    assert [rows[n]["median_s"] for n in rows] == [(k + 1) * 1e-3 for k in range(len(rows))]
    assert rows["bare GEMM"]["peak_mib"] >= 300 * 20 * 4 / 2**20       # the N x K output is counted


def test_bench_check_times_both_checkers_and_the_checks_pass(capsys):
    assert cli.main(["bench", "check", "--repeat", "1", "--no-torch", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in data["rows"]] == ["refspace", "refspace direction"]
    assert data["sizes"]["input entries"] == 3 * 2 * 4 + 4 * 20 + 5 * 20 + 20
    assert cli.main(["bench", "check", "--hidden", "0"]) == 2
    assert "--hidden: expected a positive integer, got 0" in capsys.readouterr().err


def test_bench_ema_and_fsq_small_json(capsys):
    assert cli.main(["bench", "ema", "--size", "50", "3", "7", "--repeat", "1", "--no-torch", "--json"]) == 0
    (data,) = json.loads(capsys.readouterr().out)
    assert data["sizes"] == {"N": 50, "D": 3, "K": 7, "dtype": "float32"} and data["rows"][0]["name"] == "refspace"
    assert cli.main(["bench", "fsq", "--n", "64", "--repeat", "1", "--no-torch", "--json"]) == 0
    (data,) = json.loads(capsys.readouterr().out)
    assert data["sizes"]["levels"] == "8x5x5x5" and [r["name"] for r in data["rows"]] == ["refspace"]
    assert cli.main(["bench", "fsq", "--n", "0"]) == 2
    assert "--n: expected a positive integer, got 0" in capsys.readouterr().err
