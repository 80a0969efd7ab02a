"""Strategies and inputs shared by the ON-LSTM tests."""
import numpy as np
from hypothesis import strategies as st

from reference.core.strategies import dataclass_params, distinct_dims, float_arrays
from reference.onlstm import ONLSTMParams


@st.composite
def sizes(draw, max_T=4):
    """(T, B, I, H, chunk_size) with B != I, chunk_size in {1, .., H} dividing H."""
    T = draw(st.integers(1, max_T))
    B, I = draw(distinct_dims(2, 1, 4))
    L = draw(st.integers(1, 4))
    cs = draw(st.integers(1, 3))
    return T, B, I, L * cs, cs


@st.composite
def layer_inputs(draw, max_T=4, dtype=np.float64):
    T, B, I, H, cs = draw(sizes(max_T))
    params = draw(dataclass_params(ONLSTMParams, ONLSTMParams.shapes(I, H, H // cs), bound=1.5, dtype=dtype))
    x = draw(float_arrays((T, B, I), dtype=dtype))
    h0 = draw(float_arrays((B, H), dtype=dtype))
    c0 = draw(float_arrays((B, H), dtype=dtype))
    return x, params, h0, c0


variants = st.sampled_from(["paper", "article"])


def random_inputs(seed, T=4, B=3, I=2, H=6, chunk_size=2, dtype=np.float64, scale=2.0):
    rng = np.random.default_rng(seed)
    p = ONLSTMParams.init(I, H, chunk_size, rng, dtype=dtype)
    p = ONLSTMParams(scale * p.W, scale * p.U, (p.b + rng.uniform(0.2, 1.0, p.b.shape)).astype(dtype))
    x, h0, c0 = (rng.standard_normal(s).astype(dtype) for s in ((T, B, I), (B, H), (B, H)))
    return x, p, h0, c0
