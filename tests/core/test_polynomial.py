"""Polynomial fits against numpy references and closed-form properties."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads
from numpy.polynomial import legendre

from core.polynomial import (
    N_COEFS,
    fit_polynomial,
    legendre_features,
    predict,
    ridge_operator,
    sweep_degrees,
)
from core.regression_data import TRUTH_NAMES, sample_dataset


def dataset(n_train=40, noise=0.2, seed=0, truth="sine"):
    return sample_dataset(
        jax.random.key(seed),
        jnp.int32(TRUTH_NAMES.index(truth)),
        jnp.int32(n_train),
        jnp.int32(60),
        jnp.float32(noise),
    )


def test_legendre_features_match_numpy_legvander():
    x = np.linspace(-1, 1, 33, dtype=np.float32)
    ours = np.asarray(legendre_features(jnp.asarray(x)))
    np.testing.assert_allclose(ours, legendre.legvander(x.astype(np.float64), 20), atol=1e-5)


@pytest.mark.parametrize("degree", [0, 1, 3, 7, 12])
def test_closed_form_fit_equals_numpy_lstsq(degree):
    data = dataset()
    coefs = fit_polynomial(
        data.x_train, data.y_train, data.mask_train, jnp.int32(degree), jnp.float32(0.0)
    )
    n = int(jnp.sum(data.mask_train))
    x = np.asarray(data.x_train, np.float64)[:n]
    y = np.asarray(data.y_train, np.float64)[:n]
    reference, *_ = np.linalg.lstsq(legendre.legvander(x, degree), y, rcond=None)
    np.testing.assert_allclose(np.asarray(coefs)[: degree + 1], reference, atol=2e-4, rtol=1e-3)
    assert np.all(np.asarray(coefs)[degree + 1 :] == 0.0)


def test_under_determined_fit_is_minimum_norm_interpolant():
    data = dataset(n_train=6)
    coefs = fit_polynomial(
        data.x_train, data.y_train, data.mask_train, jnp.int32(10), jnp.float32(0)
    )
    x = np.asarray(data.x_train, np.float64)[:6]
    y = np.asarray(data.y_train, np.float64)[:6]
    reference = np.linalg.pinv(legendre.legvander(x, 10)) @ y
    np.testing.assert_allclose(np.asarray(coefs)[:11], reference, atol=1e-3)
    np.testing.assert_allclose(
        np.asarray(predict(coefs, jnp.asarray(x, jnp.float32))), y, atol=1e-4
    )


def test_ridge_shrinks_coefficients_monotonically():
    data = dataset(n_train=15)
    norms = [
        float(jnp.linalg.norm(fit_polynomial(*data[:3], jnp.int32(12), jnp.float32(lam))))
        for lam in (0.0, 1e-6, 1e-4, 1e-2, 1.0, 100.0)
    ]
    assert all(a > b for a, b in itertools.pairwise(norms)), norms


def test_ridge_matches_normal_equations():
    data = dataset(n_train=50)
    lam = 0.3
    coefs = fit_polynomial(*data[:3], jnp.int32(5), jnp.float32(lam))
    x = np.asarray(data.x_train, np.float64)[:50]
    y = np.asarray(data.y_train, np.float64)[:50]
    v = legendre.legvander(x, 5)
    reference = np.linalg.solve(v.T @ v + lam * np.eye(6), v.T @ y)
    np.testing.assert_allclose(np.asarray(coefs)[:6], reference, atol=1e-4)


def test_training_error_never_increases_with_degree():
    for seed in range(3):
        sweep = sweep_degrees(*dataset(n_train=60, seed=seed), jnp.float32(0.0))
        train = np.asarray(sweep.train_mse)
        assert np.all(np.diff(train) <= 1e-5 * train[0]), train


def test_sweep_equals_one_fit_per_degree():
    data = dataset()
    sweep = sweep_degrees(*data, jnp.float32(1e-3))
    for degree in (0, 4, 20):
        one = fit_polynomial(*data[:3], jnp.int32(degree), jnp.float32(1e-3))
        np.testing.assert_allclose(np.asarray(sweep.coefs[degree]), np.asarray(one), atol=1e-5)


def test_padding_beyond_n_train_changes_nothing():
    data = dataset(n_train=25)
    garbage = data._replace(
        x_train=jnp.where(data.mask_train > 0, data.x_train, 0.9),
        y_train=jnp.where(data.mask_train > 0, data.y_train, 1e3),
    )
    a = fit_polynomial(*data[:3], jnp.int32(6), jnp.float32(0))
    b = fit_polynomial(*garbage[:3], jnp.int32(6), jnp.float32(0))
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-5)


def test_ridge_operator_is_pseudo_inverse_at_zero_ridge():
    features = jax.random.normal(jax.random.key(3), (30, 8))
    operator = ridge_operator(features, jnp.ones(30), jnp.ones(8), jnp.float32(0))
    np.testing.assert_allclose(
        np.asarray(operator), np.linalg.pinv(np.asarray(features)), atol=1e-4
    )


def test_prediction_gradients():
    coefs = jax.random.normal(jax.random.key(0), (N_COEFS,)) * 0.3
    x = jnp.linspace(-0.9, 0.9, 7, dtype=jnp.float32)
    check_grads(lambda c: jnp.sum(predict(c, x) ** 2), (coefs,), order=2, atol=5e-2, rtol=5e-2)
    check_grads(lambda z: jnp.sum(predict(coefs, z)), (x,), order=1, atol=5e-2, rtol=5e-2)
