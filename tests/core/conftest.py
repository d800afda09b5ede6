"""Core maths runs under strict dtype promotion, so silent float64/weak-type surprises fail."""

import jax
import pytest


@pytest.fixture(autouse=True)
def strict_dtype_promotion():
    with jax.numpy_dtype_promotion("strict"):
        yield
