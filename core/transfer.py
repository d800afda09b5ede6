"""Transfer learning with few labels: four ways to reuse the pretrained digits CNN on new classes.

Target task: digits 5–9 (labels 0–4) at fixed random positions on the 10×10 canvas, k labelled
examples per class, k = 1 … 50. For every k and seed each strategy trains a copy of the
network with Adam for TRAIN_STEPS steps on class-balanced minibatches drawn from the k
labelled examples per class, and is scored on a fixed test set of 400 images:

- from scratch: random initialisation, every layer trained;
- frozen features + linear head: the pretrained blocks fixed, only a new head trained;
- fine-tune last block: block1 fixed, block2 and a new head trained;
- fine-tune all (lower LR): every layer trained, the pretrained body at lr × scale.

The new head starts at zero (so directions the few examples never touch stay neutral). All
strategies of a seed share the labelled subset and the minibatch order, so their differences
come from the strategy alone. The labelled pool is padded to MAX_K per class and sampled with
k as a traced value, so every k reuses one compiled program.
"""

import dataclasses
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import serialization

from core import cnn

TARGET_CLASSES = (5, 6, 7, 8, 9)
MAX_K = 50
TEST_PER_CLASS = 80
SPLIT_SEED = 1
N_SEEDS = 3
TRAIN_STEPS = 100
BATCH_SIZE = 16
LOSS_EVERY = 5
K_VALUES = np.arange(1, MAX_K + 1)
K_PER_CHUNK = 10
N_CHUNKS = len(K_VALUES) // K_PER_CHUNK


@dataclasses.dataclass(frozen=True)
class Strategy:
    """How a strategy starts and what it trains; `stage` is where its trainable part begins."""

    from_pretrained: bool
    stage: int
    lower_body_lr: bool = False


STRATEGIES = {
    "from scratch": Strategy(from_pretrained=False, stage=cnn.STAGE_IMAGES),
    "frozen features + linear head": Strategy(from_pretrained=True, stage=cnn.STAGE_FEATURES),
    "fine-tune last block": Strategy(from_pretrained=True, stage=cnn.STAGE_BLOCK1),
    "fine-tune all (lower LR)": Strategy(
        from_pretrained=True, stage=cnn.STAGE_IMAGES, lower_body_lr=True
    ),
}


@dataclasses.dataclass(frozen=True)
class Settings:
    """The strategy sweep's controls (k only picks what is shown, so it is not here)."""

    seed: int = 0
    learning_rate: float = 0.01
    finetune_lr_scale: float = 0.1


def target_data() -> dict[str, np.ndarray]:
    """Digits 5–9 relabelled 0–4, at fixed seeded canvas positions.

    Returns pool_images (5, MAX_K, 10, 10), the labelled pool by class, and test_images
    (400, 10, 10) with test_labels (400,).
    """
    digits, labels = cnn.load_digit_images()
    pool, test = cnn.split_per_class(labels, TARGET_CLASSES, (MAX_K, TEST_PER_CLASS), SPLIT_SEED)
    chosen = np.concatenate([pool.ravel(), test.ravel()])
    images = np.asarray(cnn.placed_at_random(digits[chosen], SPLIT_SEED))
    return {
        "pool_images": images[: pool.size].reshape(pool.shape + images.shape[1:]),
        "test_images": images[pool.size :],
        "test_labels": (labels[test.ravel()] - TARGET_CLASSES[0]).astype(np.int32),
    }


def run_key(seed: int, seed_index: int) -> jax.Array:
    """The key of one seed's runs, shared by all strategies and all k."""
    return jax.random.fold_in(jax.random.key(seed), seed_index)


def labelled_order(key: jax.Array) -> jax.Array:
    """(5, MAX_K) pool positions; the first k of each row are that seed's labelled examples."""
    keys = jax.random.split(jax.random.fold_in(key, 0), len(TARGET_CLASSES))
    return jax.vmap(lambda k: jax.random.permutation(k, MAX_K))(keys)


def _is_head(path) -> bool:
    return path[0].key == "head"


def start_params(pretrained, fresh, from_pretrained: jax.Array):
    """A zero head on a body that is pretrained (when `from_pretrained`) or `fresh`."""

    def pick(path, fresh, trained):
        if _is_head(path):
            return jnp.zeros_like(fresh)
        return jnp.where(from_pretrained, trained, fresh)

    return jax.tree_util.tree_map_with_path(pick, fresh, pretrained)


def _draw_one(k, key):
    """A run's random parts: a fresh network, the labelled order and each step's minibatch
    (class labels and pool positions, both (TRAIN_STEPS, BATCH_SIZE))."""
    order = labelled_order(key)

    def minibatch(step_key):
        class_key, pick_key = jax.random.split(step_key)
        labels = jax.random.randint(class_key, (BATCH_SIZE,), 0, len(TARGET_CLASSES))
        return labels, order[labels, jax.random.randint(pick_key, (BATCH_SIZE,), 0, k)]

    step_keys = jax.random.split(jax.random.fold_in(key, 2), TRAIN_STEPS)
    labels, picks = jax.vmap(minibatch)(step_keys)
    return {"fresh": cnn.init_params(jax.random.fold_in(key, 1)), "order": order,
            "labels": labels, "picks": picks}  # fmt: skip


@jax.jit
def run_draws(ks: jax.Array, keys: jax.Array) -> dict:
    """The random parts of runs (k, key), stacked over runs: drawn once and shared by all
    strategies, so the strategies' training programs draw nothing.

    Why one program apart: the random bits (threefry) were ~40 % of each strategy's training
    program, compiled three times over (one program per stage), and a compiled program's memory
    grows with its size.
    """
    return jax.vmap(_draw_one)(ks, keys)


def _train_one(pretrained, pool, test_inputs, test_labels, draws, hyper, stage):
    """One run: Adam for TRAIN_STEPS on the drawn class-balanced minibatches of the k-subset."""
    lr, body_scale, from_pretrained = hyper[0], hyper[1], hyper[2] > 0
    params = start_params(pretrained, draws["fresh"], from_pretrained)
    scales = jax.tree_util.tree_map_with_path(
        lambda path, _: jnp.float32(1.0) if _is_head(path) else body_scale, params
    )
    optimizer = optax.adam(lr)

    def loss_fn(params, inputs, labels):
        logits = cnn.forward(params, inputs, stage)
        return optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()

    def step(carry, batch):
        params, opt_state = carry
        labels, picks = batch
        loss, grads = jax.value_and_grad(loss_fn)(params, pool[labels, picks], labels)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        updates = jax.tree.map(lambda u, s: u * s, updates, scales)
        return (optax.apply_updates(params, updates), opt_state), loss

    batches = (draws["labels"], draws["picks"])
    (params, _), losses = jax.lax.scan(step, (params, optimizer.init(params)), batches)
    predictions = jnp.argmax(cnn.forward(params, test_inputs, stage), axis=-1)
    accuracy = jnp.mean((predictions == test_labels).astype(jnp.float32))
    return accuracy, losses[LOSS_EVERY - 1 :: LOSS_EVERY], params


@partial(jax.jit, static_argnames=("stage",))
def train_runs(pretrained, pool_images, test_images, test_labels, draws, hyper, *, stage):
    """Trains one strategy for many runs at once (vmapped).

    Args:
      pretrained: the shipped parameters (read, never modified).
      pool_images: (5, MAX_K, 10, 10) labelled pool; test_images (T, 10, 10), test_labels (T,).
      draws: run_draws(ks, keys) of the R runs.
      hyper: float32 [learning rate, body LR scale, 1.0 if starting from pretrained else 0.0].
      stage: where training starts (frozen layers before it are applied once, up front).

    Returns:
      accuracy (R,), training loss every LOSS_EVERY steps (R, TRAIN_STEPS // LOSS_EVERY),
      and the trained parameters (stacked over R).
    """
    flat_pool = cnn.represent(pretrained, pool_images.reshape(-1, *test_images.shape[1:]), stage)
    pool = flat_pool.reshape(pool_images.shape[:2] + flat_pool.shape[1:])
    test_inputs = cnn.represent(pretrained, test_images, stage)

    def one(run_draws):
        return _train_one(pretrained, pool, test_inputs, test_labels, run_draws, hyper, stage)

    return jax.vmap(one)(draws)


@partial(jax.jit, static_argnames="repeats")
def chunk_keys(seed: jax.Array, *, repeats: int) -> jax.Array:
    """(repeats · N_SEEDS,) run keys: the N_SEEDS seeds' keys, tiled once per k of a chunk."""
    return jnp.tile(jnp.stack([run_key(seed, j) for j in range(N_SEEDS)]), repeats)


def chunk_ks(chunk: int) -> np.ndarray:
    """The K_PER_CHUNK values of k of chunk `chunk`."""
    return K_VALUES[chunk * K_PER_CHUNK : (chunk + 1) * K_PER_CHUNK]


def chunk_draws(seed: int, chunk: int) -> dict:
    """run_draws of a chunk's runs: each k of the chunk with each of the N_SEEDS seeds."""
    ks = chunk_ks(chunk)
    run_ks = np.repeat(ks, N_SEEDS).astype(np.int32)
    return run_draws(run_ks, chunk_keys(np.int32(seed), repeats=len(ks)))


def compare_chunk(pretrained, data: dict, settings: Settings, chunk: int) -> dict:
    """Every strategy for the k of chunk `chunk` (K_PER_CHUNK values), over N_SEEDS seeds.

    Returns NumPy arrays: k (K_PER_CHUNK,), accuracy (n_strategies, K_PER_CHUNK, N_SEEDS),
    loss (…, steps // LOSS_EVERY), and weights: {strategy: seed 0's pure-dict params, stacked
    over the chunk's k}.
    """
    ks, draws = chunk_ks(chunk), chunk_draws(settings.seed, chunk)
    accuracy, loss, weights = [], [], {}
    for name, strategy in STRATEGIES.items():
        scale = settings.finetune_lr_scale if strategy.lower_body_lr else 1.0
        hyper = np.asarray([settings.learning_rate, scale, strategy.from_pretrained], np.float32)
        acc, losses, params = train_runs(
            pretrained, data["pool_images"], data["test_images"], data["test_labels"],
            draws, hyper, stage=strategy.stage,
        )  # fmt: skip
        accuracy.append(np.asarray(acc).reshape(len(ks), N_SEEDS))
        loss.append(np.asarray(losses).reshape(len(ks), N_SEEDS, -1))
        weights[name] = jax.tree.map(lambda w: np.asarray(w)[::N_SEEDS], cnn.to_pure_dict(params))
    return {"k": ks, "accuracy": np.stack(accuracy), "loss": np.stack(loss), "weights": weights}


def merge_chunks(chunks: list[dict]) -> dict:
    """Joins compare_chunk results along k; adds the mean and std over seeds.

    `diverged_at` (n_strategies, k, seeds) is the first logged step whose loss is not finite,
    or 0 for runs that stayed finite.
    """
    accuracy = np.concatenate([c["accuracy"] for c in chunks], axis=1)
    loss = np.concatenate([c["loss"] for c in chunks], axis=1)
    steps = np.arange(LOSS_EVERY, TRAIN_STEPS + 1, LOSS_EVERY)
    bad = ~np.isfinite(loss)
    return {
        "strategies": list(STRATEGIES),
        "k": np.concatenate([c["k"] for c in chunks]),
        "accuracy": accuracy,
        "mean": accuracy.mean(axis=-1),
        "std": accuracy.std(axis=-1),
        "loss": loss,
        "loss_steps": steps,
        "diverged_at": np.where(bad.any(axis=-1), steps[np.argmax(bad, axis=-1)], 0),
        "weights": [c["weights"] for c in chunks],
    }


def compare_strategies(pretrained, settings: Settings = Settings()) -> dict:
    """The whole sweep, k = 1 … MAX_K (the page runs the chunks itself, to show progress)."""
    data = target_data()
    return merge_chunks([compare_chunk(pretrained, data, settings, c) for c in range(N_CHUNKS)])


def weights_at(result: dict, k: int) -> dict:
    """{strategy: pure-dict params} of seed 0 trained with k labelled examples per class."""
    chunk, row = divmod(int(k) - 1, K_PER_CHUNK)
    return {
        name: jax.tree.map(lambda w: w[row], params)
        for name, params in result["weights"][chunk].items()
    }


def weights_msgpack(result: dict, k: int) -> bytes:
    """weights_at(result, k) serialised with flax.serialization (msgpack)."""
    return serialization.msgpack_serialize(weights_at(result, k))


@jax.jit
def _features(params, images):
    return cnn.represent(params, images, cnn.STAGE_FEATURES)


def pca_2d(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Projection on the first two principal components (SVD of the centred data) and the
    share of variance each explains."""
    centred = features - features.mean(axis=0)
    _, singular, vt = np.linalg.svd(centred, full_matrices=False)
    variance = singular**2
    return centred @ vt[:2].T, variance[:2] / max(float(variance.sum()), 1e-12)


def class_separation(features: np.ndarray, labels: np.ndarray) -> float:
    """Fisher ratio tr(S_between) / tr(S_within): class-mean spread over within-class spread."""
    mean = features.mean(axis=0)
    between = within = 0.0
    for c in np.unique(labels):
        members = features[labels == c]
        between += len(members) * float(np.sum((members.mean(axis=0) - mean) ** 2))
        within += float(np.sum((members - members.mean(axis=0)) ** 2))
    return between / max(within, 1e-12)


def feature_projection(pretrained, seed: int, k: int) -> dict:
    """Target images (pool + test) through the pretrained and a random network, as 2-D PCA.

    The random network is the one "from scratch" starts from for seed index 0. Returns
    {"pretrained", "random"} points (N, 2), labels (N,), `labelled` (N,) marking the k
    examples per class that seed index 0 trains on, variance shares and class separation.
    """
    data = target_data()
    pool_images = data["pool_images"].reshape(-1, *cnn.IMAGE_SHAPE)
    images = np.concatenate([pool_images, data["test_images"]])
    labels = np.concatenate([np.repeat(np.arange(len(TARGET_CLASSES)), MAX_K), data["test_labels"]])
    # k = 1, seed index 0; picked in NumPy (indexing a jax.Array eagerly compiles ops of its own)
    first_run = jax.tree.map(lambda x: np.asarray(x)[0], chunk_draws(seed, 0))
    random_params, order = first_run["fresh"], np.asarray(first_run["order"])
    labelled = np.zeros(len(labels), bool)
    labelled[(np.arange(len(TARGET_CLASSES))[:, None] * MAX_K + order[:, :k]).ravel()] = True
    result = {"labels": labels, "labelled": labelled}
    for name, params in (("pretrained", pretrained), ("random", random_params)):
        features = np.asarray(_features(params, images))
        result[name], result[f"{name}_variance"] = pca_2d(features)
        result[f"{name}_separation"] = class_separation(features, labels)
    return result
