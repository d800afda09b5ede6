"""bias² + variance + noise equals the Monte-Carlo test error; the variance has a closed form."""

import jax
import jax.numpy as jnp
import numpy as np

from core.bias_variance import MAX_RESAMPLES, bias_variance
from core.regression_data import TRUTH_NAMES, sample_dataset


def decomposition(n_train=25, noise=0.3, ridge=0.0, resamples=MAX_RESAMPLES, truth="sine", seed=0):
    truth_index = jnp.int32(TRUTH_NAMES.index(truth))
    data = sample_dataset(
        jax.random.key(seed), truth_index, jnp.int32(n_train), jnp.int32(10), jnp.float32(noise)
    )
    return bias_variance(
        jax.random.key(seed + 100),
        data.x_train,
        data.mask_train,
        truth_index,
        jnp.float32(noise),
        jnp.float32(ridge),
        jnp.int32(resamples),
    )


def test_decomposition_matches_monte_carlo_test_error():
    for truth in ("sine", "runge"):
        bv = decomposition(truth=truth)
        total = np.asarray(bv.bias2 + bv.variance + bv.noise)
        error = np.asarray(bv.expected_error)
        # 1,000 draws: the Monte-Carlo mean has a few per cent of sampling error.
        np.testing.assert_allclose(error[:15], total[:15], rtol=0.06)


def test_monte_carlo_variance_matches_closed_form():
    bv = decomposition()
    np.testing.assert_allclose(
        np.asarray(bv.variance)[:12], np.asarray(bv.variance_exact)[:12], rtol=0.1
    )


def test_bias_falls_and_variance_rises_with_degree():
    bv = decomposition(n_train=40, noise=0.2)
    bias2 = np.asarray(bv.bias2)
    variance = np.asarray(bv.variance_exact)
    assert bias2[7] < 0.01 * bias2[0]
    assert np.all(np.diff(variance[:15]) > 0)


def test_noise_free_data_has_no_variance():
    bv = decomposition(noise=0.0)
    np.testing.assert_allclose(np.asarray(bv.variance), 0.0, atol=1e-10)
    assert float(bv.noise) == 0.0


def test_fewer_resamples_are_masked_not_reshaped():
    small = decomposition(resamples=10)
    large = decomposition(resamples=1000)
    assert small.bias2.shape == large.bias2.shape
    assert not np.allclose(np.asarray(small.variance), np.asarray(large.variance))
