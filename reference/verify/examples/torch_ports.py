"""Independent PyTorch implementations for the conformance kit (needs PyTorch).

``torch_lstm``: ``torch.nn.LSTM`` / ``torch.nn.LSTMCell`` in PyTorch's own parameter layout
(``layouts = {"lstm_layer": "torch", "lstm_cell": "torch"}``), VJPs by autograd.

``torch_onlstm``: an ON-LSTM layer written from the paper's equations in the authors'
packed layout (rows ``[i_tilde | f_tilde | o | c_hat | i | f]``, two biases, weights
(out, in), a DropConnect mask shaped like ``hh.weight``, a (B, T) padding mask), VJPs by
autograd. It implements the "paper" master input only, and says so through ``supports``.
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


class TorchLSTM:
    ops = ("lstm_layer", "lstm_cell")
    layouts = {"lstm_layer": "torch", "lstm_cell": "torch"}

    def _run(self, op, inputs):
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

    def forward(self, op, inputs, attrs):
        outputs, _ = self._run(op, inputs)
        return {k: v.detach().numpy() for k, v in outputs.items()}

    def vjp(self, op, inputs, attrs, cotangents):
        torch = _torch()
        outputs, leaves = self._run(op, inputs)
        return _vjp(torch, outputs, leaves, cotangents)


class TorchONLSTM:
    ops = ("onlstm_layer",)
    layouts = {"onlstm_layer": "authors"}

    def supports(self, op, attrs):
        return attrs.get("master_input", "paper") == "paper"

    def _run(self, inputs, attrs):
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

    def forward(self, op, inputs, attrs):
        outputs, _ = self._run(inputs, attrs)
        return {k: v.detach().numpy() for k, v in outputs.items()}

    def vjp(self, op, inputs, attrs, cotangents):
        torch = _torch()
        outputs, leaves = self._run(inputs, attrs)
        return _vjp(torch, outputs, leaves, cotangents)


torch_lstm = TorchLSTM()
torch_onlstm = TorchONLSTM()
