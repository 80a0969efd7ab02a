"""The conformance tests a port runs with pytest (see :mod:`reference.verify.pytest_plugin`)::

    pytest --pyargs reference.verify.conformance_tests --refspace-impl mypkg.port:impl

or, in the port's own test suite, a module holding
``from reference.verify.conformance_tests import test_golden, test_live``.
"""
from __future__ import annotations

import pytest

from .pytest_plugin import record


def test_golden(refspace_conformance, refspace_golden_case):
    """One golden case: forward and VJP against the frozen reference values."""
    from .golden import verify_case

    refspace = refspace_conformance
    manifest, entry = refspace_golden_case
    r = verify_case(refspace.golden, manifest, entry, refspace.impl, rtol=refspace.rtol, atol=refspace.atol,
                    timeout=refspace.timeout)
    if r["status"] == "skipped":
        pytest.skip(r["detail"])
    record(refspace, f"golden/{entry['id']}", entry["op"], r.get("covered", ()), r.get("not_covered", ()))
    assert r["status"] == "pass", f"{r['status']}: {r['detail']}\n{r.get('traceback') or ''}"


def test_live(refspace_conformance, refspace_live_op):
    """One op, live: hypothesis draws examples and shrinks any mismatch (the report carries a
    reproduction snippet)."""
    from .live import verify_live

    refspace, op = refspace_conformance, refspace_live_op
    r = verify_live(refspace.impl, op, max_examples=refspace.max_examples, impl_spec=refspace.spec,
                    rtol=refspace.rtol, atol=refspace.atol, seed=refspace.seed, timeout=refspace.timeout)
    if r.examples == 0 and r.skipped:
        pytest.skip(f"every drawn example was declined by supports() ({r.skipped})")
    record(refspace, f"live/{op}", op, r.covered, r.not_covered)
    assert r.passed, f"{r.failure}\n{r.traceback}\nreproduction:\n{r.reproduction}"
