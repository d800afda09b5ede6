"""Optimizers (all optax) racing on a 2-D surface: trajectories, schedules and whole sweeps.

Only structure is static — the surface and which optimizer families run. Every number a
learner can drag (learning rate, γ, β₁, β₂, ρ, clipping θ, noise σ, schedule, start point, step
count up to MAX_STEPS, seed, the bowl's κ and rotation) is a traced argument, so moving it reuses
the compiled program. The history is padded to MAX_STEPS, and a `fori_loop` with a traced trip
count runs only as many 8-step chunks as asked for: the cost follows the chosen number of steps,
the program does not. Only a new surface (or a new custom expression) compiles anew.
"""

import dataclasses
import functools
from collections.abc import Callable, Sequence
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from core.expression import ExpressionError
from core.surfaces import SURFACES, Surface, custom_surface, evaluate_on_grid, grid, knobs_of

MAX_STEPS = 5000
SWEEP_STEPS = 500
SWEEP_SIZE = 64
SWEEP_LR_RANGE = (1e-4, 10.0)
SWEEP_SECOND_RANGE = (0.0, 0.99)
NO_CLIPPING = float("inf")

Schedule = Callable[[jax.Array], jax.Array]


class Hyper(NamedTuple):
    """Every numeric setting as a float32 scalar (the schedule as an int32 index into SCHEDULES)."""

    learning_rate: jax.Array
    momentum: jax.Array
    beta1: jax.Array
    beta2: jax.Array
    rho: jax.Array
    clip_norm: jax.Array
    noise: jax.Array
    decay_rate: jax.Array
    decay_every: jax.Array
    total_steps: jax.Array
    schedule: jax.Array


SCHEDULES = ("constant", "exponential", "step", "cosine", "warmup")


def learning_rate_at(count: jax.Array, hyper: Hyper) -> jax.Array:
    """η_t for step t under the chosen schedule (k = decay_every, r = decay_rate, T = total_steps).

    constant η · exponential η r^(t/k) · step η r^⌊t/k⌋ · cosine η ½(1 + cos(π min(t,T)/T)) ·
    warmup η min(t/k, 1). Same values as optax's exponential_decay (staircase off/on),
    cosine_decay_schedule and linear_schedule, but with traced k, r and T.
    """
    t = jnp.asarray(count).astype(jnp.float32)
    eta, rate = hyper.learning_rate, hyper.decay_rate
    every = jnp.maximum(hyper.decay_every, 1.0)
    total = jnp.maximum(hyper.total_steps, 1.0)
    candidates = jnp.stack(
        [
            eta * jnp.ones_like(t),
            eta * rate ** (t / every),
            eta * rate ** jnp.floor(t / every),
            eta * 0.5 * (1 + jnp.cos(jnp.pi * jnp.minimum(t, total) / total)),
            eta * jnp.minimum(t / every, 1.0),
        ]
    )
    return candidates[hyper.schedule]


def normalize_by_global_norm() -> optax.GradientTransformation:
    """g ← g / ‖g‖ (a zero gradient stays zero): only the gradient's direction is kept.

    Chained with a learning-rate scale this is normalised gradient descent,
    w ← w − η ∇L/‖∇L‖ — the update the lesson's text calls "Adagrad".
    """

    def init_fn(params: optax.Params) -> optax.EmptyState:
        del params
        return optax.EmptyState()

    def update_fn(
        updates: optax.Updates, state: optax.EmptyState, params: optax.Params | None = None
    ) -> tuple[optax.Updates, optax.EmptyState]:
        del params
        norm = optax.tree.norm(updates)
        safe = jnp.where(norm > 0, norm, jnp.ones_like(norm))
        return jax.tree.map(lambda g: g / safe, updates), state

    return optax.GradientTransformation(init_fn, update_fn)


Factory = Callable[[Schedule, Hyper], optax.GradientTransformation]

FACTORIES: dict[str, Factory] = {
    "sgd": lambda lr, h: optax.sgd(lr),
    "momentum": lambda lr, h: optax.sgd(lr, momentum=h.momentum),
    "nesterov": lambda lr, h: optax.sgd(lr, momentum=h.momentum, nesterov=True),
    "adagrad": lambda lr, h: optax.adagrad(lr),
    "rmsprop": lambda lr, h: optax.rmsprop(lr, decay=h.rho),
    "adam": lambda lr, h: optax.adam(lr, b1=h.beta1, b2=h.beta2),
    "normalised": lambda lr, h: optax.chain(
        normalize_by_global_norm(), optax.scale_by_learning_rate(lr)
    ),
}
OPTIMIZERS = tuple(FACTORIES)
LABELS = {
    "sgd": "SGD",
    "momentum": "Momentum",
    "nesterov": "Nesterov",
    "adagrad": "Adagrad",
    "rmsprop": "RMSProp",
    "adam": "Adam",
    "normalised": "Normalised gradient",
}
# The hyperparameter each sweepable optimizer's heatmap puts on its second axis.
SWEEP_FIELD = {"momentum": "momentum", "nesterov": "momentum", "rmsprop": "rho", "adam": "beta1"}
SWEEP_FIELD_LABEL = {"momentum": "momentum γ", "rho": "RMSProp decay ρ", "beta1": "Adam β₁"}


def make_optimizer(name: str, hyper: Hyper) -> optax.GradientTransformation:
    """Clip by global norm θ, then the optimizer `name` with the scheduled learning rate."""
    schedule = functools.partial(learning_rate_at, hyper=hyper)
    return optax.chain(optax.clip_by_global_norm(hyper.clip_norm), FACTORIES[name](schedule, hyper))


def _apply(
    optimizer: optax.GradientTransformation, grad: jax.Array, state: optax.OptState, w: jax.Array
) -> tuple[jax.Array, optax.OptState]:
    # optax raises a float32 β to an int32 step count (Adam's bias correction); our traced
    # β is a strong float32, so that one promotion is allowed explicitly here.
    with jax.numpy_dtype_promotion("standard"):
        updates, state = optimizer.update(grad, state, w)
    return w + updates, state


def gradient_noise(seed: jax.Array, steps: int) -> jax.Array:
    """ε_t ~ N(0, I₂) for t < steps, shape (steps, 2): one draw per step shared by every run."""
    return jax.random.normal(jax.random.key(seed), (steps, 2), dtype=jnp.float32)


class Trajectories(NamedTuple):
    """Positions w_0 … w_MAX (MAX_STEPS+1, n, 2) and their losses (MAX_STEPS+1, n).

    Entries past the requested number of steps are padding (NaN or extra steps): slice them off.
    """

    positions: jax.Array
    losses: jax.Array


# Steps per inner scan. XLA:CPU runs a loop this short as straight-line code; longer inner loops
# (or one long loop writing a padded history) cost 2–3× more per step on CPU.
CHUNK = 8
CHUNKS = -(-MAX_STEPS // CHUNK)


@functools.partial(jax.jit, static_argnames=("surface", "names"))
def run_trajectories(
    surface: Surface,
    names: tuple[str, ...],
    hyper: Hyper,
    knobs: jax.Array,
    start: jax.Array,
    steps: jax.Array,
    seed: jax.Array,
) -> Trajectories:
    """Runs every optimizer in `names` for `steps` (≤ MAX_STEPS) steps from `start`, in one loop.

    The gradient each run sees is ∇L(w_t) + σ ε_t with ε_t ~ N(0, I) shared by all runs.
    """
    optimizers = [make_optimizer(name, hyper) for name in names]
    w0 = jnp.broadcast_to(start.astype(jnp.float32), (len(names), 2))
    states = tuple(opt.init(w0[i]) for i, opt in enumerate(optimizers))
    noise = hyper.noise * gradient_noise(seed, CHUNKS * CHUNK).reshape(CHUNKS, CHUNK, 2)
    gradient = jax.vmap(jax.grad(surface.loss), in_axes=(0, None))

    def step(carry: tuple, eps: jax.Array) -> tuple:
        w, states = carry
        grad = gradient(w, knobs) + eps
        moved = [_apply(opt, grad[i], states[i], w[i]) for i, opt in enumerate(optimizers)]
        w = jnp.stack([m[0] for m in moved])
        return (w, tuple(m[1] for m in moved)), w

    def chunk(k: jax.Array, carry: tuple) -> tuple:
        state, history = carry
        state, block = jax.lax.scan(step, state, noise[k])
        return state, jax.lax.dynamic_update_index_in_dim(history, block, k, axis=0)

    history = jnp.full((CHUNKS, CHUNK, len(names), 2), jnp.nan, jnp.float32)
    n_chunks = (steps + CHUNK - 1) // CHUNK
    _, history = jax.lax.fori_loop(0, n_chunks, chunk, ((w0, states), history))
    positions = jnp.concatenate([w0[None], history.reshape(-1, len(names), 2)])[: MAX_STEPS + 1]
    losses = jax.vmap(jax.vmap(surface.loss, in_axes=(0, None)), in_axes=(0, None))(
        positions, knobs
    )
    return Trajectories(positions, losses)


def sweep_axes(name: str) -> tuple[str, np.ndarray, np.ndarray]:
    """The swept hyperparameter's name and the grids: SWEEP_SIZE log-spaced η, SWEEP_SIZE of it."""
    lrs = np.logspace(*np.log10(SWEEP_LR_RANGE), SWEEP_SIZE, dtype=np.float32)
    seconds = np.linspace(*SWEEP_SECOND_RANGE, SWEEP_SIZE, dtype=np.float32)
    return SWEEP_FIELD[name], lrs, seconds


@functools.partial(jax.jit, static_argnames=("surface", "name"))
def sweep_final_loss(
    surface: Surface,
    name: str,
    hyper: Hyper,
    knobs: jax.Array,
    start: jax.Array,
    steps: jax.Array,
    seed: jax.Array,
    lrs: jax.Array,
    seconds: jax.Array,
) -> jax.Array:
    """Final loss after `steps` (≤ SWEEP_STEPS) steps for every (η, second) pair, in one vmap.

    The second hyperparameter is SWEEP_FIELD[name] (γ, ρ or β₁). Runs that leave the surface's
    escape box or go non-finite give NaN. Returns shape (len(lrs), len(seconds)).
    """
    field = SWEEP_FIELD[name]
    noise = hyper.noise * gradient_noise(seed, SWEEP_STEPS)
    (x0, x1), (y0, y1) = surface.escape_box
    low = jnp.asarray([x0, y0], jnp.float32)
    high = jnp.asarray([x1, y1], jnp.float32)

    def final_loss(lr: jax.Array, second: jax.Array) -> jax.Array:
        optimizer = make_optimizer(name, hyper._replace(learning_rate=lr, **{field: second}))
        w0 = start.astype(jnp.float32)

        def step(t: jax.Array, carry: tuple) -> tuple:
            w, state, inside = carry
            grad = jax.grad(surface.loss)(w, knobs) + noise[t]
            w, state = _apply(optimizer, grad, state, w)
            inside = inside & jnp.all((w >= low) & (w <= high))
            return w, state, inside

        carry = (w0, optimizer.init(w0), jnp.asarray(True))
        w, _, inside = jax.lax.fori_loop(0, jnp.minimum(steps, SWEEP_STEPS), step, carry)
        loss = surface.loss(w, knobs)
        return jnp.where(inside & jnp.isfinite(loss), loss, jnp.nan)

    per_second = jax.vmap(final_loss, in_axes=(None, 0))
    return jax.vmap(per_second, in_axes=(0, None))(lrs, seconds)


class Curvature(NamedTuple):
    """Hessian eigenvalues, ascending (..., 2), and unit eigenvectors as columns (..., 2, 2)."""

    eigenvalues: jax.Array
    eigenvectors: jax.Array


def curvature(surface: Surface, knobs: jax.Array, points: jax.Array) -> Curvature:
    """Eigen-decomposition of ∇²L at each of `points` (m, 2).

    Plain gradient descent with step η is stable along an eigenvector with eigenvalue λ > 0
    only if η < 2/λ, since there w − w* is multiplied by (1 − ηλ) each step.
    """
    hessians = jax.vmap(jax.hessian(surface.loss), in_axes=(0, None))(points, knobs)
    hessians = 0.5 * (hessians + jnp.swapaxes(hessians, -1, -2))
    eigenvalues, eigenvectors = jnp.linalg.eigh(hessians)
    return Curvature(eigenvalues, eigenvectors)


GRID = 120


class Analysis(NamedTuple):
    """Everything the page draws, from one compiled call (see `analyse`)."""

    trajectories: Trajectories
    learning_rates: jax.Array
    grid_x: jax.Array
    grid_y: jax.Array
    grid_loss: jax.Array
    curvature: Curvature


@functools.partial(jax.jit, static_argnames=("surface", "names"))
def analyse(
    surface: Surface,
    names: tuple[str, ...],
    hyper: Hyper,
    knobs: jax.Array,
    start: jax.Array,
    steps: jax.Array,
    seed: jax.Array,
) -> Analysis:
    """Trajectories, the schedule η_t for t < MAX_STEPS, L on a GRID² grid over the surface's
    domain, and the curvature at the start (row 0) and at each optimizer's last point."""
    trajectories = run_trajectories(surface, names, hyper, knobs, start, steps, seed)
    learning_rates = learning_rate_at(jnp.arange(MAX_STEPS), hyper)
    xs, ys = grid(surface.domain, GRID)
    last = jax.lax.dynamic_index_in_dim(trajectories.positions, steps, keepdims=False)
    points = jnp.concatenate([start.astype(jnp.float32)[None], jnp.nan_to_num(last)])
    return Analysis(
        trajectories,
        learning_rates,
        xs,
        ys,
        evaluate_on_grid(surface.loss, knobs, xs, ys),
        curvature(surface, knobs, points),
    )


# --- What the page asks for, and what it gets back (plain values in, NumPy out). ---

CUSTOM = "custom"
SURFACE_CHOICES = (*SURFACES, CUSTOM)
FALLBACK_SURFACE = "bowl"
DEFAULT_EXPRESSION = "sin(x)*y + 0.1*(x^2+y^2)"
# Which controls only some runs read (see FACTORIES, learning_rate_at and the surfaces).
KNOBS_READ_BY = {
    "momentum": ("momentum",),
    "nesterov": ("momentum",),
    "rmsprop": ("rho",),
    "adam": ("beta1", "beta2"),
}
SCHEDULE_KNOBS = {
    "exponential": ("decay_rate", "decay_every"),
    "step": ("decay_rate", "decay_every"),
    "warmup": ("decay_every",),
}
OPTIONAL_KNOBS = frozenset(
    {"momentum", "rho", "beta1", "beta2", "decay_rate", "decay_every", "seed", "expression"}
    | {"condition", "rotation"}
)


@dataclasses.dataclass(frozen=True)
class Settings:
    """Every control of the page as plain, hashable values."""

    surface: str = "bowl"
    expression: str = DEFAULT_EXPRESSION
    condition: float = 10.0
    rotation: float = 30.0
    start_x: float = -1.5
    start_y: float = 1.5
    optimizers: tuple[str, ...] = ("sgd", "momentum", "adagrad", "adam", "normalised")
    learning_rate: float = 0.05
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    rho: float = 0.9
    clip: float = 0.0
    noise: float = 0.0
    schedule: str = "constant"
    decay_rate: float = 0.98
    decay_every: int = 10
    steps: int = 300
    seed: int = 0
    sweep: str = "momentum"

    def for_runs(self) -> "Settings":
        """The cache key of `explore_all`: the runs of every optimizer, with each knob that no
        shown optimizer reads at its default. Ticking an optimizer whose knobs are untouched, or
        moving a knob nothing shown reads, then reuses the cached runs."""
        return dataclasses.replace(self.unread_at_defaults(self.optimizers), optimizers=())

    def unread_at_defaults(self, optimizers: Sequence[str]) -> "Settings":
        """These settings with each control that runs of `optimizers` do not read at its default."""
        unread = self.unread_by(optimizers)
        return dataclasses.replace(self, **{name: getattr(Settings, name) for name in unread})

    def unread_by(self, optimizers: Sequence[str]) -> frozenset[str]:
        """The controls that runs of `optimizers` do not read under these settings."""
        read = {knob for name in optimizers for knob in KNOBS_READ_BY.get(name, ())}
        read |= set(SCHEDULE_KNOBS.get(self.schedule, ()))
        if self.noise > 0:
            read.add("seed")
        if self.surface == CUSTOM:
            read.add("expression")
        if self.surface not in SURFACES or self.surface == FALLBACK_SURFACE:
            read |= {"condition", "rotation"}  # the bowl's; a rejected expression falls back to it
        return OPTIONAL_KNOBS - read

    @property
    def swept(self) -> str:
        """The heatmap's optimizer (momentum for a name that has no heatmap)."""
        return self.sweep if self.sweep in SWEEP_FIELD else "momentum"

    def unused(self) -> frozenset[str]:
        """The controls that neither the shown runs nor the heatmap read: moving them changes
        nothing on the page."""
        by_heatmap = self.unread_by((self.swept,)) | {SWEEP_FIELD[self.swept]}
        return self.unread_by(self.optimizers) & by_heatmap


def hyper_of(settings: Settings) -> Hyper:
    """The traced numbers: float32 (and one int32) NumPy scalars, so jit never sees a new value
    as a new program. Clipping θ = 0 means off (θ = ∞)."""
    f32 = np.float32
    return Hyper(
        learning_rate=f32(settings.learning_rate),
        momentum=f32(settings.momentum),
        beta1=f32(settings.beta1),
        beta2=f32(settings.beta2),
        rho=f32(settings.rho),
        clip_norm=f32(settings.clip if settings.clip > 0 else NO_CLIPPING),
        noise=f32(settings.noise),
        decay_rate=f32(settings.decay_rate),
        decay_every=f32(settings.decay_every),
        total_steps=f32(settings.steps),
        schedule=np.int32(SCHEDULES.index(settings.schedule)),
    )


@dataclasses.dataclass(frozen=True)
class Run:
    """One optimizer's run, cut before its first non-finite or escaped step."""

    name: str
    label: str
    index: int  # position in OPTIMIZERS (a stable colour for the page)
    path: np.ndarray  # (k + 1, 2)
    loss: np.ndarray  # (k + 1,)
    diverged_at: int | None


@dataclasses.dataclass(frozen=True)
class CurvatureReport:
    """The Hessian at one point: eigenvalues ascending, eigenvectors as columns."""

    where: str
    point: np.ndarray
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray

    @property
    def condition_number(self) -> float:
        """|λ|max / |λ|min (∞ when an eigenvalue is 0)."""
        magnitudes = np.abs(self.eigenvalues)
        return float(magnitudes.max() / magnitudes.min()) if magnitudes.min() > 0 else np.inf

    @property
    def stable_learning_rate(self) -> float:
        """2/λmax: plain gradient descent diverges here with a larger step (∞ if λmax ≤ 0)."""
        top = float(self.eigenvalues.max())
        return 2.0 / top if top > 0 else np.inf


@dataclasses.dataclass(frozen=True)
class Exploration:
    """What the page shows, as NumPy arrays and plain values."""

    surface: str
    formula: str
    domain: tuple[tuple[float, float], tuple[float, float]]
    minima: np.ndarray  # (m, 2)
    floor: float  # L*: the known minimum, or the lowest value seen
    start: np.ndarray
    runs: tuple[Run, ...]
    learning_rates: np.ndarray  # (steps,)
    grid_x: np.ndarray
    grid_y: np.ndarray
    grid_loss: np.ndarray  # (len(grid_y), len(grid_x))
    curvature: tuple[CurvatureReport, ...]
    notes: tuple[str, ...] = ()
    expression_error: str | None = None
    expression_pointer: str | None = None
    known_min: float | None = None  # the surface's minimum value, where known
    hessians: Curvature | None = None  # at the start (row 0) and each optimizer's last point


def resolve_surface(settings: Settings) -> tuple[Surface, ExpressionError | None]:
    """The chosen surface; for a rejected custom expression, the fallback bowl and the error."""
    if settings.surface != CUSTOM:
        return SURFACES.get(settings.surface, SURFACES[FALLBACK_SURFACE]), None
    try:
        return custom_surface(settings.expression), None
    except ExpressionError as error:
        return SURFACES[FALLBACK_SURFACE], error


def clamp_start(surface: Surface, x: float, y: float) -> tuple[np.ndarray, str | None]:
    """The start point moved inside the surface's domain, with a note when it had to move."""
    (x0, x1), (y0, y1) = surface.domain
    start = np.array([min(max(x, x0), x1), min(max(y, y0), y1)], np.float32)
    if np.allclose(start, [x, y]):
        return start, None
    where = f"({start[0]:g}, {start[1]:g})"
    return start, f"The start point was moved into the {surface.label} region: {where}."


def explore(settings: Settings) -> Exploration:
    """Runs every optimizer on the chosen surface and gathers what the page draws."""
    return showing(explore_all(settings), settings.optimizers)


def showing(result: Exploration, names: Sequence[str]) -> Exploration:
    """`result` with only the runs of `names`: the floor and the found minimum among them."""
    runs = tuple(run for run in result.runs if run.name in names)
    return dataclasses.replace(
        result,
        runs=runs,
        floor=_floor(result.known_min, result.grid_loss, runs),
        curvature=_curvature_reports(result.hessians, result.start, runs),
    )


def explore_all(settings: Settings) -> Exploration:
    """Every optimizer's run (all of them are computed in one call anyway); `showing` picks.

    Reads only what `settings.for_runs()` keeps of the runs it is then asked to show."""
    surface, error = resolve_surface(settings)
    start, note = clamp_start(surface, settings.start_x, settings.start_y)
    steps = int(min(max(settings.steps, 1), MAX_STEPS))
    analysis = analyse(
        surface,
        OPTIMIZERS,  # all of them, always: ticking another optimizer compiles nothing
        hyper_of(settings),
        knobs_of(settings.condition, settings.rotation),
        start,
        np.int32(steps),
        np.int32(settings.seed),
    )
    analysis = jax.tree.map(np.asarray, analysis)
    runs = tuple(
        _cut(surface, name, analysis.trajectories, i, steps) for i, name in enumerate(OPTIMIZERS)
    )
    everything = Exploration(
        surface=surface.label,
        formula=surface.formula,
        domain=surface.domain,
        minima=np.asarray(surface.minima, np.float32).reshape(-1, 2),
        floor=np.nan,  # with the curvature reports, filled in by `showing`
        start=start,
        runs=runs,
        learning_rates=analysis.learning_rates[:steps],
        grid_x=analysis.grid_x,
        grid_y=analysis.grid_y,
        grid_loss=analysis.grid_loss,
        curvature=(),
        notes=tuple(n for n in (note,) if n),
        expression_error=None if error is None else error.message,
        expression_pointer=None if error is None else error.pointer(),
        known_min=None if surface.min_value is None else float(surface.min_value),
        hessians=analysis.curvature,
    )
    return showing(everything, OPTIMIZERS)


def _cut(surface: Surface, name: str, trajectories: Trajectories, i: int, steps: int) -> Run:
    """Run i up to `steps`, cut before its first non-finite step or its first step out of bounds."""
    path = trajectories.positions[: steps + 1, i]
    loss = trajectories.losses[: steps + 1, i]
    (x0, x1), (y0, y1) = surface.escape_box
    with np.errstate(invalid="ignore"):
        inside = (path[:, 0] >= x0) & (path[:, 0] <= x1) & (path[:, 1] >= y0) & (path[:, 1] <= y1)
    bad = ~(np.isfinite(path).all(axis=1) & np.isfinite(loss) & inside)
    if not bad.any():
        return Run(name, LABELS[name], i, path, loss, None)
    k = int(np.argmax(bad))
    keep = max(k, 1)  # always at least the start point, so no chart is ever empty
    return Run(name, LABELS[name], i, path[:keep], loss[:keep], k)


def _floor(known_min: float | None, grid_loss: np.ndarray, runs: Sequence[Run]) -> float:
    """L*: the surface's known minimum, else the lowest value on the grid or along any run."""
    if known_min is not None:
        return known_min
    seen = [grid_loss[np.isfinite(grid_loss)]] + [r.loss[np.isfinite(r.loss)] for r in runs]
    return float(np.min(np.concatenate(seen)))


def _curvature_reports(
    curvature_: Curvature, start: np.ndarray, runs: Sequence[Run]
) -> tuple[CurvatureReport, ...]:
    """At the start, and at the end of the finished run with the lowest final loss (if any)."""
    reports = [
        CurvatureReport("start", start, curvature_.eigenvalues[0], curvature_.eigenvectors[0])
    ]
    finished = [(r.loss[-1], j, r) for j, r in enumerate(runs) if r.diverged_at is None]
    if finished:
        *_, best = min(finished, key=lambda item: item[:2])
        row = 1 + best.index
        reports.append(
            CurvatureReport(
                f"found minimum ({best.label})",
                best.path[-1],
                curvature_.eigenvalues[row],
                curvature_.eigenvectors[row],
            )
        )
    return tuple(reports)


@dataclasses.dataclass(frozen=True)
class Sweep:
    """Final loss over η × a second hyperparameter; final_loss[j, i] is for seconds[j], lrs[i]."""

    optimizer: str
    label: str
    field: str
    field_label: str
    learning_rates: np.ndarray
    seconds: np.ndarray
    final_loss: np.ndarray  # NaN: diverged
    steps: int


def sweep_settings(settings: Settings) -> Settings:
    """The settings with what the sweep ignores reset, so the page's cache serves a dragged η
    (and any knob the swept optimizer does not read)."""
    name = settings.swept
    return dataclasses.replace(
        settings.unread_at_defaults((name,)),
        learning_rate=Settings.learning_rate,
        optimizers=(),
        **{SWEEP_FIELD[name]: 0.0},
    )


def sweep(settings: Settings) -> Sweep:
    """The SWEEP_SIZE² heatmap for `settings.sweep`, each run min(steps, SWEEP_STEPS) steps."""
    name = settings.swept
    surface, _ = resolve_surface(settings)
    start, _ = clamp_start(surface, settings.start_x, settings.start_y)
    field, lrs, seconds = sweep_axes(name)
    final = sweep_final_loss(
        surface,
        name,
        hyper_of(settings),
        knobs_of(settings.condition, settings.rotation),
        start,
        np.int32(min(max(settings.steps, 1), SWEEP_STEPS)),
        np.int32(settings.seed),
        lrs,
        seconds,
    )
    return Sweep(
        optimizer=name,
        label=LABELS[name],
        field=field,
        field_label=SWEEP_FIELD_LABEL[field],
        learning_rates=np.asarray(lrs),
        seconds=np.asarray(seconds),
        final_loss=np.asarray(final).T,
        steps=min(max(settings.steps, 1), SWEEP_STEPS),
    )
