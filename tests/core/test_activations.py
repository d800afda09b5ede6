"""Activations: the float64 NumPy twins used by the theory agree with JAX and jax.grad."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from core.activations import ACTIVATIONS

NAMES = ("linear", "tanh", "sigmoid", "relu", "leaky_relu", "gelu", "selu")


def test_registry_holds_the_issue_list():
    assert tuple(ACTIVATIONS) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_numpy_twin_and_derivative_match_jax(name):
    act = ACTIVATIONS[name]
    z = np.concatenate([np.linspace(-6, 6, 241), [-0.5, 0.25, 13.0, -13.0]])
    z = z[np.abs(z) > 1e-3]  # relu's kink
    z32 = jnp.asarray(z, jnp.float32)
    np.testing.assert_allclose(act.np_fn(z), act.fn(z32), rtol=1e-5, atol=1e-6)
    grad = jax.vmap(jax.grad(act.fn))(z32)
    np.testing.assert_allclose(act.np_grad(z), grad, rtol=1e-4, atol=1e-5)  # float32 tails


@pytest.mark.parametrize("name", NAMES)
def test_numpy_twins_stay_finite_far_out(name):
    act = ACTIVATIONS[name]
    z = np.array([-1e150, -1e6, 1e6, 1e150])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert np.all(np.isfinite(act.np_grad(z)))
        assert np.all(np.isfinite(act.np_fn(z)))


def test_flat_regions_are_where_the_issue_says():
    z = jnp.asarray([-3.0, -0.1, 0.0, 0.1, 3.0], jnp.float32)
    relu, tanh, sigmoid = ACTIVATIONS["relu"], ACTIVATIONS["tanh"], ACTIVATIONS["sigmoid"]
    assert relu.flat(z, relu.fn(z)).tolist() == [True, True, True, False, False]
    assert tanh.flat(z, tanh.fn(z)).tolist() == [True, False, False, False, True]
    big = jnp.asarray([-5.0, 0.0, 5.0], jnp.float32)
    assert sigmoid.flat(big, sigmoid.fn(big)).tolist() == [True, False, True]
    linear = ACTIVATIONS["linear"]
    assert not linear.flat(z, z).any()
