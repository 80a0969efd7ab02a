"""The VQ demo learns, and the vq CLI commands work."""
import json

from reference import cli
from reference.vq import demo


def test_demo_learns_with_both_codebooks():
    rows = demo.run(steps=400, seed=3)
    for mode in ("loss", "ema"):
        first, last = rows[mode][0], rows[mode][-1]
        assert last["held_out_recon"] < 0.4 * first["held_out_recon"], mode
        assert last["perplexity"] > 8, mode     # 24 clusters, 32 codes: many codes in use


def test_demo_and_bench_commands(capsys):
    assert cli.main(["demo", "vq", "--steps", "20", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"loss", "ema"} and data["loss"][-1]["step"] == 20
    assert cli.main(["demo", "vq", "--steps", "0"]) == 2
    assert cli.main(["bench", "vq", "--size", "300", "4", "7", "--repeat", "1", "--json"]) == 0
    (result,) = json.loads(capsys.readouterr().out)
    names = [r["name"] for r in result["rows"]]
    assert names[:3] == ["refspace", "bare GEMM", "scipy vq"] and result["rows"][0]["peak_mib"] > 0
