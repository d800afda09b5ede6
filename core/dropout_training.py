"""Train every (dropout rate × seed) network at once and measure what dropout does.

All runs are stacked along one axis and trained by one jitted, vmapped `lax.scan` over epochs,
`CHUNK_EPOCHS` epochs per call, so a page can draw a progress bar and live curves between
chunks; more epochs means more chunks, never a new compilation. Inside an epoch a scan walks
over the padded training set in minibatches; steps past the true training-set size are skipped
by a `lax.cond` whose predicate is shared by all runs (so it stays a real branch under `vmap`).

Runs with the same seed index share their initial weights and batch order across rates
(common random numbers): differences between rates are then due to the rate, not the draw.

The number of runs is not structural either: runs sit in RUN_SLOTS fixed slots, and a scan walks
them RUN_GROUP at a time (vmapped inside a group), skipping the groups past the real runs with a
`lax.cond`. Adding a rate or a seed therefore compiles nothing, and a group holding no real
run costs nothing (a partly used group is trained whole).

Reference case (the defaults, asserted by the tests): digits, 100 training images of which 20%
carry a wrong label, 300 clean validation images, 2 × 256 ReLU units, Adam 1e-3, batch 32, 100
epochs, rates 0 / 0.2 / 0.5 / 0.8 × 3 seeds. Training accuracy measured with dropout on falls
with the rate (≈ 1.00, 1.00, 0.89, 0.52) and the generalization gap (training accuracy with
dropout off − validation accuracy) shrinks from ≈ 0.29 at p = 0 to ≈ 0.22 at p = 0.5 (seed
std ≈ 0.01). With clean labels every rate fits the training set and the gaps differ by less
than the seed noise (≈ 0.10–0.12 at every rate), so the label noise is what makes the effect real.
"""

import dataclasses
import functools
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import flax.serialization
import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx

from core import datasets, mlp

CHUNK_EPOCHS = 10
MAX_EPOCHS = 500
MAX_RATES = 5
MAX_SEEDS = 5
RUN_GROUP = 4  # runs vmapped together; a group is skipped whole when it holds no real run
RUN_SLOTS = -(-MAX_RATES * MAX_SEEDS // RUN_GROUP) * RUN_GROUP
EVAL_BLOCK = 128
MC_SAMPLES = 16
GRID_SIZE = 48
METRICS = (
    "train_loss_dropout",
    "train_acc_dropout",
    "train_loss",
    "train_acc",
    "val_loss",
    "val_acc",
)

OPTIMIZERS: dict[str, Callable[[jax.Array], optax.GradientTransformation]] = {
    "adam": optax.adam,
    "sgd": optax.sgd,
    "momentum": lambda lr: optax.sgd(lr, momentum=0.9),
    "rmsprop": optax.rmsprop,
    "adagrad": optax.adagrad,
}
BATCH_SIZES = (16, 32, 64, 128, datasets.TRAIN_MAX)


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything that decides a training sweep (plain, hashable values).

    Structural (compiled once per value): dataset, layers, width, activation, optimizer and
    batch_size. Everything else, the numbers of rates (≤ MAX_RATES) and seeds (≤ MAX_SEEDS)
    included, is traced.
    `batch_size` must divide TRAIN_MAX; TRAIN_MAX itself means full batch.
    """

    dataset: str = "digits"
    n_train: int = 100
    val_share: float = 0.75
    noise: float = 0.0
    label_noise: float = 0.2
    layers: int = 2
    width: int = 256
    activation: str = "relu"
    optimizer: str = "adam"
    lr: float = 1e-3
    l2: float = 0.0
    batch_size: int = 32
    epochs: int = 100
    rates: tuple[float, ...] = (0.0, 0.2, 0.5, 0.8)
    seeds: int = 3
    seed: int = 0

    @property
    def arch(self) -> mlp.Architecture:
        info = datasets.DATASETS[self.dataset]
        return mlp.Architecture(
            info.in_features, info.n_classes, self.layers, self.width, self.activation
        )


class Hyper(NamedTuple):
    """Traced hyperparameters shared by every run: learning rate, L2 weight λ, epochs."""

    lr: jax.Array
    l2: jax.Array
    n_epochs: jax.Array


class Runs(NamedTuple):
    """The state of stacked runs: rates × seeds real ones (rate-major), then padding slots."""

    params: nnx.State
    rest: nnx.State
    opt_state: Any
    order_key: jax.Array


@dataclasses.dataclass(frozen=True)
class Result:
    """A finished sweep, as NumPy.

    Attributes:
      rates: (R,) dropout rates; history[m]: (R, S, E) per metric m in METRICS.
      diverged_at: (R, S) first epoch (1-based) with a non-finite loss, 0 if none; the
        history from that epoch on is NaN.
      best_epoch: (R,) epoch of least mean validation loss (early stopping).
      gap: (R, S) final train accuracy (dropout off) − validation accuracy.
      confusion: (R, C, C) validation counts (true row, predicted column), mean over seeds.
      val_uncertainty, val_correct: (R, n_val) MC-dropout std of the predicted class's
        probability and whether the prediction is right (first seed of each rate).
      grid_x, grid_y: (G,) and grid_class, grid_uncertainty: (R, G, G) for planar data.
      weights: per rate, msgpack bytes of the first seed's network.
    """

    settings: Settings
    rates: np.ndarray
    history: dict[str, np.ndarray]
    diverged_at: np.ndarray
    best_epoch: np.ndarray
    gap: np.ndarray
    confusion: np.ndarray
    val_uncertainty: np.ndarray
    val_correct: np.ndarray
    x_train: np.ndarray
    y_train: np.ndarray
    flipped: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    class_names: tuple[str, ...]
    grid_x: np.ndarray | None
    grid_y: np.ndarray | None
    grid_class: np.ndarray | None
    grid_uncertainty: np.ndarray | None
    weights: tuple[bytes, ...]
    notes: tuple[str, ...]

    @property
    def epochs(self) -> np.ndarray:
        return np.arange(1, self.history["val_acc"].shape[-1] + 1)

    def table(self) -> dict[str, np.ndarray]:
        """Every metric in long format: one row per (rate, seed, epoch)."""
        _, n_seeds, n_epochs = self.history["val_acc"].shape
        rate, seed, epoch = np.meshgrid(
            self.rates, np.arange(n_seeds), np.arange(1, n_epochs + 1), indexing="ij"
        )
        columns = {"dropout_rate": rate, "seed_index": seed, "epoch": epoch}
        columns |= {name: self.history[name] for name in METRICS}
        return {name: values.ravel() for name, values in columns.items()}


@dataclasses.dataclass(frozen=True)
class Progress:
    """Where a sweep stands after a chunk: history so far, and the result once finished."""

    epochs_done: int
    epochs_total: int
    rates: np.ndarray
    history: dict[str, np.ndarray]
    result: Result | None = None


def train_in_chunks(settings: Settings) -> Iterator[Progress]:
    """Trains the sweep CHUNK_EPOCHS at a time, yielding progress; the last item has `result`."""
    settings = sanitize(settings)
    n_train, n_val, note = datasets.split_sizes(
        settings.dataset, settings.n_train, settings.val_share
    )
    data = datasets.make_dataset(
        settings.dataset, settings.seed, n_train, n_val, settings.noise, settings.label_noise
    )
    hyper = Hyper(
        jnp.asarray(settings.lr, jnp.float32),
        jnp.asarray(settings.l2, jnp.float32),
        jnp.asarray(settings.epochs, jnp.int32),
    )
    rates = np.asarray(settings.rates, np.float64)
    seed_index, slot_rates, n_runs = run_slots(rates, settings.seeds)
    runs = init_runs(
        jnp.asarray(settings.seed, jnp.uint32),
        seed_index,  # NumPy straight in: jnp.asarray would compile a program per shape
        slot_rates,
        arch=settings.arch,
        optimizer=settings.optimizer,
    )
    chunks = []
    for first in range(0, settings.epochs, CHUNK_EPOCHS):
        runs, history = train_chunk(
            runs,
            data,
            hyper,
            jnp.asarray(first, jnp.int32),
            jnp.asarray(n_runs, jnp.int32),
            arch=settings.arch,
            optimizer=settings.optimizer,
            batch_size=settings.batch_size,
        )
        chunks.append(np.asarray(history)[:n_runs])
        done = min(first + CHUNK_EPOCHS, settings.epochs)
        so_far = _by_metric(np.concatenate(chunks, axis=1)[:, :done], len(rates))
        if done < settings.epochs:
            yield Progress(done, settings.epochs, rates, so_far)
    result = _finish(settings, runs, data, rates, so_far, (note,) if note else ())
    yield Progress(settings.epochs, settings.epochs, rates, so_far, result)


def explore(settings: Settings) -> Result:
    """The whole sweep at once (what tests and benchmarks call)."""
    *_, last = train_in_chunks(settings)
    return last.result


def run_slots(rates: np.ndarray, seeds: int) -> tuple[np.ndarray, np.ndarray, int]:
    """(seed index, rate) of every slot and the number of real runs, rate-major.

    Padding slots repeat the first run's draw; they are never trained or reported.
    """
    n_runs = len(rates) * seeds
    seed_index = np.zeros(RUN_SLOTS, np.int32)
    slot_rates = np.zeros(RUN_SLOTS, np.float32)
    seed_index[:n_runs] = np.tile(np.arange(seeds, dtype=np.int32), len(rates))
    slot_rates[:n_runs] = np.repeat(rates, seeds)
    return seed_index, slot_rates, n_runs


def sanitize(settings: Settings) -> Settings:
    """Settings clamped to what the core supports (the page's controls already do this)."""
    rates = tuple(sorted({min(max(float(r), 0.0), 0.95) for r in settings.rates}))[:MAX_RATES]
    rates = rates or (0.0,)
    batch = settings.batch_size if settings.batch_size in BATCH_SIZES else 32
    return dataclasses.replace(
        settings,
        epochs=int(min(max(settings.epochs, 1), MAX_EPOCHS)),
        rates=rates,
        seeds=int(min(max(settings.seeds, 1), MAX_SEEDS)),
        batch_size=batch,
        layers=int(min(max(settings.layers, 1), 6)),
    )


# -- jitted building blocks ------------------------------------------------------------------


@functools.partial(jax.jit, static_argnames=("arch", "optimizer"))
def init_runs(
    seed: jax.Array, seed_index: jax.Array, rates: jax.Array, *, arch, optimizer: str
) -> Runs:
    """N new runs: run i has dropout rate rates[i] and draws from seed index seed_index[i].

    Args:
      seed: () uint32, the seed control.
      seed_index: (N,) int32; runs with equal index share initial weights and batch order.
      rates: (N,) float32 dropout rates.
    """
    base = jax.random.fold_in(jax.random.key(seed), 1)

    def one(index, rate):
        model_key, order_key = jax.random.split(jax.random.fold_in(base, index))
        params, rest = mlp.init_state(arch, model_key, rate)
        # The optimizer's state does not depend on the learning rate; any value builds it.
        opt_state = OPTIMIZERS[optimizer](jnp.float32(1.0)).init(params)
        return Runs(params, rest, opt_state, order_key)

    return jax.vmap(one)(seed_index, rates)


# `runs` is donated: the chunk's new weights and optimizer state reuse its buffers, so a sweep
# holds one copy of them, not two (112 MB each at 6 layers × 256 units, 20 runs).
@functools.partial(
    jax.jit, static_argnames=("arch", "optimizer", "batch_size"), donate_argnames="runs"
)
def train_chunk(
    runs: Runs,
    data: datasets.Dataset,
    hyper: Hyper,
    first_epoch: jax.Array,
    n_runs: jax.Array,
    *,
    arch: mlp.Architecture,
    optimizer: str,
    batch_size: int,
) -> tuple[Runs, jax.Array]:
    """CHUNK_EPOCHS epochs of the first n_runs runs; epochs ≥ hyper.n_epochs are skipped.

    Returns:
      (runs, history): history is (slots, CHUNK_EPOCHS, len(METRICS)), NaN for skipped epochs
      and for slots in groups past n_runs (those runs come back unchanged).
    """

    def one_run(run: Runs) -> tuple[Runs, jax.Array]:
        def epoch_step(run, epoch):
            return jax.lax.cond(
                epoch < hyper.n_epochs,
                lambda r: _epoch(r, epoch, data, hyper, arch, optimizer, batch_size),
                lambda r: (r, jnp.full(len(METRICS), jnp.nan, jnp.float32)),
                run,
            )

        epochs = first_epoch + jnp.arange(CHUNK_EPOCHS, dtype=jnp.int32)
        return jax.lax.scan(epoch_step, run, epochs)

    def skipped(run: Runs) -> tuple[Runs, jax.Array]:
        return run, jnp.full((CHUNK_EPOCHS, len(METRICS)), jnp.nan, jnp.float32)

    return map_run_groups(one_run, skipped, runs, n_runs)


def map_run_groups(fn, skipped, runs, n_runs: jax.Array):
    """vmap(fn) over runs, RUN_GROUP at a time; groups holding no run below n_runs get `skipped`.

    A scan over groups with a real branch per group: the compiled program is the same for any
    number of runs, and the cost follows the number of groups in use.
    """
    slots = jax.tree.leaves(runs)[0].shape[0]
    padded = -(-slots // RUN_GROUP) * RUN_GROUP
    grouped = jax.tree.map(
        lambda a: _pad_rows(a, padded).reshape(-1, RUN_GROUP, *a.shape[1:]), runs
    )

    def group(_, xs):
        index, members = xs
        in_use = index * RUN_GROUP < n_runs
        return None, jax.lax.cond(in_use, jax.vmap(fn), jax.vmap(skipped), members)

    _, out = jax.lax.scan(group, None, (jnp.arange(padded // RUN_GROUP), grouped))
    return jax.tree.map(lambda a: a.reshape(padded, *a.shape[2:])[:slots], out)


def _pad_rows(a: jax.Array, rows: int) -> jax.Array:
    """`a` with copies of its first row appended up to `rows` rows."""
    extra = rows - a.shape[0]
    return a if extra == 0 else jnp.concatenate([a, jnp.repeat(a[:1], extra, axis=0)])


def _epoch(run, epoch, data, hyper, arch, optimizer, batch_size):
    """One pass over the training set in shuffled minibatches, then evaluation (dropout off)."""
    tx = OPTIMIZERS[optimizer](hyper.lr)
    order = _shuffled_order(jax.random.fold_in(run.order_key, epoch), data.n_train)
    grad_fn = jax.value_and_grad(_loss, has_aux=True)

    def step(s, carry):
        params, rest, opt_state, sums = carry
        rows = jax.lax.dynamic_slice_in_dim(order, s * batch_size, batch_size)
        positions = s * batch_size + jnp.arange(batch_size, dtype=jnp.int32)
        weight = (positions < data.n_train).astype(jnp.float32)
        batch = (data.x_train[rows], data.y_train[rows], weight)
        (_, (rest, batch_sums)), grads = grad_fn(params, rest, batch, hyper.l2, arch)
        # optax's Adam bias correction computes decay ** count (float ** int32), which strict
        # dtype promotion rejects; it is exact either way, so allow it here only.
        with jax.numpy_dtype_promotion("standard"):
            updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), rest, opt_state, sums + batch_sums

    # A loop bound shared by all runs stays a real loop under vmap: cost follows n_train.
    n_steps = (data.n_train + batch_size - 1) // batch_size
    start = (run.params, run.rest, run.opt_state, jnp.zeros(2, jnp.float32))
    params, rest, opt_state, sums = jax.lax.fori_loop(0, n_steps, step, start)
    n_train = data.n_train.astype(jnp.float32)
    train = _evaluate(arch, params, rest, data.x_train, data.y_train, data.n_train)
    val = _evaluate(arch, params, rest, data.x_val, data.y_val, data.n_val)
    metrics = jnp.concatenate([sums / n_train, train, val])
    return Runs(params, rest, opt_state, run.order_key), metrics


def _loss(params, rest, batch, l2, arch):
    """Masked mean cross-entropy with dropout on, + (λ/2)·Σw²; aux: new rest, (Σce, Σcorrect)."""
    x, y, weight = batch
    logits, rest = mlp.apply(arch, params, rest, x, train=True)
    ce = optax.softmax_cross_entropy_with_integer_labels(logits, y)
    correct = (jnp.argmax(logits, axis=-1) == y).astype(jnp.float32)
    data_loss = jnp.sum(ce * weight) / jnp.maximum(jnp.sum(weight), 1.0)
    loss = data_loss + 0.5 * l2 * mlp.l2_penalty(params)
    return loss, (rest, jnp.stack([jnp.sum(ce * weight), jnp.sum(correct * weight)]))


def _shuffled_order(key: jax.Array, n: jax.Array) -> jax.Array:
    """A random order of the first n rows, followed by the padding rows."""
    scores = jax.random.uniform(key, (datasets.TRAIN_MAX,))
    valid = jnp.arange(datasets.TRAIN_MAX) < n
    return jnp.argsort(jnp.where(valid, scores, jnp.float32(2.0)))


def _evaluate(arch, params, rest, x, y, n) -> jax.Array:
    """[mean cross-entropy, accuracy] over the first n rows, dropout off.

    A loop over the EVAL_BLOCK-row blocks that hold real rows only (its trip count is traced
    and shared by all runs, so it stays a loop under vmap): the cost follows n.
    """

    def block(i, sums):
        xb = jax.lax.dynamic_slice_in_dim(x, i * EVAL_BLOCK, EVAL_BLOCK)
        yb = jax.lax.dynamic_slice_in_dim(y, i * EVAL_BLOCK, EVAL_BLOCK)
        logits, _ = mlp.apply(arch, params, rest, xb, train=False)
        ce = optax.softmax_cross_entropy_with_integer_labels(logits, yb)
        correct = (jnp.argmax(logits, axis=-1) == yb).astype(jnp.float32)
        weight = (i * EVAL_BLOCK + jnp.arange(EVAL_BLOCK) < n).astype(jnp.float32)
        return sums + jnp.stack([jnp.sum(ce * weight), jnp.sum(correct * weight)])

    n_blocks = (n + EVAL_BLOCK - 1) // EVAL_BLOCK
    sums = jax.lax.fori_loop(0, n_blocks, block, jnp.zeros(2, jnp.float32))
    return sums / n.astype(jnp.float32)


def map_valid_rows(fn, arrays: tuple[jax.Array, ...], n: jax.Array, block: int = EVAL_BLOCK):
    """fn over the rows of `arrays` in blocks, skipping blocks that start at or past row n.

    fn maps (block, ...) arrays to a pytree of (block, ...) arrays; skipped blocks give zeros.
    The cost follows the true size n rather than the padded size.
    """
    total = arrays[0].shape[0]
    blocks = tuple(a.reshape(total // block, block, *a.shape[1:]) for a in arrays)
    shapes = jax.eval_shape(fn, *(b[0] for b in blocks))

    def body(_, xs):
        index, args = xs

        def zeros(_):
            return jax.tree.map(lambda s: jnp.zeros(s.shape, s.dtype), shapes)

        return None, jax.lax.cond(index * block < n, lambda a: fn(*a), zeros, args)

    indices = jnp.arange(total // block, dtype=jnp.int32)
    _, out = jax.lax.scan(body, None, (indices, blocks))
    return jax.tree.map(lambda o: o.reshape(total, *o.shape[2:]), out)


def mc_dropout(arch, params, rest, x, samples: int = MC_SAMPLES) -> tuple[jax.Array, jax.Array]:
    """MC dropout: the class predicted with dropout off, and the std of its probability.

    std_t p_t(ĉ | x) over `samples` forward passes with dropout on (a fresh mask each pass).
    Reference: Gal & Ghahramani, "Dropout as a Bayesian approximation", ICML 2016.

    Returns:
      (ĉ, std): both (batch,).
    """
    logits, _ = mlp.apply(arch, params, rest, x, train=False)
    predicted = jnp.argmax(logits, axis=-1)

    def sample(rest, _):
        logits, rest = mlp.apply(arch, params, rest, x, train=True)
        return rest, jax.nn.softmax(logits)

    _, probs = jax.lax.scan(sample, rest, None, length=samples)
    chosen = jnp.take_along_axis(probs, predicted[None, :, None], axis=-1)[..., 0]
    return predicted, jnp.std(chosen, axis=0)


@functools.partial(jax.jit, static_argnames=("arch", "planar"))
def inspect_runs(
    runs: Runs,
    data: datasets.Dataset,
    grid_points: jax.Array,
    n_runs: jax.Array,
    firsts: jax.Array,
    *,
    arch: mlp.Architecture,
    planar: bool,
) -> dict[str, jax.Array]:
    """Confusion matrices of the first n_runs runs; MC-dropout views of the runs `firsts`
    (each rate's first seed, padded to MAX_RATES)."""

    def confusion(params, rest):
        def per_row(xb):
            return jnp.argmax(mlp.apply(arch, params, rest, xb, train=False)[0], axis=-1)

        predicted = map_valid_rows(per_row, (data.x_val,), data.n_val)
        truth = jax.nn.one_hot(data.y_val, arch.n_classes) * data.val_mask[:, None].astype(
            jnp.float32
        )
        return truth.T @ jax.nn.one_hot(predicted, arch.n_classes)

    def uncertainty(params, rest):
        def per_row(xb, yb):
            predicted, std = mc_dropout(arch, params, rest, xb)
            return std, predicted == yb

        std, correct = map_valid_rows(per_row, (data.x_val, data.y_val), data.n_val)
        views = {"val_uncertainty": std, "val_correct": correct}
        if planar:
            views["grid_class"], views["grid_uncertainty"] = mc_dropout(
                arch, params, rest, grid_points
            )
        return views

    chosen = jax.tree.map(lambda a: a[firsts], (runs.params, runs.rest))
    out = jax.vmap(uncertainty)(*chosen)
    out["confusion"] = map_run_groups(
        lambda run: confusion(run.params, run.rest),
        lambda run: jnp.zeros((arch.n_classes, arch.n_classes), jnp.float32),
        runs,
        n_runs,
    )
    return out


# -- turning the trained runs into a Result --------------------------------------------------


def _by_metric(history: np.ndarray, n_rates: int) -> dict[str, np.ndarray]:
    """(N, E, M) → {metric: (R, S, E)}."""
    runs, epochs, _ = history.shape
    shaped = history.reshape(n_rates, runs // n_rates, epochs, len(METRICS))
    return {name: shaped[..., i] for i, name in enumerate(METRICS)}


def cut_divergence(history: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """History with NaN from each run's first non-finite loss on; (R, S) 1-based epoch or 0."""
    losses = np.stack([history[m] for m in METRICS if "loss" in m])
    bad = ~np.isfinite(losses).all(axis=0)
    first = np.where(bad.any(axis=-1), bad.argmax(axis=-1) + 1, 0)
    epoch = np.arange(1, bad.shape[-1] + 1)
    dead = (first[..., None] > 0) & (epoch >= first[..., None])
    return {m: np.where(dead, np.nan, h) for m, h in history.items()}, first


def _finish(settings, runs, data, rates, history, notes) -> Result:
    info = datasets.DATASETS[settings.dataset]
    history, diverged_at = cut_divergence(history)
    n_train, n_val = int(data.n_train), int(data.n_val)
    x_train = np.asarray(data.x_train)[:n_train]
    bound = float(max(1.5, np.abs(x_train).max(initial=0.0) * 1.1)) if info.planar else 1.0
    axis = np.linspace(-bound, bound, GRID_SIZE, dtype=np.float32)
    grid = np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2)
    n_runs = len(rates) * settings.seeds
    firsts = np.zeros(MAX_RATES, np.int32)
    firsts[: len(rates)] = np.arange(len(rates)) * settings.seeds
    views = jax.tree.map(
        np.asarray,
        inspect_runs(
            runs,
            data,
            grid,
            jnp.asarray(n_runs, jnp.int32),
            firsts,
            arch=settings.arch,
            planar=info.planar,
        ),
    )
    views = {k: v[:n_runs] if k == "confusion" else v[: len(rates)] for k, v in views.items()}
    best = np.array([_best_epoch(v) for v in history["val_loss"]])
    confusion = views["confusion"].reshape(
        len(rates), settings.seeds, *views["confusion"].shape[1:]
    )
    grid_shape = (len(rates), GRID_SIZE, GRID_SIZE)
    return Result(
        settings=settings,
        rates=rates,
        history=history,
        diverged_at=diverged_at,
        best_epoch=best,
        gap=history["train_acc"][..., -1] - history["val_acc"][..., -1],
        confusion=confusion.mean(axis=1),
        val_uncertainty=views["val_uncertainty"][:, :n_val],
        val_correct=views["val_correct"][:, :n_val],
        x_train=x_train,
        y_train=np.asarray(data.y_train)[:n_train],
        flipped=np.asarray(data.flipped)[:n_train],
        x_val=np.asarray(data.x_val)[:n_val],
        y_val=np.asarray(data.y_val)[:n_val],
        class_names=info.class_names,
        grid_x=axis if info.planar else None,
        grid_y=axis if info.planar else None,
        grid_class=views["grid_class"].reshape(grid_shape) if info.planar else None,
        grid_uncertainty=views["grid_uncertainty"].reshape(grid_shape) if info.planar else None,
        weights=_weights(settings, runs, rates),
        notes=notes,
    )


def _best_epoch(val_loss: np.ndarray) -> int:
    """1-based epoch of least validation loss averaged over seeds (epochs where all are finite)."""
    mean = val_loss.mean(axis=0)
    if not np.isfinite(mean).any():
        return 0
    return int(np.nanargmin(np.where(np.isfinite(mean), mean, np.nan))) + 1


def _weights(settings: Settings, runs: Runs, rates: np.ndarray) -> tuple[bytes, ...]:
    """msgpack of each rate's first-seed network: params, rate and architecture."""
    params = jax.tree.map(np.asarray, runs.params)
    blobs = []
    for i, rate in enumerate(rates):
        one = jax.tree.map(lambda a, i=i: a[i * settings.seeds], params)
        blobs.append(
            flax.serialization.msgpack_serialize(
                {
                    "params": nnx.to_pure_dict(one),
                    "dropout_rate": float(rate),
                    "architecture": dataclasses.asdict(settings.arch),
                }
            )
        )
    return tuple(blobs)


def load_weights(blob: bytes) -> tuple[mlp.Architecture, nnx.State]:
    """The architecture and parameters stored by a weights download."""
    restored = flax.serialization.msgpack_restore(blob)
    arch = mlp.Architecture(**restored["architecture"])
    _, params, _ = nnx.split(
        nnx.eval_shape(lambda: mlp.new_model(arch, jax.random.key(0), 0.0)), nnx.Param, ...
    )
    nnx.replace_by_pure_dict(params, restored["params"])
    return arch, params
