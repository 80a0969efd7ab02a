"""Partial gradients and coverage: a port declares the gradients it computes; the others are
reported as not covered, never as failures, and the report says what was checked."""
import json

from reference import cli
from reference.verify.examples import numpy_ports
from reference.verify.golden import FROZEN_DIR, load_manifest, verify_golden
from reference.verify.live import verify_live

PORTS = "reference.verify.examples.numpy_ports"


def test_a_port_without_state_gradients_that_says_so_passes_with_them_not_covered():
    for op, states in (("lstm_layer", {"h0", "c0"}), ("lstm_cell", {"h_prev", "c_prev"})):
        r = verify_live(numpy_ports.no_state_gradients, op, max_examples=20)
        assert r.passed, r.failure
        assert r.not_covered == states and r.covered == {"x", "params.W", "params.U", "params.b"}
    results = [r for r in verify_golden(FROZEN_DIR, numpy_ports.no_state_gradients) if r["status"] != "skipped"]
    assert results and all(r["status"] == "pass" for r in results)
    assert all(set(r["not_covered"]) in ({"h0", "c0"}, {"h_prev", "c_prev"}) for r in results)


def test_the_same_port_without_the_declaration_fails_and_is_told_how_to_declare():
    r = verify_live(numpy_ports.no_state_gradients_undeclared, "lstm_layer", max_examples=5)
    assert not r.passed and "gradient 'h0' missing" in r.failure and "impl.gradients" in r.failure


class _WrongWeightGradient(numpy_ports.NoStateGradients):
    def vjp(self, op, inputs, attrs, cotangents):
        g = super().vjp(op, inputs, attrs, cotangents)
        return {**g, "params.b": 2 * g["params.b"]}


def test_a_declared_gradient_is_still_checked():
    r = verify_live(_WrongWeightGradient(), "lstm_cell", max_examples=20)
    assert not r.passed and "params.b" in r.failure


def test_the_reports_print_the_coverage(capsys):
    assert cli.main(["verify", "lstm_layer", "--impl", f"{PORTS}:no_state_gradients", "--max-examples", "5"]) == 0
    out = capsys.readouterr().out
    assert "coverage: lstm_layer: forward, gradients params.U, params.W, params.b, x; " \
           "not covered (declared by the port): c0, h0" in out
    assert cli.main(["verify", "--golden", FROZEN_DIR, "--impl", f"{PORTS}:no_state_gradients"]) == 0
    out = capsys.readouterr().out
    n_ops = len({c["op"] for c in load_manifest(FROZEN_DIR)["cases"]})
    assert f"coverage: 2 of {n_ops} ops" in out and "lstm_cell (2 cases): forward, gradients" in out
    assert cli.main(["verify", "cumax", "--impl", f"{PORTS}:correct", "--max-examples", "5", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["covered"] == ["x"] and data["not_covered"] == []
    assert data["tolerance"].startswith("rtol=")
