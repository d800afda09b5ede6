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

    # Cache keys: each computation's settings with what it does not read at the defaults, so
    # that moving the degree (or, in closed-form mode, the training sliders) recomputes nothing.
    def for_data(self) -> "OverfitSettings":
        """What the data depends on: the lesson's points are fixed, random ones are drawn."""
        if self.preset == "lesson":
            return OverfitSettings(preset="lesson")
        return OverfitSettings(
            truth=self.truth,
            n_train=self.n_train,
            n_val=self.n_val,
            noise=self.noise,
            seed=self.seed,
        )

    def for_sweep(self) -> "OverfitSettings":
        """What `explore` reads: the data, λ and (where there is a truth) the resamples."""
        resamples = self.n_resamples if self.preset != "lesson" else OverfitSettings.n_resamples
        return dataclasses.replace(self.for_data(), ridge=self.ridge, n_resamples=resamples)

    def for_training(self) -> "OverfitSettings":
        """What `explore_training` reads."""
        return dataclasses.replace(
            self.for_data(),
            degree=self.degree,
            ridge=self.ridge,
            optimizer=self.optimizer,
            learning_rate=self.learning_rate,
            epochs=self.epochs,
        )


class DataView(NamedTuple):
    """Points to draw, in the units the learner sees (the lesson's figure uses x on 0–10)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_grid: np.ndarray  # display units
    truth_on_grid: np.ndarray | None  # None for the lesson's points (no known truth)


class OverfitResult(NamedTuple):
    """Every degree's fit, so that the degree slider only picks a row."""

    data: DataView
    fits_on_grid: np.ndarray  # (N_COEFS, N_GRID) the fit of each degree 0..MAX_DEGREE
    coefs: np.ndarray  # (N_COEFS, N_COEFS) Legendre coefficients of each degree's fit
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
    fits_on_grid: jax.Array
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
) -> _Analysis:
    """All of one interaction's maths in one compiled call (one dispatch, not a dozen)."""
    sweep = sweep_degrees(*data, ridge)
    grid = display_grid()
    return _Analysis(
        sweep,
        jax.vmap(predict, in_axes=(0, None))(sweep.coefs, grid),
        true_function(truth_index, grid),
        bias_variance(key, data.x_train, data.mask_train, truth_index, noise, ridge, n_resamples),
    )


def display_grid() -> jax.Array:
    return jnp.linspace(-1.0, 1.0, N_GRID, dtype=jnp.float32)


def explore(settings: OverfitSettings) -> OverfitResult:
    """Every degree's fit, the U-curve and (for synthetic data) bias² / variance / noise.

    Reads only what `settings.for_sweep()` keeps."""
    data, offset, scale = dataset_for(settings)
    synthetic = settings.preset != "lesson"
    analysis = _analyse(
        data,
        jax.random.fold_in(jax.random.key(settings.seed), 1),
        jnp.int32(TRUTH_NAMES.index(settings.truth)),
        jnp.float32(settings.noise),
        jnp.float32(settings.ridge),
        jnp.int32(settings.n_resamples),
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
        fits_on_grid=analysis.fits_on_grid,
        coefs=sweep.coefs,
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
    """Test error of minimum-norm fits against the number of parameters (up to 192).

    Reads only what `settings.for_data()` keeps."""
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
    """Gradient-descent training of the chosen degree: losses per epoch, early stopping.

    Reads only what `settings.for_training()` keeps."""
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
