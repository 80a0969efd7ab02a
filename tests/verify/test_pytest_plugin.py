"""The pytest plug-in porters run: one test per golden case and per live op, skip/xfail lists
(options or ini), a coverage summary, and a clear usage error without an implementation.
Each run is a real pytest subprocess, as a porter would start it."""
from reference.verify.golden import FROZEN_DIR, load_manifest
from reference.verify.live import strategies

PORTS = "reference.verify.examples.numpy_ports"
N_CASES = len(load_manifest(FROZEN_DIR)["cases"])
N_LIVE = len(strategies())


def _run(pytester, *args):
    return pytester.runpytest_subprocess("--pyargs", "reference.verify.conformance_tests", "-p", "no:cacheprovider",
                                         "--refspace-max-examples", "5", *args)


def test_the_plugin_loads_by_itself_and_documents_its_options(pytester):
    r = pytester.runpytest_subprocess("--help")             # no -p: the pytest11 entry point loads it
    r.stdout.fnmatch_lines(["*refspace conformance kit*", "*--refspace-impl=MODULE:ATTR*", "*--refspace-xfail=PATTERN*"])


def test_a_correct_port_passes_every_golden_case_and_live_op_with_the_coverage_printed(pytester):
    r = _run(pytester, "--refspace-impl", f"{PORTS}:correct")
    r.assert_outcomes(passed=N_CASES + N_LIVE)
    n_ops = len({c["op"] for c in load_manifest(FROZEN_DIR)["cases"]})
    r.stdout.fnmatch_lines(["*refspace conformance coverage*", f"ops checked: {n_ops} (*",
                            "  lstm_layer: forward, gradients c0, h0, params.U, params.W, params.b, x"])


def test_a_port_off_by_a_little_fails_every_golden_case_and_every_live_op(pytester):
    # the companion of the correct port's run: the same tests, each of which must catch the nudge
    r = _run(pytester, "--refspace-impl", f"{PORTS}:off_by_a_little")
    r.assert_outcomes(failed=N_CASES + N_LIVE)


def test_partial_gradients_show_as_not_covered_and_other_ops_as_skipped(pytester):
    r = _run(pytester, "--refspace-impl", f"{PORTS}:no_state_gradients", "-rs")
    lstm_cases = sum(c["op"].startswith("lstm_") for c in load_manifest(FROZEN_DIR)["cases"])
    r.assert_outcomes(passed=lstm_cases + 2, skipped=N_CASES + N_LIVE - lstm_cases - 2)
    r.stdout.fnmatch_lines(["  lstm_layer: forward, gradients params.U, params.W, params.b, x; "
                            "not covered (declared by the port): c0, h0", "*not implemented by the port*"])


def test_skip_and_strict_xfail_lists_from_options_and_ini(pytester):
    pytester.makeini(f"""
        [pytest]
        refspace_impl = {PORTS}:transposed_recurrent
        refspace_xfail =
            golden/lstm_layer/*
            live/lstm_*
        """)
    r = _run(pytester, "--refspace-skip", "golden/lstm_cell/*")
    n_layer = sum(c["op"] == "lstm_layer" for c in load_manifest(FROZEN_DIR)["cases"])
    r.assert_outcomes(xfailed=n_layer + 2, skipped=N_CASES + N_LIVE - n_layer - 2)
    # strict: an xfail entry for a test that passes fails the run, so fixed bugs leave the list
    r = _run(pytester, "--refspace-impl", f"{PORTS}:correct", "--refspace-xfail", "live/cumax", "-k", "cumax and not rev_cumax")
    r.assert_outcomes(passed=sum(c["op"] == "cumax" for c in load_manifest(FROZEN_DIR)["cases"]), failed=1)
    r.stdout.fnmatch_lines(["*XPASS(strict)*"])


def test_a_failure_carries_the_reproduction(pytester):
    r = _run(pytester, "--refspace-impl", f"{PORTS}:mean_as_sum", "-k", "live")
    r.assert_outcomes(failed=1, skipped=N_LIVE - 1)
    r.stdout.fnmatch_lines(["*reproduction:*", "*show_example(impl, 'vq_loss', inputs, attrs*"])


def test_without_an_implementation_it_is_a_usage_error(pytester):
    r = _run(pytester)
    assert r.ret == 4 and "needs --refspace-impl MODULE:ATTR" in r.stderr.str()
    r = _run(pytester, "--refspace-impl", "no.such:thing")
    assert r.ret == 4 and "cannot import module 'no.such'" in r.stderr.str()
    r = _run(pytester, "--refspace-impl", f"{PORTS}:correct", "--refspace-golden", "nowhere")
    assert r.ret == 4 and "'nowhere' does not exist" in r.stderr.str()
