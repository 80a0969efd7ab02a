"""The kit's array comparison: a comparison of nothing fails, like the gradient checker's."""
import numpy as np

from reference.verify.compare import compare


def test_an_empty_reference_fails():
    c = compare({}, {"out": np.ones(2)}, rtol=1e-7, atol=1e-9)
    assert not c.passed and "nothing compared" in c.describe()


def test_missing_shape_dtype_and_value_problems_fail_and_a_match_passes():
    ref = {"out": np.array([1.0, 2.0]), "idx": np.array([0, 3])}
    assert compare(ref, {"out": np.array([1.0, 2.0]), "idx": np.array([0, 3])}, rtol=1e-7, atol=1e-9).passed
    assert "missing" in compare(ref, {"out": ref["out"]}, rtol=1e-7, atol=1e-9).describe()
    bad = compare(ref, {"out": np.array([1.0, 2.1]), "idx": np.array([0, 3])}, rtol=1e-7, atol=1e-9)
    assert not bad.passed and "out[1]" in bad.describe()
    assert not compare(ref, {"out": ref["out"], "idx": np.array([0, 2])}, rtol=1e-7, atol=1e-9).passed
    assert not compare(ref, "not a dict", rtol=1e-7, atol=1e-9).passed
