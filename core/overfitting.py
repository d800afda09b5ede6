"""Everything the overfitting page shows, from one settings object to NumPy arrays."""

import dataclasses
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from core.bias_variance import BiasVariance, bias_variance
from core.double_descent import double_descent
from core.polynomial import N_COEFS, DegreeSweep, evaluate, predict, sweep_degrees
from core.polynomial_training import (
    early_stopping_epoch,
    first_non_finite,
    train_polynomial,
)
from core.regression_data import (
    TRUTH_NAMES,
    Dataset,
    lesson_points,
    sample_dataset,
    true_function,
)

N_GRID = 400


@dataclasses.dataclass(frozen=True)
class OverfitSettings:
    """The page's controls as plain values (hashable, so results can be cached)."""

    preset: str = "random"  # "random" or "lesson"
    truth: str = "sine"
    n_train: int = 20
    n_val: int = 50
    noise: float = 0.2
    seed: int = 0
    degree: int = 3
    ridge: float = 0.0
    n_resamples: int = 200
    optimizer: str = "adam"
    learning_rate: float = 0.05
    epochs: int = 500


class DataView(NamedTuple):
    """Points to draw, in the units the learner sees (the lesson's figure uses x on 0–10)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_grid: np.ndarray  # display units
    truth_on_grid: np.ndarray | None  # None for the lesson's points (no known truth)


class OverfitResult(NamedTuple):
    data: DataView
    fit_on_grid: np.ndarray  # (N_GRID,) the chosen degree's fit
    line_on_grid: np.ndarray  # (N_GRID,) the degree-1 fit, for the lesson's comparison
    coefs: np.ndarray  # (N_COEFS,) Legendre coefficients of the chosen fit
    degrees: np.ndarray  # (N_COEFS,) 0..MAX_DEGREE
    train_mse: np.ndarray  # (N_COEFS,)
    val_mse: np.ndarray  # (N_COEFS,)
    bias2: np.ndarray | None  # (N_COEFS,) None for the lesson's points
    variance: np.ndarray | None
    noise_var: float
    expected_error: np.ndarray | None


def dataset_for(settings: OverfitSettings) -> tuple[Dataset, float, float]:
    """The padded dataset and the affine map (offset, scale) from [−1, 1] to display units."""
    if settings.preset == "lesson":
        lesson = lesson_points()
        return lesson.dataset, lesson.x_offset, lesson.x_scale
    data = sample_dataset(
        jax.random.key(settings.seed),
        jnp.int32(TRUTH_NAMES.index(settings.truth)),
        jnp.int32(settings.n_train),
        jnp.int32(settings.n_val),
        jnp.float32(settings.noise),
    )
    return data, 0.0, 1.0


class _Analysis(NamedTuple):
    sweep: DegreeSweep
    fit_on_grid: jax.Array
    line_on_grid: jax.Array
    truth_on_grid: jax.Array
    decomposition: BiasVariance


@jax.jit
def _analyse(
    data: Dataset,
    key: jax.Array,
    truth_index: jax.Array,
    noise: jax.Array,
    ridge: jax.Array,
    n_resamples: jax.Array,
    degree: jax.Array,
) -> _Analysis:
    """All of one interaction's maths in one compiled call (one dispatch, not a dozen)."""
    sweep = sweep_degrees(*data, ridge)
    grid = display_grid()
    return _Analysis(
        sweep,
        predict(sweep.coefs[degree], grid),
        predict(sweep.coefs[1], grid),
        true_function(truth_index, grid),
        bias_variance(key, data.x_train, data.mask_train, truth_index, noise, ridge, n_resamples),
    )


def display_grid() -> jax.Array:
    return jnp.linspace(-1.0, 1.0, N_GRID, dtype=jnp.float32)


def explore(settings: OverfitSettings) -> OverfitResult:
    """The fit, the U-curve over degrees and (for synthetic data) bias² / variance / noise."""
    data, offset, scale = dataset_for(settings)
    synthetic = settings.preset != "lesson"
    analysis = _analyse(
        data,
        jax.random.fold_in(jax.random.key(settings.seed), 1),
        jnp.int32(TRUTH_NAMES.index(settings.truth)),
        jnp.float32(settings.noise),
        jnp.float32(settings.ridge),
        jnp.int32(settings.n_resamples),
        jnp.int32(settings.degree),
    )
    analysis = jax.tree.map(np.asarray, analysis)
    sweep, bv = analysis.sweep, analysis.decomposition
    train, val = np.asarray(data.mask_train) > 0, np.asarray(data.mask_val) > 0
    view = DataView(
        x_train=offset + scale * np.asarray(data.x_train)[train],
        y_train=np.asarray(data.y_train)[train],
        x_val=offset + scale * np.asarray(data.x_val)[val],
        y_val=np.asarray(data.y_val)[val],
        x_grid=offset + scale * np.linspace(-1.0, 1.0, N_GRID, dtype=np.float32),
        truth_on_grid=analysis.truth_on_grid if synthetic else None,
    )
    return OverfitResult(
        data=view,
        fit_on_grid=analysis.fit_on_grid,
        line_on_grid=analysis.line_on_grid,
        coefs=sweep.coefs[settings.degree],
        degrees=np.arange(N_COEFS),
        train_mse=sweep.train_mse,
        val_mse=sweep.val_mse,
        bias2=bv.bias2 if synthetic else None,
        variance=bv.variance if synthetic else None,
        noise_var=float(settings.noise**2) if synthetic else 0.0,
        expected_error=bv.expected_error if synthetic else None,
    )


class DoubleDescentResult(NamedTuple):
    n_features: np.ndarray
    train_mse: np.ndarray
    test_mse: np.ndarray
    n_points: int


def explore_double_descent(settings: OverfitSettings) -> DoubleDescentResult:
    """Test error of minimum-norm fits against the number of parameters (up to 192)."""
    data, _, _ = dataset_for(settings)
    result = double_descent(*data)
    return DoubleDescentResult(
        np.asarray(result.n_features),
        np.asarray(result.train_mse),
        np.asarray(result.test_mse),
        int(result.n_points),
    )


class TrainingResult(NamedTuple):
    epochs: np.ndarray  # (E,) 1..E, cut before the first non-finite loss
    train_loss: np.ndarray
    val_loss: np.ndarray
    best_epoch: int  # early-stopping point (index into epochs)
    diverged_at: int | None  # epoch where the loss first went non-finite
    fit_at_best: np.ndarray  # (N_GRID,)
    fit_at_end: np.ndarray  # (N_GRID,)


def explore_training(settings: OverfitSettings) -> TrainingResult:
    """Gradient-descent training of the chosen degree: losses per epoch, early stopping."""
    data, _, _ = dataset_for(settings)
    history = train_polynomial(
        data,
        jnp.int32(settings.degree),
        jnp.float32(settings.learning_rate),
        jnp.float32(settings.ridge),
        jnp.int32(settings.epochs),
        optimizer=settings.optimizer,
    )
    train = np.asarray(history.train_loss)[: settings.epochs]
    val = np.asarray(history.val_loss)[: settings.epochs]
    bad = first_non_finite(np.maximum(np.abs(train), np.abs(val)))
    cut = settings.epochs if bad is None else max(bad, 1)
    train, val = train[:cut], val[:cut]
    best = early_stopping_epoch(val)
    grid = display_grid()
    coefs = np.asarray(history.coefs)
    return TrainingResult(
        epochs=np.arange(1, cut + 1),
        train_loss=train,
        val_loss=val,
        best_epoch=best,
        diverged_at=None if bad is None else bad + 1,
        fit_at_best=np.asarray(evaluate(jnp.asarray(coefs[best]), grid)),
        fit_at_end=np.asarray(evaluate(jnp.asarray(coefs[cut - 1]), grid)),
    )
