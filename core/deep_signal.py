"""Signals through a deep MLP at initialization, the variance recursion that predicts them, and a
small training race between init schemes.

The network is `z_l = W_l a_{l−1}` (batch-normalized over the batch when on), `a_l = φ(z_l)`,
`l = 1 … depth`, on a batch of N(0, 1) inputs as wide as the layers. Depth is padded to
MAX_DEPTH (layers past `depth` pass their input through) and width to the smallest of
WIDTH_BUCKETS that holds it (units past `width` are zero and masked out of every statistic), so
depth, width, gain, seed and batch norm are traced values; every bucket is compiled on first
use, so moving them compiles nothing. Only the activation is structural.

Weights are a scheme's unit-variance draw (`initializers.unit_sample`) times its scale for the
*active* fans times the gain, `W_l = s · U_l`; `s` is folded into the matmul so the masked
matrices are never rescaled. The draw is the top-left block of a MAX_WIDTH² draw and depends on
the seed, the scheme's family and the width's bucket only, so a page can keep it while the
learner moves depth, gain or the width within its bucket.
"""

import dataclasses
import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
from threadpoolctl import threadpool_limits  # scikit-learn's own dependency, pure Python

from core import digits as digit_data
from core.activations import ACTIVATIONS, Activation
from core.initializers import FAMILIES, SCHEMES, Scheme, density, unit_draw, unit_sample

MAX_DEPTH = 50
MAX_WIDTH = 512
WIDTH_BUCKETS = (256, MAX_WIDTH)  # widths the propagation is compiled for
BATCH = 64
BINS = 40
HIST_BATCH = 32  # examples in the per-layer histograms (a scatter-add: slow on CPU)
WEIGHT_BINS = 60
BN_EPS = 1e-5
INPUT_TAG, READOUT_TAG = 1_000_001, 1_000_002  # fold_in tags: input batch, readout vector
TRAIN_HIDDEN, TRAIN_DEPTH = 32, 6  # the training race: 64 → 32 × 6 → 10 on 8×8 digits
TRAIN_STEPS, TRAIN_BATCH, TRAIN_SEEDS, MAX_TRAIN_SCHEMES = 200, 64, 4, 4
LEARNING_RATE, MOMENTUM = 0.05, 0.9
SCHEME_NAMES = tuple(SCHEMES)
SCHEME_FAMILIES = tuple(FAMILIES.index(SCHEMES[name].family) for name in SCHEME_NAMES)
_GRID = np.linspace(-8.0, 8.0, 1600)  # quadrature nodes for ξ ~ N(0, 1); symmetric, 0 left out
_GRID_WEIGHTS = np.exp(-0.5 * _GRID**2) / np.sum(np.exp(-0.5 * _GRID**2))


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything the page's controls set; plain values, hashable."""

    scheme: str = "normal"
    activation: str = "tanh"
    depth: int = 20
    width: int = 256
    gain: float = 1.0
    batch_norm: bool = False
    seed: int = 0
    train_schemes: tuple[str, ...] = ("normal", "gaussian", "xavier_normal", "he_normal")

    def __post_init__(self) -> None:
        if self.scheme not in SCHEMES or self.activation not in ACTIVATIONS:
            raise ValueError(f"unknown scheme or activation in {self}")
        if not (1 <= self.depth <= MAX_DEPTH and 1 <= self.width <= MAX_WIDTH):
            raise ValueError(f"depth or width out of range in {self}")
        if not set(self.train_schemes) <= set(SCHEMES):
            raise ValueError(f"unknown training scheme in {self.train_schemes}")

    def for_seed(self, seed: int) -> "Settings":
        return dataclasses.replace(self, seed=seed)

    def for_signal(self) -> "Settings":
        """What `explore` reads: all but the race's schemes (its cache key)."""
        return dataclasses.replace(self, train_schemes=Settings.train_schemes)

    def for_training(self) -> "Settings":
        """Only what the training race depends on (the rest at defaults): its cache key."""
        return Settings(
            activation=self.activation,
            gain=self.gain,
            batch_norm=self.batch_norm,
            seed=self.seed,
            train_schemes=self.train_schemes,
        )


@dataclasses.dataclass(frozen=True)
class SignalResult:
    """Per-layer statistics (arrays of length depth, NaN where cut), as NumPy.

    z_std: std of the pre-activation z_l (after batch norm when on); h_std: before batch norm.
    grad_norm: per-example ‖∂ℓ/∂z_l‖ (RMS over the batch) for ℓ = r · a_depth, r ~ N(0, I).
    *_theory: the mean-field recursion (None where none applies).
    flat_share / dead_units: share of unit-examples / of units flat on the whole batch.
    hist: (depth, BINS) share of post-activations a_l per bin of hist_edges.
    weight_share: density-normalized histogram of layer 1's weights over weight_edges;
    density_x/pdf: the scheme's density (pdf None for a point mass at point_mass).
    """

    layers: np.ndarray
    z_std: np.ndarray
    h_std: np.ndarray
    a_std: np.ndarray
    z_theory: np.ndarray | None
    grad_norm: np.ndarray
    grad_theory: np.ndarray | None
    flat_share: np.ndarray
    dead_units: np.ndarray
    flat_label: str
    hist: np.ndarray
    hist_edges: np.ndarray
    weight_share: np.ndarray
    weight_edges: np.ndarray
    density_x: np.ndarray
    density_pdf: np.ndarray | None
    point_mass: float | None
    first_layer_std: float
    first_layer_expected: float
    notes: tuple[str, ...]


def layer_table(result: SignalResult) -> dict[str, np.ndarray]:
    """The per-layer numbers as CSV columns (theory NaN where none applies)."""
    none = np.full(len(result.layers), np.nan)
    return {
        "layer": result.layers,
        "z_std": result.z_std,
        "z_std_theory": none if result.z_theory is None else result.z_theory,
        "grad_norm": result.grad_norm,
        "grad_norm_theory": none if result.grad_theory is None else result.grad_theory,
        "flat_share": result.flat_share,
        "dead_units": result.dead_units,
    }


@functools.partial(jax.jit, static_argnames=("family", "bucket"))
def _unit_weights(seed: jax.Array, width: jax.Array, *, family: str, bucket: int) -> jax.Array:
    key = jax.random.key(seed)
    keys = jax.vmap(lambda layer: jax.random.fold_in(key, layer))(jnp.arange(MAX_DEPTH))
    # lax.map, not vmap: a *batched* QR ("orthogonal") can deadlock XLA:CPU's thread pool in
    # jaxlib 0.10.2 (batched LAPACK blocks pool threads on sub-tasks queued to the same pool).
    return jax.lax.map(lambda k: unit_sample(k, MAX_WIDTH, family, width, bucket), keys)


def sample_unit_weights(seed: int, family: str, width: int) -> jax.Array:
    """(MAX_DEPTH, b, b) unit-variance draws, b = width_bucket(width); layer l uses
    fold_in(key, l). Each is the top-left block of the layer's MAX_WIDTH² draw, so a unit's
    weights stay the same while the width moves, across buckets too.

    Only the "orthogonal" family depends on `width` itself (its QR acts on the active block;
    see `draw_width`). Its 50 QRs run with OpenBLAS held to one thread: jaxlib's LAPACK calls
    scipy's OpenBLAS, whose own threads otherwise fight XLA's for the cores (10× slower on a
    busy 2-core machine).
    """
    _compile_every_draw(family)
    draw = functools.partial(
        _unit_weights, jnp.int32(seed), jnp.int32(width), family=family,
        bucket=width_bucket(width),
    )  # fmt: skip
    if family != "orthogonal":
        return draw()
    with threadpool_limits(limits=1, user_api="blas"):
        return jax.block_until_ready(draw())


def _compile_every_draw(family: str) -> None:
    _compile_draws(family, jax.config.jax_numpy_dtype_promotion)


@functools.cache
def _compile_draws(family: str, promotion: str) -> None:
    """On a family's first draw, compiles its draw for every width bucket (ahead of time)."""
    for bucket in WIDTH_BUCKETS:
        _unit_weights.lower(jnp.int32(0), jnp.int32(bucket), family=family, bucket=bucket).compile()


def draw_width(family: str, width: int) -> int:
    """What of the width `sample_unit_weights` depends on: a page can keep a draw keyed by it."""
    return width if family == "orthogonal" else width_bucket(width)


def batch_norm(h: jax.Array) -> jax.Array:
    """(h − mean) / √(var + ε) per unit over the batch (axis 0); no learned scale or shift."""
    mean = jnp.mean(h, axis=0, keepdims=True)
    var = jnp.mean((h - mean) ** 2, axis=0, keepdims=True)
    return (h - mean) / jnp.sqrt(var + BN_EPS)


def _forward(eps, unit, scale, mask, x, r, depth, use_bn, act: Activation):
    """Loss Σ_b r·a_depth, per-layer statistics of h, z and a, and the first HIST_BATCH rows
    of every a_l. eps (L, B, P) is added to z, so ∂loss/∂eps is δ_l = ∂ℓ/∂z_l per example.

    The statistics are taken inside the scan, while each layer's (B, P) block is hot in cache.
    Layers past `depth` are computed and thrown away: skipping them with a `lax.cond` made the
    full 50-layer network 1.8× slower (the cond's residuals under grad) for little gain.
    """
    weights = jnp.broadcast_to(mask, x.shape)[None]

    def layer(a, inputs):
        u, e, index = inputs
        h = (a @ u) * scale * mask
        z = jax.lax.cond(use_bn, lambda v: batch_norm(v) * mask, lambda v: v, h) + e
        a_new = act.fn(z) * mask
        stats = _layer_stats(*jax.lax.stop_gradient((h, z, a_new)), mask, weights, act)
        return jnp.where(index < depth, a_new, a), (stats, a_new[:HIST_BATCH])

    a_out, per_layer = jax.lax.scan(layer, x, (unit, eps, jnp.arange(MAX_DEPTH)))
    return jnp.sum(a_out * r), per_layer


def _layer_stats(h, z, a, mask, weights, act: Activation) -> dict[str, jax.Array]:
    flat = act.flat(z, a).astype(jnp.float32) * mask
    return {
        "h_std": _masked_std(h[None], weights)[0],
        "z_std": _masked_std(z[None], weights)[0],
        "a_std": _masked_std(a[None], weights)[0],
        "z_finite": jnp.all(jnp.isfinite(z)),
        "flat_share": jnp.sum(flat) / jnp.sum(weights),
        "dead_units": jnp.sum(jnp.min(flat, axis=0)) / jnp.sum(mask),
    }


def _masked_std(v: jax.Array, weights: jax.Array) -> jax.Array:
    """Std over axes (1, 2) with weights 0/1, scaled by the peak so squares cannot overflow.

    One pass for the peak, one fused pass for Σu and Σu² (u = v / peak ≤ 1 in size, so
    E[u²] − E[u]² loses nothing that matters at float32).
    """
    peak, u, count = _scaled(v, weights)
    mean = jnp.sum(u, axis=(1, 2)) / count
    var = jnp.maximum(jnp.sum(u * u, axis=(1, 2)) / count - mean * mean, 0.0)
    return peak * jnp.sqrt(var)


def _masked_rms(v: jax.Array, weights: jax.Array) -> jax.Array:
    peak, u, count = _scaled(v, weights)
    return peak * jnp.sqrt(jnp.sum(u * u, axis=(1, 2)) / count)


def _scaled(v: jax.Array, weights: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array]:
    """(peak |v| per layer, v·weights / peak, number of weighted entries)."""
    peak = jnp.max(jnp.abs(v * weights), axis=(1, 2))
    u = v * weights / jnp.where(peak > 0, peak, 1.0)[:, None, None]
    return peak, u, jnp.sum(weights, axis=(1, 2))


def _histograms(v, weights, lo, hi, bins: int = BINS) -> jax.Array:
    """(L, bins) share of each layer's weighted values per bin of [lo, hi].

    Values outside the range count in the edge bins, non-finite ones nowhere.
    """
    finite = jnp.isfinite(v)
    position = (jnp.where(finite, v, 0.0) - lo) / (hi - lo) * bins
    index = jnp.clip(jnp.floor(position), 0, bins - 1).astype(jnp.int32)
    index = index + bins * jnp.arange(v.shape[0], dtype=jnp.int32)[:, None, None]
    w = weights * finite.astype(jnp.float32)
    counts = jnp.zeros(v.shape[0] * bins, jnp.float32).at[index.ravel()].add(w.ravel())
    counts = counts.reshape(v.shape[0], bins)
    return counts / jnp.maximum(jnp.sum(counts, axis=1, keepdims=True), 1.0)


def width_bucket(width: int) -> int:
    """The padded width the propagation runs at: the smallest of WIDTH_BUCKETS that holds it."""
    return next(bucket for bucket in WIDTH_BUCKETS if width <= bucket)


@functools.partial(jax.jit, static_argnames=("activation", "bucket"))
def _propagate(unit, scale, depth, width, use_bn, seed, weight_lo, weight_hi, *, activation,
               bucket):  # fmt: skip
    """The network on the top-left `bucket` × `bucket` block of every layer's draw: the units
    past it are masked out anyway, and a 256-wide block costs a quarter of the 512-wide one.
    (A third bucket, 128, cost the server ~20 MB more after warm-up for its executables.)"""
    act = ACTIVATIONS[activation]
    key = jax.random.key(seed)
    unit = unit[:, :bucket, :bucket]
    mask = (jnp.arange(bucket) < width).astype(jnp.float32)
    # Drawn at MAX_WIDTH and cut, so a unit's input and readout do not depend on the bucket.
    x = jax.random.normal(jax.random.fold_in(key, INPUT_TAG), (BATCH, MAX_WIDTH), jnp.float32)
    r = jax.random.normal(jax.random.fold_in(key, READOUT_TAG), (MAX_WIDTH,), jnp.float32)
    x, r = x[:, :bucket], r[:bucket]
    forward = functools.partial(
        _forward, unit=unit, scale=scale, mask=mask, x=x * mask, r=r * mask, depth=depth,
        use_bn=use_bn, act=act,
    )  # fmt: skip
    zeros = jnp.zeros((MAX_DEPTH, BATCH, bucket), jnp.float32)
    delta, (stats, a) = jax.grad(forward, has_aux=True)(zeros)
    weights = jnp.broadcast_to(mask, delta.shape)
    lo, hi = _activation_range(act, a[0], weights[0, : a.shape[1]])
    block = mask[:, None] * mask[None, :]
    return stats | {
        "grad_norm": jnp.sqrt(width.astype(jnp.float32)) * _masked_rms(delta, weights),
        "grad_finite": jnp.all(jnp.isfinite(delta), axis=(1, 2)),
        "hist": _histograms(a, weights[:, : a.shape[1]], lo, hi),
        "hist_range": jnp.stack([lo, hi]),
        "weight_hist": _histograms(
            (unit[0] * scale)[None], block[None], weight_lo, weight_hi, WEIGHT_BINS
        )[0],
    }


def _activation_range(act: Activation, a1: jax.Array, mask1: jax.Array) -> tuple:
    """The histogram range: φ's own where it is bounded, else ±3 × RMS of layer 1's a."""
    low, high = act.value_range or (-math.inf, math.inf)
    rms = _masked_rms(a1[None], mask1[None])[0]
    reach = jnp.where(jnp.isfinite(rms) & (rms > 0), 3.0 * rms, 1.0)
    lo = jnp.float32(low) if math.isfinite(low) else -reach
    hi = jnp.float32(high) if math.isfinite(high) else reach
    return lo, hi


def variance_recursion(
    act: Activation, weight_var: float, width: int, depth: int, use_bn: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """Mean-field (infinite-width) prediction of z_l's std and the per-example gradient norm.

    Forward (Poole et al. 2016; Glorot & Bengio 2010 for linear): q_1 = n σ_w² (inputs have
    variance 1), q_l = n σ_w² E_ξ[φ(√q_{l−1} ξ)²], ξ ~ N(0, 1). For linear φ this is
    q_l = (n σ_w²)^l; for relu q_l = (n σ_w² / 2)^{l−1} n σ_w². Backward, with ℓ = r·a_L:
    g_L = E[φ′(z_L)²], g_{l−1} = n σ_w² g_l E[φ′(z_{l−1})²], and ‖∂ℓ/∂z_l‖ ≈ √(n g_l).
    With batch norm z_l has variance 1 by construction (no gradient recursion is given).

    Returns:
      (z std, gradient norm or None), float64 arrays of length depth.
    """
    gain2 = width * weight_var
    if use_bn:
        return np.full(depth, 1.0 if weight_var > 0 else 0.0), None
    with np.errstate(over="ignore", invalid="ignore"):
        q = np.empty(depth)
        q[0] = gain2
        for layer in range(1, depth):
            q[layer] = gain2 * _expect(act.np_fn, q[layer - 1], square=True)
        slope2 = np.array([_expect(act.np_grad, v, square=True) for v in q])
        g = np.empty(depth)
        g[-1] = slope2[-1]
        for layer in range(depth - 2, -1, -1):
            g[layer] = gain2 * g[layer + 1] * slope2[layer]
        return np.sqrt(q), np.sqrt(width * g)


def _expect(f, variance: float, square: bool) -> float:
    """E[f(√variance ξ)^(2 if square)] for ξ ~ N(0, 1), by quadrature on a fine grid."""
    if not np.isfinite(variance):
        return math.nan
    values = f(math.sqrt(variance) * _GRID)
    return float(np.sum(_GRID_WEIGHTS * (values**2 if square else values)))


def _weight_range(scheme: Scheme, width: int, gain: float) -> tuple[float, float]:
    mean, std = scheme.moments(width, width, gain)
    if not scheme.zero_mean or std == 0.0:
        half = max(abs(mean), 1e-6)
        return mean - half, mean + half
    reach = {"uniform": 1.25 * math.sqrt(3.0), "truncated_normal": 3.0}.get(scheme.family, 4.0)
    half = reach * std
    if scheme.family == "orthogonal":  # entries of an orthogonal matrix lie in ±gain
        half = min(half, 1.1 * abs(gain))
    return -half, half


def explore(settings: Settings, unit: jax.Array | None = None) -> SignalResult:
    """Everything the page draws about signal propagation, as NumPy.

    Args:
      settings: the page's controls.
      unit: `sample_unit_weights(settings.seed, family, settings.width)` if already drawn (a page
        keeps it between slider moves); drawn here when None.
    """
    scheme, act = SCHEMES[settings.scheme], ACTIVATIONS[settings.activation]
    if unit is None:
        unit = sample_unit_weights(settings.seed, scheme.family, settings.width)
    weight_range = _weight_range(scheme, settings.width, settings.gain)
    out = _run_propagation(unit, scheme, settings, weight_range)
    forward, grads, notes = _cut_non_finite(out, settings.depth)
    return SignalResult(
        layers=np.arange(1, settings.depth + 1),
        **forward,
        **grads,
        **_theory(scheme, act, settings),
        flat_label=act.flat_label,
        hist_edges=np.linspace(out["hist_range"][0], out["hist_range"][1], BINS + 1),
        **_weight_view(scheme, settings, weight_range, out["weight_hist"]),
        first_layer_std=float(out["h_std"][0]),
        first_layer_expected=math.sqrt(settings.width)
        * abs(scheme.scale(settings.width, settings.width) * settings.gain),
        notes=notes,
    )


def _run_propagation(unit, scheme: Scheme, settings: Settings, weight_range) -> dict:
    _compile_every_bucket(settings.activation)
    n = settings.width
    out = _propagate(
        unit,
        jnp.float32(scheme.scale(n, n) * settings.gain),
        jnp.int32(settings.depth),
        jnp.int32(n),
        jnp.bool_(settings.batch_norm),
        jnp.int32(settings.seed),
        jnp.float32(weight_range[0]),
        jnp.float32(weight_range[1]),
        activation=settings.activation,
        bucket=width_bucket(n),
    )
    return {key: np.asarray(value) for key, value in jax.device_get(out).items()}


def _compile_every_bucket(activation: str) -> None:
    _compile_buckets(activation, jax.config.jax_numpy_dtype_promotion)


# Keyed by the dtype promotion mode too: it is thread-local and part of the jit cache's key (the
# core tests run under "strict", the app under "standard").
@functools.cache
def _compile_buckets(activation: str, promotion: str) -> None:
    """On an activation's first use, compiles the propagation for every width bucket, ahead of
    time (nothing runs, nothing is allocated), so that moving the width slider later compiles
    nothing: a call with the same shapes finds the executable in JAX's cache."""
    scalars = (jnp.float32(1.0), jnp.int32(1), jnp.int32(1), jnp.bool_(False), jnp.int32(0),
               jnp.float32(-1.0), jnp.float32(1.0))  # fmt: skip
    for bucket in WIDTH_BUCKETS:
        unit = jax.ShapeDtypeStruct((MAX_DEPTH, bucket, bucket), jnp.float32)
        _propagate.lower(unit, *scalars, activation=activation, bucket=bucket).compile()


def _cut_non_finite(out: dict, depth: int) -> tuple[dict, dict, tuple[str, ...]]:
    """Trims to `depth` and cuts at the first non-finite layer: forward going up; gradients
    going down from the top, as backprop runs, and never above the forward cut. Exact zeros
    cannot sit on a log axis: they become NaN in the std/norm series, with a note."""
    notes = []
    # A std or norm can overflow while every value is finite (their squares are not).
    bad = ~out["z_finite"][:depth] | ~np.isfinite(out["z_std"][:depth])
    cut = int(np.argmax(bad)) if bad.any() else depth
    if cut < depth:
        notes.append(f"Pre-activations overflowed float32 (diverged) at layer {cut + 1}.")
    forward = {}
    for key in ("z_std", "h_std", "a_std", "flat_share", "dead_units", "hist"):
        values = out[key][:depth].astype(np.float64)
        values[cut:] = np.nan
        forward[key] = values
    zero = forward["z_std"] == 0
    if zero.any():
        first = int(np.argmax(zero)) + 1
        notes.append(f"Pre-activations are exactly 0 from layer {first} (not drawn on a log axis).")
    for key in ("z_std", "h_std", "a_std"):
        forward[key][forward[key] == 0] = np.nan
    grad = out["grad_norm"][:depth].astype(np.float64)
    grad[cut:] = np.nan  # δ_l = (W⊤δ_{l+1}) ⊙ φ′(z_l) means nothing where z_l is not finite
    bad_grad = ~out["grad_finite"][:depth] | ~np.isfinite(grad)
    bad_grad[cut:] = False
    if bad_grad.any():
        top = int(np.nonzero(bad_grad)[0][-1])
        grad[: top + 1] = np.nan
        notes.append(f"Gradients overflowed float32 (diverged) at layer {top + 1} and below.")
    if (grad == 0).any():
        notes.append(f"Gradients are exactly 0 at {int(np.sum(grad == 0))} layer(s) (not drawn).")
        grad[grad == 0] = np.nan
    return forward, {"grad_norm": grad}, tuple(notes)


def _theory(scheme: Scheme, act: Activation, settings: Settings) -> dict:
    """The recursion's curves, or None for schemes whose weights are not zero-mean random."""
    if not scheme.zero_mean:
        return {"z_theory": None, "grad_theory": None}
    n = settings.width
    _, std = scheme.moments(n, n, settings.gain)
    z, grad = variance_recursion(act, std**2, n, settings.depth, settings.batch_norm)
    return {"z_theory": _positive_or_nan(z), "grad_theory": _positive_or_nan(grad)}


def _positive_or_nan(values: np.ndarray | None) -> np.ndarray | None:
    if values is None:
        return None
    return np.where(np.isfinite(values) & (values > 0), values, np.nan)


def _weight_view(scheme: Scheme, settings: Settings, weight_range, weight_hist) -> dict:
    """Layer 1's weight histogram as a density, and the scheme's density on a fine grid."""
    lo, hi = weight_range
    n = settings.width
    edges = np.linspace(lo, hi, WEIGHT_BINS + 1)
    x = np.linspace(lo, hi, 400)
    pdf = density(scheme, n, n, settings.gain, x)
    return {
        "weight_share": weight_hist.astype(np.float64) / (edges[1] - edges[0]),
        "weight_edges": edges,
        "density_x": x,
        "density_pdf": pdf,
        "point_mass": None if pdf is not None else scheme.moments(n, n, settings.gain)[0],
    }


@dataclasses.dataclass(frozen=True)
class TrainingResult:
    """Training loss of each scheme over TRAIN_SEEDS seeds, as NumPy.

    losses: (schemes, seeds, steps) minibatch loss, NaN from the first non-finite step on.
    diverged_at: (schemes,) first step (1-based) where any seed's loss is not finite, else 0.
    accuracy: (schemes, seeds) final accuracy on the whole training set.
    params: per scheme, the trained weights of seed 0 ({"layer_i": {"kernel", "bias"}}).
    """

    schemes: tuple[str, ...]
    losses: np.ndarray
    diverged_at: np.ndarray
    accuracy: np.ndarray
    params: dict


@functools.cache
def digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8×8 digits (offline): (1797, 64) standardized, and labels."""
    images, labels = digit_data.load()
    x = images.reshape(len(images), -1)
    std = x.std(axis=0)
    x = (x - x.mean(axis=0)) / np.where(std > 0, std, 1.0)
    x, y = x.astype(np.float32), labels.astype(np.int32)
    x.flags.writeable = y.flags.writeable = False
    return x, y


def init_mlp(scheme_index: jax.Array, key: jax.Array, gain: jax.Array) -> list[dict]:
    """The race's MLP, every kernel drawn by SCHEME_NAMES[scheme_index] (traced: lax.switch).

    A kernel is its scheme's family's unit draw times the scheme's scale: the switch picks one
    of five families, not one of twelve schemes (a compiled draw for each held server memory:
    the initial weights' program went from 39 to 4.5 MB, `python -m bench.memory`)."""

    def kernel(layer, shape):
        draws = [functools.partial(unit_draw, shape=shape, family=family) for family in FAMILIES]
        family = jnp.asarray(SCHEME_FAMILIES, jnp.int32)[scheme_index]
        scale = jnp.asarray([SCHEMES[name].scale(*shape) for name in SCHEME_NAMES], jnp.float32)
        draw = jax.lax.switch(family, draws, jax.random.fold_in(key, layer))
        return draw * (scale[scheme_index] * gain)

    # The hidden-to-hidden layers share one shape: drawn in a loop, their code is compiled
    # once, not TRAIN_DEPTH − 1 times (each copy held ~12 MB of server memory).
    hidden = (TRAIN_HIDDEN, TRAIN_HIDDEN)
    middle = jax.lax.map(lambda layer: kernel(layer, hidden), jnp.arange(1, TRAIN_DEPTH))
    kernels = [kernel(0, (64, TRAIN_HIDDEN)), *middle, kernel(TRAIN_DEPTH, (TRAIN_HIDDEN, 10))]
    return [{"kernel": k, "bias": jnp.zeros(k.shape[1], jnp.float32)} for k in kernels]


def mlp_logits(params: list[dict], x: jax.Array, use_bn: jax.Array, act: Activation):
    """Hidden layers z = BN(a W + b) (when on), a = φ(z); a linear read-out to 10 logits."""
    a = x
    for layer in params[:-1]:
        h = a @ layer["kernel"] + layer["bias"]
        a = act.fn(jax.lax.cond(use_bn, batch_norm, lambda v: v, h))
    return a @ params[-1]["kernel"] + params[-1]["bias"]


def _loss(params, x, y, use_bn, act):
    logits = mlp_logits(params, x, use_bn, act)
    return jnp.mean(optax.softmax_cross_entropy_with_integer_labels(logits, y))


def train_one(params, key, use_bn, x, y, *, activation: str):
    """One run from `params`: SGD with momentum on minibatches drawn with `key`.

    Returns:
      (loss per step (TRAIN_STEPS,), final accuracy on (x, y), trained params).
    """
    act = ACTIVATIONS[activation]
    x, y = jnp.asarray(x), jnp.asarray(y)
    optimizer = optax.sgd(LEARNING_RATE, momentum=MOMENTUM)

    def step(carry, step_key):
        params, state = carry
        idx = jax.random.randint(step_key, (TRAIN_BATCH,), 0, x.shape[0])
        loss, grads = jax.value_and_grad(_loss)(params, x[idx], y[idx], use_bn, act)
        updates, state = optimizer.update(grads, state, params)
        return (optax.apply_updates(params, updates), state), loss

    keys = jax.random.split(jax.random.fold_in(key, 1), TRAIN_STEPS)
    (params, _), losses = jax.lax.scan(step, (params, optimizer.init(params)), keys)
    predictions = jnp.argmax(mlp_logits(params, x, use_bn, act), axis=-1)
    return losses, jnp.mean((predictions == y).astype(jnp.float32)), params


@jax.jit
def init_runs(scheme_indices: jax.Array, seeds: jax.Array, gain: jax.Array) -> list[dict]:
    """Initial params of every run, stacked on a leading run axis (one compile for all schemes).

    Runs go one by one (lax.map) so that lax.switch runs only the chosen scheme and an
    orthogonal init is an unbatched QR (batched LAPACK can deadlock jaxlib 0.10.2 on CPU).
    """
    keys = jax.vmap(lambda seed: jax.random.fold_in(jax.random.key(seed), 0))(seeds)
    return jax.lax.map(lambda run: init_mlp(run[0], run[1], gain), (scheme_indices, keys))


@functools.partial(jax.jit, static_argnames="activation")
def train_runs(params, seeds, use_bn, x, y, *, activation: str):
    """All runs at once: vmap of `train_one` over stacked params and seeds."""
    keys = jax.vmap(jax.random.key)(seeds)
    run = functools.partial(train_one, activation=activation)
    return jax.vmap(run, in_axes=(0, 0, None, None, None))(params, keys, use_bn, x, y)


@dataclasses.dataclass(frozen=True)
class SeedRuns:
    """One seed's runs of every chosen scheme, as NumPy (see `train_seed`)."""

    schemes: tuple[str, ...]
    losses: np.ndarray  # (schemes, steps)
    accuracy: np.ndarray  # (schemes,)
    params: dict  # per scheme, its trained weights


def training_seeds(settings: Settings) -> tuple[int, ...]:
    """The race's seeds: TRAIN_SEEDS consecutive ones from the page's seed. Neighbouring seeds
    share all but one, so a one-step seed move trains one seed's runs, not all of them."""
    return tuple(settings.seed + k for k in range(TRAIN_SEEDS))


def train_seed(settings: Settings) -> SeedRuns:
    """Trains every chosen scheme (at most MAX_TRAIN_SCHEMES) on `settings.seed`, in one call.

    The run list is always MAX_TRAIN_SCHEMES long (unused slots repeat a scheme and are
    dropped), so choosing other schemes, seeds, gains or batch norm compiles nothing. Every
    scheme shares the seed's minibatch order.
    """
    chosen = tuple(dict.fromkeys(settings.train_schemes))[:MAX_TRAIN_SCHEMES] or (settings.scheme,)
    padded = chosen + (chosen[-1],) * (MAX_TRAIN_SCHEMES - len(chosen))
    # NumPy, not jnp: run eagerly, jnp.asarray and jnp.full each compile a program of their own.
    indices = np.asarray([SCHEME_NAMES.index(name) for name in padded], np.int32)
    seeds = np.full(MAX_TRAIN_SCHEMES, settings.seed, np.uint32)
    x, y = digits()
    initial = init_runs(indices, seeds, jnp.float32(settings.gain))
    losses, accuracy, params = jax.device_get(
        train_runs(
            initial, seeds, jnp.bool_(settings.batch_norm), x, y, activation=settings.activation
        )
    )
    return SeedRuns(
        schemes=chosen,
        losses=np.asarray(losses, np.float64)[: len(chosen)],
        accuracy=np.asarray(accuracy)[: len(chosen)],
        params={
            name: {
                f"layer_{i}": {k: np.asarray(v[s]) for k, v in layer.items()}
                for i, layer in enumerate(params)
            }
            for s, name in enumerate(chosen)
        },
    )


def race_result(runs: list[SeedRuns]) -> TrainingResult:
    """The race from each seed's runs: losses cut at the first non-finite step, the earliest
    divergence per scheme, and the first seed's trained weights."""
    losses = np.stack([run.losses for run in runs], axis=1)  # (schemes, seeds, steps)
    bad = ~np.isfinite(losses)
    first_bad = np.where(bad.any(axis=2), np.argmax(bad, axis=2), TRAIN_STEPS)
    losses[np.arange(TRAIN_STEPS) >= first_bad[..., None]] = np.nan
    diverged = first_bad.min(axis=1)
    return TrainingResult(
        schemes=runs[0].schemes,
        losses=losses,
        diverged_at=np.where(diverged < TRAIN_STEPS, diverged + 1, 0),
        accuracy=np.stack([run.accuracy for run in runs], axis=1),
        params=runs[0].params,
    )


def compare_training(settings: Settings) -> TrainingResult:
    """Every chosen scheme on each of `training_seeds(settings)` (a page caches per seed)."""
    return race_result([train_seed(settings.for_seed(seed)) for seed in training_seeds(settings)])


def loss_table(result: TrainingResult) -> dict[str, np.ndarray]:
    """Mean training loss over seeds per step, one column per scheme (NaN once diverged)."""
    mean = result.losses.mean(axis=1)
    columns = {"step": np.arange(1, mean.shape[1] + 1)}
    return columns | {f"{name}_mean_loss": mean[i] for i, name in enumerate(result.schemes)}


def weights_msgpack(result: TrainingResult) -> bytes:
    """The trained weights (seed 0 of every scheme) as msgpack, readable by flax.serialization."""
    # Imported on a download only: flax (and flax.linen with it) is ~0.2 s of the page's first
    # view, and the page uses nothing else of flax.
    import flax.serialization

    return flax.serialization.msgpack_serialize(result.params)
