"""vector-quantize-pytorch, the oracle package of the VQ tests, set up the same way each time."""
import contextlib

import pytest


@contextlib.contextmanager
def package_in_float64():
    """(torch, vector_quantize_pytorch) with float64 as torch's default dtype and a fixed seed;
    the test is skipped when either is missing."""
    torch = pytest.importorskip("torch")
    vqp = pytest.importorskip("vector_quantize_pytorch")
    torch.manual_seed(0)
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        yield torch, vqp
    finally:
        torch.set_default_dtype(old)
