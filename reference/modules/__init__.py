"""Modules: shared parameters, models as layers, clone, tied weights, and cutting a model.

The readable reference for what it means to use the same weights in several places
(kexue.fm/archives/6985, and the layer-in-layer section of kexue.fm/archives/6810): a thin
stateful shell over the project's pure forward/backward op pairs, writing no second copy of
their maths.

==========================  ===========================================================
:mod:`.parameter`           ``Parameter`` (value, accumulated grad, identity), the declared
                            transposed tie ``p.T``, non-trainable ``State``
:mod:`.module`              ``Module`` (``forward -> (y, vjp)``, per-call closures),
                            recursive deduplicated ``parameters()``/``states()``, ``Sequential``
:mod:`.layers`              ``Dense``, ``Activation``, ``Embedding``, ``EmbeddingDense`` (tied),
                            ``Add``, ``TwoDense`` (layer in layer), ``LSTM``, ``ONLSTM``,
                            ``Bidirectional`` (aligned), ``VectorQuantizer`` (EMA state)
:mod:`.graph`               ``Input``, symbolic calls, ``Model(inputs, outputs)``, ``split``
:mod:`.clone`               ``clone(module, "fresh"|"copy"|"share")``, ties kept
:mod:`.io`                  ``save_module`` / ``load_module``: ``.npz``, ties stored once
:mod:`.optim`               ``ParameterOptimizer``: Adam/SGD over parameters, duplicates refused
==========================  ===========================================================
"""
from .clone import POLICIES, clone
from .graph import Input, Model, Tensor, split
from .io import load_module, save_module
from .layers import (LSTM, ONLSTM, Activation, Add, Bidirectional, Dense, Embedding, EmbeddingDense, TwoDense,
                     VectorQuantizer)
from .module import Module, Sequential
from .optim import ParameterOptimizer
from .parameter import Parameter, State, Transposed

__all__ = ["Parameter", "Transposed", "State", "Module", "Sequential", "Dense", "Activation", "Embedding",
           "EmbeddingDense", "Add", "TwoDense", "LSTM", "ONLSTM", "Bidirectional", "VectorQuantizer", "Input",
           "Tensor", "Model", "split", "clone", "POLICIES", "save_module", "load_module", "ParameterOptimizer"]
