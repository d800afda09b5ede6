"""Bias² + variance + noise of polynomial fits, from K training sets drawn at once.

Fixed-design decomposition (Hastie, Tibshirani & Friedman, ESL §7.3): the training inputs stay
put and K fresh noise draws give K training sets. Because the ridge fit is linear in y, one
operator per degree turns all K sets into K fits by a single matrix product, so K = 1,000
costs little more than K = 1. At a test input x with y = f(x) + ε, Var ε = σ²:

    E[(y − f̂(x))²] = (E f̂(x) − f(x))² + Var f̂(x) + σ²  =  bias² + variance + noise.
"""

from typing import NamedTuple

import jax
import jax.numpy as jnp

from core.polynomial import N_COEFS, degree_mask, legendre_features, ridge_operator
from core.regression_data import true_function

MAX_RESAMPLES = 1000
N_TEST = 256


class BiasVariance(NamedTuple):
    """Per degree 0..MAX_DEGREE, averaged over test inputs uniform on [−1, 1]."""

    bias2: jax.Array  # (N_COEFS,)
    variance: jax.Array  # (N_COEFS,)
    noise: jax.Array  # scalar σ²
    expected_error: jax.Array  # (N_COEFS,) Monte-Carlo E[(y − f̂)²] on fresh test noise
    variance_exact: jax.Array  # (N_COEFS,) σ² ‖H‖²_F / T, the closed form of the variance


def test_inputs() -> jax.Array:
    """Midpoints of N_TEST equal cells of [−1, 1]: a quadrature of the uniform input density."""
    return (jnp.arange(N_TEST, dtype=jnp.float32) + 0.5) / N_TEST * 2.0 - 1.0


@jax.jit
def bias_variance(
    key: jax.Array,
    x_train: jax.Array,
    mask_train: jax.Array,
    truth_index: jax.Array,
    noise: jax.Array,
    ridge: jax.Array,
    n_resamples: jax.Array,
) -> BiasVariance:
    """Decomposes the expected test error for every degree from n_resamples training sets.

    Args:
      key: PRNG key for the noise draws.
      x_train, mask_train: (MAX_TRAIN,) fixed training inputs and their mask.
      truth_index: index into TRUE_FUNCTIONS.
      noise: σ. ridge: λ. n_resamples: K ≤ MAX_RESAMPLES (traced; the rest are masked).
    """
    k_train, k_test = jax.random.split(key)
    x_test = test_inputs()
    f_test = true_function(truth_index, x_test)
    eps = jax.random.normal(k_train, (MAX_RESAMPLES, x_train.shape[0]))
    y_sets = (true_function(truth_index, x_train)[None, :] + noise * eps) * mask_train[None, :]
    y_test = f_test[None, :] + noise * jax.random.normal(k_test, (MAX_RESAMPLES, N_TEST))
    weight = (jnp.arange(MAX_RESAMPLES) < n_resamples).astype(jnp.float32)
    count = jnp.maximum(jnp.sum(weight), 1.0)
    test_features = legendre_features(x_test)  # T: (N_TEST, N_COEFS)
    # Averages over test inputs of quadratics in f̂ = T c reduce to (N_COEFS,)-sized algebra:
    # mean_t (T c)² = cᵀ G c with G = TᵀT / N_TEST, so K = 1,000 fits cost almost nothing.
    gram = test_features.T @ test_features / N_TEST
    test_moments = y_test @ test_features / N_TEST  # (K, N_COEFS): Tᵀ y_test,k / N_TEST
    test_power = jnp.mean(y_test**2, axis=1)  # (K,)
    train_features = legendre_features(x_train)

    def one_degree(degree: jax.Array) -> tuple[jax.Array, ...]:
        operator = ridge_operator(train_features, mask_train, degree_mask(degree), ridge)
        coefs = y_sets @ operator.T  # (K, N_COEFS): every training set's fit at once
        mean_coefs = weight @ coefs / count
        centred = coefs - mean_coefs[None, :]
        variance = weight @ jnp.sum((centred @ gram) * centred, axis=1) / count
        quad = jnp.sum((coefs @ gram) * coefs, axis=1)
        error = weight @ (quad - 2.0 * jnp.sum(coefs * test_moments, axis=1) + test_power) / count
        smoother = test_features @ operator  # y_train ↦ f̂(x_test), for the exact variance
        exact = noise**2 * jnp.sum((smoother * mask_train[None, :]) ** 2) / N_TEST
        bias2 = jnp.mean((test_features @ mean_coefs - f_test) ** 2)
        return bias2, variance, error, exact

    bias2, variance, error, exact = jax.vmap(one_degree)(jnp.arange(N_COEFS))
    return BiasVariance(bias2, variance, noise**2, error, exact)
