"""Pretrains the digits CNN on the source task and writes the weights the app ships.

    python -m core.pretrain            # writes assets/pretrained/cnn_digits04.{msgpack,json}
    python -m core.pretrain --out /tmp/x --epochs 3

Source task: scikit-learn's bundled digits 0–4; the transfer page's target task is digits 5–9.
Same digits style, disjoint classes: the filters (strokes, loops, corners) should carry over,
the classifier cannot. Everything is seeded, so the same seed gives the same weights.
"""

import argparse
import dataclasses
import hashlib
import json
from functools import partial
from pathlib import Path

import flax
import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import serialization

from core import cnn

SOURCE_CLASSES = (0, 1, 2, 3, 4)
TEST_PER_CLASS = 36
SPLIT_SEED = 0
ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets" / "pretrained"
WEIGHTS_NAME = "cnn_digits04"
WEIGHTS_FILE = ASSETS_DIR / f"{WEIGHTS_NAME}.msgpack"


@dataclasses.dataclass(frozen=True)
class PretrainConfig:
    """Hyperparameters of the shipped run (the JSON card records them)."""

    seed: int = 0
    epochs: int = 40
    batch_size: int = 64
    learning_rate: float = 3e-3


def source_data() -> dict[str, np.ndarray]:
    """Digits 0–4, labels 0–4: TEST_PER_CLASS test images per class, the rest for training.

    Training digits stay 8×8 (each minibatch places them anew on the canvas); test digits sit
    at fixed seeded positions on the 10×10 canvas.
    """
    digits, labels = cnn.load_digit_images()
    test, train = cnn.split_per_class(labels, SOURCE_CLASSES, (TEST_PER_CLASS, None), SPLIT_SEED)
    test = test.ravel()
    return {
        "train_digits": digits[train],
        "train_labels": labels[train],
        "test_images": np.asarray(cnn.placed_at_random(digits[test], SPLIT_SEED)),
        "test_labels": labels[test],
    }


def cross_entropy(params, images: jax.Array, labels: jax.Array) -> jax.Array:
    """Mean softmax cross-entropy of the CNN's logits."""
    logits = cnn.forward(params, images)
    return optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()


@partial(jax.jit, static_argnames=("epochs", "batch_size"))
def train(key: jax.Array, digits, labels, learning_rate, *, epochs: int, batch_size: int):
    """Adam on shuffled minibatches, each digit at a fresh random canvas position; one scan.

    Returns (params, loss per step). Minibatches drop the remainder of each epoch.
    """
    init_key, shuffle_key, place_key = jax.random.split(key, 3)
    params = cnn.init_params(init_key)
    optimizer = optax.adam(learning_rate)
    per_epoch = digits.shape[0] // batch_size
    orders = jax.vmap(lambda k: jax.random.permutation(k, digits.shape[0]))(
        jax.random.split(shuffle_key, epochs)
    )
    batches = orders[:, : per_epoch * batch_size].reshape(epochs * per_epoch, batch_size)
    place_keys = jax.random.split(place_key, epochs * per_epoch)

    def step(carry, batch_and_key):
        params, opt_state = carry
        batch, step_key = batch_and_key
        images = cnn.place_on_canvas(digits[batch], cnn.random_offsets(step_key, batch_size))
        loss, grads = jax.value_and_grad(cross_entropy)(params, images, labels[batch])
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return (optax.apply_updates(params, updates), opt_state), loss

    start = (params, optimizer.init(params))
    (params, _), losses = jax.lax.scan(step, start, (batches, place_keys))
    return params, losses


@jax.jit
def accuracy(params, images: jax.Array, labels: jax.Array) -> jax.Array:
    return jnp.mean(jnp.argmax(cnn.forward(params, images), axis=-1) == labels)


def pretrain(config: PretrainConfig = PretrainConfig()) -> tuple[flax.nnx.State, dict]:
    """Trains on the source task; returns the parameters and their card."""
    data = source_data()
    params, losses = train(
        jax.random.key(config.seed),
        data["train_digits"],
        data["train_labels"],
        jnp.float32(config.learning_rate),
        epochs=config.epochs,
        batch_size=config.batch_size,
    )
    test_accuracy = accuracy(params, data["test_images"], data["test_labels"])
    c1, c2 = cnn.CHANNELS
    card = {
        "model": f"DigitsCNN (core/cnn.py): conv3x3/2({c1}, SAME)-relu, "
        f"conv3x3({c2}, VALID)-relu, global max pool ({c2} features), linear(5)",
        "source_data": "scikit-learn load_digits (bundled 8x8 handwritten digits, offline), "
        "pixels / 16, each digit pasted at a random offset 0-2 px on a blank 10x10 canvas "
        "(fresh offsets every minibatch in training; fixed seeded offsets for the test set)",
        "source_classes": list(SOURCE_CLASSES),
        "target_classes_on_page": [5, 6, 7, 8, 9],
        "split": f"per class {TEST_PER_CLASS} test images, the rest train; "
        f"numpy default_rng({SPLIT_SEED}) permutation per class; "
        f"test offsets from jax.random.key({SPLIT_SEED})",
        "n_train": len(data["train_labels"]),
        "n_test": len(data["test_labels"]),
        **dataclasses.asdict(config),
        "optimizer": "adam",
        "final_train_loss": round(float(losses[-1]), 6),
        "test_accuracy": round(float(test_accuracy), 6),
        "parameter_count": cnn.parameter_count(params),
        "script": "python -m core.pretrain",
        "versions": {"jax": jax.__version__, "flax": flax.__version__, "optax": optax.__version__},
    }
    return params, card


def save(params: flax.nnx.State, card: dict, directory: Path = ASSETS_DIR) -> Path:
    """Writes <name>.msgpack (flax.serialization of the pure dict) and <name>.json (the card)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    blob = serialization.msgpack_serialize(cnn.to_pure_dict(params))
    card = {**card, "weights_sha256": hashlib.sha256(blob).hexdigest()}
    (directory / f"{WEIGHTS_NAME}.msgpack").write_bytes(blob)
    (directory / f"{WEIGHTS_NAME}.json").write_text(json.dumps(card, indent=2) + "\n")
    return directory


def load(directory: Path = ASSETS_DIR) -> tuple[flax.nnx.State, dict]:
    """The shipped parameters (a fresh state: callers may do as they like with it) and card."""
    directory = Path(directory)
    blob = (directory / f"{WEIGHTS_NAME}.msgpack").read_bytes()
    card = json.loads((directory / f"{WEIGHTS_NAME}.json").read_text())
    return cnn.from_pure_dict(serialization.msgpack_restore(blob)), card


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ASSETS_DIR)
    parser.add_argument("--seed", type=int, default=PretrainConfig.seed)
    parser.add_argument("--epochs", type=int, default=PretrainConfig.epochs)
    args = parser.parse_args(argv)
    params, card = pretrain(PretrainConfig(seed=args.seed, epochs=args.epochs))
    save(params, card, args.out)
    print(json.dumps(card, indent=2))
    return card


if __name__ == "__main__":
    main()
