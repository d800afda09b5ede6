"""Weight-initialization schemes by name, all with one signature `(key, shape, gain) -> weights`.

Shapes are `(fan_in, fan_out)` as for a dense kernel (`y = x @ W`). Where `jax.nn.initializers`
provides a scheme it is used as is, so "He normal" here is exactly JAX's (a normal truncated at
±2σ₀, rescaled so that its standard deviation is √(2/n_in)).

The lesson writes N(mean, standard deviation), and so do the formulas here: its "gaussian"
N(0, 1/n) has standard deviation 1/n, and Xavier's √(2/(n_in+n_out)) is a standard deviation
(the variance is 2/(n_in+n_out), Glorot & Bengio 2010).

For networks whose width is a traced value (padded to a maximum and masked), a scheme also
splits into a unit-variance draw of its `family`, independent of the fans, and a `scale` that
depends on the *active* fans: `weights = unit_sample(key, shape, family) · scale(n_in, n_out) ·
gain`. At full width this reproduces `init` (tests check it); `unit_draw` is the same split for
any full `(n_in, n_out)` shape.
"""

import dataclasses
import math
from collections.abc import Callable

import jax
import jax.numpy as jnp
import jax.typing
import numpy as np
from jax.nn import initializers as jinit

TRUNCATED_STD = 0.87962566103423978  # std of N(0, 1) truncated to (−2, 2), as in jax
FAMILIES = ("constant", "normal", "truncated_normal", "uniform", "orthogonal")
Shape = tuple[int, int]
_CUT = r"\text{, cut at }\pm 2\sigma_0"
_AVG = r"\tfrac{2}{n_{in}+n_{out}}"


@dataclasses.dataclass(frozen=True)
class Scheme:
    """One initialization scheme.

    Attributes:
      name: registry key (URL value), e.g. "he_normal".
      label: display name, e.g. "He normal".
      formula: LaTeX of the rule, with σ a standard deviation.
      family: the shape of its distribution, one of FAMILIES.
      scale: (n_in, n_out) -> the standard deviation at gain 1, or for the constant family the
        value every weight takes.
      jax_init: shape -> a `jax.nn.initializers` initializer (gain 1).
    """

    name: str
    label: str
    formula: str
    family: str
    scale: Callable[[float, float], float]
    jax_init: Callable[[Shape], jinit.Initializer]

    @property
    def zero_mean(self) -> bool:
        return self.family != "constant"

    def moments(self, fan_in: float, fan_out: float, gain: float = 1.0) -> tuple[float, float]:
        """(mean, standard deviation) of the weights."""
        value = self.scale(fan_in, fan_out) * gain
        return (0.0, abs(value)) if self.zero_mean else (value, 0.0)

    def init(self, key: jax.Array, shape: Shape, gain: jax.typing.ArrayLike = 1.0) -> jax.Array:
        """Weights of `shape` (fan_in, fan_out), multiplied by `gain`."""
        weights = self.jax_init(shape)(key, shape, jnp.float32)
        return weights * jnp.asarray(gain, jnp.float32)


def _symmetric_uniform(shape: Shape) -> jinit.Initializer:
    # jax.nn.initializers.uniform(s) draws from [0, s); the lesson's uniform is symmetric.
    del shape
    return lambda key, shape, dtype: jax.random.uniform(key, shape, dtype, -1.0, 1.0)


SCHEMES: dict[str, Scheme] = {
    s.name: s
    for s in (
        Scheme("zeros", "Zeros", r"W = 0", "constant", lambda i, o: 0.0, lambda s: jinit.zeros),
        Scheme(
            "constant",
            "Constant 1/n_in",
            r"W = 1/n_{in}",
            "constant",
            lambda i, o: 1.0 / i,
            lambda s: jinit.constant(1.0 / s[0]),
        ),
        Scheme(
            "uniform",
            "Uniform U(−1, 1)",
            r"U(-1, 1)",
            "uniform",
            lambda i, o: 3.0**-0.5,
            _symmetric_uniform,
        ),
        Scheme(
            "normal", "N(0, 1)", r"N(0, 1)", "normal", lambda i, o: 1.0, lambda s: jinit.normal(1.0)
        ),
        Scheme(
            "gaussian",
            "“gaussian” N(0, 1/n)",
            r"N\left(0, \sigma = \tfrac{1}{n_{in}}\right)",
            "normal",
            lambda i, o: 1.0 / i,
            lambda s: jinit.normal(1.0 / s[0]),
        ),
        Scheme(
            "inv_sqrt_n",
            "N(0, 1/√n_in)",
            r"N\left(0, \sigma = \tfrac{1}{\sqrt{n_{in}}}\right)",
            "normal",
            lambda i, o: i**-0.5,
            lambda s: jinit.variance_scaling(1.0, "fan_in", "normal"),
        ),
        Scheme(
            "xavier_normal",
            "Xavier/Glorot normal",
            r"N\left(0, \sigma = \sqrt{" + _AVG + r"}\right)" + _CUT,
            "truncated_normal",
            lambda i, o: (2.0 / (i + o)) ** 0.5,
            lambda s: jinit.glorot_normal(),
        ),
        Scheme(
            "xavier_uniform",
            "Xavier/Glorot uniform",
            r"U\left(\pm\sqrt{3}\sigma\right),\ \sigma = \sqrt{" + _AVG + "}",
            "uniform",
            lambda i, o: (2.0 / (i + o)) ** 0.5,
            lambda s: jinit.glorot_uniform(),
        ),
        Scheme(
            "he_normal",
            "He normal",
            r"N\left(0, \sigma = \sqrt{\tfrac{2}{n_{in}}}\right)" + _CUT,
            "truncated_normal",
            lambda i, o: (2.0 / i) ** 0.5,
            lambda s: jinit.he_normal(),
        ),
        Scheme(
            "he_uniform",
            "He uniform",
            r"U\left(\pm\sqrt{\tfrac{6}{n_{in}}}\right),\ \sigma = \sqrt{\tfrac{2}{n_{in}}}",
            "uniform",
            lambda i, o: (2.0 / i) ** 0.5,
            lambda s: jinit.he_uniform(),
        ),
        Scheme(
            "lecun_normal",
            "LeCun normal",
            r"N\left(0, \sigma = \sqrt{\tfrac{1}{n_{in}}}\right)" + _CUT,
            "truncated_normal",
            lambda i, o: i**-0.5,
            lambda s: jinit.lecun_normal(),
        ),
        Scheme(
            "orthogonal",
            "Orthogonal",
            r"W^\top W = I\ (\text{or } W W^\top = I),\ \sigma = 1/\sqrt{\max(n_{in}, n_{out})}",
            "orthogonal",
            lambda i, o: max(i, o) ** -0.5,
            lambda s: jinit.orthogonal(),
        ),
    )
}

INITIALIZERS: dict[str, Callable[[jax.Array, Shape, jax.typing.ArrayLike], jax.Array]] = {
    name: scheme.init for name, scheme in SCHEMES.items()
}


def unit_draw(key: jax.Array, shape: Shape, family: str) -> jax.Array:
    """A `shape` draw of `family` with mean 0 and variance 1 (ones for "constant"), from the
    same random bits as `jax.nn.initializers`: `unit_draw · scale(n_in, n_out) · gain` is
    every scheme's `init` up to rounding.

    So a network whose scheme is traced draws five families, not twelve schemes (one compiled
    draw per family and shape).
    """
    if family == "constant":
        return jnp.ones(shape, jnp.float32)
    if family == "normal":
        return jax.random.normal(key, shape, jnp.float32)
    if family == "truncated_normal":
        return jax.random.truncated_normal(key, -2.0, 2.0, shape, jnp.float32) / TRUNCATED_STD
    if family == "uniform":
        return jax.random.uniform(key, shape, jnp.float32, -1.0, 1.0) * jnp.sqrt(jnp.float32(3))
    if family == "orthogonal":
        return jinit.orthogonal(math.sqrt(max(shape)))(key, shape, jnp.float32)
    raise ValueError(f"unknown family {family!r}")


def unit_sample(
    key: jax.Array,
    size: int,
    family: str,
    active: jax.typing.ArrayLike | None = None,
    block: int | None = None,
) -> jax.Array:
    """A (size, size) draw of `family` with mean 0 and variance 1 (ones for "constant").

    The draws match `jax.nn.initializers.variance_scaling`'s, so multiplying by a scheme's
    `scale` gives its `init` up to rounding. Only "orthogonal" depends on `active` (the traced
    number of live rows and columns): its top-left active block is itself √active × a random
    orthogonal matrix, and the rest is zero. With `block`, only the top-left (block, block) of
    that same draw is returned; the random families then draw only its rows (JAX's random bits
    follow the flat index, so the first rows of a draw do not depend on how many follow).
    """
    block = size if block is None else block
    if family == "constant":
        return jnp.ones((block, block), jnp.float32)
    rows = (block, size)
    if family == "normal":
        return jax.random.normal(key, rows, jnp.float32)[:, :block]
    if family == "truncated_normal":
        draw = jax.random.truncated_normal(key, -2.0, 2.0, rows, jnp.float32)
        return draw[:, :block] / TRUNCATED_STD
    if family == "uniform":
        draw = jax.random.uniform(key, rows, jnp.float32, -1.0, 1.0)
        return draw[:, :block] * jnp.sqrt(jnp.float32(3.0))
    if family == "orthogonal":
        active = jnp.asarray(size if active is None else active, jnp.int32)
        q = padded_orthogonal(key, size, active)[:block, :block]
        return q * jnp.sqrt(active.astype(jnp.float32))
    raise ValueError(f"unknown family {family!r}")


def padded_orthogonal(key: jax.Array, size: int, active: jax.typing.ArrayLike) -> jax.Array:
    """A Haar-random orthogonal `active × active` matrix in the corner of a zero `size × size`.

    QR of blockdiag(Z, I) is blockdiag(Q_Z, I), so the padding changes nothing in the block; at
    active == size this is `jax.random.orthogonal`'s construction (QR of a normal draw, columns
    multiplied by sign(diag R); Mezzadri 2007) with the same draw.
    """
    z = jax.random.normal(key, (size, size), jnp.float32)
    inside = jnp.arange(size) < active
    block = inside[:, None] & inside[None, :]
    padded = jnp.where(block, z, jnp.diag(jnp.where(inside, 0.0, 1.0).astype(jnp.float32)))
    q, r = jnp.linalg.qr(padded)
    q = q * jnp.sign(jnp.diag(r))[None, :]
    return jnp.where(block, q, jnp.float32(0.0))


def density(
    scheme: Scheme, fan_in: int, fan_out: int, gain: float, x: np.ndarray
) -> np.ndarray | None:
    """The probability density of one weight at `x`, or None for a point mass (constant family).

    normal: N(0, σ²); truncated_normal: N(0, σ₀²) cut to ±2σ₀ with σ₀ = σ / 0.8796; uniform on
    ±√3σ; orthogonal: a coordinate of a random unit vector in ℝᵐ (m = max(n_in, n_out)), whose
    density is Γ(m/2) / (√π Γ((m−1)/2)) · (1 − x²)^((m−3)/2) on [−1, 1], scaled by the gain.
    """
    x = np.asarray(x, np.float64)
    sigma = abs(scheme.scale(fan_in, fan_out) * gain)
    if scheme.family == "constant" or sigma == 0.0:
        return None
    if scheme.family == "normal":
        return _normal_pdf(x, sigma)
    if scheme.family == "truncated_normal":
        sigma0 = sigma / TRUNCATED_STD
        inside = math.erf(2.0 / math.sqrt(2.0))
        return np.where(np.abs(x) <= 2.0 * sigma0, _normal_pdf(x, sigma0) / inside, 0.0)
    if scheme.family == "uniform":
        bound = math.sqrt(3.0) * sigma
        return np.where(np.abs(x) <= bound, 0.5 / bound, 0.0)
    m = max(fan_in, fan_out)
    if m < 2:
        return None
    g = abs(gain)
    u = np.clip(x / g, -1.0, 1.0)
    log_norm = math.lgamma(m / 2) - 0.5 * math.log(math.pi) - math.lgamma((m - 1) / 2)
    with np.errstate(divide="ignore"):
        pdf = np.exp(log_norm + 0.5 * (m - 3) * np.log1p(-(u**2))) / g
    return np.where(np.abs(x) < g, pdf, 0.0)


def _normal_pdf(x: np.ndarray, sigma: float) -> np.ndarray:
    return np.exp(-0.5 * (x / sigma) ** 2) / (sigma * math.sqrt(2.0 * math.pi))
