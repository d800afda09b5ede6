"""Activation functions by name: the JAX function, a float64 NumPy twin for the theory, and where
each one goes flat (passes almost no gradient).

The NumPy twins exist because the variance recursion runs in float64: an exploding network's
theoretical variance (e.g. 512⁵⁰) overflows float32 long before it stops being worth drawing.
Tests check every twin against its JAX original and `jax.grad`.
"""

import dataclasses
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

LEAKY_SLOPE = 0.01  # jax.nn.leaky_relu's default negative slope
SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805
_GELU_C = np.sqrt(2.0 / np.pi)
_GELU_K = 0.044715


@dataclasses.dataclass(frozen=True)
class Activation:
    """An activation φ with its NumPy twin φ, φ′ and the region where φ′ is (nearly) zero.

    Attributes:
      name: registry key, e.g. "relu".
      fn: JAX φ(z).
      np_fn: float64 NumPy φ(z), for the mean-field theory.
      np_grad: float64 NumPy φ′(z).
      flat: JAX (z, a) -> bool, True where the unit is dead or saturated.
      flat_label: what `flat` counts, in words, e.g. "dead (relu input ≤ 0)".
      value_range: the range of φ, ±inf where unbounded (relu: (0, inf)); None for (−inf, inf).
    """

    name: str
    fn: Callable[[jax.Array], jax.Array]
    np_fn: Callable[[np.ndarray], np.ndarray]
    np_grad: Callable[[np.ndarray], np.ndarray]
    flat: Callable[[jax.Array, jax.Array], jax.Array]
    flat_label: str
    value_range: tuple[float, float] | None = None


def _np_sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # never overflows, unlike 1 / (1 + exp(-z))


def _np_gelu_parts(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # jax.nn.gelu's default tanh approximation; |z| > 10 is clipped inside tanh (already ±1).
    zc = np.clip(z, -10.0, 10.0)
    t = np.tanh(_GELU_C * (zc + _GELU_K * zc**3))
    return zc, t


def _np_gelu(z: np.ndarray) -> np.ndarray:
    _, t = _np_gelu_parts(z)
    return 0.5 * z * (1.0 + t)


def _np_gelu_grad(z: np.ndarray) -> np.ndarray:
    zc, t = _np_gelu_parts(z)
    return 0.5 * (1.0 + t) + 0.5 * zc * (1.0 - t**2) * _GELU_C * (1.0 + 3.0 * _GELU_K * zc**2)


def _np_selu(z: np.ndarray) -> np.ndarray:
    return SELU_SCALE * np.where(z > 0, z, SELU_ALPHA * np.expm1(np.minimum(z, 0.0)))


def _np_selu_grad(z: np.ndarray) -> np.ndarray:
    return SELU_SCALE * np.where(z > 0, 1.0, SELU_ALPHA * np.exp(np.minimum(z, 0.0)))


def _never(z: jax.Array, a: jax.Array) -> jax.Array:
    del a
    return jnp.zeros(z.shape, jnp.bool_)


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation(
            "linear",
            lambda z: z,
            lambda z: z,
            np.ones_like,
            _never,
            "flat (a linear unit never is)",
        ),
        Activation(
            "tanh",
            jnp.tanh,
            np.tanh,
            lambda z: 1.0 - np.tanh(z) ** 2,
            lambda z, a: jnp.abs(a) > 0.99,
            "saturated (|tanh| > 0.99)",
            (-1.0, 1.0),
        ),
        Activation(
            "sigmoid",
            jax.nn.sigmoid,
            _np_sigmoid,
            lambda z: _np_sigmoid(z) * (1.0 - _np_sigmoid(z)),
            lambda z, a: (a < 0.01) | (a > 0.99),
            "saturated (σ < 0.01 or > 0.99)",
            (0.0, 1.0),
        ),
        Activation(
            "relu",
            jax.nn.relu,
            lambda z: np.maximum(z, 0.0),
            lambda z: (z > 0).astype(np.float64),
            lambda z, a: z <= 0,
            "dead (relu input ≤ 0)",
            (0.0, np.inf),
        ),
        Activation(
            "leaky_relu",
            jax.nn.leaky_relu,
            lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
            lambda z: np.where(z > 0, 1.0, LEAKY_SLOPE),
            lambda z, a: z <= 0,
            "on the leaky side (z ≤ 0, slope 0.01)",
        ),
        Activation(
            "gelu",
            jax.nn.gelu,
            _np_gelu,
            _np_gelu_grad,
            lambda z, a: z < -3.0,
            "flat (z < −3, |gelu′| < 0.02)",
        ),
        Activation(
            "selu",
            jax.nn.selu,
            _np_selu,
            _np_selu_grad,
            lambda z, a: z < -4.5,
            "saturated (z < −4.5, selu′ < 0.02)",
        ),
    )
}
