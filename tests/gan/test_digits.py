"""The digits table read from scikit-learn's wheel: equal to scikit-learn's own loader, read
without importing scikit-learn, and clear errors for a missing package or a damaged table."""
import gzip
import importlib.metadata
import subprocess
import sys

import numpy as np
import pytest

from reference.gan import digits


def _installed():
    try:
        importlib.metadata.distribution("scikit-learn")
        return True
    except importlib.metadata.PackageNotFoundError:
        return False


needs_sklearn = pytest.mark.skipif(not _installed(), reason="scikit-learn (the data extra) is not installed")


@needs_sklearn
def test_the_table_equals_scikit_learns_loader():
    from sklearn.datasets import load_digits

    images, labels = digits.load_digits()
    ref = load_digits()
    np.testing.assert_array_equal(images[..., 0], ref.images)
    np.testing.assert_array_equal(labels, ref.target)
    assert images.shape == (1797, 8, 8, 1) and np.bincount(labels).min() >= 170


@needs_sklearn
def test_reading_the_table_does_not_import_scikit_learn():
    code = ("import sys; from reference.gan.digits import load_digits; x, y = load_digits(); "
            "print(len(x), 'sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["1797", "False"]


def test_a_missing_package_names_the_extra(monkeypatch):
    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "distribution", missing)
    with pytest.raises(ValueError, match=r'sklearn is not installed: pip install "refspace\[data\]"'):
        digits.load_digits()


@pytest.mark.parametrize("content, message", [
    (b"not gzip at all", "not a readable gzip CSV"),
    (gzip.compress(b"1,2,3\n"), "expected rows of 64 pixels and a label"),
    (gzip.compress((",".join(["17"] * 64) + ",3\n").encode()), "integer pixels 0..16"),
    (gzip.compress((",".join(["1.5"] * 64) + ",3\n").encode()), "integer pixels 0..16"),
])
def test_a_damaged_table_is_refused(tmp_path, content, message):
    path = tmp_path / "digits.csv.gz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message):
        digits.load_digits(path)


def test_a_valid_table_elsewhere_is_read_row_major(tmp_path):
    row = list(range(16)) * 4 + [7]
    path = tmp_path / "digits.csv.gz"
    path.write_bytes(gzip.compress((",".join(map(str, row)) + "\n").encode()))
    images, labels = digits.load_digits(path)
    assert images.shape == (1, 8, 8, 1) and labels.tolist() == [7]
    assert images[0, 1, :, 0].tolist() == list(range(8, 16))
