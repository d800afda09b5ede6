"""Polynomial regression trained by gradient descent (optax), to watch early stopping happen."""

import functools
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from core.polynomial import degree_mask, legendre_features, masked_mse
from core.regression_data import Dataset

MAX_EPOCHS = 2000

OPTIMIZERS: dict[str, Callable[[jax.Array], optax.GradientTransformation]] = {
    "sgd": optax.sgd,
    "momentum": lambda lr: optax.sgd(lr, momentum=0.9),
    "adam": optax.adam,
}
OPTIMIZER_NAMES = tuple(OPTIMIZERS)


class TrainingHistory(NamedTuple):
    """Losses per epoch (full-batch: one step per epoch) and the coefficients at each epoch."""

    train_loss: jax.Array  # (MAX_EPOCHS,)
    val_loss: jax.Array  # (MAX_EPOCHS,)
    coefs: jax.Array  # (MAX_EPOCHS, N_COEFS) after each epoch


@functools.partial(jax.jit, static_argnames="optimizer")
def train_polynomial(
    data: Dataset,
    degree: jax.Array,
    learning_rate: jax.Array,
    ridge: jax.Array,
    epochs: jax.Array,
    optimizer: str,
) -> TrainingHistory:
    """Minimises MSE + λ‖c‖² over the degree's Legendre coefficients from c = 0.

    Runs MAX_EPOCHS scan steps whatever `epochs` is; steps past `epochs` leave the
    coefficients unchanged, so the epochs slider never changes a shape.
    """
    features_train = legendre_features(data.x_train)
    features_val = legendre_features(data.x_val)
    active = degree_mask(degree)
    tx = OPTIMIZERS[optimizer](learning_rate)

    def loss(coefs: jax.Array) -> jax.Array:
        fit = features_train @ (coefs * active)
        return masked_mse(fit, data.y_train, data.mask_train) + ridge * jnp.sum(
            (coefs * active) ** 2
        )

    def step(state, epoch):
        coefs, opt_state = state
        grads = jax.grad(loss)(coefs)
        updates, new_opt_state = tx.update(grads, opt_state, coefs)
        running = epoch < epochs
        coefs = jnp.where(running, optax.apply_updates(coefs, updates), coefs) * active
        opt_state = jax.tree.map(lambda n, o: jnp.where(running, n, o), new_opt_state, opt_state)
        train = masked_mse(features_train @ coefs, data.y_train, data.mask_train)
        val = masked_mse(features_val @ coefs, data.y_val, data.mask_val)
        return (coefs, opt_state), (train, val, coefs)

    coefs0 = jnp.zeros(active.shape, jnp.float32)
    _, (train, val, coefs) = jax.lax.scan(step, (coefs0, tx.init(coefs0)), jnp.arange(MAX_EPOCHS))
    return TrainingHistory(train, val, coefs)


def first_non_finite(values: np.ndarray) -> int | None:
    """Index of the first NaN/Inf, or None: diverging runs are cut there."""
    bad = np.flatnonzero(~np.isfinite(values))
    return int(bad[0]) if bad.size else None


def early_stopping_epoch(val_loss: np.ndarray) -> int:
    """The epoch with the lowest validation loss (ignoring non-finite values)."""
    finite = np.where(np.isfinite(val_loss), val_loss, np.inf)
    return int(np.argmin(finite))
