"""Polynomial regression in a stable basis: Legendre polynomials on [−1, 1], solved by SVD.

Monomials x^k on [−1, 1] make the design matrix's columns nearly parallel (its condition
number grows like 4^degree); Legendre polynomials are orthogonal there, so degree 20 stays
well conditioned. The SVD solves ridge and minimum-norm least squares alike, including the
under-determined case (more parameters than points) where the normal equations are singular.
"""

from typing import NamedTuple

import jax
import jax.numpy as jnp

MAX_DEGREE = 20
N_COEFS = MAX_DEGREE + 1


def legendre_features(x: jax.Array, n_coefs: int = N_COEFS) -> jax.Array:
    """Legendre polynomials P_0..P_{n-1} at x, by Bonnet's recursion.

    (k+1) P_{k+1}(x) = (2k+1) x P_k(x) − k P_{k−1}(x).

    Args:
      x: (N,) points in [−1, 1].
    Returns:
      (N, n_coefs) design matrix.
    """
    ones = jnp.ones_like(x)

    def bonnet(carry: tuple[jax.Array, jax.Array], k: jax.Array):
        previous, current = carry
        k = k.astype(x.dtype)
        following = ((2.0 * k + 1.0) * x * current - k * previous) / (k + 1.0)
        return (current, following), following

    # A scan, not a Python loop: unrolling 192 degrees made XLA's compile take minutes.
    _, higher = jax.lax.scan(bonnet, (ones, x), jnp.arange(1, max(n_coefs - 1, 1)))
    columns = jnp.concatenate([ones[None], x[None], higher], axis=0)[:n_coefs]
    return columns.T


def degree_mask(degree: jax.Array, n_coefs: int = N_COEFS) -> jax.Array:
    """1.0 for the degree + 1 active coefficients, 0.0 for the rest."""
    return (jnp.arange(n_coefs) <= degree).astype(jnp.float32)


def ridge_operator(
    features: jax.Array,
    row_mask: jax.Array,
    col_mask: jax.Array,
    ridge: jax.Array,
    rtol: float | None = None,
) -> jax.Array:
    """The linear map y ↦ ĉ of ridge regression, via the SVD of the masked design matrix.

    ĉ = argmin ‖A c − y‖² + λ‖c‖² = V diag(s / (s² + λ)) Uᵀ y,  A = U diag(s) Vᵀ.
    With λ = 0 and singular values below the rank cut-off dropped, this is the pseudo-inverse,
    i.e. the minimum-norm least-squares solution (Golub & Van Loan, §5.5).

    Args:
      features: (N, P) design matrix.
      row_mask: (N,) 1 for real points.
      col_mask: (P,) 1 for active features.
      ridge: scalar λ ≥ 0.
      rtol: singular values below rtol·s_max count as zero (default 10·eps·max(N, P), as
        numpy's pinv; a smaller one lets the interpolation peak of double descent show).
    Returns:
      (P, N) matrix whose product with y (zeros on padded rows) is ĉ.
    """
    design = features * row_mask[:, None] * col_mask[None, :]
    u, s, vt = jnp.linalg.svd(design, full_matrices=False)
    if rtol is None:
        rtol = max(design.shape) * float(jnp.finfo(s.dtype).eps) * 10.0
    cutoff = s[0] * rtol
    kept = s > cutoff
    gain = jnp.where(kept, s / jnp.where(kept, s * s + ridge, 1.0), 0.0)
    return (vt.T * gain[None, :]) @ u.T


def fit_polynomial(
    x: jax.Array, y: jax.Array, mask: jax.Array, degree: jax.Array, ridge: jax.Array
) -> jax.Array:
    """Legendre coefficients (N_COEFS,) of the ridge fit of the given degree (zeros above it)."""
    operator = ridge_operator(legendre_features(x), mask, degree_mask(degree), ridge)
    return operator @ (y * mask)


def predict(coefs: jax.Array, x: jax.Array) -> jax.Array:
    return legendre_features(x, coefs.shape[-1]) @ coefs


@jax.jit
def evaluate(coefs: jax.Array, x: jax.Array) -> jax.Array:
    """predict, compiled once: the page evaluates many coefficient vectors on one grid."""
    return predict(coefs, x)


def masked_mse(prediction: jax.Array, target: jax.Array, mask: jax.Array) -> jax.Array:
    """Mean squared error over the real (mask = 1) points."""
    return jnp.sum(mask * (prediction - target) ** 2) / jnp.maximum(jnp.sum(mask), 1.0)


class DegreeSweep(NamedTuple):
    """Fits of every degree 0..MAX_DEGREE on one dataset."""

    coefs: jax.Array  # (N_COEFS degrees, N_COEFS coefficients)
    train_mse: jax.Array  # (N_COEFS,)
    val_mse: jax.Array  # (N_COEFS,)


@jax.jit
def sweep_degrees(
    x_train: jax.Array,
    y_train: jax.Array,
    mask_train: jax.Array,
    x_val: jax.Array,
    y_val: jax.Array,
    mask_val: jax.Array,
    ridge: jax.Array,
) -> DegreeSweep:
    """The U-curve: train and validation MSE of the ridge fit for each degree, in one call."""
    degrees = jnp.arange(N_COEFS)
    coefs = jax.vmap(fit_polynomial, in_axes=(None, None, None, 0, None))(
        x_train, y_train, mask_train, degrees, ridge
    )
    train = jax.vmap(lambda c: masked_mse(predict(c, x_train), y_train, mask_train))(coefs)
    val = jax.vmap(lambda c: masked_mse(predict(c, x_val), y_val, mask_val))(coefs)
    return DegreeSweep(coefs, train, val)
