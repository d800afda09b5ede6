"""Ideal class images: the TV formula, its gradient, the penalty's effect, padded steps that
compile once, and the two-λ vmap against runs one by one."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads

from core import cnn, ideal_image, pretrain

pytestmark = pytest.mark.standard_promotion  # the ascent uses optax's Adam


@pytest.fixture(scope="module")
def params():
    return pretrain.load()[0]


def numpy_total_variation(image: np.ndarray) -> float:
    total = 0.0
    for i in range(image.shape[0]):
        for j in range(image.shape[1]):
            if i + 1 < image.shape[0]:
                total += abs(image[i + 1, j] - image[i, j])
            if j + 1 < image.shape[1]:
                total += abs(image[i, j + 1] - image[i, j])
    return total


def test_total_variation_matches_the_sum_of_neighbour_steps():
    image = np.random.default_rng(0).random(cnn.IMAGE_SHAPE).astype(np.float32)
    tv = float(ideal_image.total_variation(jnp.asarray(image)))
    assert tv == pytest.approx(numpy_total_variation(image), rel=1e-5)
    assert float(ideal_image.total_variation(jnp.full(cnn.IMAGE_SHAPE, 0.3))) == 0.0
    # one vertical edge between columns 4 and 5 of height 1: ten rows × one step
    edge = jnp.zeros(cnn.IMAGE_SHAPE).at[:, 5:].set(1.0)
    assert float(ideal_image.total_variation(edge)) == pytest.approx(10.0)


def test_objective_gradient_matches_finite_differences(params):
    image = ideal_image.start_image(jax.random.key(1))

    def objective(x):
        return ideal_image.objective(params, x, jnp.int32(2), jnp.float32(0.05))[0]

    check_grads(objective, (image,), order=1, modes=("rev",), atol=5e-2, rtol=5e-2, eps=1e-3)


def test_penalty_lowers_total_variation_for_every_class(params):
    for c in range(cnn.NUM_CLASSES):
        look = ideal_image.explore(params, ideal_image.Settings(class_index=c, tv_weight=0.03))
        with_penalty, without = look["final_total_variation"]
        assert with_penalty < 0.5 * without, (c, with_penalty, without)
        assert look["probabilities"][:, c].min() > 0.9  # both still convince the network
        assert look["log_prob"][:, -1].min() > look["log_prob"][:, 0].max()


def test_history_is_cut_at_steps_and_pixels_stay_in_range(params):
    look = ideal_image.explore(params, ideal_image.Settings(steps=37))
    for key in ("objective", "log_prob", "total_variation"):
        assert look[key].shape == (2, 37) and np.isfinite(look[key]).all()
    penalty = look["tv_weights"][0] * look["total_variation"][0]
    np.testing.assert_allclose(look["objective"][0], look["log_prob"][0] - penalty, atol=1e-5)
    assert look["images"].min() >= 0.0 and look["images"].max() <= 1.0


def test_steps_beyond_the_cap_are_the_cap(params):
    args = (params, jax.random.key(0), jnp.int32(1), jnp.asarray([0.01, 0.0], jnp.float32))
    capped = ideal_image.ascend(*args, jnp.int32(ideal_image.MAX_STEPS))
    beyond = ideal_image.ascend(*args, jnp.int32(ideal_image.MAX_STEPS + 100))
    np.testing.assert_array_equal(capped[1], beyond[1])


def test_two_weights_vmapped_equal_each_alone(params):
    # 20 steps, not hundreds: the batched and the single run use different matrix kernels, so
    # they round differently (~1e-7). Adam turns any sign flip of a tiny gradient (the TV term
    # where two pixels meet) into a whole step, so after ~50–120 steps (on an AVX2 machine) the
    # λ > 0 runs part ways by ~0.04. Mixing the runs up would show at once.
    key, c, steps = jax.random.key(3), jnp.int32(4), jnp.int32(20)
    both = ideal_image.ascend(params, key, c, jnp.asarray([0.1, 0.0], jnp.float32), steps)
    for i, weight in enumerate((0.1, 0.0)):
        alone = ideal_image.ascend(params, key, c, jnp.asarray([weight], jnp.float32), steps)
        np.testing.assert_allclose(alone[1][0], both[1][i], atol=1e-5)
        np.testing.assert_allclose(alone[3][0], both[3][i], atol=1e-4)  # J, log p, TV per step
    assert not np.allclose(both[1][0], both[1][1], atol=1e-3)  # the two λ did differ


def test_moving_class_weight_steps_or_seed_compiles_nothing(params, compile_counter):
    ideal_image.explore(params, ideal_image.Settings())
    with compile_counter() as compiles:
        for c, weight, steps, seed in [(0, 0.001, 10, 1), (4, 1.0, 500, 2), (2, 0.2, 77, 3)]:
            ideal_image.explore(params, ideal_image.Settings(c, weight, steps, seed))
    assert compiles.count == 0
