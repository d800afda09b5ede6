"""Core maths runs under strict dtype promotion, so silent float64/weak-type surprises fail.

Tests that run through optax's Adam (whose bias correction raises a Python float to an int32
step count) mark themselves `standard_promotion`: the strictness is for our code, not optax's.
"""

import dataclasses

import jax
import numpy as np
import pytest

from core.compile_counter import count_compiles


@pytest.fixture(autouse=True)
def strict_dtype_promotion(request):
    mode = "standard" if request.node.get_closest_marker("standard_promotion") else "strict"
    with jax.numpy_dtype_promotion(mode):
        yield


@pytest.fixture
def compile_counter():
    """`def test_x(compile_counter): with compile_counter() as c: ...; assert c.count == 0`.

    Here rather than in tests/conftest.py (which imports Streamlit) so that the core tests run
    alone where Streamlit is not installed, e.g. on a GPU machine (bench/gpu_check.sh).
    """
    return count_compiles


def assert_same(a, b) -> None:
    """Two results equal field by field (dataclasses, named tuples), arrays bit for bit."""
    if dataclasses.is_dataclass(a):
        assert type(a) is type(b)
        for field in dataclasses.fields(a):
            assert_same(getattr(a, field.name), getattr(b, field.name))
    elif isinstance(a, tuple):
        assert type(a) is type(b) and len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            assert_same(x, y)
    else:
        np.testing.assert_array_equal(a, b)
