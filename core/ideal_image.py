"""The "ideal" image of a class: gradient ascent on the input, with a total-variation penalty.

Start from seeded noise x₀ and take Adam steps on the image to maximise

    J(x) = log p(c | x) − λ · TV(x),    TV(x) = Σ |x[i+1, j] − x[i, j]| + Σ |x[i, j+1] − x[i, j]|,

keeping pixels in [0, 1]. Without the penalty (λ = 0) many images convince the network, most of
them noise; the penalty prefers piecewise-smooth ones (Mahendran & Vedaldi, "Understanding deep
image representations by inverting them", 2015). The chosen λ and λ = 0 run side by side
(vmapped), from the same start.
"""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import optax

from core import cnn

MAX_STEPS = 500
STEP_SIZE = 0.05
START_NOISE = 0.15


@dataclasses.dataclass(frozen=True)
class Settings:
    """Controls of the ideal-image view."""

    class_index: int = 3
    tv_weight: float = 0.01
    steps: int = 300
    seed: int = 0


def total_variation(image: jax.Array) -> jax.Array:
    """Anisotropic total variation of one (H, W) image: the summed absolute neighbour steps."""
    return jnp.abs(jnp.diff(image, axis=0)).sum() + jnp.abs(jnp.diff(image, axis=1)).sum()


_total_variations = jax.jit(jax.vmap(total_variation))  # one program, not one per op


def objective(params, image: jax.Array, class_index: jax.Array, tv_weight: jax.Array):
    """J(x) = log p(c | x) − λ · TV(x), and its two parts (log p, TV)."""
    log_probs = jax.nn.log_softmax(cnn.forward(params, image[None])[0])
    log_p, tv = log_probs[class_index], total_variation(image)
    return log_p - tv_weight * tv, (log_p, tv)


def start_image(key: jax.Array) -> jax.Array:
    """Mid-grey noise: 0.5 + START_NOISE · N(0, 1), clipped to [0, 1]."""
    noise = jax.random.normal(key, cnn.IMAGE_SHAPE, jnp.float32)
    return jnp.clip(0.5 + START_NOISE * noise, 0.0, 1.0)


def _ascend_one(params, start, class_index, tv_weight, steps):
    """Adam ascent for `steps` (traced, ≤ MAX_STEPS); histories padded to MAX_STEPS with NaN."""
    optimizer = optax.adam(STEP_SIZE)
    grad_fn = jax.value_and_grad(objective, argnums=1, has_aux=True)
    empty = jnp.full((3, MAX_STEPS), jnp.nan, jnp.float32)

    def body(t, carry):
        image, opt_state, history = carry
        (value, (log_p, tv)), grad = grad_fn(params, image, class_index, tv_weight)
        history = history.at[:, t].set(jnp.stack([value, log_p, tv]))
        updates, opt_state = optimizer.update(-grad, opt_state)
        return jnp.clip(optax.apply_updates(image, updates), 0.0, 1.0), opt_state, history

    carry = (start, optimizer.init(start), empty)
    image, _, history = jax.lax.fori_loop(0, jnp.minimum(steps, MAX_STEPS), body, carry)
    return image, history


@jax.jit
def ascend(params, key, class_index, tv_weights, steps):
    """Ideal images for each TV weight (vmapped), all from the same seeded start.

    Args:
      params: network parameters (read only). key: start-noise key.
      class_index: int32 class c. tv_weights: (M,) float32 λ values. steps: int32 ≤ MAX_STEPS.

    Returns:
      start (10, 10), images (M, 10, 10), probabilities (M, 5), and history (M, 3, MAX_STEPS)
      of [J, log p(c|x), TV] per step (NaN after `steps`).
    """
    start = start_image(key)
    run = jax.vmap(_ascend_one, in_axes=(None, None, None, 0, None))
    images, history = run(params, start, class_index, tv_weights, steps)
    probabilities = jax.nn.softmax(cnn.forward(params, images), axis=-1)
    return start, images, probabilities, history


def explore(params, settings: Settings) -> dict:
    """The ideal image at the chosen λ beside λ = 0, as NumPy, histories cut at `steps`."""
    start, images, probabilities, history = ascend(
        params,
        jax.random.key(settings.seed),
        jnp.int32(settings.class_index),
        jnp.asarray([settings.tv_weight, 0.0], jnp.float32),
        jnp.int32(settings.steps),
    )
    history = np.asarray(history)[:, :, : settings.steps]
    return {
        "tv_weights": np.array([settings.tv_weight, 0.0]),
        "start": np.asarray(start),
        "images": np.asarray(images),
        "probabilities": np.asarray(probabilities),
        "objective": history[:, 0],
        "log_prob": history[:, 1],
        "total_variation": history[:, 2],
        "final_total_variation": np.asarray(_total_variations(images)),
    }
