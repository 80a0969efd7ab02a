"""Conv2D against PyTorch (TensorFlow's 'same' padding split done by hand there), and
Conv2DTranspose as its exact adjoint, against PyTorch's conv_transpose2d and autograd."""
import itertools

import numpy as np
import pytest

from reference.gan.conv import conv2d_backward, conv2d_forward, conv2d_transpose_forward


def _tf_same_pads(n, k, s, d):
    out = -(-n // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
    return total // 2, total - total // 2


CASES = list(itertools.product(["same", "valid"], [1, 2, 3], [1, 2]))


@pytest.mark.parametrize("padding, s, d", CASES)
def test_conv2d_equals_pytorch_and_its_transpose_is_the_adjoint(padding, s, d):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(0)
    x, W, b = rng.standard_normal((2, 7, 6, 3)), rng.standard_normal((3, 2, 3, 4)), rng.standard_normal(4)
    y, cache = conv2d_forward(x, W, b, stride=s, padding=padding, dilation=d)
    tx = torch.tensor(np.moveaxis(x, -1, 1), requires_grad=True)
    tW = torch.tensor(np.transpose(W, (3, 2, 0, 1)), requires_grad=True)      # (Cout, Cin, KH, KW)
    tb = torch.tensor(b, requires_grad=True)
    if padding == "same":
        (pt, pb), (pl, pr) = _tf_same_pads(7, 3, s, d), _tf_same_pads(6, 2, s, d)
        txp = F.pad(tx, (pl, pr, pt, pb))
    else:
        txp = tx
    ty = F.conv2d(txp, tW, tb, stride=s, dilation=d)
    np.testing.assert_allclose(y, np.moveaxis(ty.detach().numpy(), 1, -1), rtol=1e-12, atol=1e-12)
    dy = rng.standard_normal(y.shape)
    ty.backward(torch.from_numpy(np.moveaxis(dy, -1, 1)))
    dx, dW, db = conv2d_backward(dy, cache)
    np.testing.assert_allclose(dx, np.moveaxis(tx.grad.numpy(), 1, -1), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dW, np.transpose(tW.grad.numpy(), (2, 3, 1, 0)), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(db, tb.grad.numpy(), rtol=1e-12)
    # the transpose is the adjoint: <conv x, y> = <x, conv^T y>, and equals the input gradient
    z, _ = conv2d_transpose_forward(dy, W, stride=s, padding=padding, dilation=d, output_size=(7, 6))
    np.testing.assert_allclose(z, dx, rtol=1e-13, atol=1e-13)
    y0, _ = conv2d_forward(x, W, stride=s, padding=padding, dilation=d)
    assert np.sum(y0 * dy) == pytest.approx(np.sum(x * z), rel=1e-12)


def test_conv2d_transpose_equals_pytorchs_for_valid_padding():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    y, W = rng.standard_normal((2, 3, 4, 5)), rng.standard_normal((3, 3, 2, 5))   # kernel (KH, KW, Cout_t, Cin_t)
    z, _ = conv2d_transpose_forward(y, W, stride=2, padding="valid")
    assert z.shape == (2, 7, 9, 2)                             # (n - 1) s + k: Keras's and PyTorch's size agree here
    tz = torch.nn.functional.conv_transpose2d(torch.from_numpy(np.moveaxis(y, -1, 1)),
                                              torch.from_numpy(np.transpose(W, (3, 2, 0, 1))), stride=2)
    np.testing.assert_allclose(z, np.moveaxis(tz.numpy(), 1, -1), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("n, k, s, d", [(3, 2, 3, 1), (4, 1, 2, 1), (2, 2, 4, 2), (3, 3, 2, 1), (5, 2, 2, 3)])
def test_transpose_output_sizes_follow_keras_or_pytorch(n, k, s, d):
    # Keras 3's deconv_output_length ("valid", no output_padding): n s + max(k_eff - s, 0), recorded in the
    # issue as 9 for n=3, k=2, s=3; PyTorch's ConvTranspose2d (padding 0): (n - 1) s + k_eff, 8 there
    from reference.gan.conv import transpose_output_size

    k_eff = (k - 1) * d + 1
    assert transpose_output_size(n, k, s, d, "valid", "keras") == n * s + max(k_eff - s, 0)
    assert transpose_output_size(n, k, s, d, "valid", "torch") == (n - 1) * s + k_eff
    assert transpose_output_size(n, k, s, d, "same", "keras") == transpose_output_size(n, k, s, d, "same", "torch") \
        == n * s
    if (n, k, s, d) == (3, 2, 3, 1):
        assert (transpose_output_size(n, k, s, d, "valid", "keras"), transpose_output_size(n, k, s, d, "valid", "torch")) \
            == (9, 8)


def test_transpose_with_the_stride_beyond_the_kernel_in_both_conventions():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    y, W, b = rng.standard_normal((2, 3, 2, 4)), rng.standard_normal((2, 2, 3, 4)), rng.standard_normal(3)
    zt, _ = conv2d_transpose_forward(y, W, b, stride=3, padding="valid", sizes="torch")
    tz = torch.nn.functional.conv_transpose2d(torch.from_numpy(np.moveaxis(y, -1, 1)),
                                              torch.from_numpy(np.transpose(W, (3, 2, 0, 1))), torch.from_numpy(b),
                                              stride=3)
    assert zt.shape == (2, 8, 5, 3)
    np.testing.assert_allclose(zt, np.moveaxis(tz.numpy(), 1, -1), rtol=1e-12, atol=1e-12)
    zk, _ = conv2d_transpose_forward(y, W, b, stride=3, padding="valid")             # Keras's, the default
    assert zk.shape == (2, 9, 6, 3)
    np.testing.assert_allclose(zk[:, :8, :5], zt, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(zk[:, 8], np.broadcast_to(b, zk[:, 8].shape))    # rows no window reads
    np.testing.assert_array_equal(zk[:, :, 5], np.broadcast_to(b, zk[:, :, 5].shape))
    x = rng.standard_normal((2, 9, 6, 3))                                           # and it is the adjoint
    cy, _ = conv2d_forward(x, W, stride=3, padding="valid")
    z0, _ = conv2d_transpose_forward(y, W, stride=3, padding="valid")
    assert cy.shape == y.shape and np.sum(cy * y) == pytest.approx(np.sum(x * z0), rel=1e-12)
    with pytest.raises(ValueError, match="sizes: expected one of"):
        conv2d_transpose_forward(y, W, stride=3, padding="valid", sizes="tf")


def test_torch_kernel_layout_round_trips_and_loads_into_torch_conv_modules():
    torch = pytest.importorskip("torch")
    from reference.gan.conv import from_torch_kernel, to_torch_kernel

    rng = np.random.default_rng(8)
    W, b = rng.standard_normal((3, 2, 4, 5)), rng.standard_normal(5)              # (KH, KW, Cin, Cout)
    assert to_torch_kernel(W).shape == (5, 4, 3, 2)
    np.testing.assert_array_equal(from_torch_kernel(to_torch_kernel(W)), W)
    conv = torch.nn.Conv2d(4, 5, (3, 2)).double()
    with torch.no_grad():
        conv.weight.copy_(torch.from_numpy(to_torch_kernel(W)))
        conv.bias.copy_(torch.from_numpy(b))
    x = rng.standard_normal((2, 6, 5, 4))
    y, _ = conv2d_forward(x, W, b, padding="valid")
    np.testing.assert_allclose(y, np.moveaxis(conv(torch.from_numpy(np.moveaxis(x, -1, 1))).detach().numpy(), 1, -1),
                               rtol=1e-12, atol=1e-12)
    deconv = torch.nn.ConvTranspose2d(5, 4, (3, 2), stride=2, bias=False).double()   # the adjoint: y's 5 channels in
    with torch.no_grad():
        deconv.weight.copy_(torch.from_numpy(to_torch_kernel(W)))
    yy = rng.standard_normal((2, 3, 4, 5))
    z, _ = conv2d_transpose_forward(yy, W, stride=2, padding="valid", sizes="torch")
    np.testing.assert_allclose(z, np.moveaxis(deconv(torch.from_numpy(np.moveaxis(yy, -1, 1))).detach().numpy(), 1, -1),
                               rtol=1e-12, atol=1e-12)


def test_bad_geometry_is_refused_clearly():
    with pytest.raises(ValueError, match="fewer than the dilated kernel"):
        conv2d_forward(np.zeros((1, 2, 2, 1)), np.zeros((3, 3, 1, 1)), padding="valid")
    with pytest.raises(ValueError, match="padding: expected one of"):
        conv2d_forward(np.zeros((1, 4, 4, 1)), np.zeros((3, 3, 1, 1)), padding="full")
    with pytest.raises(ValueError, match="stride: expected a positive integer"):
        conv2d_forward(np.zeros((1, 4, 4, 1)), np.zeros((3, 3, 1, 1)), stride=0)


def test_the_conv_benchmark_runs_small_and_refuses_bad_sizes(capsys):
    import json

    from reference import cli

    assert cli.main(["bench", "conv", "--batch", "2", "--size", "6", "--in-channels", "3", "--out-channels", "4",
                     "--kernel", "3", "--repeat", "1", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in result["rows"]][:2] == ["refspace", "bare GEMMs"]
    assert result["sizes"]["k"] == 3 and all(r["median_s"] > 0 for r in result["rows"])
    assert cli.main(["bench", "conv", "--kernel", "0"]) == 2
    assert "--kernel" in capsys.readouterr().err


def test_the_conv_modules_take_rectangular_kernels_dilation_and_an_output_size_as_torch_does():
    torch = pytest.importorskip("torch")
    from reference.gan.conv import to_torch_kernel
    from reference.gan.layers import Conv2D, Conv2DTranspose

    rng = np.random.default_rng(11)
    conv = Conv2D(3, 4, (3, 2), stride=(2, 1), padding="valid", dilation=(1, 2), rng=rng)
    assert conv.W.value.shape == (3, 2, 3, 4)
    x = rng.standard_normal((2, 9, 7, 3))
    y, _ = conv.forward(x)
    ty = torch.nn.functional.conv2d(torch.from_numpy(np.moveaxis(x, -1, 1)), torch.from_numpy(to_torch_kernel(conv.W.value)),
                                    stride=(2, 1), dilation=(1, 2))
    np.testing.assert_allclose(y, np.moveaxis(ty.numpy(), 1, -1), rtol=1e-12, atol=1e-12)
    # ConvTranspose2d.forward(input, output_size): torch picks the output_padding that reaches it
    deconv = Conv2DTranspose(4, 3, (3, 2), stride=(2, 3), padding="valid", dilation=(2, 1), rng=rng)
    tdeconv = torch.nn.ConvTranspose2d(4, 3, (3, 2), stride=(2, 3), dilation=(2, 1), bias=False).double()
    with torch.no_grad():
        tdeconv.weight.copy_(torch.from_numpy(to_torch_kernel(deconv.W.value)))
    yy = rng.standard_normal((2, 3, 4, 4))
    for size in ((9, 11), (10, 12), (10, 13)):
        z, vjp = deconv.forward(yy, output_size=size)
        tz = tdeconv(torch.from_numpy(np.moveaxis(yy, -1, 1)), output_size=list(size))
        assert z.shape[1:3] == size
        np.testing.assert_allclose(z, np.moveaxis(tz.detach().numpy(), 1, -1), rtol=1e-12, atol=1e-12)
    z, _ = deconv.forward(yy)                       # Keras's size by default: n s + max(k_eff - s, 0)
    assert z.shape[1:3] == (3 * 2 + max(5 - 2, 0), 4 * 3 + max(2 - 3, 0))
    with pytest.raises(ValueError, match="output_size: a convolution of"):
        deconv.forward(yy, output_size=(20, 12))
    with pytest.raises(ValueError, match="output_size: expected a positive integer"):
        deconv.forward(yy, output_size=(0, 12))
    for bad, match in (((3, 0), "kernel_size"), ((1, 2, 3), "kernel_size"), (True, "kernel_size")):
        with pytest.raises((TypeError, ValueError), match=match):
            Conv2D(3, 4, bad)
    with pytest.raises(ValueError, match="padding: expected one of"):
        Conv2DTranspose(3, 4, 3, padding="full")
    with pytest.raises(ValueError, match="dilation"):
        Conv2DTranspose(3, 4, 3, dilation=0)
