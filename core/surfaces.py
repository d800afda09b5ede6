"""Two-dimensional loss surfaces for watching optimizers, as a registry with one signature.

Every surface is `loss(w, knobs) -> scalar` with `w` of shape (2,) and `knobs` of shape (2,) —
(condition number κ, rotation in radians). Only the quadratic bowl reads the knobs; they are
traced values, so dragging the condition-number or rotation slider compiles nothing.
"""

import dataclasses
import functools
import math
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from core.expression import Expression, ExpressionError, first_non_finite, parse_expression

Loss = Callable[[jax.Array, jax.Array], jax.Array]
Box = tuple[tuple[float, float], tuple[float, float]]


@dataclasses.dataclass(frozen=True)
class Surface:
    """A loss surface with the region to draw and what is known about its minima.

    Equality and hash use `key` only (not the function object), so a surface can be a static
    argument of `jax.jit`: the same custom expression typed twice hits the same compiled program.
    """

    key: str
    label: str
    loss: Loss = dataclasses.field(compare=False)
    domain: Box = dataclasses.field(compare=False)
    minima: tuple[tuple[float, float], ...] = dataclasses.field(compare=False)
    min_value: float | None = dataclasses.field(compare=False)
    formula: str = dataclasses.field(compare=False, default="")

    @property
    def escape_box(self) -> Box:
        """A run that leaves this box (10× the drawn region around its centre) has diverged."""
        return tuple(
            ((lo + hi) / 2 - 5 * (hi - lo), (lo + hi) / 2 + 5 * (hi - lo)) for lo, hi in self.domain
        )


def quadratic_bowl(w: jax.Array, knobs: jax.Array) -> jax.Array:
    """L(w) = ½ wᵀ R diag(1, κ) Rᵀ w, R the rotation by θ: Hessian eigenvalues 1 and κ."""
    kappa, theta = knobs[0], knobs[1]
    c, s = jnp.cos(theta), jnp.sin(theta)
    u = c * w[0] + s * w[1]
    v = -s * w[0] + c * w[1]
    return 0.5 * (u**2 + kappa * v**2)


def rosenbrock(w: jax.Array, knobs: jax.Array) -> jax.Array:
    """L = (1 − x)² + 100 (y − x²)²: a curved, narrow valley; minimum 0 at (1, 1)."""
    del knobs
    x, y = w[0], w[1]
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def beale(w: jax.Array, knobs: jax.Array) -> jax.Array:
    """L = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²; minimum 0 at (3, 0.5)."""
    del knobs
    x, y = w[0], w[1]
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


def himmelblau(w: jax.Array, knobs: jax.Array) -> jax.Array:
    """L = (x² + y − 11)² + (x + y² − 7)²: four minima of value 0."""
    del knobs
    x, y = w[0], w[1]
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def saddle(w: jax.Array, knobs: jax.Array) -> jax.Array:
    """L = x² + y⁴/4 − y²/2: a saddle at the origin between minima −¼ at (0, ±1)."""
    del knobs
    x, y = w[0], w[1]
    return x**2 + 0.25 * y**4 - 0.5 * y**2


def rastrigin(w: jax.Array, knobs: jax.Array) -> jax.Array:
    """L = 20 + Σ (wᵢ² − 10 cos 2πwᵢ): a bowl covered in local minima; global minimum 0 at 0."""
    del knobs
    return 20 + jnp.sum(w**2 - 10 * jnp.cos(2 * jnp.pi * w))


def six_hump_camel(w: jax.Array, knobs: jax.Array) -> jax.Array:
    """L = (4 − 2.1x² + x⁴/3)x² + xy + (4y² − 4)y²: six minima, two global (−1.0316)."""
    del knobs
    x, y = w[0], w[1]
    return (4 - 2.1 * x**2 + x**4 / 3) * x**2 + x * y + (4 * y**2 - 4) * y**2


HIMMELBLAU_MINIMA = (
    (3.0, 2.0),
    (-2.805118, 3.131312),
    (-3.779310, -3.283186),
    (3.584428, -1.848126),
)
CAMEL_MINIMUM = (0.0898420, -0.7126564)

SURFACES: dict[str, Surface] = {
    s.key: s
    for s in (
        Surface(
            key="bowl",
            label="quadratic bowl",
            loss=quadratic_bowl,
            domain=((-2, 2), (-2, 2)),
            minima=((0, 0),),
            min_value=0.0,
            formula=r"\tfrac12\, w^\top R\,\mathrm{diag}(1,\kappa)\,R^\top w",
        ),
        Surface(
            key="rosenbrock",
            label="Rosenbrock",
            loss=rosenbrock,
            domain=((-2, 2), (-1, 3)),
            minima=((1, 1),),
            min_value=0.0,
            formula=r"(1-x)^2 + 100\,(y-x^2)^2",
        ),
        Surface(
            key="beale",
            label="Beale",
            loss=beale,
            domain=((-4.5, 4.5), (-4.5, 4.5)),
            minima=((3, 0.5),),
            min_value=0.0,
            formula=r"(1.5-x+xy)^2+(2.25-x+xy^2)^2+(2.625-x+xy^3)^2",
        ),
        Surface(
            key="himmelblau",
            label="Himmelblau",
            loss=himmelblau,
            domain=((-5, 5), (-5, 5)),
            minima=HIMMELBLAU_MINIMA,
            min_value=0.0,
            formula=r"(x^2+y-11)^2 + (x+y^2-7)^2",
        ),
        Surface(
            key="saddle",
            label="saddle",
            loss=saddle,
            domain=((-2, 2), (-2, 2)),
            minima=((0, 1), (0, -1)),
            min_value=-0.25,
            formula=r"x^2 + \tfrac14 y^4 - \tfrac12 y^2",
        ),
        Surface(
            key="rastrigin",
            label="Rastrigin",
            loss=rastrigin,
            domain=((-5.12, 5.12), (-5.12, 5.12)),
            minima=((0, 0),),
            min_value=0.0,
            formula=r"20 + \sum_i \left(w_i^2 - 10\cos 2\pi w_i\right)",
        ),
        Surface(
            key="camel",
            label="six-hump camel",
            loss=six_hump_camel,
            domain=((-2, 2), (-1.5, 1.5)),
            minima=(CAMEL_MINIMUM, (-CAMEL_MINIMUM[0], -CAMEL_MINIMUM[1])),
            min_value=-1.0316285,
            formula=r"(4-2.1x^2+\tfrac{x^4}{3})x^2 + xy + (4y^2-4)y^2",
        ),
    )
}


def knobs_of(condition_number: float, rotation_degrees: float) -> np.ndarray:
    """The bowl's traced knobs (κ, θ in radians) as float32, shape (2,)."""
    return np.asarray([condition_number, math.radians(rotation_degrees)], dtype=np.float32)


def grid(box: Box, size: int) -> tuple[np.ndarray, np.ndarray]:
    """`size` evenly spaced float32 points along each axis of the box: (xs, ys)."""
    (x0, x1), (y0, y1) = box
    return np.linspace(x0, x1, size, dtype=np.float32), np.linspace(y0, y1, size, dtype=np.float32)


def evaluate_on_grid(loss: Loss, knobs: jax.Array, xs: jax.Array, ys: jax.Array) -> jax.Array:
    """L at every grid point, shape (len(ys), len(xs)): rows are y, as contour plots want."""
    points = jnp.stack(jnp.meshgrid(jnp.asarray(xs), jnp.asarray(ys)), axis=-1)
    return jax.vmap(jax.vmap(loss, in_axes=(0, None)), in_axes=(0, None))(points, knobs)


CUSTOM_DOMAIN: Box = ((-5.0, 5.0), (-5.0, 5.0))
CHECK_GRID = 64


@functools.lru_cache(maxsize=64)
def custom_surface(text: str) -> Surface:
    """The learner's expression f(x, y) as a Surface on [−5, 5]², after checking it is usable.

    Raises:
      ExpressionError: the text breaks the grammar, or the surface or its gradient is not finite
        somewhere on the domain (the message says where).
    """
    expression = parse_expression(text)
    xs, ys = grid(CUSTOM_DOMAIN, CHECK_GRID)
    problem = first_non_finite(expression, xs, ys)
    if problem:
        raise ExpressionError(f"the surface must be finite on [−5, 5]²: {problem}", text)
    surface = _custom(expression)
    _, grads = _values_and_gradients(surface, knobs_of(1.0, 0.0), xs, ys)
    bad = ~np.isfinite(np.asarray(grads)).all(axis=-1)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise ExpressionError(
            f"the gradient of the surface is not finite at x = {xs[col]:.3g}, y = {ys[row]:.3g}"
            " (it is too steep there)",
            text,
        )
    return surface


def _custom(expression: Expression) -> Surface:
    f = expression.jax_fn

    def loss(w: jax.Array, knobs: jax.Array) -> jax.Array:
        del knobs
        return jnp.asarray(f(w[0], w[1]), dtype=jnp.float32)

    return Surface(
        key=f"custom:{expression.text}",
        label=expression.text,
        loss=loss,
        domain=CUSTOM_DOMAIN,
        minima=(),
        min_value=None,
        formula=rf"\verb|{expression.text}|",
    )


@functools.partial(jax.jit, static_argnames="surface")
def _values_and_gradients(
    surface: Surface, knobs: jax.Array, xs: jax.Array, ys: jax.Array
) -> tuple[jax.Array, jax.Array]:
    points = jnp.stack(jnp.meshgrid(xs, ys), axis=-1)
    per_point = jax.value_and_grad(surface.loss)
    return jax.vmap(jax.vmap(per_point, in_axes=(0, None)), in_axes=(0, None))(points, knobs)
