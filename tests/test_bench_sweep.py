"""The recurrent benchmarks' sweep (structure, thread handling, CLI), the bound's own timing,
and the ON-LSTM chunk sizes it picks. Timings themselves are never asserted."""
import json

import numpy as np
import pytest

from reference import cli
from reference.bench import gemms, sweep


def test_sweep_grid_is_the_documented_one():
    assert {p[0] for p in sweep.SWEEP} == {128, 256, 512, 1150}
    assert {p[1] for p in sweep.SWEEP} == {1, 8, 64} and {p[2] for p in sweep.SWEEP} == {10, 100}
    assert len(sweep.SWEEP) == 24
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
    assert rows["bare GEMMs"]["median_s"] != rows["refspace"]["median_s"]
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
