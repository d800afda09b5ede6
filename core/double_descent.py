"""Double descent: test error of minimum-norm least squares against the number of parameters.

Features are Legendre polynomials of degree 0 … MAX_FEATURES − 1, degree k weighted by
1/√(k+1). Below the interpolation threshold (parameters < training points) more parameters
fit better; at it the system is square and barely solvable, so the minimum-norm solution has
a huge norm and the test error peaks; past it, among the many interpolating solutions the
minimum-norm one — which the weighting steers towards low degrees, i.e. smooth functions —
gets better again (Belkin et al., PNAS 2019; Hastie et al., Ann. Stat. 2022).
"""

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from core.polynomial import legendre_features, masked_mse, ridge_operator

MAX_POINTS = 40  # training points used (the first ones): the threshold stays well inside the range
MAX_FEATURES = 192
FEATURE_COUNTS = np.unique(np.round(np.geomspace(1, MAX_FEATURES, 56)).astype(np.int32))
# float32 resolves singular values down to ~1e-7·s_max; cutting at 1e-6 keeps the peak visible.
RTOL = 1e-6


class DoubleDescent(NamedTuple):
    n_features: jax.Array  # (len(FEATURE_COUNTS),) int
    train_mse: jax.Array  # (len(FEATURE_COUNTS),)
    test_mse: jax.Array  # (len(FEATURE_COUNTS),) on the validation points
    n_points: jax.Array  # scalar: where the interpolation threshold sits


def weighted_legendre(x: jax.Array) -> jax.Array:
    """(N, MAX_FEATURES) Legendre features, degree k scaled by 1/√(k+1)."""
    weights = 1.0 / jnp.sqrt(jnp.arange(MAX_FEATURES, dtype=jnp.float32) + 1.0)
    return legendre_features(x, MAX_FEATURES) * weights[None, :]


@jax.jit
def double_descent(
    x_train: jax.Array,
    y_train: jax.Array,
    mask_train: jax.Array,
    x_val: jax.Array,
    y_val: jax.Array,
    mask_val: jax.Array,
) -> DoubleDescent:
    """Minimum-norm fits with each of FEATURE_COUNTS parameters, on ≤ MAX_POINTS points."""
    x, y, mask = x_train[:MAX_POINTS], y_train[:MAX_POINTS], mask_train[:MAX_POINTS]
    features, features_val = weighted_legendre(x), weighted_legendre(x_val)
    zero = jnp.zeros((), jnp.float32)

    def one(n_features: jax.Array) -> tuple[jax.Array, jax.Array]:
        col_mask = (jnp.arange(MAX_FEATURES) < n_features).astype(jnp.float32)
        weights = ridge_operator(features, mask, col_mask, zero, RTOL) @ (y * mask)
        train = masked_mse(features @ weights, y, mask)
        return train, masked_mse(features_val @ weights, y_val, mask_val)

    counts = jnp.asarray(FEATURE_COUNTS)
    train, test = jax.vmap(one)(counts)
    return DoubleDescent(counts, train, test, jnp.sum(mask))
