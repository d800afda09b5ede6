"""A small CNN for digit images in flax.nnx, and pure functions of its parameter state.

Images are scikit-learn's 8×8 digits pasted at a random position (0–2 pixels from the corner)
on a blank 10×10 canvas. Those digits are centred and size-normalised so well that raw pixels
already separate new classes from a handful of examples, leaving nothing for pretraining to
add; a digit that may sit anywhere is what makes learned, position-independent stroke
detectors worth reusing.

The model is split once (`GRAPHDEF`); everything else takes the parameter state (an
`nnx.State`, a pytree) as an argument, so it can be jitted, vmapped over seeds and trained
with optax without nnx's Python overhead. Layers form blocks so that transfer strategies can
freeze a prefix of the network:

    images (N, 10, 10) ─block1─▶ (N, 5, 5, C1) ─block2─▶ features (N, C2) ─head─▶ logits (N, 5)
"""

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from core import digits as digit_data

DIGIT_SIZE = 8
IMAGE_SIZE = 10
IMAGE_SHAPE = (IMAGE_SIZE, IMAGE_SIZE)
NUM_CLASSES = 5
CHANNELS = (8, 64)
FEATURES = CHANNELS[1]
# Where a forward pass may start: raw images, block1's output, or the feature vector.
STAGE_IMAGES, STAGE_BLOCK1, STAGE_FEATURES = 0, 1, 2


class DigitsCNN(nnx.Module):
    """conv3×3/2(SAME)–ReLU → conv3×3(VALID)–ReLU → global max pool → linear head."""

    def __init__(self, num_classes: int = NUM_CLASSES, *, rngs: nnx.Rngs):
        self.conv1 = nnx.Conv(1, CHANNELS[0], (3, 3), strides=2, padding="SAME", rngs=rngs)
        self.conv2 = nnx.Conv(CHANNELS[0], CHANNELS[1], (3, 3), padding="VALID", rngs=rngs)
        self.head = nnx.Linear(FEATURES, num_classes, rngs=rngs)

    def block1(self, images: jax.Array) -> jax.Array:
        """(N, 10, 10) in [0, 1] → (N, 5, 5, C1)."""
        kernel, bias = self.conv1.kernel[...], self.conv1.bias[...]
        return jax.nn.relu(conv3x3(images[..., None], kernel, bias, pad=(0, 1), stride=2))

    def block2(self, h: jax.Array) -> jax.Array:
        """(N, 5, 5, C1) → features (N, C2): each filter's strongest response anywhere."""
        h = jax.nn.relu(conv3x3(h, self.conv2.kernel[...], self.conv2.bias[...], pad=(0, 0)))
        return h.max(axis=(1, 2))

    def __call__(self, images: jax.Array) -> jax.Array:
        return self.head(self.block2(self.block1(images)))


def conv3x3(
    x: jax.Array, kernel: jax.Array, bias: jax.Array, *, pad: tuple[int, int], stride: int = 1
) -> jax.Array:
    """A 3×3 convolution as one matmul over image patches (NHWC input, HWIO kernel).

    `pad` = (before, after) zeros on each spatial side; `nnx.Conv`'s "SAME" is (1, 1) at
    stride 1 and (0, 1) at stride 2 on even sizes, "VALID" is (0, 0). Same numbers as
    `nnx.Conv`, but vmapped over many models' kernels it is a batched matmul, which XLA runs
    several times faster on CPU than a grouped convolution.
    """
    x = jnp.pad(x, ((0, 0), pad, pad, (0, 0)))
    out_h, out_w = (x.shape[1] - 3) // stride + 1, (x.shape[2] - 3) // stride + 1
    patches = [
        x[:, i : i + stride * (out_h - 1) + 1 : stride, j : j + stride * (out_w - 1) + 1 : stride]
        for i in range(3)
        for j in range(3)
    ]
    return jnp.concatenate(patches, axis=-1) @ kernel.reshape(-1, kernel.shape[-1]) + bias


GRAPHDEF, _TEMPLATE = nnx.split(nnx.eval_shape(lambda: DigitsCNN(rngs=nnx.Rngs(0))))


def init_params(key: jax.Array) -> nnx.State:
    """Fresh parameters (LeCun-normal kernels, zero biases); vmappable over keys."""
    return nnx.split(DigitsCNN(rngs=nnx.Rngs(params=key)))[1]


def forward(params: nnx.State, inputs: jax.Array, stage: int = STAGE_IMAGES) -> jax.Array:
    """Logits (N, 5) from images (stage 0), block1 outputs (1) or features (2)."""
    model = nnx.merge(GRAPHDEF, params)
    if stage <= STAGE_IMAGES:
        inputs = model.block1(inputs)
    if stage <= STAGE_BLOCK1:
        inputs = model.block2(inputs)
    return model.head(inputs)


def represent(params: nnx.State, images: jax.Array, stage: int) -> jax.Array:
    """The images as seen at `stage`: themselves (0), after block1 (1), as features (2)."""
    model = nnx.merge(GRAPHDEF, params)
    if stage >= STAGE_BLOCK1:
        images = model.block1(images)
    if stage >= STAGE_FEATURES:
        images = model.block2(images)
    return images


def parameter_count(params: nnx.State) -> int:
    return int(sum(np.size(leaf) for leaf in jax.tree.leaves(params)))


def to_pure_dict(params: nnx.State) -> dict:
    """Nested {layer: {name: np.ndarray}}, the form saved as msgpack."""
    return jax.tree.map(np.asarray, nnx.to_pure_dict(params))


def from_pure_dict(pure: dict) -> nnx.State:
    """A new parameter state holding float32 copies of `pure`'s arrays."""
    state = jax.tree.map(lambda x: x, _TEMPLATE)
    nnx.replace_by_pure_dict(state, jax.tree.map(lambda a: jnp.asarray(a, jnp.float32), pure))
    return state


def load_digit_images() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8×8 digits (offline): images (1797, 8, 8) in [0, 1], labels."""
    images, labels = digit_data.load()
    return (images / 16.0).astype(np.float32), labels.astype(np.int32)


def place_on_canvas(digits: jax.typing.ArrayLike, offsets: jax.typing.ArrayLike) -> jax.Array:
    """(N, 8, 8) digits pasted at (row, col) offsets (N, 2) in 0…2 onto blank (N, 10, 10) images."""
    margin = IMAGE_SIZE - DIGIT_SIZE

    def place(digit, offset):
        padded = jnp.pad(digit, margin)
        start = margin - offset
        return jax.lax.dynamic_slice(padded, (start[0], start[1]), (IMAGE_SIZE, IMAGE_SIZE))

    return jax.vmap(place)(jnp.asarray(digits, jnp.float32), jnp.asarray(offsets, jnp.int32))


def random_offsets(key: jax.Array, count: int) -> jax.Array:
    """(count, 2) offsets, uniform over the 3×3 positions a digit can take on the canvas."""
    return jax.random.randint(key, (count, 2), 0, IMAGE_SIZE - DIGIT_SIZE + 1)


@jax.jit
def placed_at_random(digits: jax.typing.ArrayLike, seed: jax.typing.ArrayLike) -> jax.Array:
    """place_on_canvas at random_offsets(key(seed), N): one compiled program where, run op by
    op, every step compiled one of its own (the server kept ~1.4 MB for each)."""
    return place_on_canvas(digits, random_offsets(jax.random.key(seed), digits.shape[0]))


def split_per_class(
    labels: np.ndarray, classes: tuple[int, ...], counts: tuple[int, ...], seed: int
) -> list[np.ndarray]:
    """Disjoint index sets: for each count, that many examples of every class (None = the rest).

    Returns one (len(classes), count) index array per count (class-major order); the last
    count may be None to take every remaining example, returned flat.
    """
    rng = np.random.default_rng(seed)
    per_class = [rng.permutation(np.flatnonzero(labels == c)) for c in classes]
    parts, start = [], 0
    for count in counts:
        if count is None:
            parts.append(np.concatenate([idx[start:] for idx in per_class]))
        else:
            parts.append(np.stack([idx[start : start + count] for idx in per_class]))
            start += count
    return parts
