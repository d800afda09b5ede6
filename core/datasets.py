"""Classification data for the network playground: handwritten digits and planar toy sets.

Every dataset is padded to fixed maximum sizes (`TRAIN_MAX`, `VAL_MAX`) and comes with its true
sizes, so moving the training-set size, validation share, noise, label noise or seed reuses one
compiled program. Rows past `n_train` / `n_val` hold real-looking but unused data; consumers
mask them with `train_mask` / `val_mask`.
"""

import dataclasses
import functools
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from core import digits as digit_data

TRAIN_MAX = 1024
VAL_MAX = 1024
DIGITS_TOTAL = 1797


class Dataset(NamedTuple):
    """Padded training and validation sets.

    Attributes:
      x_train: (TRAIN_MAX, features) float32 inputs; rows ≥ n_train are padding.
      y_train: (TRAIN_MAX,) int32 labels, after label noise.
      flipped: (TRAIN_MAX,) bool, True where label noise changed the label.
      x_val: (VAL_MAX, features) float32 inputs.
      y_val: (VAL_MAX,) int32 labels (never noised: validation measures the true task).
      n_train: () int32, examples used for training.
      n_val: () int32, examples used for validation.
    """

    x_train: jax.Array
    y_train: jax.Array
    flipped: jax.Array
    x_val: jax.Array
    y_val: jax.Array
    n_train: jax.Array
    n_val: jax.Array

    @property
    def train_mask(self) -> jax.Array:
        return jnp.arange(self.x_train.shape[0]) < self.n_train

    @property
    def val_mask(self) -> jax.Array:
        return jnp.arange(self.x_val.shape[0]) < self.n_val


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """Static facts about a dataset: input size, classes, and whether it lives in the plane."""

    in_features: int
    n_classes: int
    planar: bool
    class_names: tuple[str, ...]


# -- planar sets: (key, n, noise σ) -> x (n, 2), y (n,); labels cycle so any prefix is balanced.


def _cycled_labels(n: int, n_classes: int) -> jax.Array:
    return jnp.arange(n, dtype=jnp.int32) % n_classes


def moons(key: jax.Array, n: int, noise: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Two interleaving half circles (as scikit-learn's make_moons), centred on the origin."""
    angle_key, noise_key = jax.random.split(key)
    y = _cycled_labels(n, 2)
    t = jax.random.uniform(angle_key, (n,), minval=0.0, maxval=jnp.pi)
    upper = jnp.stack([jnp.cos(t), jnp.sin(t)], axis=1)
    lower = jnp.stack([1.0 - jnp.cos(t), 0.5 - jnp.sin(t)], axis=1)
    x = jnp.where((y == 0)[:, None], upper, lower) - jnp.array([0.5, 0.25], jnp.float32)
    return x + noise * jax.random.normal(noise_key, (n, 2)), y


def circles(key: jax.Array, n: int, noise: jax.Array) -> tuple[jax.Array, jax.Array]:
    """A ring of radius 1 (class 0) around a ring of radius 0.5 (class 1)."""
    angle_key, noise_key = jax.random.split(key)
    y = _cycled_labels(n, 2)
    t = jax.random.uniform(angle_key, (n,), minval=0.0, maxval=2.0 * jnp.pi)
    radius = jnp.where(y == 0, jnp.float32(1.0), jnp.float32(0.5))
    x = radius[:, None] * jnp.stack([jnp.cos(t), jnp.sin(t)], axis=1)
    return x + noise * jax.random.normal(noise_key, (n, 2)), y


def spiral(key: jax.Array, n: int, noise: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Three interleaved spiral arms, one per class (CS231n's classic multiclass set)."""
    t_key, noise_key = jax.random.split(key)
    y = _cycled_labels(n, 3)
    t = jax.random.uniform(t_key, (n,))
    angle = 2.0 * jnp.pi * y.astype(jnp.float32) / 3.0 + 5.0 * t
    x = 1.5 * t[:, None] * jnp.stack([jnp.cos(angle), jnp.sin(angle)], axis=1)
    return x + noise * jax.random.normal(noise_key, (n, 2)), y


def xor(key: jax.Array, n: int, noise: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Points in the four quadrants; class 1 where both coordinates share a sign."""
    size_key, sign_key, noise_key = jax.random.split(key, 3)
    y = _cycled_labels(n, 2)
    magnitude = jax.random.uniform(size_key, (n, 2), minval=0.05, maxval=1.0)
    first_sign = jnp.where(jax.random.bernoulli(sign_key, 0.5, (n,)), 1.0, -1.0)
    second_sign = jnp.where(y == 1, first_sign, -first_sign)
    x = magnitude * jnp.stack([first_sign, second_sign], axis=1).astype(jnp.float32)
    return x + noise * jax.random.normal(noise_key, (n, 2)), y


def gaussians(key: jax.Array, n: int, noise: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Three round clusters (σ = 0.25) on a circle of radius 1, one per class."""
    y = _cycled_labels(n, 3)
    angle = jnp.pi / 2 + 2.0 * jnp.pi * y.astype(jnp.float32) / 3.0
    centres = jnp.stack([jnp.cos(angle), jnp.sin(angle)], axis=1)
    spread = jnp.float32(0.25) + noise
    return centres + spread * jax.random.normal(key, (n, 2)), y


PLANAR: dict[str, Callable[[jax.Array, int, jax.Array], tuple[jax.Array, jax.Array]]] = {
    "moons": moons,
    "circles": circles,
    "spiral": spiral,
    "xor": xor,
    "gaussians": gaussians,
}

DATASETS: dict[str, DatasetInfo] = {
    "digits": DatasetInfo(64, 10, False, tuple(str(d) for d in range(10))),
    "moons": DatasetInfo(2, 2, True, ("upper", "lower")),
    "circles": DatasetInfo(2, 2, True, ("outer", "inner")),
    "spiral": DatasetInfo(2, 3, True, ("arm 1", "arm 2", "arm 3")),
    "xor": DatasetInfo(2, 2, True, ("opposite signs", "same sign")),
    "gaussians": DatasetInfo(2, 3, True, ("top", "lower left", "lower right")),
}


def split_sizes(name: str, n_train: int, val_share: float) -> tuple[int, int, str | None]:
    """Training and validation sizes for a validation share of all examples used.

    n_val = round(n_train · share / (1 − share)), capped by VAL_MAX and, for digits, by the
    1,797 images there are. Returns (n_train, n_val, note), note saying what was capped.
    """
    n_train = int(min(max(n_train, 2), TRAIN_MAX))
    share = min(max(float(val_share), 0.01), 0.99)
    wanted = max(round(n_train * share / (1.0 - share)), 1)
    cap = VAL_MAX if name != "digits" else min(VAL_MAX, DIGITS_TOTAL - n_train)
    n_val = min(wanted, cap)
    note = None
    if n_val < wanted:
        note = f"validation set capped at {n_val} examples (asked for {wanted})"
    return n_train, n_val, note


def make_dataset(
    name: str, seed: int, n_train: int, n_val: int, noise: float, label_noise: float
) -> Dataset:
    """The padded dataset `name` drawn with `seed`; sizes from `split_sizes`.

    Args:
      name: a key of DATASETS.
      seed: the seed control; the draw (and, for digits, the split) depends only on it.
      n_train, n_val: true sizes (≤ TRAIN_MAX, VAL_MAX).
      noise: Gaussian σ added to the inputs (planar units; for digits, pixel intensity in [0, 1]).
      label_noise: share of training labels replaced by a random other class.
    """
    traced = (
        jnp.asarray(seed, jnp.uint32),
        jnp.asarray(n_train, jnp.int32),
        jnp.asarray(n_val, jnp.int32),
        jnp.asarray(noise, jnp.float32),
        jnp.asarray(label_noise, jnp.float32),
    )
    if name == "digits":
        images, labels = _digits()
        return _digits_dataset(images, labels, *traced)
    return _planar_dataset(*traced, name=name)


@functools.cache
def _digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8×8 digits (no download), pixels scaled to [0, 1]."""
    images, labels = digit_data.load()
    return (images.reshape(len(images), -1) / 16.0).astype(np.float32), labels.astype(np.int32)


@jax.jit
def _digits_dataset(images, labels, seed, n_train, n_val, noise, label_noise) -> Dataset:
    split_key, noise_key, label_key = jax.random.split(jax.random.key(seed), 3)
    order = jax.random.permutation(split_key, labels.shape[0])
    train_rows = order[:TRAIN_MAX]
    # Validation rows follow the first n_train of the shuffled order (wrapping only into padding).
    val_rows = jax.lax.dynamic_slice_in_dim(jnp.concatenate([order, order]), n_train, VAL_MAX)
    x = images + noise * jax.random.normal(noise_key, images.shape)
    y_train, flipped = _noisy_labels(label_key, labels[train_rows], label_noise, 10)
    return Dataset(x[train_rows], y_train, flipped, x[val_rows], labels[val_rows], n_train, n_val)


@functools.partial(jax.jit, static_argnames="name")
def _planar_dataset(seed, n_train, n_val, noise, label_noise, *, name: str) -> Dataset:
    train_key, val_key, label_key = jax.random.split(jax.random.key(seed), 3)
    x_train, y_clean = PLANAR[name](train_key, TRAIN_MAX, noise)
    x_val, y_val = PLANAR[name](val_key, VAL_MAX, noise)
    y_train, flipped = _noisy_labels(label_key, y_clean, label_noise, DATASETS[name].n_classes)
    return Dataset(x_train, y_train, flipped, x_val, y_val, n_train, n_val)


def _noisy_labels(
    key: jax.Array, y: jax.Array, share: jax.Array, n_classes: int
) -> tuple[jax.Array, jax.Array]:
    """Each label, with probability `share`, replaced by a uniformly drawn *other* class."""
    flip_key, shift_key = jax.random.split(key)
    flipped = jax.random.bernoulli(flip_key, share, y.shape)
    shift = jax.random.randint(shift_key, y.shape, 1, n_classes, dtype=jnp.int32)
    return jnp.where(flipped, (y + shift) % n_classes, y), flipped
