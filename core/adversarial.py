"""Adversarial examples against the pretrained CNN: FGSM and projected gradient descent (PGD).

With the cross-entropy L(x, y) and an L∞ budget ε, pixels kept in [0, 1]:

- FGSM (Goodfellow et al., 2015): x' = clip(x + s · ε · sign ∇ₓ L(x, y')), one step;
- PGD (Madry et al., 2018): `steps` such steps of size α = 2.5 ε / steps, each followed by a
  projection back onto {|x' − x|∞ ≤ ε} ∩ [0, 1].

Untargeted attacks push the true label's loss up (s = +1, y' = y); targeted attacks pull the
target's loss down (s = −1, y' = target). Accuracy against ε is computed for the whole test
set at once, vmapped over a grid of ε.
"""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import optax

from core import cnn

MAX_STEPS = 50
EPSILON_GRID = np.round(np.linspace(0.0, 0.3, 13), 3).astype(np.float32)


@dataclasses.dataclass(frozen=True)
class Settings:
    """Controls of the adversarial view: which test image, which target, budget and steps."""

    image_index: int = 91  # a 2 that PGD makes a 4 at ε = 0.1 (p = 0.81); FGSM gets p = 0.40
    target_class: int = 4
    epsilon: float = 0.1
    steps: int = 10


def _loss_gradient(params, images, labels):
    """∇ₓ of the summed cross-entropy, per image: (N, 10, 10)."""

    def loss(x):
        logits = cnn.forward(params, x)
        return optax.softmax_cross_entropy_with_integer_labels(logits, labels).sum()

    return jax.grad(loss)(images)


def _direction(targeted: jax.Array) -> jax.Array:
    return jnp.where(targeted, jnp.float32(-1.0), jnp.float32(1.0))


def fgsm(params, images, labels, epsilon, targeted) -> jax.Array:
    """One signed-gradient step of size ε; `labels` are the targets when `targeted`."""
    step = _direction(targeted) * epsilon * jnp.sign(_loss_gradient(params, images, labels))
    return jnp.clip(images + step, 0.0, 1.0)


def pgd(params, images, labels, epsilon, steps, targeted) -> jax.Array:
    """`steps` (traced, ≤ MAX_STEPS) projected signed-gradient steps of size 2.5 ε / steps."""
    steps = jnp.clip(steps, 1, MAX_STEPS)
    alpha = 2.5 * epsilon / steps.astype(jnp.float32)
    sign = _direction(targeted)

    def body(_, x):
        x = x + sign * alpha * jnp.sign(_loss_gradient(params, x, labels))
        return jnp.clip(jnp.clip(x, images - epsilon, images + epsilon), 0.0, 1.0)

    return jax.lax.fori_loop(0, steps, body, images)


def _probabilities(params, images):
    return jax.nn.softmax(cnn.forward(params, images), axis=-1)


@jax.jit
def attack_one(params, image, target, epsilon, steps):
    """Targeted FGSM and PGD on one (10, 10) image.

    Returns adversarial images (2, 10, 10) [FGSM, PGD] and probabilities (3, 5) for
    [original, FGSM, PGD].
    """
    images, targets = image[None], target[None]
    attacked = jnp.concatenate(
        [
            fgsm(params, images, targets, epsilon, True),
            pgd(params, images, targets, epsilon, steps, True),
        ]
    )
    return attacked, _probabilities(params, jnp.concatenate([images, attacked]))


@jax.jit
def accuracy_curves(params, images, labels, epsilons, steps):
    """Over the test set, for each ε (vmapped): accuracy under untargeted FGSM and PGD, and the
    success rate of targeted PGD towards class (label + 1) mod 5. Each (len(epsilons),)."""
    targets = (labels + 1) % cnn.NUM_CLASSES

    def at(epsilon):
        def predict(x):
            return jnp.argmax(cnn.forward(params, x), axis=-1)

        fgsm_hits = predict(fgsm(params, images, labels, epsilon, False)) == labels
        pgd_hits = predict(pgd(params, images, labels, epsilon, steps, False)) == labels
        fooled = predict(pgd(params, images, targets, epsilon, steps, True)) == targets
        return jnp.stack([fgsm_hits, pgd_hits, fooled]).astype(jnp.float32).mean(axis=1)

    return jax.vmap(at)(epsilons).T


def explore(params, images, labels, settings: Settings) -> dict:
    """The attacked test image and the accuracy-against-ε curves, as NumPy."""
    index = int(np.clip(settings.image_index, 0, len(images) - 1))
    steps = jnp.int32(settings.steps)
    attacked, probabilities = attack_one(
        params,
        images[index],
        jnp.int32(settings.target_class),
        jnp.float32(settings.epsilon),
        steps,
    )
    curves = np.asarray(accuracy_curves(params, images, labels, EPSILON_GRID, steps))
    attacked = np.asarray(attacked)
    return {
        "original": np.asarray(images[index]),
        "label": int(labels[index]),
        "attacked": attacked,
        "perturbation": attacked - np.asarray(images[index])[None],
        "probabilities": np.asarray(probabilities),
        "epsilons": EPSILON_GRID,
        "fgsm_accuracy": np.asarray(curves[0]),
        "pgd_accuracy": np.asarray(curves[1]),
        "targeted_success": np.asarray(curves[2]),
    }
