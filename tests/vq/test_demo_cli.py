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
    assert names[:5] == ["refspace", "bare GEMM", "chunked GEMM", "chunked GEMM + argmin", "scipy vq"]
    assert result["rows"][0]["peak_mib"] > 0


def test_demo_mlp_forward_is_the_written_formula():
    import numpy as np

    from reference.core.gradcheck import check_op
    from reference.vq.demo import MLP, mlp_backward, mlp_forward

    rng = np.random.default_rng(0)
    p = MLP(rng.standard_normal((3, 5)), rng.standard_normal(5), rng.standard_normal((5, 2)), rng.standard_normal(2))
    x = rng.standard_normal((4, 3))
    expected = np.array([[sum(np.tanh(sum(x[n, i] * p.W1[i, j] for i in range(3)) + p.b1[j]) * p.W2[j, k]
                              for j in range(5)) + p.b2[k] for k in range(2)] for n in range(4)])
    np.testing.assert_allclose(mlp_forward(x, p)[0], expected, rtol=1e-12)
    check_op(mlp_forward, mlp_backward, (x, p), names=("x", "params")).raise_if_failed()


def test_bench_vq_grid(capsys, monkeypatch):
    from reference.bench import vq as bench_vq

    monkeypatch.setattr(bench_vq, "GRID", ((300, 4, 7), (200, 3, 5)))
    assert cli.main(["bench", "vq", "--grid", "--repeat", "1", "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert [r["sizes"]["N"] for r in results] == [300, 200]
    assert all(r["rows"][2]["name"] == "chunked GEMM" for r in results)
    assert cli.main(["bench", "vq", "--grid", "--size", "10", "2", "3"]) == 2
    assert "--grid and --size" in capsys.readouterr().err
