"""Independent PyTorch implementations for the conformance kit (needs PyTorch).

``torch_lstm``: ``torch.nn.LSTM`` / ``torch.nn.LSTMCell`` in PyTorch's own parameter layout
(``layouts = {"lstm_layer": "torch", "lstm_cell": "torch"}``), VJPs by autograd.

``torch_onlstm``: an ON-LSTM layer written from the paper's equations in the authors'
packed layout (rows ``[i_tilde | f_tilde | o | c_hat | i | f]``, two biases, weights
(out, in), a DropConnect mask shaped like ``hh.weight``, a (B, T) padding mask), VJPs by
autograd. It implements the "paper" master input only, and says so through ``supports``.

``torch_birnn``: a bidirectional ``torch.nn.LSTM`` over ``pack_padded_sequence`` for the aligned
BiRNN (``layouts = {"birnn": "torch"}``: the ``_reverse`` arrays are the backward direction);
rows of length 0, which PyTorch cannot pack, keep zero outputs and zero states.

``torch_conv``: ``F.conv2d`` and ``F.conv_transpose2d`` in NCHW with PyTorch's kernels
(``layouts = {"conv2d": "torch", "conv2d_transpose": "torch"}``); TensorFlow's "same" split is
an explicit ``F.pad`` (PyTorch's own ``padding="same"`` refuses strides), the transposed
convolution's output size is reached with ``output_padding`` and a crop.
"""
from __future__ import annotations

import numpy as np

from ...core.extras import install_hint


def _torch():
    try:
        import torch
    except ImportError:
        raise ImportError(f"this example adapter needs PyTorch: {install_hint('torch')}", name="torch") from None
    return torch


def _vjp(torch, outputs: dict, leaves: dict, cotangents: dict):
    outs = [outputs[k] for k in cotangents]
    grads = torch.autograd.grad(outs, list(leaves.values()), [torch.from_numpy(np.asarray(cotangents[k]))
                                                              for k in cotangents], allow_unused=True)
    return {k: (np.zeros(tuple(v.shape)) if g is None else g.detach().numpy()) for (k, v), g in zip(leaves.items(), grads)}


class _Autograd:
    """forward and vjp of a port from its ``_run(op, inputs, attrs) -> (outputs, leaves)`` in torch."""

    def forward(self, op, inputs, attrs):
        outputs, _ = self._run(op, inputs, attrs)
        return {k: v.detach().numpy() for k, v in outputs.items()}

    def vjp(self, op, inputs, attrs, cotangents):
        outputs, leaves = self._run(op, inputs, attrs)
        return _vjp(_torch(), outputs, leaves, cotangents)


class TorchLSTM(_Autograd):
    ops = ("lstm_layer", "lstm_cell")
    layouts = {"lstm_layer": "torch", "lstm_cell": "torch"}

    def _run(self, op, inputs, attrs):
        torch = _torch()
        leaves = {k: torch.tensor(np.asarray(v, dtype=np.float64), requires_grad=True) for k, v in inputs.items()}
        weights = {n: leaves[f"params.{n}_l0"] for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
        I, H = weights["weight_ih"].shape[1], weights["weight_hh"].shape[1]
        if op == "lstm_layer":
            module = torch.nn.LSTM(I, H).double()
            state = {f"{n}_l0": w for n, w in weights.items()}
            out, (hT, cT) = torch.func.functional_call(module, state, (leaves["x"], (leaves["h0"][None],
                                                                                    leaves["c0"][None])))
            return {"out[0]": out, "out[1]": hT[0], "out[2]": cT[0]}, leaves
        module = torch.nn.LSTMCell(I, H).double()
        h, c = torch.func.functional_call(module, weights, (leaves["x"], (leaves["h_prev"], leaves["c_prev"])))
        return {"out[0]": h, "out[1]": c}, leaves



class TorchONLSTM(_Autograd):
    ops = ("onlstm_layer",)
    layouts = {"onlstm_layer": "authors"}

    def supports(self, op, attrs):
        return attrs.get("master_input", "paper") == "paper"

    def _run(self, op, inputs, attrs):
        torch = _torch()
        leaves = {k: torch.tensor(np.asarray(v, dtype=np.float64), requires_grad=True) for k, v in inputs.items()}
        x, h, c = leaves["x"], leaves["h0"], leaves["c0"]
        mask = None if attrs.get("mask") is None else torch.from_numpy(np.asarray(attrs["mask"], dtype=np.float64))
        w_ih, b_ih = leaves["params.cells.0.ih.0.weight"], leaves["params.cells.0.ih.0.bias"]
        w_hh, b_hh = leaves["params.cells.0.hh.weight"], leaves["params.cells.0.hh.bias"]
        if attrs.get("weight_mask") is not None:   # DropConnect: (G, H), like hh.weight
            w_hh = w_hh * torch.from_numpy(np.asarray(attrs["weight_mask"], dtype=np.float64))
        H = w_hh.shape[1]
        L = (w_hh.shape[0] - 4 * H) // 2
        cs = H // L
        outs = []
        for t in range(x.shape[0]):
            g = x[t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh
            cin = 1 - torch.cumsum(torch.softmax(g[:, :L], -1), -1)
            cforget = torch.cumsum(torch.softmax(g[:, L:2 * L], -1), -1)
            o, chat, i, f = g[:, 2 * L:].reshape(-1, 4 * L, cs).chunk(4, 1)
            cin, cforget = cin[:, :, None], cforget[:, :, None]
            overlap = cforget * cin
            c3 = c.reshape(-1, L, cs)
            c3 = (torch.sigmoid(f) * overlap + cforget - overlap) * c3 + \
                 (torch.sigmoid(i) * overlap + cin - overlap) * torch.tanh(chat)
            c_new = c3.reshape(-1, H)
            h_new = (torch.sigmoid(o).reshape(-1, H)) * torch.tanh(c_new)
            m = torch.ones((x.shape[1], 1), dtype=x.dtype) if mask is None else mask[:, t:t + 1]
            c, h = m * c_new + (1 - m) * c, m * h_new + (1 - m) * h   # padding: the state is carried
            outs.append(m * h_new)                                     # and the output is zero
        return {"out[0]": torch.stack(outs), "out[1]": h, "out[2]": c}, leaves



class TorchBiRNN(_Autograd):
    ops = ("birnn",)
    layouts = {"birnn": "torch"}      # declines the ON-LSTM examples (the layout cannot express them)

    def supports(self, op, attrs):
        return attrs.get("method", "reverse") != "naive"     # the counterexample formulation

    def _run(self, op, inputs, attrs):
        torch = _torch()
        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

        leaves = {k: torch.tensor(np.asarray(v, dtype=np.float64), requires_grad=True) for k, v in inputs.items()}
        batch_first = not attrs.get("time_major", True)
        x = leaves["x"]
        bdim, tdim = (0, 1) if batch_first else (1, 0)
        T, B, H = x.shape[tdim], x.shape[bdim], leaves["params.weight_hh_l0"].shape[1]
        module = torch.nn.LSTM(x.shape[2], H, bidirectional=True, batch_first=batch_first).double()
        state = {k[len("params."):]: v for k, v in leaves.items() if k.startswith("params.")}
        lengths = np.asarray(attrs["lengths"])
        rows = torch.from_numpy(np.flatnonzero(lengths > 0))
        out_shape = (B, T, 2 * H) if batch_first else (T, B, 2 * H)
        out, h_n = x.new_zeros(out_shape), x.new_zeros((2, B, H))
        if len(rows):
            packed = pack_padded_sequence(x.index_select(bdim, rows), torch.from_numpy(lengths[lengths > 0]),
                                          batch_first=batch_first, enforce_sorted=False)
            y, (h, _) = torch.func.functional_call(module, state, (packed,))
            y, _ = pad_packed_sequence(y, batch_first=batch_first, total_length=T)
            out, h_n = out.index_copy(bdim, rows, y), h_n.index_copy(1, rows, h)
        return {"out[0]": out, "out[1]": h_n}, leaves



def _pair(v):
    return (int(v), int(v)) if np.ndim(v) == 0 else (int(v[0]), int(v[1]))


def _same_pads(n, k, s, d):
    """TensorFlow's "same" padding of n positions: output ceil(n / s), the odd pixel after."""
    out = -(-n // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
    return total // 2, total - total // 2


class TorchConv(_Autograd):
    ops = ("conv2d", "conv2d_transpose")
    layouts = {"conv2d": "torch", "conv2d_transpose": "torch"}

    def _run(self, op, inputs, attrs):
        torch = _torch()
        F = torch.nn.functional
        leaves = {k: torch.tensor(np.asarray(v, dtype=np.float64), requires_grad=True) for k, v in inputs.items()}
        w, bias = leaves["weight"], leaves.get("bias")
        s, d = _pair(attrs.get("stride", 1)), _pair(attrs.get("dilation", 1))
        same = attrs.get("padding", "same") == "same"
        K = w.shape[2:]
        if op == "conv2d":
            x = leaves["x"]
            pads = [_same_pads(x.shape[2 + a], K[a], s[a], d[a]) if same else (0, 0) for a in (0, 1)]
            x = F.pad(x, (*pads[1], *pads[0]))
            return {"out": F.conv2d(x, w, bias, stride=s, dilation=d)}, leaves
        y = leaves["y"]
        n = y.shape[2:]
        span = [(K[a] - 1) * d[a] + 1 for a in (0, 1)]
        if same:
            size = [n[a] * s[a] for a in (0, 1)]
        elif (attrs.get("sizes") or "keras") == "keras":
            size = [n[a] * s[a] + max(span[a] - s[a], 0) for a in (0, 1)]
        else:
            size = [(n[a] - 1) * s[a] + span[a] for a in (0, 1)]
        pads = [_same_pads(size[a], K[a], s[a], d[a]) if same else (0, 0) for a in (0, 1)]
        # the padded map the convolution reads, beyond what the windows reach: output_padding
        extra = [size[a] + sum(pads[a]) - ((n[a] - 1) * s[a] + span[a]) for a in (0, 1)]
        z = F.conv_transpose2d(y, w, None, stride=s, output_padding=tuple(extra), dilation=d)
        z = z[:, :, pads[0][0]:pads[0][0] + size[0], pads[1][0]:pads[1][0] + size[1]]
        return {"out": z if bias is None else z + bias[:, None, None]}, leaves



torch_lstm = TorchLSTM()
torch_onlstm = TorchONLSTM()
torch_birnn = TorchBiRNN()
torch_conv = TorchConv()
