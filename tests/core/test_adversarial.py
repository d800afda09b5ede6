"""Adversarial attacks: budgets respected, PGD with one step is FGSM, the targeted attack works
at a stated ε, accuracy falls with ε, the ε sweep equals single-ε runs, nothing recompiles."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads

from core import adversarial, cnn, pretrain
from core.compile_counter import count_compiles

# The targeted-attack claim: at ε = 0.2 (pixels in [0, 1]) and 20 PGD steps.
STATED_EPSILON, STATED_STEPS = 0.2, 20


@pytest.fixture(scope="module")
def params():
    return pretrain.load()[0]


@pytest.fixture(scope="module")
def test_set():
    source = pretrain.source_data()
    return jnp.asarray(source["test_images"]), jnp.asarray(source["test_labels"])


def probabilities(params, images):
    return jax.nn.softmax(cnn.forward(params, images), axis=-1)


def test_input_gradient_matches_finite_differences(params, test_set):
    images, labels = test_set

    def loss(x):
        logits = cnn.forward(params, x)
        return -jnp.take_along_axis(jax.nn.log_softmax(logits), labels[:4, None], 1).sum()

    check_grads(loss, (images[:4],), order=1, modes=("rev",), atol=5e-2, rtol=5e-2, eps=1e-3)


@pytest.mark.parametrize("targeted", [False, True])
def test_attacks_stay_within_the_budget_and_the_pixel_range(params, test_set, targeted):
    images, labels = test_set
    eps = jnp.float32(0.07)
    for attacked in (
        adversarial.fgsm(params, images, labels, eps, targeted),
        adversarial.pgd(params, images, labels, eps, jnp.int32(7), targeted),
    ):
        assert float(jnp.abs(attacked - images).max()) <= 0.07 + 1e-6
        assert float(attacked.min()) >= 0.0 and float(attacked.max()) <= 1.0


def test_pgd_with_one_step_is_fgsm(params, test_set):
    images, labels = test_set
    eps = jnp.float32(0.1)
    for targeted in (False, True):
        np.testing.assert_allclose(
            adversarial.pgd(params, images, labels, eps, jnp.int32(1), targeted),
            adversarial.fgsm(params, images, labels, eps, targeted),
            atol=1e-6,
        )


def test_fgsm_moves_each_pixel_by_epsilon_along_the_loss_gradient_sign(params, test_set):
    images, labels = test_set
    gradient = jax.grad(
        lambda x: (
            -jnp.take_along_axis(
                jax.nn.log_softmax(cnn.forward(params, x)), labels[:, None], 1
            ).sum()
        )
    )(images)
    expected = np.clip(images + 0.05 * np.sign(gradient), 0.0, 1.0)
    attacked = adversarial.fgsm(params, images, labels, jnp.float32(0.05), False)
    np.testing.assert_allclose(attacked, expected, atol=1e-6)


def test_targeted_attack_raises_the_target_and_flips_most_images(params, test_set):
    images, labels = test_set
    targets = (labels + 1) % cnn.NUM_CLASSES
    attacked = adversarial.pgd(
        params, images, targets, jnp.float32(STATED_EPSILON), jnp.int32(STATED_STEPS), True
    )
    rows = jnp.arange(len(targets))
    before = probabilities(params, images)[rows, targets]
    after_all = probabilities(params, attacked)
    assert float(jnp.mean(after_all[rows, targets] > before)) >= 0.95
    assert float(jnp.mean(jnp.argmax(after_all, -1) == targets)) >= 0.75


def test_accuracy_falls_with_epsilon(params, test_set):
    images, labels = test_set
    fgsm, pgd, targeted = np.asarray(
        adversarial.accuracy_curves(params, images, labels, adversarial.EPSILON_GRID, jnp.int32(10))
    )
    clean = float(jnp.mean(jnp.argmax(cnn.forward(params, images), -1) == labels))
    for curve in (fgsm, pgd):
        assert curve[0] == pytest.approx(clean)
        assert np.diff(curve).mean() < 0 and np.diff(curve).max() <= 0.02
        assert curve[-1] < 0.2
    assert (pgd <= fgsm + 0.02).all()  # more steps, at least as strong
    assert targeted[0] == 0.0 and targeted[-1] > 0.9


def test_epsilon_sweep_equals_each_epsilon_alone(params, test_set):
    images, labels = test_set
    grid = jnp.asarray([0.0, 0.05, 0.2], jnp.float32)
    swept = adversarial.accuracy_curves(params, images, labels, grid, jnp.int32(5))
    for i in range(len(grid)):
        alone = adversarial.accuracy_curves(params, images, labels, grid[i : i + 1], jnp.int32(5))
        np.testing.assert_allclose(alone[:, 0], swept[:, i], atol=1.5 / len(labels))


def test_explore_shows_the_chosen_image_and_both_attacks(params, test_set):
    images, labels = test_set
    settings = adversarial.Settings(image_index=7, target_class=3, epsilon=0.2, steps=20)
    result = adversarial.explore(params, np.asarray(images), np.asarray(labels), settings)
    np.testing.assert_array_equal(result["original"], images[7])
    assert result["label"] == int(labels[7])
    assert np.abs(result["perturbation"]).max() <= 0.2 + 1e-6
    np.testing.assert_allclose(result["probabilities"].sum(-1), 1.0, rtol=1e-5)
    assert result["probabilities"][2, 3] > result["probabilities"][0, 3]


def test_moving_epsilon_steps_image_or_target_compiles_nothing(params, test_set):
    images, labels = (np.asarray(a) for a in test_set)
    adversarial.explore(params, images, labels, adversarial.Settings())
    with count_compiles() as compiles:
        for index, target, eps, steps in [(3, 0, 0.0, 1), (100, 4, 0.3, 50), (9, 2, 0.01, 7)]:
            adversarial.explore(
                params, images, labels, adversarial.Settings(index, target, eps, steps)
            )
    assert compiles.count == 0
