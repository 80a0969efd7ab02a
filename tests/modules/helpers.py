"""Shared helpers: central differences with respect to a module's parameters."""
import numpy as np

from reference.core.gradcheck import numerical_vjp


def param_numerical_grads(module, run, cotangent, eps=1e-6):
    """Central differences of ``<cotangent, run()>`` with respect to each distinct parameter of
    ``module`` (``run`` computes the output from the parameters' current values)."""
    params = module.parameters()
    saved = [p.value.copy() for p in params]

    def fn(*values):
        for p, v in zip(params, values):
            p.value = np.asarray(v, dtype=float)
        return run()

    try:
        return numerical_vjp(fn, tuple(saved), cotangent, eps=eps)
    finally:
        for p, v in zip(params, saved):
            p.value = v
