"""The overfitting page's core: lesson preset, double descent, gradient descent, compile counts."""

import dataclasses

import jax.numpy as jnp
import numpy as np
import pytest

from core.double_descent import double_descent
from core.overfitting import (
    OverfitSettings,
    dataset_for,
    explore,
    explore_double_descent,
    explore_training,
)
from core.polynomial import fit_polynomial
from core.polynomial_training import early_stopping_epoch, first_non_finite, train_polynomial
from core.regression_data import lesson_points
from tests.core.conftest import assert_same


def test_lesson_points_are_the_figures_five_plus_two():
    lesson = lesson_points()
    assert float(np.sum(lesson.dataset.mask_train)) == 5
    assert float(np.sum(lesson.dataset.mask_val)) == 2


def test_lesson_preset_seven_parameters_interpolate_but_generalise_worse_than_a_line():
    result = explore(OverfitSettings(preset="lesson", degree=6))
    assert result.train_mse[6] < 1e-6
    assert result.train_mse[1] > 0.1
    assert result.val_mse[6] > 10 * result.val_mse[1]
    assert result.bias2 is None
    assert result.data.x_train.min() >= 0 and result.data.x_train.max() <= 10


def test_explore_reports_the_chosen_degree():
    result = explore(OverfitSettings(degree=5, n_train=30))
    assert np.count_nonzero(result.coefs[5]) == 6
    assert np.count_nonzero(result.coefs[20]) == 21
    assert len(result.data.x_train) == 30
    assert result.bias2 is not None and result.bias2.shape == (21,)


@pytest.mark.parametrize("preset", ["random", "lesson"])
def test_each_cache_key_keeps_every_setting_its_computation_reads(preset):
    # Every field away from its default: a key that dropped one the computation reads would
    # give a different result from the full settings.
    moved = OverfitSettings(preset=preset, truth="runge", n_train=12, n_val=9, noise=0.4, seed=7,
                            degree=11, ridge=1e-3, n_resamples=50, optimizer="sgd",
                            learning_rate=0.01, epochs=40)  # fmt: skip
    assert_same(explore(moved), explore(moved.for_sweep()))
    assert_same(explore_training(moved), explore_training(moved.for_training()))
    assert_same(explore_double_descent(moved), explore_double_descent(moved.for_data()))


def test_the_degree_and_the_training_sliders_leave_the_sweeps_key_alone():
    base = OverfitSettings()
    for move in ({"degree": 9}, {"optimizer": "sgd"}, {"learning_rate": 0.5}, {"epochs": 10}):
        moved = dataclasses.replace(base, **move)
        assert moved.for_sweep() == base.for_sweep()
        assert moved.for_data() == base.for_data()
        assert moved.for_training() != base.for_training()
    for move in ({"ridge": 0.1}, {"n_resamples": 20}):
        assert dataclasses.replace(base, **move).for_data() == base.for_data()
    lesson = OverfitSettings(preset="lesson")
    assert dataclasses.replace(lesson, seed=3, noise=0.9, n_resamples=20).for_sweep() == lesson


def test_double_descent_peaks_at_the_interpolation_threshold():
    for n_train in (10, 30):
        data, _, _ = dataset_for(OverfitSettings(n_train=n_train, n_val=200, noise=0.2))
        result = double_descent(*data)
        counts = np.asarray(result.n_features)
        test = np.asarray(result.test_mse)
        peak = counts[np.argmax(test)]
        assert n_train * 0.7 <= peak <= n_train * 1.6, (peak, n_train)
        assert test[-1] < test.max() / 20
        assert np.asarray(result.train_mse)[counts >= n_train].max() < 1e-3


@pytest.mark.standard_promotion
def test_gradient_descent_reaches_the_closed_form_fit():
    data, _, _ = dataset_for(OverfitSettings(n_train=50))
    history = train_polynomial(
        data, jnp.int32(3), jnp.float32(0.05), jnp.float32(0.0), jnp.int32(2000), optimizer="adam"
    )
    closed = fit_polynomial(*data[:3], jnp.int32(3), jnp.float32(0.0))
    np.testing.assert_allclose(np.asarray(history.coefs[-1]), np.asarray(closed), atol=2e-3)
    plain = train_polynomial(
        data, jnp.int32(3), jnp.float32(0.1), jnp.float32(0.0), jnp.int32(2000), optimizer="sgd"
    )
    # Plain gradient descent with a step below 2/L never increases a convex loss.
    assert np.all(np.diff(np.asarray(plain.train_loss)) <= 1e-6)


@pytest.mark.standard_promotion
def test_epochs_past_the_limit_leave_the_fit_unchanged():
    data, _, _ = dataset_for(OverfitSettings())
    history = train_polynomial(
        data, jnp.int32(5), jnp.float32(0.05), jnp.float32(0.0), jnp.int32(100), optimizer="sgd"
    )
    coefs = np.asarray(history.coefs)
    np.testing.assert_array_equal(coefs[99], coefs[-1])
    assert not np.array_equal(coefs[50], coefs[99])


@pytest.mark.standard_promotion
def test_diverging_learning_rate_is_cut_at_the_first_non_finite_step():
    result = explore_training(OverfitSettings(optimizer="sgd", learning_rate=10.0, degree=10))
    assert result.diverged_at is not None
    assert len(result.epochs) == result.diverged_at - 1 or len(result.epochs) == 1
    assert np.all(np.isfinite(result.train_loss)) and np.all(np.isfinite(result.val_loss))


def test_first_non_finite_and_early_stopping():
    assert first_non_finite(np.array([1.0, 2.0, np.inf, np.nan])) == 2
    assert first_non_finite(np.array([1.0, 2.0])) is None
    assert early_stopping_epoch(np.array([3.0, 1.0, 2.0, np.nan])) == 1


@pytest.mark.standard_promotion
def test_moving_any_slider_compiles_nothing(compile_counter):
    base = OverfitSettings()
    for optimizer in ("sgd", "momentum", "adam"):
        explore_training(dataclasses.replace(base, optimizer=optimizer))
    explore(base)
    explore(dataclasses.replace(base, preset="lesson"))
    explore_double_descent(base)
    moves = [
        {"degree": 0},
        {"degree": 20},
        {"n_train": 2},
        {"n_train": 200},
        {"n_val": 7},
        {"noise": 0.0},
        {"noise": 0.93},
        {"seed": 42},
        {"ridge": 1e-3},
        {"n_resamples": 1000},
        {"truth": "runge"},
        {"truth": "step"},
        {"preset": "lesson", "degree": 6},
        {"learning_rate": 0.5},
        {"epochs": 2000},
        {"epochs": 10},
    ]
    with compile_counter() as compiles:
        for move in moves:
            settings = dataclasses.replace(base, **move)
            explore(settings)
            explore_double_descent(settings)
            explore_training(settings)
    assert compiles.count == 0
