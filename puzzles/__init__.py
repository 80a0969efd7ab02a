"""refspace maths sandbox: runnable sympy/mpmath explorations (one module per exploration)."""
