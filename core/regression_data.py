"""Data for the overfitting page: a registry of true functions on [-1, 1] and noisy samples.

Every array has a fixed maximum length with a mask, so that changing the number of points
moves a mask, never a shape, and nothing recompiles.
"""

import csv
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

MAX_TRAIN = 200
MAX_VAL = 200
LESSON_POINTS = Path(__file__).resolve().parent.parent / "assets" / "overfitting_lesson_points.csv"


def sine(x: jax.Array) -> jax.Array:
    return jnp.sin(jnp.pi * x)


def cubic(x: jax.Array) -> jax.Array:
    return 2.0 * x**3 - x


def step(x: jax.Array) -> jax.Array:
    return jnp.where(x >= 0.0, 0.5, -0.5).astype(x.dtype)


def absolute(x: jax.Array) -> jax.Array:
    return jnp.abs(x)


def runge(x: jax.Array) -> jax.Array:
    """Runge's function 1/(1+25x²): high-degree interpolation on even points oscillates."""
    return 1.0 / (1.0 + 25.0 * x**2)


TRUE_FUNCTIONS: dict[str, Callable[[jax.Array], jax.Array]] = {
    "sine": sine,
    "cubic": cubic,
    "step": step,
    "abs": absolute,
    "runge": runge,
}
TRUTH_NAMES = tuple(TRUE_FUNCTIONS)


class Dataset(NamedTuple):
    """Training and validation points, padded to MAX_TRAIN / MAX_VAL; masks mark real points."""

    x_train: jax.Array  # (MAX_TRAIN,)
    y_train: jax.Array  # (MAX_TRAIN,)
    mask_train: jax.Array  # (MAX_TRAIN,) float32 0/1
    x_val: jax.Array  # (MAX_VAL,)
    y_val: jax.Array  # (MAX_VAL,)
    mask_val: jax.Array  # (MAX_VAL,)


def true_function(truth_index: jax.Array, x: jax.Array) -> jax.Array:
    """The registry's function number `truth_index` (traced: switching it compiles nothing)."""
    return jax.lax.switch(truth_index, list(TRUE_FUNCTIONS.values()), x)


@jax.jit
def sample_dataset(
    key: jax.Array,
    truth_index: jax.Array,
    n_train: jax.Array,
    n_val: jax.Array,
    noise: jax.Array,
) -> Dataset:
    """x ~ U(−1, 1), y = f(x) + noise·ε with ε ~ N(0, 1); the first n points are real."""
    kx, ky, kxv, kyv = jax.random.split(key, 4)
    x_train = jax.random.uniform(kx, (MAX_TRAIN,), jnp.float32, -1.0, 1.0)
    x_val = jax.random.uniform(kxv, (MAX_VAL,), jnp.float32, -1.0, 1.0)
    y_train = true_function(truth_index, x_train) + noise * jax.random.normal(ky, (MAX_TRAIN,))
    y_val = true_function(truth_index, x_val) + noise * jax.random.normal(kyv, (MAX_VAL,))
    mask_train = (jnp.arange(MAX_TRAIN) < n_train).astype(jnp.float32)
    mask_val = (jnp.arange(MAX_VAL) < n_val).astype(jnp.float32)
    return Dataset(x_train, y_train, mask_train, x_val, y_val, mask_val)


class LessonPoints(NamedTuple):
    """The lesson figure's points in its own units (x on 0–10) and the map to [−1, 1]."""

    dataset: Dataset
    x_offset: float  # x_lesson = x_offset + x_scale * x
    x_scale: float


def lesson_points(path: Path = LESSON_POINTS) -> LessonPoints:
    """The 5 training and 2 validation points of the lesson's figure, as a padded Dataset."""
    with path.open() as f:
        rows = list(csv.DictReader(f))
    offset, scale = 5.0, 5.0
    split = {"train": [], "validation": []}
    for row in rows:
        split[row["split"]].append(((float(row["x"]) - offset) / scale, float(row["y"])))
    return LessonPoints(
        Dataset(*_padded(split["train"], MAX_TRAIN), *_padded(split["validation"], MAX_VAL)),
        offset,
        scale,
    )


def _padded(points: list[tuple[float, float]], size: int) -> tuple[jax.Array, ...]:
    x = np.zeros(size, np.float32)
    y = np.zeros(size, np.float32)
    mask = np.zeros(size, np.float32)
    for i, (xi, yi) in enumerate(points):
        x[i], y[i], mask[i] = xi, yi, 1.0
    return jnp.asarray(x), jnp.asarray(y), jnp.asarray(mask)
